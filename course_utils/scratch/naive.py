"""2-D convolution written as plain loops, to read next to the formula.

These functions compute exactly what :func:`course_utils.scratch.conv2d` and
:func:`course_utils.scratch.conv2d_backward` compute, one output value at a time.
They are slow (a Python loop over every output pixel and channel) and exist for
teaching and as an independent reference in the tests.
"""

from __future__ import annotations

import numpy as np

from course_utils.geometry import Pair, Padding
from course_utils.scratch._checks import as_numbers
from course_utils.scratch.conv import _check_kernel, layer_geometry

__all__ = ["conv2d_naive", "conv2d_backward_naive"]


def _window_slices(i: int, j: int, geo) -> tuple[slice, slice]:
    """Rows and columns of the padded input that output pixel (i, j) reads."""
    (kh, kw), (sh, sw), (dh, dw) = geo.kernel_hw, geo.stride, geo.dilation
    rows = slice(i * sh, i * sh + (kh - 1) * dh + 1, dh)
    cols = slice(j * sw, j * sw + (kw - 1) * dw + 1, dw)
    return rows, cols


def conv2d_naive(x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None, *,
                 stride: int | Pair = 1, padding: Padding = "valid",
                 dilation: int | Pair = 1, groups: int = 1) -> np.ndarray:
    """Loop version of :func:`course_utils.scratch.conv2d` (same arguments and result).

    Returns
    -------
    ndarray of shape (N, H_out, W_out, C_out)
    """
    x, w = as_numbers(x, w)
    _check_kernel(x, w, groups)
    geo = layer_geometry(x.shape, w.shape[:2], stride=stride, padding=padding,
                        dilation=dilation, groups=groups, w_shape=w.shape)
    xp = np.pad(x, ((0, 0), geo.pads[0], geo.pads[1], (0, 0)))
    n_images, (h_out, w_out), c_out = x.shape[0], geo.out_hw, w.shape[3]
    c_group, out_per_group = w.shape[2], c_out // groups
    y = np.zeros((n_images, h_out, w_out, c_out), dtype=np.result_type(x, w))
    for n in range(n_images):
        for i in range(h_out):
            for j in range(w_out):
                rows, cols = _window_slices(i, j, geo)
                for o in range(c_out):
                    g = o // out_per_group                     # the group of channel o
                    patch = xp[n, rows, cols, g * c_group:(g + 1) * c_group]  # (kh, kw, C_g)
                    y[n, i, j, o] = np.sum(patch * w[:, :, :, o])
    if b is not None:
        y += np.asarray(b)
    return y


def conv2d_backward_naive(dout: np.ndarray, x: np.ndarray, w: np.ndarray, *,
                          stride: int | Pair = 1, padding: Padding = "valid",
                          dilation: int | Pair = 1, groups: int = 1,
                          ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Loop version of :func:`course_utils.scratch.conv2d_backward`.

    Each output value ``y[n, i, j, o]`` was ``sum(patch * w[..., o])``, so by the chain
    rule it sends ``dout[n, i, j, o] * w[..., o]`` back to the patch it read and
    ``dout[n, i, j, o] * patch`` to the shared weights.

    Returns
    -------
    dx, dw, db
        Shaped like ``x``, ``w`` and ``(C_out,)``.
    """
    x, w, dout = as_numbers(x, w, dout)
    _check_kernel(x, w, groups)
    geo = layer_geometry(x.shape, w.shape[:2], stride=stride, padding=padding,
                        dilation=dilation, groups=groups, w_shape=w.shape)
    xp = np.pad(x, ((0, 0), geo.pads[0], geo.pads[1], (0, 0)))
    dxp = np.zeros(xp.shape, dtype=np.result_type(dout, w))
    dw = np.zeros(w.shape, dtype=np.result_type(dout, x))
    n_images, (h_out, w_out), c_out = x.shape[0], geo.out_hw, w.shape[3]
    c_group, out_per_group = w.shape[2], c_out // groups
    for n in range(n_images):
        for i in range(h_out):
            for j in range(w_out):
                rows, cols = _window_slices(i, j, geo)
                for o in range(c_out):
                    g = o // out_per_group
                    chans = slice(g * c_group, (g + 1) * c_group)
                    dxp[n, rows, cols, chans] += dout[n, i, j, o] * w[:, :, :, o]
                    dw[:, :, :, o] += dout[n, i, j, o] * xp[n, rows, cols, chans]
    (top, _), (left, _) = geo.pads
    dx = dxp[:, top:top + x.shape[1], left:left + x.shape[2], :]
    return dx, dw, dout.sum(axis=(0, 1, 2))
