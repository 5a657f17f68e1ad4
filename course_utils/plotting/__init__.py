"""Figures for the lessons (step 1 of a split: the former ``plotting.py`` moved
into this package unchanged; the next commit divides it by concern)."""

from __future__ import annotations

from typing import Any

from course_utils.plotting import training as _training
from course_utils.plotting.training import (
    animate_conv, confusion_matrix, conv_output_size, plot_complexity, plot_confusion_matrix,
    plot_conv_steps, plot_feature_maps, plot_history, plot_images, plot_kernels,
)

__all__ = [
    "plot_images", "plot_kernels", "plot_feature_maps", "plot_history",
    "LiveHistory", "TrainingCurves", "confusion_matrix", "plot_confusion_matrix",
    "plot_complexity", "conv_output_size", "plot_conv_steps", "animate_conv",
]


def __getattr__(name: str) -> Any:
    if name in ("LiveHistory", "TrainingCurves"):  # built on first access: imports Keras
        return getattr(_training, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
