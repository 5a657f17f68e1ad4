"""ResNet v1 (He, Zhang, Ren, Sun 2016): residual blocks and the ImageNet networks.

Builders: ``resnet18``, ``resnet34`` (basic blocks), ``resnet50``, ``resnet101``,
``resnet152`` (bottleneck blocks), and ``plain18``, ``plain34``: the same stacks
without shortcuts, the "plain" networks of the degradation experiment. The CIFAR
family of the same paper is in :mod:`course_utils.zoo.resnet_cifar`.

Layer names follow ``keras.applications.ResNet50``: ``conv1_conv``,
``conv{stage}_block{i}_{1,2,3}_{conv,bn,relu}``, ``..._0_conv`` for a projection
shortcut, ``..._add``, ``..._out``.

References
----------
K. He, X. Zhang, S. Ren, J. Sun, "Deep residual learning for image recognition",
CVPR 2016 (arXiv:1512.03385).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import keras
from keras import layers, ops

from course_utils.registry import register_variant
from course_utils.zoo._common import (BN_EPSILON, check_head_args, conv_bn_relu,
                                      make_input, pooled_head)

# Table 1 of the paper: blocks per stage (conv2_x .. conv5_x).
STAGE_DEPTHS = {18: (2, 2, 2, 2), 34: (3, 4, 6, 3), 50: (3, 4, 6, 3),
                101: (3, 4, 23, 3), 152: (3, 8, 36, 3)}
STAGE_FILTERS = (64, 128, 256, 512)
SHORTCUTS = ("A", "B", "C", None)


@keras.saving.register_keras_serializable(package="course_utils")
class ChannelPadding(layers.Layer):
    """Append ``extra_channels`` zero channels (the option-A shortcut; no parameters)."""

    def __init__(self, extra_channels: int, **kwargs):
        super().__init__(**kwargs)
        self.extra_channels = int(extra_channels)

    def call(self, inputs):
        return ops.pad(inputs, [[0, 0], [0, 0], [0, 0], [0, self.extra_channels]])

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], input_shape[-1] + self.extra_channels)

    def get_config(self):
        return {**super().get_config(), "extra_channels": self.extra_channels}


def shortcut_branch(x, out_channels: int, *, stride: int, shortcut: str, use_bias: bool,
                    name: str):
    """The shortcut of a residual block.

    ``"A"``: identity; where the shape changes, subsample by ``stride`` and pad with
    zero channels (parameter-free). ``"B"``: identity; where the shape changes, a
    1x1 convolution with batch norm (projection). ``"C"``: always a projection.
    """
    in_channels = x.shape[-1]
    if shortcut != "C" and stride == 1 and in_channels == out_channels:
        return x
    if shortcut == "A":
        if stride > 1:
            x = layers.MaxPooling2D(1, strides=stride, name=f"{name}_0_pool")(x)  # x[:, ::s, ::s]
        return ChannelPadding(out_channels - in_channels, name=f"{name}_0_pad")(x)
    return conv_bn_relu(x, out_channels, 1, strides=stride, use_bias=use_bias,
                        activation=None, name=f"{name}_0")


def _merge(x, residual, *, stride, shortcut, use_bias, name):
    """Add the shortcut (if any) to the residual branch, then ReLU."""
    if shortcut is not None:
        skip = shortcut_branch(x, residual.shape[-1], stride=stride, shortcut=shortcut,
                               use_bias=use_bias, name=name)
        residual = layers.Add(name=f"{name}_add")([skip, residual])
    return layers.Activation("relu", name=f"{name}_out")(residual)


def basic_block(x, filters: int, *, stride: int = 1, shortcut: str | None = "B",
                use_bias: bool = False, attention: Callable | None = None, name: str):
    """Two 3x3 convolutions with batch norm; output ``filters`` channels.

    ``shortcut=None`` gives the block of a plain network. ``attention(x, name=...)``,
    if given, rescales the residual branch before the addition (squeeze-and-excitation).
    """
    residual = conv_bn_relu(x, filters, 3, strides=stride, use_bias=use_bias,
                            name=f"{name}_1")
    residual = conv_bn_relu(residual, filters, 3, use_bias=use_bias, activation=None,
                            name=f"{name}_2")
    if attention is not None:
        residual = attention(residual, name=f"{name}_se")
    return _merge(x, residual, stride=stride, shortcut=shortcut, use_bias=use_bias,
                  name=name)


def bottleneck_block(x, filters: int, *, stride: int = 1, shortcut: str | None = "B",
                     use_bias: bool = False, attention: Callable | None = None, name: str):
    """1x1 (reduce to ``filters``) - 3x3 - 1x1 (expand to ``4 * filters``) with batch norm.

    The stride sits in the first 1x1 convolution, as in Keras Applications' ResNet50.
    """
    residual = conv_bn_relu(x, filters, 1, strides=stride, use_bias=use_bias,
                            name=f"{name}_1")
    residual = conv_bn_relu(residual, filters, 3, use_bias=use_bias, name=f"{name}_2")
    residual = conv_bn_relu(residual, 4 * filters, 1, use_bias=use_bias, activation=None,
                            name=f"{name}_3")
    if attention is not None:
        residual = attention(residual, name=f"{name}_se")
    return _merge(x, residual, stride=stride, shortcut=shortcut, use_bias=use_bias,
                  name=name)


BLOCKS = {"basic": basic_block, "bottleneck": bottleneck_block}


def residual_stages(x, block: str, depths: Sequence[int], filters: Sequence[int], *,
                    shortcut, use_bias, attention=None, first_stage: int = 2):
    """Stack the stages; the first block of every stage but the first has stride 2."""
    block_fn = BLOCKS[block]
    for s, (depth, stage_filters) in enumerate(zip(depths, filters)):
        for i in range(1, depth + 1):
            stride = 2 if (i == 1 and s > 0) else 1
            x = block_fn(x, stage_filters, stride=stride, shortcut=shortcut,
                         use_bias=use_bias, attention=attention,
                         name=f"conv{s + first_stage}_block{i}")
    return x


def check_block_args(block, shortcut):
    """Raise ``ValueError`` for an unknown block type or shortcut option."""
    if block not in BLOCKS:
        raise ValueError(f"block must be one of {sorted(BLOCKS)}, got {block!r}.")
    if shortcut not in SHORTCUTS:
        raise ValueError(f"shortcut must be one of {SHORTCUTS}, got {shortcut!r}.")


def resnet(depth: int, input_shape=(224, 224, 3), num_classes=1000, *, include_top=True,
           pooling=None, classifier_activation="softmax", shortcut: str | None = "B",
           use_bias: bool = True, attention: Callable | None = None,
           name: str | None = None) -> keras.Model:
    """ImageNet ResNet v1 of ``depth`` 18, 34, 50, 101 or 152 (Table 1 of the paper).

    Parameters
    ----------
    depth : {18, 34, 50, 101, 152}
        18 and 34 use :func:`basic_block`, the others :func:`bottleneck_block`.
    input_shape : tuple, default=(224, 224, 3)
        The smallest input accepted is 32x32.
    num_classes : int, default=1000
    include_top : bool, default=True
    pooling : {None, "avg", "max"}, default=None
    classifier_activation : str or None, default="softmax"
    shortcut : {"A", "B", "C", None}, default="B"
        Option of the paper for the shortcuts; None builds the plain network.
    use_bias : bool, default=True
        Biases in the convolutions, as Keras Applications (redundant before batch
        norm). False gives the torchvision layout.
    attention : callable or None
        Applied to every residual branch (used by SE-ResNet).
    name : str or None
        Default ``f"resnet{depth}"``.
    """
    if depth not in STAGE_DEPTHS:
        raise ValueError(f"depth must be one of {sorted(STAGE_DEPTHS)}, got {depth!r}.")
    block = "basic" if depth < 50 else "bottleneck"
    check_block_args(block, shortcut)
    check_head_args(num_classes, include_top, pooling)
    name = name or f"resnet{depth}"
    inputs = make_input(input_shape, min_size=32, model_name=name)
    x = layers.ZeroPadding2D(3, name="conv1_pad")(inputs)
    x = layers.Conv2D(64, 7, strides=2, use_bias=use_bias, name="conv1_conv")(x)  # H/2
    x = layers.BatchNormalization(epsilon=BN_EPSILON, name="conv1_bn")(x)
    x = layers.Activation("relu", name="conv1_relu")(x)
    x = layers.ZeroPadding2D(1, name="pool1_pad")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool1_pool")(x)                   # H/4
    x = residual_stages(x, block, STAGE_DEPTHS[depth], STAGE_FILTERS, shortcut=shortcut,
                        use_bias=use_bias, attention=attention)                   # H/32
    x = pooled_head(x, num_classes, include_top, pooling, classifier_activation)
    return keras.Model(inputs, x, name=name)


PAPER = "He et al., CVPR 2016, Table 1"
_BIAS_NOTE = ("Keras convention: convolution biases and batch-norm moving statistics "
              "counted. With ``use_bias=False``, {:,} of the parameters are trainable{}.")

resnet18 = register_variant(
    "resnet18", resnet, depth=18, summary="ResNet-18: basic blocks, stages (2, 2, 2, 2).",
    paper=PAPER, params=11_703_912, notes=_BIAS_NOTE.format(11_689_512, ": torchvision's 11.69M"))
resnet34 = register_variant(
    "resnet34", resnet, depth=34, summary="ResNet-34: basic blocks, stages (3, 4, 6, 3).",
    paper=PAPER, params=21_823_208, notes=_BIAS_NOTE.format(21_797_672, ": torchvision's 21.80M"))
resnet50 = register_variant(
    "resnet50", resnet, depth=50, summary="ResNet-50: bottleneck blocks, stages (3, 4, 6, 3).",
    paper=PAPER, params=25_636_712,
    notes="As ``keras.applications.ResNet50``. " + _BIAS_NOTE.format(25_557_032, " (torchvision)"))
resnet101 = register_variant(
    "resnet101", resnet, depth=101, summary="ResNet-101: bottleneck blocks, stages (3, 4, 23, 3).",
    paper=PAPER, params=44_707_176,
    notes="As ``keras.applications.ResNet101``. " + _BIAS_NOTE.format(44_549_160, " (torchvision)"))
resnet152 = register_variant(
    "resnet152", resnet, depth=152, summary="ResNet-152: bottleneck blocks, stages (3, 8, 36, 3).",
    paper=PAPER, params=60_419_944,
    notes="As ``keras.applications.ResNet152``. " + _BIAS_NOTE.format(60_192_808, " (torchvision)"))
plain18 = register_variant(
    "plain18", resnet, depth=18, shortcut=None,
    summary="The 18-layer plain network: ResNet-18 without its shortcuts.",
    paper="He et al., CVPR 2016, Figure 4 (left)", params=11_527_400,
    notes=_BIAS_NOTE.format(11_515_688, ""))
plain34 = register_variant(
    "plain34", resnet, depth=34, shortcut=None,
    summary="The 34-layer plain network: ResNet-34 without its shortcuts.",
    paper="He et al., CVPR 2016, Figures 3 and 4", params=21_646_696,
    notes=_BIAS_NOTE.format(21_623_848, ""))
