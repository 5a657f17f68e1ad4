"""Helpers shared by the visualisation methods: input checks, batched runs, class scores."""

from __future__ import annotations

from typing import Any

import keras
import numpy as np


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
