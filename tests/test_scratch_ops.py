"""Pooling, ReLU, softmax cross-entropy, batch norm and conv1d against keras.ops.

Relative error is ``max|ours - reference| / max|reference|``: below 1e-6 in float64
and 1e-4 in float32. Gradients are compared with the active backend's autodiff
(``course_utils.autodiff``) and checked by central differences (below 1e-7).

Backend note: on TensorFlow, ``keras.ops.max_pool`` returns float32 for a float64
input (TensorFlow's CPU max-pool kernel has no float64). A max only selects values,
so the float32 result differs from the float64 one by at most one float32 rounding
(relative 6e-8), which still meets the float64 tolerance.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest

from course_utils import autodiff, scratch

TOLERANCE = {np.float64: 1e-6, np.float32: 1e-4}

# (x shape, pool_size, stride, padding)
POOL_CASES = [
    ((2, 8, 8, 3), 2, None, "valid"),
    ((2, 9, 7, 2), 3, 2, "same"),          # odd sizes, overlapping windows, padding
    ((1, 7, 10, 4), (2, 3), (1, 2), "valid"),
    ((2, 5, 6, 1), 3, 1, "same"),
    ((1, 11, 11, 2), 3, 2, "valid"),       # AlexNet's overlapping pooling
]
POOL_IDS = [f"pool{i}" for i in range(len(POOL_CASES))]
POOLS = {
    "max": (scratch.max_pool2d, scratch.max_pool2d_backward, keras.ops.max_pool),
    "avg": (scratch.avg_pool2d, scratch.avg_pool2d_backward, keras.ops.average_pool),
}


def rel_err(ours, ref) -> float:
    ours, ref = np.asarray(ours, np.float64), np.asarray(ref, np.float64)
    assert ours.shape == ref.shape
    return float(np.abs(ours - ref).max() / max(np.abs(ref).max(), 1e-30))


@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("case", POOL_CASES, ids=POOL_IDS)
def test_pooling_and_its_gradient_match_keras(case, dtype, kind):
    shape, pool, stride, padding = case
    forward, backward, reference = POOLS[kind]
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape).astype(dtype)
    ours = forward(x, pool, stride=stride, padding=padding)
    # ours defaults stride to the pool size; the reference gets it explicitly because
    # keras.ops pooling with strides=None fails on the JAX backend (Keras 3.15).
    ref_stride = pool if stride is None else stride
    ref = autodiff.evaluate(lambda t: reference(t, pool, ref_stride, padding), x)
    assert rel_err(ours, ref) < TOLERANCE[dtype]
    dout = rng.standard_normal(ours.shape).astype(dtype)
    _, (grad,) = autodiff.value_and_grad(
        lambda t: keras.ops.sum(keras.ops.multiply(keras.ops.cast(
            reference(t, pool, ref_stride, padding), t.dtype), dout)), x)
    dx = backward(dout, x, pool, stride=stride, padding=padding)
    assert dx.shape == x.shape
    assert rel_err(dx, grad) < TOLERANCE[dtype]


def test_pooling_small_example_and_same_padding_semantics():
    x = np.array([[5, 3, 8, 9], [1, 3, 2, 4], [5, 0, 7, 5], [4, 6, 1, 2]], float)[None, ..., None]
    np.testing.assert_array_equal(scratch.max_pool2d(x)[0, ..., 0], [[5, 9], [6, 7]])
    np.testing.assert_array_equal(scratch.avg_pool2d(x)[0, ..., 0], [[3, 5.75], [3.75, 3.75]])
    # 3x3 windows, stride 2, "same" on 4x4: one zero row/column of padding at the end;
    # padded cells are not counted in the mean (divisor 6 and 4, not 9).
    avg = scratch.avg_pool2d(x, 3, stride=2, padding="same")[0, ..., 0]
    np.testing.assert_allclose(avg, [[34 / 9, 35 / 6], [23 / 6, 15 / 4]])
    # the gradient of a max goes to the winner only
    dx = scratch.max_pool2d_backward(np.ones((1, 2, 2, 1)), x)[0, ..., 0]
    np.testing.assert_array_equal(dx, [[1, 0, 0, 1], [0, 0, 0, 0], [0, 0, 1, 0], [0, 1, 0, 0]])


@pytest.mark.parametrize("kind", ["max", "avg"])
def test_pooling_gradient_check(kind):
    forward, backward, _ = POOLS[kind]
    x = np.random.default_rng(1).standard_normal((2, 7, 6, 2))
    dout = np.random.default_rng(2).standard_normal(forward(x, 3, stride=2,
                                                            padding="same").shape)
    dx = backward(dout, x, 3, stride=2, padding="same")
    check = scratch.gradient_check(
        lambda t: np.sum(forward(t, 3, stride=2, padding="same") * dout), x, dx)
    assert check.max_relative_error < 1e-7


def test_max_pooling_integer_images_with_same_padding():
    # uint8 pixels: padding must use the dtype's smallest value, not -inf.
    x = np.arange(2 * 5 * 5 * 1, dtype=np.uint8).reshape(2, 5, 5, 1)
    out = scratch.max_pool2d(x, 2, padding="same")
    assert out.dtype == np.uint8 and out.shape == (2, 3, 3, 1)
    np.testing.assert_array_equal(out, scratch.max_pool2d(x.astype(np.float64), 2,
                                                          padding="same"))
    with pytest.raises(ValueError, match="dtype bool"):
        scratch.max_pool2d(x > 3, 2)


def test_pooling_rejects_bad_arguments():
    with pytest.raises(ValueError, match=r"rank 4.*\(4, 4\)"):
        scratch.max_pool2d(np.zeros((4, 4)))
    with pytest.raises(ValueError, match="'valid' or 'same'"):
        scratch.avg_pool2d(np.zeros((1, 4, 4, 1)), padding="full")
    with pytest.raises(ValueError, match=r"stride must be >= 1"):
        scratch.max_pool2d(np.zeros((1, 4, 4, 1)), stride=0)
    with pytest.raises(ValueError, match=r"larger than the padded input"):
        scratch.max_pool2d(np.zeros((1, 2, 2, 1)), 3)


def test_relu_and_its_gradient():
    x = np.array([[-2.0, 0.0, 3.0], [1.5, -0.1, 0.2]])
    np.testing.assert_array_equal(scratch.relu(x), [[0, 0, 3], [1.5, 0, 0.2]])
    np.testing.assert_array_equal(scratch.relu(x), autodiff.evaluate(keras.ops.relu, x))
    dout = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(scratch.relu_backward(dout, x), [[0, 0, 2], [3, 0, 5]])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_softmax_cross_entropy_matches_keras(dtype):
    rng = np.random.default_rng(3)
    logits = (rng.standard_normal((6, 5)) * 3).astype(dtype)
    labels = rng.integers(0, 5, size=6)
    loss, grad = scratch.softmax_cross_entropy(logits, labels)

    def keras_loss(z):
        return keras.ops.mean(keras.ops.sparse_categorical_crossentropy(
            labels, z, from_logits=True))

    ref_loss, (ref_grad,) = autodiff.value_and_grad(keras_loss, logits)
    assert abs(loss - float(ref_loss)) / abs(float(ref_loss)) < TOLERANCE[dtype]
    assert rel_err(grad, ref_grad) < TOLERANCE[dtype]
    one_hot_loss, one_hot_grad = scratch.softmax_cross_entropy(logits, np.eye(5)[labels])
    assert one_hot_loss == pytest.approx(loss, rel=1e-6)
    # uniform logits: the loss is log(K)
    assert scratch.softmax_cross_entropy(np.zeros((2, 10)), [3, 7])[0] == pytest.approx(
        np.log(10))
    with pytest.raises(ValueError, match=r"\[0, 5\)"):
        scratch.softmax_cross_entropy(logits, np.full(6, 5))


def _keras_batch_norm(x, gamma, beta, epsilon):
    mean, var = keras.ops.moments(x, axes=list(range(len(x.shape) - 1)))
    return keras.ops.batch_normalization(x, mean, var, axis=-1, offset=beta, scale=gamma,
                                         epsilon=epsilon)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_batch_norm_training_matches_keras_formula_and_gradients(dtype):
    rng = np.random.default_rng(4)
    x = (rng.standard_normal((4, 5, 3, 6)) * 2 + 1).astype(dtype)
    gamma = rng.uniform(0.5, 1.5, 6).astype(dtype)
    beta = rng.standard_normal(6).astype(dtype)
    out = scratch.batch_norm(x, gamma, beta, np.zeros(6, dtype), np.ones(6, dtype),
                             training=True, epsilon=1e-3)
    ref = autodiff.evaluate(lambda *t: _keras_batch_norm(*t, 1e-3), x, gamma, beta)
    assert rel_err(out.y, ref) < TOLERANCE[dtype]
    dout = rng.standard_normal(x.shape).astype(dtype)
    _, grads = autodiff.value_and_grad(
        lambda *t: keras.ops.sum(keras.ops.multiply(_keras_batch_norm(*t, 1e-3), dout)), x, gamma, beta)
    for ours, theirs in zip(scratch.batch_norm_backward(dout, out.cache), grads):
        assert rel_err(ours, theirs) < TOLERANCE[dtype]


def test_batch_norm_running_statistics_match_the_keras_layer():
    rng = np.random.default_rng(5)
    layer = keras.layers.BatchNormalization(momentum=0.9, epsilon=1e-3)
    layer.build((None, 4, 4, 3))
    mean, var = np.zeros(3), np.ones(3)
    gamma, beta = np.ones(3), np.zeros(3)
    for step in range(3):
        x = (rng.standard_normal((8, 4, 4, 3)) * (step + 1) + step).astype(np.float32)
        y_keras = keras.ops.convert_to_numpy(layer(x, training=True))
        y, mean, var, _ = scratch.batch_norm(x.astype(np.float64), gamma, beta, mean, var,
                                             training=True, momentum=0.9)
        assert rel_err(y, y_keras) < 1e-4
    assert rel_err(mean, keras.ops.convert_to_numpy(layer.moving_mean)) < 1e-5
    assert rel_err(var, keras.ops.convert_to_numpy(layer.moving_variance)) < 1e-5
    x = rng.standard_normal((2, 4, 4, 3)).astype(np.float32)
    y_inf, mean_after, _, _ = scratch.batch_norm(x, gamma, beta, mean, var, training=False)
    assert rel_err(y_inf, keras.ops.convert_to_numpy(layer(x, training=False))) < 1e-4
    np.testing.assert_array_equal(mean_after, mean)      # inference leaves them alone


@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_gradient_check(training):
    rng = np.random.default_rng(6)
    x = rng.standard_normal((5, 3, 4))
    gamma, beta = rng.uniform(0.5, 1.5, 4), rng.standard_normal(4)
    stats = (rng.standard_normal(4), rng.uniform(0.5, 2, 4))
    dout = rng.standard_normal(x.shape)

    def f(x_=x, gamma_=gamma, beta_=beta):
        y = scratch.batch_norm(x_, gamma_, beta_, *stats, training=training).y
        return np.sum(y * dout)

    cache = scratch.batch_norm(x, gamma, beta, *stats, training=training).cache
    dx, dgamma, dbeta = scratch.batch_norm_backward(dout, cache)
    assert scratch.gradient_check(f, x, dx).max_relative_error < 1e-7
    assert scratch.gradient_check(lambda g: f(gamma_=g), gamma, dgamma).max_relative_error < 1e-7
    assert scratch.gradient_check(lambda b: f(beta_=b), beta, dbeta).max_relative_error < 1e-7


def test_conv1d_is_the_formula_of_the_notes():
    rng = np.random.default_rng(7)
    x, w = rng.standard_normal((3, 11)), rng.standard_normal((4, 3, 5))  # J=3, I=4, R=2
    radius, (n_out, n_in, _), steps = 2, w.shape, x.shape[1]
    expected = np.zeros((n_out, steps))
    for i in range(n_out):
        for t in range(steps):
            expected[i, t] = sum(w[i, j, tau + radius] * x[j, t + tau]
                                 for j in range(n_in) for tau in range(-radius, radius + 1)
                                 if 0 <= t + tau < steps)
    np.testing.assert_allclose(scratch.conv1d(x, w), expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_conv1d_and_its_gradients_match_keras(dtype):
    rng = np.random.default_rng(8)
    x, w = rng.standard_normal((3, 13)).astype(dtype), rng.standard_normal((2, 3, 3)).astype(dtype)
    dy = rng.standard_normal((2, 13)).astype(dtype)

    def keras_conv1d(x_, w_):  # Keras layout: (batch, steps, channels), kernel (taps, in, out)
        y = keras.ops.conv(keras.ops.transpose(x_)[None], keras.ops.transpose(w_, (2, 1, 0)),
                           padding="same")
        return keras.ops.transpose(y[0])

    ref = autodiff.evaluate(keras_conv1d, x, w)
    assert rel_err(scratch.conv1d(x, w), ref) < TOLERANCE[dtype]
    _, (gx, gw) = autodiff.value_and_grad(
        lambda a, b: keras.ops.sum(keras.ops.multiply(keras_conv1d(a, b), dy)), x, w)
    dx, dw = scratch.conv1d_backward(dy, x, w)
    assert rel_err(dx, gx) < TOLERANCE[dtype]
    assert rel_err(dw, gw) < TOLERANCE[dtype]
    # the notes' weight gradient: dw[i, j, tau] = sum_t dy[i, t] x[j, t + tau]
    # (the slide writes y where it means the upstream gradient y-bar)
    xp = np.pad(x.astype(np.float64), ((0, 0), (1, 1)))
    by_formula = np.array([[[sum(dy[i, t] * xp[j, t + tau + 1] for t in range(13))
                             for tau in (-1, 0, 1)] for j in range(3)] for i in range(2)])
    assert rel_err(dw, by_formula) < TOLERANCE[dtype]


def test_conv1d_gradient_check_and_errors():
    rng = np.random.default_rng(9)
    x, w, dy = rng.standard_normal((2, 9)), rng.standard_normal((3, 2, 5)), rng.standard_normal((3, 9))
    dx, dw = scratch.conv1d_backward(dy, x, w)
    assert scratch.gradient_check(lambda a: np.sum(scratch.conv1d(a, w) * dy), x,
                                  dx).max_relative_error < 1e-7
    assert scratch.gradient_check(lambda b: np.sum(scratch.conv1d(x, b) * dy), w,
                                  dw).max_relative_error < 1e-7
    with pytest.raises(ValueError, match=r"channel mismatch.*\(2, 9\).*\(3, 4, 5\)"):
        scratch.conv1d(x, np.zeros((3, 4, 5)))
    with pytest.raises(ValueError, match=r"odd number"):
        scratch.conv1d(x, np.zeros((3, 2, 4)))


def test_gradient_check_detects_a_wrong_gradient():
    x = np.random.default_rng(10).standard_normal((3, 4))
    good = scratch.gradient_check(lambda a: np.sum(a ** 3), x, 3 * x ** 2)
    bad = scratch.gradient_check(lambda a: np.sum(a ** 3), x, 3 * x ** 2 + 1e-3)
    assert good.max_relative_error < 1e-7
    assert bad.max_relative_error > 1e-4
    sampled = scratch.gradient_check(lambda a: np.sum(a ** 3), x, 3 * x ** 2, num_samples=5)
    assert sampled.numerical.shape == (5,)
    np.testing.assert_allclose(sampled.numerical, sampled.analytic, rtol=1e-7)
    with pytest.raises(ValueError, match=r"grad shape \(4,\) must equal x shape \(3, 4\)"):
        scratch.gradient_check(np.sum, x, np.zeros(4))


def test_scratch_imports_without_keras():
    import subprocess
    import sys

    code = "import sys, course_utils.scratch; print('keras' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"
