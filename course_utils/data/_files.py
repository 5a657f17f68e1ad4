"""Where dataset files live, how they are verified, and how they are fetched.

The forms of each dataset are listed in :mod:`._records`. Search order: each folder of :func:`search_dirs` in turn (``$COURSE_DATA_DIR``,
then the Keras cache ``$KERAS_HOME/datasets`` or ``~/.keras/datasets``), and in
each folder every form in order (the official form first). If no folder holds a
complete form, the first downloadable form is fetched with
``keras.utils.get_file`` into the Keras cache. Every file is checked against its
SHA-256 before use (re-hashed at every load: a file swapped for another of the
same size and time is caught), an unpacked folder or a re-packed archive against its
per-file manifest (:mod:`._manifest`); a copy that fails its check is never used.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import pathlib

from course_utils.data import _manifest
from course_utils.data._records import (  # noqa: F401 - re-exported
    CIFAR10_CLASSES, CIFAR10_MIRROR, FORMS, FSDD_REPOSITORY, DatasetCorrupt, DatasetUnavailable,
    FileFolderCopy, Form, ImageFolderCopy, Item, RemoteFile,
)

DATA_DIR_ENV = "COURSE_DATA_DIR"
OFFLINE_ENV = "COURSE_OFFLINE"


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


def sha256_of(path: os.PathLike | str, chunk: int = 1 << 20) -> str:
    """SHA-256 hex digest of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def verify_file(path: pathlib.Path, remote: RemoteFile) -> str:
    """The SHA-256 of ``path`` if it is ``remote`` (or, for an archive with a manifest, holds
    the same files), else raise.

    The file is hashed at every call: no memo of sizes or times can be fooled.

    Raises
    ------
    DatasetCorrupt
        Naming the file, its size and hash, and the expected ones (or the member that differs).
    """
    size = path.stat().st_size
    actual = sha256_of(path)
    if actual == remote.sha256 and size == remote.size:
        return actual
    how = f"Delete it and get it again from {remote.url}."
    if remote.manifest is not None:
        _manifest.verify_archive_members(path, actual, remote.manifest, how)
        return actual
    if size != remote.size:
        raise DatasetCorrupt(
            f"{path} has {size:,} bytes but {remote.relpath} should have "
            f"{remote.size:,} (sha256 {remote.sha256}): the file is truncated or not the "
            f"right one. {how}")
    raise DatasetCorrupt(
        f"{path} has sha256 {actual} but {remote.relpath} should have sha256 "
        f"{remote.sha256}: the file is corrupt. {how}")


def image_folder_files(path: pathlib.Path, copy: ImageFolderCopy
                       ) -> dict[str, list[list[pathlib.Path]]]:
    """The image files of an unpacked copy: split -> one sorted list per class (counts only).

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


def _verify_item(item: Item, path: pathlib.Path, *, full: bool = False) -> str:
    """Check one item; return a digest that names its content (the key of decoded caches)."""
    if isinstance(item, RemoteFile):
        return verify_file(path, item)
    if isinstance(item, FileFolderCopy):
        folder_files(path, item)
    else:
        image_folder_files(path, item)
    if not item.manifest:
        raise ValueError(f"{item.relpath}: an unpacked copy needs a manifest to be checked.")
    how = f"Get it again with `git clone {item.url} {item.relpath}`."
    return _manifest.verify_folder(path, item.manifest, how, full=full)


@dataclasses.dataclass(frozen=True)
class Found:
    """A complete form of a dataset found on disk: the form, one path per item, and the
    digest that names each item's verified content (the key of the decoded-array cache)."""

    form: Form
    paths: tuple[pathlib.Path, ...]
    digests: tuple[str, ...] = ()

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
                digests = tuple(_verify_item(i, p) for i, p in zip(form.items, paths))
                return Found(form, tuple(paths), digests)
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


def unavailable(name: str, reason: str) -> DatasetUnavailable:
    """:class:`DatasetUnavailable` for ``name``, with ``reason`` and a one-line ``fix``."""
    error = DatasetUnavailable(unavailable_message(name, reason))
    error.reason = reason
    first = _forms(name)[0].items[0]
    error.fix = (f"put {os.path.basename(first.relpath)} in $COURSE_DATA_DIR or "
                 f"{keras_cache_dir()} (`course data path` lists the folders searched)")
    return error


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
        raise unavailable(name, "downloads are switched off")
    form = next(f for f in _forms(name) if f.downloadable)
    paths, digests = [], []
    for remote in form.items:
        try:
            path = _download(remote)
        except Exception as exc:  # no network, DNS failure, HTTP error, hash mismatch
            raise unavailable(name, f"{type(exc).__name__}: {exc}".strip()[:200]) from None
        paths.append(path)
        digests.append(verify_file(path, remote))
    return Found(form, tuple(paths), tuple(digests))


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


def verify(name: str, *, full: bool = False) -> list[tuple[str, str, str]]:
    """Check every form of dataset ``name`` in every data folder; never downloads.

    ``full`` re-hashes every file of an unpacked copy, ignoring the stamps of earlier checks.

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
                    _verify_item(item, path, full=full)
                    rows.append((form.label, item.relpath, f"ok: {path}"))
                except DatasetCorrupt as exc:
                    rows.append((form.label, item.relpath, f"CORRUPT: {exc}"))
            report += rows or [(form.label, item.relpath, "missing")]
    return report
