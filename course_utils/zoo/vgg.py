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

from course_utils.registry import register_variant
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
    Parameter counts at 224x224x3 and 1000 classes: the cards of ``vgg11`` (A) to ``vgg19``
    (E), e.g. ``zoo.card("vgg16").params``.
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


PAPER = "Simonyan & Zisserman, ICLR 2015, Table 1"
_BN_PAPER = f"{PAPER}, with batch norm"
_BN_NOTE = "The rest of the count beyond the trainable (torchvision) one is batch-norm statistics."

vgg11 = register_variant("vgg11", vgg, config="A", paper=PAPER, params=132_863_336,
                         summary="VGG configuration A (11 weight layers).")
vgg11_lrn = register_variant("vgg11_lrn", vgg, config="A-LRN", paper=PAPER, params=132_863_336,
                             summary="VGG configuration A-LRN: A with local response "
                                     "normalisation after conv1 (which has no parameters).")
vgg13 = register_variant("vgg13", vgg, config="B", paper=PAPER, params=133_047_848,
                         summary="VGG configuration B (13 weight layers).")
vgg16c = register_variant("vgg16c", vgg, config="C", paper=PAPER, params=133_638_952,
                          summary="VGG configuration C: 16 weight layers, the third conv of "
                                  "blocks 3-5 is 1x1.")
vgg16 = register_variant("vgg16", vgg, config="D", paper=PAPER, params=138_357_544,
                         summary="VGG configuration D, VGG-16 (layer names and count as "
                                 "``keras.applications.VGG16``).")
vgg19 = register_variant("vgg19", vgg, config="E", paper=PAPER, params=143_667_240,
                         summary="VGG configuration E, VGG-19 (layer names and count as "
                                 "``keras.applications.VGG19``).")
vgg11_bn = register_variant("vgg11_bn", vgg, config="A", batch_norm=True, paper=_BN_PAPER,
                            params=132_874_344, trainable=132_868_840, notes=_BN_NOTE,
                            summary="VGG configuration A with batch norm after every "
                                    "convolution (biases kept).")
vgg13_bn = register_variant("vgg13_bn", vgg, config="B", batch_norm=True, paper=_BN_PAPER,
                            params=133_059_624, trainable=133_053_736, notes=_BN_NOTE,
                            summary="VGG configuration B with batch norm after every "
                                    "convolution (biases kept).")
vgg16_bn = register_variant("vgg16_bn", vgg, config="D", batch_norm=True, paper=_BN_PAPER,
                            params=138_374_440, trainable=138_365_992, notes=_BN_NOTE,
                            summary="VGG configuration D with batch norm after every "
                                    "convolution (biases kept).")
vgg19_bn = register_variant("vgg19_bn", vgg, config="E", batch_norm=True, paper=_BN_PAPER,
                            params=143_689_256, trainable=143_678_248, notes=_BN_NOTE,
                            summary="VGG configuration E with batch norm after every "
                                    "convolution (biases kept).")


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


_CIFAR_PAPER = "Simonyan & Zisserman 2015, for 32x32, BN"
vgg11_cifar = register_variant("vgg11_cifar", vgg_cifar, config="A", paper=_CIFAR_PAPER,
                               params=9_236_618, trainable=9_231_114,
                               summary="VGG configuration A for 32x32 images.")
vgg16_cifar = register_variant("vgg16_cifar", vgg_cifar, config="D", paper=_CIFAR_PAPER,
                               params=14_736_714, trainable=14_728_266,
                               summary="VGG configuration D for 32x32 images.")
