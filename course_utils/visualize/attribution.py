"""Where a network looks for its answer: saliency, SmoothGrad, Grad-CAM, occlusion."""

from __future__ import annotations

from typing import Any

import keras
import numpy as np

from course_utils import autodiff
from course_utils.visualize._common import (
    _check_model,
    _classes,
    _images,
    _input,
    _normalise,
    _resize,
    _run,
    _score_head,
    last_conv_layer,
)


def saliency(model: keras.Model, images: Any, class_index: Any = None, *, smooth: int = 0,
             noise: float = 0.15, seed: int = 0) -> np.ndarray:
    """Gradient of the class logit with respect to the pixels: ``(N, H, W)`` maps in [0, 1].

    Parameters
    ----------
    class_index : int, sequence of int or None, default=None
        The class explained per image; None: the predicted class.
    smooth : int, default=0
        SmoothGrad: average the gradients of ``smooth`` copies with Gaussian noise of
        standard deviation ``noise`` times the images' value range (0: vanilla gradient).
    noise : float, default=0.15
    seed : int, default=0

    Returns
    -------
    ndarray of shape (N, H, W)
        The largest absolute gradient over the channels, each map scaled to [0, 1].
    """
    _check_model(model)
    x = _images(model, images)
    classes = _classes(model, x, class_index)
    if not isinstance(smooth, int) or smooth < 0:
        raise ValueError(f"smooth must be a non-negative integer, got {smooth!r}.")
    logits = _score_head(model)
    one_hot = np.eye(model.output_shape[-1], dtype="float32")[classes]

    def score(t):
        return keras.ops.sum(logits(t) * one_hot)

    rng = np.random.default_rng(seed)
    sigma = noise * float(x.max() - x.min() or 1.0)
    copies = [x] if smooth == 0 else [x + rng.normal(0, sigma, x.shape).astype("float32")
                                      for _ in range(smooth)]
    grads = np.mean([autodiff.value_and_grad(score, c)[1][0] for c in copies], axis=0)
    return _normalise(np.abs(grads).max(axis=-1))


def grad_cam(model: keras.Model, images: Any, class_index: Any = None, *,
             layer_name: str | None = None) -> np.ndarray:
    """Grad-CAM maps ``(N, H, W)`` in [0, 1] of ``layer_name`` (default: the last 4-D layer).

    The maps of the layer are weighted by the spatial mean of the gradient of the class logit
    with respect to them, summed, passed through a ReLU, upsampled to the input size and
    scaled to [0, 1]. The layers after ``layer_name`` must depend on it alone (true of the
    last convolution block of the course's networks).

    References
    ----------
    R. R. Selvaraju et al., "Grad-CAM: visual explanations from deep networks via
    gradient-based localization", ICCV 2017.
    """
    _check_model(model)
    x = _images(model, images)
    classes = _classes(model, x, class_index)
    name = layer_name or last_conv_layer(model)
    try:
        layer = model.get_layer(name)
    except ValueError as exc:
        raise ValueError(f"model {model.name!r} has no layer {name!r}.") from exc
    if len(layer.output.shape) != 4:
        raise ValueError(f"layer {name!r} has output shape {layer.output.shape}: Grad-CAM needs "
                         "the (N, H, W, C) maps of a convolution layer.")
    activations = _run(keras.Model(_input(model), layer.output), x)
    try:
        logits = _score_head(model, start=layer.output)
    except Exception as exc:  # noqa: BLE001 - the graph cannot be cut there
        raise ValueError(f"the layers after {name!r} also use earlier tensors (a shortcut across "
                         "it): choose the output of a whole block, e.g. the last one.") from exc
    one_hot = np.eye(model.output_shape[-1], dtype="float32")[classes]

    def score(a):
        return keras.ops.sum(logits(a) * one_hot)

    grads = autodiff.value_and_grad(score, activations.astype("float32"))[1][0]
    return _normalise(_resize(grad_cam_combine(activations, grads), x.shape[1:3]))


def grad_cam_combine(activations: Any, gradients: Any) -> np.ndarray:
    """Grad-CAM's combination ``(N, H, W)``: each map weighted by its mean gradient, summed, ReLU.

    Parameters
    ----------
    activations, gradients : array of shape (N, H, W, C)
        A layer's maps and the gradient of the class score with respect to them.
    """
    activations, gradients = np.asarray(activations), np.asarray(gradients)
    if activations.ndim != 4 or activations.shape != gradients.shape:
        raise ValueError(f"activations and gradients must both have shape (N, H, W, C); got "
                         f"{activations.shape} and {gradients.shape}.")
    weights = gradients.mean(axis=(1, 2))                                 # (N, C)
    return np.maximum(np.einsum("nhwc,nc->nhw", activations, weights), 0)


def occlusion(model: keras.Model, images: Any, class_index: Any = None, *, patch: int = 4,
              stride: int | None = None, fill: float | None = None,
              batch_size: int = 256) -> np.ndarray:
    """Drop of the class probability when a ``patch`` x ``patch`` square is covered: ``(N, H, W)``.

    Each pixel gets the mean drop over the patches covering it (unnormalised: a value of 0.3
    means covering that region costs 30 points of probability). ``fill`` defaults to the mean
    of each image.

    References
    ----------
    M. D. Zeiler and R. Fergus, "Visualizing and understanding convolutional networks",
    ECCV 2014.
    """
    _check_model(model)
    x = _images(model, images)
    classes = _classes(model, x, class_index)
    stride = stride or patch
    height, width = x.shape[1:3]
    if not (isinstance(patch, int) and 1 <= patch <= min(height, width)):
        raise ValueError(f"patch must be an integer in [1, {min(height, width)}], got {patch!r}.")
    base = _run(model, x)[np.arange(len(x)), classes]
    corners = [(i, j) for i in range(0, height - patch + 1, stride)
               for j in range(0, width - patch + 1, stride)]
    maps = np.zeros((len(x), height, width), "float32")
    counts = np.zeros((height, width), "float32")
    for i, j in corners:
        counts[i:i + patch, j:j + patch] += 1
    for n, image in enumerate(x):
        value = float(image.mean()) if fill is None else fill
        covered = np.repeat(image[None], len(corners), axis=0)
        for k, (i, j) in enumerate(corners):
            covered[k, i:i + patch, j:j + patch] = value
        probs = _run(model, covered, batch_size)[:, classes[n]]
        for k, (i, j) in enumerate(corners):
            maps[n, i:i + patch, j:j + patch] += base[n] - probs[k]
    return maps / np.maximum(counts, 1)


def integrated_gradients(model: keras.Model, images: Any, class_index: Any = None, *,
                         steps: int = 32, baseline: Any = None) -> np.ndarray:
    """Integrated gradients (Sundararajan et al., 2017): attributions of shape ``(N, H, W, C)``.

    The gradient of the class logit is averaged along the straight path from ``baseline`` to
    each image (``steps`` midpoints, the Riemann sum) and multiplied by ``image - baseline``.
    The attributions of an image sum, up to the sum's error, to its logit minus the baseline's
    ("completeness"). Unlike the other methods they are signed and not normalised: a map for
    :func:`plot_maps` is ``np.abs(a).sum(axis=-1)`` scaled to [0, 1].

    Parameters
    ----------
    steps : int, default=32
    baseline : array broadcastable to one image, or None
        The image that means "no evidence"; None: black (zeros).

    References
    ----------
    M. Sundararajan, A. Taly and Q. Yan, "Axiomatic attribution for deep networks", ICML 2017.
    """
    _check_model(model)
    x = _images(model, images)
    classes = _classes(model, x, class_index)
    if not isinstance(steps, int) or steps < 1:
        raise ValueError(f"steps must be a positive integer, got {steps!r}.")
    start = np.zeros_like(x) if baseline is None else np.broadcast_to(
        np.asarray(baseline, "float32"), x.shape).copy()
    logits = _score_head(model)
    one_hot = np.eye(model.output_shape[-1], dtype="float32")[classes]

    def score(t):
        return keras.ops.sum(logits(t) * one_hot)

    total = np.zeros_like(x)
    for alpha in (np.arange(steps) + 0.5) / steps:
        total += autodiff.value_and_grad(score, (start + alpha * (x - start)).astype("float32"))[1][0]
    return (x - start) * total / steps


@keras.ops.custom_gradient
def _guided_relu(x):
    """ReLU whose gradient passes only where the input and the incoming gradient are positive."""
    def grad(*args, upstream=None):
        upstream = args[0] if upstream is None else upstream
        keep = keras.ops.logical_and(keras.ops.greater(x, 0), keras.ops.greater(upstream, 0))
        return keras.ops.where(keep, upstream, keras.ops.zeros_like(upstream))
    return keras.ops.relu(x), grad


def _is_relu(activation: Any) -> bool:
    return getattr(activation, "__name__", "") == "relu"


def _guided_layer(layer: keras.layers.Layer) -> keras.layers.Layer:
    """A copy of ``layer`` whose ReLU is the guided one (other layers copied as they are)."""
    config = layer.get_config()
    if isinstance(layer, keras.layers.ReLU):
        if config.get("max_value") is not None or config.get("negative_slope") or config.get("threshold"):
            raise ValueError(f"guided backpropagation handles plain ReLUs; layer {layer.name!r} is "
                             f"{config}.")
        return keras.layers.Activation(_guided_relu, name=layer.name)
    if _is_relu(getattr(layer, "activation", None)):
        config["activation"] = _guided_relu
    return layer.__class__.from_config(config)


def guided_backprop(model: keras.Model, images: Any, class_index: Any = None) -> np.ndarray:
    """Guided backpropagation (Springenberg et al., 2015): ``(N, H, W)`` maps in [0, 1].

    The gradient of the class logit with respect to the pixels, except that every ReLU
    passes a gradient back only where its input was positive *and* the gradient arriving
    from above is positive. The maps look sharp and image-like; Adebayo et al. (2018) showed
    that they barely change when the weights are randomised. Works on models built from
    ``ReLU`` layers or layers with ``activation="relu"`` (not nested models).

    References
    ----------
    J. T. Springenberg et al., "Striving for simplicity: the all convolutional net", ICLR 2015
    workshop.
    """
    _check_model(model)
    guided = keras.models.clone_model(model, clone_function=_guided_layer)
    guided.set_weights(model.get_weights())
    return saliency(guided, images, class_index)
