"""Max and average pooling in NumPy, with their backward passes.

Layouts are Keras's: ``(N, H, W, C)``. ``stride`` defaults to the pool size
(non-overlapping windows). ``padding="same"`` follows Keras/TensorFlow: the output
has ``ceil(H / stride)`` rows, padded cells never win a max and are left out of an
average (the divisor counts only real pixels). Loops run over the window positions
(``pool_h * pool_w`` of them), never over pixels.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from course_utils.geometry import Pair
from course_utils.scratch._checks import check_rank
from course_utils.scratch.conv import ConvGeometry, _crop, layer_geometry

__all__ = ["max_pool2d", "max_pool2d_backward", "avg_pool2d", "avg_pool2d_backward"]


def _geometry(x: np.ndarray, pool_size: int | Pair, stride: int | Pair | None,
              padding: str) -> ConvGeometry:
    check_rank(x, 4, "x", "(N, H, W, C)")
    if padding not in ("valid", "same"):
        raise ValueError(f"pooling padding must be 'valid' or 'same', got {padding!r}.")
    stride = pool_size if stride is None else stride
    return layer_geometry(x.shape, pool_size, stride=stride, padding=padding)


def _pad(x: np.ndarray, geo: ConvGeometry, value: float) -> np.ndarray:
    return np.pad(x, ((0, 0), geo.pads[0], geo.pads[1], (0, 0)), constant_values=value)


def _lowest(x: np.ndarray) -> float | int:
    """Padding value that never wins a max: -inf for floats, the smallest integer otherwise."""
    if np.issubdtype(x.dtype, np.floating):
        return -np.inf
    if np.issubdtype(x.dtype, np.integer):
        return np.iinfo(x.dtype).min
    raise ValueError(f"max pooling needs a float or integer array, got dtype {x.dtype}.")


def _windows(xp: np.ndarray, geo: ConvGeometry) -> np.ndarray:
    """View (N, H_out, W_out, C, ph, pw) of the pooling windows (no copy)."""
    (ph, pw), (sh, sw), (ho, wo) = geo.kernel_hw, geo.stride, geo.out_hw
    view = sliding_window_view(xp, (ph, pw), axis=(1, 2))
    return view[:, : (ho - 1) * sh + 1 : sh, : (wo - 1) * sw + 1 : sw]


def _scatter(dxp: np.ndarray, values_at, geo: ConvGeometry) -> None:
    """Add ``values_at(i, j)`` (N, H_out, W_out, C) to the pixels at window offset (i, j)."""
    (ph, pw), (sh, sw), (ho, wo) = geo.kernel_hw, geo.stride, geo.out_hw
    for i in range(ph):
        for j in range(pw):
            dxp[:, i: i + (ho - 1) * sh + 1: sh, j: j + (wo - 1) * sw + 1: sw] += values_at(i, j)


def _check_dout(dout: np.ndarray, x: np.ndarray, geo: ConvGeometry) -> np.ndarray:
    dout = np.asarray(dout)
    expected = (x.shape[0], *geo.out_hw, x.shape[3])
    if dout.shape != expected:
        raise ValueError(f"dout must have the pooled shape {expected} for x shape "
                         f"{x.shape}, got {dout.shape}.")
    return dout


def max_pool2d(x: np.ndarray, pool_size: int | Pair = 2, *, stride: int | Pair | None = None,
               padding: str = "valid") -> np.ndarray:
    """Largest value of each ``pool_size`` window, channel by channel.

    Parameters
    ----------
    x : ndarray of shape (N, H, W, C)
    pool_size : int or (int, int), default=2
    stride : int, (int, int) or None, default=None
        ``None`` means ``pool_size``.
    padding : {"valid", "same"}, default="valid"

    Returns
    -------
    ndarray of shape (N, H_out, W_out, C)
    """
    x = np.asarray(x)
    geo = _geometry(x, pool_size, stride, padding)
    return _windows(_pad(x, geo, _lowest(x)), geo).max(axis=(4, 5))


def max_pool2d_backward(dout: np.ndarray, x: np.ndarray, pool_size: int | Pair = 2, *,
                        stride: int | Pair | None = None, padding: str = "valid",
                        ) -> np.ndarray:
    """Gradient of :func:`max_pool2d`: each window's gradient goes to its maximum.

    Ties go to the first maximum in row-major window order, like TensorFlow.

    Returns
    -------
    dx : ndarray shaped like ``x``
    """
    x = np.asarray(x)
    geo = _geometry(x, pool_size, stride, padding)
    dout = _check_dout(dout, x, geo)
    win = _windows(_pad(x, geo, _lowest(x)), geo)               # (N, Ho, Wo, C, ph, pw)
    pw = geo.kernel_hw[1]
    winner = win.reshape(*win.shape[:4], -1).argmax(axis=-1)  # flat index in the window
    dxp = np.zeros((x.shape[0], *geo.padded_hw, x.shape[3]), dtype=dout.dtype)
    _scatter(dxp, lambda i, j: np.where(winner == i * pw + j, dout, 0), geo)
    return _crop(dxp, geo)


def _window_counts(x: np.ndarray, geo: ConvGeometry) -> np.ndarray:
    """Real (unpadded) pixels in each window, shape (1, H_out, W_out, 1)."""
    ones = _pad(np.ones((1, x.shape[1], x.shape[2], 1)), geo, 0.0)
    return _windows(ones, geo).sum(axis=(4, 5))


def avg_pool2d(x: np.ndarray, pool_size: int | Pair = 2, *, stride: int | Pair | None = None,
               padding: str = "valid") -> np.ndarray:
    """Mean of each ``pool_size`` window, channel by channel.

    Parameters
    ----------
    x : ndarray of shape (N, H, W, C)
    pool_size : int or (int, int), default=2
    stride : int, (int, int) or None, default=None
        ``None`` means ``pool_size``.
    padding : {"valid", "same"}, default="valid"
        With ``"same"`` the padded cells are not counted in the mean.

    Returns
    -------
    ndarray of shape (N, H_out, W_out, C)
    """
    x = np.asarray(x)
    geo = _geometry(x, pool_size, stride, padding)
    sums = _windows(_pad(x, geo, 0.0), geo).sum(axis=(4, 5))
    return sums / _window_counts(x, geo).astype(sums.dtype)


def avg_pool2d_backward(dout: np.ndarray, x: np.ndarray, pool_size: int | Pair = 2, *,
                        stride: int | Pair | None = None, padding: str = "valid",
                        ) -> np.ndarray:
    """Gradient of :func:`avg_pool2d`: each window shares its gradient equally.

    Returns
    -------
    dx : ndarray shaped like ``x``
    """
    x = np.asarray(x)
    geo = _geometry(x, pool_size, stride, padding)
    dout = _check_dout(dout, x, geo)
    share = dout / _window_counts(x, geo).astype(dout.dtype)  # (N, Ho, Wo, C)
    dxp = np.zeros((x.shape[0], *geo.padded_hw, x.shape[3]), dtype=dout.dtype)
    _scatter(dxp, lambda i, j: share, geo)
    return _crop(dxp, geo)
