"""The CIFAR-10 recipes: a fast network for a 2-core CPU, and the Keras ResNet-20 example.

What makes the course recipe fast here, taken from the CIFAR-10 speed-run literature
(airbench, hlb-CIFAR10) and measured on these 2 cores (``benchmarks/cifar10.py``):

* a VGG-like network of three blocks (conv, max pool, batch norm, ReLU, conv, batch
  norm, ReLU) at 64/128/128 channels, and a global max pool: few layers at low
  resolution, so the cores spend their time in large matrix products (GELU, as in
  airbench, reached the same accuracy here and made steps about 20% slower);
* a frozen first layer that *whitens* 2x2 patches (its 24 filters are the
  eigenvectors of the training images' patch covariance, scaled by
  ``1/sqrt(eigenvalue)``, with their negatives): the next layers see decorrelated input;
* ``mixed_bfloat16`` on the CPU's AVX512-BF16 units (about 1.4x faster steps here),
  with the classifier in float32; batch norm momentum 0.9 for a short run;
* SGD with Nesterov momentum, a linear warm-up and decay of the learning rate
  (:func:`course_utils.schedules.warmup_linear_decay`), label smoothing 0.2, weight decay;
* flips and 2-pixel reflected shifts (:func:`course_utils.augment.flip_translate`),
  made off the training step, and flip test-time augmentation.

The baseline, :func:`keras_resnet20_recipe`, is the Keras example "ResNet-20 v1 on
CIFAR-10": the zoo's ``resnet20`` (option-A shortcuts here), Adam 1e-3, batch 32,
shifts of 10% and flips, the per-pixel training mean subtracted.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import keras
import numpy as np
from keras import layers

from course_utils import augment
from course_utils.registry import register_model
from course_utils.train import schedules
from course_utils.train.inputs import image_input
from course_utils.train.losses import classification_loss
from course_utils.train.recipe import Recipe, steps_per_epoch

__all__ = ["whitening_filters", "fast_cifar_net", "fast_cifar_recipe", "keras_resnet20_recipe"]


def whitening_filters(images: np.ndarray, *, patch: int = 2, epsilon: float = 1e-2,
                      sample: int = 5_000, seed: int = 0, mean=None, std=None) -> np.ndarray:
    """Convolution filters that whiten ``patch x patch`` patches of ``images``.

    Parameters
    ----------
    images : ndarray, shape (N, H, W, C)
        uint8 training images.
    patch : int, default=2
    epsilon : float, default=1e-2
        Added to the eigenvalues: keeps the noisy low-variance directions from exploding.
    sample : int, default=5000
        Images used for the covariance.
    seed : int, default=0
    mean, std : array-like of C floats, optional
        The per-channel normalisation the network applies before the filters (values in
        [0, 1] scale); default: the sample's own.

    Returns
    -------
    ndarray, shape (patch, patch, C, 2 * patch * patch * C)
        The eigenvectors of the patch covariance divided by the square root of their
        eigenvalues, and their negatives (so that a ReLU-like unit sees both signs).
    """
    images = np.asarray(images)
    if images.ndim != 4:
        raise ValueError(f"images must be (N, H, W, C), got shape {images.shape}.")
    rng = np.random.default_rng(seed)
    pick = images[rng.choice(len(images), min(sample, len(images)), replace=False)]
    x = pick.astype(np.float64) / (255.0 if images.dtype == np.uint8 else 1.0)
    mean = x.reshape(-1, x.shape[-1]).mean(axis=0) if mean is None else np.asarray(mean)
    std = x.reshape(-1, x.shape[-1]).std(axis=0) if std is None else np.asarray(std)
    x = (x - mean) / std
    windows = np.lib.stride_tricks.sliding_window_view(x, (patch, patch), axis=(1, 2))
    channels = x.shape[-1]
    patches = windows.transpose(0, 1, 2, 4, 5, 3).reshape(-1, patch * patch * channels)
    values, vectors = np.linalg.eigh(np.cov(patches, rowvar=False))
    filters = vectors / np.sqrt(values + epsilon)
    filters = np.concatenate([filters, -filters], axis=1)
    return filters.reshape(patch, patch, channels, -1).astype(np.float32)


@register_model(paper="the course, after the CIFAR-10 speed runs (Page; Jordan)", params=570_922,
                task="classify-only")
def fast_cifar_net(input_shape: Sequence[int] = (32, 32, 3), num_classes: int = 10, *,
                   widths: Sequence[int] = (64, 128, 128), whitening: np.ndarray | None = None,
                   mean: Sequence[float] = (0.4914, 0.4822, 0.4465),
                   std: Sequence[float] = (0.2470, 0.2435, 0.2616), activation: str = "relu",
                   bn_momentum: float = 0.9, precision: str = "mixed_bfloat16",
                   name: str = "fast_cifar_net") -> keras.Model:
    """The course's CIFAR-10 network, built for a CPU.

    image (values 0-255) -> normalise -> 2x2 whitening conv (frozen, 24 maps) -> ReLU ->
    3 x [conv 3x3 -> max pool 2 -> BN -> ReLU -> conv 3x3 -> BN -> ReLU] -> global max
    pool -> dense softmax (float32).

    Parameters
    ----------
    input_shape : tuple, default=(32, 32, 3)
    num_classes : int, default=10
    widths : sequence of int, default=(64, 128, 128)
    whitening : ndarray, optional
        Filters from :func:`whitening_filters`; without them the first layer is an
        ordinary trainable 2x2 convolution of 24 maps.
    mean, std : sequence of float
        Per-channel statistics in [0, 1] scale (default: CIFAR-10's).
    activation : str, default="relu"
    bn_momentum : float, default=0.9
    precision : {"mixed_bfloat16", "float32", "mixed_float16"}, default="mixed_bfloat16"
        Dtype policy of every layer but the classifier (per layer: the global policy is
        left alone).
    name : str

    Notes
    -----
    With whitening, the 288 weights of the 2x2 filters are frozen, and the batch norms'
    1,280 moving statistics are never trained; 54,223,904 MACs per image at the defaults
    (``course_utils.complexity``).

    References
    ----------
    K. Jordan, "94% on CIFAR-10 in 3.29 seconds on a single GPU", 2024 (airbench).
    arXiv:2404.00498.
    """
    if len(tuple(input_shape)) != 3:
        raise ValueError(f"input_shape must be (height, width, channels), got {input_shape!r}.")
    if not widths or any(int(w) < 1 for w in widths):
        raise ValueError(f"widths must be positive integers, got {widths!r}.")
    stem_filters = 2 * 2 * 2 * input_shape[-1]
    if whitening is not None and tuple(whitening.shape) != (2, 2, input_shape[-1], stem_filters):
        raise ValueError(f"whitening must have shape (2, 2, {input_shape[-1]}, {stem_filters}), "
                         f"got {tuple(whitening.shape)}.")
    policy = keras.DTypePolicy(precision)
    inputs, x = image_input(input_shape, dtype="float32")
    x = layers.Normalization(mean=list(mean), variance=[s * s for s in std], name="normalize")(x)
    stem = layers.Conv2D(stem_filters, 2, use_bias=False, dtype=policy, name="whiten",
                         trainable=whitening is None)
    x = layers.Activation(activation, dtype=policy, name="whiten_act")(stem(x))   # (N, 31, 31, 24)
    if whitening is not None:
        stem.set_weights([whitening])
    for i, width in enumerate(widths, start=1):
        x = layers.Conv2D(int(width), 3, padding="same", use_bias=False, dtype=policy,
                          name=f"block{i}_conv1")(x)
        x = layers.MaxPooling2D(2, dtype=policy, name=f"block{i}_pool")(x)       # halves H, W
        x = layers.BatchNormalization(momentum=bn_momentum, dtype=policy, name=f"block{i}_bn1")(x)
        x = layers.Activation(activation, dtype=policy, name=f"block{i}_act1")(x)
        x = layers.Conv2D(int(width), 3, padding="same", use_bias=False, dtype=policy,
                          name=f"block{i}_conv2")(x)
        x = layers.BatchNormalization(momentum=bn_momentum, dtype=policy, name=f"block{i}_bn2")(x)
        x = layers.Activation(activation, dtype=policy, name=f"block{i}_act2")(x)
    x = layers.GlobalMaxPooling2D(dtype=policy, name="pool")(x)                    # (N, widths[-1])
    x = layers.Dense(num_classes, dtype="float32", name="logits")(x)
    outputs = layers.Activation("softmax", dtype="float32", name="predictions")(x)
    return keras.Model(inputs, outputs, name=name)


def fast_cifar_recipe(x_train: np.ndarray, *, epochs: int = 10, batch_size: int = 256,
                      peak_learning_rate: float = 0.1, weight_decay: float = 5e-4,
                      label_smoothing: float = 0.2, shift: int = 2, whiten: bool = True,
                      tta: str | None = "flip", seed: int = 0, num_classes: int = 10,
                      **network_options: Any) -> Recipe:
    """The course's CIFAR-10 recipe for a CPU (see the module docstring).

    Parameters
    ----------
    x_train : ndarray of uint8, shape (N, 32, 32, 3)
        The training images: their number sets the schedule, and (with ``whiten``)
        their patch statistics the first layer.
    epochs : int, default=10
        About 9 minutes of training on the course's 2 cores.
    batch_size : int, default=256
    peak_learning_rate : float, default=0.1
    weight_decay : float, default=5e-4
    label_smoothing : float, default=0.2
    shift : int, default=2
        Pixels of the random reflected shift (0: flips only).
    whiten : bool, default=True
    tta : {None, "flip", "five", "ten"}, default="flip"
    seed : int, default=0
    num_classes : int, default=10
    **network_options
        Passed to :func:`fast_cifar_net` (``widths``, ``activation``, ``precision``, ...).

    Returns
    -------
    Recipe
    """
    if not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"epochs must be a positive integer, got {epochs!r}.")
    keras.utils.set_random_seed(int(seed))
    x_train = np.asarray(x_train)
    mean = x_train[:10_000].reshape(-1, x_train.shape[-1]).mean(axis=0) / 255.0
    std = x_train[:10_000].reshape(-1, x_train.shape[-1]).std(axis=0) / 255.0
    filters = whitening_filters(x_train, seed=seed, mean=mean, std=std) if whiten else None
    model = fast_cifar_net(x_train.shape[1:], num_classes, whitening=filters, mean=mean, std=std,
                           **network_options)
    total = epochs * steps_per_epoch(len(x_train), batch_size)
    schedule = schedules.warmup_linear_decay(peak_learning_rate, total, warmup_fraction=0.2,
                                             start_fraction=0.1)
    model.compile(optimizer=keras.optimizers.SGD(schedule, momentum=0.9, nesterov=True,
                                                 weight_decay=weight_decay),
                  loss=classification_loss(label_smoothing), metrics=["accuracy"])
    return Recipe(
        "fast_cifar", model, batch_size, epochs,
        augmentation=augment.flip_translate(image_size=x_train.shape[1], shift=shift, seed=seed),
        tta=tta, seed=seed,
        description=(f"fast_cifar_net ({model.count_params():,} params, "
                     f"{'whitened' if whiten else 'learned'} 2x2 stem), SGD-Nesterov peak "
                     f"{peak_learning_rate:g} warm-up + linear decay over {epochs} epochs, batch "
                     f"{batch_size}, label smoothing {label_smoothing:g}, flip + {shift}-px "
                     f"shift, {tta or 'no'} TTA"))


def keras_resnet20_recipe(x_train: np.ndarray, *, epochs: int = 200, batch_size: int = 32,
                          seed: int = 0) -> Recipe:
    """The Keras example "ResNet-20 v1 on CIFAR-10": Adam 1e-3, batch 32, shifts and flips.

    The zoo's ``resnet20`` (271,098 parameters, option-A shortcuts; the example used
    projection shortcuts), the per-pixel mean of the training images subtracted, Adam at
    1e-3 (the example lowers it at epochs 80, 120, 160 and 180, which a 10-minute budget
    never reaches), random shifts of up to 10% of the width and height and horizontal
    flips.

    References
    ----------
    "Trains a ResNet on the CIFAR10 dataset", keras-team/keras examples/cifar10_resnet.py
    (2018); K. He et al., "Deep residual learning for image recognition", CVPR 2016.
    """
    from course_utils import zoo

    keras.utils.set_random_seed(int(seed))
    x_train = np.asarray(x_train)
    pixel_mean = x_train.astype(np.float32).mean(axis=0) / 255.0            # (32, 32, 3)
    network = zoo.get_model("resnet20", input_shape=x_train.shape[1:])
    inputs, x = image_input(x_train.shape[1:], dtype="float32")
    x = layers.Normalization(axis=(1, 2, 3), mean=pixel_mean, variance=np.ones_like(pixel_mean),
                             name="subtract_pixel_mean")(x)
    model = keras.Model(inputs, network(x), name="keras_resnet20")
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    shift = keras.Sequential([
        layers.RandomTranslation(0.1, 0.1, fill_mode="nearest", seed=seed, name="shift"),
        layers.RandomFlip("horizontal", seed=seed + 1, name="flip")], name="shift_flip")
    return Recipe("keras_resnet20", model, batch_size, epochs, augmentation=shift, seed=seed,
                  description=f"Keras example ResNet-20 v1 ({model.count_params():,} params), "
                              f"Adam 1e-3, batch {batch_size}, 10% shifts and flips, pixel mean "
                              "subtracted")
