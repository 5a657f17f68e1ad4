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


def resnet20(input_shape=(32, 32, 3), num_classes=10, *, include_top=True, pooling=None,
             classifier_activation="softmax", shortcut="A", name="resnet20") -> keras.Model:
    """ResNet-20 for CIFAR-10 (n = 3). Arguments as :func:`resnet_cifar`.

    References
    ----------
    He et al., CVPR 2016, Table 6 (0.27M parameters).

    Notes
    -----
    271,098 parameters at 32x32x3 and 10 classes with option-A shortcuts, of which
    269,722 are trainable (the paper's 0.27M; the rest are batch-norm statistics).
    With ``shortcut="B"``: 274,042 (272,474 trainable).
    """
    return resnet_cifar(20, input_shape, num_classes, include_top=include_top,
                        pooling=pooling, classifier_activation=classifier_activation,
                        shortcut=shortcut, name=name)


def resnet32(input_shape=(32, 32, 3), num_classes=10, *, include_top=True, pooling=None,
             classifier_activation="softmax", shortcut="A", name="resnet32") -> keras.Model:
    """ResNet-32 for CIFAR-10 (n = 5). Arguments as :func:`resnet_cifar`.

    References
    ----------
    He et al., CVPR 2016, Table 6 (0.46M).

    Notes
    -----
    466,426 parameters at 32x32x3 and 10 classes with option-A shortcuts, of which
    464,154 are trainable.
    """
    return resnet_cifar(32, input_shape, num_classes, include_top=include_top,
                        pooling=pooling, classifier_activation=classifier_activation,
                        shortcut=shortcut, name=name)


def resnet44(input_shape=(32, 32, 3), num_classes=10, *, include_top=True, pooling=None,
             classifier_activation="softmax", shortcut="A", name="resnet44") -> keras.Model:
    """ResNet-44 for CIFAR-10 (n = 7). Arguments as :func:`resnet_cifar`.

    References
    ----------
    He et al., CVPR 2016, Table 6 (0.66M).

    Notes
    -----
    661,754 parameters at 32x32x3 and 10 classes with option-A shortcuts, of which
    658,586 are trainable.
    """
    return resnet_cifar(44, input_shape, num_classes, include_top=include_top,
                        pooling=pooling, classifier_activation=classifier_activation,
                        shortcut=shortcut, name=name)


def resnet56(input_shape=(32, 32, 3), num_classes=10, *, include_top=True, pooling=None,
             classifier_activation="softmax", shortcut="A", name="resnet56") -> keras.Model:
    """ResNet-56 for CIFAR-10 (n = 9). Arguments as :func:`resnet_cifar`.

    References
    ----------
    He et al., CVPR 2016, Table 6 (0.85M).

    Notes
    -----
    857,082 parameters at 32x32x3 and 10 classes with option-A shortcuts, of which
    853,018 are trainable.
    """
    return resnet_cifar(56, input_shape, num_classes, include_top=include_top,
                        pooling=pooling, classifier_activation=classifier_activation,
                        shortcut=shortcut, name=name)


def resnet110(input_shape=(32, 32, 3), num_classes=10, *, include_top=True, pooling=None,
              classifier_activation="softmax", shortcut="A", name="resnet110") -> keras.Model:
    """ResNet-110 for CIFAR-10 (n = 18). Arguments as :func:`resnet_cifar`.

    References
    ----------
    He et al., CVPR 2016, Table 6 (1.7M).

    Notes
    -----
    1,736,058 parameters at 32x32x3 and 10 classes with option-A shortcuts, of which
    1,727,962 are trainable.
    """
    return resnet_cifar(110, input_shape, num_classes, include_top=include_top,
                        pooling=pooling, classifier_activation=classifier_activation,
                        shortcut=shortcut, name=name)


def _plain(depth, input_shape, num_classes, include_top, pooling, classifier_activation,
           name):
    return resnet_cifar(depth, input_shape, num_classes, include_top=include_top,
                        pooling=pooling, classifier_activation=classifier_activation,
                        shortcut=None, name=name)


def plain20(input_shape=(32, 32, 3), num_classes=10, *, include_top=True, pooling=None,
            classifier_activation="softmax", name="plain20") -> keras.Model:
    """Plain 20-layer CIFAR network: :func:`resnet20` without shortcuts.

    References
    ----------
    He et al., CVPR 2016, Figure 6 (left).

    Notes
    -----
    271,098 parameters at 32x32x3 and 10 classes, of which 269,722 are trainable
    (as ResNet-20 with option-A shortcuts).
    """
    return _plain(20, input_shape, num_classes, include_top, pooling,
                  classifier_activation, name)


def plain32(input_shape=(32, 32, 3), num_classes=10, *, include_top=True, pooling=None,
            classifier_activation="softmax", name="plain32") -> keras.Model:
    """Plain 32-layer CIFAR network: :func:`resnet32` without shortcuts.

    References
    ----------
    He et al., CVPR 2016, Figure 6 (left).

    Notes
    -----
    466,426 parameters at 32x32x3 and 10 classes, of which 464,154 are trainable.
    """
    return _plain(32, input_shape, num_classes, include_top, pooling,
                  classifier_activation, name)


def plain44(input_shape=(32, 32, 3), num_classes=10, *, include_top=True, pooling=None,
            classifier_activation="softmax", name="plain44") -> keras.Model:
    """Plain 44-layer CIFAR network: :func:`resnet44` without shortcuts.

    References
    ----------
    He et al., CVPR 2016, Figure 6 (left).

    Notes
    -----
    661,754 parameters at 32x32x3 and 10 classes, of which 658,586 are trainable.
    """
    return _plain(44, input_shape, num_classes, include_top, pooling,
                  classifier_activation, name)


def plain56(input_shape=(32, 32, 3), num_classes=10, *, include_top=True, pooling=None,
            classifier_activation="softmax", name="plain56") -> keras.Model:
    """Plain 56-layer CIFAR network: :func:`resnet56` without shortcuts.

    References
    ----------
    He et al., CVPR 2016, Figure 6 (left): its training error is above plain-20's.

    Notes
    -----
    857,082 parameters at 32x32x3 and 10 classes, of which 853,018 are trainable.
    """
    return _plain(56, input_shape, num_classes, include_top, pooling,
                  classifier_activation, name)


def plain110(input_shape=(32, 32, 3), num_classes=10, *, include_top=True, pooling=None,
             classifier_activation="softmax", name="plain110") -> keras.Model:
    """Plain 110-layer CIFAR network: :func:`resnet110` without shortcuts.

    References
    ----------
    He et al., CVPR 2016, section 4.2.

    Notes
    -----
    1,736,058 parameters at 32x32x3 and 10 classes, of which 1,727,962 are trainable.
    """
    return _plain(110, input_shape, num_classes, include_top, pooling,
                  classifier_activation, name)
