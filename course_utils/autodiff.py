"""Gradients from the active Keras backend, NumPy in and NumPy out.

Keras 3 has no backend-agnostic ``grad``: each backend differentiates its own way
(TensorFlow records on a ``GradientTape``, JAX transforms the function, PyTorch runs
autograd). This module hides that behind one call so lessons and tests can compare
hand-written gradients with the framework's::

    from course_utils import autodiff
    loss, (dx, dw) = autodiff.value_and_grad(
        lambda x, w: keras.ops.sum(keras.ops.conv(x, w) * dout), x, w)

``fn`` is written with ``keras.ops`` and must return a scalar. Float64 inputs stay
float64 on every backend: under JAX, which computes in float32 unless told otherwise,
the call runs inside ``jax.enable_x64(True)``.
"""

from __future__ import annotations

import contextlib
from typing import Any, Callable

import numpy as np

__all__ = ["value_and_grad", "evaluate", "SUPPORTED_BACKENDS"]

SUPPORTED_BACKENDS = ("tensorflow", "jax", "torch")


def _backend(backend: str | None) -> str:
    if backend is None:
        import keras

        backend = keras.backend.backend()
    if backend not in SUPPORTED_BACKENDS:
        raise ValueError(f"autodiff supports the backends {SUPPORTED_BACKENDS}, got "
                         f"{backend!r}.")
    return backend


def _precision(backend: str, arrays: tuple[np.ndarray, ...]) -> contextlib.AbstractContextManager:
    """Under JAX, allow float64 while the call runs if any input is float64."""
    if backend == "jax" and any(a.dtype == np.float64 for a in arrays):
        import jax

        return jax.enable_x64(True)
    return contextlib.nullcontext()


def _to_numpy(value: Any) -> np.ndarray:
    if hasattr(value, "detach"):           # torch tensors
        value = value.detach().cpu()
    return np.asarray(value)


def evaluate(fn: Callable[..., Any], *arrays: np.ndarray, backend: str | None = None,
             ) -> np.ndarray:
    """Call ``fn(*tensors)`` on backend tensors made from ``arrays``; return NumPy.

    Use it to run a ``keras.ops`` reference at the inputs' precision (float64 stays
    float64 under JAX too).
    """
    backend = _backend(backend)
    arrays = tuple(np.asarray(a) for a in arrays)
    import keras

    with _precision(backend, arrays):
        tensors = [keras.ops.convert_to_tensor(a, dtype=str(a.dtype)) for a in arrays]
        return _to_numpy(fn(*tensors))


def value_and_grad(fn: Callable[..., Any], *arrays: np.ndarray, backend: str | None = None,
                   ) -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
    """Value of the scalar ``fn(*arrays)`` and its gradient with respect to every array.

    Parameters
    ----------
    fn : callable
        Written with ``keras.ops``; takes one tensor per array and returns a scalar.
    *arrays : ndarray
        Points at which to differentiate; their dtypes are kept.
    backend : {"tensorflow", "jax", "torch"} or None, default=None
        ``None`` uses ``keras.backend.backend()``.

    Returns
    -------
    value : ndarray of shape ()
    grads : tuple of ndarray
        ``grads[k]`` has the shape of ``arrays[k]``.
    """
    backend = _backend(backend)
    arrays = tuple(np.asarray(a) for a in arrays)
    if not arrays:
        raise ValueError("value_and_grad needs at least one array to differentiate.")
    with _precision(backend, arrays):
        if backend == "tensorflow":
            import tensorflow as tf

            tensors = [tf.convert_to_tensor(a) for a in arrays]
            with tf.GradientTape() as tape:
                for t in tensors:
                    tape.watch(t)
                value = fn(*tensors)
            grads = tape.gradient(value, tensors)
        elif backend == "jax":
            import jax
            import jax.numpy as jnp

            tensors = [jnp.asarray(a) for a in arrays]
            value, grads = jax.value_and_grad(fn, argnums=tuple(range(len(arrays))))(*tensors)
        else:
            import torch

            tensors = [torch.tensor(a, requires_grad=True) for a in arrays]
            value = fn(*tensors)
            grads = torch.autograd.grad(value, tensors, allow_unused=True)
        grads = tuple(np.zeros_like(a) if g is None else _to_numpy(g)
                      for a, g in zip(arrays, grads))
        value = _to_numpy(value)
    if value.shape != ():
        raise ValueError(f"fn must return a scalar, got shape {value.shape}.")
    return value, grads
