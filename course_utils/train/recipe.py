"""The :class:`Recipe` record: a compiled model and how to train it."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

import keras
import numpy as np

from course_utils.train.loop import fit_model, steps_per_epoch  # noqa: F401 - re-exported


@dataclasses.dataclass
class Recipe:
    """A compiled model and the settings to train it.

    Attributes
    ----------
    name : str
    model : keras.Model
        Compiled; its input takes the output of ``prepare``.
    batch_size : int
    epochs : int
        Length of the full schedule (a learning-rate schedule is built for it).
    validation_split : float
        Fraction of the training images that ``fit`` holds out (keras-io uses 0.1).
    prepare : callable
        ``prepare(x_uint8, y_int) -> (x, y)``, applied once before training.
    description : str
    augmentation : callable, optional
        Applied to every training batch off the training step
        (:func:`course_utils.augment.pipeline`), with ``seed``.
    tta : {None, "flip", "five", "ten"}, default=None
        Test-time augmentation used by :meth:`predict`.
    seed : int, default=0
    """

    name: str
    model: keras.Model
    batch_size: int
    epochs: int
    validation_split: float = 0.0
    prepare: Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]] = (
        lambda x, y: (x, y))
    description: str = ""
    augmentation: Any = None
    tta: str | None = None
    seed: int = 0

    def fit(self, x: np.ndarray, y: np.ndarray, *, callbacks: Sequence | None = None,
            verbose: int = 0) -> keras.callbacks.History:
        """Prepare ``(x, y)`` and train the model with the recipe's settings."""
        x, y = self.prepare(x, y)
        return fit_model(self.model, x, y, batch_size=self.batch_size, epochs=self.epochs,
                         augmentation=self.augmentation, seed=self.seed,
                         validation_split=self.validation_split, callbacks=callbacks or (),
                         verbose=verbose)

    def predict(self, x: np.ndarray, *, batch_size: int = 1000) -> np.ndarray:
        """Class probabilities, averaged over the recipe's test-time augmentation."""
        if self.tta is None:
            return self.model.predict(x, batch_size=batch_size, verbose=0)
        from course_utils import augment

        return augment.predict_tta(self.model, x, crops=self.tta, batch_size=batch_size)
