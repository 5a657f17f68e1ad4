"""Read a PyTorch state dict saved in the legacy (pre-1.6) format, without PyTorch.

A legacy ``.pth`` file is a sequence of pickles: a magic number, a protocol version, the
machine's sizes, the state dict itself (whose tensors refer to storages by key), the list
of storage keys, then each storage as an 8-byte element count and its raw bytes. This
reader unpickles every part with an allow-list (plain data in the headers, an
``OrderedDict`` of tensors in the state dict, nothing else: a crafted file cannot run
code), checks every tensor's bounds against its storage, and returns NumPy arrays.

>>> from course_utils import pth
>>> state = pth.load_state_dict("efficientnet-lite0-57934424.pth")     # doctest: +SKIP
>>> state["_conv_stem.weight"].shape                                    # doctest: +SKIP
(32, 3, 3, 3)
"""

from __future__ import annotations

import collections
import os
import pickle
import struct

import numpy as np

__all__ = ["load_state_dict", "PthError"]

MAGIC = 0x1950A86A20F9469CFC6C
PROTOCOL = 1001
_DTYPES = {"FloatStorage": np.float32, "DoubleStorage": np.float64, "HalfStorage": np.float16,
           "LongStorage": np.int64, "IntStorage": np.int32, "ShortStorage": np.int16,
           "CharStorage": np.int8, "ByteStorage": np.uint8, "BoolStorage": np.bool_}


class PthError(ValueError):
    """The file is not a legacy PyTorch state dict this reader accepts; the message says why."""


class _Storage:
    def __init__(self, dtype, numel: int):
        self.dtype, self.numel, self.data = dtype, int(numel), None


class _Tensor:
    """A tensor whose storage is read after the pickle: resolved by :meth:`array`."""

    def __init__(self, storage: _Storage, offset: int, size, stride):
        self.storage, self.offset, self.size, self.stride = storage, int(offset), tuple(size), tuple(stride)

    def array(self) -> np.ndarray:
        flat = self.storage.data
        if (len(self.size) != len(self.stride) or self.offset < 0
                or any(n < 0 for n in self.size) or any(s < 0 for s in self.stride)):
            raise PthError(f"a tensor has offset {self.offset}, shape {self.size} and strides "
                           f"{self.stride}: the file is damaged.")
        if 0 in self.size:
            return np.zeros(self.size, dtype=flat.dtype)
        needed = self.offset + sum((n - 1) * s for n, s in zip(self.size, self.stride)) + 1
        if needed > len(flat):
            raise PthError(f"a tensor of shape {self.size} reaches past its storage "
                           f"({needed} > {len(flat)} elements): the file is damaged.")
        return np.lib.stride_tricks.as_strided(
            flat[self.offset:], self.size, tuple(s * flat.itemsize for s in self.stride)).copy()


def _rebuild_tensor(storage, storage_offset, size, stride, *_ignored):
    if not (isinstance(storage, _Storage) and isinstance(storage_offset, int)
            and isinstance(size, tuple) and isinstance(stride, tuple)
            and all(isinstance(n, int) for n in size + stride)):
        raise PthError("a tensor is rebuilt from something other than a storage, an offset, "
                       "a shape and strides: not a state dict this reader accepts.")
    return _Tensor(storage, storage_offset, size, stride)


class _Plain(pickle.Unpickler):
    """The header pickles and the key list: plain data only, no class of any module."""

    def find_class(self, module, name):
        raise PthError(f"the file asks for {module}.{name} where only plain data belongs: "
                       "refusing to load it.")

    def persistent_load(self, saved_id):
        raise PthError("a persistent id where only plain data belongs: not a PyTorch file.")


class _Unpickler(pickle.Unpickler):
    _ALLOWED = {("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor,
                ("torch._utils", "_rebuild_tensor"): _rebuild_tensor,
                ("collections", "OrderedDict"): collections.OrderedDict}

    def __init__(self, file, storages: dict):
        super().__init__(file)
        self.storages = storages

    def find_class(self, module, name):
        if (module, name) in self._ALLOWED:
            return self._ALLOWED[module, name]
        if module == "torch" and name in _DTYPES:
            return name
        raise PthError(f"the file asks for {module}.{name}, which a state dict of tensors "
                       "never needs: refusing to load it.")

    def persistent_load(self, saved_id):
        if not (isinstance(saved_id, tuple) and len(saved_id) == 6 and saved_id[0] == "storage"):
            raise PthError(f"unexpected persistent id {saved_id!r:.80}: not a legacy state dict.")
        _, storage_type, key, _location, numel, view = saved_id
        if view is not None or storage_type not in _DTYPES:
            raise PthError(f"unsupported storage {storage_type!r} (view {view!r}).")
        if key not in self.storages:
            self.storages[key] = _Storage(_DTYPES[storage_type], numel)
        return self.storages[key]


def load_state_dict(path: str | os.PathLike) -> collections.OrderedDict:
    """The state dict of a legacy ``.pth`` file: names -> NumPy arrays.

    Raises
    ------
    PthError
        The file is not a legacy PyTorch file (a zip-based ``.pth`` of PyTorch 1.6 and later
        is named as such), asks for anything but tensors, or is truncated.
    """
    path = os.fspath(path)
    with open(path, "rb") as file:
        if file.read(2) == b"PK":
            raise PthError(f"{path} is a zip-based .pth (PyTorch 1.6 or later); this reader "
                           "reads the legacy format only.")
        file.seek(0)
        try:
            magic, protocol = _Plain(file).load(), _Plain(file).load()
        except PthError:
            raise
        except Exception as exc:  # noqa: BLE001 - any unpickling failure means "not this format"
            raise PthError(f"{path} is not a PyTorch file ({type(exc).__name__}).") from None
        if magic != MAGIC or protocol != PROTOCOL:
            raise PthError(f"{path} is not a legacy PyTorch file (magic {magic!r:.40}, "
                           f"protocol {protocol!r:.20}; expected {MAGIC:#x} and {PROTOCOL}).")
        try:
            sys_info = _Plain(file).load()
            storages: dict = {}
            state = _Unpickler(file, storages).load()
            keys = _Plain(file).load()
        except PthError:
            raise
        except Exception as exc:  # noqa: BLE001 - a damaged pickle of any kind
            raise PthError(f"{path} is damaged ({type(exc).__name__}: {str(exc)[:80]}).") from None
        if not isinstance(sys_info, dict) or not sys_info.get("little_endian", False):
            raise PthError(f"{path} was not written on a little-endian machine; not supported.")
        if not isinstance(state, dict) or not all(
                isinstance(k, str) and isinstance(v, _Tensor) for k, v in state.items()):
            raise PthError(f"{path} holds a {type(state).__name__} that is not a flat state "
                           "dict of named tensors.")
        if not isinstance(keys, list) or sorted(map(str, keys)) != sorted(map(str, storages)):
            raise PthError(f"{path} lists storages that its tensors do not use, or the reverse.")
        for key in keys:
            storage = storages[key]
            header = file.read(8)
            if len(header) < 8:
                raise PthError(f"{path} is truncated (storage {key}).")
            (numel,) = struct.unpack("<q", header)
            if numel != storage.numel:
                raise PthError(f"{path} is damaged (storage {key}: {numel} elements where its "
                               f"tensors expect {storage.numel}).")
            nbytes = numel * np.dtype(storage.dtype).itemsize
            raw = file.read(nbytes)
            if len(raw) != nbytes:
                raise PthError(f"{path} is truncated (storage {key}: {len(raw)} of {nbytes} bytes).")
            storage.data = np.frombuffer(raw, dtype=storage.dtype)
    return collections.OrderedDict((name, value.array()) for name, value in state.items())
