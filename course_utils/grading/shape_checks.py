"""Shapes: the :class:`GradingError` every check raises, and :func:`check_shape`.

Shapes are written as Keras prints them, ``(N, 13, 13, 16)``, with N for the batch axis
(or any axis the exercise leaves free). A mismatch comes with a hint for the most likely
mistake: a missing batch or channel axis, transposed axes, the padding, the stride.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["GradingError", "check_shape"]


class GradingError(AssertionError):
    """A wrong answer; the message explains what to fix."""


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
