"""The student's side of sandboxed grading: run cells, answer calls, hold the objects.

Started by :class:`course_utils.grading.sandbox.Sandbox` inside the isolation
(``python -m course_utils.grading.worker``), it reads requests on its standard input and
answers on its standard output, which it keeps for itself: the student's code prints into a
buffer that travels back with each answer, and anything written to file descriptors 1 and 2
goes to ``/dev/null``. Nothing here decides a grade: the worker only computes what the
grader asks for, with the student's code, and sends back plain data (see :mod:`.codec`).

Requests (``"op"``): ``seal`` (make references unavailable), ``run`` (a cell), ``get`` (a
name of the student's namespace), ``call``, ``getattr``, ``setattr``, ``getitem``,
``setitem``, ``keys``. During a ``call`` the worker may itself send ``callback`` requests,
for functions the grader passed in as arguments; they are valid only during that call.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import os
import resource
import signal
import sys
import traceback
import types
from typing import Any

from course_utils.grading.codec import (CodecError, Decoder, Encoder, is_plain,
                                        read_message, write_message)


class CellTimeout(TimeoutError):
    """The grader's time limit for one cell or call ran out."""


_RETRY_SECONDS = 0.05      # how soon the time limit is signalled again after an import


def _importing(frame) -> bool:
    """Whether ``frame`` runs inside Python's import machinery (a module being loaded)."""
    while frame is not None:
        if frame.f_code.co_filename.startswith("<frozen importlib._bootstrap"):
            return True
        frame = frame.f_back
    return False


def _alarm(signum, frame):
    # An interruption inside an import leaves the package half-initialised, and the next
    # import of it fails in ways unrelated to the student's code (matplotlib's duplicate
    # PolyCollection class: "KeyError: 'PolyCollection:kwdoc'"; SciPy's NameError). So the
    # limit waits for the import to finish; an import that never finishes is killed by the
    # grader's hard limit, a few seconds later.
    if _importing(frame):
        signal.setitimer(signal.ITIMER_REAL, _RETRY_SECONDS)
        return
    raise CellTimeout("the time limit for this cell or call ran out (an endless loop, or far "
                      "too slow)")


@contextlib.contextmanager
def _deadline(seconds: float | None):
    """Raise :class:`CellTimeout` in the student's code after ``seconds`` (a soft limit:
    code that swallows it is killed by the grader a little later)."""
    if not seconds:
        yield
        return
    signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, float(seconds))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def _orphans() -> set[str]:
    """Submodules in ``sys.modules`` whose package is not there (a few C extensions register
    such names on purpose, for example ``pybind11_abseil.status``)."""
    names = set(sys.modules)
    return {name for name in names if "." in name and not name.startswith("course_utils")
            and any(prefix not in names for prefix in _prefixes(name))}


def _prefixes(name: str) -> list[str]:
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def _forget_broken_imports(before: set[str]) -> None:
    """Drop the submodules that an interrupted import left without their package.

    An exception raised inside an import (the cell's time limit, most often) removes the
    package being imported but leaves its finished submodules behind; importing the package
    again then re-runs its ``__init__`` against them, and it fails (SciPy 1.17's
    ``scipy.ndimage``: ``NameError: name '_ndimage_api' is not defined``), costing the student
    every later exercise. Forgetting the new orphans (those not in ``before``) lets the next
    import start clean. The course's own modules are kept: they hold the sealed references.
    """
    for name in _orphans() - before:
        sys.modules.pop(name, None)


class ReferenceUnavailable(RuntimeError):
    """The course's reference for an exercise is unavailable while it is graded."""


def _stub(dotted: str):
    def unavailable(*args, **kwargs):
        raise ReferenceUnavailable(
            f"{dotted} is the course's reference for what this exercise asks you to write: "
            "it is unavailable while your work is graded. Write it yourself.")
    unavailable.__name__ = dotted.rsplit(".", 1)[-1]
    return unavailable


class Worker:
    def __init__(self, fd_in: int, fd_out: int):
        from IPython.core.interactiveshell import InteractiveShell

        self.fd_in, self.fd_out = fd_in, fd_out
        self.shell = InteractiveShell.instance(colors="NoColor")
        self.namespace = self.shell.user_ns
        self.objects: dict[int, Any] = {}
        self.callbacks_valid: set[int] = set()
        self.memory_gib = float(os.environ.get("COURSE_GRADING_MEMORY_GIB", "4") or 0)
        self.limited = False

    # ------------------------------------------------------------------ plumbing
    def send(self, header: dict, value: Any = None, **encoded: Any) -> None:
        encoder = Encoder(handle=self.handle)
        body = {**header}
        if value is not None or "value" in header:
            body["value"] = encoder.encode(value)
        for key, item in encoded.items():
            body[key] = encoder.encode(item)
        write_message(self.fd_out, body, encoder.blobs)

    def handle(self, value: Any) -> dict:
        """Keep ``value`` here and send a handle to it."""
        if isinstance(value, _Live):
            value = value.value
        key = id(value)
        self.objects[key] = value
        if isinstance(value, type):
            kind = "class"
        elif callable(value):
            kind = "callable"
        elif isinstance(value, dict):
            kind = "dict"
        else:
            kind = "object"
        name = getattr(value, "__qualname__", None) or type(value).__qualname__
        return {"__handle__": key, "side": "sandbox", "kind": kind, "name": str(name)}

    def resolve(self, data: dict) -> Any:
        if data.get("side") == "sandbox":
            key = int(data["__handle__"])
            if key not in self.objects:
                raise CodecError("a handle to an object that no longer exists")
            return self.objects[key]
        if data.get("side") == "grader":
            return self._callback(int(data["__handle__"]), str(data.get("name", "function")))
        if data.get("side") == "shared":
            return self._shared(str(data["class"]), data.get("state"))
        raise CodecError("a malformed handle")

    def _callback(self, key: int, name: str):
        def call_grader(*args, **kwargs):
            if key not in self.callbacks_valid:
                raise RuntimeError(f"{name} was passed to your function for one call only")
            self.send({"op": "callback", "target": key}, args=list(args), kwargs=kwargs)
            header, blobs = read_message(self.fd_in)
            result = Decoder(blobs, handle=self.resolve).decode(header.get("value"))
            if header.get("error"):
                raise RuntimeError(header["error"])
            return result
        self.callbacks_valid.add(key)
        call_grader.__name__ = name
        return call_grader

    def _shared(self, class_name: str, state: Any):
        """An instance of a class the instructor's cells defined, with the grader's state."""
        cls = self.namespace.get(class_name)
        if not isinstance(cls, type):
            raise CodecError(f"the class {class_name} is not defined in the notebook")
        obj = cls()
        decoded = Decoder([], handle=self.resolve).decode(state)
        for key, value in (decoded or {}).items():
            setattr(obj, key, value)
        return obj

    def limit_memory(self) -> None:
        """Cap the address space (hard limit: the student's code cannot raise it)."""
        if self.limited or self.memory_gib <= 0 or not sys.platform.startswith("linux"):
            return
        with open("/proc/self/status") as status:
            in_use = next(int(line.split()[1]) * 1024 for line in status
                          if line.startswith("VmSize"))
        cap = in_use + int(self.memory_gib * 2**30)
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
        self.limited = True

    # ------------------------------------------------------------------ requests
    def op_seal(self, request: dict) -> dict:
        """Import the ``preload`` libraries, then replace each reference, wherever the
        course's modules hold it, by a stub.

        The preloaded modules (what the instructor's cells import) are imported here,
        before any cell's time limit runs: importing TensorFlow takes tens of seconds on a
        busy machine, which would otherwise count against the first cell of every
        submission. They come from the installed packages, never from the work folder.
        """
        path = sys.path[:]
        sys.path[:] = [p for p in path if p not in ("", ".") and
                       os.path.abspath(p) != os.getcwd()]
        try:
            for name in request.get("preload", []):
                orphans = _orphans()
                try:
                    importlib.import_module(str(name))
                except Exception:      # the cell that imports it shows the error, in place
                    _forget_broken_imports(orphans)
        finally:
            sys.path[:] = path
        sealed = []
        for dotted in request.get("references", []):
            module_name, _, attr = str(dotted).rpartition(".")
            module = importlib.import_module(module_name)
            original = getattr(module, attr)
            stub = _stub(dotted)
            for name, other in list(sys.modules.items()):
                if not isinstance(other, types.ModuleType) or not name.startswith("course_utils"):
                    continue
                for key, value in list(vars(other).items()):
                    if value is original:
                        setattr(other, key, stub)
            sealed.append(dotted)
        return {"sealed": sealed}

    def _snapshot(self) -> dict[str, int]:
        return {k: id(v) for k, v in self.namespace.items()
                if not k.startswith("_") and not isinstance(v, types.ModuleType)}

    def op_run(self, request: dict) -> dict:
        if not request.get("shared"):
            self.limit_memory()
        before, orphans = self._snapshot(), _orphans()
        buffer = io.StringIO()
        with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer), \
                _deadline(request.get("timeout")):
            result = self.shell.run_cell(str(request["source"]), store_history=False,
                                         silent=False)
        error = result.error_before_exec or result.error_in_exec
        if error is not None:
            _forget_broken_imports(orphans)
        after = self._snapshot()
        assigned = sorted(k for k, v in after.items() if before.get(k) != v)
        reply = {"stdout": buffer.getvalue()[-200_000:], "assigned": assigned}
        if error is not None:
            reply["error"] = {"ename": type(error).__name__, "evalue": str(error)[:2000]}
        return reply

    def op_get(self, request: dict) -> tuple[dict, Any]:
        name = str(request["name"])
        if name not in self.namespace:
            raise NameError(f"name {name!r} is not defined")
        return {}, self.namespace[name]

    def _target(self, request: dict) -> Any:
        key = int(request["target"])
        if key not in self.objects:
            raise CodecError("a handle to an object that no longer exists")
        return self.objects[key]

    def op_call(self, request: dict, blobs: list[bytes]) -> tuple[dict, Any]:
        self.limit_memory()
        target = self._target(request)
        decoder = Decoder(blobs, handle=self.resolve)
        args = decoder.decode(request.get("args", []))
        kwargs = decoder.decode(request.get("kwargs", {"__dict__": []}))
        buffer = io.StringIO()
        try:
            with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer), \
                    _deadline(request.get("timeout")):
                value = target(*args, **kwargs)
                value = self._symbolic(value, decoder)
        finally:
            self.callbacks_valid.clear()
        after = [self._after(a) for a in args]
        after_kw = {k: self._after(v) for k, v in kwargs.items()}
        return {"stdout": buffer.getvalue()[-200_000:], "after": (after, after_kw)}, value

    @staticmethod
    def _symbolic(value: Any, decoder: Decoder) -> Any:
        """Keras symbolic outputs computed from the grader's inputs cross as one model."""
        keras = sys.modules.get("keras")
        if keras is None:           # no Keras imported, so no symbolic output either
            return value
        leaves = keras.tree.flatten(value) if value is not None else []
        if not leaves or not all(type(v).__name__ == "KerasTensor" for v in leaves):
            return value
        inputs = [decoder.inputs[i] for i in sorted(decoder.inputs)]
        return {"__symbolic__": keras.Model(inputs, value), "inputs": sorted(decoder.inputs)}

    def _after(self, value: Any) -> Any:
        """What an argument became, for the grader to copy back (mutable kinds only)."""
        import numpy as np

        keras = sys.modules.get("keras")
        if keras is not None and isinstance(value, keras.Model):
            return {"weights": [np.asarray(w) for w in value.get_weights()]}
        if isinstance(value, np.random.Generator):
            return {"rng_state": value.bit_generator.state}
        if isinstance(value, (np.ndarray, dict, list)) and is_plain(value):
            return {"value": value}
        if isinstance(value, (list, tuple)):
            return {"items": [self._after(v) for v in value]}
        if type(value).__module__ == "__main__" and not isinstance(value, type):
            state = {k: v for k, v in vars(value).items() if is_plain(v)}
            return {"state": state}
        return None

    def op_getattr(self, request: dict) -> tuple[dict, Any]:
        target = self._target(request)
        value = getattr(target, str(request["attr"]))
        if isinstance(value, dict):
            return {"live": True}, _Live(value)
        return {}, value

    def op_setattr(self, request: dict, blobs: list[bytes]) -> tuple[dict, Any]:
        value = Decoder(blobs, handle=self.resolve).decode(request.get("value"))
        setattr(self._target(request), str(request["attr"]), value)
        return {}, None

    def op_getitem(self, request: dict, blobs: list[bytes]) -> tuple[dict, Any]:
        key = Decoder(blobs, handle=self.resolve).decode(request.get("key"))
        return {}, self._target(request)[key]

    def op_setitem(self, request: dict, blobs: list[bytes]) -> tuple[dict, Any]:
        decoder = Decoder(blobs, handle=self.resolve)
        key, value = decoder.decode(request.get("key")), decoder.decode(request.get("value"))
        self._target(request)[key] = value
        return {}, None

    def op_keys(self, request: dict) -> tuple[dict, Any]:
        return {}, list(self._target(request).keys())

    def serve(self) -> None:
        while True:
            try:
                request, blobs = read_message(self.fd_in)
            except EOFError:
                return
            op = str(request.get("op"))
            orphans = _orphans() if op in ("call", "get", "getattr", "getitem") else None
            try:
                if op == "seal":
                    self.send({"ok": True, **self.op_seal(request)})
                elif op == "run":
                    self.send({"ok": True, **self.op_run(request)})
                elif op in ("get", "getattr", "keys"):
                    header, value = getattr(self, f"op_{op}")(request)
                    self.send({"ok": True, **header}, value=value)
                elif op in ("call", "setattr", "getitem", "setitem"):
                    header, value = getattr(self, f"op_{op}")(request, blobs)
                    after = header.pop("after", None)
                    extra = {"after": after} if after is not None else {}
                    self.send({"ok": True, **header}, value=value, **extra)
                else:
                    self.send({"ok": False, "error": f"unknown request {op!r}"})
            except BaseException as error:  # the student's error, reported, never fatal
                if orphans is not None:
                    _forget_broken_imports(orphans)
                text = "".join(traceback.format_exception_only(type(error), error)).strip()
                try:
                    self.send({"ok": False, "error": text[-4000:], "ename": type(error).__name__})
                except CodecError as codec_error:   # pragma: no cover - plain strings encode
                    self.send({"ok": False, "error": str(codec_error)})


class _Live:
    """A dict attribute of the student's object, sent as a live handle."""

    def __init__(self, value: dict):
        self.value = value


def main() -> None:
    # Keep the channel to the grader private: the student's prints go to a buffer, and
    # whatever reaches file descriptors 1 and 2 goes nowhere.
    fd_in, fd_out = os.dup(0), os.dup(1)
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    sys.stdin = open(os.devnull)
    sys.stdout = sys.stderr = io.StringIO()
    os.environ.setdefault("MPLBACKEND", "Agg")
    # the assignments' setup cells ask the same before they import Keras (preloaded now)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    Worker(fd_in, fd_out).serve()


if __name__ == "__main__":
    main()
