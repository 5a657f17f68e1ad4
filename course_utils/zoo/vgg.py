"""VGG (Simonyan & Zisserman 2015): the configurations A, A-LRN, B, C, D and E.

Builders: ``vgg11`` (A), ``vgg11_lrn`` (A-LRN), ``vgg13`` (B), ``vgg16c`` (C, with
1x1 convolutions), ``vgg16`` (D), ``vgg19`` (E), their batch-normalised versions
``vgg11_bn``, ``vgg13_bn``, ``vgg16_bn``, ``vgg19_bn``, and ``vgg11_cifar``,
``vgg16_cifar`` for 32x32 images. All of them are :func:`vgg` with a configuration.

References
----------
K. Simonyan, A. Zisserman, "Very deep convolutional networks for large-scale image
recognition", ICLR 2015 (arXiv:1409.1556), Table 1.
"""

from __future__ import annotations

import keras
from keras import layers

from course_utils.zoo._common import BN_EPSILON, check_head_args, global_pool, make_input
from course_utils.zoo.alexnet import LocalResponseNormalization

# Table 1 of the paper, one list of layers per block (a max-pool ends every block).
# "conv3-64" is a 3x3 convolution with 64 filters, "conv1-256" a 1x1 one.
CONFIGS = {
    "A": [["conv3-64"], ["conv3-128"], ["conv3-256", "conv3-256"],
          ["conv3-512", "conv3-512"], ["conv3-512", "conv3-512"]],
    "A-LRN": [["conv3-64", "LRN"], ["conv3-128"], ["conv3-256", "conv3-256"],
              ["conv3-512", "conv3-512"], ["conv3-512", "conv3-512"]],
    "B": [["conv3-64", "conv3-64"], ["conv3-128", "conv3-128"], ["conv3-256", "conv3-256"],
          ["conv3-512", "conv3-512"], ["conv3-512", "conv3-512"]],
    "C": [["conv3-64", "conv3-64"], ["conv3-128", "conv3-128"],
          ["conv3-256", "conv3-256", "conv1-256"], ["conv3-512", "conv3-512", "conv1-512"],
          ["conv3-512", "conv3-512", "conv1-512"]],
    "D": [["conv3-64", "conv3-64"], ["conv3-128", "conv3-128"],
          ["conv3-256", "conv3-256", "conv3-256"], ["conv3-512", "conv3-512", "conv3-512"],
          ["conv3-512", "conv3-512", "conv3-512"]],
    "E": [["conv3-64", "conv3-64"], ["conv3-128", "conv3-128"],
          ["conv3-256"] * 4, ["conv3-512"] * 4, ["conv3-512"] * 4],
}

# Parameters at 224x224x3 and 1000 classes (Table 2 rounds them to 133/133/134/138/144M).
PARAMETER_COUNTS = {"A": 132_863_336, "A-LRN": 132_863_336, "B": 133_047_848,
                    "C": 133_638_952, "D": 138_357_544, "E": 143_667_240}


def vgg_block(x, layer_specs, *, block: int, batch_norm: bool = False, width: float = 1.0,
              kernel_initializer="glorot_uniform", bn_momentum: float = 0.99):
    """One VGG block: its convolutions (and LRN) then a 2x2 max-pool, stride 2.

    Layers are named like Keras Applications: ``block{block}_conv{i}``,
    ``block{block}_pool``; with ``batch_norm`` also ``block{block}_bn{i}``. ``width``
    multiplies the number of filters (for CPU budgets).
    """
    conv_index = 0
    for spec in layer_specs:
        if spec == "LRN":
            x = LocalResponseNormalization(name=f"block{block}_lrn")(x)
            continue
        kind, filters = spec.split("-")
        kernel_size = int(kind.removeprefix("conv"))
        filters = max(1, round(int(filters) * width))
        conv_index += 1
        conv_name = f"block{block}_conv{conv_index}"
        if batch_norm:
            x = layers.Conv2D(filters, kernel_size, padding="same", name=conv_name,
                              kernel_initializer=kernel_initializer)(x)
            x = layers.BatchNormalization(epsilon=BN_EPSILON, momentum=bn_momentum,
                                          name=f"block{block}_bn{conv_index}")(x)
            x = layers.Activation("relu", name=f"block{block}_relu{conv_index}")(x)
        else:
            x = layers.Conv2D(filters, kernel_size, padding="same", activation="relu",
                              name=conv_name, kernel_initializer=kernel_initializer)(x)
    return layers.MaxPooling2D(2, strides=2, name=f"block{block}_pool")(x)


def vgg(config="D", input_shape=(224, 224, 3), num_classes=1000, *, include_top=True,
        pooling=None, classifier_activation="softmax", batch_norm=False,
        dense_units=(4096, 4096), dropout=0.5, width=1.0, kernel_initializer="glorot_uniform",
        bn_momentum=0.99, name=None) -> keras.Model:
    """Build any VGG configuration of :data:`CONFIGS`.

    Parameters
    ----------
    config : {"A", "A-LRN", "B", "C", "D", "E"} or list of blocks, default="D"
    input_shape : tuple, default=(224, 224, 3)
        The smallest input accepted is 32x32 (five 2x2 pools).
    num_classes : int, default=1000
    include_top : bool, default=True
        True: flatten, the dense layers ``fc1``, ``fc2`` (ReLU, dropout) and
        ``predictions``.
    pooling : {None, "avg", "max"}, default=None
        Global pooling of the last feature map when ``include_top=False``.
    classifier_activation : str or None, default="softmax"
    batch_norm : bool, default=False
        Batch normalisation after every convolution (convolutions keep their bias).
    dense_units : tuple of int, default=(4096, 4096)
    dropout : float, default=0.5
    width : float, default=1.0
        Multiplies the number of filters of every convolution.
    kernel_initializer : str or initializer, default="glorot_uniform"
        Of the convolutions (Keras's default; ``"he_normal"`` suits ReLU, lesson 06).
    bn_momentum : float, default=0.99
        Of the batch norms (Keras's default, for long runs).
    name : str or None
        Default ``"vgg_" + config``.

    Returns
    -------
    keras.Model

    References
    ----------
    Simonyan & Zisserman, ICLR 2015.

    Notes
    -----
    Parameter counts at 224x224x3 and 1000 classes: :data:`PARAMETER_COUNTS`.
    """
    if isinstance(config, str):
        if config not in CONFIGS:
            raise ValueError(f"unknown VGG configuration {config!r}; expected one of "
                             f"{sorted(CONFIGS)}.")
        blocks = CONFIGS[config]
        name = name or f"vgg_{config.lower().replace('-', '_')}"
    else:
        blocks = config
        name = name or "vgg"
    check_head_args(num_classes, include_top, pooling)
    if not 0 < width <= 4:
        raise ValueError(f"width must be in (0, 4], got {width!r}.")
    min_size = 2 ** len(blocks)
    inputs = make_input(input_shape, min_size=min_size, model_name=name,
                        fixed_size=include_top)
    x = inputs
    for block, specs in enumerate(blocks, start=1):
        x = vgg_block(x, specs, block=block, batch_norm=batch_norm, width=width,
                      kernel_initializer=kernel_initializer,
                      bn_momentum=bn_momentum)  # halves H and W
    if not include_top:
        return keras.Model(inputs, global_pool(x, pooling), name=name)
    x = layers.Flatten(name="flatten")(x)                             # (N, 7*7*512) at 224
    for i, units in enumerate(dense_units, start=1):
        x = layers.Dense(units, activation="relu", name=f"fc{i}")(x)
        if dropout:
            x = layers.Dropout(dropout, name=f"fc{i}_dropout")(x)
    x = layers.Dense(num_classes, activation=classifier_activation, name="predictions")(x)
    return keras.Model(inputs, x, name=name)


def vgg11(input_shape=(224, 224, 3), num_classes=1000, *, include_top=True, pooling=None,
          classifier_activation="softmax", name="vgg11") -> keras.Model:
    """VGG configuration A (11 weight layers).

    References
    ----------
    Simonyan & Zisserman, ICLR 2015, Table 1.

    Notes
    -----
    132,863,336 parameters at 224x224x3 and 1000 classes.
    """
    return vgg("A", input_shape, num_classes, include_top=include_top, pooling=pooling,
               classifier_activation=classifier_activation, name=name)


def vgg11_lrn(input_shape=(224, 224, 3), num_classes=1000, *, include_top=True,
              pooling=None, classifier_activation="softmax", name="vgg11_lrn") -> keras.Model:
    """VGG configuration A-LRN: A with local response normalisation after conv1.

    References
    ----------
    Simonyan & Zisserman, ICLR 2015, Table 1.

    Notes
    -----
    132,863,336 parameters at 224x224x3 and 1000 classes (LRN has none).
    """
    return vgg("A-LRN", input_shape, num_classes, include_top=include_top, pooling=pooling,
               classifier_activation=classifier_activation, name=name)


def vgg13(input_shape=(224, 224, 3), num_classes=1000, *, include_top=True, pooling=None,
          classifier_activation="softmax", name="vgg13") -> keras.Model:
    """VGG configuration B (13 weight layers).

    References
    ----------
    Simonyan & Zisserman, ICLR 2015, Table 1.

    Notes
    -----
    133,047,848 parameters at 224x224x3 and 1000 classes.
    """
    return vgg("B", input_shape, num_classes, include_top=include_top, pooling=pooling,
               classifier_activation=classifier_activation, name=name)


def vgg16c(input_shape=(224, 224, 3), num_classes=1000, *, include_top=True, pooling=None,
           classifier_activation="softmax", name="vgg16c") -> keras.Model:
    """VGG configuration C: 16 weight layers, the third conv of blocks 3-5 is 1x1.

    References
    ----------
    Simonyan & Zisserman, ICLR 2015, Table 1.

    Notes
    -----
    133,638,952 parameters at 224x224x3 and 1000 classes.
    """
    return vgg("C", input_shape, num_classes, include_top=include_top, pooling=pooling,
               classifier_activation=classifier_activation, name=name)


def vgg16(input_shape=(224, 224, 3), num_classes=1000, *, include_top=True, pooling=None,
          classifier_activation="softmax", name="vgg16") -> keras.Model:
    """VGG configuration D, VGG-16 (layer names as ``keras.applications.VGG16``).

    References
    ----------
    Simonyan & Zisserman, ICLR 2015, Table 1.

    Notes
    -----
    138,357,544 parameters at 224x224x3 and 1000 classes, as Keras Applications.
    """
    return vgg("D", input_shape, num_classes, include_top=include_top, pooling=pooling,
               classifier_activation=classifier_activation, name=name)


def vgg19(input_shape=(224, 224, 3), num_classes=1000, *, include_top=True, pooling=None,
          classifier_activation="softmax", name="vgg19") -> keras.Model:
    """VGG configuration E, VGG-19 (layer names as ``keras.applications.VGG19``).

    References
    ----------
    Simonyan & Zisserman, ICLR 2015, Table 1.

    Notes
    -----
    143,667,240 parameters at 224x224x3 and 1000 classes, as Keras Applications.
    """
    return vgg("E", input_shape, num_classes, include_top=include_top, pooling=pooling,
               classifier_activation=classifier_activation, name=name)


def vgg11_bn(input_shape=(224, 224, 3), num_classes=1000, *, include_top=True, pooling=None,
             classifier_activation="softmax", name="vgg11_bn") -> keras.Model:
    """VGG configuration A with batch norm after every convolution (biases kept).

    References
    ----------
    Simonyan & Zisserman, ICLR 2015; Ioffe & Szegedy, ICML 2015 (batch norm).

    Notes
    -----
    132,874,344 parameters at 224x224x3 and 1000 classes, of which 132,868,840 are
    trainable (the torchvision count); the rest are batch-norm moving statistics.
    """
    return vgg("A", input_shape, num_classes, include_top=include_top, pooling=pooling,
               classifier_activation=classifier_activation, batch_norm=True, name=name)


def vgg13_bn(input_shape=(224, 224, 3), num_classes=1000, *, include_top=True, pooling=None,
             classifier_activation="softmax", name="vgg13_bn") -> keras.Model:
    """VGG configuration B with batch norm after every convolution (biases kept).

    References
    ----------
    Simonyan & Zisserman, ICLR 2015; Ioffe & Szegedy, ICML 2015 (batch norm).

    Notes
    -----
    133,059,624 parameters at 224x224x3 and 1000 classes, of which 133,053,736 are
    trainable (the torchvision count); the rest are batch-norm moving statistics.
    """
    return vgg("B", input_shape, num_classes, include_top=include_top, pooling=pooling,
               classifier_activation=classifier_activation, batch_norm=True, name=name)


def vgg16_bn(input_shape=(224, 224, 3), num_classes=1000, *, include_top=True, pooling=None,
             classifier_activation="softmax", name="vgg16_bn") -> keras.Model:
    """VGG configuration D with batch norm after every convolution (biases kept).

    References
    ----------
    Simonyan & Zisserman, ICLR 2015; Ioffe & Szegedy, ICML 2015 (batch norm).

    Notes
    -----
    138,374,440 parameters at 224x224x3 and 1000 classes, of which 138,365,992 are
    trainable (the torchvision count); the rest are batch-norm moving statistics.
    """
    return vgg("D", input_shape, num_classes, include_top=include_top, pooling=pooling,
               classifier_activation=classifier_activation, batch_norm=True, name=name)


def vgg19_bn(input_shape=(224, 224, 3), num_classes=1000, *, include_top=True, pooling=None,
             classifier_activation="softmax", name="vgg19_bn") -> keras.Model:
    """VGG configuration E with batch norm after every convolution (biases kept).

    References
    ----------
    Simonyan & Zisserman, ICLR 2015; Ioffe & Szegedy, ICML 2015 (batch norm).

    Notes
    -----
    143,689,256 parameters at 224x224x3 and 1000 classes, of which 143,678,248 are
    trainable (the torchvision count); the rest are batch-norm moving statistics.
    """
    return vgg("E", input_shape, num_classes, include_top=include_top, pooling=pooling,
               classifier_activation=classifier_activation, batch_norm=True, name=name)



def vgg_cifar(config="D", input_shape=(32, 32, 3), num_classes=10, *, include_top=True,
              pooling=None, classifier_activation="softmax", batch_norm=True, width=1.0,
              kernel_initializer="glorot_uniform", bn_momentum=0.9, name=None) -> keras.Model:
    """A VGG configuration for 32x32 images: batch norm, one dense layer on 1x1x512.

    The five pools bring 32x32 down to 1x1x512, which ``predictions`` classifies
    directly (no 4096-unit layers). The smallest input accepted is 32x32.
    ``batch_norm=False`` gives the paper's plain network; ``width`` and
    ``kernel_initializer`` are passed to :func:`vgg`; ``bn_momentum`` is 0.9, lower than
    Keras's 0.99, so that the running statistics used at test time keep up with the short
    runs of the course.
    """
    return vgg(config, input_shape, num_classes, include_top=include_top, pooling=pooling,
               classifier_activation=classifier_activation, batch_norm=batch_norm,
               dense_units=(), width=width, kernel_initializer=kernel_initializer,
               bn_momentum=bn_momentum, name=name or f"vgg_cifar_{config.lower().replace('-', '_')}")


def vgg11_cifar(input_shape=(32, 32, 3), num_classes=10, *, include_top=True, pooling=None,
                classifier_activation="softmax", name="vgg11_cifar") -> keras.Model:
    """VGG configuration A for 32x32 images (see :func:`vgg_cifar`).

    References
    ----------
    Simonyan & Zisserman, ICLR 2015; scaled for CIFAR-10 with batch norm.

    Notes
    -----
    9,236,618 parameters at 32x32x3 and 10 classes (9,231,114 trainable).
    """
    return vgg_cifar("A", input_shape, num_classes, include_top=include_top, pooling=pooling,
                     classifier_activation=classifier_activation, name=name)


def vgg16_cifar(input_shape=(32, 32, 3), num_classes=10, *, include_top=True, pooling=None,
                classifier_activation="softmax", name="vgg16_cifar") -> keras.Model:
    """VGG configuration D for 32x32 images (see :func:`vgg_cifar`).

    References
    ----------
    Simonyan & Zisserman, ICLR 2015; scaled for CIFAR-10 with batch norm.

    Notes
    -----
    14,736,714 parameters at 32x32x3 and 10 classes (14,728,266 trainable).
    """
    return vgg_cifar("D", input_shape, num_classes, include_top=include_top, pooling=pooling,
                     classifier_activation=classifier_activation, name=name)
