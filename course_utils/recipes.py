"""Training recipes: a fast MNIST convnet, the keras-io baseline, and time-to-accuracy.

Lesson 05 trains to 99% on MNIST in the ``cpu`` profile with :func:`fast_mnist_recipe`;
``benchmarks/mnist_to_99.py`` times it against :func:`keras_io_mnist_recipe` (the
keras-io "Simple MNIST convnet") with :func:`train_to_accuracy`.

What makes the fast recipe fast on a CPU:

* the first convolution has stride 2, so every later layer works on 14x14 or 7x7 maps
  (the activations, not the multiply-adds, dominate a small network's step time);
* batch normalisation (momentum 0.9, so the running statistics keep up with a short
  run) and a one-cycle learning rate (:func:`one_cycle`): 99% in about two epochs;
* most parameters sit in a 256-unit dense layer: a matrix product, the work a CPU
  does best;
* images stay ``uint8`` until the model's first layer rescales them.

Measured on the 2-core course machine while developing it (shared, so roughly):
TensorFlow's default oneDNN kernels made this network's steps about 2x faster than
``TF_ENABLE_ONEDNN_OPTS=0`` (which the test suite sets to keep stderr quiet);
``jit_compile=True`` (XLA) was about 2x slower on TensorFlow's CPU, and the JAX
backend about 3x slower, so the recipe keeps Keras' default (``"auto"``: no XLA on a
CPU-only TensorFlow). Batch 128 beat 64 and 256 per image.

Example
-------
>>> recipe = fast_mnist_recipe(seed=0)                        # doctest: +SKIP
>>> result = train_to_accuracy(recipe, x_train, y_train, x_test, y_test,
...                            target=0.99)                   # doctest: +SKIP
>>> result.seconds, result.best_accuracy                      # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Sequence
from typing import Any

import keras
import numpy as np
from keras import layers

__all__ = [
    "Recipe", "TimeToAccuracy", "StopAtAccuracy", "one_cycle", "fast_convnet",
    "fast_mnist_recipe", "keras_io_convnet", "keras_io_mnist_recipe", "train_to_accuracy",
]


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
    """

    name: str
    model: keras.Model
    batch_size: int
    epochs: int
    validation_split: float = 0.0
    prepare: Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]] = (
        lambda x, y: (x, y))
    description: str = ""

    def fit(self, x: np.ndarray, y: np.ndarray, *, callbacks: Sequence | None = None,
            verbose: int = 0) -> keras.callbacks.History:
        """Prepare ``(x, y)`` and call ``model.fit`` with the recipe's settings."""
        x, y = self.prepare(x, y)
        return self.model.fit(x, y, batch_size=self.batch_size, epochs=self.epochs,
                              validation_split=self.validation_split,
                              callbacks=list(callbacks or []), verbose=verbose)


def one_cycle(peak_learning_rate: float, total_steps: int, *, warmup_fraction: float = 0.25,
              start_fraction: float = 0.05) -> keras.optimizers.schedules.LearningRateSchedule:
    """One-cycle learning rate: linear warm-up to the peak, then cosine decay to zero.

    Parameters
    ----------
    peak_learning_rate : float
    total_steps : int
        Training steps of the whole run (``epochs * steps_per_epoch``).
    warmup_fraction : float, default=0.25
        Fraction of the steps spent rising from ``start_fraction * peak`` to the peak.
    start_fraction : float, default=0.05

    Returns
    -------
    keras.optimizers.schedules.CosineDecay

    References
    ----------
    L. N. Smith, N. Topin, "Super-convergence: very fast training of neural networks
    using large learning rates", 2017. arXiv:1708.07120.
    """
    if not peak_learning_rate > 0:
        raise ValueError(f"peak_learning_rate must be positive, got {peak_learning_rate!r}.")
    if not isinstance(total_steps, (int, np.integer)) or total_steps < 2:
        raise ValueError(f"total_steps must be an integer >= 2, got {total_steps!r}.")
    if not 0.0 <= warmup_fraction < 1.0:
        raise ValueError(f"warmup_fraction must be in [0, 1), got {warmup_fraction!r}.")
    warmup = int(round(warmup_fraction * total_steps))
    return keras.optimizers.schedules.CosineDecay(
        start_fraction * peak_learning_rate, decay_steps=max(1, int(total_steps) - warmup),
        alpha=0.0, warmup_target=peak_learning_rate, warmup_steps=warmup)


def fast_convnet(input_shape=(28, 28, 1), num_classes=10, *, filters: Sequence[int] = (16, 32),
                 dense_units: int = 256, bn_momentum: float = 0.9,
                 name: str = "fast_convnet") -> keras.Model:
    """A LeNet-family convnet built for CPU speed: stride-2 convolutions and batch norm.

    uint8 image -> rescale to [0, 1] -> Conv 5x5 stride 2 (``filters[0]``) -> BN -> ReLU
    -> Conv 3x3 stride 2 (``filters[1]``) -> BN -> ReLU -> flatten -> Dense
    (``dense_units``) ReLU -> Dense softmax. Most parameters sit in ``fc1``: a dense
    layer is a matrix product, the cheapest kind of work on a CPU.

    Parameters
    ----------
    input_shape : tuple, default=(28, 28, 1)
        ``(height, width, channels)``; the input dtype is ``uint8``.
    num_classes : int, default=10
    filters : tuple of 2 ints, default=(16, 32)
    dense_units : int, default=256
    bn_momentum : float, default=0.9
        Lower than Keras' 0.99 so the running statistics follow a short run.
    name : str, default="fast_convnet"

    Notes
    -----
    409,434 parameters at 28x28x1 with the defaults (409,338 trainable: conv1 400,
    conv2 4,608, batch norms 96 + 96 moving statistics, fc1 401,664, predictions
    2,570); 708,160 multiply-adds per image (``course_utils.complexity``), against
    2,440,960 for :func:`keras_io_convnet`.
    """
    if len(tuple(input_shape)) != 3:
        raise ValueError(f"input_shape must be (height, width, channels), got {input_shape!r}.")
    if len(tuple(filters)) != 2 or any(int(f) < 1 for f in filters):
        raise ValueError(f"filters must be two positive integers, got {filters!r}.")
    inputs = keras.Input(tuple(input_shape), dtype="uint8", name="image")
    x = layers.Rescaling(1.0 / 255.0, name="rescale")(inputs)
    for i, (width, kernel) in enumerate(zip(filters, (5, 3)), start=1):
        x = layers.Conv2D(int(width), kernel, strides=2, padding="same", use_bias=False,
                          name=f"conv{i}")(x)                 # (N, 14, 14, f1), (N, 7, 7, f2)
        x = layers.BatchNormalization(momentum=bn_momentum, name=f"conv{i}_bn")(x)
        x = layers.ReLU(name=f"conv{i}_relu")(x)
    x = layers.Flatten(name="flatten")(x)                     # (N, 7 * 7 * f2)
    x = layers.Dense(int(dense_units), activation="relu", name="fc1")(x)
    outputs = layers.Dense(num_classes, activation="softmax", name="predictions")(x)
    return keras.Model(inputs, outputs, name=name)


def _steps_per_epoch(num_images: int, batch_size: int, validation_split: float = 0.0) -> int:
    train = num_images - int(num_images * validation_split)
    return max(1, -(-train // batch_size))


def fast_mnist_recipe(num_train_images: int = 60_000, *, epochs: int = 2, batch_size: int = 128,
                      peak_learning_rate: float = 6e-3, input_shape=(28, 28, 1),
                      num_classes: int = 10, seed: int = 0, **model_options: Any) -> Recipe:
    """The course's recipe for MNIST (and Fashion-MNIST) on a CPU.

    :func:`fast_convnet`, Adam with a :func:`one_cycle` schedule over ``epochs``,
    batch 128, uint8 images fed as they are, no validation split.

    Parameters
    ----------
    num_train_images : int, default=60000
        Size of the training set (sets the length of the schedule).
    epochs : int, default=2
    batch_size : int, default=128
    peak_learning_rate : float, default=6e-3
    input_shape : tuple, default=(28, 28, 1)
    num_classes : int, default=10
    seed : int, default=0
        Seeds the weights and the shuffling.
    **model_options
        Passed to :func:`fast_convnet` (``filters``, ``dense_units``, ``bn_momentum``).

    Returns
    -------
    Recipe
    """
    if not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"epochs must be a positive integer, got {epochs!r}.")
    keras.utils.set_random_seed(int(seed))
    model = fast_convnet(input_shape, num_classes, **model_options)
    steps = epochs * _steps_per_epoch(num_train_images, batch_size)
    model.compile(optimizer=keras.optimizers.Adam(one_cycle(peak_learning_rate, steps)),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return Recipe("fast_mnist", model, batch_size, epochs,
                  description=(f"fast_convnet ({model.count_params():,} params), Adam one-cycle "
                               f"peak {peak_learning_rate:g} over {epochs} epochs, batch "
                               f"{batch_size}, uint8 input"))


def keras_io_convnet(input_shape=(28, 28, 1), num_classes=10, *,
                     name: str = "keras_io_convnet") -> keras.Model:
    """The keras-io "Simple MNIST convnet": 34,826 parameters at 28x28x1, 2.44 M MACs.

    Conv 32 3x3 ReLU - max pool - Conv 64 3x3 ReLU - max pool - flatten - dropout 0.5 -
    Dense softmax, on float32 images in [0, 1].

    References
    ----------
    F. Chollet, "Simple MNIST convnet", keras.io/examples/vision/mnist_convnet (2015).
    """
    inputs = keras.Input(tuple(input_shape), name="image")
    x = layers.Conv2D(32, 3, activation="relu", name="conv1")(inputs)   # (N, 26, 26, 32)
    x = layers.MaxPooling2D(2, name="pool1")(x)                         # (N, 13, 13, 32)
    x = layers.Conv2D(64, 3, activation="relu", name="conv2")(x)        # (N, 11, 11, 64)
    x = layers.MaxPooling2D(2, name="pool2")(x)                         # (N, 5, 5, 64)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dropout(0.5, name="dropout")(x)
    outputs = layers.Dense(num_classes, activation="softmax", name="predictions")(x)
    return keras.Model(inputs, outputs, name=name)


def _keras_io_prepare(num_classes: int) -> Callable:
    def prepare(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return x.astype("float32") / 255.0, keras.utils.to_categorical(y, num_classes)
    return prepare


def keras_io_mnist_recipe(*, epochs: int = 15, batch_size: int = 128, input_shape=(28, 28, 1),
                          num_classes: int = 10, seed: int = 0) -> Recipe:
    """The keras-io recipe: :func:`keras_io_convnet`, Adam (1e-3), batch 128, 10% validation.

    Images are converted to float32 in [0, 1] and labels one-hot encoded before
    training, as in the example. keras-io trains 15 epochs.
    """
    keras.utils.set_random_seed(int(seed))
    model = keras_io_convnet(input_shape, num_classes)
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    return Recipe("keras_io", model, batch_size, epochs, validation_split=0.1,
                  prepare=_keras_io_prepare(num_classes),
                  description=f"keras-io Simple MNIST convnet ({model.count_params():,} params), "
                              f"Adam 1e-3, batch {batch_size}, validation split 0.1")


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
                 max_seconds: float | None = None, stop: bool = True, batch_size: int = 1000):
        super().__init__()
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
        probabilities = self.model.predict(self.x, batch_size=self.batch_size, verbose=0)
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
    steps = _steps_per_epoch(len(x_train), recipe.batch_size, recipe.validation_split)
    callback = StopAtAccuracy(x_eval, y_test, target, steps_per_epoch=steps,
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
