"""The course backbone: a zoo network pretrained by the course on a source task, cached and sealed."""

from __future__ import annotations

import hashlib
import pathlib

import keras
import numpy as np

from course_utils import sealed
from course_utils.transfer._cache import (WeightsCorrupt, WeightsUnavailable, _load, course_backbone_path)


_META_FIELDS = {"network": str, "feature_layer": str, "source_task": str, "input_shape": list,
                "num_classes": int, "train_images": int, "epochs": int, "options": dict,
                "data_hash": str}


def _fix(path: pathlib.Path) -> str:
    return (f"delete {path.parent}/{path.name.split('.')[0]}.* and run again to rebuild it "
            "(transfer.pretrain_course_backbone(..., retrain=True))")


def _course_backbone(key: str | None) -> keras.Model:
    if key is None:
        raise WeightsUnavailable("no course backbone was named (course_key): pretrain one with "
                                 "transfer.pretrain_course_backbone(...).")
    path = course_backbone_path(key)
    if not path.is_file():
        raise WeightsUnavailable(f"the course backbone {key!r} is not cached at {path}: run "
                                 "transfer.pretrain_course_backbone(...) first (lesson 16 does).")
    meta = sealed.read(path, _META_FIELDS, WeightsCorrupt, fix=_fix(path))
    try:
        model = _build_course_network(meta)
    except (ValueError, KeyError, TypeError) as exc:
        raise WeightsCorrupt(f"the metadata beside {path} describes a network the zoo cannot "
                             f"build ({type(exc).__name__}: {exc}).") from None
    _load(model, path)
    epochs = meta["epochs"]
    model.provenance = (
        f"the course backbone {meta['network']} pretrained on {meta['source_task']} "
        f"({meta['train_images']:,} images, {epochs} epoch{'' if epochs == 1 else 's'}; "
        f"cached at {path})")
    return model


def _build_course_network(meta: dict) -> keras.Model:
    from course_utils import zoo

    network = zoo.get_model(meta["network"], input_shape=tuple(meta["input_shape"]),
                            num_classes=meta["num_classes"], **meta.get("options", {}))
    features = keras.Model(network.input, network.get_layer(meta["feature_layer"]).output,
                           name=f"{meta['network']}_backbone")
    return features


def pretrain_course_backbone(key: str, x: np.ndarray, y: np.ndarray, *, network: str = "resnet20",
                             feature_layer: str = "avg_pool", source_task: str, epochs: int = 5,
                             batch_size: int = 128, learning_rate: float = 3e-3,
                             options: dict | None = None, seed: int = 0,
                             retrain: bool = False, lossy: bool = False) -> keras.Model:
    """Train ``network`` on a source task and cache its features up to ``feature_layer``.

    A second call with the same ``key`` and the same data returns the cached backbone without
    training (the key and a hash of the data name the file), unless ``retrain``.

    Parameters
    ----------
    key : str
        Name of the cached backbone, e.g. ``"cifar10-animals-resnet20"``.
    x, y : ndarray
        Source images (uint8 or floats in [0, 1]) and integer labels.
    source_task : str
        Described in the messages, e.g. ``"CIFAR-10's six animal classes"``.
    lossy : bool, default=False
        The images are a lossy copy (the CIFAR-10 JPEG copy): recorded with the training run.

    Returns
    -------
    keras.Model
        The features, with ``provenance`` (a sentence: what was trained on what, and where it
        is cached). The cached file carries a SHA-256 beside it, checked at every load.
    """
    from types import SimpleNamespace

    from course_utils import train

    if np.asarray(x).dtype != np.uint8:
        raise ValueError(f"x must be uint8 images in [0, 255] (as the datasets load), got dtype "
                         f"{np.asarray(x).dtype}; the backbone then takes floats in [0, 1].")
    digest = hashlib.sha256(np.ascontiguousarray(x[:256]).tobytes()
                            + np.asarray(y).tobytes()).hexdigest()[:12]
    path = course_backbone_path(key)
    if not retrain and path.is_file():
        try:
            cached = sealed.read(path, _META_FIELDS, WeightsCorrupt, fix=_fix(path))
        except WeightsCorrupt:   # an unsealed (older) or damaged cache: train it again
            cached = {}
        if cached.get("data_hash") == digest:
            return _course_backbone(key)
    from course_utils import zoo

    num_classes = int(np.max(y)) + 1
    keras.utils.set_random_seed(int(seed))
    built = zoo.get_model(network, input_shape=tuple(x.shape[1:]), num_classes=num_classes,
                          **dict(options or {}))
    names = [layer.name for layer in built.layers]
    if feature_layer not in names:
        raise ValueError(f"{network} has no layer {feature_layer!r} to cut the features at; "
                         f"its layers: {names}.")
    data = SimpleNamespace(name=source_task, x_train=x, y_train=y, x_test=x[:0], y_test=y[:0],
                           num_classes=num_classes, lossy=bool(lossy))
    run = train.fit_and_evaluate(built, data, epochs=epochs, batch_size=batch_size,
                                    learning_rate=learning_rate, seed=seed)
    trained = run.model.layers[-1]
    meta = {"network": network, "feature_layer": feature_layer, "source_task": source_task,
            "input_shape": list(x.shape[1:]), "num_classes": num_classes,
            "train_images": int(len(x)), "epochs": int(epochs), "options": options or {},
            "data_hash": digest, "train_accuracy": run.train_accuracy}
    features = keras.Model(trained.input, trained.get_layer(feature_layer).output,
                           name=f"{network}_backbone")
    path.parent.mkdir(parents=True, exist_ok=True)
    features.save_weights(path)
    sealed.seal(path, meta)
    return _course_backbone(key)
