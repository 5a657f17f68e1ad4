"""MobileNet v1 (Howard et al. 2017) and v2 (Sandler et al. 2018).

Builders: ``mobilenet_v1`` (depthwise separable convolutions, width multiplier
``alpha``), ``mobilenet_v2`` (inverted residual blocks with linear
bottlenecks) and ``mobilenet_v2_cifar`` (the same blocks with two strides of 2 removed,
for 32x32 images). Counts and layer layout follow ``keras.applications.MobileNet`` and
``MobileNetV2``; stride-2 depthwise convolutions use 'same' padding here instead
of Keras's explicit zero padding (no effect on the parameters).

References
----------
A. G. Howard et al., "MobileNets: efficient convolutional neural networks for
mobile vision applications", arXiv:1704.04861, 2017.
M. Sandler et al., "MobileNetV2: inverted residuals and linear bottlenecks",
CVPR 2018 (arXiv:1801.04381).
"""

from __future__ import annotations

import keras
from keras import layers

from course_utils.registry import register_model
from course_utils.zoo._common import check_head_args, make_input, pooled_head

V1_EPSILON = 1e-3
V2_BN = {"epsilon": 1e-3, "momentum": 0.999}

# MobileNet v1 (Table 1 of the paper): (output channels, stride) of the 13
# depthwise separable blocks after the first 3x3/2 convolution with 32 maps.
V1_BLOCKS = ((64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2),
             (512, 1), (512, 1), (512, 1), (512, 1), (512, 1), (1024, 2), (1024, 1))

# MobileNet v2 (Table 2 of the paper): expansion t, output channels c, repeats n,
# stride s of the first repeat.
V2_STAGES = ((1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2),
             (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1))
# For 32x32 images: the stem and the second stage keep the resolution (32 -> 32 -> 32 -> 16
# -> 8 -> 4), as CIFAR adaptations of MobileNetV2 commonly do.
V2_CIFAR_STAGES = ((1, 16, 1, 1), (6, 24, 2, 1), (6, 32, 3, 2), (6, 64, 4, 2),
                   (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1))


def _check_alpha(alpha):
    if not isinstance(alpha, (int, float)) or isinstance(alpha, bool) or alpha <= 0:
        raise ValueError(f"alpha must be a positive number, got {alpha!r}.")


def make_divisible(value: float, divisor: int = 8) -> int:
    """Round ``value`` to the nearest multiple of ``divisor``, losing at most 10%."""
    rounded = max(divisor, int(value + divisor / 2) // divisor * divisor)
    if rounded < 0.9 * value:
        rounded += divisor
    return rounded


def depthwise_separable_block(x, filters: int, *, stride: int = 1, block_id: int):
    """3x3 depthwise conv + BN + ReLU6, then 1x1 pointwise conv + BN + ReLU6.

    Layers ``conv_dw_{id}``, ``conv_dw_{id}_bn``, ``conv_pw_{id}``, ... (Keras names).
    """
    x = layers.DepthwiseConv2D(3, strides=stride, padding="same", use_bias=False,
                               name=f"conv_dw_{block_id}")(x)
    x = layers.BatchNormalization(epsilon=V1_EPSILON, name=f"conv_dw_{block_id}_bn")(x)
    x = layers.ReLU(6.0, name=f"conv_dw_{block_id}_relu")(x)
    x = layers.Conv2D(filters, 1, use_bias=False, name=f"conv_pw_{block_id}")(x)
    x = layers.BatchNormalization(epsilon=V1_EPSILON, name=f"conv_pw_{block_id}_bn")(x)
    return layers.ReLU(6.0, name=f"conv_pw_{block_id}_relu")(x)


@register_model(paper="Howard et al., arXiv:1704.04861, 2017",
                params=4_253_864, trainable=4_231_976)
def mobilenet_v1(input_shape=(224, 224, 3), num_classes=1000, *, include_top=True,
                 pooling=None, classifier_activation="softmax", alpha=1.0, dropout=1e-3,
                 name="mobilenet_v1") -> keras.Model:
    """MobileNet v1: a 3x3/2 convolution and 13 depthwise separable blocks.

    Parameters
    ----------
    alpha : float, default=1.0
        Width multiplier: every layer gets ``int(channels * alpha)`` maps.
    dropout : float, default=1e-3
        Dropout before the classifier (the Keras Applications default).

    Other parameters as :func:`course_utils.zoo.resnet.resnet`; the smallest input
    accepted is 32x32.

    References
    ----------
    Howard et al., "MobileNets", arXiv:1704.04861, 2017.

    Notes
    -----
    At ``alpha=1.0`` the count of ``keras.applications.MobileNet``; the trainable part is
    the paper's 4.2M.
    """
    _check_alpha(alpha)
    check_head_args(num_classes, include_top, pooling)
    inputs = make_input(input_shape, min_size=32, model_name=name)
    x = layers.Conv2D(int(32 * alpha), 3, strides=2, padding="same", use_bias=False,
                      name="conv1")(inputs)                                  # (N, 112, 112, 32)
    x = layers.BatchNormalization(epsilon=V1_EPSILON, name="conv1_bn")(x)
    x = layers.ReLU(6.0, name="conv1_relu")(x)
    for block_id, (filters, stride) in enumerate(V1_BLOCKS, start=1):
        x = depthwise_separable_block(x, int(filters * alpha), stride=stride,
                                      block_id=block_id)                     # (N, 7, 7, 1024)
    x = pooled_head(x, num_classes, include_top, pooling, classifier_activation,
                    dropout=dropout)
    return keras.Model(inputs, x, name=name)


def inverted_residual_block(x, filters: int, *, expansion: int, stride: int, name: str,
                            kernel_size: int = 3, bn: dict | None = None):
    """Expand (1x1, ReLU6) - depthwise kxk (ReLU6) - project (1x1, linear) [+ input].

    The input is added back when the stride is 1 and the channels match. Layers
    ``{name}_expand``, ``{name}_depthwise``, ``{name}_project`` (+ ``_bn``, ``_relu``).
    ``kernel_size`` is the depthwise kernel (3 in MobileNet v2, 3 or 5 in EfficientNet);
    ``bn`` the batch norm's options (default :data:`V2_BN`).
    """
    bn = V2_BN if bn is None else bn
    in_channels = x.shape[-1]
    y = x
    if expansion != 1:
        y = layers.Conv2D(expansion * in_channels, 1, use_bias=False, name=f"{name}_expand")(y)
        y = layers.BatchNormalization(**bn, name=f"{name}_expand_bn")(y)
        y = layers.ReLU(6.0, name=f"{name}_expand_relu")(y)
    y = layers.DepthwiseConv2D(kernel_size, strides=stride, padding="same", use_bias=False,
                               name=f"{name}_depthwise")(y)
    y = layers.BatchNormalization(**bn, name=f"{name}_depthwise_bn")(y)
    y = layers.ReLU(6.0, name=f"{name}_depthwise_relu")(y)
    y = layers.Conv2D(filters, 1, use_bias=False, name=f"{name}_project")(y)
    y = layers.BatchNormalization(**bn, name=f"{name}_project_bn")(y)      # linear bottleneck
    if stride == 1 and in_channels == filters:
        y = layers.Add(name=f"{name}_add")([x, y])
    return y


def _v2_body(inputs, alpha: float, stages, stem_stride: int):
    x = layers.Conv2D(make_divisible(32 * alpha), 3, strides=stem_stride, padding="same",
                      use_bias=False, name="Conv1")(inputs)
    x = layers.BatchNormalization(**V2_BN, name="bn_Conv1")(x)
    x = layers.ReLU(6.0, name="Conv1_relu")(x)
    block_id = 0
    for expansion, channels, repeats, first_stride in stages:
        for i in range(repeats):
            x = inverted_residual_block(x, make_divisible(channels * alpha),
                                        expansion=expansion,
                                        stride=first_stride if i == 0 else 1,
                                        name=f"block_{block_id}")
            block_id += 1
    last_channels = make_divisible(1280 * alpha) if alpha > 1.0 else 1280
    x = layers.Conv2D(last_channels, 1, use_bias=False, name="Conv_1")(x)
    x = layers.BatchNormalization(**V2_BN, name="Conv_1_bn")(x)
    return layers.ReLU(6.0, name="out_relu")(x)


@register_model(paper="Sandler et al., CVPR 2018",
                params=3_538_984, trainable=3_504_872)
def mobilenet_v2(input_shape=(224, 224, 3), num_classes=1000, *, include_top=True,
                 pooling=None, classifier_activation="softmax", alpha=1.0,
                 name="mobilenet_v2") -> keras.Model:
    """MobileNet v2: 17 inverted residual blocks (:data:`V2_STAGES`) and a 1x1 conv to 1280.

    Parameters
    ----------
    alpha : float, default=1.0
        Width multiplier; channels are rounded to multiples of 8. The last 1x1
        convolution keeps 1280 maps for ``alpha <= 1``.

    Other parameters as :func:`course_utils.zoo.resnet.resnet`; the smallest input
    accepted is 32x32.

    References
    ----------
    Sandler et al., "MobileNetV2: inverted residuals and linear bottlenecks", CVPR 2018.

    Notes
    -----
    At ``alpha=1.0`` the count of ``keras.applications.MobileNetV2``; the trainable part
    is the paper's 3.4M.
    """
    _check_alpha(alpha)
    check_head_args(num_classes, include_top, pooling)
    inputs = make_input(input_shape, min_size=32, model_name=name)
    x = _v2_body(inputs, alpha, V2_STAGES, stem_stride=2)                   # (N, 7, 7, 1280)
    x = pooled_head(x, num_classes, include_top, pooling, classifier_activation)
    return keras.Model(inputs, x, name=name)


@register_model(paper="Sandler et al. 2018, strides for 32x32",
                params=2_270_794)
def mobilenet_v2_cifar(input_shape=(32, 32, 3), num_classes=10, *, include_top=True,
                       pooling=None, classifier_activation="softmax", alpha=1.0,
                       name="mobilenet_v2_cifar") -> keras.Model:
    """MobileNet v2 for 32x32 images: stride 1 in the stem and the second stage.

    The blocks, channels and the 1280-map last layer are those of :func:`mobilenet_v2`
    (:data:`V2_CIFAR_STAGES`); the feature maps go 32 -> 32 -> 32 -> 16 -> 8 -> 4 instead
    of ending at 1x1.

    Parameters
    ----------
    alpha : float, default=1.0
        Width multiplier, as in :func:`mobilenet_v2`.

    Other parameters as :func:`course_utils.zoo.resnet.resnet`.

    References
    ----------
    Sandler et al., "MobileNetV2: inverted residuals and linear bottlenecks", CVPR 2018.

    Notes
    -----
    The convolutional part is that of ``mobilenet_v2``; only the classifier's count differs.
    """
    _check_alpha(alpha)
    check_head_args(num_classes, include_top, pooling)
    inputs = make_input(input_shape, min_size=8, model_name=name)
    x = _v2_body(inputs, alpha, V2_CIFAR_STAGES, stem_stride=1)             # (N, 4, 4, 1280)
    x = pooled_head(x, num_classes, include_top, pooling, classifier_activation)
    return keras.Model(inputs, x, name=name)


# EfficientNet-Lite0 (the B0 stages of Tan & Le 2019, Table 1, in the "Lite" form of the
# TensorFlow model garden: no squeeze-and-excitation, ReLU6, stem and head kept at 32 and
# 1280 maps): expansion t, kernel k, output channels c, repeats n, stride s of the first.
LITE0_STAGES = ((1, 3, 16, 1, 1), (6, 3, 24, 2, 2), (6, 5, 40, 2, 2), (6, 3, 80, 3, 2),
                (6, 5, 112, 3, 1), (6, 5, 192, 4, 2), (6, 3, 320, 1, 1))
LITE_BN = {"epsilon": 1e-3, "momentum": 0.99}
# The Lite models' input scaling: (pixel - 127) / 128, pixels in 0..255.
LITE_MEAN, LITE_STD = 127.0, 128.0


@register_model(paper="Tan & Le, ICML 2019 (EfficientNet-Lite, TensorFlow model garden 2020)",
                params=4_694_024, trainable=4_652_008)
def efficientnet_lite0(input_shape=(224, 224, 3), num_classes=1000, *, include_top=True,
                       pooling=None, classifier_activation="softmax", dropout=0.2,
                       include_preprocessing=False, name="efficientnet_lite0") -> keras.Model:
    """EfficientNet-Lite0: EfficientNet-B0's 16 inverted residual blocks without SE, ReLU6.

    Parameters
    ----------
    dropout : float, default=0.2
        Dropout before the classifier.
    include_preprocessing : bool, default=False
        Start with ``Rescaling`` from pixels in 0..255 to ``(pixel - 127) / 128``, the
        scaling the ImageNet weights were trained with (:data:`LITE_MEAN`, :data:`LITE_STD`).

    Other parameters as :func:`course_utils.zoo.resnet.resnet`; the smallest input
    accepted is 32x32.

    References
    ----------
    M. Tan, Q. V. Le, "EfficientNet: rethinking model scaling for convolutional neural
    networks", ICML 2019 (arXiv:1905.11946); R. Liu, "Higher accuracy on vision models with
    EfficientNet-Lite", TensorFlow blog, 2020.

    Notes
    -----
    The layout of the ImageNet weights that :func:`course_utils.transfer.backbone` converts
    (``efficientnet-lite0-57934424.pth``): 4,694,024 numbers, of which 42,016 are batch
    norm's moving statistics.
    """
    check_head_args(num_classes, include_top, pooling)
    inputs = make_input(input_shape, min_size=32, model_name=name)
    x = inputs
    if include_preprocessing:
        x = layers.Rescaling(1.0 / LITE_STD, offset=-LITE_MEAN / LITE_STD, name="rescaling")(x)
    x = layers.Conv2D(32, 3, strides=2, padding="same", use_bias=False, name="stem_conv")(x)
    x = layers.BatchNormalization(**LITE_BN, name="stem_bn")(x)
    x = layers.ReLU(6.0, name="stem_relu")(x)                                 # (N, 112, 112, 32)
    block_id = 0
    for expansion, kernel, channels, repeats, first_stride in LITE0_STAGES:
        for i in range(repeats):
            x = inverted_residual_block(x, channels, expansion=expansion, kernel_size=kernel,
                                        stride=first_stride if i == 0 else 1, bn=LITE_BN,
                                        name=f"block_{block_id}")
            block_id += 1                                                      # (N, 7, 7, 320)
    x = layers.Conv2D(1280, 1, use_bias=False, name="top_conv")(x)
    x = layers.BatchNormalization(**LITE_BN, name="top_bn")(x)
    x = layers.ReLU(6.0, name="top_relu")(x)                                  # (N, 7, 7, 1280)
    x = pooled_head(x, num_classes, include_top, pooling, classifier_activation,
                    dropout=dropout)
    return keras.Model(inputs, x, name=name)
