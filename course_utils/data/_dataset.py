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
        kind = "recordings" if self.x_train.ndim == 3 else "images"
        return (f"{self.name}: {len(self.x_train):,} training{val} and {len(self.x_test):,} "
                f"test {kind} of shape {self.input_shape}, {self.num_classes} classes, "
                f"from {self.source}")


def select(dataset: Dataset, *, classes: Any = None, train_size: int | None = None,
           seed: int = 0, name: str | None = None) -> Dataset:
    """A new :class:`Dataset` with some classes and/or fewer training images.

    Parameters
    ----------
    dataset : Dataset
    classes : sequence of int or str, optional
        Keep these classes (indices or names), relabelled ``0, 1, ...`` in the order given,
        in every split; ``class_names`` follow. Default: all.
    train_size : int, optional
        Keep a class-balanced random subset of this many training images (after the class
        selection); the validation and test splits are kept whole.
    seed : int, default=0
    name : str, optional
        Default: the dataset's name with the selection described.

    Examples
    --------
    ``select(cifar, classes=["airplane", "automobile", "ship", "truck"], train_size=40)``:
    CIFAR-10's four vehicle classes with 10 training images each.
    """
    from course_utils.data.transforms import stratified_indices

    if not isinstance(dataset, Dataset):
        raise TypeError(f"dataset must be a course_utils.data.Dataset, got {type(dataset).__name__}.")
    keep = list(range(dataset.num_classes)) if classes is None else list(classes)
    index = []
    for c in keep:
        if isinstance(c, str):
            if c not in dataset.class_names:
                raise ValueError(f"{dataset.name} has no class {c!r}; its classes: "
                                 f"{list(dataset.class_names)}.")
            c = dataset.class_names.index(c)
        if not isinstance(c, (int, np.integer)) or not 0 <= c < dataset.num_classes:
            raise ValueError(f"classes must be names or indices in 0..{dataset.num_classes - 1}, "
                             f"got {c!r}.")
        index.append(int(c))
    if len(set(index)) != len(index) or not index:
        raise ValueError(f"classes must be distinct and not empty, got {keep!r}.")
    lut = np.full(dataset.num_classes, -1)
    lut[index] = np.arange(len(index))

    def split(x, y):
        if x is None:
            return None, None
        mask = lut[y] >= 0
        return x[mask], lut[y[mask]]

    x_train, y_train = split(dataset.x_train, dataset.y_train)
    if train_size is not None:
        if not isinstance(train_size, (int, np.integer)) or not 0 < train_size <= len(y_train):
            raise ValueError(f"train_size must be an integer in 1..{len(y_train)}, got {train_size!r}.")
        idx = stratified_indices(y_train, int(train_size), seed=seed)
        x_train, y_train = x_train[idx], y_train[idx]
    x_val, y_val = split(dataset.x_val, dataset.y_val)
    x_test, y_test = split(dataset.x_test, dataset.y_test)
    names = tuple(dataset.class_names[i] for i in index)
    described = [] if classes is None else [f"{len(index)} classes"]
    described += [] if train_size is None else [f"{len(x_train):,} training images"]
    return Dataset(name or f"{dataset.name} ({', '.join(described) or 'all'})", x_train, y_train,
                   x_test, y_test, names, dataset.source, x_val, y_val,
                   {**dataset.details, "selected_from": dataset.name, "classes": list(index)})
