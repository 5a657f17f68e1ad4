"""A cache of decoded arrays in the Keras cache, so that slow decodes happen once.

``cached_arrays(name, key, build)`` returns the arrays that ``build()`` makes,
stored under ``<Keras cache>/course-cache/<name>-<key[:16]>/`` as one ``.npy`` file
per array plus ``manifest.json`` (the key and the SHA-256 of every file). A cache
is used only if its manifest names the same key and every file has the hash the
manifest records; anything else (a truncated file, a flipped byte, a missing
manifest) is rebuilt, never trusted. Writes go to a temporary folder that is
renamed into place, so two processes decoding at once cannot leave a half cache.
"""

from __future__ import annotations

import json
import os
import pathlib
import shutil
import tempfile
from typing import Callable

import numpy as np

from course_utils.data._files import keras_cache_dir, sha256_of

CACHE_VERSION = 1


def cache_root() -> pathlib.Path:
    """``<Keras cache>/course-cache``."""
    return keras_cache_dir() / "course-cache"


def cache_path(name: str, key: str) -> pathlib.Path:
    """The folder that holds the cached arrays of ``name`` for source ``key``."""
    return cache_root() / f"{name}-{key[:16]}"


def _read(folder: pathlib.Path, key: str) -> dict[str, np.ndarray] | None:
    try:
        manifest = json.loads((folder / "manifest.json").read_text())
        if manifest.get("key") != key or manifest.get("version") != CACHE_VERSION:
            return None
        arrays = {}
        for array_name, digest in manifest["files"].items():
            path = folder / f"{array_name}.npy"
            if sha256_of(path) != digest:
                return None
            arrays[array_name] = np.load(path, allow_pickle=False)
        return arrays
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def _write(folder: pathlib.Path, key: str, arrays: dict[str, np.ndarray]) -> bool:
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        tmp = pathlib.Path(tempfile.mkdtemp(prefix=folder.name + ".tmp-", dir=folder.parent))
        files = {}
        for array_name, array in arrays.items():
            path = tmp / f"{array_name}.npy"
            np.save(path, np.ascontiguousarray(array), allow_pickle=False)
            files[array_name] = sha256_of(path)
        (tmp / "manifest.json").write_text(json.dumps(
            {"version": CACHE_VERSION, "key": key, "files": files}, indent=1))
        if folder.exists():
            shutil.rmtree(folder, ignore_errors=True)
        os.replace(tmp, folder)
        return True
    except OSError:  # a read-only or full cache: work without it
        shutil.rmtree(locals().get("tmp", folder.parent / ".none"), ignore_errors=True)
        return False


def cached_arrays(name: str, key: str, build: Callable[[], dict[str, np.ndarray]]
                  ) -> tuple[dict[str, np.ndarray], str]:
    """Arrays for ``(name, key)``: from the cache when it checks out, else ``build()``.

    Parameters
    ----------
    name : str
        Dataset name (part of the folder name).
    key : str
        Hex digest that identifies the source the arrays are decoded from.
    build : callable
        Returns ``{array_name: ndarray}``; called only when the cache is unusable.

    Returns
    -------
    arrays : dict of str to ndarray
    status : str
        ``"cache: <folder>"``, ``"decoded, cached in <folder>"`` or
        ``"decoded (cache not writable)"``.
    """
    folder = cache_path(name, key)
    arrays = _read(folder, key)
    if arrays is not None:
        return arrays, f"cache: {folder}"
    arrays = build()
    if _write(folder, key, arrays):
        return arrays, f"decoded, cached in {folder}"
    return arrays, "decoded (cache not writable)"
