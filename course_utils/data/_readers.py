"""Parsers of the official dataset file formats (no TensorFlow needed)."""

from __future__ import annotations

import gzip
import pathlib
import pickle
import struct
import tarfile

import numpy as np

_IDX_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: np.dtype(">i2"), 0x0C: np.dtype(">i4"),
               0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}


def read_mnist_npz(path: pathlib.Path) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Read the Keras ``mnist.npz``: ``x_train, y_train, x_test, y_test``."""
    with np.load(path, allow_pickle=False) as f:
        return f["x_train"], f["y_train"], f["x_test"], f["y_test"]


def read_idx(path: pathlib.Path) -> np.ndarray:
    """Read an IDX file (optionally gzipped), the format of MNIST and Fashion-MNIST.

    The header is two zero bytes, a type code, the number of dimensions, then
    one big-endian uint32 per dimension.
    """
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rb") as fh:
        raw = fh.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_DTYPES:
        raise ValueError(f"{path} is not an IDX file (header bytes {raw[:4]!r}).")
    ndim = raw[3]
    dims = struct.unpack(f">{ndim}I", raw[4 : 4 + 4 * ndim])
    dtype = np.dtype(_IDX_DTYPES[raw[2]])
    expected = int(np.prod(dims)) * dtype.itemsize
    body = raw[4 + 4 * ndim :]
    if len(body) != expected:
        raise ValueError(f"{path}: header announces shape {dims} ({expected} bytes) "
                         f"but the file holds {len(body)} bytes.")
    return np.frombuffer(body, dtype=dtype).reshape(dims).astype(dtype.newbyteorder("="))


def _unpickle(tar: tarfile.TarFile, member: str) -> dict:
    try:
        fh = tar.extractfile(member)
    except KeyError:
        raise ValueError(f"{tar.name} has no member {member!r}; is it the official archive?") from None
    return pickle.load(fh, encoding="bytes")


def _images(batch: dict) -> np.ndarray:
    # Rows are 3072 bytes: 1024 red, 1024 green, 1024 blue, each row-major 32x32.
    data = np.asarray(batch[b"data"], dtype=np.uint8)
    return data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)


def read_cifar10(path: pathlib.Path) -> tuple[np.ndarray, ...]:
    """Read ``cifar-10-python.tar.gz``: images, labels and the 10 class names."""
    root = "cifar-10-batches-py/"
    with tarfile.open(path, "r:gz") as tar:
        train = [_unpickle(tar, f"{root}data_batch_{i}") for i in range(1, 6)]
        test = _unpickle(tar, f"{root}test_batch")
        meta = _unpickle(tar, f"{root}batches.meta")
    x_train = np.concatenate([_images(b) for b in train])
    y_train = np.concatenate([np.asarray(b[b"labels"], dtype=np.int64) for b in train])
    names = tuple(n.decode() for n in meta[b"label_names"])
    return x_train, y_train, _images(test), np.asarray(test[b"labels"], dtype=np.int64), names


def read_cifar100(path: pathlib.Path, label_mode: str = "fine") -> tuple[np.ndarray, ...]:
    """Read ``cifar-100-python.tar.gz`` with ``fine`` (100) or ``coarse`` (20) labels."""
    if label_mode not in {"fine", "coarse"}:
        raise ValueError(f"label_mode must be 'fine' or 'coarse', got {label_mode!r}.")
    key = f"{label_mode}_labels".encode()
    root = "cifar-100-python/"
    with tarfile.open(path, "r:gz") as tar:
        train = _unpickle(tar, root + "train")
        test = _unpickle(tar, root + "test")
        meta = _unpickle(tar, root + "meta")
    names = tuple(n.decode() for n in meta[f"{label_mode}_label_names".encode()])
    return (_images(train), np.asarray(train[key], dtype=np.int64),
            _images(test), np.asarray(test[key], dtype=np.int64), names)


FSDD_NAME = __import__("re").compile(r"(?:^|/)recordings/(\d)_([a-z]+)_(\d+)\.wav$")


def _wav_samples(fileobj, name: str) -> tuple[np.ndarray, int]:
    import wave

    with wave.open(fileobj, "rb") as wav:
        if wav.getnchannels() != 1 or wav.getsampwidth() != 2:
            raise ValueError(f"{name}: expected mono 16-bit PCM, got {wav.getnchannels()} "
                             f"channel(s) of {8 * wav.getsampwidth()} bits.")
        return np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2"), wav.getframerate()


def read_spoken_digits(path: pathlib.Path) -> list[tuple[str, np.ndarray, int]]:
    """The recordings of the Free Spoken Digit Dataset: ``(relative name, int16 samples, rate)``.

    ``path`` is the packed ``free-spoken-digit-dataset.tar.gz`` or an unpacked folder (a
    clone of the repository) holding ``recordings/{digit}_{speaker}_{index}.wav``; names
    are sorted. Other files are ignored.
    """
    path = pathlib.Path(path)
    out = []
    if path.is_dir():
        for file in sorted(path.glob("recordings/*.wav")):
            if FSDD_NAME.search(file.as_posix()):
                with open(file, "rb") as fh:
                    out.append((f"recordings/{file.name}", *_wav_samples(fh, str(file))))
        return out
    with tarfile.open(path, "r:*") as tar:
        for member in tar:   # archive order: seeking back in a gzip stream re-reads it from the start
            if member.isfile() and FSDD_NAME.search(member.name):
                name = "recordings/" + member.name.rsplit("/", 1)[-1]
                out.append((name, *_wav_samples(tar.extractfile(member), f"{path}:{member.name}")))
    return sorted(out, key=lambda record: record[0])
