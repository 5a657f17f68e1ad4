"""The one place a course model meets ``model.fit``: with or without augmentation.

Augmented batches are made off the training step by :func:`course_utils.augment.pipeline`
(a preset sees ``uint8`` images and returns floats in the same 0-255 range); without
augmentation the arrays go to ``fit`` as they are (a ``uint8`` input is never copied to float).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import keras
import numpy as np

__all__ = ["fit_model", "steps_per_epoch"]


def steps_per_epoch(num_images: int, batch_size: int, validation_split: float = 0.0) -> int:
    """Optimiser steps in one epoch of ``num_images`` (less a validation split)."""
    train = num_images - int(num_images * validation_split)
    return max(1, -(-train // batch_size))


def fit_model(model: keras.Model, x: np.ndarray, y: np.ndarray, *, batch_size: int, epochs: int,
              augmentation: Any = None, seed: int = 0, validation_split: float = 0.0,
              callbacks: Sequence = (), verbose: int = 0) -> keras.callbacks.History:
    """``model.fit`` on ``(x, y)``, through ``augmentation`` when given (seeded by ``seed``)."""
    if augmentation is None:
        return model.fit(x, y, batch_size=batch_size, epochs=int(epochs),
                         validation_split=validation_split, callbacks=list(callbacks),
                         verbose=verbose)
    if validation_split:
        raise ValueError("with augmentation, hold out validation images with "
                         "data.load(validation_split=...), not with fit's validation_split.")
    from course_utils import augment

    batches = augment.pipeline(x, y, augmentation, batch_size=batch_size, seed=seed)
    return model.fit(batches, epochs=int(epochs), callbacks=list(callbacks), verbose=verbose)
