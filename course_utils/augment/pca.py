"""AlexNet's PCA colour augmentation ("fancy PCA"), which Keras does not ship.

Krizhevsky et al. (2012) add to every pixel of an image the same colour shift
``sum_i alpha_i * lambda_i * p_i``, where ``p_i`` and ``lambda_i`` are the
eigenvectors and eigenvalues of the 3x3 covariance of the training set's RGB
values and ``alpha_i ~ N(0, 0.1)`` is drawn once per image. The shift moves the
colour along the directions in which natural colours vary most: the lighting
changes, not the object.

Convention: the covariance is taken of RGB values scaled to [0, 1] (as the common
implementations do; the product ``alpha_i * lambda_i`` is not scale-free), and the
shift is scaled back to the layer's ``value_range``.
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
import numpy as np
from keras import ops

__all__ = ["pca_color_statistics", "PCAColor"]


def pca_color_statistics(images: np.ndarray, *, max_pixels: int = 2_000_000,
                         seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Eigenvalues and eigenvectors of the RGB covariance of ``images`` (values in [0, 1]).

    Parameters
    ----------
    images : ndarray, shape (N, H, W, 3)
        Integers in [0, 255] or floats in [0, 1]; floats above 2 (the 0-255 scale) raise
        ``ValueError`` (the
        eigenvalues depend on the scale, and AlexNet's ``std`` is set for [0, 1]).
    max_pixels : int, default=2,000,000
        Use a random sample of this many pixels (the estimate is stable well below it).
    seed : int, default=0

    Returns
    -------
    eigenvalues : ndarray, shape (3,)
        Sorted from largest to smallest.
    eigenvectors : ndarray, shape (3, 3)
        Column ``i`` belongs to ``eigenvalues[i]``; each has a positive largest component.
    """
    images = np.asarray(images)
    if images.ndim != 4 or images.shape[-1] != 3:
        raise ValueError(f"images must be (N, H, W, 3) RGB, got shape {images.shape}.")
    pixels = images.reshape(-1, 3)
    if len(pixels) > max_pixels:
        pixels = pixels[np.random.default_rng(seed).choice(len(pixels), max_pixels, replace=False)]
    if images.dtype.kind in "biu":                      # integer images: 0-255
        if images.size and (images.min() < 0 or images.max() > 255):
            raise ValueError(f"integer images must hold values 0-255, got {images.min()} to "
                             f"{images.max()} ({images.dtype}).")
        pixels = pixels.astype(np.float64) / 255.0
    elif images.dtype.kind == "f":
        top = float(images.max()) if images.size else 0.0
        if top > 2.0:   # not [0, 1] with some noise: the 0-255 scale
            raise ValueError(f"float images must hold values in [0, 1] (the covariance is taken "
                             f"at that scale), got a maximum of {top:g}: pass uint8 images, or "
                             "divide by 255 first.")
        pixels = pixels.astype(np.float64)
    else:
        raise TypeError(f"images must be numbers, got dtype {images.dtype}.")
    values, vectors = np.linalg.eigh(np.cov(pixels, rowvar=False))
    order = np.argsort(values)[::-1]
    values, vectors = values[order], vectors[:, order]
    signs = np.sign(vectors[np.abs(vectors).argmax(axis=0), np.arange(3)])
    return values.astype(np.float32), (vectors * signs).astype(np.float32)


@keras.saving.register_keras_serializable(package="course_utils")
class PCAColor(keras.layers.Layer):
    """Add ``sum_i alpha_i lambda_i p_i`` to every pixel, ``alpha_i ~ N(0, std)`` per image.

    Parameters
    ----------
    eigenvalues : sequence of 3 floats
    eigenvectors : array-like, shape (3, 3)
        Columns are the eigenvectors, as :func:`pca_color_statistics` returns them.
    std : float, default=0.1
        Standard deviation of ``alpha`` (AlexNet: 0.1).
    value_range : (float, float), default=(0, 255)
        Range of the images the layer sees; the shift is scaled to it.
    seed : int, optional

    Notes
    -----
    Active only when ``training`` is true (in ``fit``, or when called with
    ``training=True``); at inference it returns its input. Backend-agnostic
    (``keras.ops`` and ``keras.random``). The output is not clipped.

    References
    ----------
    A. Krizhevsky, I. Sutskever, G. E. Hinton, "ImageNet classification with deep
    convolutional neural networks", NeurIPS 2012, section 4.1.
    """

    def __init__(self, eigenvalues: Sequence[float], eigenvectors, *, std: float = 0.1,
                 value_range: tuple[float, float] = (0, 255), seed: int | None = None,
                 **kwargs):
        super().__init__(**kwargs)
        values = np.asarray(eigenvalues, dtype=np.float32).reshape(-1)
        vectors = np.asarray(eigenvectors, dtype=np.float32)
        if values.shape != (3,) or vectors.shape != (3, 3):
            raise ValueError(f"expected 3 eigenvalues and a (3, 3) eigenvector matrix, got "
                             f"shapes {values.shape} and {vectors.shape}.")
        if not std >= 0:
            raise ValueError(f"std must be non-negative, got {std!r}.")
        self.eigenvalues, self.eigenvectors = values, vectors
        self.std, self.value_range, self.seed = float(std), tuple(value_range), seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def color_shift(self, batch_size) -> "keras.KerasTensor":
        """The per-image RGB shifts ``(batch, 3)`` of one draw, in ``value_range`` units."""
        alpha = keras.random.normal((batch_size, 3), stddev=self.std, seed=self.seed_generator)
        scale = float(self.value_range[1] - self.value_range[0])
        return ops.matmul(alpha * self.eigenvalues, ops.transpose(self.eigenvectors)) * scale

    def call(self, images, training=True):
        if not training:
            return images
        images = ops.convert_to_tensor(images)
        if images.shape[-1] != 3:
            raise ValueError(f"{self.name} shifts RGB colours: it needs 3 channels, got images "
                             f"of shape {tuple(images.shape)}.")
        if images.dtype not in ("float16", "bfloat16", "float32", "float64"):
            images = ops.cast(images, self.compute_dtype)
        shift = self.color_shift(ops.shape(images)[0])
        return images + ops.cast(ops.reshape(shift, (-1, 1, 1, 3)), images.dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def count_macs(self, input_shape, output_shape) -> int:
        """Augmentation is inactive at inference: 0 MACs, like Keras's random layers."""
        return 0

    def get_config(self):
        return {**super().get_config(), "eigenvalues": self.eigenvalues.tolist(),
                "eigenvectors": self.eigenvectors.tolist(), "std": self.std,
                "value_range": list(self.value_range), "seed": self.seed}
