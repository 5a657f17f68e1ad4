"""The :class:`Dataset` record that every loader returns."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np


@dataclasses.dataclass
class Dataset:
    """Images and labels of one dataset.

    Attributes
    ----------
    name : str
    x_train, x_test : ndarray of uint8, shape (N, H, W, C)
        ``x_test`` has zero images when the source has no test split.
    y_train, y_test : ndarray of int64, shape (N,)
    class_names : tuple of str
    source : str
        Where the data came from: a file path, ``"download: <path>"``,
        ``"embedded: <package>"`` or ``"generated: <recipe>"``; a lossy copy says
        so (``"JPEG copy (lossy)"``).
    x_val, y_val : ndarray or None
        A validation split held out of the training images, when one was asked for.
    details : dict
        What the loader noticed (files ignored, images skipped, cache used, ...).
    """

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    class_names: tuple[str, ...]
    source: str
    x_val: np.ndarray | None = None
    y_val: np.ndarray | None = None
    details: dict[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    @property
    def input_shape(self) -> tuple[int, ...]:
        return tuple(self.x_train.shape[1:])

    @property
    def lossy(self) -> bool:
        """True for a lossy copy of the dataset (the CIFAR-10 JPEG copy)."""
        return "lossy" in self.source

    def __repr__(self) -> str:
        val = "" if self.x_val is None else f", validation {self.x_val.shape}"
        return (f"Dataset({self.name!r}: train {self.x_train.shape} {self.x_train.dtype}{val}, "
                f"test {self.x_test.shape}, {self.num_classes} classes, source={self.source!r})")

    def describe(self) -> str:
        """One line: name, counts, image shape and source."""
        val = "" if self.x_val is None else f", {len(self.x_val):,} validation"
        return (f"{self.name}: {len(self.x_train):,} training{val} and {len(self.x_test):,} "
                f"test images of shape {self.input_shape}, {self.num_classes} classes, "
                f"from {self.source}")
