"""One controlled training run: a network, a dataset split, a schedule, and what it reached.

The lessons compare networks and settings with everything else held fixed.
:func:`fit_and_evaluate` is that fixed part: it wraps a network behind a ``uint8``
input and a ``Rescaling`` layer (the images are never copied to float), compiles it
with a named optimiser and a learning-rate schedule over the whole run, trains on
``x_train`` (through an augmentation pipeline if given), and measures the accuracy on
the validation split (for choices) and on the test set (for the final number).
:func:`compare` repeats it over seeds and settings.

Example
-------
>>> ds = data.load("mnist", validation_split=0.1)                      # doctest: +SKIP
>>> run = training.fit_and_evaluate("lenet5_modern", ds, epochs=3, learning_rate=3e-3)
>>> run.val_accuracy, run.test_accuracy                                # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import keras
import numpy as np

from course_utils import results, schedules
from course_utils.recipes._recipe import steps_per_epoch

__all__ = ["Run", "fit_and_evaluate", "with_uint8_input", "make_optimizer", "make_schedule",
           "compare", "mean_and_spread", "set_bn_momentum"]

OPTIMIZERS = ("sgd", "momentum", "nesterov", "adam", "adamw", "rmsprop")
SCHEDULES = ("constant", "step", "multistep", "cosine", "one_cycle", "warmup_linear")


@dataclasses.dataclass
class Run:
    """What one training run reached.

    Attributes
    ----------
    model : keras.Model
    history : dict of {str: list of float}
        Keras's per-epoch logs.
    val_accuracy, test_accuracy : float or None
        On the dataset's validation split and test set (None when absent).
    train_accuracy : float
        Last epoch's training accuracy (on augmented images when augmenting).
    seconds : float
        Wall time of ``fit``.
    settings : dict
    """

    model: keras.Model
    history: dict[str, list[float]]
    val_accuracy: float | None
    test_accuracy: float | None
    train_accuracy: float
    seconds: float
    settings: dict[str, Any]

    @property
    def test_error(self) -> float | None:
        """Test error in percent."""
        return None if self.test_accuracy is None else 100 * (1 - self.test_accuracy)

    @property
    def val_error(self) -> float | None:
        """Validation error in percent."""
        return None if self.val_accuracy is None else 100 * (1 - self.val_accuracy)


def with_uint8_input(network: keras.Model, input_shape: Sequence[int],
                     name: str | None = None, dtype: str = "uint8") -> keras.Model:
    """``network`` behind an image input (``uint8`` by default) and ``Rescaling(1/255)``."""
    inputs = keras.Input(tuple(input_shape), dtype=dtype, name="image")
    x = keras.layers.Rescaling(1 / 255, name="rescale")(inputs)
    return keras.Model(inputs, network(x), name=name or network.name)


def set_bn_momentum(network: keras.Model, momentum: float = 0.9) -> keras.Model:
    """Set the momentum of every ``BatchNormalization`` layer of ``network`` (nested too).

    Keras's default 0.99 averages the batch statistics over about 100 steps; a run of a
    few hundred steps then evaluates with running statistics that lag behind the weights
    (lesson 10). 0.9 lets them catch up. Returns ``network``, changed in place.
    """
    if not 0 <= momentum < 1:
        raise ValueError(f"momentum must be in [0, 1), got {momentum!r}.")
    for layer in network.layers:
        if isinstance(layer, keras.Model):
            set_bn_momentum(layer, momentum)
        elif isinstance(layer, keras.layers.BatchNormalization):
            layer.momentum = float(momentum)
    return network


def make_schedule(kind: str, learning_rate: float, total_steps: int, *,
                  warmup_fraction: float = 0.1, start_fraction: float = 0.1):
    """A learning rate or schedule over ``total_steps``.

    ``"constant"``; ``"step"``: divided by 10 after two thirds of the steps (AlexNet's
    manual schedule); ``"multistep"``: divided by 10 at half and again at three quarters of
    the steps (the CIFAR-10 ResNets: 32k and 48k of 64k iterations); ``"cosine"``: cosine decay to 0; ``"one_cycle"``
    (:func:`course_utils.schedules.one_cycle`) and ``"warmup_linear"``
    (:func:`course_utils.schedules.warmup_linear_decay`) warm up first.
    """
    if kind not in SCHEDULES:
        raise ValueError(f"schedule must be one of {SCHEDULES}, got {kind!r}.")
    if kind == "constant":
        return float(learning_rate)
    if kind == "step":
        return keras.optimizers.schedules.PiecewiseConstantDecay(
            [max(1, int(total_steps * 2 / 3))], [float(learning_rate), float(learning_rate) / 10])
    if kind == "multistep":
        rate = float(learning_rate)
        return keras.optimizers.schedules.PiecewiseConstantDecay(
            [max(1, total_steps // 2), max(2, total_steps * 3 // 4)], [rate, rate / 10, rate / 100])
    if kind == "cosine":
        return keras.optimizers.schedules.CosineDecay(float(learning_rate), max(1, total_steps))
    if kind == "one_cycle":
        return schedules.one_cycle(learning_rate, max(2, total_steps),
                                   warmup_fraction=warmup_fraction, start_fraction=start_fraction)
    return schedules.warmup_linear_decay(learning_rate, max(2, total_steps),
                                         warmup_fraction=warmup_fraction,
                                         start_fraction=start_fraction)


def make_optimizer(name: str, learning_rate: Any, *, weight_decay: float | None = None,
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
        return keras.optimizers.AdamW(learning_rate, **({"weight_decay": weight_decay}
                                                        if weight_decay is not None else {}))
    return keras.optimizers.RMSprop(learning_rate, **decay)


def _accuracy(model: keras.Model, x: np.ndarray | None, y: np.ndarray | None,
              predict: Callable | None) -> float | None:
    if x is None or y is None or len(x) == 0:
        return None
    if predict is not None:
        return float(np.mean(np.argmax(predict(model, x), axis=-1) == np.asarray(y)))
    return float(model.evaluate(x, y, batch_size=1000, verbose=0, return_dict=True)["accuracy"])


def fit_and_evaluate(network: keras.Model | str, dataset: Any, *, epochs: int,
                     batch_size: int = 128, optimizer: str = "adam",
                     learning_rate: float = 1e-3, schedule: str = "one_cycle",
                     warmup_fraction: float = 0.1, weight_decay: float | None = None,
                     label_smoothing: float = 0.0, augmentation: Any = None, seed: int = 0,
                     network_options: Mapping[str, Any] | None = None,
                     input_shape: Sequence[int] | None = None,
                     predict: Callable | None = None, callbacks: Sequence = (),
                     verbose: int = 0) -> Run:
    """Train one network on ``dataset`` and measure it on its validation and test images.

    Parameters
    ----------
    network : keras.Model or str
        A model whose input takes float images in [0, 1] (it is wrapped behind a ``uint8``
        input and ``Rescaling``), or a zoo name built for the dataset's shape and classes.
    dataset : course_utils.data.Dataset
        ``x_train, y_train`` train; ``x_val, y_val`` (if any) and ``x_test, y_test`` measure.
    epochs : int
    batch_size : int, default=128
    optimizer : {"sgd", "momentum", "nesterov", "adam", "adamw", "rmsprop"}, default="adam"
    learning_rate : float, default=1e-3
        The peak of the schedule.
    schedule : {"constant", "step", "multistep", "cosine", "one_cycle", "warmup_linear"}, default="one_cycle"
    warmup_fraction : float, default=0.1
    weight_decay : float, optional
    label_smoothing : float, default=0.0
    augmentation : callable, optional
        A preset of :mod:`course_utils.augment`, applied by :func:`course_utils.augment.pipeline`
        on another thread (it sees uint8 images in [0, 255] and returns floats in that range).
    seed : int, default=0
        Seeds the weights, the shuffling and the augmentation pipeline.
    network_options : dict, optional
        Passed to the zoo builder when ``network`` is a name.
    input_shape : tuple, optional
        The images the network sees, when the augmentation changes their size (random
        crops); default: the dataset's. The input is ``uint8`` without augmentation and
        ``float32`` with it (augmented values may leave [0, 255]).
    predict : callable, optional
        ``predict(model, x) -> probabilities`` for the measurements (for example test-time
        augmentation); default ``model.evaluate``.
    callbacks : sequence of keras.callbacks.Callback
    verbose : int, default=0

    Returns
    -------
    Run
    """
    if not isinstance(epochs, (int, np.integer)) or epochs < 1:
        raise ValueError(f"epochs must be a positive integer, got {epochs!r}.")
    dtype = np.asarray(dataset.x_train[:1]).dtype
    if np.issubdtype(dtype, np.integer) and dtype != np.uint8:
        raise TypeError(f"fit_and_evaluate trains on images behind a uint8 input (0-255), but "
                        f"{getattr(dataset, 'name', 'the dataset')} holds {dtype} data, which that "
                        "input would wrap around. Scale it to float32 first, or compile and fit "
                        "the network yourself (lesson 19 does so for audio).")
    keras.utils.set_random_seed(int(seed))
    shape = tuple(input_shape or dataset.x_train.shape[1:])
    if isinstance(network, str):
        from course_utils import zoo

        network = zoo.get_model(network, input_shape=shape, num_classes=dataset.num_classes,
                                **dict(network_options or {}))
    elif network_options:
        raise ValueError("network_options apply to a zoo name, not to a built model.")
    model = with_uint8_input(network, shape, dtype="uint8" if augmentation is None else "float32")
    total = int(epochs) * steps_per_epoch(len(dataset.x_train), batch_size)
    lr = make_schedule(schedule, learning_rate, total, warmup_fraction=warmup_fraction)
    loss = (_SmoothedSparseCrossentropy(label_smoothing) if label_smoothing
            else "sparse_categorical_crossentropy")
    model.compile(optimizer=make_optimizer(optimizer, lr, weight_decay=weight_decay), loss=loss,
                  metrics=["accuracy"])
    start = time.perf_counter()
    if augmentation is None:
        history = model.fit(dataset.x_train, dataset.y_train, batch_size=batch_size,
                            epochs=int(epochs), callbacks=list(callbacks), verbose=verbose)
    else:
        from course_utils import augment

        batches = augment.pipeline(dataset.x_train, dataset.y_train, augmentation,
                                   batch_size=batch_size, seed=seed)
        history = model.fit(batches, epochs=int(epochs), callbacks=list(callbacks),
                            verbose=verbose)
    seconds = time.perf_counter() - start
    settings = {"network": model.name, "epochs": int(epochs), "batch_size": batch_size,
                "optimizer": optimizer, "learning_rate": learning_rate, "schedule": schedule,
                "weight_decay": weight_decay, "label_smoothing": label_smoothing,
                "augmentation": getattr(augmentation, "name", None), "seed": seed}
    run = Run(model, {k: [float(v) for v in vals] for k, vals in history.history.items()},
              _accuracy(model, getattr(dataset, "x_val", None), getattr(dataset, "y_val", None),
                        predict),
              _accuracy(model, dataset.x_test, dataset.y_test, predict),
              float(history.history["accuracy"][-1]), seconds, settings)
    results.write_run(run, network, dataset)   # only when $COURSE_RESULTS_DIR is set
    return run


class _SmoothedSparseCrossentropy(keras.losses.Loss):
    """Cross-entropy with label smoothing for integer labels (backend-agnostic)."""

    def __init__(self, label_smoothing: float, name: str = "smoothed_crossentropy"):
        super().__init__(name=name)
        self.label_smoothing = float(label_smoothing)

    def call(self, y_true, y_pred):
        ops = keras.ops
        classes = ops.shape(y_pred)[-1]
        one_hot = ops.one_hot(ops.cast(ops.reshape(y_true, (-1,)), "int32"), classes)
        smooth = one_hot * (1 - self.label_smoothing) + self.label_smoothing / classes
        return keras.losses.categorical_crossentropy(smooth, y_pred)


def compare(settings: Mapping[str, Mapping[str, Any]], dataset: Any, *, seeds: Sequence[int] = (0,),
            report: bool = True, **common: Any) -> dict[str, list[Run]]:
    """Run :func:`fit_and_evaluate` for every named setting and seed.

    Parameters
    ----------
    settings : dict of {str: dict}
        Label -> keyword arguments that differ (``network``, ``learning_rate``, ...).
    dataset : Dataset
    seeds : sequence of int, default=(0,)
    report : bool, default=True
        Print one line per setting: validation and test accuracy over the seeds.
    **common
        Keyword arguments shared by every run (``epochs``, ...).

    Returns
    -------
    dict of {str: list of Run}
    """
    runs: dict[str, list[Run]] = {}
    for label, options in settings.items():
        merged = {**common, **options}
        network = merged.pop("network")
        runs[label] = [fit_and_evaluate(network, dataset, seed=seed, **merged) for seed in seeds]
        if report:
            val = [r.val_accuracy for r in runs[label] if r.val_accuracy is not None]
            test = [r.test_accuracy for r in runs[label]]
            parts = [f"test {mean_and_spread(test)}"]
            if val:
                parts.insert(0, f"validation {mean_and_spread(val)}")
            print(f"{label:<30} " + ", ".join(parts) + f" ({len(seeds)} seed(s))", flush=True)
    return runs


def mean_and_spread(values: Sequence[float], *, percent: bool = True) -> str:
    """``"97.12% ± 0.08"``: the mean and the half-range over seeds (or just the value)."""
    values = [float(v) for v in values]
    scale = 100 if percent else 1
    unit = "%" if percent else ""
    mean = scale * float(np.mean(values))
    if len(values) == 1:
        return f"{mean:.2f}{unit}"
    half_range = scale * (max(values) - min(values)) / 2
    return f"{mean:.2f}{unit} ± {half_range:.2f}"
