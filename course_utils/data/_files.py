"""Where dataset files live, how they are verified, and how they are fetched.

Search order for every file: ``$COURSE_DATA_DIR``, then the Keras cache
(``$KERAS_HOME/datasets`` or ``~/.keras/datasets``), then a download with
``keras.utils.get_file`` into that cache. Every file is checked against its
official SHA-256 before use; a file that fails the check is never used.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import pathlib

DATA_DIR_ENV = "COURSE_DATA_DIR"
OFFLINE_ENV = "COURSE_OFFLINE"


class DatasetUnavailable(RuntimeError):
    """A dataset's files are neither on disk nor downloadable."""


class DatasetCorrupt(DatasetUnavailable):
    """A dataset file exists but its size or SHA-256 differs from the official one."""


@dataclasses.dataclass(frozen=True)
class RemoteFile:
    """One official dataset file.

    Attributes
    ----------
    relpath : str
        Path inside a data folder (the Keras cache layout), e.g. ``"mnist.npz"``.
    url : str
        Official download address.
    sha256 : str
        Official SHA-256 of the file.
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


_KERAS_MIRROR = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
_FASHION = "fashion-mnist/"

FILES: dict[str, tuple[RemoteFile, ...]] = {
    "mnist": (
        RemoteFile("mnist.npz", _KERAS_MIRROR + "mnist.npz",
                   "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1", 11_490_434),
    ),
    "fashion_mnist": (
        RemoteFile(_FASHION + "train-images-idx3-ubyte.gz", _KERAS_MIRROR + "train-images-idx3-ubyte.gz",
                   "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84", 26_421_880),
        RemoteFile(_FASHION + "train-labels-idx1-ubyte.gz", _KERAS_MIRROR + "train-labels-idx1-ubyte.gz",
                   "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845", 29_515),
        RemoteFile(_FASHION + "t10k-images-idx3-ubyte.gz", _KERAS_MIRROR + "t10k-images-idx3-ubyte.gz",
                   "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073", 4_422_102),
        RemoteFile(_FASHION + "t10k-labels-idx1-ubyte.gz", _KERAS_MIRROR + "t10k-labels-idx1-ubyte.gz",
                   "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5", 5_148),
    ),
    "cifar10": (
        RemoteFile("cifar-10-python.tar.gz", "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",
                   "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce", 170_498_071,
                   aliases=("cifar-10-batches-py-target", "cifar-10-batches-py.tar.gz")),
    ),
    "cifar100": (
        RemoteFile("cifar-100-python.tar.gz", "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz",
                   "85cd44d02ba6437773c5bbd22e183051d648de2e7d6b014e1ef29b855ba677a7", 169_001_437,
                   aliases=("cifar-100-python-target", "cifar-100-python.tar.gz")),
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


def _candidates(remote: RemoteFile) -> list[pathlib.Path]:
    folder = os.path.dirname(remote.relpath)
    names = [os.path.basename(remote.relpath), *remote.aliases]
    return [d / folder / name for d in search_dirs() for name in names]


_VERIFIED: dict[tuple[str, int, float], bool] = {}


def sha256_of(path: os.PathLike | str, chunk: int = 1 << 20) -> str:
    """SHA-256 hex digest of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def verify_file(path: pathlib.Path, remote: RemoteFile) -> pathlib.Path:
    """Return ``path`` if its size and SHA-256 are the official ones, else raise.

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
            f"{path} has {stat.st_size:,} bytes but the official {remote.relpath} has "
            f"{remote.size:,} (sha256 {remote.sha256}): the file is truncated or not the "
            f"right one. Delete it and download it again from {remote.url}."
        )
    actual = sha256_of(path)
    if actual != remote.sha256:
        raise DatasetCorrupt(
            f"{path} has sha256 {actual} but the official {remote.relpath} has sha256 "
            f"{remote.sha256}: the file is corrupt. Delete it and download it again "
            f"from {remote.url}."
        )
    _VERIFIED[key] = True
    return path


def find_file(remote: RemoteFile) -> pathlib.Path | None:
    """Return the first verified copy of ``remote`` on disk, or None if there is none.

    A copy that exists but fails verification raises :class:`DatasetCorrupt`.
    """
    for path in _candidates(remote):
        if path.is_file():
            return verify_file(path, remote)
    return None


def _where_to_put(remote: RemoteFile) -> str:
    places = [str(d / remote.relpath) for d in search_dirs()]
    if not os.environ.get(DATA_DIR_ENV):
        places.insert(0, f"$COURSE_DATA_DIR/{remote.relpath} (set COURSE_DATA_DIR to a folder)")
    return "; or ".join(places)


def unavailable_message(remote: RemoteFile, reason: str) -> str:
    """The message of :class:`DatasetUnavailable` for a missing file."""
    return (
        f"{remote.relpath} ({remote.size / 1e6:.1f} MB, sha256 {remote.sha256}) is not on this "
        f"machine and could not be downloaded ({reason}). Download it from {remote.url} "
        f"and put it at {_where_to_put(remote)}. `course data path` lists the folders searched."
    )


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


def fetch(remote: RemoteFile, *, download: bool = True) -> pathlib.Path:
    """Return a verified local copy of ``remote``, downloading it if allowed.

    Raises
    ------
    DatasetCorrupt
        A copy on disk failed its check.
    DatasetUnavailable
        No copy on disk and no download possible.
    """
    found = find_file(remote)
    if found is not None:
        return found
    if not (download and downloads_allowed()):
        raise DatasetUnavailable(unavailable_message(remote, "downloads are switched off"))
    try:
        path = _download(remote)
    except Exception as exc:  # no network, DNS failure, HTTP error, hash mismatch
        raise DatasetUnavailable(
            unavailable_message(remote, f"{type(exc).__name__}: {exc}".strip()[:200])
        ) from None
    return verify_file(path, remote)


def locate(name: str) -> str | None:
    """Where dataset ``name``'s files are found (the folder), or None; never downloads."""
    if name not in FILES:
        raise ValueError(f"{name!r} is not a file-based dataset; expected one of {sorted(FILES)}.")
    folders = set()
    for remote in FILES[name]:
        for path in _candidates(remote):
            if path.is_file():
                folders.add(str(path.parent))
                break
        else:
            return None
    return ", ".join(sorted(folders))
