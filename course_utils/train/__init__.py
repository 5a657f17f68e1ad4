"""Training: one package, one path from settings to a result.

=================  ===========================================================================
``inputs``         the ``uint8`` image input and its ``Rescaling(1/255)``, written once
``losses``         cross-entropy with label smoothing for integer labels
``schedules``      one-cycle and warm-up/linear-decay schedules; schedules and optimisers by name
``loop``           the one call of ``model.fit``, with or without an augmentation pipeline
``fit``            :func:`fit_and_evaluate` (seeds as an argument) and :func:`compare`, one
                   result type, :class:`Run`
``callbacks``      :class:`StopAtAccuracy`
``recipe``         :class:`Recipe`: a compiled model and how to train it
``recipes``        the fast MNIST and CIFAR-10 recipes and their keras-io baselines
``timing``         time to a target accuracy, latency, training-step time
=================  ===========================================================================

Nothing here imports from the modules that depend on it: ``inputs``, ``losses``,
``schedules`` and ``loop`` import nothing of the package; ``fit`` and ``recipe`` import them;
``recipes`` and ``timing`` import ``recipe``. The older names ``course_utils.training``,
``course_utils.recipes``, ``course_utils.schedules`` and ``course_utils.timing`` are aliases
of these modules, kept for the lessons that use them.
"""

from __future__ import annotations

from course_utils.train.callbacks import StopAtAccuracy
from course_utils.train.fit import (Difference, Run, compare, difference, fit_and_evaluate,
                                   mean_and_spread, set_bn_momentum)
from course_utils.train.inputs import image_input, with_image_input
from course_utils.train.loop import fit_model, steps_per_epoch
from course_utils.train.losses import SmoothedSparseCrossentropy, classification_loss
from course_utils.train.recipe import Recipe
from course_utils.train.schedules import (
    OPTIMIZERS, SCHEDULES, make_optimizer, make_schedule, one_cycle, warmup_linear_decay,
)

__all__ = ["Run", "fit_and_evaluate", "compare", "mean_and_spread", "difference", "Difference",
           "set_bn_momentum",
           "image_input", "with_image_input", "fit_model", "steps_per_epoch",
           "SmoothedSparseCrossentropy", "classification_loss", "Recipe", "StopAtAccuracy",
           "make_optimizer", "make_schedule", "one_cycle", "warmup_linear_decay", "OPTIMIZERS",
           "SCHEDULES"]
