"""Augmentation off the training step: batches prepared on another thread.

The syllabus's advice: augment on a separate CPU thread, so the training step
never waits for it. :func:`pipeline` returns what ``model.fit`` takes:

* on the TensorFlow backend, a ``tf.data.Dataset`` that shuffles, batches, maps the
  augmentation (``num_parallel_calls``) and prefetches, on tf.data's threads;
* on the other backends (JAX, PyTorch), a ``keras.utils.PyDataset`` whose
  ``workers`` threads run the augmentation while the model trains.

With ``deterministic=True`` (the default) batches are augmented in order on one
background thread, so the same ``seed`` gives the same batches; ``False`` uses
parallel calls: faster, the same distribution, not the same draws.
"""

from __future__ import annotations

import warnings
from typing import Any, Callable

import keras
import numpy as np

from course_utils.augment.mixing import mixes_labels

__all__ = ["pipeline", "AugmentedBatches"]


def _require_labels(augmentation, y) -> None:
    """A label-mixing augmentation (mixup, CutMix) cannot run without the labels."""
    if augmentation is not None and mixes_labels(augmentation) and y is None:
        raise ValueError(f"{getattr(augmentation, 'name', 'the augmentation')} mixes labels: "
                         "pass the integer labels y as well.")


class AugmentedBatches(keras.utils.PyDataset):
    """Shuffled batches with an augmentation applied, for backends without tf.data.

    Parameters
    ----------
    x, y : ndarray
    augmentation : callable or None
        Called as ``augmentation(batch, training=True)``.
    batch_size : int
    shuffle : bool
    seed : int
        Seeds the order of every epoch (epoch ``e`` uses ``(seed, e)``).
    workers : int
        Background threads (``use_multiprocessing=False``).
    """

    def __init__(self, x, y, augmentation, batch_size: int, *, shuffle: bool = True,
                 seed: int = 0, workers: int = 1, max_queue_size: int = 8):
        super().__init__(workers=workers, use_multiprocessing=False, max_queue_size=max_queue_size)
        _require_labels(augmentation, y)
        self.x, self.y, self.augmentation = x, y, augmentation
        self.batch_size, self.shuffle, self.seed, self.epoch = int(batch_size), shuffle, seed, 0
        self.order = self._order()

    def _order(self) -> np.ndarray:
        if not self.shuffle:
            return np.arange(len(self.x))
        return np.random.default_rng((self.seed, self.epoch)).permutation(len(self.x))

    def __len__(self) -> int:
        return -(-len(self.x) // self.batch_size)

    def __getitem__(self, index: int):
        idx = np.sort(self.order[index * self.batch_size:(index + 1) * self.batch_size])
        batch = self.x[idx]
        if self.augmentation is not None and mixes_labels(self.augmentation):
            images, labels = self.augmentation(batch, self.y[idx], training=True)
            return keras.ops.convert_to_numpy(images), keras.ops.convert_to_numpy(labels)
        if self.augmentation is not None:
            batch = keras.ops.convert_to_numpy(self.augmentation(batch, training=True))
        return batch if self.y is None else (batch, self.y[idx])

    def on_epoch_end(self) -> None:
        self.epoch += 1
        self.order = self._order()


def _tf_pipeline(x, y, augmentation, batch_size, shuffle, seed, deterministic):
    import tensorflow as tf

    ds = tf.data.Dataset.from_tensor_slices(x if y is None else (x, y))
    if shuffle:
        ds = ds.shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
    ds = ds.batch(batch_size)
    if augmentation is not None:
        if mixes_labels(augmentation):     # (images, integer labels) -> (images, soft labels)
            ds = ds.map(lambda b, t: augmentation(b, t, training=True),
                        num_parallel_calls=1 if deterministic else tf.data.AUTOTUNE,
                        deterministic=True)
        elif y is None:
            ds = ds.map(lambda b: augmentation(b, training=True),
                        num_parallel_calls=1 if deterministic else tf.data.AUTOTUNE,
                        deterministic=True)
        else:
            ds = ds.map(lambda b, t: (augmentation(b, training=True), t),
                        num_parallel_calls=1 if deterministic else tf.data.AUTOTUNE,
                        deterministic=True)
    return ds.prefetch(tf.data.AUTOTUNE)


def pipeline(x: np.ndarray, y: np.ndarray | None = None,
             augmentation: Callable[..., Any] | None = None, *, batch_size: int = 128,
             shuffle: bool = True, seed: int = 0, deterministic: bool = True,
             workers: int | None = None, backend: str | None = None):
    """Batches of augmented training images, produced off the training step.

    Parameters
    ----------
    x : ndarray, shape (N, H, W, C)
    y : ndarray, optional
    augmentation : callable, optional
        A ``keras.Sequential`` of preprocessing layers (see the presets of
        :mod:`course_utils.augment`), called with ``training=True``; or a
        :class:`~course_utils.augment.MixLabels` (mixup, CutMix), called with the batch's
        integer labels too, which then yields one-hot soft labels.
    batch_size : int, default=128
    shuffle : bool, default=True
    seed : int, default=0
        Seeds the shuffling (the augmentation's draws are seeded by its own layers).
    deterministic : bool, default=True
        One background thread, in order: the same seeds give the same batches.
    workers : int, optional
        Threads for the non-TensorFlow path (default 1, or 2 when not deterministic).
    backend : {"tensorflow", "jax", "torch", "numpy"}, optional
        Force a path (default: the active Keras backend).

    Returns
    -------
    tf.data.Dataset or AugmentedBatches
        Pass it to ``model.fit`` as ``x`` (no ``batch_size``, no ``y``). It shuffles
        itself, so Keras's warning that ``fit``'s ``shuffle=True`` is ignored for a
        ``tf.data.Dataset`` is filtered once this function has been called.
    """
    _require_labels(augmentation, y)
    if y is not None and len(x) != len(y):
        raise ValueError(f"x and y must have the same length, got {len(x)} and {len(y)}.")
    if int(batch_size) < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}.")
    backend = backend or keras.backend.backend()
    warnings.filterwarnings("ignore", message=r"`shuffle=True` was passed, but will be ignored "
                            r"since the data `x` was provided as a tf\.data\.Dataset")
    if backend == "tensorflow":
        return _tf_pipeline(x, y, augmentation, int(batch_size), shuffle, seed, deterministic)
    workers = workers or (1 if deterministic else 2)
    return AugmentedBatches(x, y, augmentation, batch_size, shuffle=shuffle, seed=seed,
                            workers=1 if deterministic else workers)
