"""Arrays and scalars: :func:`check_array` and :func:`check_value` with their hints.

:func:`check_array` compares the shape first (with :func:`check_shape`'s hints), then the
dtype category, then the values, and recognises transposed, flipped, negated, scaled or
shifted results. :func:`check_value` checks one number, bool, string or None.
"""

from __future__ import annotations

import math
import numbers
import reprlib
from collections.abc import Mapping
from typing import Any

import numpy as np

from course_utils.grading.shape_checks import GradingError, check_shape

__all__ = ["check_array", "check_value"]


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


def _show(value: Any) -> str:
    """The type and a short repr of a received value, e.g. ``str '26'``."""
    return f"{type(value).__name__} {reprlib.repr(value)}"


def _as_numbers(value: Any) -> np.ndarray | None:
    """``value`` as an integer, floating-point or complex array, or None if it is not one."""
    if isinstance(value, (str, bytes)):
        return None
    try:
        array = _to_numpy(value)
    except Exception:  # a ragged list, an object NumPy cannot convert
        return None
    return array if _kind(array.dtype) in ("integer", "floating point", "complex") else None


def _check_numbers(actual: Any, expected: Any, rtol: float, atol: float, name: str) -> None:
    """Compare a list, tuple or array of numbers with :func:`check_array`, any numeric dtype."""
    want = _as_numbers(expected)
    if want is None:
        raise ValueError(f"check_value compares a scalar or a list, tuple or array of numbers; "
                         f"expected is {_show(expected)}")
    got = _as_numbers(actual)
    container = {list: "list", tuple: "tuple"}.get(type(expected), "array")
    count = f"{want.shape[0]} numbers" if want.ndim == 1 else f"numbers of shape {want.shape}"
    wanted = f"expected {name} to be a {container} of {count} like {reprlib.repr(expected)}"
    if got is None:
        detail = ""
        if isinstance(actual, (list, tuple)):
            bad = next(((i, item) for i, item in enumerate(actual)
                        if isinstance(item, bool) or not isinstance(item, numbers.Number)), None)
            if bad is not None:
                detail = f" (item {bad[0]} is {_show(bad[1])})"
        raise GradingError(f"{wanted}, got {_show(actual)}{detail}")
    if got.ndim == 0 or (want.ndim == 1 and got.shape != want.shape):
        raise GradingError(f"{wanted}, got {_show(actual)}")
    check_array(got, want, rtol=rtol, atol=atol, name=name, check_dtype=False)


def _number_hint(value: Any, expected: Any) -> str:
    """A hint for a wrong number; it never divides by zero."""
    if not (isinstance(value, numbers.Real) and isinstance(expected, numbers.Real)):
        return ""
    if math.isnan(value):
        return "the value is NaN: look for a division by zero or the log of 0"
    if math.isinf(value):
        return "the value is infinite: look for a division by zero or an overflow"
    if abs(value - expected) == 1 and float(expected).is_integer():
        return "off by one: check a range boundary or the +1 in the formula"
    if expected == 0:
        return ""  # "expected value 0, got 3" says it all; no ratio to compute
    if value == 0:
        if abs(expected) < 1:
            return "an integer division (//) or int() rounds a fraction down to 0: use /"
        return "is the value computed, or left at an initial 0?"
    if value == -expected:
        return "the sign is wrong"
    ratio = value / expected
    if math.isfinite(ratio) and abs(ratio) >= 1.5 and math.isclose(ratio, round(ratio),
                                                                   rel_tol=1e-9):
        return f"{round(ratio)} times the expected value"
    return ""


def check_value(actual: Any, expected: Any, *, rtol: float = 1e-6, atol: float = 0.0,
                name: str = "value", hints: Mapping[Any, str] | None = None) -> None:
    """Check a scalar (a number with tolerance, a bool, a string or None) or a list of numbers.

    Parameters
    ----------
    actual : scalar, 0-d or one-element array, or list, tuple or array of numbers
    expected : scalar, or list, tuple or array of numbers
        A list, tuple or array is compared element-wise with :func:`check_array`
        (shape, then values within the tolerance; ``[1, 2]`` matches ``(1.0, 2.0)``).
    rtol, atol : float, default=1e-6, 0.0
    name : str, default="value"
    hints : mapping of {wrong answer: hint}, default=None
        Anticipated wrong answers for a scalar, e.g. ``{144: "did you forget the bias?"}``.

    Raises
    ------
    GradingError
        Says what was expected and what was received (its type, if it is not a
        number), with a hint for an off-by-one, a wrong sign, a multiple or a 0.
    ValueError
        If ``expected`` is a list, tuple or array of something other than numbers.
    """
    if isinstance(expected, (list, tuple, np.ndarray)) and np.ndim(expected) > 0:
        _check_numbers(actual, expected, rtol, atol, name)
        return
    value = actual
    try:
        ndim = 0 if isinstance(actual, (str, bytes)) else np.ndim(actual)
    except ValueError:  # a ragged list
        raise GradingError(f"expected {name} to be a single value like {expected!r}, "
                           f"got {_show(actual)}") from None
    if ndim > 0:
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
    if not hint and is_number:
        hint = _number_hint(value, expected)
    raise GradingError(f"{message}: {hint}" if hint else message)
