"""Controlled training runs: a network, a dataset split, settings, seeds, and what they reached.

The lessons compare networks and settings with everything else held fixed.
:func:`fit_and_evaluate` is that fixed part: it puts a network behind the ``uint8`` image
input (:mod:`.inputs`; the images are never copied to float), compiles it with a named
optimiser and a learning-rate schedule over the whole run (:mod:`.schedules`), trains on
``x_train`` (through an augmentation pipeline if given, :mod:`.loop`), and measures the
accuracy on the validation split (for choices) and on the test set (for the final number).
With ``seeds=(0, 1)`` it repeats the run per seed and answers with the same :class:`Run`,
which then reports the mean and the spread. :func:`compare` does so for several settings.

Example
-------
>>> ds = data.load("mnist", validation_split=0.1)                      # doctest: +SKIP
>>> run = train.fit_and_evaluate("lenet5_modern", ds, epochs=3, learning_rate=3e-3, seeds=(0, 1))
>>> run.val_accuracy, run.summary()                                    # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

import keras
import numpy as np

from course_utils.augment.mixing import mixes_labels
from course_utils.train.inputs import with_image_input
from course_utils.train.losses import classification_loss
from course_utils.train.loop import fit_model, steps_per_epoch
from course_utils.train.schedules import make_optimizer, make_schedule

__all__ = ["Run", "fit_and_evaluate", "compare", "mean_and_spread", "set_bn_momentum"]


def _mean(values: Sequence[float | None]) -> float | None:
    kept = [v for v in values if v is not None]
    return float(np.mean(kept)) if kept else None


@dataclasses.dataclass
class Run:
    """What a training run reached, over one seed or several.

    Every field holds one entry per seed. The properties read the mean over the seeds
    (one seed: its value); iterating over a run of several seeds yields one-seed runs, and
    ``run[0]`` is the first seed's.

    Attributes
    ----------
    models : list of keras.Model
    histories : list of dict of {str: list of float}
        Keras's per-epoch logs.
    val_accuracies, test_accuracies : list of float or None
        On the dataset's validation split and test set (None when absent).
    train_accuracies : list of float
        Last epoch's training accuracy (on augmented images when augmenting).
    seconds_per_seed : list of float
        Wall time of ``fit``.
    seeds : list of int
    settings : dict
    """

    models: list
    histories: list
    val_accuracies: list
    test_accuracies: list
    train_accuracies: list
    seconds_per_seed: list
    seeds: list
    settings: dict[str, Any]

    def __len__(self) -> int:
        return len(self.seeds)

    def __getitem__(self, index: int) -> Run:
        """The run of one seed (``run[-1]`` is the last), with that seed in its settings."""
        if not isinstance(index, (int, np.integer)):
            raise TypeError(f"a Run is indexed by seed position (an int), got {index!r}.")
        if not -len(self) <= index < len(self):
            raise IndexError(f"seed position {index} out of range for {len(self)} seed(s).")
        i = int(index) % len(self)
        settings = {k: v for k, v in self.settings.items() if k != "seeds"}
        return Run(*(getattr(self, f.name)[i:i + 1] for f in dataclasses.fields(self)
                     if f.name != "settings"), settings={**settings, "seed": self.seeds[i]})

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    @property
    def model(self) -> keras.Model:
        """The first seed's model."""
        return self.models[0]

    @property
    def history(self) -> dict[str, list[float]]:
        """The first seed's history."""
        return self.histories[0]

    @property
    def val_accuracy(self) -> float | None:
        return _mean(self.val_accuracies)

    @property
    def test_accuracy(self) -> float | None:
        return _mean(self.test_accuracies)

    @property
    def train_accuracy(self) -> float:
        return _mean(self.train_accuracies)

    @property
    def seconds(self) -> float:
        """Mean wall time of one seed's ``fit``."""
        return _mean(self.seconds_per_seed)

    @property
    def test_error(self) -> float | None:
        """Test error in percent."""
        return None if self.test_accuracy is None else 100 * (1 - self.test_accuracy)

    @property
    def val_error(self) -> float | None:
        """Validation error in percent."""
        return None if self.val_accuracy is None else 100 * (1 - self.val_accuracy)

    def summary(self) -> str:
        """``"validation 97.12% ± 0.08, test 97.01% ± 0.05 (2 seeds)"``: mean ± half-range."""
        parts = []
        for label, values in (("validation", self.val_accuracies), ("test", self.test_accuracies)):
            kept = [v for v in values if v is not None]
            if kept:
                parts.append(f"{label} {mean_and_spread(kept)}")
        count = len(self.seeds)
        return ", ".join(parts) + f" ({count} seed{'' if count == 1 else 's'})"


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


def _accuracy(model: keras.Model, x: np.ndarray | None, y: np.ndarray | None,
              predict: Callable | None) -> float | None:
    if x is None or y is None or len(x) == 0:
        return None
    if predict is not None:
        return float(np.mean(np.argmax(predict(model, x), axis=-1) == np.asarray(y).reshape(-1)))
    if isinstance(model.loss, keras.losses.CategoricalCrossentropy):   # trained on soft labels
        probabilities = model.predict(x, batch_size=1000, verbose=0)
        return float(np.mean(np.argmax(probabilities, axis=-1) == np.asarray(y).reshape(-1)))
    return float(model.evaluate(x, y, batch_size=1000, verbose=0, return_dict=True)["accuracy"])


def _record_to(record: str | os.PathLike | bool | None) -> str | None:
    """Where runs are recorded: ``record`` if a folder, ``$COURSE_RESULTS_DIR`` if None."""
    if record is False:
        return None
    if record is None or record is True:
        from course_utils.results import RESULTS_DIR_ENV

        return os.environ.get(RESULTS_DIR_ENV) or None
    return os.fspath(record)


def _one_seed(network: keras.Model | str | Callable, dataset: Any, seed: int, shape: tuple, *,
              epochs: int, batch_size: int, optimizer: str, learning_rate: float, schedule: str,
              warmup_fraction: float | None, weight_decay: float | None,
              label_smoothing: float, augmentation: Any, network_options: Mapping[str, Any],
              predict: Callable | None, callbacks: Sequence, verbose: int
              ) -> tuple[keras.Model, keras.Model, dict, float]:
    keras.utils.set_random_seed(int(seed))
    if callable(network) and not isinstance(network, keras.layers.Layer):
        network = network()                       # built after seeding: the seed sets the weights
    if isinstance(network, str):
        from course_utils import zoo

        network = zoo.get_model(network, input_shape=shape, num_classes=dataset.num_classes,
                                **dict(network_options))
    model = with_image_input(network, shape, dtype="uint8" if augmentation is None else "float32")
    total = int(epochs) * steps_per_epoch(len(dataset.x_train), batch_size)
    rate = make_schedule(schedule, learning_rate, total, warmup_fraction=warmup_fraction)
    soft = mixes_labels(augmentation)   # mixup / CutMix: one-hot soft labels in training
    model.compile(optimizer=make_optimizer(optimizer, rate, weight_decay=weight_decay),
                  loss=classification_loss(label_smoothing, soft_labels=soft), metrics=["accuracy"])
    start = time.perf_counter()
    history = fit_model(model, dataset.x_train, dataset.y_train, batch_size=batch_size,
                        epochs=epochs, augmentation=augmentation, seed=seed,
                        callbacks=callbacks, verbose=verbose)
    return network, model, history.history, time.perf_counter() - start


def fit_and_evaluate(network: keras.Model | str | Callable[[], keras.Model], dataset: Any, *,
                     epochs: int, batch_size: int = 128, optimizer: str = "adam",
                     learning_rate: float = 1e-3, schedule: str = "one_cycle",
                     warmup_fraction: float | None = None, weight_decay: float | None = None,
                     label_smoothing: float = 0.0, augmentation: Any = None, seed: int = 0,
                     seeds: Sequence[int] | None = None,
                     network_options: Mapping[str, Any] | None = None,
                     input_shape: Sequence[int] | None = None,
                     predict: Callable | None = None, callbacks: Sequence = (),
                     record: str | os.PathLike | bool | None = None, verbose: int = 0) -> Run:
    """Train a network on ``dataset`` (per seed) and measure it on its validation and test images.

    Parameters
    ----------
    network : keras.Model, str or callable
        A model whose input takes float images in [0, 1] (it is put behind a ``uint8``
        input and ``Rescaling``), a zoo name built for the dataset's shape and classes, or
        a function of no arguments that builds such a model (needed with several seeds, so
        that each seed starts from its own weights).
    dataset : course_utils.data.Dataset
        ``x_train, y_train`` train; ``x_val, y_val`` (if any) and ``x_test, y_test`` measure.
    epochs : int
    batch_size : int, default=128
    optimizer : {"sgd", "momentum", "nesterov", "adam", "adamw", "rmsprop"}, default="adam"
    learning_rate : float, default=1e-3
        The peak of the schedule.
    schedule : {"constant", "step", "multistep", "cosine", "one_cycle", "warmup_linear"}, default="one_cycle"
    warmup_fraction : float, optional
        Of a warm-up schedule; default the schedule's own (:mod:`.schedules`).
    weight_decay : float, optional
    label_smoothing : float, default=0.0
    augmentation : callable, optional
        A preset of :mod:`course_utils.augment`, applied by :func:`course_utils.augment.pipeline`
        on another thread (it sees uint8 images in [0, 255] and returns floats in that range);
        or a :class:`course_utils.augment.MixLabels` (mixup, CutMix), which mixes the labels
        too: the network then trains with the categorical cross-entropy on soft labels, and
        the training accuracy compares the prediction with the larger share of each mixture.
    seed : int, default=0
        Seeds the weights, the shuffling and the augmentation pipeline.
    seeds : sequence of int, optional
        Repeat the run once per seed (``seed`` is then ignored); the :class:`Run` reports
        the mean and the spread.
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
    record : path, bool or None, default=None
        Append each seed's run to ``<record>/runs.jsonl`` (:func:`course_utils.results.write_run`);
        ``None`` records only where ``$COURSE_RESULTS_DIR`` names a folder (the benchmark of
        the lessons sets it), ``False`` never.
    verbose : int, default=0

    Returns
    -------
    Run
    """
    if not isinstance(epochs, (int, np.integer)) or epochs < 1:
        raise ValueError(f"epochs must be a positive integer, got {epochs!r}.")
    seeds = [int(seed)] if seeds is None else [int(s) for s in seeds]
    if not seeds:
        raise ValueError("seeds must name at least one seed.")
    if len(seeds) > 1 and isinstance(network, keras.layers.Layer):
        raise ValueError("with several seeds, pass a zoo name or a function that builds the "
                         "network: one built model would continue training from seed to seed.")
    dtype = np.asarray(dataset.x_train[:1]).dtype
    if np.issubdtype(dtype, np.integer) and dtype != np.uint8:
        raise TypeError(f"fit_and_evaluate trains on images behind a uint8 input (0-255), but "
                        f"{getattr(dataset, 'name', 'the dataset')} holds {dtype} data, which that "
                        "input would wrap around. Scale it to float32 first, or compile and fit "
                        "the network yourself (lesson 19 does so for audio).")
    if network_options and not isinstance(network, str):
        raise ValueError("network_options apply to a zoo name, not to a built model.")
    shape = tuple(input_shape or dataset.x_train.shape[1:])
    folder = _record_to(record)
    fields: dict[str, list] = {f.name: [] for f in dataclasses.fields(Run) if f.name != "settings"}
    for run_seed in seeds:
        net, model, history, seconds = _one_seed(
            network, dataset, run_seed, shape, epochs=epochs, batch_size=batch_size,
            optimizer=optimizer, learning_rate=learning_rate, schedule=schedule,
            warmup_fraction=warmup_fraction, weight_decay=weight_decay,
            label_smoothing=label_smoothing, augmentation=augmentation,
            network_options=network_options or {}, predict=predict, callbacks=callbacks,
            verbose=verbose)
        one = Run([model], [{k: [float(v) for v in vals] for k, vals in history.items()}],
                  [_accuracy(model, getattr(dataset, "x_val", None),
                             getattr(dataset, "y_val", None), predict)],
                  [_accuracy(model, dataset.x_test, dataset.y_test, predict)],
                  [float(history["accuracy"][-1])], [seconds], [run_seed],
                  {"network": model.name, "epochs": int(epochs), "batch_size": batch_size,
                   "optimizer": optimizer, "learning_rate": learning_rate, "schedule": schedule,
                   "weight_decay": weight_decay, "label_smoothing": label_smoothing,
                   "augmentation": getattr(augmentation, "name", None), "seed": run_seed})
        if folder:
            from course_utils import results

            results.write_run(one, net, dataset, folder=folder)
        for name in fields:
            fields[name] += getattr(one, name)
    return Run(**fields, settings={**one.settings, "seed": seeds[0], "seeds": seeds})


def compare(settings: Mapping[str, Mapping[str, Any]], dataset: Any, *, seeds: Sequence[int] = (0,),
            report: bool = True, **common: Any) -> dict[str, Run]:
    """Run :func:`fit_and_evaluate` for every named setting, over ``seeds``.

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
    dict of {str: Run}
        Each :class:`Run` holds every seed (``len(run)``, ``run[0]``, iteration per seed).
    """
    runs: dict[str, Run] = {}
    for label, options in settings.items():
        merged = {**common, **options}
        network = merged.pop("network")
        runs[label] = fit_and_evaluate(network, dataset, seeds=seeds, **merged)
        if report:
            print(f"{label:<30} {runs[label].summary()}", flush=True)
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


class Difference(NamedTuple):
    """The difference of two arms' mean scores, and whether the seeds establish it."""

    points: float                 # mean(values) - mean(base), in points (or units)
    established: bool | None      # None: an arm has one seed, so no spread to compare with
    text: str                     # "+1.23 points (not established)"


def difference(values: Sequence[float], base: Sequence[float], *, percent: bool = True) -> Difference:
    """How far ``values`` lie from ``base`` (two arms' scores over seeds), said honestly.

    The difference is *established* when it is larger than the two arms' half-ranges over
    seeds combined (the ``±`` of :func:`mean_and_spread`); with two seeds per arm, the two
    arms' seeds then do not overlap. With one seed in either arm there is no spread, and the
    text says "one seed".
    """
    values, base = [float(v) for v in values], [float(b) for b in base]
    if not values or not base:
        raise ValueError(f"both arms need at least one score, got {len(values)} and {len(base)}.")
    scale = 100 if percent else 1
    points = scale * (float(np.mean(values)) - float(np.mean(base)))
    if len(values) < 2 or len(base) < 2:
        established, verdict = None, "one seed"
    else:
        spreads = scale * ((max(values) - min(values)) + (max(base) - min(base))) / 2
        established = bool(abs(points) > spreads)
        verdict = "established" if established else "not established"
    unit = " points" if percent else ""
    return Difference(points, established, f"{points:+.2f}{unit} ({verdict})")
