"""Rotation-equivariant networks (Cohen & Welling 2016): P4CNN and its plain twin Z2CNN.

Builders: ``p4cnn``, four p4 convolutions (:mod:`course_utils.layers`) with max pooling,
pooled over the rotations and over space, so that the class scores are *invariant* to
rotations of the input by 90 degrees; ``z2cnn``, the same stack of ordinary 3x3 convolutions
with widths chosen to have about as many parameters (16,122 against 16,418).

References
----------
T. Cohen, M. Welling, "Group Equivariant Convolutional Networks", ICML 2016.
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
from keras import layers

from course_utils.layers import P4Conv, P4Lift, P4Pool
from course_utils.registry import register_model
from course_utils.zoo._common import check_head_args, make_input, pooled_head

P4_FILTERS = (8, 8, 16, 16)     # features per rotation: 4x as many maps
Z2_FILTERS = (16, 24, 24, 32)   # about the same number of parameters
POOL_AFTER = (2, 3)             # 2x2 max pooling after the 2nd and 3rd layers


def _check_filters(filters: Sequence[int], name: str) -> tuple[int, ...]:
    filters = tuple(filters)
    if len(filters) != 4 or not all(isinstance(f, int) and f > 0 for f in filters):
        raise ValueError(f"{name}: filters must be 4 positive ints, got {filters!r}.")
    return filters


@register_model(paper="Cohen & Welling, ICML 2016",
                params=16_418)
def p4cnn(input_shape=(28, 28, 1), num_classes=10, *, filters: Sequence[int] = P4_FILTERS,
          include_top=True, pooling=None, classifier_activation="softmax", name="p4cnn") -> keras.Model:
    """A p4-equivariant CNN: lift, three p4 convolutions, pooling over rotations.

    28x28 -> P4Lift 3x3 (8 x 4 maps) -> P4Conv 3x3 (8 x 4) -> max-pool 2 -> P4Conv (16 x 4)
    -> max-pool 2 -> P4Conv (16 x 4) -> max over the 4 rotations -> global average pooling
    -> dense. Every layer uses "same" padding and ReLU. Height and width must be divisible
    by 4 so that pooling commutes with rotation exactly.

    ``include_top=False`` returns the 16 rotation-pooled maps after ``pooling``.

    References
    ----------
    Cohen & Welling, "Group Equivariant Convolutional Networks", ICML 2016.
    """
    check_head_args(num_classes, include_top, pooling)
    filters = _check_filters(filters, name)
    inputs = make_input(input_shape, min_size=4, model_name=name)
    if any(s is not None and s % 4 for s in input_shape[:2]):
        raise ValueError(f"{name}: height and width must be divisible by 4 (two 2x2 poolings that "
                         f"commute with rotations), got input_shape={tuple(input_shape)!r}.")
    x = P4Lift(filters[0], 3, activation="relu", name="p4_lift")(inputs)
    for i, f in enumerate(filters[1:], start=2):
        x = P4Conv(f, 3, activation="relu", name=f"p4_conv{i}")(x)
        if i in POOL_AFTER:
            x = layers.MaxPooling2D(2, name=f"pool{i}")(x)
    x = P4Pool("max", name="rotation_pool")(x)
    outputs = pooled_head(x, num_classes, include_top, pooling, classifier_activation)
    return keras.Model(inputs, outputs, name=name)


@register_model(paper="Cohen & Welling, ICML 2016 (Z2CNN)", params=16_122)
def z2cnn(input_shape=(28, 28, 1), num_classes=10, *, filters: Sequence[int] = Z2_FILTERS,
          include_top=True, pooling=None, classifier_activation="softmax", name="z2cnn") -> keras.Model:
    """The plain twin of :func:`p4cnn`: the same layers as ordinary 3x3 convolutions.

    28x28 -> conv 16 -> conv 24 -> max-pool 2 -> conv 24 -> max-pool 2 -> conv 32 -> global
    average pooling -> dense ("same" padding, ReLU). Translation-equivariant only.

    References
    ----------
    Cohen & Welling, "Group Equivariant Convolutional Networks", ICML 2016 (their Z2CNN baseline).

    Notes
    -----
    About as many parameters as :func:`p4cnn`, so that the comparison is fair.
    """
    check_head_args(num_classes, include_top, pooling)
    filters = _check_filters(filters, name)
    inputs = make_input(input_shape, min_size=4, model_name=name)
    x = inputs
    for i, f in enumerate(filters, start=1):
        x = layers.Conv2D(f, 3, padding="same", activation="relu", name=f"conv{i}")(x)
        if i in POOL_AFTER:
            x = layers.MaxPooling2D(2, name=f"pool{i}")(x)
    outputs = pooled_head(x, num_classes, include_top, pooling, classifier_activation)
    return keras.Model(inputs, outputs, name=name)
