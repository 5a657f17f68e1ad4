"""One entry point for a pretrained backbone: Keras Applications, EfficientNet-Lite0 or the course's."""

from __future__ import annotations

import os
import pathlib
import re
from collections.abc import Sequence

import keras

from course_utils.transfer._cache import (IMAGENET_NETWORKS, APPLICATIONS,
                                       WeightsCorrupt, WeightsUnavailable, _load, _models_dir)
from course_utils.transfer.course import _course_backbone
from course_utils.transfer.imagenet import _imagenet_backbone


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
