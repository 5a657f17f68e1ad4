"""Freezing, unfreezing and two-phase fine-tuning."""

from __future__ import annotations

import dataclasses
from typing import Any

import keras
import numpy as np


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
