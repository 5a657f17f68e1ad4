"""AlexNet (Krizhevsky, Sutskever, Hinton 2012) and its local response normalisation.

Builders: ``alexnet`` (one tower), ``alexnet_two_tower`` (the paper's two-GPU
grouping), ``alexnet_cifar`` (a scaled version for 32x32 images).

References
----------
A. Krizhevsky, I. Sutskever, G. E. Hinton, "ImageNet classification with deep
convolutional neural networks", NeurIPS 2012.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import layers, ops

from course_utils.registry import register_model
from course_utils.zoo._common import check_head_args, global_pool, make_input


@keras.saving.register_keras_serializable(package="course_utils")
class LocalResponseNormalization(layers.Layer):
    """Local response normalisation across channels (AlexNet section 3.3).

    ``b[c] = a[c] / (bias + alpha * sum(a[c']**2 for |c' - c| <= depth_radius)) ** beta``

    The paper's values are n = 5 neighbouring maps (``depth_radius=2``), k = 2,
    alpha = 1e-4, beta = 0.75. As in the paper (and ``tf.nn.local_response_normalization``)
    alpha multiplies the plain sum; PyTorch's ``LocalResponseNorm`` divides it by n.
    No trainable parameters.
    """

    def __init__(self, depth_radius: int = 2, bias: float = 2.0, alpha: float = 1e-4,
                 beta: float = 0.75, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(depth_radius, int) or depth_radius < 0:
            raise ValueError(f"depth_radius must be a non-negative integer, got {depth_radius!r}.")
        self.depth_radius = depth_radius
        self.bias = float(bias)
        self.alpha = float(alpha)
        self.beta = float(beta)

    def build(self, input_shape):
        channels = int(input_shape[-1])
        index = np.arange(channels)
        # band[c', c] = 1 when |c - c'| <= depth_radius: the window of channel c
        self.band = (np.abs(index[:, None] - index[None, :]) <= self.depth_radius)

    def call(self, inputs):
        squared = ops.square(inputs)
        # the sum of the 2r+1 neighbouring channels, as one (C x C) matrix product per pixel
        window = ops.matmul(squared, ops.convert_to_tensor(self.band, dtype=squared.dtype))
        return inputs / ops.power(self.bias + self.alpha * window, self.beta)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "depth_radius": self.depth_radius,
                "bias": self.bias, "alpha": self.alpha, "beta": self.beta}


# (filters, kernel, stride, groups in the two-tower form, LRN after, max-pool after)
CONV_LAYERS = (
    (96, 11, 4, 1, True, True),
    (256, 5, 1, 2, True, True),
    (384, 3, 1, 1, False, False),
    (384, 3, 1, 2, False, False),
    (256, 3, 1, 2, False, True),
)


NORMALIZATIONS = ("lrn", "batch", "none")
ACTIVATIONS = ("relu", "tanh")


def _alexnet(input_shape, num_classes, include_top, pooling, classifier_activation, name,
             conv_layers, dense_units, two_tower, min_size, dropout=0.5, activation="relu",
             normalization="lrn", pool_size=3, kernel_initializer="glorot_uniform",
             bn_momentum=0.99):
    check_head_args(num_classes, include_top, pooling)
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {ACTIVATIONS}, got {activation!r}.")
    if normalization not in NORMALIZATIONS:
        raise ValueError(f"normalization must be one of {NORMALIZATIONS}, got {normalization!r}.")
    if pool_size not in (2, 3):
        raise ValueError(f"pool_size must be 3 (overlapping, stride 2) or 2 (non-overlapping), "
                         f"got {pool_size!r}.")
    if not 0 <= dropout < 1:
        raise ValueError(f"dropout must be in [0, 1), got {dropout!r}.")
    inputs = make_input(input_shape, min_size=min_size, model_name=name,
                        fixed_size=include_top)
    x = inputs
    for i, (filters, kernel, stride, groups, lrn, pool) in enumerate(conv_layers, start=1):
        x = layers.Conv2D(filters, kernel, strides=stride,
                          padding="valid" if i == 1 and stride > 1 else "same",
                          groups=groups if two_tower else 1,
                          activation=None if normalization == "batch" else activation,
                          kernel_initializer=kernel_initializer, name=f"conv{i}")(x)
        if normalization == "batch":  # BN between the convolution and its nonlinearity
            x = layers.BatchNormalization(momentum=bn_momentum, name=f"conv{i}_bn")(x)
            x = layers.Activation(activation, name=f"conv{i}_act")(x)
        elif lrn and normalization == "lrn":
            x = LocalResponseNormalization(name=f"conv{i}_lrn")(x)
        if pool:  # 3x3 stride 2 overlaps neighbouring windows; 2x2 stride 2 does not
            x = layers.MaxPooling2D(pool_size, strides=2, name=f"conv{i}_pool")(x)
    if not include_top:
        return keras.Model(inputs, global_pool(x, pooling), name=name)
    x = layers.Flatten(name="flatten")(x)
    for i, units in enumerate(dense_units, start=len(conv_layers) + 1):
        x = layers.Dense(units, activation=activation, kernel_initializer=kernel_initializer,
                         name=f"fc{i}")(x)
        x = layers.Dropout(dropout, name=f"fc{i}_dropout")(x)
    x = layers.Dense(num_classes, activation=classifier_activation, name="predictions")(x)
    return keras.Model(inputs, x, name=name)


@register_model(paper="Krizhevsky, Sutskever & Hinton, NeurIPS 2012", params=62_378_344)
def alexnet(input_shape=(227, 227, 3), num_classes=1000, *, include_top=True, pooling=None,
            classifier_activation="softmax", name="alexnet") -> keras.Model:
    """AlexNet in one tower: 5 convolutions, 3 fully connected layers, ReLU.

    227x227x3 -> conv1 11x11/4 96 -> 55x55 -> LRN -> max-pool 3/2 -> 27x27
    -> conv2 5x5 256 -> LRN -> pool -> 13x13 -> conv3 384 -> conv4 384 -> conv5 256
    -> pool -> 6x6x256 = 9,216 -> fc6 4096 -> fc7 4096 -> num_classes. Dropout 0.5
    on the outputs of fc6 and fc7. The smallest input accepted is 67x67.

    References
    ----------
    Krizhevsky, Sutskever, Hinton, NeurIPS 2012.

    Notes
    -----
    The "62.3M" usually quoted: convolutions 3,747,200 (6%), fully connected layers 58,631,144.
    """
    return _alexnet(input_shape, num_classes, include_top, pooling, classifier_activation,
                    name, CONV_LAYERS, (4096, 4096), two_tower=False, min_size=67)


@register_model(paper="Krizhevsky, Sutskever & Hinton, NeurIPS 2012 (two GPUs)",
                params=60_965_224)
def alexnet_two_tower(input_shape=(227, 227, 3), num_classes=1000, *, include_top=True,
                      pooling=None, classifier_activation="softmax",
                      name="alexnet_two_tower") -> keras.Model:
    """AlexNet as split over two GPUs in the paper: grouped conv2, conv4 and conv5.

    Each half of conv2, conv4 and conv5 sees only the maps of its own GPU
    (``Conv2D(groups=2)``); conv3 and the dense layers connect across GPUs. The
    LRN layers here normalise across all 96/256 maps (in the paper, within one GPU).
    The smallest input accepted is 67x67.

    References
    ----------
    Krizhevsky, Sutskever, Hinton, NeurIPS 2012 (Figure 2).

    Notes
    -----
    1,413,120 fewer parameters than :func:`alexnet`.
    """
    return _alexnet(input_shape, num_classes, include_top, pooling, classifier_activation,
                    name, CONV_LAYERS, (4096, 4096), two_tower=True, min_size=67)


# The same five-convolution layout for 32x32 images: 5x5 stride-1 first layer, narrower.
CIFAR_CONV_LAYERS = (
    (64, 5, 1, 1, True, True),
    (192, 5, 1, 1, True, True),
    (256, 3, 1, 1, False, False),
    (256, 3, 1, 1, False, False),
    (192, 3, 1, 1, False, True),
)


@register_model(paper="Krizhevsky et al. 2012, scaled for 32x32 images", params=4_087_946)
def alexnet_cifar(input_shape=(32, 32, 3), num_classes=10, *, include_top=True,
                  pooling=None, classifier_activation="softmax", width: float = 1.0,
                  activation: str = "relu", dropout: float = 0.5, normalization: str = "lrn",
                  pool_size: int = 3, kernel_initializer="glorot_uniform",
                  bn_momentum: float = 0.9, name="alexnet_cifar") -> keras.Model:
    """AlexNet scaled for 32x32 images (CIFAR-10), with the paper's ingredients as options.

    conv1 5x5/1 64 -> LRN -> pool 3/2 (15x15) -> conv2 5x5 192 -> LRN -> pool (7x7)
    -> conv3 256 -> conv4 256 -> conv5 192 -> pool (3x3x192 = 1,728) -> fc6 1024
    -> fc7 512 -> num_classes, with dropout 0.5 after fc6 and fc7. The smallest
    input accepted is 15x15.

    Parameters
    ----------
    width : float, default=1.0
        Multiplies every layer's width (0.5: a quarter of the MACs), for CPU budgets.
    activation : {"relu", "tanh"}, default="relu"
        Of every convolution and hidden dense layer (the paper's Figure 1 compares them).
    dropout : float, default=0.5
        After fc6 and fc7 (0 switches it off).
    normalization : {"lrn", "batch", "none"}, default="lrn"
        LRN after conv1 and conv2 (the paper), batch norm after every convolution
        (before its activation), or none.
    pool_size : {3, 2}, default=3
        3: the paper's overlapping 3x3 stride-2 pooling; 2: non-overlapping 2x2.
    kernel_initializer : str or initializer, default="glorot_uniform"
        Of every convolution and dense layer (``"he_normal"`` suits ReLU, lesson 06).
    bn_momentum : float, default=0.9
        Of the batch norms (``normalization="batch"``): lower than Keras's 0.99, so that the
        running statistics used at test time keep up with a short run.

    References
    ----------
    Krizhevsky, Sutskever, Hinton, NeurIPS 2012 (the layout); scaled for this course.
    """
    if not 0 < width <= 4:
        raise ValueError(f"width must be in (0, 4], got {width!r}.")
    scaled = tuple((max(1, round(f * width)), k, s, g, lrn, pool)
                   for f, k, s, g, lrn, pool in CIFAR_CONV_LAYERS)
    dense = tuple(max(1, round(u * width)) for u in (1024, 512))
    return _alexnet(input_shape, num_classes, include_top, pooling, classifier_activation,
                    name, scaled, dense, two_tower=False, min_size=15 if pool_size == 3 else 8,
                    dropout=dropout, activation=activation, normalization=normalization,
                    pool_size=pool_size, kernel_initializer=kernel_initializer,
                    bn_momentum=bn_momentum)
