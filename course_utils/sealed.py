"""Files the course caches with their SHA-256 beside them: weights and their metadata.

A cached ``<name>.weights.h5`` gets ``<name>.json`` (what it is: which network, trained on
what) and ``<name>.sha256`` (the SHA-256 of both). :func:`read` checks both hashes and the
metadata's fields before anything is loaded, so a flipped bit in the weights, metadata that
names another network, or garbled metadata raise the caller's error class naming the file,
instead of loading silently or failing deep inside h5py or ``json``.
"""

from __future__ import annotations

import json
import pathlib

__all__ = ["sidecars", "seal", "read"]


def sidecars(path: pathlib.Path) -> tuple[pathlib.Path, pathlib.Path]:
    """The metadata and the hash files beside ``path`` (``x.weights.h5`` -> ``x.json``, ``x.sha256``)."""
    path = pathlib.Path(path)
    stem = path.name.removesuffix(".weights.h5")      # a key may hold dots: "a_0.5"
    return path.with_name(stem + ".json"), path.with_name(stem + ".sha256")


def seal(path: pathlib.Path, meta: dict) -> None:
    """Write ``meta`` beside ``path``, and the SHA-256 of both beside them."""
    from course_utils.data._files import sha256_of

    meta_path, hash_path = sidecars(path)
    meta_path.write_text(json.dumps(meta, indent=1))
    hash_path.write_text(json.dumps({"weights": sha256_of(path), "meta": sha256_of(meta_path)}))


def read(path: pathlib.Path, fields: dict[str, type], error: type[Exception], *, fix: str) -> dict:
    """The metadata of the sealed file ``path``, after checking both SHA-256 and ``fields``.

    Raises ``error`` (naming the file, then ``fix``) when a hash is missing or differs, or
    when the metadata lacks a field of ``fields`` or holds it with another type.
    """
    from course_utils.data._files import sha256_of

    meta_path, hash_path = sidecars(path)
    try:
        recorded = json.loads(hash_path.read_text())
        expected = {"weights": recorded["weights"], "meta": recorded["meta"]}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise error(f"{hash_path} is missing or unreadable ({type(exc).__name__}), so "
                    f"{path} cannot be checked: {fix}.") from None
    for what, file in (("weights", path), ("meta", meta_path)):
        actual = sha256_of(file) if file.is_file() else "missing"
        if actual != expected[what]:
            raise error(f"{file} has sha256 {actual} but {hash_path} records "
                        f"{expected[what]}: the file was damaged or changed. {fix}.")
    try:
        meta = json.loads(meta_path.read_text())
        bad = [k for k, kind in fields.items() if not isinstance(meta.get(k), kind)]
    except (OSError, ValueError, AttributeError) as exc:
        raise error(f"{meta_path} is not readable metadata ({type(exc).__name__}: {exc}): "
                    f"{fix}.") from None
    if bad:
        raise error(f"{meta_path} lacks or garbles the field(s) {bad}: {fix}.")
    return meta
