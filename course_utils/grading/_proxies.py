"""The grader's handles on the student's objects: proxies that send each call to the sandbox,
and the helpers that copy in-place changes back and inline symbolic Keras results."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from course_utils.grading.sandbox import Sandbox


class _Proxy:
    _bound_name: str | None = None

    def __init__(self, sandbox: Sandbox, key: int, name: str):
        object.__setattr__(self, "_sandbox", sandbox)
        object.__setattr__(self, "_key", key)
        object.__setattr__(self, "_name", name)
        object.__setattr__(self, "_generation", sandbox.generation)

    def __repr__(self) -> str:
        return f"<student's {self._name}>"


class _FunctionProxy(_Proxy):
    """A function or class of the student's: calling it runs it in the sandbox."""

    def __call__(self, *args, **kwargs):
        return self._sandbox.call(self, args, kwargs)


class _ObjectProxy(_Proxy):
    """An instance of the student's class: attributes read by value, methods called there."""

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("__"):
            raise AttributeError(attr)
        return self._sandbox.request(self, "getattr", attr=attr)

    def __setattr__(self, attr: str, value: Any) -> None:
        if attr.startswith("_"):
            object.__setattr__(self, attr, value)
            return
        self._sandbox.request(self, "setattr", attr=attr, value=value)


class _DictProxy(_Proxy):
    """A dict attribute of the student's object, changed in place through the proxy."""

    def __getitem__(self, key):
        return self._sandbox.request(self, "getitem", key=key)

    def __setitem__(self, key, value):
        self._sandbox.request(self, "setitem", key=key, value=value)

    def keys(self):
        return list(self._sandbox.request(self, "keys"))

    def __iter__(self):
        return iter(self.keys())

    def __len__(self):
        return len(self.keys())

    def __contains__(self, key):
        return key in self.keys()

    def items(self):
        return [(k, self[k]) for k in self.keys()]

    def values(self):
        return [self[k] for k in self.keys()]


class _Missing:
    """A student's name that could not be fetched: using it raises the reason."""

    def __init__(self, name: str, reason: str):
        self._name, self._reason = name, reason

    def _fail(self, *args, **kwargs):
        from course_utils.grading.sandbox import SandboxError

        raise SandboxError(f"{self._name} could not be read from your notebook: {self._reason}")

    __call__ = __getattr__ = __getitem__ = __iter__ = __len__ = __array__ = _fail

    def __repr__(self) -> str:
        return f"<{self._name}: unavailable ({self._reason})>"


def _flatten(value: Any) -> list[Any]:
    if isinstance(value, (list, tuple)):
        return [leaf for item in value for leaf in _flatten(item)]
    if isinstance(value, dict):
        return [leaf for item in value.values() for leaf in _flatten(item)]
    return [value]


def _copy_back(originals: list[Any], after: list[Any]) -> None:
    """Apply to the grader's arguments what the student's function did to its copies."""
    import numpy as np

    for original, change in zip(originals, after):
        if not isinstance(change, dict):
            continue
        if "rng_state" in change and isinstance(original, np.random.Generator):
            original.bit_generator.state = change["rng_state"]
        elif "weights" in change and hasattr(original, "set_weights"):
            current = original.get_weights()
            if [np.shape(w) for w in current] == [np.shape(w) for w in change["weights"]]:
                original.set_weights(change["weights"])
        elif "value" in change:
            new = change["value"]
            if isinstance(original, np.ndarray) and np.shape(new) == original.shape \
                    and original.flags.writeable:
                original[...] = new
            elif isinstance(original, dict) and isinstance(new, dict):
                original.clear()
                original.update(new)
            elif isinstance(original, list) and isinstance(new, list):
                original[:] = new
        elif "items" in change and isinstance(original, (list, tuple)):
            _copy_back(list(original), list(change["items"]))
        elif "state" in change and isinstance(change["state"], dict):
            for key, value in change["state"].items():
                setattr(original, key, value)


def _inline(model, tensors: list[Any]):
    """The layers of the student's block, called on the grader's own symbolic inputs."""
    try:
        return model.call(list(tensors))     # the worker built the model on a list of inputs
    except Exception:   # pragma: no cover - a structure Functional.call cannot replay
        return model(list(tensors))
