"""Subsets, splits, normalisation, one-hot labels and batch iterators.

Images stay ``uint8`` until a model needs floats: convert at the last moment
with :func:`to_float`.
"""

from __future__ import annotations

from typing import Any, Callable, Iterator

import numpy as np


def _check_xy(x: np.ndarray, y: np.ndarray) -> None:
    if len(x) != len(y):
        raise ValueError(f"x and y must have the same length, got {len(x)} images and {len(y)} labels.")


def stratified_indices(y: np.ndarray, size: int, *, seed: int = 0) -> np.ndarray:
    """Indices of a class-balanced random subset of ``size`` labels from ``y``.

    Each class gets ``size * class_share`` items (rounded so the total is exact),
    drawn without replacement; the result is shuffled.
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
    """One-hot ``float32`` rows of integer labels ``y``."""
    y = np.asarray(y).reshape(-1)
    if y.size and (y.min() < 0 or not np.issubdtype(y.dtype, np.integer)):
        raise ValueError(f"labels must be non-negative integers, got dtype {y.dtype}, min {y.min()}.")
    num_classes = int(y.max()) + 1 if num_classes is None else int(num_classes)
    if y.size and y.max() >= num_classes:
        raise ValueError(f"label {y.max()} does not fit num_classes={num_classes}.")
    out = np.zeros((y.size, num_classes), dtype=np.float32)
    out[np.arange(y.size), y] = 1.0
    return out


def batches(x: np.ndarray, y: np.ndarray | None = None, batch_size: int = 128, *,
            shuffle: bool = True, seed: int = 0, drop_remainder: bool = False,
            transform: Callable[[np.ndarray], np.ndarray] | None = None) -> Iterator:
    """Iterate over mini-batches with NumPy only (no TensorFlow needed).

    Yields ``(x_batch, y_batch)`` (or ``x_batch`` when ``y`` is None), each
    batch passed through ``transform`` (for example :func:`to_float`) if given.
    """
    if y is not None:
        _check_xy(x, y)
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}.")
    order = np.random.default_rng(seed).permutation(len(x)) if shuffle else np.arange(len(x))
    stop = len(x) - len(x) % batch_size if drop_remainder else len(x)
    for start in range(0, stop, batch_size):
        idx = order[start : start + batch_size]
        xb = x[idx] if transform is None else transform(x[idx])
        yield xb if y is None else (xb, y[idx])


def tf_dataset(x: np.ndarray, y: np.ndarray | None = None, batch_size: int = 128, *,
               shuffle: bool = True, seed: int = 0, map_fn: Callable | None = None,
               cache: bool = False, prefetch: bool = True, drop_remainder: bool = False):
    """A ``tf.data.Dataset`` pipeline: (cache) -> shuffle -> batch -> map -> prefetch.

    ``map_fn`` runs on whole batches (vectorised), e.g. uint8 -> float or an
    augmentation. Needs TensorFlow (any Keras backend can consume the result).
    """
    try:
        import tensorflow as tf
    except ImportError:
        raise ImportError("tf_dataset needs TensorFlow; use course_utils.data.batches instead.") from None
    if y is not None:
        _check_xy(x, y)
    ds = tf.data.Dataset.from_tensor_slices(x if y is None else (x, y))
    if cache:
        ds = ds.cache()
    if shuffle:
        ds = ds.shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
    ds = ds.batch(batch_size, drop_remainder=drop_remainder)
    if map_fn is not None:
        ds = ds.map(map_fn, num_parallel_calls=tf.data.AUTOTUNE)
    if prefetch:
        ds = ds.prefetch(tf.data.AUTOTUNE)
    return ds
