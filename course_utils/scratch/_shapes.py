"""Argument checks and output-size arithmetic shared by the scratch ops."""

from __future__ import annotations

import math
from typing import Union

import numpy as np

Pair = tuple[int, int]
Padding = Union[str, int, tuple[int, int], tuple[Pair, Pair]]
PADDING_MODES = ("valid", "same", "full")


def to_pair(value: int | tuple[int, int], name: str, *, minimum: int = 1) -> Pair:
    """Return ``value`` as ``(rows, cols)``; reject values below ``minimum``."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        pair = (int(value), int(value))
    elif (isinstance(value, (tuple, list)) and len(value) == 2
          and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in value)):
        pair = (int(value[0]), int(value[1]))
    else:
        raise ValueError(f"{name} must be an int or a pair of ints, got {value!r}.")
    if min(pair) < minimum:
        raise ValueError(f"{name} must be >= {minimum} in both dimensions, got {value!r}.")
    return pair


def effective_kernel(kernel: int, dilation: int) -> int:
    """Extent of a kernel of ``kernel`` taps with ``dilation - 1`` holes between taps."""
    return (kernel - 1) * dilation + 1


def pad_amounts(n: int, kernel: int, stride: int, dilation: int, padding: str | int | Pair,
                ) -> Pair:
    """Zeros added ``(before, after)`` along one axis of length ``n``.

    ``"same"`` follows Keras/TensorFlow exactly: the output has ``ceil(n / stride)``
    positions and an odd total padding puts the extra zero after (bottom/right).
    """
    k_eff = effective_kernel(kernel, dilation)
    if isinstance(padding, str):
        if padding == "valid":
            return (0, 0)
        if padding == "full":
            return (k_eff - 1, k_eff - 1)
        if padding == "same":
            out = math.ceil(n / stride)
            total = max((out - 1) * stride + k_eff - n, 0)
            return (total // 2, total - total // 2)
        raise ValueError(f"padding must be one of {PADDING_MODES}, an int or pairs, "
                         f"got {padding!r}.")
    if isinstance(padding, (int, np.integer)) and not isinstance(padding, bool):
        padding = (int(padding), int(padding))
    return to_pair(padding, "padding", minimum=0)


def resolve_padding(padding: Padding, in_hw: Pair, kernel_hw: Pair, stride: Pair,
                    dilation: Pair) -> tuple[Pair, Pair]:
    """Return ``((top, bottom), (left, right))`` for any accepted ``padding`` spelling.

    Accepted: ``"valid"``, ``"same"``, ``"full"``, an int ``p`` (``p`` on every side),
    or a pair of pairs ``((top, bottom), (left, right))``.
    """
    if isinstance(padding, str) or (isinstance(padding, (int, np.integer))
                                    and not isinstance(padding, bool)):
        per_axis = [padding, padding]
    elif (isinstance(padding, (tuple, list)) and len(padding) == 2
          and all(isinstance(p, (tuple, list)) and len(p) == 2 for p in padding)):
        per_axis = [tuple(padding[0]), tuple(padding[1])]
    else:
        raise ValueError(f"padding must be 'valid', 'same', 'full', an int or a pair of "
                         f"pairs ((top, bottom), (left, right)), got {padding!r}.")
    return tuple(pad_amounts(in_hw[a], kernel_hw[a], stride[a], dilation[a], per_axis[a])
                 for a in range(2))  # type: ignore[return-value]


def output_length(n: int, kernel: int, stride: int, dilation: int, pads: Pair) -> int:
    """Number of output positions along one axis (``pads`` already resolved)."""
    return (n + pads[0] + pads[1] - effective_kernel(kernel, dilation)) // stride + 1


def check_rank(array: np.ndarray, rank: int, name: str, layout: str) -> None:
    """Raise ValueError unless ``array.ndim == rank``."""
    if np.ndim(array) != rank:
        raise ValueError(f"{name} must have rank {rank} {layout}, got shape "
                         f"{np.shape(array)}.")


def check_fits(in_hw: Pair, pads: tuple[Pair, Pair], kernel_hw: Pair, dilation: Pair,
               x_shape: tuple, w_shape: tuple) -> None:
    """Raise ValueError if the (dilated) kernel is larger than the padded input."""
    for a, axis in enumerate(("height", "width")):
        padded = in_hw[a] + sum(pads[a])
        k_eff = effective_kernel(kernel_hw[a], dilation[a])
        if k_eff > padded:
            raise ValueError(
                f"kernel {axis} {kernel_hw[a]} (dilated extent {k_eff}) is larger than the "
                f"padded input {axis} {padded}: x shape {x_shape}, kernel shape {w_shape}, "
                f"padding {pads[a]}.")
