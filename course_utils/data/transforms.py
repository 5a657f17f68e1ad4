"""Subsets, splits, normalisation and one-hot labels (batches come from ``augment.pipeline``).

Images stay ``uint8`` until a model needs floats: convert at the last moment
with :func:`to_float`.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def _check_xy(x: np.ndarray, y: np.ndarray) -> None:
    if len(x) != len(y):
        raise ValueError(f"x and y must have the same length, got {len(x)} images and {len(y)} labels.")


def stratified_indices(y: np.ndarray, size: int, *, seed: int = 0) -> np.ndarray:
    """Indices of a class-balanced random subset of ``size`` labels from ``y``.

    Each class gets ``size * class_share`` items (rounded so the total is exact),
    drawn without replacement; the result is shuffled. (scikit-learn's
    ``train_test_split(stratify=y)`` draws other subsets from the same seed: every lesson's
    recorded numbers were measured on these.)
    """
    y = np.asarray(y).reshape(-1)
    if not 0 < size <= len(y):
        raise ValueError(f"size must be in 1..{len(y)} (the number of labels), got {size}.")
    rng = np.random.default_rng(seed)
    classes, counts = np.unique(y, return_counts=True)
    quota = np.floor(counts * size / len(y)).astype(int)
    # Hand out the rounding remainder to the classes with the largest fractional parts.
    remainder = size - quota.sum()
    order = np.argsort(-(counts * size / len(y) - quota), kind="stable")
    quota[order[:remainder]] += 1
    picked = [rng.choice(np.flatnonzero(y == c), q, replace=False) for c, q in zip(classes, quota)]
    return rng.permutation(np.concatenate(picked))


def stratified_subset(x: np.ndarray, y: np.ndarray, size: int, *, seed: int = 0
                      ) -> tuple[np.ndarray, np.ndarray]:
    """A class-balanced random subset ``(x[idx], y[idx])`` of ``size`` items."""
    _check_xy(x, y)
    idx = stratified_indices(y, size, seed=seed)
    return x[idx], y[idx]


def train_val_split(x: np.ndarray, y: np.ndarray, val_fraction: float = 0.1, *, seed: int = 0
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Stratified split into ``x_train, y_train, x_val, y_val``."""
    _check_xy(x, y)
    if not 0 < val_fraction < 1:
        raise ValueError(f"val_fraction must be strictly between 0 and 1, got {val_fraction}.")
    val_size = max(1, int(round(len(y) * val_fraction)))
    val_idx = stratified_indices(y, val_size, seed=seed)
    mask = np.ones(len(y), dtype=bool)
    mask[val_idx] = False
    return x[mask], y[mask], x[val_idx], y[val_idx]


def to_float(x: np.ndarray, *, mean: Any = None, std: Any = None) -> np.ndarray:
    """Scale ``uint8`` images to ``float32`` in [0, 1], then optionally standardise.

    Parameters
    ----------
    x : ndarray
        Images, ``uint8`` in [0, 255] (or already float).
    mean, std : float or array broadcastable to a channel vector, optional
        If given, return ``(x / 255 - mean) / std``.
    """
    out = np.asarray(x, dtype=np.float32)
    if np.asarray(x).dtype == np.uint8:
        out = out / np.float32(255.0)
    if mean is not None:
        out = out - np.asarray(mean, dtype=np.float32)
    if std is not None:
        std = np.asarray(std, dtype=np.float32)
        if np.any(std <= 0):
            raise ValueError(f"std must be positive, got {std}.")
        out = out / std
    return out


def channel_stats(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel mean and standard deviation of images in [0, 1] scale."""
    xf = to_float(x)
    axes = tuple(range(xf.ndim - 1))
    return xf.mean(axis=axes), xf.std(axis=axes)


def one_hot(y: np.ndarray, num_classes: int | None = None) -> np.ndarray:
    """One-hot ``float32`` rows of integer labels ``y`` (``keras.utils.to_categorical``)."""
    import keras

    y = np.asarray(y).reshape(-1)
    if y.size and (not np.issubdtype(y.dtype, np.integer) or y.min() < 0):
        raise ValueError(f"labels must be non-negative integers, got dtype {y.dtype}, min {y.min()}.")
    num_classes = int(y.max()) + 1 if num_classes is None else int(num_classes)
    if y.size and y.max() >= num_classes:
        raise ValueError(f"label {y.max()} does not fit num_classes={num_classes}.")
    return keras.utils.to_categorical(y, num_classes).astype(np.float32)
