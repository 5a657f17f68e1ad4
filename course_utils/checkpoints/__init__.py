"""Trained weights that ship with the course, checked by SHA-256 on load.

A lesson trained on a laptop stops long before its network's full strength; a
checkpoint shows that strength in seconds (evaluation only). Each checkpoint is a
``NAME.npz`` of float16 weights (the order of ``model.weights``) and a ``NAME.json``
card: the zoo network it fills, the SHA-256 of the ``.npz``, the recipe, the measured
test accuracy and the command that trained it (``benchmarks/resnet20_checkpoint.py``).

>>> from course_utils import checkpoints
>>> checkpoints.available()                                  # doctest: +SKIP
['resnet20_cifar10']
>>> model = checkpoints.load("resnet20_cifar10")              # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import json
import os
import pathlib
from typing import Any

import numpy as np

__all__ = ["available", "card", "load", "save", "update_card", "CheckpointError"]

HERE = pathlib.Path(__file__).resolve().parent


class CheckpointError(RuntimeError):
    """A checkpoint is missing, altered, or does not fit its network."""


def _paths(name: str, folder: os.PathLike | str | None = None) -> tuple[pathlib.Path, pathlib.Path]:
    root = pathlib.Path(folder) if folder is not None else HERE
    return root / f"{name}.npz", root / f"{name}.json"


def available(folder: os.PathLike | str | None = None) -> list[str]:
    """Names of the checkpoints that have both their weights and their card."""
    root = pathlib.Path(folder) if folder is not None else HERE
    return sorted(p.stem for p in root.glob("*.json") if (root / f"{p.stem}.npz").exists())


def card(name: str, folder: os.PathLike | str | None = None) -> dict[str, Any]:
    """The card of checkpoint ``name``: recipe, accuracy, SHA-256 of the weights."""
    _, card_path = _paths(name, folder)
    if not card_path.exists():
        raise CheckpointError(
            f"no checkpoint {name!r} in {card_path.parent}; available: "
            f"{', '.join(available(folder)) or 'none'}. The course's checkpoints are trained by "
            "benchmarks/ (for example `python -m benchmarks resnet20_checkpoint`).")
    return json.loads(card_path.read_text(encoding="utf-8"))


def _sha256(path: pathlib.Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _build(info: dict[str, Any]):
    from course_utils import zoo
    from course_utils.train import with_image_input

    shape = tuple(info.get("input_shape", (32, 32, 3)))
    network = zoo.get_model(info["network"], input_shape=shape)
    return with_image_input(network, shape, name=info["name"])


def save(model, name: str, info: dict[str, Any], folder: os.PathLike | str | None = None) -> dict:
    """Write ``model``'s weights as float16 and a card with ``info`` and their SHA-256.

    ``info`` must name the zoo ``network`` that :func:`load` rebuilds (behind the course's
    ``uint8`` image input).
    """
    if "network" not in info:
        raise ValueError("info must name the zoo 'network' the weights fill, e.g. 'resnet20'.")
    weights_path, card_path = _paths(name, folder)
    weights_path.parent.mkdir(parents=True, exist_ok=True)
    arrays = {f"w{i:03d}": np.asarray(w.numpy() if hasattr(w, "numpy") else w).astype(np.float16)
              for i, w in enumerate(model.weights)}
    np.savez_compressed(weights_path, **arrays)
    full = {"name": name, **info, "input_shape": list(model.input_shape[1:]),
            "weights": weights_path.name, "dtype": "float16",
            "size_bytes": weights_path.stat().st_size, "sha256": _sha256(weights_path)}
    card_path.write_text(json.dumps(full, indent=1) + "\n", encoding="utf-8")
    return full


def update_card(name: str, folder: os.PathLike | str | None = None, **fields: Any) -> dict:
    """Add or change fields of a checkpoint's card (its SHA-256 is kept)."""
    info = card(name, folder)
    info.update(fields)
    _paths(name, folder)[1].write_text(json.dumps(info, indent=1) + "\n", encoding="utf-8")
    return info


def load(name: str, folder: os.PathLike | str | None = None):
    """The zoo network of checkpoint ``name`` with its trained weights, SHA-256 checked.

    Returns a ``keras.Model`` taking ``uint8`` images (as the course's loaders give them),
    compiled for evaluation with sparse categorical cross-entropy and accuracy.

    Raises
    ------
    CheckpointError
        When the weights are missing, their SHA-256 differs from the card's, or they do not
        fit the network the card names.
    """
    info = card(name, folder)
    weights_path, _ = _paths(name, folder)
    if not weights_path.exists():
        raise CheckpointError(f"checkpoint {name!r}: its card is there but {weights_path} is "
                              "missing; reinstall the course or retrain it with benchmarks/.")
    digest = _sha256(weights_path)
    if digest != info["sha256"]:
        raise CheckpointError(f"checkpoint {name!r}: {weights_path} has SHA-256 {digest[:16]}... "
                              f"but its card says {info['sha256'][:16]}...; the file was altered "
                              "or truncated. Restore it from the repository (git checkout).")
    model = _build(info)
    with np.load(weights_path, allow_pickle=False) as stored:
        arrays = [stored[f"w{i:03d}"] for i in range(len(stored.files))]
    if len(arrays) != len(model.weights) or any(
            a.shape != tuple(w.shape) for a, w in zip(arrays, model.weights)):
        raise CheckpointError(f"checkpoint {name!r} holds {len(arrays)} arrays that do not fit "
                              f"{info['network']} ({len(model.weights)} weights); the zoo's "
                              "network changed since it was trained: retrain it.")
    for weight, array in zip(model.weights, arrays):
        weight.assign(array.astype(weight.dtype))
    model.compile(loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model
