"""Image datasets stored as folders: ``<class>/*`` or ``<split>/<class>/*``.

:func:`load_image_folder` reads an instructor's or a student's own photos from a
folder or a ``.tar``, ``.tar.gz``/``.tgz`` or ``.zip`` archive and returns NumPy
arrays on every Keras backend (``keras.utils.image_dataset_from_directory``
returns a TensorFlow pipeline instead). The CIFAR-10 JPEG copy is read by the
same code.

Layouts::

    photos/cat/001.jpg  photos/dog/002.png            -> one split, classes cat, dog
    photos/train/cat/001.jpg  photos/test/cat/9.jpg   -> splits train and test

A single wrapping folder (``archive.zip`` holding ``photos/...``) is looked through. Split
folders are ``train``, ``test`` and ``val``/``validation``. Files that are not images (by
extension) and hidden files are ignored and counted.
"""

from __future__ import annotations

import dataclasses
import io
import os
import pathlib
import tarfile
import zipfile
from collections.abc import Sequence
from typing import Any

import numpy as np

from course_utils.data._dataset import Dataset
from course_utils.data.transforms import train_val_split

__all__ = ["load_image_folder", "read_image_folder", "IMAGE_EXTENSIONS"]

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tif", ".tiff", ".webp",
                    ".ppm", ".pgm")
_SPLITS = {"train": "train", "test": "test", "val": "val", "validation": "val", "valid": "val"}
_COLOR_MODES = {"rgb": "RGB", "grayscale": "L"}
# An archive member larger than this is not read into memory: it is reported as unreadable.
MAX_IMAGE_BYTES = 64 << 20


@dataclasses.dataclass
class _Failed:
    """The payload of an archive member that could not be read (encrypted, too large, ...)."""

    reason: str


def _read_member(open_member, size: int) -> bytes | _Failed:
    """At most :data:`MAX_IMAGE_BYTES` of one archive member, or why it cannot be read."""
    if size > MAX_IMAGE_BYTES:
        return _Failed(f"it claims {size:,} bytes, more than the {MAX_IMAGE_BYTES:,} allowed "
                       "for one image")
    try:
        with open_member() as fh:
            blob = fh.read(MAX_IMAGE_BYTES + 1)
    except (RuntimeError, NotImplementedError, zipfile.BadZipFile, tarfile.TarError, OSError,
            EOFError) as exc:   # an encrypted zip member raises RuntimeError
        return _Failed(f"{type(exc).__name__}: {exc}")
    if len(blob) > MAX_IMAGE_BYTES:
        return _Failed(f"it holds more than the {MAX_IMAGE_BYTES:,} bytes allowed for one image")
    return blob


def _is_hidden(parts: Sequence[str]) -> bool:
    return any(p.startswith(".") or p == "__MACOSX" for p in parts)


def _is_image(name: str) -> bool:
    return name.lower().endswith(IMAGE_EXTENSIONS)


class _Listing:
    """What a folder or archive holds: images (parts -> payload), folders, other files."""

    def __init__(self) -> None:
        self.images: list[tuple[tuple[str, ...], Any]] = []
        self.folders: set[tuple[str, ...]] = set()
        self.other_files: list[str] = []

    def add_file(self, parts: tuple[str, ...], payload: Any) -> None:
        if _is_hidden(parts) or not _is_image(parts[-1]):
            self.other_files.append("/".join(parts))
            return
        for depth in range(1, len(parts)):
            self.folders.add(parts[:depth])
        self.images.append((parts, payload))

    def add_folder(self, parts: tuple[str, ...]) -> None:
        if parts and not _is_hidden(parts):
            for depth in range(1, len(parts) + 1):
                self.folders.add(parts[:depth])


def _list_source(path: pathlib.Path) -> _Listing:
    listing = _Listing()
    name = path.name.lower()
    if path.is_dir():
        for root, dirs, files in os.walk(path):
            dirs.sort()
            rel = pathlib.Path(root).relative_to(path).parts
            listing.add_folder(rel)
            for file in sorted(files):
                listing.add_file((*rel, file), pathlib.Path(root) / file)
    elif name.endswith((".tar", ".tar.gz", ".tgz")):
        try:
            with tarfile.open(path, "r:*") as tar:
                for member in tar:  # archive order: a gzip stream cannot seek back cheaply
                    parts = tuple(p for p in member.name.split("/") if p not in ("", "."))
                    if member.isdir():
                        listing.add_folder(parts)
                    elif member.isfile() and parts:
                        wanted = _is_image(parts[-1]) and not _is_hidden(parts)
                        payload = (_read_member(lambda m=member: tar.extractfile(m), member.size)
                                   if wanted else None)
                        listing.add_file(parts, payload)
        except (tarfile.TarError, EOFError, OSError) as exc:
            raise ValueError(f"{path} is not a readable tar archive ({type(exc).__name__}: "
                             f"{exc}).") from None
    elif name.endswith(".zip"):
        try:
            with zipfile.ZipFile(path) as archive:
                for info in archive.infolist():
                    parts = tuple(p for p in info.filename.split("/") if p not in ("", "."))
                    if info.is_dir():
                        listing.add_folder(parts)
                    elif parts:
                        wanted = _is_image(parts[-1]) and not _is_hidden(parts)
                        payload = (_read_member(lambda i=info: archive.open(i), info.file_size)
                                   if wanted else None)
                        listing.add_file(parts, payload)
        except (zipfile.BadZipFile, OSError) as exc:
            raise ValueError(f"{path} is not a readable zip archive ({exc}).") from None
    elif path.exists():
        raise ValueError(f"{path} is neither a folder nor a .tar, .tar.gz, .tgz or .zip archive.")
    else:
        raise FileNotFoundError(f"{path} does not exist: expected a folder of class folders "
                                f"or an archive of one.")
    return listing


def _strip_wrapper(listing: _Listing) -> tuple[str, ...]:
    """Drop single wrapping folders (``photos/`` inside ``photos.zip``); return them."""
    wrapper: tuple[str, ...] = ()
    while listing.images:
        firsts = {parts[0] for parts, _ in listing.images}
        if (len(firsts) != 1 or min(len(p) for p, _ in listing.images) < 3
                or next(iter(firsts)).lower() in _SPLITS):
            break
        (first,) = firsts
        wrapper += (first,)
        listing.images = [(parts[1:], payload) for parts, payload in listing.images]
        listing.folders = {f[1:] for f in listing.folders if f[:1] == (first,) and len(f) > 1}
    return wrapper


def _decode(payload: Any, where: str, mode: str) -> np.ndarray:
    """Decode one image to uint8 in ``mode``; 16- and 32-bit integer images are scaled, not
    clipped (a 16-bit PNG's 0-65535 becomes 0-255)."""
    from PIL import Image, UnidentifiedImageError

    if isinstance(payload, _Failed):
        raise _Unreadable(f"{where} cannot be read ({payload.reason})")
    try:
        source = payload if isinstance(payload, pathlib.Path) else io.BytesIO(payload)
        with Image.open(source) as image:
            image.load()
            if image.mode.startswith("I"):           # "I;16", "I;16B", "I": integer pixels
                bits = 16 if image.mode.startswith("I;16") or np.asarray(image).max() < 65536 else 32
                wide = np.asarray(image).astype(np.float64)
                narrow = np.round(wide * 255.0 / (2 ** bits - 1)).clip(0, 255).astype(np.uint8)
                image = Image.fromarray(narrow, mode="L")
            return np.asarray(image.convert(mode))
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError,
            Image.DecompressionBombError) as exc:
        raise _Unreadable(f"{where} cannot be read as an image ({type(exc).__name__}: {exc})") from None


class _Unreadable(ValueError):
    pass


def _resize(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    from PIL import Image

    if image.shape[:2] == size:
        return image
    return np.asarray(Image.fromarray(image).resize((size[1], size[0]), Image.BILINEAR))


def _image_size(image_size: int | Sequence[int] | None) -> tuple[int, int] | None:
    if image_size is None:
        return None
    size = (image_size, image_size) if isinstance(image_size, (int, np.integer)) else tuple(image_size)
    if len(size) != 2 or not all(isinstance(v, (int, np.integer)) and v > 0 for v in size):
        raise ValueError(f"image_size must be a positive int or (height, width), got {image_size!r}.")
    return int(size[0]), int(size[1])


def read_image_folder(path: os.PathLike | str, *, image_size: int | Sequence[int] | None = None,
                      color_mode: str = "rgb", class_names: Sequence[str] | None = None,
                      skip_corrupt: bool = False, seed: int | None = 0) -> dict[str, Any]:
    """Decode an image folder or archive into arrays, one pair per split.

    Parameters
    ----------
    path : path-like
        A folder, or a ``.tar``, ``.tar.gz``, ``.tgz`` or ``.zip`` archive.
    image_size : int or (int, int), optional
        Resize every image to ``(height, width)`` (bilinear). Without it, all
        images must have the same size.
    color_mode : {"rgb", "grayscale"}, default="rgb"
    class_names : sequence of str, optional
        The classes and their order (default: the class folders, sorted). A
        class folder not in the list is an error.
    skip_corrupt : bool, default=False
        Skip unreadable images (and count them) instead of raising.
    seed : int or None, default=0
        Shuffle every split with this seed (the folders list images class by
        class); ``None`` keeps the order class, then file name.

    Returns
    -------
    dict
        ``splits`` (split -> ``(x, y)``, uint8 ``(N, H, W, C)`` and int64 ``(N,)``),
        ``class_names``, ``ignored_files`` (list), ``skipped_images`` (list of messages),
        ``layout`` (``"<class>/*"`` or ``"<split>/<class>/*"``).
    """
    path = pathlib.Path(path).expanduser()
    if color_mode not in _COLOR_MODES:
        raise ValueError(f"color_mode must be one of {sorted(_COLOR_MODES)}, got {color_mode!r}.")
    size = _image_size(image_size)
    listing = _list_source(path)
    wrapper = _strip_wrapper(listing)
    prefix = "/".join((str(path), *wrapper))
    if not listing.images:
        raise ValueError(f"{path} holds no images (looked for {', '.join(IMAGE_EXTENSIONS)}); "
                         f"{len(listing.other_files)} other file(s) found.")
    depths = {len(parts) for parts, _ in listing.images}
    top_level = [parts for parts, _ in listing.images if len(parts) == 1]
    if depths == {1}:
        raise ValueError(
            f"{prefix} has no class folders: its {len(top_level)} images lie at the top "
            f"(e.g. {top_level[0][0]}). Put each class in a folder named after it: "
            f"{prefix}/<class>/*.jpg, or {prefix}/<split>/<class>/*.jpg with splits train/test.")
    if max(depths) > 3:
        deep = next("/".join(p) for p, _ in listing.images if len(p) > 3)
        raise ValueError(f"{prefix}/{deep} is nested too deeply: expected <class>/<image> or "
                         f"<split>/<class>/<image>.")
    ignored = sorted(listing.other_files + ["/".join(p) for p in top_level])
    images = [(p, payload) for p, payload in listing.images if len(p) > 1]
    split_layout = 3 in depths
    if split_layout and 2 in depths:
        shallow = next("/".join(p) for p, _ in images if len(p) == 2)
        nested = next("/".join(p) for p, _ in images if len(p) == 3)
        raise ValueError(f"{prefix} mixes two layouts: {shallow} is <class>/<image> but {nested} "
                         f"is <split>/<class>/<image>. Use one of them.")
    if split_layout:
        bad = sorted({p[0] for p, _ in images if p[0].lower() not in _SPLITS})
        if bad:
            raise ValueError(f"{prefix} looks like <split>/<class>/<image>, but {bad} are not "
                             f"split names (expected {sorted(set(_SPLITS))}).")
    by_split: dict[str, list[tuple[str, str, Any]]] = {}
    for parts, payload in images:
        split = _SPLITS[parts[0].lower()] if split_layout else "train"
        by_split.setdefault(split, []).append((parts[-2], "/".join(parts), payload))
    class_depth = 2 if split_layout else 1
    class_folders = {f for f in listing.folders if len(f) == class_depth}
    found_classes = sorted({f[-1] for f in class_folders})
    if class_names is None:
        class_names = found_classes
    else:
        class_names = list(class_names)
        extra = sorted(set(found_classes) - set(class_names))
        if extra:
            raise ValueError(f"{prefix} has class folders {extra} that are not in class_names "
                             f"{class_names}.")
    index = {name: i for i, name in enumerate(class_names)}

    mode = _COLOR_MODES[color_mode]
    skipped: list[str] = []
    splits: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    first_size: tuple[str, tuple[int, int]] | None = None
    for split, entries in by_split.items():
        entries.sort(key=lambda e: (index[e[0]], e[1]))
        arrays, labels = [], []
        for class_name, where, payload in entries:
            try:
                image = _decode(payload, f"{prefix}/{where}", mode)
            except _Unreadable as exc:
                if not skip_corrupt:
                    raise ValueError(f"{exc}. Delete or replace the file, or pass "
                                     f"skip_corrupt=True to skip unreadable images.") from None
                skipped.append(str(exc))
                continue
            if size is not None:
                image = _resize(image, size)
            elif first_size is None:
                first_size = (where, image.shape[:2])
            elif image.shape[:2] != first_size[1]:
                (h0, w0), (h1, w1) = first_size[1], image.shape[:2]
                raise ValueError(
                    f"images have different sizes: {prefix}/{first_size[0]} is {h0}x{w0} "
                    f"(height x width) but {prefix}/{where} is {h1}x{w1}. Pass "
                    f"image_size=(height, width) to resize them all.")
            arrays.append(image if image.ndim == 3 else image[..., None])
            labels.append(index[class_name])
        x = np.stack(arrays) if arrays else np.zeros((0, 0, 0, 1 if mode == "L" else 3), np.uint8)
        y = np.asarray(labels, dtype=np.int64)
        if seed is not None and len(y):
            order = np.random.default_rng(seed).permutation(len(y))
            x, y = x[order], y[order]
        splits[split] = (x, y)
    for folder in sorted(class_folders):
        split = _SPLITS[folder[0].lower()] if split_layout else "train"
        y = splits.get(split, (None, np.zeros(0, np.int64)))[1]
        if not np.any(y == index[folder[-1]]):
            raise ValueError(f"class folder {prefix}/{'/'.join(folder)} holds no readable "
                             f"images: remove it or add images.")
    return {"splits": splits, "class_names": tuple(class_names), "ignored_files": ignored,
            "skipped_images": skipped,
            "layout": "<split>/<class>/*" if split_layout else "<class>/*"}


def load_image_folder(path: os.PathLike | str, *, image_size: int | Sequence[int] | None = None,
                      validation_split: float | None = None, seed: int = 0,
                      color_mode: str = "rgb", skip_corrupt: bool = False,
                      class_names: Sequence[str] | None = None,
                      name: str | None = None) -> Dataset:
    """Load your own images from a folder or an archive as a :class:`Dataset`.

    Parameters
    ----------
    path : path-like
        A folder or a ``.tar``, ``.tar.gz``, ``.tgz`` or ``.zip`` archive laid out as
        ``<class>/*`` or ``<split>/<class>/*`` (splits ``train``, ``test``, ``val``).
    image_size : int or (int, int), optional
        Resize to ``(height, width)``; required when the images differ in size.
    validation_split : float, optional
        Fraction of the training images held out, stratified, as ``x_val, y_val``
        (not allowed when the folder has its own ``val`` split).
    seed : int, default=0
        Seeds the shuffle of every split and the validation split.
    color_mode : {"rgb", "grayscale"}, default="rgb"
    skip_corrupt : bool, default=False
        Skip unreadable images instead of raising; ``details["skipped_images"]`` lists them.
    class_names : sequence of str, optional
        Class order (default: folder names, sorted).
    name : str, optional
        Dataset name (default: the folder or archive name).

    Returns
    -------
    Dataset
        uint8 images ``(N, H, W, C)``, int64 labels. ``x_test`` is empty when there is
        no ``test`` split. ``details`` counts ignored files and skipped images.

    Raises
    ------
    ValueError
        No class folders, an unreadable image (unless ``skip_corrupt``), images of
        different sizes without ``image_size``, an empty class folder, or a bad layout;
        the message names the file.
    """
    if validation_split is not None and not 0 < validation_split < 1:
        raise ValueError(f"validation_split must be strictly between 0 and 1, got "
                         f"{validation_split!r}.")
    read = read_image_folder(path, image_size=image_size, color_mode=color_mode,
                             class_names=class_names, skip_corrupt=skip_corrupt, seed=seed)
    splits = read["splits"]
    if "train" not in splits:
        raise ValueError(f"{path} has no train split (found {sorted(splits)}): add "
                         f"{path}/train/<class>/ folders.")
    x_train, y_train = splits["train"]
    x_val, y_val = splits.get("val", (None, None))
    if validation_split is not None:
        if x_val is not None:
            raise ValueError(f"{path} has its own val split; validation_split={validation_split} "
                             f"would make a second one. Leave it out.")
        x_train, y_train, x_val, y_val = train_val_split(x_train, y_train, validation_split,
                                                         seed=seed)
    x_test, y_test = splits.get("test", (x_train[:0], np.zeros(0, np.int64)))
    path = pathlib.Path(path)
    stem = (path.name.removesuffix(".tar.gz").removesuffix(".tgz").removesuffix(".tar")
            .removesuffix(".zip"))
    notes = []
    if read["ignored_files"]:
        notes.append(f"{len(read['ignored_files'])} other file(s) ignored")
    if read["skipped_images"]:
        notes.append(f"{len(read['skipped_images'])} unreadable image(s) skipped")
    source = f"image folder {path} ({read['layout']}" + "".join(f", {n}" for n in notes) + ")"
    return Dataset(name or stem, x_train, y_train, x_test, y_test, read["class_names"], source,
                   x_val=x_val, y_val=y_val,
                   details={"ignored_files": read["ignored_files"],
                            "skipped_images": read["skipped_images"], "layout": read["layout"]})
