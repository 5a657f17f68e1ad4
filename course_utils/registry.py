"""The model registry: each network of the course declared once, with its paper and count.

A builder is registered with :func:`register_model` (a decorator, in the style of timm's
``@register_model``) or, when it only fixes arguments of a family builder, with
:func:`register_variant`, which writes the one-line wrapper for it. Either way the card
(:class:`ModelCard`) holds the name, the paper and the documented parameter count, and
everything else reads them from there: the zoo's table (:func:`model_table`),
:func:`list_models`, :func:`get_model`, the builders' docstrings and the count tests.

Networks outside the zoo (the training recipes' nets, the search space's network, the
generative models, the data-parallel demo's net) register here too, with a ``task`` other
than ``"classify"`` when they do not take the Keras Applications signature ``(input_shape,
num_classes, *, include_top, pooling, classifier_activation, name)``.

This module imports nothing of the course, so any module can register its builders
without an import loop; :func:`list_models` imports the modules that register (once).
"""

from __future__ import annotations

import dataclasses
import difflib
import importlib
import inspect
from collections.abc import Callable
from typing import Any

# The modules whose import registers builders, in syllabus order (the order of
# list_models()). The zoo registers the classic networks; the others register theirs.
REGISTERING_MODULES = (
    "course_utils.zoo",
    "course_utils.train.recipes.mnist",
    "course_utils.train.recipes.cifar",
    "course_utils.search",
    "course_utils.parallel",
    "course_utils.generative",
)
TASKS = ("classify", "classify-only", "generate")

_CARDS: dict[str, ModelCard] = {}
_loaded = False


@dataclasses.dataclass(frozen=True)
class ModelCard:
    """What the course states about one registered network.

    Attributes
    ----------
    name : str
        The registered name (``get_model(name)``).
    build : callable
        The builder; ``build(**example)`` gives the canonical network.
    paper : str
        The paper (authors, venue, year; the table or section the network is from).
    params : int
        ``count_params()`` of the canonical network (Keras convention: batch-norm moving
        statistics included). The count tests build every card and compare.
    trainable : int or None
        The trainable count where a paper or torchvision quotes it (no batch-norm
        statistics).
    task : str
        ``"classify"``: the Keras Applications signature (``include_top``, ``pooling``,
        ...); ``"classify-only"``: an image classifier with ``(input_shape, num_classes)``
        and options of its own; ``"generate"``: a generative model.
    example : dict
        Arguments of the canonical build beyond the builder's defaults.
    """

    name: str
    build: Callable[..., Any]
    paper: str
    params: int
    trainable: int | None = None
    task: str = "classify"
    example: dict = dataclasses.field(default_factory=dict)

    @property
    def module(self) -> str:
        """The module that defines the builder."""
        return self.build.__module__

    @property
    def input_shape(self) -> tuple | None:
        """The canonical input shape: ``example["input_shape"]`` or the builder's default."""
        return tuple(self.example.get("input_shape", _default(self.build, "input_shape")) or ()) or None

    @property
    def num_classes(self) -> int | None:
        return self.example.get("num_classes", _default(self.build, "num_classes"))

    def canonical(self):
        """Build the canonical network (the one whose count is ``params``), built."""
        model = self.build(**self.example)
        if not model.built and self.input_shape:
            import numpy as np
            model(np.zeros((1, *self.input_shape), "float32"))
        return model

    def describe(self) -> str:
        """One sentence: the count at the canonical input, and the paper."""
        where = []
        if self.input_shape:
            where.append("x".join(str(s) for s in self.input_shape))
        if self.num_classes:
            where.append(f"{self.num_classes} classes")
        at = f" at {' and '.join(where)}" if where else ""
        trainable = f" ({self.trainable:,} trainable)" if self.trainable is not None else ""
        return f"{self.params:,} parameters{at}{trainable}; {self.paper}."


def _default(function: Callable, parameter: str):
    try:
        param = inspect.signature(function).parameters.get(parameter)
    except (TypeError, ValueError):
        return None
    return None if param is None or param.default is inspect.Parameter.empty else param.default


def _check_card(name: str, paper: str, params: int, trainable: int | None, task: str) -> None:
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"a registered name must be a Python identifier, got {name!r}.")
    if name in _CARDS:
        raise ValueError(f"model {name!r} is registered twice (first by "
                         f"{_CARDS[name].build.__module__}).")
    if not isinstance(paper, str) or not paper:
        raise ValueError(f"{name}: paper must name the source, got {paper!r}.")
    for label, count in (("params", params), ("trainable", trainable)):
        if count is not None and (not isinstance(count, int) or isinstance(count, bool)
                                  or count < 0):
            raise ValueError(f"{name}: {label} must be a non-negative int, got {count!r}.")
    if task not in TASKS:
        raise ValueError(f"{name}: task must be one of {TASKS}, got {task!r}.")


def _registry_note(card: ModelCard) -> str:
    return f"Registered as ``{card.name}``: {card.describe()}"


def register_model(function: Callable | None = None, *, paper: str, params: int,
                   trainable: int | None = None, name: str | None = None,
                   task: str = "classify", example: dict | None = None):
    """Register a builder (decorator); its docstring gains the card's sentence.

    ``@register_model(paper="He et al., CVPR 2016", params=271_098)`` above ``def
    resnet20(...)`` registers ``"resnet20"``. Returns the builder unchanged otherwise.
    """
    def decorate(builder: Callable) -> Callable:
        card_name = name or builder.__name__
        _check_card(card_name, paper, params, trainable, task)
        card = ModelCard(card_name, builder, paper, params, trainable, task, dict(example or {}))
        _CARDS[card_name] = card
        builder.__doc__ = (inspect.cleandoc(builder.__doc__ or "") + "\n\n"
                           + _registry_note(card))
        builder.card = card
        return builder

    return decorate(function) if function is not None else decorate


def register_variant(name: str, base: Callable, *, summary: str, paper: str, params: int,
                     trainable: int | None = None, notes: str = "",
                     task: str = "classify", **fixed) -> Callable:
    """Register ``base`` with some arguments fixed, as the builder ``name``, and return it.

    The builder takes ``(input_shape, num_classes, **options)`` like every builder, passes
    ``fixed`` and the options to ``base``, and names the model ``name`` by default. An
    option that ``fixed`` already sets is refused (``plain20(shortcut="B")`` is not
    plain-20). Its signature and docstring are written from ``base`` and the card.
    """
    base_sig = inspect.signature(base)
    unknown = set(fixed) - set(base_sig.parameters)
    if unknown:
        raise TypeError(f"{name}: {base.__name__} has no argument {sorted(unknown)}.")

    def builder(input_shape=None, num_classes=None, **options):
        clash = set(options) & set(fixed)
        if clash:
            raise TypeError(f"{name} fixes {', '.join(f'{k}={fixed[k]!r}' for k in sorted(clash))};"
                            f" call {base.__name__}(...) to choose {', '.join(sorted(clash))}.")
        accepted = set(builder.__signature__.parameters)
        stray = set(options) - accepted
        if stray:
            raise TypeError(f"{name}() got unexpected argument(s) {sorted(stray)}; it accepts "
                            f"{', '.join(sorted(accepted))}.")
        if input_shape is not None:
            options["input_shape"] = input_shape
        if num_classes is not None:
            options["num_classes"] = num_classes
        options.setdefault("name", name)
        return base(**fixed, **options)

    params_out = [p.replace(kind=inspect.Parameter.POSITIONAL_OR_KEYWORD)
                  for key in ("input_shape", "num_classes")
                  if (p := base_sig.parameters.get(key)) is not None]
    keyword = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY,
                         default=name if p.name == "name" else p.default)
               for p in base_sig.parameters.values()
               if p.name not in fixed and p.name not in ("input_shape", "num_classes")
               and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    builder.__signature__ = base_sig.replace(parameters=params_out + keyword)
    builder.__name__ = builder.__qualname__ = name
    builder.__module__ = base.__module__
    fixed_text = ", ".join(f"``{k}={v!r}``" for k, v in fixed.items())
    builder.__doc__ = (f"{summary}\n\n:func:`{base.__name__}` with {fixed_text}; other "
                       f"arguments as there.\n\nReferences\n----------\n{paper}\n"
                       + (f"\nNotes\n-----\n{inspect.cleandoc(notes)}\n" if notes else ""))
    return register_model(builder, paper=paper, params=params, trainable=trainable,
                          name=name, task=task)


def _load() -> None:
    global _loaded
    if not _loaded:
        for module in REGISTERING_MODULES:
            importlib.import_module(module)
        _loaded = True


def registered(module_prefix: str = "") -> list[ModelCard]:
    """The cards registered so far by modules under ``module_prefix`` (imports nothing)."""
    return [c for c in _CARDS.values() if c.module.startswith(module_prefix)]


def cards(task: str | None = None) -> list[ModelCard]:
    """Every card (or those of one ``task``), in registration (syllabus) order."""
    _load()
    if task is not None and task not in TASKS:
        raise ValueError(f"task must be one of {TASKS} or None, got {task!r}.")
    return [c for c in _CARDS.values() if task is None or c.task == task]


def list_models(task: str | None = None) -> list[str]:
    """Names accepted by :func:`get_model` (all, or those of one ``task``)."""
    return [c.name for c in cards(task)]


def card(name: str) -> ModelCard:
    """The card of ``name``; ``ValueError`` naming close matches for an unknown name."""
    _load()
    if name not in _CARDS:
        close = difflib.get_close_matches(str(name), _CARDS, n=3)
        hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
        raise ValueError(f"unknown model {name!r}.{hint} Available models: "
                         f"{', '.join(_CARDS)}.")
    return _CARDS[name]


def get_model(name: str, **kwargs):
    """Build the registered network ``name`` with fresh weights; ``kwargs`` go to its builder.

    Raises ``ValueError`` for an unknown name (the message lists close matches and every
    name) and whatever the builder raises for a bad argument.
    """
    return card(name).build(**kwargs)


def model_table(task: str | None = None, *, of: list[ModelCard] | None = None) -> str:
    """The registry (or the cards ``of``) as a reStructuredText table: name, paper,
    canonical input, parameters."""
    rows = [("name", "paper", "input", "parameters")]
    for c in (cards(task) if of is None else of):
        shape = "x".join(str(s) for s in c.input_shape) if c.input_shape else "-"
        rows.append((c.name, c.paper, shape, f"{c.params:,}"))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    rule = "  ".join("=" * w for w in widths)
    lines = [rule, "  ".join(v.ljust(w) for v, w in zip(rows[0], widths)).rstrip(), rule]
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths)).rstrip() for row in rows[1:]]
    return "\n".join([*lines, rule])
