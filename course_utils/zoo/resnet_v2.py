"""Pre-activation ResNets (He, Zhang, Ren, Sun 2016, "Identity mappings").

Every block starts with batch norm and ReLU ("pre-activation") and adds its
result to an untouched identity path; one more batch norm and ReLU follow the
last stage. Builders: ``preact_resnet18``, ``preact_resnet34``, ``preact_resnet50``,
``preact_resnet101``, ``preact_resnet152`` (ImageNet; 50/101/152 count as
``keras.applications.ResNet50V2``/``101V2``/``152V2``) and ``preact_resnet20``,
``preact_resnet110`` (basic blocks), ``preact_resnet164`` (bottleneck) for CIFAR-10.

Where the shape changes, the shortcut is a 1x1 convolution of the pre-activated
input. Downsampling happens in the first block of a stage (Keras Applications
puts it in the last; the parameter count is the same).

References
----------
K. He, X. Zhang, S. Ren, J. Sun, "Identity mappings in deep residual networks",
ECCV 2016 (arXiv:1603.05027).
"""

from __future__ import annotations

import keras
from keras import layers

from course_utils.registry import register_variant
from course_utils.zoo._common import BN_EPSILON, check_head_args, make_input, pooled_head
from course_utils.zoo.resnet import STAGE_DEPTHS, STAGE_FILTERS
from course_utils.zoo.resnet_cifar import CIFAR_FILTERS


def _preactivation(x, name):
    x = layers.BatchNormalization(epsilon=BN_EPSILON, name=f"{name}_bn")(x)
    return layers.Activation("relu", name=f"{name}_relu")(x)


def preact_block(x, filters: int, *, bottleneck: bool = False, stride: int = 1,
                 use_bias: bool = False, name: str):
    """A pre-activation block, basic (two 3x3) or bottleneck (1x1-3x3-1x1, 4x out).

    With ``use_bias``, the convolutions not followed by batch norm (the last one and
    the projection) get biases, as in Keras Applications' ResNetV2.
    """
    out_channels = 4 * filters if bottleneck else filters
    preact = _preactivation(x, f"{name}_preact")
    if stride != 1 or x.shape[-1] != out_channels:
        shortcut = layers.Conv2D(out_channels, 1, strides=stride, use_bias=use_bias,
                                 name=f"{name}_0_conv")(preact)
    else:
        shortcut = x
    if bottleneck:
        specs = ((filters, 1, 1), (filters, 3, stride), (out_channels, 1, 1))
    else:
        specs = ((filters, 3, stride), (filters, 3, 1))
    residual = preact
    for i, (channels, kernel_size, conv_stride) in enumerate(specs, start=1):
        last = i == len(specs)
        residual = layers.Conv2D(channels, kernel_size, strides=conv_stride, padding="same",
                                 use_bias=use_bias and last, name=f"{name}_{i}_conv")(residual)
        if not last:
            residual = _preactivation(residual, f"{name}_{i}")
    return layers.Add(name=f"{name}_out")([shortcut, residual])


def _stages(x, depths, filters, *, bottleneck, use_bias):
    for s, (depth, stage_filters) in enumerate(zip(depths, filters)):
        for i in range(1, depth + 1):
            x = preact_block(x, stage_filters, bottleneck=bottleneck,
                             stride=2 if (i == 1 and s > 0) else 1, use_bias=use_bias,
                             name=f"conv{s + 2}_block{i}")
    return _preactivation(x, "post")


def preact_resnet(depth: int, input_shape=(224, 224, 3), num_classes=1000, *,
                  include_top=True, pooling=None, classifier_activation="softmax",
                  use_bias=True, name=None) -> keras.Model:
    """ImageNet pre-activation ResNet of depth 18, 34, 50, 101 or 152.

    Same stem and stages as :func:`course_utils.zoo.resnet.resnet`; the smallest
    input accepted is 32x32. ``use_bias=True`` follows Keras Applications.
    """
    if depth not in STAGE_DEPTHS:
        raise ValueError(f"depth must be one of {sorted(STAGE_DEPTHS)}, got {depth!r}.")
    check_head_args(num_classes, include_top, pooling)
    name = name or f"preact_resnet{depth}"
    inputs = make_input(input_shape, min_size=32, model_name=name)
    x = layers.ZeroPadding2D(3, name="conv1_pad")(inputs)
    x = layers.Conv2D(64, 7, strides=2, use_bias=use_bias, name="conv1_conv")(x)  # H/2
    x = layers.ZeroPadding2D(1, name="pool1_pad")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool1_pool")(x)                   # H/4
    x = _stages(x, STAGE_DEPTHS[depth], STAGE_FILTERS, bottleneck=depth >= 50,
                use_bias=use_bias)                                                 # H/32
    x = pooled_head(x, num_classes, include_top, pooling, classifier_activation)
    return keras.Model(inputs, x, name=name)


def preact_resnet_cifar(depth: int, input_shape=(32, 32, 3), num_classes=10, *,
                        include_top=True, pooling=None, classifier_activation="softmax",
                        bottleneck=False, use_bias=False, name=None) -> keras.Model:
    """CIFAR pre-activation ResNet: depth 6n + 2 (basic) or 9n + 2 (bottleneck).

    Stages of 16, 32, 64 filters (bottleneck outputs 64, 128, 256 channels); the
    smallest input accepted is 4x4.
    """
    per_block = 9 if bottleneck else 6
    if not isinstance(depth, int) or depth < per_block + 2 or (depth - 2) % per_block:
        raise ValueError(f"depth must be {per_block}n + 2 for "
                         f"{'bottleneck' if bottleneck else 'basic'} blocks, got {depth!r}.")
    check_head_args(num_classes, include_top, pooling)
    name = name or f"preact_resnet{depth}"
    inputs = make_input(input_shape, min_size=4, model_name=name)
    x = layers.Conv2D(CIFAR_FILTERS[0], 3, padding="same", use_bias=use_bias,
                      name="conv1_conv")(inputs)                                   # (N, 32, 32, 16)
    blocks = (depth - 2) // per_block
    x = _stages(x, (blocks,) * 3, CIFAR_FILTERS, bottleneck=bottleneck, use_bias=use_bias)
    x = pooled_head(x, num_classes, include_top, pooling, classifier_activation)
    return keras.Model(inputs, x, name=name)


PAPER = "He et al., ECCV 2016 (identity mappings)"

preact_resnet18 = register_variant(
    "preact_resnet18", preact_resnet, depth=18, params=11_698_408, paper=PAPER,
    summary="Pre-activation ResNet-18 (basic blocks).")
preact_resnet34 = register_variant(
    "preact_resnet34", preact_resnet, depth=34, params=21_815_848, paper=PAPER,
    summary="Pre-activation ResNet-34 (basic blocks).")
preact_resnet50 = register_variant(
    "preact_resnet50", preact_resnet, depth=50, params=25_613_800, paper=PAPER,
    summary="Pre-activation ResNet-50 (bottleneck blocks).",
    notes="As ``keras.applications.ResNet50V2``.")
preact_resnet101 = register_variant(
    "preact_resnet101", preact_resnet, depth=101, params=44_675_560, paper=PAPER,
    summary="Pre-activation ResNet-101 (bottleneck blocks).",
    notes="As ``keras.applications.ResNet101V2``.")
preact_resnet152 = register_variant(
    "preact_resnet152", preact_resnet, depth=152, params=60_380_648, paper=PAPER,
    summary="Pre-activation ResNet-152 (bottleneck blocks).",
    notes="As ``keras.applications.ResNet152V2``.")
preact_resnet20 = register_variant(
    "preact_resnet20", preact_resnet_cifar, depth=20, params=273_658, paper=PAPER,
    summary="Pre-activation ResNet-20 for CIFAR-10 (basic blocks, n = 3).")
preact_resnet110 = register_variant(
    "preact_resnet110", preact_resnet_cifar, depth=110, params=1_738_618,
    paper=f"{PAPER}, Table 2 (1.7M)",
    summary="Pre-activation ResNet-110 for CIFAR-10 (basic blocks, n = 18).")
preact_resnet164 = register_variant(
    "preact_resnet164", preact_resnet_cifar, depth=164, bottleneck=True, params=1_727_482,
    trainable=1_703_258, paper=f"{PAPER}, Table 2 (1.7M)",
    summary="Pre-activation ResNet-164 for CIFAR-10 (bottleneck blocks, n = 18).")
