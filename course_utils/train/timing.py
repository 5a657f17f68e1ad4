"""Time to accuracy: train a recipe and time it to a target test accuracy.

``train_to_accuracy(recipe, ...)`` starts the clock just before ``fit`` (so tracing
and compiling the first step count: a cold start), evaluates on held-out images
during training outside the clock (``StopAtAccuracy``), and returns a
``TimeToAccuracy`` record. Lesson 05 and the benchmarks use it.

``latency(model, x)`` and ``train_step_time(model, x, y)`` time one compiled inference
call and one training step (the median of several, after warm-up calls that trace and
compile); lesson 14 sets them against MACs.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Any

import keras
import numpy as np

from course_utils.train.callbacks import StopAtAccuracy
from course_utils.train.recipe import Recipe, steps_per_epoch

__all__ = ["StopAtAccuracy", "TimeToAccuracy", "train_to_accuracy", "latency",
           "train_step_time"]


@dataclasses.dataclass
class TimeToAccuracy:
    """What :func:`train_to_accuracy` measured.

    Attributes
    ----------
    seconds : float or None
        Training seconds to the target; None if it was not reached.
    target : float
    best_accuracy, final_accuracy : float
    epochs : float
        Epochs trained (fractional when stopped mid-epoch).
    train_seconds : float
        Total training time (evaluations excluded).
    eval_seconds : float
    history : list of dict
    """

    seconds: float | None
    target: float
    best_accuracy: float
    final_accuracy: float
    epochs: float
    train_seconds: float
    eval_seconds: float
    history: list[dict[str, Any]]

    def accuracy_at(self, seconds: float) -> float | None:
        """Accuracy of the last evaluation at or before ``seconds`` of training."""
        before = [h["accuracy"] for h in self.history if h["seconds"] <= seconds]
        return before[-1] if before else None


def train_to_accuracy(recipe: Recipe, x_train: np.ndarray, y_train: np.ndarray,
                      x_test: np.ndarray, y_test: np.ndarray, *, target: float = 0.99,
                      evaluations_per_epoch: int = 1, max_seconds: float | None = None,
                      stop: bool = True, verbose: int = 0) -> TimeToAccuracy:
    """Train ``recipe`` and time it to ``target`` test accuracy.

    The clock starts just before ``fit`` (so the first step's tracing and
    compilation count: a cold start of training) and excludes the evaluations.

    Parameters
    ----------
    recipe : Recipe
        From :func:`fast_mnist_recipe` or :func:`keras_io_mnist_recipe`.
    x_train, x_test : ndarray of uint8, shape (N, H, W, C)
    y_train, y_test : ndarray of int, shape (N,)
    target : float, default=0.99
    evaluations_per_epoch : int, default=1
    max_seconds : float or None, default=None
        Training-time budget; training stops at the first evaluation past it.
    stop : bool, default=True
        Stop as soon as the target is reached.
    verbose : int, default=0

    Returns
    -------
    TimeToAccuracy
    """
    x_eval = recipe.prepare(x_test, y_test)[0]
    steps = steps_per_epoch(len(x_train), recipe.batch_size, recipe.validation_split)
    callback = StopAtAccuracy(x_eval, y_test, target, steps_per_epoch=steps,
                              predict=recipe.predict if recipe.tta else None,
                              evaluations_per_epoch=evaluations_per_epoch,
                              max_seconds=max_seconds, stop=stop)
    x, y = recipe.prepare(x_train, y_train)
    plain = dataclasses.replace(recipe, prepare=lambda a, b: (a, b))
    callback.start_clock()
    plain.fit(x, y, callbacks=[callback], verbose=verbose)
    train_seconds = callback.training_seconds()
    history = callback.history
    accuracies = [h["accuracy"] for h in history] or [float("nan")]
    return TimeToAccuracy(
        seconds=callback.reached_seconds, target=float(target),
        best_accuracy=max(accuracies), final_accuracy=accuracies[-1],
        epochs=history[-1]["epoch"] if history else 0.0, train_seconds=train_seconds,
        eval_seconds=callback.eval_seconds, history=history)


def _median_seconds(call, repeats: int, warmup: int) -> float:
    for name, value, least in (("repeats", repeats, 1), ("warmup", warmup, 0)):
        if not isinstance(value, int) or isinstance(value, bool) or value < least:
            raise ValueError(f"{name} must be an integer >= {least}, got {value!r}.")
    for _ in range(warmup):
        call()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def latency(model: keras.Model, x: Any, *, repeats: int = 10, warmup: int = 2) -> float:
    """Median seconds of one inference call ``model.predict_on_batch(x)`` (compiled).

    The warm-up calls trace and compile the function; the result comes back as NumPy, so
    the time includes finishing the computation. The batch is ``x`` as given.
    """
    if not isinstance(model, keras.Model):
        raise TypeError(f"model must be a keras.Model, got {type(model).__name__}.")
    return _median_seconds(lambda: model.predict_on_batch(x), repeats, warmup)


def train_step_time(model: keras.Model, x: Any, y: Any, *, repeats: int = 10,
                    warmup: int = 2) -> float:
    """Median seconds of one training step ``model.train_on_batch(x, y)``.

    ``model`` must be compiled (its optimizer, loss and ``jit_compile`` are the caller's
    choice). The steps update the weights: time a copy you do not need.
    """
    if not isinstance(model, keras.Model):
        raise TypeError(f"model must be a keras.Model, got {type(model).__name__}.")
    if not getattr(model, "compiled", False):
        raise ValueError(f"model {model.name!r} is not compiled: call model.compile(...) first.")
    return _median_seconds(lambda: model.train_on_batch(x, y), repeats, warmup)
