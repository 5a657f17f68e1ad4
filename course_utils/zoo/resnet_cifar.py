"""The CIFAR-10 ResNets of He et al. (2016, section 4.2) and their plain counterparts.

Builders: ``resnet20``, ``resnet32``, ``resnet44``, ``resnet56``, ``resnet110`` and
``plain20`` ... ``plain110`` (no shortcuts). A network of depth 6n + 2 has a 3x3
convolution with 16 filters, three stages of n basic blocks with 16, 32 and 64
filters (feature maps 32x32, 16x16, 8x8), global average pooling and the classifier.

By default the shortcuts use option A of the paper: identity, and where the shape
changes, a stride-2 subsampling padded with zero channels, so the shortcuts add no
parameters. ``shortcut="B"`` uses 1x1 projections there instead.

References
----------
K. He, X. Zhang, S. Ren, J. Sun, "Deep residual learning for image recognition",
CVPR 2016 (arXiv:1512.03385), section 4.2 and Table 6.
"""

from __future__ import annotations

from collections.abc import Callable

import keras

from course_utils.registry import register_variant
from course_utils.zoo._common import check_head_args, conv_bn_relu, make_input, pooled_head
from course_utils.zoo.resnet import check_block_args, residual_stages

CIFAR_FILTERS = (16, 32, 64)


def resnet_cifar(depth: int, input_shape=(32, 32, 3), num_classes=10, *, include_top=True,
                 pooling=None, classifier_activation="softmax", shortcut: str | None = "A",
                 use_bias: bool = False, attention: Callable | None = None,
                 name: str | None = None) -> keras.Model:
    """CIFAR ResNet of ``depth`` = 6n + 2 layers (20, 32, 44, 56, 110, ...).

    Parameters
    ----------
    depth : int
        6n + 2 for a positive integer n (n blocks per stage).
    input_shape : tuple, default=(32, 32, 3)
        The smallest input accepted is 4x4 (two stride-2 stages).
    num_classes : int, default=10
    include_top : bool, default=True
    pooling : {None, "avg", "max"}, default=None
    classifier_activation : str or None, default="softmax"
    shortcut : {"A", "B", "C", None}, default="A"
        None builds the plain network.
    use_bias : bool, default=False
        Convolution biases (redundant before batch norm); off as in the paper.
    attention : callable or None
        Applied to every residual branch (used by SE-ResNet).
    name : str or None
        Default ``f"resnet{depth}"`` (``f"plain{depth}"`` without shortcuts).
    """
    if not isinstance(depth, int) or depth < 8 or (depth - 2) % 6:
        raise ValueError(f"depth must be 6n + 2 (20, 32, 44, 56, 110, ...), got {depth!r}.")
    check_block_args("basic", shortcut)
    check_head_args(num_classes, include_top, pooling)
    name = name or (f"resnet{depth}" if shortcut else f"plain{depth}")
    blocks_per_stage = (depth - 2) // 6
    inputs = make_input(input_shape, min_size=4, model_name=name)
    x = conv_bn_relu(inputs, CIFAR_FILTERS[0], 3, use_bias=use_bias, name="conv1")  # (N, 32, 32, 16)
    x = residual_stages(x, "basic", (blocks_per_stage,) * 3, CIFAR_FILTERS,
                        shortcut=shortcut, use_bias=use_bias, attention=attention)  # (N, 8, 8, 64)
    x = pooled_head(x, num_classes, include_top, pooling, classifier_activation)
    return keras.Model(inputs, x, name=name)


PAPER = "He et al., CVPR 2016, sec. 4.2"

resnet20 = register_variant(
    "resnet20", resnet_cifar, depth=20, summary="ResNet-20 for CIFAR-10 (n = 3).",
    paper=f"{PAPER}, Table 6 (0.27M)", params=271_098, trainable=269_722,
    notes="""Option-A shortcuts add no parameters; ``shortcut="B"`` adds 2,944 (1x1
    projections where the shape changes). The rest of the count beyond the trainable
    weights is batch-norm moving statistics.""")
resnet32 = register_variant(
    "resnet32", resnet_cifar, depth=32, summary="ResNet-32 for CIFAR-10 (n = 5).",
    paper=f"{PAPER}, Table 6 (0.46M)", params=466_426, trainable=464_154)
resnet44 = register_variant(
    "resnet44", resnet_cifar, depth=44, summary="ResNet-44 for CIFAR-10 (n = 7).",
    paper=f"{PAPER}, Table 6 (0.66M)", params=661_754, trainable=658_586)
resnet56 = register_variant(
    "resnet56", resnet_cifar, depth=56, summary="ResNet-56 for CIFAR-10 (n = 9).",
    paper=f"{PAPER}, Table 6 (0.85M)", params=857_082, trainable=853_018)
resnet110 = register_variant(
    "resnet110", resnet_cifar, depth=110, summary="ResNet-110 for CIFAR-10 (n = 18).",
    paper=f"{PAPER}, Table 6 (1.7M)", params=1_736_058, trainable=1_727_962)

# The plain networks: the same layers without shortcuts, so the same counts.
plain20 = register_variant(
    "plain20", resnet_cifar, depth=20, shortcut=None, params=271_098, trainable=269_722,
    summary="Plain 20-layer CIFAR network: ResNet-20 without shortcuts.",
    paper=f"{PAPER}, Figure 6 (left)")
plain32 = register_variant(
    "plain32", resnet_cifar, depth=32, shortcut=None, params=466_426, trainable=464_154,
    summary="Plain 32-layer CIFAR network: ResNet-32 without shortcuts.",
    paper=f"{PAPER}, Figure 6 (left)")
plain44 = register_variant(
    "plain44", resnet_cifar, depth=44, shortcut=None, params=661_754, trainable=658_586,
    summary="Plain 44-layer CIFAR network: ResNet-44 without shortcuts.",
    paper=f"{PAPER}, Figure 6 (left)")
plain56 = register_variant(
    "plain56", resnet_cifar, depth=56, shortcut=None, params=857_082, trainable=853_018,
    summary="Plain 56-layer CIFAR network: ResNet-56 without shortcuts (its training "
            "error is above plain-20's).",
    paper=f"{PAPER}, Figure 6 (left)")
plain110 = register_variant(
    "plain110", resnet_cifar, depth=110, shortcut=None, params=1_736_058,
    trainable=1_727_962, summary="Plain 110-layer CIFAR network: ResNet-110 without shortcuts.",
    paper=PAPER)
