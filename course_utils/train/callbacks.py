"""Callbacks of the course's training runs.

:class:`StopAtAccuracy` evaluates held-out accuracy during training, outside the clock, and
stops at a target (time to accuracy: lesson 05 and the benchmarks).
"""

from __future__ import annotations

import time
from typing import Any

import keras
import numpy as np

__all__ = ["StopAtAccuracy"]


class StopAtAccuracy(keras.callbacks.Callback):
    """Evaluate test accuracy during training; stop once it reaches ``target``.

    The clock counts training time only: the time spent evaluating is subtracted.
    It starts at ``on_train_begin`` unless :meth:`start_clock` was called before
    ``fit`` (:func:`train_to_accuracy` does, to include the data adapter setup).

    Parameters
    ----------
    x, y : ndarray
        Evaluation images (as the model takes them) and integer labels.
    target : float, default=0.99
    evaluations_per_epoch : int, default=1
        Evaluate every ``steps_per_epoch // evaluations_per_epoch`` steps and at the
        end of each epoch.
    steps_per_epoch : int
    max_seconds : float or None, default=None
        Also stop when the training time passes this budget.
    stop : bool, default=True
        False keeps training after the target (to record a whole curve).
    batch_size : int, default=1000
        Batch size of the evaluation.
    predict : callable, optional
        ``predict(x) -> probabilities`` instead of ``model.predict`` (test-time augmentation).

    Attributes
    ----------
    history : list of dict
        One per evaluation: ``epoch``, ``step``, ``seconds``, ``cpu_seconds`` (CPU time
        of the process, all threads: less sensitive than ``seconds`` to other jobs on
        the machine), ``accuracy``.
    reached_seconds : float or None
        Training time at the first evaluation with accuracy >= target.
    eval_seconds : float
    """

    def __init__(self, x: np.ndarray, y: np.ndarray, target: float = 0.99, *,
                 steps_per_epoch: int, evaluations_per_epoch: int = 1,
                 max_seconds: float | None = None, stop: bool = True, batch_size: int = 1000,
                 predict: Any = None):
        super().__init__()
        self.predict = predict
        if not 0.0 < target <= 1.0:
            raise ValueError(f"target must be an accuracy in (0, 1], got {target!r}.")
        if not isinstance(evaluations_per_epoch, int) or evaluations_per_epoch < 1:
            raise ValueError("evaluations_per_epoch must be a positive integer, "
                             f"got {evaluations_per_epoch!r}.")
        self.x, self.y = x, np.asarray(y).reshape(-1)
        self.target, self.max_seconds, self.stop = float(target), max_seconds, stop
        self.steps_per_epoch = int(steps_per_epoch)
        self.every = max(1, self.steps_per_epoch // evaluations_per_epoch)
        self.batch_size = int(batch_size)
        self.history: list[dict[str, Any]] = []
        self.reached_seconds: float | None = None
        self.eval_seconds = 0.0
        self.eval_cpu_seconds = 0.0
        self._t0: float | None = None
        self._cpu0 = 0.0
        self._epoch = 0

    def start_clock(self) -> None:
        """Start the training clock now."""
        self._t0 = time.perf_counter()
        self._cpu0 = time.process_time()
        self.eval_seconds = self.eval_cpu_seconds = 0.0

    def training_seconds(self) -> float:
        """Seconds since the clock started, less the evaluation time."""
        return time.perf_counter() - self._t0 - self.eval_seconds

    def training_cpu_seconds(self) -> float:
        """CPU seconds of this process (all threads) since the clock started, less evaluation."""
        return time.process_time() - self._cpu0 - self.eval_cpu_seconds

    def on_train_begin(self, logs=None):
        if self._t0 is None:
            self.start_clock()

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        step = batch + 1
        last = step >= self.steps_per_epoch
        # Evaluate every `every` steps, skipping one that falls just before the epoch end.
        if last or (step % self.every == 0 and step + self.every // 2 < self.steps_per_epoch):
            self.evaluate(step)

    def evaluate(self, step: int) -> float:
        """Measure the accuracy now (not counted as training time) and maybe stop."""
        seconds, cpu_seconds = self.training_seconds(), self.training_cpu_seconds()
        start, cpu_start = time.perf_counter(), time.process_time()
        probabilities = (self.predict(self.x) if self.predict is not None
                         else self.model.predict(self.x, batch_size=self.batch_size, verbose=0))
        accuracy = float(np.mean(np.argmax(probabilities, axis=-1) == self.y))
        self.eval_seconds += time.perf_counter() - start
        self.eval_cpu_seconds += time.process_time() - cpu_start
        self.history.append({"epoch": self._epoch + step / self.steps_per_epoch,
                             "step": self._epoch * self.steps_per_epoch + step,
                             "seconds": seconds, "cpu_seconds": cpu_seconds,
                             "accuracy": accuracy})
        if accuracy >= self.target and self.reached_seconds is None:
            self.reached_seconds = seconds
            if self.stop:
                self.model.stop_training = True
        if self.max_seconds is not None and seconds >= self.max_seconds:
            self.model.stop_training = True
        return accuracy
