"""Squeeze-and-excitation (Hu, Shen, Sun 2018): channels reweighted by global context.

A squeeze-and-excitation block averages each channel over the whole image
(squeeze), passes the channel vector through a small bottleneck of two dense
layers ending in a sigmoid (excitation), and multiplies every channel by its
weight. Builders: ``se_resnet50`` (ImageNet) and ``se_resnet20`` (CIFAR-10), the
ResNets of :mod:`course_utils.zoo.resnet` with an SE block on every residual
branch, before the addition.

References
----------
J. Hu, L. Shen, G. Sun, "Squeeze-and-excitation networks", CVPR 2018
(arXiv:1709.01507).
"""

from __future__ import annotations

import functools

import keras
from keras import layers

from course_utils.registry import register_model
from course_utils.zoo.resnet import resnet
from course_utils.zoo.resnet_cifar import resnet_cifar


def se_block(x, *, ratio: int = 16, name: str):
    """Squeeze-and-excitation on a (N, H, W, C) map; returns the same shape.

    Squeeze: global average pool to (N, C). Excitation: dense ``max(1, C // ratio)``
    with ReLU, dense C with sigmoid. Scale: multiply the map channel by channel.
    Parameters: ``2 * C * (C // ratio) + C // ratio + C``.
    """
    if not isinstance(ratio, int) or ratio < 1:
        raise ValueError(f"ratio must be a positive integer, got {ratio!r}.")
    channels = x.shape[-1]
    s = layers.GlobalAveragePooling2D(name=f"{name}_squeeze")(x)                  # (N, C)
    s = layers.Dense(max(1, channels // ratio), activation="relu", name=f"{name}_reduce")(s)
    s = layers.Dense(channels, activation="sigmoid", name=f"{name}_expand")(s)    # (N, C)
    s = layers.Reshape((1, 1, channels), name=f"{name}_reshape")(s)               # (N, 1, 1, C)
    return layers.Multiply(name=f"{name}_scale")([x, s])


@register_model(paper="Hu et al., CVPR 2018, Table 1",
                params=28_167_704)
def se_resnet50(input_shape=(224, 224, 3), num_classes=1000, *, include_top=True,
                pooling=None, classifier_activation="softmax", ratio=16, use_bias=True,
                name="se_resnet50") -> keras.Model:
    """SE-ResNet-50: ResNet-50 with an SE block (reduction ``ratio``) in every block.

    Arguments as :func:`course_utils.zoo.resnet.resnet`; the smallest input
    accepted is 32x32.

    References
    ----------
    Hu, Shen, Sun, "Squeeze-and-excitation networks", CVPR 2018, Table 1.

    Notes
    -----
    :func:`resnet50`'s count plus 2,530,992 for the SE blocks (Keras convention). With
    ``use_bias=False``, 28,088,024 trainable: the paper's 28.09M (torchvision convention).
    """
    return resnet(50, input_shape, num_classes, include_top=include_top, pooling=pooling,
                  classifier_activation=classifier_activation, use_bias=use_bias,
                  attention=functools.partial(se_block, ratio=ratio), name=name)


@register_model(paper="Hu et al., CVPR 2018, on ResNet-20",
                params=275_508)
def se_resnet20(input_shape=(32, 32, 3), num_classes=10, *, include_top=True,
                pooling=None, classifier_activation="softmax", ratio=8,
                name="se_resnet20") -> keras.Model:
    """SE-ResNet-20 for CIFAR-10: :func:`resnet20` with SE blocks of reduction ``ratio``.

    References
    ----------
    Hu, Shen, Sun, CVPR 2018; He et al., CVPR 2016 (ResNet-20).

    Notes
    -----
    :func:`resnet20`'s count plus 4,410 for the SE blocks at ``ratio=8``.
    """
    return resnet_cifar(20, input_shape, num_classes, include_top=include_top,
                        pooling=pooling, classifier_activation=classifier_activation,
                        attention=functools.partial(se_block, ratio=ratio), name=name)
