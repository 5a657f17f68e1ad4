"""ReLU, softmax cross-entropy, batch normalisation and the 1-D convolution of the notes.

Every forward function has a ``*_backward`` partner (or returns its gradient), so a
small network can be trained with nothing but NumPy.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from course_utils.scratch._checks import check_rank

__all__ = [
    "relu", "relu_backward", "softmax_cross_entropy", "batch_norm", "batch_norm_backward",
    "BatchNormOutput", "conv1d", "conv1d_backward",
]


def relu(x: np.ndarray) -> np.ndarray:
    """``max(x, 0)`` elementwise."""
    return np.maximum(x, 0)


def relu_backward(dout: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Gradient of :func:`relu`: ``dout`` where ``x > 0``, else 0 (0 at ``x == 0``)."""
    dout, x = np.asarray(dout), np.asarray(x)
    if dout.shape != x.shape:
        raise ValueError(f"dout shape {dout.shape} must equal x shape {x.shape}.")
    return np.where(x > 0, dout, 0)


def softmax_cross_entropy(logits: np.ndarray, labels: np.ndarray,
                          ) -> tuple[float, np.ndarray]:
    """Mean cross-entropy of ``softmax(logits)`` against ``labels``, and its gradient.

    Parameters
    ----------
    logits : ndarray of shape (N, K)
    labels : ndarray of shape (N,) with integer classes in [0, K), or (N, K) one-hot /
        probability rows.

    Returns
    -------
    loss : float
        ``-mean_n log softmax(logits)[n, label_n]``.
    dlogits : ndarray of shape (N, K)
        ``(softmax(logits) - onehot(labels)) / N``.
    """
    logits = np.asarray(logits)
    check_rank(logits, 2, "logits", "(N, K)")
    n, k = logits.shape
    labels = np.asarray(labels)
    if labels.shape == (n,):
        if not np.issubdtype(labels.dtype, np.integer) or labels.min() < 0 or labels.max() >= k:
            raise ValueError(f"integer labels must lie in [0, {k}), got dtype {labels.dtype} "
                             f"and range [{labels.min()}, {labels.max()}].")
        target = np.zeros_like(logits)
        target[np.arange(n), labels] = 1
    elif labels.shape == (n, k):
        target = labels.astype(logits.dtype)
    else:
        raise ValueError(f"labels must have shape ({n},) or ({n}, {k}) for logits of shape "
                         f"{logits.shape}, got {labels.shape}.")
    shifted = logits - logits.max(axis=1, keepdims=True)   # stable: the max exponent is 0
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = float(-(target * log_probs).sum() / n)
    return loss, (np.exp(log_probs) - target) / n


class BatchNormOutput(NamedTuple):
    """What :func:`batch_norm` returns; unpacks as ``y, running_mean, running_var, cache``."""

    y: np.ndarray
    running_mean: np.ndarray
    running_var: np.ndarray
    cache: dict


def batch_norm(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray,
               running_mean: np.ndarray, running_var: np.ndarray, *, training: bool,
               momentum: float = 0.99, epsilon: float = 1e-3) -> BatchNormOutput:
    """Batch normalisation over every axis but the last (channels), as Keras does it.

    Training: ``y = gamma * (x - mean_B) / sqrt(var_B + epsilon) + beta`` with the batch
    mean and (biased) variance, and the running statistics move towards them:
    ``running = momentum * running + (1 - momentum) * batch``. Inference: the running
    statistics replace the batch ones and are returned unchanged.

    Parameters
    ----------
    x : ndarray of shape (..., C)
    gamma, beta, running_mean, running_var : ndarray of shape (C,)
    training : bool
    momentum : float, default=0.99
        Keras's ``BatchNormalization`` default.
    epsilon : float, default=1e-3
        Keras's default.

    Returns
    -------
    BatchNormOutput
        ``(y, running_mean, running_var, cache)``; pass ``cache`` to
        :func:`batch_norm_backward`.
    """
    x = np.asarray(x)
    channels = x.shape[-1] if x.ndim else None
    for name, value in (("gamma", gamma), ("beta", beta), ("running_mean", running_mean),
                        ("running_var", running_var)):
        if np.shape(value) != (channels,):
            raise ValueError(f"{name} must have shape ({channels},) for x of shape "
                             f"{x.shape}, got {np.shape(value)}.")
    axes = tuple(range(x.ndim - 1))
    if training:
        mean, var = x.mean(axis=axes), x.var(axis=axes)
        running_mean = momentum * np.asarray(running_mean) + (1 - momentum) * mean
        running_var = momentum * np.asarray(running_var) + (1 - momentum) * var
    else:
        mean, var = np.asarray(running_mean), np.asarray(running_var)
    inv_std = 1.0 / np.sqrt(var + epsilon)
    x_hat = (x - mean) * inv_std
    y = np.asarray(gamma) * x_hat + np.asarray(beta)
    cache = {"x_hat": x_hat, "inv_std": inv_std, "gamma": np.asarray(gamma),
             "training": bool(training), "axes": axes}
    return BatchNormOutput(y, np.asarray(running_mean), np.asarray(running_var), cache)


def batch_norm_backward(dout: np.ndarray, cache: dict,
                        ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients of :func:`batch_norm` with respect to ``x``, ``gamma`` and ``beta``.

    In training mode the batch mean and variance depend on every example, which adds
    the two correction terms of the formula
    ``dx = inv_std * (g - mean(g) - x_hat * mean(g * x_hat))`` with ``g = dout * gamma``.
    In inference mode the statistics are constants and ``dx = g * inv_std``.

    Returns
    -------
    dx, dgamma, dbeta
    """
    dout = np.asarray(dout)
    x_hat, inv_std, axes = cache["x_hat"], cache["inv_std"], cache["axes"]
    if dout.shape != x_hat.shape:
        raise ValueError(f"dout shape {dout.shape} must equal the input shape {x_hat.shape}.")
    dbeta = dout.sum(axis=axes)
    dgamma = (dout * x_hat).sum(axis=axes)
    g = dout * cache["gamma"]
    if not cache["training"]:
        return g * inv_std, dgamma, dbeta
    dx = inv_std * (g - g.mean(axis=axes) - x_hat * (g * x_hat).mean(axis=axes))
    return dx, dgamma, dbeta


def _conv1d_windows(x: np.ndarray, radius: int) -> np.ndarray:
    """View (J, T, 2R+1) with ``[j, t, tau + R] = x[j, t + tau]`` (zero outside)."""
    xp = np.pad(x, ((0, 0), (radius, radius)))
    return np.lib.stride_tricks.sliding_window_view(xp, 2 * radius + 1, axis=1)


def _check_conv1d(x: np.ndarray, w: np.ndarray) -> int:
    check_rank(x, 2, "x", "(J input channels, T time steps)")
    check_rank(w, 3, "w", "(I output channels, J input channels, 2R + 1 taps)")
    if w.shape[1] != x.shape[0]:
        raise ValueError(f"channel mismatch: x has {x.shape[0]} channels (shape {x.shape}), "
                         f"w expects {w.shape[1]} (shape {w.shape}).")
    if w.shape[2] % 2 == 0:
        raise ValueError(f"w must have an odd number 2R + 1 of taps, got shape {w.shape}.")
    return w.shape[2] // 2


def conv1d(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """1-D convolution in the notation of the lecture notes.

    .. math:: y_{i,t} = \\sum_{j=1}^{J} \\sum_{\\tau=-R}^{R} w_{i,j,\\tau}\\, x_{j,t+\\tau}

    with ``x`` taken as zero outside ``[0, T)``, so ``y`` has ``T`` steps (Keras's
    ``"same"`` padding for an odd kernel).

    Parameters
    ----------
    x : ndarray of shape (J, T)
        ``J`` input channels, ``T`` time steps (channels first, as in the formula).
    w : ndarray of shape (I, J, 2R + 1)
        ``w[i, j, tau + R]`` is the formula's ``w_{i, j, tau}``.

    Returns
    -------
    y : ndarray of shape (I, T)
    """
    x, w = np.asarray(x), np.asarray(w)
    radius = _check_conv1d(x, w)
    return np.einsum("ijk,jtk->it", w, _conv1d_windows(x, radius))


def conv1d_backward(dy: np.ndarray, x: np.ndarray, w: np.ndarray,
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Gradients of :func:`conv1d`.

    The weight gradient sums over every time step, because the weight is shared:

    .. math:: \\bar w_{i,j,\\tau} = \\sum_t \\bar y_{i,t}\\, x_{j,t+\\tau}

    Returns
    -------
    dx : ndarray of shape (J, T)
    dw : ndarray of shape (I, J, 2R + 1)
    """
    x, w, dy = np.asarray(x), np.asarray(w), np.asarray(dy)
    radius = _check_conv1d(x, w)
    if dy.shape != (w.shape[0], x.shape[1]):
        raise ValueError(f"dy must have shape {(w.shape[0], x.shape[1])}, got {dy.shape}.")
    dw = np.einsum("it,jtk->ijk", dy, _conv1d_windows(x, radius))
    # x[j, s] fed y[i, s - tau] through w[i, j, tau]: correlate dy with the kernel reversed.
    dx = np.einsum("ijk,itk->jt", w[:, :, ::-1], _conv1d_windows(dy, radius))
    return dx, dw
