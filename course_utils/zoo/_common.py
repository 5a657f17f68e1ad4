"""Helpers shared by every builder of the zoo: input checks and the classifier head.

Each builder calls :func:`check_head_args` and :func:`make_input` first, so a bad
argument fails before any layer is created, with a message that shows the value
received and the value expected.
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
from keras import layers

POOLING_OPTIONS = (None, "avg", "max")

# Batch-normalisation epsilon of Keras Applications (kept so counts and layer
# configurations line up with ``keras.applications``).
BN_EPSILON = 1.001e-5


def check_head_args(num_classes: int, include_top: bool, pooling: str | None) -> None:
    """Raise ``ValueError`` for a bad ``num_classes`` or ``pooling``."""
    if include_top and (
        not isinstance(num_classes, int) or isinstance(num_classes, bool) or num_classes < 1
    ):
        raise ValueError(f"num_classes must be a positive integer, got {num_classes!r}.")
    if pooling not in POOLING_OPTIONS:
        raise ValueError(f"pooling must be one of {POOLING_OPTIONS}, got {pooling!r}.")


def make_input(
    input_shape: Sequence[int | None],
    *,
    min_size: int,
    model_name: str,
    fixed_size: bool = False,
    name: str = "input_layer",
) -> keras.KerasTensor:
    """Check ``input_shape`` (height, width, channels) and return ``keras.Input``.

    Parameters
    ----------
    input_shape : tuple of 3 ints
        ``(height, width, channels)``, channels last. Height and width may be
        ``None`` unless ``fixed_size`` is true.
    min_size : int
        Smallest height and width the network accepts.
    model_name : str
        Used in error messages.
    fixed_size : bool, default=False
        True for networks whose head flattens a feature map (LeNet, AlexNet, VGG):
        their dense layers need a known height and width.
    """
    try:
        shape = tuple(input_shape)
    except TypeError:
        shape = None
    if shape is None or len(shape) != 3:
        raise ValueError(
            f"{model_name}: input_shape must be (height, width, channels), got {input_shape!r}."
        )
    height, width, channels = shape
    if not isinstance(channels, int) or channels < 1:
        raise ValueError(
            f"{model_name}: the number of channels must be a positive integer, "
            f"got input_shape={shape!r}."
        )
    for size in (height, width):
        if size is None:
            if fixed_size:
                raise ValueError(
                    f"{model_name} flattens its last feature map, so it needs a fixed "
                    f"height and width; got input_shape={shape!r}."
                )
            continue
        if not isinstance(size, int) or size < min_size:
            raise ValueError(
                f"{model_name} needs inputs of at least {min_size}x{min_size} pixels "
                f"(the smallest size it accepts); got input_shape={shape!r}."
            )
    return keras.Input(shape=shape, name=name)


def global_pool(x, pooling: str | None):
    """Apply the ``pooling`` option of a headless model (None, "avg" or "max")."""
    if pooling == "avg":
        return layers.GlobalAveragePooling2D(name="avg_pool")(x)
    if pooling == "max":
        return layers.GlobalMaxPooling2D(name="max_pool")(x)
    return x


def pooled_head(x, num_classes: int, include_top: bool, pooling: str | None,
                classifier_activation, dropout: float = 0.0):
    """Global-average-pool head of modern networks; headless output otherwise.

    ``include_top=True``: global average pooling, optional dropout, then a dense
    ``predictions`` layer. ``include_top=False``: the feature map after ``pooling``.
    """
    if not include_top:
        return global_pool(x, pooling)
    x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    if dropout:
        x = layers.Dropout(dropout, name="top_dropout")(x)
    return layers.Dense(num_classes, activation=classifier_activation, name="predictions")(x)


def conv_bn_relu(x, filters: int, kernel_size: int, *, name: str, strides: int = 1,
                 padding: str = "same", use_bias: bool = False, activation="relu"):
    """Conv2D, batch normalisation, activation: layers ``{name}_conv/_bn/_relu``."""
    x = layers.Conv2D(filters, kernel_size, strides=strides, padding=padding,
                      use_bias=use_bias, name=f"{name}_conv")(x)
    x = layers.BatchNormalization(epsilon=BN_EPSILON, name=f"{name}_bn")(x)
    if activation is not None:
        x = layers.Activation(activation, name=f"{name}_relu")(x)
    return x
