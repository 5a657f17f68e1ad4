"""course_utils.autodiff: gradients of keras.ops functions on the active backend."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from course_utils import autodiff


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_value_and_grad_of_known_functions(dtype):
    x = np.array([[1.0, -2.0], [0.5, 3.0]], dtype=dtype)
    w = np.array([2.0, -1.0], dtype=dtype)
    value, (gx, gw) = autodiff.value_and_grad(
        lambda a, b: keras.ops.sum(keras.ops.matmul(a, b) ** 2), x, w)
    y = x @ w                                     # [4, -2]
    assert float(value) == pytest.approx(20.0)
    np.testing.assert_allclose(gx, 2 * np.outer(y, w), rtol=1e-6)
    np.testing.assert_allclose(gw, 2 * x.T @ y, rtol=1e-6)
    assert gx.dtype == dtype and gw.dtype == dtype and isinstance(gx, np.ndarray)


def test_float64_is_computed_in_float64():
    # 1 + 1e-10 is not representable in float32: only a float64 computation sees it.
    x = np.array([1.0 + 1e-10, 1.0])
    value, (grad,) = autodiff.value_and_grad(lambda a: keras.ops.sum(a * a), x)
    assert float(value) - 2.0 == pytest.approx(2e-10, rel=1e-4)
    assert grad[0] - 2.0 == pytest.approx(2e-10, rel=1e-4)
    out = autodiff.evaluate(lambda a: a - 1.0, x)
    assert out.dtype == np.float64 and out[0] == pytest.approx(1e-10, rel=1e-4)


def test_unused_input_gets_a_zero_gradient_and_errors_are_clear():
    x, y = np.ones(3), np.ones(2)
    _, (gx, gy) = autodiff.value_and_grad(lambda a, b: keras.ops.sum(a), x, y)
    np.testing.assert_array_equal(gx, np.ones(3))
    np.testing.assert_array_equal(gy, np.zeros(2))
    with pytest.raises(ValueError, match="backends.*got 'numpy'"):
        autodiff.value_and_grad(lambda a: keras.ops.sum(a), x, backend="numpy")
    with pytest.raises(ValueError, match="at least one array"):
        autodiff.value_and_grad(lambda: 0.0)
