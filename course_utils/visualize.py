"""What a convnet looks at: feature maps, saliency, Grad-CAM, occlusion, activation maximisation.

Every gradient comes from :func:`course_utils.autodiff.value_and_grad`, so the same code runs
on TensorFlow, JAX and PyTorch. Maps come back as NumPy arrays of shape ``(N, H, W)`` (the
input's height and width); :func:`plot_maps` draws them over the images with titles and colour
bars. The first layer's filters and the feature maps reuse :func:`course_utils.plotting.plot_kernels`
and :func:`course_utils.plotting.plot_feature_maps`.

- :func:`feature_maps`: the outputs of named layers for a batch.
- :func:`saliency`: the gradient of a class score with respect to the input pixels
  (Simonyan et al., 2014), and SmoothGrad (Smilkov et al., 2017) averaging it over noisy copies.
- :func:`grad_cam`: Selvaraju et al. (2017): a convolution layer's maps weighted by the average
  gradient of the class score over each map, ReLU, upsampled.
- :func:`occlusion`: the drop in the class probability when a patch of the image is greyed out
  (Zeiler and Fergus, 2014).
- :func:`activation_maximization`: gradient ascent on an input image for one channel, with the
  regularisers of Olah et al. (2017): jitter, blur, L2 decay and a low-frequency
  parameterisation (optimising a smaller image that is upsampled).
- :func:`randomized_copy` and :func:`map_similarity`: the sanity check of Adebayo et al.
  (2018): a method whose maps do not change when the weights are randomised explains nothing.

Class scores are the logits: when the model ends in a ``Dense`` layer with a softmax, the
softmax is left out (a saturated softmax has vanishing gradients).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import keras
import numpy as np

from course_utils import autodiff

__all__ = ["feature_maps", "saliency", "grad_cam", "grad_cam_combine", "occlusion",
           "activation_maximization", "randomized_copy", "map_similarity", "plot_maps",
           "last_conv_layer"]


# ----------------------------------------------------------------------------- helpers
def _check_model(model: Any) -> keras.Model:
    if not isinstance(model, keras.Model):
        raise TypeError(f"model must be a keras.Model, got {type(model).__name__}.")
    return model


def _input(model: keras.Model):
    """The model's input tensor (not a one-element list: calling a sub-model with one tensor
    then matches its input structure, without Keras's warning)."""
    return model.inputs[0] if len(model.inputs) == 1 else model.inputs


def _images(model: keras.Model, images: Any) -> np.ndarray:
    x = np.asarray(images, dtype="float32")
    expected = tuple(model.input_shape[1:])
    if x.shape[1:] != expected and x.shape == expected:
        x = x[None]
    if x.ndim != len(expected) + 1 or any(e is not None and e != s
                                           for e, s in zip(expected, x.shape[1:])):
        raise ValueError(f"images must have shape (N, {', '.join(map(str, expected))}) for model "
                         f"{model.name!r}, got {np.shape(images)}.")
    return x


def _run(model: keras.Model, x: np.ndarray, batch_size: int = 256) -> np.ndarray:
    """``model(x)`` in inference mode, in batches, as NumPy (no per-call tf.function tracing)."""
    parts = [keras.ops.convert_to_numpy(model(x[i:i + batch_size], training=False))
             for i in range(0, len(x), batch_size)]
    return np.concatenate(parts) if parts else np.zeros((0,))


def _classes(model: keras.Model, x: np.ndarray, class_index: Any) -> np.ndarray:
    """One class per image: the given ones, or the model's predictions."""
    if class_index is None:
        return np.argmax(_run(model, x), axis=-1)
    classes = np.broadcast_to(np.asarray(class_index, dtype=int), (len(x),)).copy()
    num_classes = model.output_shape[-1]
    if classes.min() < 0 or classes.max() >= num_classes:
        raise ValueError(f"class_index must be in [0, {num_classes}), got {class_index!r}.")
    return classes


def _score_head(model: keras.Model, start: Any = None):
    """``f(tensor) -> logits``: from the model input (``start=None``) or from a layer's output."""
    last = model.layers[-1]
    softmax = (isinstance(last, keras.layers.Dense)
               and getattr(last.activation, "__name__", "") == "softmax")
    inputs = _input(model) if start is None else start
    if softmax:
        penultimate = keras.Model(inputs, last.input)

        def logits(t):
            return keras.ops.matmul(penultimate(t), last.kernel) + (
                last.bias if last.use_bias else 0.0)
        return logits
    head = keras.Model(inputs, model.output)
    return lambda t: head(t)


def _resize(maps: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Bilinear upsampling of (N, h, w) maps to (N, H, W)."""
    if maps.shape[1:] == tuple(size):
        return maps
    resized = keras.ops.image.resize(maps[..., None].astype("float32"), size,
                                     interpolation="bilinear")
    return keras.ops.convert_to_numpy(resized)[..., 0]


def _normalise(maps: np.ndarray) -> np.ndarray:
    """Each map scaled to [0, 1] (a constant map becomes 0)."""
    flat = maps.reshape(len(maps), -1)
    low, high = flat.min(axis=1), flat.max(axis=1)
    span = np.where(high > low, high - low, 1.0)
    return ((maps - low[:, None, None]) / span[:, None, None]).astype("float32")


def last_conv_layer(model: keras.Model) -> str:
    """Name of the last layer with a 4-D output (a convolution block), for Grad-CAM."""
    _check_model(model)
    for layer in reversed(model.layers):
        if not isinstance(layer, keras.layers.InputLayer) and len(layer.output.shape) == 4:
            return layer.name
    raise ValueError(f"model {model.name!r} has no layer with a 4-D (N, H, W, C) output.")


# ----------------------------------------------------------------------------- methods
def feature_maps(model: keras.Model, images: Any, layer_names: Sequence[str]) -> dict[str, np.ndarray]:
    """The outputs of the layers ``layer_names`` for ``images``: ``{name: (N, H, W, C)}``."""
    _check_model(model)
    x = _images(model, images)
    known = {layer.name for layer in model.layers}
    missing = [n for n in layer_names if n not in known]
    if missing:
        raise ValueError(f"model {model.name!r} has no layer {missing}; its layers: "
                         f"{[layer.name for layer in model.layers]}.")
    probe = keras.Model(_input(model), [model.get_layer(n).output for n in layer_names])
    outputs = probe(x, training=False)
    if len(layer_names) == 1:
        outputs = [outputs]
    return {n: keras.ops.convert_to_numpy(o) for n, o in zip(layer_names, outputs)}


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


def activation_maximization(model: keras.Model, layer_name: str, channel: int, *,
                            steps: int = 64, learning_rate: float = 0.05, jitter: int = 2,
                            blur_every: int = 8, blur_sigma: float = 0.5, decay: float = 1e-3,
                            low_frequency: int = 1, seed: int = 0) -> np.ndarray:
    """An input image that excites ``channel`` of ``layer_name``, found by gradient ascent.

    Starts from grey noise and climbs the mean activation of the channel, with the
    regularisers of Olah et al. (2017): random shifts by up to ``jitter`` pixels each step,
    a Gaussian blur every ``blur_every`` steps, L2 decay towards grey, and, for
    ``low_frequency`` > 1, optimisation of an image that many times smaller, upsampled
    (fewer high frequencies). Returns ``(H, W, C)`` in the input's [0, 1] range.

    References
    ----------
    C. Olah, A. Mordvintsev, L. Schubert, "Feature visualization", Distill 2017.
    """
    _check_model(model)
    height, width, channels = model.input_shape[1:]
    layer = model.get_layer(layer_name)
    if not 0 <= channel < layer.output.shape[-1]:
        raise ValueError(f"channel must be in [0, {layer.output.shape[-1]}) for layer "
                         f"{layer_name!r}, got {channel!r}.")
    if not (isinstance(low_frequency, int) and low_frequency >= 1):
        raise ValueError(f"low_frequency must be a positive integer, got {low_frequency!r}.")
    probe = keras.Model(_input(model), layer.output)
    rng = np.random.default_rng(seed)
    small = (height // low_frequency, width // low_frequency)
    param = (0.5 + 0.01 * rng.normal(size=(1, *small, channels))).astype("float32")

    def objective(p, shift_i, shift_j):
        image = keras.ops.image.resize(p, (height, width), interpolation="bilinear") \
            if low_frequency > 1 else p
        image = keras.ops.roll(keras.ops.roll(image, shift_i, axis=1), shift_j, axis=2)
        out = probe(image)
        return keras.ops.mean(out[..., channel]) - decay * keras.ops.sum((p - 0.5) ** 2)

    for step in range(steps):
        shift = rng.integers(-jitter, jitter + 1, size=2) if jitter else (0, 0)
        _, (grad,) = autodiff.value_and_grad(
            lambda p: objective(p, int(shift[0]), int(shift[1])), param)
        param = param + learning_rate * grad / (np.abs(grad).mean() + 1e-8)
        if blur_every and (step + 1) % blur_every == 0:
            param = _gaussian_blur(param, blur_sigma)
        param = np.clip(param, 0.0, 1.0).astype("float32")
    image = param if low_frequency == 1 else keras.ops.convert_to_numpy(
        keras.ops.image.resize(param, (height, width), interpolation="bilinear"))
    return np.clip(np.asarray(image)[0], 0.0, 1.0)


def _gaussian_blur(images: np.ndarray, sigma: float) -> np.ndarray:
    radius = max(1, int(round(3 * sigma)))
    taps = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma) ** 2)
    taps /= taps.sum()
    out = images
    for axis in (1, 2):
        padded = np.pad(out, [(radius, radius) if a == axis else (0, 0) for a in range(4)],
                        mode="reflect")
        out = sum(t * np.take(padded, np.arange(k, k + out.shape[axis]), axis=axis)
                  for k, t in enumerate(taps))
    return out.astype("float32")


# ----------------------------------------------------------------------------- sanity
def randomized_copy(model: keras.Model, *, seed: int = 0) -> keras.Model:
    """The same architecture with freshly initialised weights (Adebayo et al.'s check)."""
    _check_model(model)
    keras.utils.set_random_seed(seed)
    return keras.models.clone_model(model)


def _ranks(values: np.ndarray) -> np.ndarray:
    """Ranks from 0, ties sharing their mean rank."""
    order = np.argsort(values, kind="mergesort")
    ranks = np.empty(len(values))
    ranks[order] = np.arange(len(values))
    _, inverse = np.unique(values, return_inverse=True)
    return (np.bincount(inverse, ranks) / np.bincount(inverse))[inverse]


def map_similarity(first: Any, second: Any) -> float:
    """Spearman rank correlation between two sets of maps (1: same ordering of pixels)."""
    a, b = np.asarray(first, dtype=float).ravel(), np.asarray(second, dtype=float).ravel()
    if a.shape != b.shape:
        raise ValueError(f"the maps must have the same shape, got {np.shape(first)} and "
                         f"{np.shape(second)}.")
    ranks_a, ranks_b = _ranks(a), _ranks(b)
    if ranks_a.std() == 0 or ranks_b.std() == 0:
        return 0.0
    return float(np.corrcoef(ranks_a, ranks_b)[0, 1])


# ----------------------------------------------------------------------------- figures
def plot_maps(images: Any, maps: Any, *, titles: Sequence[str] | None = None,
              title: str = "What the network looks at", cmap: str = "jet", alpha: float = 0.45,
              label: str = "importance (0-1)"):
    """Each image with its map drawn over it, one colour bar per map.

    Returns
    -------
    matplotlib.figure.Figure
        Two rows: the images, then the images with their maps.
    """
    import matplotlib.pyplot as plt

    images, maps = np.asarray(images), np.asarray(maps)
    if images.ndim == 3:
        images = images[None]
    if maps.ndim == 2:
        maps = maps[None]
    if len(images) != len(maps) or images.shape[1:3] != maps.shape[1:3]:
        raise ValueError(f"images {images.shape} and maps {maps.shape} must match in number and "
                         "in height and width.")
    count = len(images)
    fig, axes = plt.subplots(2, count, figsize=(2.2 * count, 4.6), squeeze=False)
    for k in range(count):
        shown = images[k] if images.shape[-1] == 3 else images[k, ..., 0]
        scale = 255.0 if shown.max() > 1.5 else 1.0
        for row in (0, 1):
            axes[row, k].imshow(np.clip(shown / scale, 0, 1), cmap=None if shown.ndim == 3 else "gray")
            axes[row, k].set_axis_off()
        overlay = axes[1, k].imshow(maps[k], cmap=cmap, alpha=alpha)
        fig.colorbar(overlay, ax=axes[1, k], fraction=0.046, pad=0.04, label=label)
        if titles is not None:
            axes[0, k].set_title(str(titles[k]), fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    return fig
