"""The MNIST recipes: a fast convnet for a CPU, and the keras-io baseline.

Lesson 05 trains to 99% on MNIST in the ``cpu`` profile with :func:`fast_mnist_recipe`;
``benchmarks/mnist_to_99.py`` times it against :func:`keras_io_mnist_recipe` (the
keras-io "Simple MNIST convnet") with :func:`course_utils.timing.train_to_accuracy`.

What makes the fast recipe fast on a CPU:

* the first convolution has stride 2, so every later layer works on 14x14 or 7x7 maps
  (the activations, not the multiply-adds, dominate a small network's step time);
* batch normalisation (momentum 0.9, so the running statistics keep up with a short
  run) and a one-cycle learning rate (:func:`course_utils.train.schedules.one_cycle`): 99% in about two epochs;
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
>>> result = timing.train_to_accuracy(recipe, x_train, y_train, x_test, y_test,
...                                   target=0.99)            # doctest: +SKIP
>>> result.seconds, result.best_accuracy                      # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import keras
import numpy as np
from keras import layers

from course_utils.registry import register_model
from course_utils.train import schedules
from course_utils.train.inputs import image_input
from course_utils.train.recipe import Recipe, steps_per_epoch

__all__ = ["fast_convnet", "fast_mnist_recipe", "keras_io_convnet", "keras_io_mnist_recipe"]


@register_model(paper="the course (lesson 06): a CPU-fast LeNet-family net", params=409_434,
                task="classify-only")
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
    inputs, x = image_input(input_shape)
    for i, (width, kernel) in enumerate(zip(filters, (5, 3)), start=1):
        x = layers.Conv2D(int(width), kernel, strides=2, padding="same", use_bias=False,
                          name=f"conv{i}")(x)                 # (N, 14, 14, f1), (N, 7, 7, f2)
        x = layers.BatchNormalization(momentum=bn_momentum, name=f"conv{i}_bn")(x)
        x = layers.ReLU(name=f"conv{i}_relu")(x)
    x = layers.Flatten(name="flatten")(x)                     # (N, 7 * 7 * f2)
    x = layers.Dense(int(dense_units), activation="relu", name="fc1")(x)
    outputs = layers.Dense(num_classes, activation="softmax", name="predictions")(x)
    return keras.Model(inputs, outputs, name=name)


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
    steps = epochs * steps_per_epoch(num_train_images, batch_size)
    model.compile(optimizer=keras.optimizers.Adam(schedules.one_cycle(
        peak_learning_rate, steps, warmup_fraction=0.25, start_fraction=0.05)),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return Recipe("fast_mnist", model, batch_size, epochs,
                  description=(f"fast_convnet ({model.count_params():,} params), Adam one-cycle "
                               f"peak {peak_learning_rate:g} over {epochs} epochs, batch "
                               f"{batch_size}, uint8 input"))


@register_model(paper="keras-io, \"Simple MNIST convnet\" (Chollet)", params=34_826,
                task="classify-only")
def keras_io_convnet(input_shape=(28, 28, 1), num_classes=10, *,
                     name: str = "keras_io_convnet") -> keras.Model:
    """The keras-io "Simple MNIST convnet": 2.44 M MACs at 28x28x1.

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


