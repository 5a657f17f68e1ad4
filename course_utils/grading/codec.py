"""Values across the sandbox boundary: plain data only, never pickles.

The grader (trusted) and the student's sandboxed worker exchange messages made of a JSON
header and binary blobs: NumPy arrays as ``.npy`` bytes read back with
``allow_pickle=False``, Keras models as ``.keras`` archives loaded with ``safe_mode=True``.
Whatever else the student's code returns (a function, a class, an instance of the
student's class) stays in the sandbox and crosses as a *handle*, a number the other side
turns into a proxy. Nothing a student's value holds can run code in the grader: an
``__eq__`` or ``__array__`` of the student's runs where the object lives, in the sandbox.

Wire format: one message = 4-byte big-endian header length, the JSON header, then for
each blob a 8-byte length and its bytes. The header's ``"blobs"`` counts them.
"""

from __future__ import annotations

import io
import json
import os
import struct
import sys
import tempfile
from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["Encoder", "Decoder", "write_message", "read_message", "CodecError",
           "MAX_MESSAGE_BYTES", "is_plain"]

MAX_MESSAGE_BYTES = 2 * 2**30      # no answer needs more than 2 GiB
MAX_DEPTH = 32


_BIT_GENERATORS = ("PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64")


class CodecError(TypeError):
    """A value that cannot cross the boundary, or a malformed message."""


def is_plain(value: Any) -> bool:
    """Whether ``value`` is plain data: numbers, strings, arrays, and lists, tuples and
    str-keyed dicts of them (what an object's state may carry across by value)."""
    if value is None or isinstance(value, (bool, int, float, str, np.ndarray, np.generic)):
        return True
    if isinstance(value, (list, tuple)):
        return all(is_plain(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and is_plain(v) for k, v in value.items())
    return False


# --------------------------------------------------------------------------- framing
def write_message(fd: int, header: dict, blobs: list[bytes]) -> None:
    """Write one message (header and blobs) to the file descriptor ``fd``."""
    head = json.dumps({**header, "blobs": len(blobs)}, allow_nan=True).encode()
    parts = [struct.pack(">I", len(head)), head]
    for blob in blobs:
        parts += [struct.pack(">Q", len(blob)), blob]
    data = b"".join(parts)
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _read_exactly(fd: int, size: int) -> bytes:
    chunks, left = [], size
    while left:
        chunk = os.read(fd, min(left, 1 << 22))
        if not chunk:
            raise EOFError("the other side closed the channel")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def read_message(fd: int) -> tuple[dict, list[bytes]]:
    """Read one message from ``fd``; raise ``EOFError`` if the other side is gone."""
    (size,) = struct.unpack(">I", _read_exactly(fd, 4))
    if size > 64 * 2**20:
        raise CodecError(f"a message header of {size:,} bytes is not a message")
    header = json.loads(_read_exactly(fd, size))
    if not isinstance(header, dict) or not isinstance(header.get("blobs"), int):
        raise CodecError("a message header must be a JSON object with a blob count")
    blobs, total = [], 0
    for _ in range(header["blobs"]):
        (length,) = struct.unpack(">Q", _read_exactly(fd, 8))
        total += length
        if total > MAX_MESSAGE_BYTES:
            raise CodecError(f"a message over {MAX_MESSAGE_BYTES:,} bytes was refused")
        blobs.append(_read_exactly(fd, length))
    return header, blobs


# --------------------------------------------------------------------------- values
def _is_keras_tensor(value: Any) -> bool:
    return type(value).__name__ == "KerasTensor"


def _is_model(value: Any) -> bool:
    # a Keras model exists only once Keras is imported: a NumPy-only assignment's worker
    # never pays the seconds that importing Keras costs
    keras = sys.modules.get("keras")
    return keras is not None and isinstance(value, keras.Model)


def _is_backend_tensor(value: Any) -> bool:
    module = type(value).__module__
    return (module.startswith(("tensorflow", "jax", "jaxlib", "torch"))
            and hasattr(value, "shape") and hasattr(value, "dtype"))


def _model_bytes(model) -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "model.keras")
        model.save(path)
        with open(path, "rb") as file:
            return file.read()


def _load_model(blob: bytes):
    import keras

    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "model.keras")
        with open(path, "wb") as file:
            file.write(blob)
        try:
            return keras.saving.load_model(path, safe_mode=True, compile=False)
        except Exception as error:
            raise CodecError(
                "the model could not be rebuilt from its saved form (only Keras's own layers "
                f"cross to the grader; custom layers and Lambda layers do not): "
                f"{type(error).__name__}: {error}") from None


class Encoder:
    """Turn a value into JSON-able structure plus blobs.

    ``handle`` is called for values that do not cross by value (it returns the JSON the
    other side turns into a proxy); without it such values raise :class:`CodecError`.
    ``inputs`` collects Keras symbolic inputs (their specs cross; see ``"__input__"``).
    """

    def __init__(self, handle: Callable[[Any], dict] | None = None):
        self.blobs: list[bytes] = []
        self.handle = handle
        self.inputs: list[Any] = []

    def _blob(self, data: bytes) -> int:
        self.blobs.append(data)
        return len(self.blobs) - 1

    def encode(self, value: Any, depth: int = 0) -> Any:
        if depth > MAX_DEPTH:
            raise CodecError(f"a value nested deeper than {MAX_DEPTH} levels")
        if value is None or isinstance(value, (bool, str)):
            return value
        if isinstance(value, (int, float)) and type(value) in (int, float):
            if isinstance(value, int) and abs(value) >= 2**53:
                return {"__int__": str(value)}
            return value
        if isinstance(value, (np.ndarray, np.generic)):
            if value.dtype.hasobject and isinstance(value, np.ndarray):
                return {"__list__": [self.encode(v, depth + 1) for v in value.tolist()]}
            buffer = io.BytesIO()
            array = np.asarray(value)
            np.save(buffer, np.ascontiguousarray(array) if array.ndim else array,
                    allow_pickle=False)
            return {"__nd__": self._blob(buffer.getvalue()),
                    "scalar": isinstance(value, np.generic)}
        if _is_backend_tensor(value) and not _is_keras_tensor(value):
            import keras
            return self.encode(np.asarray(keras.ops.convert_to_numpy(value)), depth)
        if isinstance(value, complex):
            return {"__complex__": [value.real, value.imag]}
        if isinstance(value, tuple):
            return {"__tuple__": [self.encode(v, depth + 1) for v in value]}
        if isinstance(value, list):
            return [self.encode(v, depth + 1) for v in value]
        if isinstance(value, (set, frozenset)):
            return {"__set__": [self.encode(v, depth + 1) for v in value]}
        if isinstance(value, dict) and type(value) is dict:
            return {"__dict__": [[self.encode(k, depth + 1), self.encode(v, depth + 1)]
                                 for k, v in value.items()]}
        if isinstance(value, np.random.Generator):
            bit_generator = type(value.bit_generator).__name__
            return {"__rng__": bit_generator,
                    "state": self.encode(value.bit_generator.state, depth + 1)}
        if _is_model(value):
            return {"__model__": self._blob(_model_bytes(value))}
        if _is_keras_tensor(value):
            self.inputs.append(value)
            return {"__input__": len(self.inputs) - 1, "shape": list(value.shape),
                    "dtype": str(value.dtype)}
        if type(value).__name__ == "History" and isinstance(getattr(value, "history", None), dict):
            params = {k: v for k, v in (getattr(value, "params", None) or {}).items()
                      if isinstance(v, (int, float, str, bool, type(None)))}
            return {"__history__": self.encode({"history": value.history,
                                                "epoch": list(getattr(value, "epoch", [])),
                                                "params": params}, depth + 1)}
        if self.handle is not None:
            return self.handle(value)
        raise CodecError(f"a value of type {type(value).__name__} cannot be sent")


class History:
    """What a ``keras.callbacks.History`` carries, rebuilt from plain data."""

    def __init__(self, history: dict, epoch: list, params: dict):
        self.history, self.epoch, self.params = history, epoch, params

    def __repr__(self) -> str:
        return f"History(keys={sorted(self.history)}, epochs={len(self.epoch)})"


class Decoder:
    """The inverse of :class:`Encoder`, for one message's blobs.

    ``handle`` turns a handle's JSON into a proxy; ``inputs`` builds Keras inputs for the
    ``"__input__"`` specs (the sandbox side), ``tensors`` maps them back (the grader's).
    """

    def __init__(self, blobs: list[bytes], handle: Callable[[dict], Any] | None = None,
                 tensors: list[Any] | None = None):
        self.blobs = blobs
        self.handle = handle
        self.tensors = tensors
        self.inputs: dict[int, Any] = {}

    def decode(self, data: Any, depth: int = 0) -> Any:
        if depth > MAX_DEPTH + 2:
            raise CodecError("a message nested too deep")
        if data is None or isinstance(data, (bool, int, float, str)):
            return data
        if isinstance(data, list):
            return [self.decode(v, depth + 1) for v in data]
        if not isinstance(data, dict) or len(data) == 0:
            raise CodecError(f"malformed value {type(data).__name__}")
        if "__nd__" in data:
            array = np.load(io.BytesIO(self.blobs[int(data["__nd__"])]), allow_pickle=False)
            return array[()] if data.get("scalar") is True else array
        if "__int__" in data:
            return int(str(data["__int__"]))
        if "__complex__" in data:
            real, imag = data["__complex__"]
            return complex(float(real), float(imag))
        if "__tuple__" in data:
            return tuple(self.decode(v, depth + 1) for v in data["__tuple__"])
        if "__list__" in data:
            return np.array([self.decode(v, depth + 1) for v in data["__list__"]], dtype=object)
        if "__set__" in data:
            return {self.decode(v, depth + 1) for v in data["__set__"]}
        if "__dict__" in data:
            return {self.decode(k, depth + 1): self.decode(v, depth + 1)
                    for k, v in data["__dict__"]}
        if "__rng__" in data:
            name = str(data["__rng__"])
            if name not in _BIT_GENERATORS:
                raise CodecError(f"unknown random bit generator {name!r}")
            generator = np.random.Generator(getattr(np.random, name)())
            generator.bit_generator.state = self.decode(data["state"], depth + 1)
            return generator
        if "__model__" in data:
            return _load_model(self.blobs[int(data["__model__"])])
        if "__history__" in data:
            fields = self.decode(data["__history__"], depth + 1)
            return History(dict(fields["history"]), list(fields["epoch"]), dict(fields["params"]))
        if "__input__" in data:
            index = int(data["__input__"])
            if self.tensors is not None:
                return self.tensors[index]
            if index not in self.inputs:
                import keras
                shape = [None if s is None else int(s) for s in data["shape"]]
                self.inputs[index] = keras.Input(batch_shape=tuple(shape), dtype=str(data["dtype"]))
            return self.inputs[index]
        if "__handle__" in data and self.handle is not None:
            return self.handle(data)
        raise CodecError(f"malformed value with keys {sorted(data)[:4]}")
