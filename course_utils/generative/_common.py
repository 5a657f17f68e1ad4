"""What the three generative models share: binarised images, Bernoulli likelihoods in bits/dim."""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np
from keras import ops

__all__ = ["binarize", "bits_per_dim", "bernoulli_nll", "GAN_LOSSES"]

GAN_LOSSES = ("non_saturating", "minimax")


def binarize(images: np.ndarray, threshold: int = 128) -> np.ndarray:
    """uint8 images to float32 {0, 1}: a pixel is 1 when it is at least ``threshold``.

    A fixed threshold (not the stochastic binarisation of Salakhutdinov & Murray 2008), so
    every run sees the same data; likelihoods are therefore not those of the papers' table.
    """
    images = np.asarray(images)
    if images.dtype != np.uint8:
        raise TypeError(f"binarize expects uint8 images (0-255), got dtype {images.dtype}.")
    return (images >= threshold).astype("float32")


def bits_per_dim(nats_per_image: float | np.ndarray, dims: int) -> float | np.ndarray:
    """A negative log-likelihood in nats per image as bits per dimension: ``nats / (dims ln 2)``."""
    if dims < 1:
        raise ValueError(f"dims must be positive, got {dims}.")
    return np.asarray(nats_per_image) / (dims * math.log(2.0))


def bernoulli_nll(y_true, logits):
    """Bernoulli negative log-likelihood of binary images under per-pixel logits, in nats per image."""
    nll = ops.binary_crossentropy(y_true, logits, from_logits=True)
    return ops.sum(ops.reshape(nll, (ops.shape(nll)[0], -1)), axis=-1)


def _check_images(x: Any, shape: Sequence[int] | None = None, what: str = "x") -> np.ndarray:
    x = np.asarray(x)
    if x.ndim != 4:
        raise ValueError(f"{what} must be a batch of images (N, H, W, C), got shape {x.shape}.")
    if shape is not None and tuple(x.shape[1:]) != tuple(shape):
        raise ValueError(f"{what} must have images of shape {tuple(shape)}, got {x.shape[1:]}.")
    if x.dtype == np.uint8:
        raise TypeError(f"{what} is uint8; binarise it first (generative.binarize) or scale it "
                        "to floats in [0, 1].")
    return x.astype("float32")
