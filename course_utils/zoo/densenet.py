"""DenseNet (Huang, Liu, van der Maaten, Weinberger 2017): every layer sees all earlier maps.

Builders: ``densenet121``, ``densenet169``, ``densenet201`` (ImageNet, DenseNet-BC
with growth rate 32, layer names and counts as ``keras.applications.DenseNet121``
etc.) and ``densenet_bc100`` (CIFAR-10, depth 100, growth rate 12).

A dense layer is batch norm - ReLU - 1x1 conv (4k maps) - batch norm - ReLU - 3x3
conv (k maps), and its k new maps are concatenated to its input. Between dense
blocks, a transition layer (batch norm, ReLU, 1x1 conv halving the channels,
2x2 average pool) compresses and downsamples.

References
----------
G. Huang, Z. Liu, L. van der Maaten, K. Q. Weinberger, "Densely connected
convolutional networks", CVPR 2017 (arXiv:1608.06993).
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
from keras import layers

from course_utils.registry import register_variant
from course_utils.zoo._common import BN_EPSILON, check_head_args, make_input, pooled_head

# Dense layers per block (Table 1 of the paper).
BLOCK_SIZES = {121: (6, 12, 24, 16), 169: (6, 12, 32, 32), 201: (6, 12, 48, 32)}


def _bn_relu(x, name):
    x = layers.BatchNormalization(epsilon=BN_EPSILON, name=f"{name}_bn")(x)
    return layers.Activation("relu", name=f"{name}_relu")(x)


def dense_layer(x, growth_rate: int, *, name: str):
    """BN-ReLU-1x1 conv (4 * growth_rate) - BN-ReLU-3x3 conv (growth_rate), concatenated."""
    y = _bn_relu(x, f"{name}_0")
    y = layers.Conv2D(4 * growth_rate, 1, use_bias=False, name=f"{name}_1_conv")(y)
    y = _bn_relu(y, f"{name}_1")
    y = layers.Conv2D(growth_rate, 3, padding="same", use_bias=False, name=f"{name}_2_conv")(y)
    return layers.Concatenate(name=f"{name}_concat")([x, y])  # channels + growth_rate


def dense_block(x, num_layers: int, growth_rate: int, *, name: str):
    """``num_layers`` dense layers named ``{name}_block{i}``."""
    for i in range(1, num_layers + 1):
        x = dense_layer(x, growth_rate, name=f"{name}_block{i}")
    return x


def transition_layer(x, compression: float, *, name: str):
    """BN-ReLU-1x1 conv to ``int(channels * compression)`` maps, 2x2 average pool."""
    x = _bn_relu(x, name)
    x = layers.Conv2D(int(x.shape[-1] * compression), 1, use_bias=False,
                      name=f"{name}_conv")(x)
    return layers.AveragePooling2D(2, strides=2, name=f"{name}_pool")(x)


def _dense_stages(x, block_sizes: Sequence[int], growth_rate: int, compression: float):
    for b, num_layers in enumerate(block_sizes):
        x = dense_block(x, num_layers, growth_rate, name=f"conv{b + 2}")
        if b < len(block_sizes) - 1:
            x = transition_layer(x, compression, name=f"pool{b + 2}")
    x = layers.BatchNormalization(epsilon=BN_EPSILON, name="bn")(x)
    return layers.Activation("relu", name="relu")(x)


def densenet(depth: int, input_shape=(224, 224, 3), num_classes=1000, *, include_top=True,
             pooling=None, classifier_activation="softmax", name=None) -> keras.Model:
    """ImageNet DenseNet-BC of depth 121, 169 or 201 (growth rate 32, compression 0.5).

    Stem: 7x7/2 conv with 64 maps, batch norm, ReLU, 3x3/2 max-pool; four dense
    blocks; batch norm and ReLU; global average pooling and the classifier. The
    smallest input accepted is 32x32.
    """
    if depth not in BLOCK_SIZES:
        raise ValueError(f"depth must be one of {sorted(BLOCK_SIZES)}, got {depth!r}.")
    check_head_args(num_classes, include_top, pooling)
    name = name or f"densenet{depth}"
    inputs = make_input(input_shape, min_size=32, model_name=name)
    x = layers.ZeroPadding2D(3, name="conv1_pad")(inputs)
    x = layers.Conv2D(64, 7, strides=2, use_bias=False, name="conv1_conv")(x)  # H/2
    x = _bn_relu(x, "conv1")
    x = layers.ZeroPadding2D(1, name="pool1_pad")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool1")(x)                     # H/4
    x = _dense_stages(x, BLOCK_SIZES[depth], 32, 0.5)                          # H/32
    x = pooled_head(x, num_classes, include_top, pooling, classifier_activation)
    return keras.Model(inputs, x, name=name)


PAPER = "Huang et al., CVPR 2017"

densenet121 = register_variant(
    "densenet121", densenet, depth=121, paper=PAPER, params=8_062_504, trainable=7_978_856,
    summary="DenseNet-121: blocks of 6, 12, 24, 16 layers.",
    notes="As ``keras.applications.DenseNet121`` (trainable: torchvision's 7.98M).")
densenet169 = register_variant(
    "densenet169", densenet, depth=169, paper=PAPER, params=14_307_880,
    summary="DenseNet-169: blocks of 6, 12, 32, 32 layers.",
    notes="As ``keras.applications.DenseNet169``.")
densenet201 = register_variant(
    "densenet201", densenet, depth=201, paper=PAPER, params=20_242_984,
    summary="DenseNet-201: blocks of 6, 12, 48, 32 layers.",
    notes="As ``keras.applications.DenseNet201``.")


def densenet_cifar(depth: int = 100, input_shape=(32, 32, 3), num_classes=10, *,
                   growth_rate: int = 12, compression: float = 0.5, include_top=True,
                   pooling=None, classifier_activation="softmax",
                   name: str | None = None) -> keras.Model:
    """DenseNet-BC for CIFAR-10 of ``depth`` = 6n + 4 layers: three dense blocks of n layers.

    A 3x3 convolution with 2k maps (k = ``growth_rate``), then dense blocks on 32x32,
    16x16 and 8x8 maps joined by transitions that keep ``compression`` of the channels,
    batch norm, ReLU, global average pooling and the classifier. Each dense layer is a
    1x1 bottleneck to 4k maps and a 3x3 convolution to k maps, so a block of n layers adds
    n * k channels. The smallest input accepted is 4x4.

    Parameters
    ----------
    depth : int, default=100
        6n + 4 (40, 52, 64, 100, ...): 2 convolutions per dense layer, the first
        convolution, 2 transitions and the classifier.
    growth_rate : int, default=12
    compression : float in (0, 1], default=0.5
    name : str, optional
        Default ``f"densenet_bc{depth}"`` (with ``_k{growth_rate}`` unless k = 12).
    """
    if not isinstance(depth, int) or depth < 10 or (depth - 4) % 6:
        raise ValueError(f"depth must be 6n + 4 (40, 52, 64, 100, ...), got {depth!r}.")
    if not isinstance(growth_rate, int) or growth_rate < 1:
        raise ValueError(f"growth_rate must be a positive integer, got {growth_rate!r}.")
    if not 0 < compression <= 1:
        raise ValueError(f"compression must be in (0, 1], got {compression!r}.")
    check_head_args(num_classes, include_top, pooling)
    name = name or f"densenet_bc{depth}" + ("" if growth_rate == 12 else f"_k{growth_rate}")
    layers_per_block = (depth - 4) // 6
    inputs = make_input(input_shape, min_size=4, model_name=name)
    x = layers.Conv2D(2 * growth_rate, 3, padding="same", use_bias=False,
                      name="conv1_conv")(inputs)                                # (N, 32, 32, 2k)
    x = _dense_stages(x, (layers_per_block,) * 3, growth_rate, compression)    # (N, 8, 8, C)
    x = pooled_head(x, num_classes, include_top, pooling, classifier_activation)
    return keras.Model(inputs, x, name=name)


densenet_bc100 = register_variant(
    "densenet_bc100", densenet_cifar, depth=100, params=793_150, trainable=769_162,
    paper=f"{PAPER}, Table 2 (0.8M)",
    summary="DenseNet-BC for CIFAR-10: depth 100, growth rate 12, three blocks of 16 layers.")
