"""What a layer computes and prefers: feature maps, activation maximisation, and the maps drawn over images."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import keras
import numpy as np

from course_utils import autodiff
from course_utils.visualize._common import (
    _check_model,
    _images,
    _input,
)


def feature_maps(model: keras.Model, images: Any, layer_names: Sequence[str]) -> dict[str, np.ndarray]:
    """The outputs of the layers ``layer_names`` for ``images``: ``{name: (N, H, W, C)}``."""
    _check_model(model)
    x = _images(model, images)
    known = {layer.name for layer in model.layers}
    missing = [n for n in layer_names if n not in known]
    if missing:
        raise ValueError(f"model {model.name!r} has no layer {missing}; its layers: "
                         f"{[layer.name for layer in model.layers]}.")
    probe = keras.Model(_input(model), [model.get_layer(n).output for n in layer_names])
    outputs = probe(x, training=False)
    if len(layer_names) == 1:
        outputs = [outputs]
    return {n: keras.ops.convert_to_numpy(o) for n, o in zip(layer_names, outputs)}


def activation_maximization(model: keras.Model, layer_name: str, channel: int, *,
                            steps: int = 64, learning_rate: float = 0.05, jitter: int = 2,
                            blur_every: int = 8, blur_sigma: float = 0.5, decay: float = 1e-3,
                            low_frequency: int = 1, seed: int = 0) -> np.ndarray:
    """An input image that excites ``channel`` of ``layer_name``, found by gradient ascent.

    Starts from grey noise and climbs the mean activation of the channel, with the
    regularisers of Olah et al. (2017): random shifts by up to ``jitter`` pixels each step,
    a Gaussian blur every ``blur_every`` steps, L2 decay towards grey, and, for
    ``low_frequency`` > 1, optimisation of an image that many times smaller, upsampled
    (fewer high frequencies). Returns ``(H, W, C)`` in the input's [0, 1] range.

    References
    ----------
    C. Olah, A. Mordvintsev, L. Schubert, "Feature visualization", Distill 2017.
    """
    _check_model(model)
    height, width, channels = model.input_shape[1:]
    layer = model.get_layer(layer_name)
    if not 0 <= channel < layer.output.shape[-1]:
        raise ValueError(f"channel must be in [0, {layer.output.shape[-1]}) for layer "
                         f"{layer_name!r}, got {channel!r}.")
    if not (isinstance(low_frequency, int) and low_frequency >= 1):
        raise ValueError(f"low_frequency must be a positive integer, got {low_frequency!r}.")
    probe = keras.Model(_input(model), layer.output)
    rng = np.random.default_rng(seed)
    small = (height // low_frequency, width // low_frequency)
    param = (0.5 + 0.01 * rng.normal(size=(1, *small, channels))).astype("float32")

    def objective(p, shift_i, shift_j):
        image = keras.ops.image.resize(p, (height, width), interpolation="bilinear") \
            if low_frequency > 1 else p
        image = keras.ops.roll(keras.ops.roll(image, shift_i, axis=1), shift_j, axis=2)
        out = probe(image)
        return keras.ops.mean(out[..., channel]) - decay * keras.ops.sum((p - 0.5) ** 2)

    for step in range(steps):
        shift = rng.integers(-jitter, jitter + 1, size=2) if jitter else (0, 0)
        _, (grad,) = autodiff.value_and_grad(
            lambda p: objective(p, int(shift[0]), int(shift[1])), param)
        param = param + learning_rate * grad / (np.abs(grad).mean() + 1e-8)
        if blur_every and (step + 1) % blur_every == 0:
            param = _gaussian_blur(param, blur_sigma)
        param = np.clip(param, 0.0, 1.0).astype("float32")
    image = param if low_frequency == 1 else keras.ops.convert_to_numpy(
        keras.ops.image.resize(param, (height, width), interpolation="bilinear"))
    return np.clip(np.asarray(image)[0], 0.0, 1.0)


def _gaussian_blur(images: np.ndarray, sigma: float) -> np.ndarray:
    radius = max(1, int(round(3 * sigma)))
    taps = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma) ** 2)
    taps /= taps.sum()
    out = images
    for axis in (1, 2):
        padded = np.pad(out, [(radius, radius) if a == axis else (0, 0) for a in range(4)],
                        mode="reflect")
        out = sum(t * np.take(padded, np.arange(k, k + out.shape[axis]), axis=axis)
                  for k, t in enumerate(taps))
    return out.astype("float32")


def plot_maps(images: Any, maps: Any, *, titles: Sequence[str] | None = None,
              title: str = "What the network looks at", cmap: str = "jet", alpha: float = 0.45,
              label: str = "importance (0-1)"):
    """Each image with its map drawn over it, one colour bar per map.

    Returns
    -------
    matplotlib.figure.Figure
        Two rows: the images, then the images with their maps.
    """
    import matplotlib.pyplot as plt

    images, maps = np.asarray(images), np.asarray(maps)
    if images.ndim == 3:
        images = images[None]
    if maps.ndim == 2:
        maps = maps[None]
    if len(images) != len(maps) or images.shape[1:3] != maps.shape[1:3]:
        raise ValueError(f"images {images.shape} and maps {maps.shape} must match in number and "
                         "in height and width.")
    count = len(images)
    fig, axes = plt.subplots(2, count, figsize=(2.2 * count, 4.6), squeeze=False)
    for k in range(count):
        shown = images[k] if images.shape[-1] == 3 else images[k, ..., 0]
        scale = 255.0 if shown.max() > 1.5 else 1.0
        for row in (0, 1):
            axes[row, k].imshow(np.clip(shown / scale, 0, 1), cmap=None if shown.ndim == 3 else "gray")
            axes[row, k].set_axis_off()
        overlay = axes[1, k].imshow(maps[k], cmap=cmap, alpha=alpha)
        fig.colorbar(overlay, ax=axes[1, k], fraction=0.046, pad=0.04, label=label)
        if titles is not None:
            axes[0, k].set_title(str(titles[k]), fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    return fig
