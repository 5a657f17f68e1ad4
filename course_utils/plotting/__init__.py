"""Figures for the lessons: images, kernels, feature maps, training curves,
confusion matrices, model complexity and convolution arithmetic.

Every function returns its :class:`matplotlib.figure.Figure`, so tests and
notebooks can inspect titles, axes and image data. Figures are created through
``pyplot``: in a notebook they show once at the end of the cell; end the call
with ``;`` (or assign the result) to avoid a second copy from the cell's value.
Nothing here blocks in a headless run (``MPLBACKEND=Agg``).

``LiveHistory`` is a Keras callback; its module (``live``) is imported on first
access, so that importing this package does not import Keras.

Modules
-------
images      ``plot_images``, ``plot_kernels``, ``plot_feature_maps``, ``plot_augmentations``
training    ``plot_history``, ``plot_curves``, ``confusion_matrix``, ``plot_confusion_matrix``,
            ``plot_normalization_axes``
live        ``LiveHistory`` (imports Keras; loaded on first use)
complexity  ``plot_complexity``, ``plot_tradeoff``, ``plot_bubbles``
embedding   ``plot_embedding`` (2-D points coloured by class)
conv        ``plot_conv_steps``, ``animate_conv`` (sizes: ``course_utils.geometry``)
"""

from __future__ import annotations

from typing import Any

from course_utils.plotting.complexity import plot_bubbles, plot_complexity, plot_tradeoff
from course_utils.plotting.conv import animate_conv, plot_conv_steps
from course_utils.plotting.embedding import plot_embedding
from course_utils.plotting.images import (
    plot_augmentations, plot_feature_maps, plot_images, plot_kernels,
)
from course_utils.plotting.training import (
    confusion_matrix, plot_confusion_matrix, plot_curves, plot_history, plot_normalization_axes,
)

__all__ = [
    "plot_images", "plot_kernels", "plot_feature_maps", "plot_augmentations", "plot_history", "plot_curves",
    "LiveHistory", "confusion_matrix", "plot_confusion_matrix", "plot_normalization_axes",
    "plot_complexity", "plot_tradeoff", "plot_bubbles", "plot_conv_steps", "animate_conv",
    "plot_embedding",
]


def __getattr__(name: str) -> Any:
    if name == "LiveHistory":  # its module imports Keras: load it on first use
        from course_utils.plotting.live import LiveHistory

        return LiveHistory
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
