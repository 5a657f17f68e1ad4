"""Numerical gradient checking by central differences."""

from __future__ import annotations

import dataclasses
from typing import Callable

import numpy as np

__all__ = ["gradient_check", "GradientCheck", "numerical_gradient"]


@dataclasses.dataclass(frozen=True)
class GradientCheck:
    """Result of :func:`gradient_check`.

    Attributes
    ----------
    max_relative_error : float
        ``max |a - n| / max(|a|, |n|, floor)`` over the checked entries.
    worst_index : tuple of int
        Entry of ``x`` where that maximum occurs.
    numerical : ndarray
        Central-difference estimates at the checked entries (flat order).
    analytic : ndarray
        The given gradient at the same entries.
    """

    max_relative_error: float
    worst_index: tuple
    numerical: np.ndarray
    analytic: np.ndarray

    def __str__(self) -> str:
        return (f"max relative error {self.max_relative_error:.3e} at index "
                f"{self.worst_index} over {self.numerical.size} entries")


def numerical_gradient(f: Callable[[np.ndarray], float], x: np.ndarray, *,
                       epsilon: float = 1e-5, indices: np.ndarray | None = None,
                       ) -> np.ndarray:
    """Central differences ``(f(x + eps e_k) - f(x - eps e_k)) / (2 eps)`` at flat ``indices``.

    ``x`` is copied to float64; ``f`` must return a scalar.
    """
    x = np.array(x, dtype=np.float64)
    flat = x.reshape(-1)
    indices = np.arange(flat.size) if indices is None else np.asarray(indices)
    grad = np.empty(indices.size)
    for out, k in enumerate(indices):
        saved = flat[k]
        flat[k] = saved + epsilon
        plus = float(f(x))
        flat[k] = saved - epsilon
        minus = float(f(x))
        flat[k] = saved
        grad[out] = (plus - minus) / (2 * epsilon)
    return grad


def gradient_check(f: Callable[[np.ndarray], float], x: np.ndarray, grad: np.ndarray, *,
                   epsilon: float = 1e-5, num_samples: int | None = None,
                   floor: float = 1e-8, seed: int = 0) -> GradientCheck:
    """Compare an analytic gradient with central differences.

    Parameters
    ----------
    f : callable
        ``f(x) -> float``, the scalar function whose gradient ``grad`` claims to be.
    x : ndarray
        Point at which to check; copied to float64 (float32 differences are too noisy).
    grad : ndarray shaped like ``x``
        The analytic gradient of ``f`` at ``x``.
    epsilon : float, default=1e-5
        Step of the central difference; its truncation error is O(epsilon**2).
    num_samples : int or None, default=None
        Check this many random entries instead of all of them (two calls of ``f``
        per entry).
    floor : float, default=1e-8
        Lower bound of the denominator, so entries where both gradients are ~0 do
        not divide by zero.
    seed : int, default=0
        Picks the sampled entries.

    Returns
    -------
    GradientCheck
        Its ``max_relative_error`` is below ~1e-7 for a correct float64 gradient.
    """
    x = np.asarray(x)
    grad = np.asarray(grad, dtype=np.float64)
    if grad.shape != x.shape:
        raise ValueError(f"grad shape {grad.shape} must equal x shape {x.shape}.")
    indices = np.arange(x.size)
    if num_samples is not None and num_samples < x.size:
        indices = np.random.default_rng(seed).choice(x.size, num_samples, replace=False)
    numerical = numerical_gradient(f, x, epsilon=epsilon, indices=indices)
    analytic = grad.reshape(-1)[indices]
    denom = np.maximum(np.maximum(np.abs(numerical), np.abs(analytic)), floor)
    errors = np.abs(numerical - analytic) / denom
    worst = int(np.argmax(errors))
    return GradientCheck(float(errors[worst]),
                         tuple(int(i) for i in np.unravel_index(indices[worst], x.shape)),
                         numerical, analytic)
