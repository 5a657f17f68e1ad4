"""course_utils.scratch convolution against keras.ops and the backend's autodiff.

Relative error is ``max|ours - reference| / max|reference|``; the tolerances are
1e-6 in float64 and 1e-4 in float32 on every case.

Reference notes, checked on TensorFlow 2.21 and JAX 0.10 with Keras 3.15:

* TensorFlow's ``conv`` rejects ``strides > 1`` together with ``dilation_rate > 1``.
  For those cases the reference convolves with an explicitly dilated kernel (zeros
  inserted between the taps, built with ``keras.ops.einsum`` so it stays
  differentiable) at dilation 1, which is the same operation on every backend.
* ``keras.ops.conv`` only knows ``"valid"`` and ``"same"``: for ``"full"``, integer and
  asymmetric padding the reference pads with ``keras.ops.pad`` and uses ``"valid"``.
* Float64 runs in float64 on both backends (``course_utils.autodiff`` switches JAX's
  x64 mode on for the call).
"""

from __future__ import annotations

import math

import keras
import numpy as np
import pytest

from course_utils import autodiff, scratch

TOLERANCE = {np.float64: 1e-6, np.float32: 1e-4}

# (x shape, kernel (kh, kw), C_out, stride, padding, dilation, groups)
CASES = [
    ((2, 7, 9, 3), (3, 3), 4, 1, "valid", 1, 1),
    ((2, 8, 7, 5), (3, 2), 3, 2, "same", 1, 1),
    ((1, 11, 10, 2), (3, 3), 3, 2, "same", 2, 1),            # stride and dilation > 1
    ((2, 9, 9, 4), (2, 3), 2, (1, 2), "full", (2, 1), 1),
    ((2, 6, 7, 4), (3, 3), 6, 1, ((1, 2), (0, 1)), 1, 2),    # grouped, asymmetric pads
    ((2, 9, 8, 3), (3, 3), 6, 2, "same", 1, 3),              # depthwise, multiplier 2
    ((1, 13, 12, 4), (3, 2), 4, 2, "valid", 2, 4),           # depthwise, stride and dilation
    ((2, 10, 10, 3), (4, 4), 5, 3, 2, 1, 1),                 # int padding, stride 3
    ((1, 7, 6, 2), (4, 2), 3, 1, "same", 1, 1),              # even kernel: extra pad after
    ((3, 5, 5, 1), (5, 5), 6, 1, "valid", 1, 1),             # LeNet's first layer
]
IDS = [f"case{i}" for i in range(len(CASES))]


def rel_err(ours: np.ndarray, ref: np.ndarray) -> float:
    ours, ref = np.asarray(ours, np.float64), np.asarray(ref, np.float64)
    assert ours.shape == ref.shape
    return float(np.abs(ours - ref).max() / max(np.abs(ref).max(), 1e-30))


def pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def make_case(case, dtype, seed=0):
    x_shape, (kh, kw), c_out, stride, padding, dilation, groups = case
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(x_shape).astype(dtype)
    w = rng.standard_normal((kh, kw, x_shape[3] // groups, c_out)).astype(dtype)
    b = rng.standard_normal(c_out).astype(dtype)
    kwargs = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    return x, w, b, kwargs


def _explicit_pads(padding, kernel_hw, dilation):
    if padding == "full":
        return [((k - 1) * d, (k - 1) * d) for k, d in zip(kernel_hw, dilation)]
    if isinstance(padding, int):
        return [(padding, padding)] * 2
    return [tuple(p) for p in padding]


def _dilate_kernel(w, dilation):
    """Kernel with ``d - 1`` zeros between taps, as a differentiable keras.ops expression."""
    kh, kw = w.shape[0], w.shape[1]
    (dh, dw) = dilation
    dtype = keras.backend.standardize_dtype(w.dtype)
    spread_h = np.zeros(((kh - 1) * dh + 1, kh), dtype=dtype)
    spread_h[np.arange(kh) * dh, np.arange(kh)] = 1
    spread_w = np.zeros(((kw - 1) * dw + 1, kw), dtype=dtype)
    spread_w[np.arange(kw) * dw, np.arange(kw)] = 1
    return keras.ops.einsum("ai,bj,ijco->abco", spread_h, spread_w, w)


def keras_conv(x, w, *, stride, padding, dilation, groups):
    """Reference convolution built from keras.ops (see the module docstring)."""
    stride, dilation = pair(stride), pair(dilation)
    if padding not in ("valid", "same"):
        pads = _explicit_pads(padding, w.shape[:2], dilation)
        x = keras.ops.pad(x, [(0, 0), *pads, (0, 0)])
        padding = "valid"
    if max(stride) > 1 and max(dilation) > 1:
        w = _dilate_kernel(w, dilation)
        dilation = (1, 1)
    c_in = x.shape[-1]
    if groups > 1 and groups == c_in and w.shape[2] == 1:
        kernel = keras.ops.reshape(w, (w.shape[0], w.shape[1], c_in, w.shape[3] // c_in))
        return keras.ops.depthwise_conv(x, kernel, strides=stride, padding=padding,
                                        dilation_rate=dilation)
    return keras.ops.conv(x, w, strides=stride, padding=padding, dilation_rate=dilation)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_conv2d_matches_keras(case, dtype):
    x, w, b, kwargs = make_case(case, dtype)
    ours = scratch.conv2d(x, w, b, **kwargs)
    ref = autodiff.evaluate(lambda x_, w_, b_: keras_conv(x_, w_, **kwargs) + b_, x, w, b)
    assert ours.shape == ref.shape
    assert ours.dtype == dtype
    assert rel_err(ours, ref) < TOLERANCE[dtype]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_conv2d_backward_matches_autodiff(case, dtype):
    x, w, b, kwargs = make_case(case, dtype, seed=1)
    out_shape = scratch.conv2d(x, w, b, **kwargs).shape
    dout = np.random.default_rng(2).standard_normal(out_shape).astype(dtype)

    def loss(x_, w_, b_):
        return keras.ops.sum(keras.ops.multiply(keras_conv(x_, w_, **kwargs) + b_, dout))

    _, (gx, gw, gb) = autodiff.value_and_grad(loss, x, w, b)
    dx, dw, db = scratch.conv2d_backward(dout, x, w, **kwargs)
    assert (dx.shape, dw.shape, db.shape) == (x.shape, w.shape, b.shape)
    for ours, ref in ((dx, gx), (dw, gw), (db, gb)):
        assert rel_err(ours, ref) < TOLERANCE[dtype]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_loop_and_im2col_versions_agree(case):
    x, w, b, kwargs = make_case(case, np.float64, seed=3)
    fast = scratch.conv2d(x, w, b, **kwargs)
    slow = scratch.conv2d_naive(x, w, b, **kwargs)
    assert rel_err(fast, slow) < 1e-12
    dout = np.random.default_rng(4).standard_normal(fast.shape)
    for a, c in zip(scratch.conv2d_backward(dout, x, w, **kwargs),
                    scratch.conv2d_backward_naive(dout, x, w, **kwargs)):
        assert rel_err(a, c) < 1e-12


@pytest.mark.parametrize("case", [CASES[2], CASES[4], CASES[7]], ids=["dilated", "grouped",
                                                                      "int-pad"])
def test_conv2d_gradient_check(case):
    x, w, b, kwargs = make_case(case, np.float64, seed=5)
    dout = np.random.default_rng(6).standard_normal(scratch.conv2d(x, w, **kwargs).shape)
    dx, dw, db = scratch.conv2d_backward(dout, x, w, **kwargs)
    check_x = scratch.gradient_check(
        lambda x_: np.sum(scratch.conv2d(x_, w, b, **kwargs) * dout), x, dx)
    check_w = scratch.gradient_check(
        lambda w_: np.sum(scratch.conv2d(x, w_, b, **kwargs) * dout), w, dw)
    check_b = scratch.gradient_check(
        lambda b_: np.sum(scratch.conv2d(x, w, b_, **kwargs) * dout), b, db)
    assert check_x.max_relative_error < 1e-7
    assert check_w.max_relative_error < 1e-7
    assert check_b.max_relative_error < 1e-7


@pytest.mark.parametrize("n,k,stride,dilation", [(7, 3, 1, 1), (8, 3, 2, 1), (9, 4, 2, 1),
                                                 (11, 3, 3, 2), (6, 4, 1, 1), (5, 1, 2, 1)])
def test_same_padding_follows_keras(n, k, stride, dilation):
    x = np.ones((1, n, n, 1))
    w = np.ones((k, k, 1, 1))
    y = scratch.conv2d(x, w, stride=stride, padding="same", dilation=dilation)
    assert y.shape[1:3] == (math.ceil(n / stride),) * 2
    k_eff = (k - 1) * dilation + 1
    total = max((math.ceil(n / stride) - 1) * stride + k_eff - n, 0)
    # the top-left output sees the zeros of the top padding (the smaller half)
    top = total // 2
    expected_first = sum(1 for i in range(k) if 0 <= i * dilation - top < n) ** 2
    assert y[0, 0, 0, 0] == expected_first


def test_output_sizes_valid_same_full():
    x = np.zeros((1, 28, 28, 1))
    w = np.zeros((5, 5, 1, 6))
    assert scratch.conv2d(x, w, padding="valid").shape == (1, 24, 24, 6)   # n - k + 1
    assert scratch.conv2d(x, w, padding="same").shape == (1, 28, 28, 6)    # n
    assert scratch.conv2d(x, w, padding="full").shape == (1, 32, 32, 6)    # n + k - 1


def test_worked_example_from_the_notes():
    # 5x5 binary crop and 3x3 filter of the worked example: the top-left value is 4.
    image = np.array([[1, 1, 1, 0, 0], [0, 1, 1, 1, 0], [0, 0, 1, 1, 1],
                      [0, 0, 1, 1, 0], [0, 1, 1, 0, 0]], dtype=np.float64)
    kernel = np.array([[1, 0, 1], [0, 1, 0], [1, 0, 1]], dtype=np.float64)
    y = scratch.conv2d(image[None, :, :, None], kernel[:, :, None, None])[0, :, :, 0]
    np.testing.assert_array_equal(y, [[4, 3, 4], [2, 4, 3], [2, 3, 4]])


def test_im2col_tiny_example_and_col2im_is_its_adjoint():
    x = np.arange(16.0).reshape(1, 4, 4, 1)
    cols = scratch.im2col(x, 3)
    np.testing.assert_array_equal(cols, [[0, 1, 2, 4, 5, 6, 8, 9, 10],
                                         [1, 2, 3, 5, 6, 7, 9, 10, 11],
                                         [4, 5, 6, 8, 9, 10, 12, 13, 14],
                                         [5, 6, 7, 9, 10, 11, 13, 14, 15]])
    # each pixel of a 4x4 image is covered by this many 3x3 windows
    counts = scratch.col2im(np.ones_like(cols), x.shape, 3)[0, :, :, 0]
    np.testing.assert_array_equal(counts, [[1, 2, 2, 1], [2, 4, 4, 2], [2, 4, 4, 2],
                                           [1, 2, 2, 1]])
    rng = np.random.default_rng(7)
    x = rng.standard_normal((2, 7, 6, 3))
    kwargs = dict(stride=2, padding="same", dilation=(1, 2))
    c = scratch.im2col(x, (3, 2), **kwargs)
    r = rng.standard_normal(c.shape)
    # <im2col(x), r> == <x, col2im(r)>
    lhs = np.sum(c * r)
    rhs = np.sum(x * scratch.col2im(r, x.shape, (3, 2), **kwargs))
    assert abs(lhs - rhs) < 1e-10 * abs(lhs)
    w = rng.standard_normal((3, 2, 3, 4))
    np.testing.assert_allclose((c @ w.reshape(-1, 4)).reshape(2, 4, 3, 4),
                               scratch.conv2d(x, w, **kwargs), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("x_shape,w_shape,kwargs,match", [
    ((2, 8, 8, 3), (3, 3, 4, 5), {}, r"channel mismatch.*\(2, 8, 8, 3\).*\(3, 3, 4, 5\)"),
    ((1, 4, 4, 2), (5, 5, 2, 1), {}, r"larger than the padded input.*\(1, 4, 4, 2\)"),
    ((1, 4, 4, 2), (3, 3, 2, 1), {"dilation": 2}, r"dilated extent 5"),
    ((1, 8, 8, 2), (3, 3, 2, 1), {"stride": 0}, r"stride must be >= 1.*got 0"),
    ((1, 8, 8, 2), (3, 3, 2, 1), {"dilation": (1, 0)}, r"dilation must be >= 1"),
    ((8, 8, 2), (3, 3, 2, 1), {}, r"rank 4.*\(8, 8, 2\)"),
    ((1, 8, 8, 2), (3, 3, 2), {}, r"rank 4.*\(3, 3, 2\)"),
    ((1, 8, 8, 6), (3, 3, 2, 4), {"groups": 4}, r"groups.*divisor of the 6.*\(1, 8, 8, 6\)"),
    ((1, 8, 8, 6), (3, 3, 3, 5), {"groups": 2}, r"divide the 5 output channels"),
    ((1, 8, 8, 2), (3, 3, 2, 1), {"padding": "half"}, r"padding must be"),
    ((1, 8, 8, 2), (3, 3, 2, 1), {"padding": -1}, r"padding must be >= 0"),
])
def test_bad_arguments_raise_value_error_naming_shapes(x_shape, w_shape, kwargs, match):
    x, w = np.zeros(x_shape), np.zeros(w_shape)
    with pytest.raises(ValueError, match=match):
        scratch.conv2d(x, w, **kwargs)
    with pytest.raises(ValueError, match=match):
        scratch.conv2d_naive(x, w, **kwargs)


def test_backward_rejects_wrong_dout_shape():
    x, w = np.zeros((1, 6, 6, 2)), np.zeros((3, 3, 2, 4))
    with pytest.raises(ValueError, match=r"output shape \(1, 4, 4, 4\).*got \(1, 6, 6, 4\)"):
        scratch.conv2d_backward(np.zeros((1, 6, 6, 4)), x, w)


def test_integer_images_do_not_wrap_around():
    # a 3x3 box filter over 200s sums to 1,800: in uint8 it wrapped around to 8
    x = np.full((1, 3, 3, 1), 200, dtype=np.uint8)
    w = np.ones((3, 3, 1, 1), dtype=np.uint8)
    assert scratch.conv2d(x, w)[0, 0, 0, 0] == 1_800 and scratch.conv2d(x, w).dtype == np.int64
    assert scratch.conv2d_naive(x, w)[0, 0, 0, 0] == 1_800
