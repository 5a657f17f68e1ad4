"""Learning-rate schedules and optimisers by name: one set of defaults for every run.

``one_cycle`` warms up linearly to a peak and decays by a cosine to zero (the default of
:func:`course_utils.train.fit_and_evaluate`); ``warmup_linear_decay`` warms up and decays
linearly to zero (the CIFAR-10 recipe, after the CIFAR-10 speed-run literature). Both return
Keras ``LearningRateSchedule`` objects that work on every backend. :func:`make_schedule`
and :func:`make_optimizer` build them from the names a recipe or a lesson gives; a
schedule's defaults are its function's, whoever calls it.
"""

from __future__ import annotations

import keras
import numpy as np

__all__ = ["one_cycle", "warmup_linear_decay", "WarmupLinearDecay", "make_schedule",
           "make_optimizer", "SCHEDULES", "OPTIMIZERS"]

OPTIMIZERS = ("sgd", "momentum", "nesterov", "adam", "adamw", "rmsprop")
SCHEDULES = ("constant", "step", "multistep", "cosine", "one_cycle", "warmup_linear")


def _check(peak_learning_rate: float, total_steps: int, warmup_fraction: float) -> None:
    if not peak_learning_rate > 0:
        raise ValueError(f"peak_learning_rate must be positive, got {peak_learning_rate!r}.")
    if not isinstance(total_steps, (int, np.integer)) or total_steps < 2:
        raise ValueError(f"total_steps must be an integer >= 2, got {total_steps!r}.")
    if not 0.0 <= warmup_fraction < 1.0:
        raise ValueError(f"warmup_fraction must be in [0, 1), got {warmup_fraction!r}.")


def one_cycle(peak_learning_rate: float, total_steps: int, *, warmup_fraction: float = 0.1,
              start_fraction: float = 0.1) -> keras.optimizers.schedules.LearningRateSchedule:
    """One-cycle learning rate: linear warm-up to the peak, then cosine decay to zero.

    Parameters
    ----------
    peak_learning_rate : float
    total_steps : int
        Training steps of the whole run (``epochs * steps_per_epoch``).
    warmup_fraction : float, default=0.1
        Fraction of the steps spent rising from ``start_fraction * peak`` to the peak.
    start_fraction : float, default=0.1

    Returns
    -------
    keras.optimizers.schedules.CosineDecay

    References
    ----------
    L. N. Smith, N. Topin, "Super-convergence: very fast training of neural networks
    using large learning rates", 2017. arXiv:1708.07120.
    """
    _check(peak_learning_rate, total_steps, warmup_fraction)
    warmup = int(round(warmup_fraction * total_steps))
    return keras.optimizers.schedules.CosineDecay(
        start_fraction * peak_learning_rate, decay_steps=max(1, int(total_steps) - warmup),
        alpha=0.0, warmup_target=peak_learning_rate, warmup_steps=warmup)


@keras.saving.register_keras_serializable(package="course_utils")
class WarmupLinearDecay(keras.optimizers.schedules.LearningRateSchedule):
    """Linear warm-up from ``start_fraction * peak`` to ``peak``, then linear decay to
    ``end_fraction * peak`` at ``total_steps`` (constant after)."""

    def __init__(self, peak_learning_rate: float, total_steps: int, warmup_steps: int,
                 start_fraction: float = 0.0, end_fraction: float = 0.0):
        self.peak_learning_rate = float(peak_learning_rate)
        self.total_steps = int(total_steps)
        self.warmup_steps = int(warmup_steps)
        self.start_fraction = float(start_fraction)
        self.end_fraction = float(end_fraction)

    def __call__(self, step):
        ops = keras.ops
        step = ops.cast(step, "float32")
        peak = self.peak_learning_rate
        warm = max(self.warmup_steps, 1)
        rising = peak * (self.start_fraction + (1 - self.start_fraction) * step / warm)
        left = ops.maximum(0.0, (self.total_steps - step) / max(self.total_steps - warm, 1))
        falling = peak * (self.end_fraction + (1 - self.end_fraction) * ops.minimum(left, 1.0))
        return ops.where(step < self.warmup_steps, rising, falling)

    def get_config(self):
        return {"peak_learning_rate": self.peak_learning_rate, "total_steps": self.total_steps,
                "warmup_steps": self.warmup_steps, "start_fraction": self.start_fraction,
                "end_fraction": self.end_fraction}


def warmup_linear_decay(peak_learning_rate: float, total_steps: int, *,
                        warmup_fraction: float = 0.2, start_fraction: float = 0.1,
                        end_fraction: float = 0.0) -> WarmupLinearDecay:
    """Linear warm-up to the peak, then linear decay: a triangle over the run.

    Parameters
    ----------
    peak_learning_rate : float
    total_steps : int
        Training steps of the whole run.
    warmup_fraction : float, default=0.2
        Fraction of the steps spent rising from ``start_fraction * peak``.
    start_fraction, end_fraction : float, default=0.1, 0.0
        Learning rate at the first and at the last step, as fractions of the peak.

    Returns
    -------
    WarmupLinearDecay

    References
    ----------
    K. Jordan, "94% on CIFAR-10 in 3.29 seconds on a single GPU" (airbench), 2024.
    arXiv:2404.00498.
    """
    _check(peak_learning_rate, total_steps, warmup_fraction)
    return WarmupLinearDecay(peak_learning_rate, int(total_steps),
                             int(round(warmup_fraction * total_steps)), start_fraction,
                             end_fraction)


def make_schedule(kind: str, learning_rate: float, total_steps: int, *,
                  warmup_fraction: float | None = None, start_fraction: float | None = None):
    """A learning rate or schedule over ``total_steps``.

    ``"constant"``; ``"step"``: divided by 10 after two thirds of the steps (AlexNet's
    manual schedule); ``"multistep"``: divided by 10 at half and again at three quarters of
    the steps (the CIFAR-10 ResNets: 32k and 48k of 64k iterations); ``"cosine"``: cosine
    decay to 0; ``"one_cycle"`` (:func:`one_cycle`) and ``"warmup_linear"``
    (:func:`warmup_linear_decay`) warm up first, with their functions' defaults unless
    ``warmup_fraction`` / ``start_fraction`` are given.
    """
    if kind not in SCHEDULES:
        raise ValueError(f"schedule must be one of {SCHEDULES}, got {kind!r}.")
    rate = float(learning_rate)
    if kind == "constant":
        return rate
    if kind == "step":
        return keras.optimizers.schedules.PiecewiseConstantDecay(
            [max(1, int(total_steps * 2 / 3))], [rate, rate / 10])
    if kind == "multistep":
        return keras.optimizers.schedules.PiecewiseConstantDecay(
            [max(1, total_steps // 2), max(2, total_steps * 3 // 4)], [rate, rate / 10, rate / 100])
    if kind == "cosine":
        return keras.optimizers.schedules.CosineDecay(rate, max(1, total_steps))
    options = {k: v for k, v in (("warmup_fraction", warmup_fraction),
                                 ("start_fraction", start_fraction)) if v is not None}
    build = one_cycle if kind == "one_cycle" else warmup_linear_decay
    return build(rate, max(2, total_steps), **options)


def make_optimizer(name: str, learning_rate, *, weight_decay: float | None = None,
                   momentum: float = 0.9) -> keras.optimizers.Optimizer:
    """A Keras optimiser by name: ``sgd`` (plain), ``momentum``, ``nesterov``, ``adam``,
    ``adamw`` or ``rmsprop``; ``learning_rate`` may be a schedule."""
    if name not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got {name!r}.")
    decay = {} if weight_decay is None else {"weight_decay": weight_decay}
    if name == "sgd":
        return keras.optimizers.SGD(learning_rate, **decay)
    if name in ("momentum", "nesterov"):
        return keras.optimizers.SGD(learning_rate, momentum=momentum,
                                    nesterov=name == "nesterov", **decay)
    if name == "adam":
        return keras.optimizers.Adam(learning_rate, **decay)
    if name == "adamw":
        return keras.optimizers.AdamW(learning_rate, **decay)
    return keras.optimizers.RMSprop(learning_rate, **decay)
