"""Images on a grid: input images with labels and predictions, convolution
kernels, and the channels of a feature map.

Every function returns its :class:`matplotlib.figure.Figure`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from course_utils.plotting._common import _as_labels

__all__ = ["plot_images", "plot_kernels", "plot_feature_maps", "plot_augmentations"]


# --------------------------------------------------------------------------- helpers
def _grid(count: int, ncols: int | None, cell: float = 1.6,
          max_cols: int = 8) -> tuple[Figure, np.ndarray]:
    """Figure with ``count`` axes laid out on a grid; unused axes are removed."""
    ncols = min(count, max_cols) if ncols is None else ncols
    if ncols < 1:
        raise ValueError(f"ncols must be a positive integer, got {ncols}.")
    nrows = math.ceil(count / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(cell * ncols, cell * nrows + 0.6),
                             squeeze=False)
    axes = axes.ravel()
    for ax in axes[count:]:
        fig.delaxes(ax)
    return fig, axes[:count]


def _label_text(label: Any, class_names: Sequence[str] | None) -> str:
    """Class name for ``label`` (an index or already a name)."""
    if class_names is not None and isinstance(label, (int, np.integer)):
        if not 0 <= int(label) < len(class_names):
            raise ValueError(f"label {label} is outside class_names "
                             f"(expected 0 <= label < {len(class_names)}).")
        return str(class_names[int(label)])
    return str(label)

# --------------------------------------------------------------------------- images
def _as_image_batch(images: Any) -> np.ndarray:
    """Return images as ``(N, H, W)`` or ``(N, H, W, C)`` with C in {3, 4}."""
    images = np.asarray(images)
    if images.ndim == 2:  # (H, W)
        images = images[None]
    elif images.ndim == 3 and images.shape[-1] in (1, 3, 4):  # one (H, W, C) image
        images = images[None]
    elif images.ndim not in (3, 4):
        raise ValueError(f"images must be 2-4 D: (H, W), (H, W, C), (N, H, W) or "
                         f"(N, H, W, C); got shape {images.shape}.")
    if images.ndim == 4:
        if images.shape[-1] not in (1, 3, 4):
            raise ValueError(f"images must be channels-last with 1, 3 or 4 channels; got "
                             f"shape {images.shape} ({images.shape[-1]} channels).")
        if images.shape[-1] == 1:
            images = images[..., 0]
    return images


def _displayable(image: np.ndarray) -> np.ndarray:
    """RGB floats outside [0, 1] are min-max scaled (imshow would clip them)."""
    if image.ndim == 3 and np.issubdtype(image.dtype, np.floating):
        low, high = float(image.min()), float(image.max())
        if low < 0 or high > 1:
            return (image - low) / max(high - low, 1e-12)
    return image


def plot_images(images: Any, labels: Any = None, *, predictions: Any = None,
                class_names: Sequence[str] | None = None, ncols: int | None = None,
                cmap: str = "gray", title: str | None = None) -> Figure:
    """Show images on a grid, with their labels and optionally predictions.

    Parameters
    ----------
    images : array-like of shape (H, W), (H, W, C), (N, H, W) or (N, H, W, C)
        Channels-last, C in {1, 3, 4}. A 3-D array is one image when its last
        axis has 1, 3 or 4 entries, else a batch of grayscale images.
    labels : array-like of shape (N,), default=None
        True classes (indices into ``class_names``, or names).
    predictions : array-like of shape (N,) or (N, num_classes), default=None
        Predicted classes or class scores (reduced by argmax). Wrong
        predictions are titled and framed in red.
    class_names : sequence of str, default=None
    ncols : int, default=None
        Columns of the grid; ``None`` uses up to 8.
    cmap : str, default="gray"
        Colormap for single-channel images.
    title : str, default=None
        Figure title; ``None`` uses a description of the batch.

    Returns
    -------
    matplotlib.figure.Figure
        One axes per image; ``ax.images[0].get_array()`` is the image shown.
    """
    batch = _as_image_batch(images)
    count = len(batch)
    labels = _as_labels(labels, count, "labels")
    predictions = _as_labels(predictions, count, "predictions")
    fig, axes = _grid(count, ncols)
    wrong = 0
    for i, (ax, image) in enumerate(zip(axes, batch)):
        ax.imshow(_displayable(image), cmap=cmap if image.ndim == 2 else None)
        ax.set_xticks([])
        ax.set_yticks([])
        parts, color = [], "black"
        if predictions is not None:
            parts.append(f"pred: {_label_text(predictions[i], class_names)}")
            if labels is not None and predictions[i] != labels[i]:
                color, wrong = "red", wrong + 1
                for spine in ax.spines.values():
                    spine.set_edgecolor("red")
                    spine.set_linewidth(2)
        if labels is not None:
            parts.append(f"true: {_label_text(labels[i], class_names)}"
                         if predictions is not None else _label_text(labels[i], class_names))
        ax.set_title("\n".join(parts), fontsize=9, color=color)
    if title is None:
        height, width = batch.shape[1:3]
        title = f"{count} image{'s' * (count != 1)} ({height}x{width} pixels)"
        if predictions is not None and labels is not None:
            title += f", {wrong} wrong (red)"
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_kernels(kernels: Any, *, in_channel: int | str = 0, ncols: int | None = None,
                 cmap: str = "RdBu_r", title: str = "Convolution kernels",
                 colorbar: bool = True) -> Figure:
    """Show convolution kernels with a diverging colormap centred on zero.

    Parameters
    ----------
    kernels : array-like or keras layer
        Keras layout ``(kh, kw, C_in, C_out)``, or ``(kh, kw, C_out)``, or one
        ``(kh, kw)`` kernel; a layer with ``get_weights()`` (its kernel is used).
    in_channel : int or "rgb", default=0
        Input channel shown for 4-D kernels; ``"rgb"`` shows 3-channel kernels
        as colour images (no colorbar).
    ncols : int, default=None
    cmap : str, default="RdBu_r"
    title : str, default="Convolution kernels"
    colorbar : bool, default=True
        One shared colorbar (weight value) for all kernels.

    Returns
    -------
    matplotlib.figure.Figure
        One axes per output channel (plus one for the colorbar).
    """
    if hasattr(kernels, "get_weights"):
        kernels = kernels.get_weights()[0]
    kernels = np.asarray(kernels, dtype=np.float32)
    rgb = isinstance(in_channel, str)
    if rgb and in_channel != "rgb":
        raise ValueError(f"in_channel must be an int or 'rgb', got {in_channel!r}.")
    if kernels.ndim == 2:
        kernels = kernels[..., None]
    elif kernels.ndim == 4:
        if rgb:
            if kernels.shape[2] != 3:
                raise ValueError(f"in_channel='rgb' needs 3 input channels, got kernels "
                                 f"of shape {kernels.shape}.")
            kernels = np.moveaxis(kernels, 3, 0)  # (C_out, kh, kw, 3)
        else:
            if not 0 <= in_channel < kernels.shape[2]:
                raise ValueError(f"in_channel={in_channel} is out of range for kernels of "
                                 f"shape {kernels.shape} (expected 0..{kernels.shape[2] - 1}).")
            kernels = kernels[:, :, in_channel, :]
    elif kernels.ndim != 3:
        raise ValueError(f"kernels must have shape (kh, kw), (kh, kw, C_out) or "
                         f"(kh, kw, C_in, C_out); got {kernels.shape}.")
    if not rgb:
        kernels = np.moveaxis(kernels, -1, 0)  # (C_out, kh, kw)
    limit = float(np.abs(kernels).max()) or 1.0
    fig, axes = _grid(len(kernels), ncols, cell=1.3)
    image = None
    for index, (ax, kernel) in enumerate(zip(axes, kernels)):
        if rgb:
            ax.imshow(0.5 + kernel / (2 * limit))  # zero weight -> mid grey
        else:
            image = ax.imshow(kernel, cmap=cmap, vmin=-limit, vmax=limit)
        ax.set_title(f"filter {index}", fontsize=8)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle(title)
    fig.tight_layout()
    if colorbar and image is not None:
        fig.colorbar(image, ax=list(axes), shrink=0.8, label="weight")
    return fig


def plot_feature_maps(feature_maps: Any, *, max_channels: int | None = 32,
                      ncols: int | None = None, cmap: str = "viridis",
                      title: str = "Feature maps") -> Figure:
    """Show the channels of one image's feature maps on a grid.

    Parameters
    ----------
    feature_maps : array-like of shape (H, W, C), (1, H, W, C) or (H, W)
    max_channels : int or None, default=32
        Show at most this many channels (the first ones).
    ncols : int, default=None
    cmap : str, default="viridis"
    title : str, default="Feature maps"

    Returns
    -------
    matplotlib.figure.Figure
        One axes per channel shown, titled ``"channel i"``.
    """
    maps = np.asarray(feature_maps)
    if maps.ndim == 4:
        if maps.shape[0] != 1:
            raise ValueError(f"feature_maps holds a batch of {maps.shape[0]} images "
                             f"(shape {maps.shape}); pass one, e.g. maps[:1] or maps[0].")
        maps = maps[0]
    if maps.ndim == 2:
        maps = maps[..., None]
    if maps.ndim != 3:
        raise ValueError(f"feature_maps must have shape (H, W, C) or (1, H, W, C); "
                         f"got {maps.shape}.")
    count = maps.shape[-1] if max_channels is None else min(maps.shape[-1], max_channels)
    fig, axes = _grid(count, ncols, cell=1.4)
    for channel, ax in enumerate(axes):
        ax.imshow(maps[:, :, channel], cmap=cmap)
        ax.set_title(f"channel {channel}", fontsize=8)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle(f"{title} ({maps.shape[0]}x{maps.shape[1]} pixels, "
                 f"{count} of {maps.shape[-1]} channels)")
    fig.tight_layout()
    return fig


def plot_augmentations(image: Any, augmentation: Any, *, draws: int = 7,
                       title: str | None = None, ncols: int | None = None) -> Figure:
    """One image and ``draws`` random augmentations of it, each titled.

    Parameters
    ----------
    image : array-like, shape (H, W, C)
        uint8 in [0, 255] or float in [0, 1].
    augmentation : callable
        Called once as ``augmentation(batch, training=True)`` on ``draws`` copies of
        the image (a ``keras.Sequential`` of random layers draws once per copy).
    draws : int, default=7
    title : str, optional
        Default: the augmentation's ``name``.
    ncols : int, optional

    Returns
    -------
    matplotlib.figure.Figure
        ``draws + 1`` axes: ``"original"``, then ``"draw 1"``, ``"draw 2"``, ...
    """
    image = np.asarray(image)
    if image.ndim != 3:
        raise ValueError(f"image must be one (H, W, C) image, got shape {image.shape}.")
    if int(draws) < 1:
        raise ValueError(f"draws must be a positive integer, got {draws!r}.")
    batch = np.repeat(image[None], int(draws), axis=0)
    out = augmentation(batch, training=True)
    out = np.asarray(out.numpy() if hasattr(out, "numpy") else out)  # a backend tensor
    top = 255.0 if image.dtype == np.uint8 else 1.0
    shown = [image] + [np.clip(o, 0, top).astype(image.dtype) for o in out]  # same scale as input
    fig, axes = _grid(len(shown), ncols)
    for i, (ax, picture) in enumerate(zip(axes, shown)):
        ax.imshow(picture.squeeze(-1) if picture.shape[-1] == 1 else picture,
                  cmap="gray" if picture.shape[-1] == 1 else None)
        ax.set_xticks([])
        ax.set_yticks([])
        size = "x".join(str(d) for d in picture.shape[:2])
        ax.set_title("original" if i == 0 else f"draw {i}" + ("" if picture.shape == image.shape
                                                            else f" ({size})"), fontsize=8)
    fig.suptitle(title or f"{getattr(augmentation, 'name', 'augmentation')}: "
                 f"{draws} random draws of one image")
    fig.tight_layout()
    return fig
