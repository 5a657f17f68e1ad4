"""The classification loss of the course's training runs, with optional label smoothing."""

from __future__ import annotations

import keras

__all__ = ["SmoothedSparseCrossentropy", "classification_loss"]


@keras.saving.register_keras_serializable(package="course_utils")
class SmoothedSparseCrossentropy(keras.losses.Loss):
    """Cross-entropy with label smoothing for integer labels (backend-agnostic).

    Keras's ``SparseCategoricalCrossentropy`` has no ``label_smoothing``: the integer labels
    become one-hot vectors ``(1 - s) * one_hot + s / classes``.
    """

    def __init__(self, label_smoothing: float, name: str = "smoothed_crossentropy", **kwargs):
        super().__init__(name=name, **kwargs)
        if not 0 <= label_smoothing < 1:
            raise ValueError(f"label_smoothing must be in [0, 1), got {label_smoothing!r}.")
        self.label_smoothing = float(label_smoothing)

    def call(self, y_true, y_pred):
        ops = keras.ops
        classes = ops.shape(y_pred)[-1]
        one_hot = ops.one_hot(ops.cast(ops.reshape(y_true, (-1,)), "int32"), classes)
        smooth = one_hot * (1 - self.label_smoothing) + self.label_smoothing / classes
        return keras.losses.categorical_crossentropy(smooth, y_pred)

    def get_config(self):
        return {**super().get_config(), "label_smoothing": self.label_smoothing}


def classification_loss(label_smoothing: float = 0.0, *, soft_labels: bool = False):
    """The loss to compile with: plain sparse cross-entropy, or the smoothed one.

    ``soft_labels=True`` (labels mixed by mixup or CutMix, one-hot vectors): Keras's
    categorical cross-entropy, which smooths such labels itself.
    """
    if not 0 <= label_smoothing < 1:
        raise ValueError(f"label_smoothing must be in [0, 1), got {label_smoothing!r}.")
    if soft_labels:
        return keras.losses.CategoricalCrossentropy(label_smoothing=label_smoothing)
    return SmoothedSparseCrossentropy(label_smoothing) if label_smoothing else \
        "sparse_categorical_crossentropy"
