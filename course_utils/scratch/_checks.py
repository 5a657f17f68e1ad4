"""Argument checks shared by the scratch ops (geometry lives in ``course_utils.geometry``)."""

from __future__ import annotations

import numpy as np

from course_utils.geometry import Pair, effective_kernel


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


def as_numbers(*arrays) -> tuple[np.ndarray, ...]:
    """The arrays as NumPy arrays; narrow integer (and boolean) ones widened to int64.

    A convolution sums products: in ``uint8`` a sum of 1,800 wraps around to 8. Integer
    inputs stay integers (lesson 02 shows exact integer feature maps), in 64 bits.
    """
    out = []
    for array in arrays:
        array = np.asarray(array)
        if array.dtype.kind in "biu" and array.dtype != np.int64:
            array = array.astype(np.int64)
        elif array.dtype.kind not in "iuf":
            raise TypeError(f"expected numbers, got an array of dtype {array.dtype}.")
        out.append(array)
    return tuple(out)
