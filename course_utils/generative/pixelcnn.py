"""A PixelCNN: masked convolutions, exact likelihoods, pixel-by-pixel sampling.

van den Oord, Kalchbrenner & Kavukcuoglu, "Pixel Recurrent Neural Networks", ICML 2016.
"""

from __future__ import annotations

from typing import Callable, Sequence

import keras
import numpy as np

from course_utils.registry import register_model
from course_utils.generative._common import _check_images, bernoulli_nll

__all__ = ["MaskedConv2D", "causal_mask", "pixelcnn", "pixelcnn_nll", "pixelcnn_sample"]


def causal_mask(kernel_size: int, mask_type: str, in_channels: int, out_channels: int) -> np.ndarray:
    """The PixelCNN mask of a ``kernel_size x kernel_size`` kernel (one colour channel).

    Taps above the centre row and left of the centre in its row are 1; the centre tap is 1
    for mask type ``"B"`` (a layer may see the pixel's own features computed from earlier
    pixels) and 0 for ``"A"`` (the first layer must not see the pixel it predicts).
    Shape ``(k, k, in_channels, out_channels)``.
    """
    if mask_type not in ("A", "B"):
        raise ValueError(f"mask_type must be 'A' or 'B', got {mask_type!r}.")
    if not isinstance(kernel_size, int) or kernel_size < 1 or kernel_size % 2 == 0:
        raise ValueError(f"kernel_size must be an odd positive int, got {kernel_size!r}.")
    k, c = kernel_size, kernel_size // 2
    mask = np.zeros((k, k), dtype="float32")
    mask[:c, :] = 1.0
    mask[c, :c] = 1.0
    if mask_type == "B":
        mask[c, c] = 1.0
    return np.broadcast_to(mask[:, :, None, None], (k, k, in_channels, out_channels)).copy()


@keras.saving.register_keras_serializable(package="course_utils")
class MaskedConv2D(keras.layers.Conv2D):
    """A ``Conv2D`` ("same" padding, stride 1) whose kernel is multiplied by :func:`causal_mask`.

    Parameters
    ----------
    mask_type : {"A", "B"}
    filters, kernel_size, **kwargs
        As for ``keras.layers.Conv2D``; ``kernel_size`` must be one odd int.
    """

    def __init__(self, mask_type: str, filters: int, kernel_size: int, **kwargs):
        if mask_type not in ("A", "B"):
            raise ValueError(f"mask_type must be 'A' or 'B', got {mask_type!r}.")
        if not isinstance(kernel_size, int) or kernel_size % 2 == 0:
            raise ValueError(f"kernel_size must be one odd int, got {kernel_size!r}.")
        for key, allowed in (("padding", "same"), ("strides", 1), ("dilation_rate", 1)):
            if kwargs.get(key, allowed) not in (allowed, (allowed, allowed)):
                raise ValueError(f"MaskedConv2D needs {key}={allowed!r}, got {kwargs[key]!r}.")
        kwargs["padding"] = "same"
        super().__init__(filters, kernel_size, **kwargs)
        self.mask_type = mask_type

    def build(self, input_shape):
        super().build(input_shape)
        self.mask = causal_mask(self.kernel_size[0], self.mask_type, int(input_shape[-1]), self.filters)

    def convolution_op(self, inputs, kernel):
        return super().convolution_op(inputs, kernel * self.mask)

    def get_config(self):
        return {**super().get_config(), "mask_type": self.mask_type}


@register_model(paper="van den Oord, Kalchbrenner & Kavukcuoglu, ICML 2016", params=48_929,
                task="generate")
def pixelcnn(input_shape: Sequence[int] = (28, 28, 1), *, filters: int = 32, num_layers: int = 5,
             first_kernel: int = 7, name: str = "pixelcnn") -> keras.Model:
    """A small PixelCNN for binary images: one mask-A convolution, residual mask-B layers.

    ``first_kernel x first_kernel`` mask-A convolution, ``num_layers`` residual blocks of a
    3x3 mask-B convolution, then two 1x1 convolutions to one logit per pixel: ``p(x_i = 1 |
    x_<i)`` in raster order. (The 2016 paper uses 7x7 A, 15 residual blocks of 3x3 B in
    1x1-3x3-1x1 form and 1x1 output layers.)

    References
    ----------
    van den Oord, Kalchbrenner & Kavukcuoglu, "Pixel Recurrent Neural Networks", ICML 2016.
    """
    if input_shape[-1] != 1:
        raise ValueError(f"this PixelCNN models one binary channel, got input_shape {tuple(input_shape)}.")
    image = keras.Input(tuple(input_shape), name="image")
    x = MaskedConv2D("A", filters, first_kernel, name="conv_a")(image)
    x = keras.layers.ReLU(name="conv_a_relu")(x)
    for i in range(1, num_layers + 1):
        y = MaskedConv2D("B", filters, 3, name=f"block{i}_conv_b")(x)
        y = keras.layers.ReLU(name=f"block{i}_relu")(y)
        x = keras.layers.Add(name=f"block{i}_add")([x, y])
    x = keras.layers.Conv2D(filters, 1, activation="relu", name="head_1x1")(x)
    logits = keras.layers.Conv2D(1, 1, name="logits")(x)
    return keras.Model(image, logits, name=name)


def pixelcnn_nll(model: keras.Model, x: np.ndarray, *, batch_size: int = 250) -> np.ndarray:
    """Exact negative log-likelihood of each binary image under ``model``, in nats, shape (N,)."""
    x = _check_images(x, model.input_shape[1:])
    out = []
    for start in range(0, len(x), batch_size):
        xb = x[start:start + batch_size]
        out.append(keras.ops.convert_to_numpy(bernoulli_nll(xb, model(xb, training=False))))
    return np.concatenate(out)


def pixelcnn_sample(model: keras.Model, n: int | None = None, *, given: np.ndarray | None = None,
                    start_row: int = 0, seed: int = 0,
                    progress: Callable[[int, int], None] | None = None) -> np.ndarray:
    """Draw images pixel by pixel in raster order, one forward pass per pixel.

    Parameters
    ----------
    model : keras.Model
        A PixelCNN: binary images to one logit per pixel.
    n : int, optional
        Number of images to draw from scratch (``given`` absent).
    given : ndarray of shape (N, H, W, 1), optional
        Complete these images instead: rows above ``start_row`` are kept, the rest sampled.
    start_row : int, default=0
    seed : int, default=0
    progress : callable, optional
        ``progress(rows_done, rows_total)`` after each row.

    Returns
    -------
    ndarray of float32 in {0, 1}, shape (N, H, W, 1)
    """
    h, w, c = model.input_shape[1:]
    if given is None:
        if not isinstance(n, int) or n < 1:
            raise ValueError(f"n must be a positive int when no images are given, got {n!r}.")
        images = np.zeros((n, h, w, c), dtype="float32")
    else:
        images = _check_images(given, (h, w, c), "given").copy()
        n = len(images)
    if not isinstance(start_row, int) or not 0 <= start_row < h:
        raise ValueError(f"start_row must be an int in 0..{h - 1}, got {start_row!r}.")
    images[:, start_row:] = 0.0
    rng = np.random.default_rng(seed)
    for i in range(start_row, h):
        for j in range(w):
            logits = np.asarray(model.predict_on_batch(images))[:, i, j, 0]   # compiled: 2-4x eager
            images[:, i, j, 0] = rng.random(n) < 1.0 / (1.0 + np.exp(-logits))
        if progress is not None:
            progress(i + 1 - start_row, h - start_row)
    return images
