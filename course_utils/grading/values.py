"""Checks for exercises and assignments, with messages a student can act on.

Every ``check_*`` function returns ``None`` when the answer is right and raises
:class:`GradingError` (an ``AssertionError``, so nbgrader counts a failed test)
whose message says what was expected, what was received and, for common
mistakes, what to look at::

    GradingError: expected output shape (N, 13, 13, 16), got (N, 12, 12, 16):
    check the padding ...

Lessons use :func:`check`, which prints ``✓ correct`` or the message. Graded
test cells earn partial credit with :func:`part`, :func:`points` or a
:class:`Checker`, ending with the number of points as the last expression.
Everything is printed to stdout: output on stderr zeroes an nbgrader test cell.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import numbers
import re
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np

__all__ = [
    "GradingError", "check_shape", "check_array", "check_value", "check_model",
    "check", "Part", "part", "points", "Checker",
]


class GradingError(AssertionError):
    """A wrong answer; the message explains what to fix."""


# --------------------------------------------------------------------------- shapes
def _shape(value: Any) -> tuple:
    """Shape of an array-like, or ``value`` itself if it is already a shape."""
    if isinstance(value, (tuple, list)) and all(d is None or isinstance(d, (int, np.integer))
                                               for d in value):
        return tuple(None if d is None else int(d) for d in value)
    shape = getattr(value, "shape", None)
    if shape is None:
        shape = np.shape(value)
    return tuple(None if d is None else int(d) for d in shape)


def _fmt(shape: Sequence, wildcard: Sequence | None = None) -> str:
    """``(N, 13, 13, 16)``: ``None`` (or a dimension the expected shape leaves free) is N."""
    free = [False] * len(shape) if wildcard is None or len(wildcard) != len(shape) else \
        [w is None for w in wildcard]
    dims = ["N" if d is None or f else str(d) for d, f in zip(shape, free)]
    return "(" + ", ".join(dims) + ("," if len(dims) == 1 else "") + ")"


def _same(actual: Sequence, expected: Sequence) -> bool:
    return len(actual) == len(expected) and all(
        e is None or a == e for a, e in zip(actual, expected))


def _dimension_hint(axis: int, rank: int, got: int | None, want: int) -> str:
    if got is None:
        return ""
    if rank >= 3 and axis == rank - 1:
        return (f"the last axis (channels) should have {want} entries, not {got}: "
                f"check the number of filters (or units)")
    if rank == 2 and axis == 1:
        return f"the last axis should have {want} entries, not {got}: check the number of units"
    if rank == 4 and axis == 0:
        return f"the batch axis should have {want} entries, not {got}: did you slice the batch?"
    if got in (want // 2, -(-want // 2)) and want > 1:
        return ("the size is about half the expected one: check the stride or an extra "
                "pooling layer (a stride of 2 or a 2x2 pooling halves it)")
    if want in (got // 2, -(-got // 2)) and got > 1:
        return ("the size is about twice the expected one: check the stride or a missing "
                "pooling layer (a stride of 2 or a 2x2 pooling halves it)")
    if 1 <= abs(got - want) <= 6:
        return (f"off by {got - want:+d}: check the padding ('same' keeps the spatial size, "
                f"'valid' shrinks it by kernel_size - 1)")
    return ""


def _shape_hint(actual: tuple, expected: tuple) -> str:
    """A hint for the most likely mistake behind a shape mismatch."""
    rank = len(expected)
    if len(actual) == rank - 1:
        if _same(actual, expected[1:]):
            return "the batch axis is missing: add it with x[None] or np.expand_dims(x, 0)"
        if _same(actual, expected[:-1]):
            return "the channel axis is missing: add it with x[..., None]"
    if len(actual) == rank + 1:
        if actual[0] == 1 and _same(actual[1:], expected):
            return "there is an extra batch axis of size 1: remove it with x[0]"
        if actual[-1] == 1 and _same(actual[:-1], expected):
            return "there is an extra channel axis of size 1: remove it with x[..., 0]"
    if len(actual) != rank:
        return f"expected {rank} axes, got {len(actual)}: check a reshape, Flatten or squeeze"
    known = [i for i, e in enumerate(expected) if e is not None]
    if (sorted(actual[i] or 0 for i in known) == sorted(expected[i] for i in known)
            and not _same(actual, expected)):
        return ("your result looks transposed (axes in the wrong order): "
                + ("swap rows and columns (.T)" if rank == 2 else
                   "images and feature maps are channels-last (N, H, W, C)"))
    hints = [_dimension_hint(i, rank, actual[i], expected[i]) for i in known
             if actual[i] != expected[i]]
    return "; ".join(dict.fromkeys(h for h in hints if h))


def _shape_message(what: str, actual: tuple, expected: tuple) -> str:
    message = f"expected {what} {_fmt(expected)}, got {_fmt(actual, expected)}"
    hint = _shape_hint(actual, expected)
    return f"{message}: {hint}" if hint else message


def check_shape(actual: Any, expected: Sequence[int | None], *, name: str = "result") -> None:
    """Check a shape; ``None`` in ``expected`` matches any size.

    Parameters
    ----------
    actual : array-like or tuple of int
        The student's array (or its shape).
    expected : tuple of int or None
        E.g. ``(None, 13, 13, 16)`` for any batch size.
    name : str, default="result"
        What the message calls it.

    Raises
    ------
    GradingError
        With a hint: missing batch/channel axis, transposed axes, off-by-one
        size (padding), halved or doubled size (stride, pooling), channels.
    """
    got, want = _shape(actual), _shape(expected)
    if not _same(got, want):
        raise GradingError(_shape_message(f"{name} shape", got, want))


# --------------------------------------------------------------------------- arrays and values
def _to_numpy(value: Any) -> np.ndarray:
    """NumPy view of arrays, lists and backend tensors (TensorFlow, JAX, PyTorch)."""
    try:
        return np.asarray(value)
    except (TypeError, RuntimeError):  # e.g. a torch tensor that requires grad
        return np.asarray(value.detach().cpu().numpy())


def _kind(dtype: np.dtype) -> str:
    for kind, base in (("bool", np.bool_), ("integer", np.integer),
                       ("floating point", np.floating), ("complex", np.complexfloating)):
        if np.issubdtype(dtype, base):
            return kind
    return "non-numeric"


def _value_hint(actual: np.ndarray, expected: np.ndarray, rtol: float, atol: float) -> str:
    """Recognise transposed, flipped, negated, scaled or shifted results."""
    def close(candidate: np.ndarray) -> bool:
        return candidate.shape == expected.shape and np.allclose(candidate, expected, rtol, atol)

    if np.isnan(actual).any() and not np.isnan(expected).any():
        return "your result contains NaN: look for a division by zero or the log of 0"
    if actual.ndim >= 2 and actual.size <= 10**6:
        for i in range(actual.ndim):
            for j in range(i + 1, actual.ndim):
                if close(np.swapaxes(actual, i, j)):
                    return ("your result looks transposed (rows and columns swapped): check "
                            "the index order" if actual.ndim == 2 else
                            f"your result looks transposed (axes {i} and {j} swapped)")
        for axes in ((0, 1), (1, 2)):
            if axes[1] < actual.ndim and close(np.flip(actual, axes)):
                return ("your result looks flipped (rotated by 180 degrees): Keras' Conv2D "
                        "computes a cross-correlation and does not flip the kernel")
    if close(-actual):
        return "your result has the wrong sign"
    nonzero = np.abs(expected) > atol
    if nonzero.any() and (np.abs(actual[~nonzero]) <= atol).all():
        ratios = actual[nonzero] / expected[nonzero]
        if np.allclose(ratios, ratios.flat[0], rtol=max(rtol, 1e-6)) and not np.isclose(ratios.flat[0], 1):
            return (f"your result is {ratios.flat[0]:.4g} times the expected one: check a "
                    f"normalisation (mean vs sum, a missing division)")
    shift = actual - expected
    if np.allclose(shift, shift.flat[0], rtol=0, atol=max(atol, 1e-6)) and shift.flat[0] != 0:
        return f"your result is off by {shift.flat[0]:+.4g} everywhere: check a bias or an offset"
    return ""


def check_array(actual: Any, expected: Any, *, rtol: float = 1e-5, atol: float = 1e-8,
                name: str = "result", check_dtype: bool = True) -> None:
    """Check an array: shape first, then dtype category, then values.

    Parameters
    ----------
    actual, expected : array-like
        NumPy arrays, lists or backend tensors.
    rtol, atol : float, default=1e-5, 1e-8
        Values match when ``|actual - expected| <= atol + rtol * |expected|``.
    name : str, default="result"
    check_dtype : bool, default=True
        Require the same category (bool, integer, floating point, complex).

    Raises
    ------
    GradingError
        Reports the shapes, or the dtypes, or the number of mismatches, the
        maximum absolute and relative errors and the first mismatching index.
    """
    got, want = _to_numpy(actual), _to_numpy(expected)
    check_shape(got.shape, want.shape, name=name)
    if check_dtype and _kind(got.dtype) != _kind(want.dtype):
        advice = {("floating point", "integer"): ": use // for integer division or .astype(int)",
                  ("integer", "floating point"): ": an integer division or an early cast?"}
        raise GradingError(f"expected {name} to hold {_kind(want.dtype)} values "
                           f"({want.dtype}), got {_kind(got.dtype)} ({got.dtype})"
                           + advice.get((_kind(got.dtype), _kind(want.dtype)), ""))
    if _kind(want.dtype) == "non-numeric":
        if not np.array_equal(got, want):
            raise GradingError(f"{name} differs from the expected values")
        return
    got64 = got.astype(np.complex128 if np.iscomplexobj(got) else np.float64)
    want64 = want.astype(np.complex128 if np.iscomplexobj(want) else np.float64)
    ok = np.isclose(got64, want64, rtol=rtol, atol=atol, equal_nan=True)
    if ok.all():
        return
    error = np.abs(got64 - want64)
    error = np.where(np.isnan(error), np.inf, error)
    relative = error / np.where(np.abs(want64) > 0, np.abs(want64), np.nan)
    index = tuple(int(i) for i in np.argwhere(~ok)[0])
    where = index if index else "()"
    message = (f"{name} has wrong values: {int((~ok).sum())} of {ok.size} differ "
               f"(rtol={rtol:g}, atol={atol:g}); max abs error {error.max():.4g}, "
               f"max rel error {np.nanmax(relative, initial=0):.4g}; first mismatch at index "
               f"{where}: got {got[index].item()!r}, expected {want[index].item()!r}")
    hint = _value_hint(got64, want64, rtol, atol)
    raise GradingError(f"{message}: {hint}" if hint else message)


def check_value(actual: Any, expected: Any, *, rtol: float = 1e-6, atol: float = 0.0,
                name: str = "value", hints: Mapping[Any, str] | None = None) -> None:
    """Check a scalar: a number (with tolerance), a bool, a string or None.

    Parameters
    ----------
    actual : scalar, 0-d or one-element array
    expected : scalar
    rtol, atol : float, default=1e-6, 0.0
    name : str, default="value"
    hints : mapping of {wrong answer: hint}, default=None
        Anticipated wrong answers, e.g. ``{144: "did you forget the bias?"}``.

    Raises
    ------
    GradingError
    """
    value = actual
    if not isinstance(actual, (str, bytes)) and np.ndim(actual) > 0:
        array = _to_numpy(actual)
        if array.size != 1:
            raise GradingError(f"expected {name} to be a single value, got an array of "
                               f"shape {array.shape}")
        value = array.reshape(()).item()
    elif hasattr(actual, "item") and not isinstance(actual, (str, bytes)):
        value = _to_numpy(actual).item()
    is_number = isinstance(expected, numbers.Number) and not isinstance(expected, bool)
    if is_number:
        if not isinstance(value, numbers.Number) or isinstance(value, bool):
            raise GradingError(f"expected {name} to be a number like {expected!r}, "
                               f"got {type(actual).__name__} {actual!r}")
        right = math.isclose(value, expected, rel_tol=rtol, abs_tol=atol) or value == expected
    else:
        right = value == expected and type(value) is type(expected)
    if right:
        return
    message = f"expected {name} {expected!r}, got {value!r}"
    hint = ""
    for wrong, text in (hints or {}).items():
        if value == wrong:
            hint = text
    if not hint and is_number and isinstance(value, numbers.Number):
        if abs(value - expected) == 1 and float(expected).is_integer():
            hint = "off by one: check a range boundary or the +1 in the formula"
        elif expected != 0 and value == -expected:
            hint = "the sign is wrong"
        elif expected != 0 and math.isclose(value / expected, round(value / expected), rel_tol=1e-9):
            hint = f"{round(value / expected)} times the expected value"
    raise GradingError(f"{message}: {hint}" if hint else message)


# --------------------------------------------------------------------------- Keras models
_ALIASES = {"MaxPool2D": "MaxPooling2D", "AvgPool2D": "AveragePooling2D",
            "MaxPool1D": "MaxPooling1D", "AvgPool1D": "AveragePooling1D",
            "GlobalMaxPool2D": "GlobalMaxPooling2D", "GlobalAvgPool2D": "GlobalAveragePooling2D",
            "Convolution2D": "Conv2D", "SeparableConvolution2D": "SeparableConv2D"}


def _type_name(layer_type: Any) -> str:
    name = layer_type if isinstance(layer_type, str) else layer_type.__name__
    return _ALIASES.get(name, name)


def _model_layers(model: Any) -> list:
    """The model's layers without ``InputLayer`` (present in some Keras versions only)."""
    import keras

    return [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]


def _first_line(exc: Exception) -> str:
    text = re.sub(r"\x1b\[[0-9;]*m", "", str(exc))
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    useful = [line for line in lines if "incompatible" in line or "expected" in line]
    return (useful or lines or [type(exc).__name__])[0]


def _layer_shapes(model: Any, layers: list, input_shape: tuple) -> list[tuple] | None:
    """Per-layer output shapes, batch axis included; ``None`` if not a simple chain."""
    import keras

    if isinstance(model, keras.Sequential):
        shapes, shape = [], (None, *input_shape)
        for layer in layers:
            try:
                shape = tuple(layer.compute_output_shape(shape))
            except Exception:  # some layers only implement compute_output_spec
                shape = tuple(layer.compute_output_spec(keras.KerasTensor(shape)).shape)
            shapes.append(shape)
        return shapes
    try:
        return [tuple(layer.output.shape) for layer in layers]
    except Exception:  # subclassed models, shared layers
        return None


def _bias_size(layer: Any) -> int:
    bias = getattr(layer, "bias", None)
    if bias is not None:
        return int(np.prod(bias.shape))
    for attribute in ("filters", "units"):
        value = getattr(layer, attribute, None)
        if isinstance(value, int):
            return value
    return 0


def _params_hint(layers: list, got: int, want: int) -> str:
    missing = got - want
    without = [layer for layer in layers if getattr(layer, "use_bias", None) is False]
    with_bias = [layer for layer in layers if getattr(layer, "use_bias", None) is True]
    if missing < 0 and -missing in (sum(_bias_size(l) for l in without),
                                    *(_bias_size(l) for l in without)):
        return (f"{-missing} parameters are missing, exactly the biases of "
                f"{', '.join(l.name for l in without)}: did you forget the bias (use_bias)?")
    if missing > 0 and missing in (sum(_bias_size(l) for l in with_bias),
                                   *(_bias_size(l) for l in with_bias)):
        return (f"{missing} parameters too many, exactly the size of some biases: should a "
                f"layer use use_bias=False (e.g. before BatchNormalization)?")
    return "check kernel sizes, numbers of filters and units, and the input channels"


def check_model(model: Any, *, input_shape: Sequence[int | None],
                output_shape: Sequence[int | None] | None = None, params: int | None = None,
                layer_types: Sequence[Any] | None = None, num_layers: int | None = None,
                output_shapes: Sequence[Sequence[int | None] | None] | None = None,
                name: str = "model") -> None:
    """Check a Keras model's architecture on inputs of ``input_shape``.

    Checks run in order and the first failure is reported: the model accepts
    the input, layer count, layer types, per-layer output shapes, output
    shape, parameter count. Only public Keras 3 API is used; ``InputLayer``
    is ignored whether or not ``model.layers`` lists it.

    Parameters
    ----------
    model : keras.Model
        Sequential, functional or subclassed; an unbuilt Sequential is built.
    input_shape : tuple of int or None
        One input without the batch axis, e.g. ``(28, 28, 1)``.
    output_shape : tuple of int or None, default=None
        Without the batch axis, e.g. ``(10,)``.
    params : int, default=None
        Expected ``model.count_params()``.
    layer_types : sequence of str or layer classes, default=None
        E.g. ``["Conv2D", "MaxPooling2D", "Flatten", "Dense"]``, InputLayer left out.
    num_layers : int, default=None
        Layers without the InputLayer.
    output_shapes : sequence of tuples (or None to skip one), default=None
        Per-layer output shapes without the batch axis (Sequential or functional chains).
    name : str, default="model"

    Raises
    ------
    GradingError
    """
    import keras

    input_shape = tuple(input_shape)
    if not isinstance(model, keras.Model):
        raise GradingError(f"expected {name} to be a keras.Model, got {type(model).__name__}")
    declared = None
    with contextlib.suppress(Exception):
        declared = tuple(model.inputs[0].shape[1:])
    if declared is not None and not _same(input_shape, declared):
        raise GradingError(f"{name} expects inputs of shape {_fmt((None, *declared))}, but this "
                           f"exercise feeds {_fmt((None, *input_shape))}: check "
                           f"keras.Input(shape=...)")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            output = model(keras.Input(shape=input_shape))
        except Exception as exc:
            raise GradingError(f"{name} cannot run on inputs of shape "
                               f"{_fmt((None, *input_shape))}: {_first_line(exc)}") from None
    layers = _model_layers(model)
    got_types = [type(layer).__name__ for layer in layers]
    expected_count = num_layers if num_layers is not None else (
        len(layer_types) if layer_types is not None else None)
    if expected_count is not None and len(layers) != expected_count:
        message = f"expected {expected_count} layers (not counting the Input), got {len(layers)}"
        if layer_types is not None:
            message += (f": expected {[_type_name(t) for t in layer_types]}, "
                        f"got {got_types}")
        raise GradingError(message)
    for index, (layer, want) in enumerate(zip(layers, layer_types or [])):
        if _type_name(type(layer)) != _type_name(want):
            raise GradingError(f"layer {index} ('{layer.name}') is {type(layer).__name__}, "
                               f"expected {_type_name(want)}: check the layer type")
    if output_shapes is not None:
        shapes = _layer_shapes(model, layers, input_shape)
        if shapes is None:
            raise ValueError("output_shapes needs a Sequential or functional model whose "
                             f"layers each run once; got {type(model).__name__}.")
        if len(output_shapes) != len(layers):
            raise ValueError(f"output_shapes has {len(output_shapes)} entries, expected one "
                             f"per layer ({len(layers)}).")
        for index, (layer, got, want) in enumerate(zip(layers, shapes, output_shapes)):
            if want is not None and not _same(got, (None, *want)):
                raise GradingError(f"layer {index} ('{layer.name}', {type(layer).__name__}): "
                                   + _shape_message("output shape", got, (None, *want)))
    if output_shape is not None:
        got = tuple(output.shape)
        if not _same(got, (None, *output_shape)):
            raise GradingError(f"{name}: " + _shape_message("output shape", got,
                                                            (None, *output_shape)))
    if params is not None:
        got_params = int(model.count_params())
        if got_params != params:
            per_layer = ", ".join(f"{layer.name} ({type(layer).__name__}) "
                                  f"{layer.count_params():,}" for layer in layers)
            raise GradingError(f"expected {params:,} parameters, got {got_params:,}: "
                               f"{_params_hint(layers, got_params, params)}\n"
                               f"parameters per layer: {per_layer}")


# --------------------------------------------------------------------------- lessons
def check(actual: Any, expected: Any = None, *, name: str | None = None,
          raise_error: bool = False, **kwargs: Any) -> bool:
    """Check a lesson exercise and print ``✓ correct`` or what to fix.

    Dispatches on the answer: a Keras model goes to :func:`check_model`
    (``expected`` unused, pass its keyword arguments), an array-like
    ``expected`` to :func:`check_array`, a scalar to :func:`check_value`.

    Parameters
    ----------
    actual : keras.Model, array-like or scalar
    expected : array-like or scalar, default=None
    name : str, default=None
    raise_error : bool, default=False
        Raise the :class:`GradingError` instead of returning False.
    **kwargs
        Passed to the check (``rtol``, ``atol``, ``input_shape`` ...).

    Returns
    -------
    bool
        True if correct.
    """
    label = {} if name is None else {"name": name}
    try:
        if hasattr(actual, "count_params") and hasattr(actual, "layers"):  # a keras.Model
            check_model(actual, **label, **kwargs)
        elif np.ndim(expected) > 0:
            check_array(actual, expected, **label, **kwargs)
        else:
            check_value(actual, expected, **label, **kwargs)
    except GradingError as error:
        print(f"✗ {error}")
        if raise_error:
            raise
        return False
    print("✓ correct" if name is None else f"✓ {name} is correct")
    return True


# --------------------------------------------------------------------------- partial credit
@dataclasses.dataclass
class Part:
    """One graded part: ``earned`` is ``points`` if its checks passed, else 0."""

    points: float
    name: str | None = None
    earned: float = 0
    passed: bool | None = None
    message: str = ""


@contextlib.contextmanager
def part(points: float, name: str | None = None, *, verbose: bool = True) -> Iterator[Part]:
    """Context manager for one part of a graded test cell.

    Any exception inside the block (a :class:`GradingError`, or an error in
    the student's code) is caught and printed to stdout; the part earns 0
    points and the cell carries on. Otherwise it earns ``points``::

        with grading.part(points=2, name="output shape") as shape_part:
            grading.check_shape(y, (None, 13, 13, 16))
        shape_part.earned          # last expression: nbgrader's partial credit

    Yields
    ------
    Part
    """
    result = Part(points=points, name=name)
    label = f"part '{name}'" if name else "part"
    try:
        yield result
    except Exception as error:  # a wrong answer must not stop the other parts
        result.passed = False
        result.message = (str(error) if isinstance(error, GradingError)
                          else f"{type(error).__name__}: {error}")
        if verbose:
            print(f"✗ {label} (0/{points} points): {result.message}")
    else:
        result.passed, result.earned = True, points
        if verbose:
            print(f"✓ {label} ({points}/{points} points)")


def points(check_fn: Callable[..., Any], points: float, *args: Any, name: str | None = None,
           **kwargs: Any) -> float:
    """Run ``check_fn(*args, **kwargs)``; return ``points`` if it passes, else 0.

    E.g. ``grading.points(grading.check_shape, 2, y, (None, 10))``.
    """
    with part(points, name) as result:
        check_fn(*args, **kwargs)
    return result.earned


class Checker:
    """Collect the points of several parts of a test cell.

    Examples
    --------
    >>> score = Checker()
    >>> with score.part(2, "shape"):
    ...     check_shape((None, 10), (None, 10))
    ✓ part 'shape' (2/2 points)
    >>> score.points(check_value, 1, 3, 4)
    ✗ part (0/1 points): expected value 4, got 3: off by one: check a range boundary or the +1 in the formula
    0
    >>> score.earned, score.possible
    (2, 3)
    """

    def __init__(self, *, verbose: bool = True):
        self.verbose = verbose
        self.parts: list[Part] = []

    @contextlib.contextmanager
    def part(self, points: float, name: str | None = None) -> Iterator[Part]:
        """Like :func:`part`, and record the result."""
        with part(points, name, verbose=self.verbose) as result:
            self.parts.append(result)
            yield result

    def points(self, check_fn: Callable[..., Any], points: float, *args: Any,
               name: str | None = None, **kwargs: Any) -> float:
        """Like :func:`points`, and record the result."""
        with self.part(points, name) as result:
            check_fn(*args, **kwargs)
        return result.earned

    @property
    def earned(self) -> float:
        """Points earned so far: end a test cell with ``score.earned``."""
        return sum(p.earned for p in self.parts)

    @property
    def possible(self) -> float:
        return sum(p.points for p in self.parts)
