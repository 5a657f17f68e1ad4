"""LeNet: the fully connected baselines, LeNet-1 and LeNet-5 on MNIST digits.

Builders: ``linear_classifier``, ``mlp``, ``lenet300``, ``lenet1``, ``lenet5``,
``lenet5_modern``. Together they are the networks of the MNIST error table of the
course (a linear classifier, one hidden layer of 300 units, LeNet-300-100, LeNet-1,
LeNet-5).

References
----------
Y. LeCun, L. Bottou, Y. Bengio, P. Haffner, "Gradient-based learning applied to
document recognition", Proceedings of the IEEE 86(11), 1998.
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
from keras import layers, ops

from course_utils.registry import register_model
from course_utils.zoo._common import check_head_args, global_pool, make_input

# Table I of the 1998 paper: which S2 maps (0-5) feed each of the 16 C3 maps.
C3_CONNECTIONS = (
    (0, 1, 2), (1, 2, 3), (2, 3, 4), (3, 4, 5), (0, 4, 5), (0, 1, 5),
    (0, 1, 2, 3), (1, 2, 3, 4), (2, 3, 4, 5), (0, 3, 4, 5), (0, 1, 4, 5), (0, 1, 2, 5),
    (0, 1, 3, 4), (1, 2, 4, 5), (0, 2, 3, 5),
    (0, 1, 2, 3, 4, 5),
)


@keras.saving.register_keras_serializable(package="course_utils")
class ScaledTanh(layers.Layer):
    """The squashing function of LeNet-5: ``amplitude * tanh(slope * x)``.

    The paper uses amplitude 1.7159 and slope 2/3, so that f(1) = 1 and f(-1) = -1.
    """

    def __init__(self, amplitude: float = 1.7159, slope: float = 2.0 / 3.0, **kwargs):
        super().__init__(**kwargs)
        self.amplitude = float(amplitude)
        self.slope = float(slope)

    def call(self, inputs):
        return self.amplitude * ops.tanh(self.slope * inputs)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "amplitude": self.amplitude, "slope": self.slope}


@keras.saving.register_keras_serializable(package="course_utils")
class Subsampling(layers.Layer):
    """LeNet-5's S2/S4 layers: a 2x2 average times a trainable coefficient, plus a bias.

    One coefficient and one bias per feature map: ``2 * channels`` parameters.
    """

    def __init__(self, pool_size: int = 2, **kwargs):
        super().__init__(**kwargs)
        self.pool_size = int(pool_size)

    def build(self, input_shape):
        channels = input_shape[-1]
        self.coefficient = self.add_weight(shape=(channels,), initializer="ones",
                                           name="coefficient")
        self.bias = self.add_weight(shape=(channels,), initializer="zeros", name="bias")

    def call(self, inputs):
        pooled = ops.average_pool(inputs, self.pool_size, strides=self.pool_size,
                                  padding="valid")
        return pooled * self.coefficient + self.bias

    def compute_output_shape(self, input_shape):
        batch, height, width, channels = input_shape
        size = [None if s is None else s // self.pool_size for s in (height, width)]
        return (batch, size[0], size[1], channels)

    def get_config(self):
        return {**super().get_config(), "pool_size": self.pool_size}


@keras.saving.register_keras_serializable(package="course_utils")
class ChannelSelect(layers.Layer):
    """Keep the listed channels of a channels-last tensor (no parameters)."""

    def __init__(self, channels: Sequence[int], **kwargs):
        super().__init__(**kwargs)
        self.channels = tuple(int(c) for c in channels)

    def call(self, inputs):
        return ops.take(inputs, list(self.channels), axis=-1)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], len(self.channels))

    def get_config(self):
        return {**super().get_config(), "channels": list(self.channels)}


@register_model(paper="LeCun et al., Proc. IEEE 1998 (300 hidden units)",
                params=238_510)
def mlp(input_shape=(28, 28, 1), num_classes=10, *, hidden_units: Sequence[int] = (300,),
        activation="relu", include_top=True, pooling=None,
        classifier_activation="softmax", name="mlp") -> keras.Model:
    """Fully connected network on the flattened image.

    Parameters
    ----------
    input_shape : tuple, default=(28, 28, 1)
    num_classes : int, default=10
    hidden_units : tuple of int, default=(300,)
        Width of each hidden layer; ``()`` gives the linear classifier.
    activation : str, default="relu"
    include_top : bool, default=True
        False returns the last hidden layer (the flattened image if there is none).
    pooling : None
        Accepted for a uniform signature; a fully connected network has no
        feature map to pool.
    classifier_activation : str or None, default="softmax"
    name : str, default="mlp"

    References
    ----------
    LeCun et al. 1998 (the fully connected baselines of its Figure 9).

    Notes
    -----
    With ``hidden_units=(300,)``: 784*300 + 300 + 300*10 + 10 parameters.
    """
    check_head_args(num_classes, include_top, pooling)
    if pooling is not None:
        raise ValueError(f"{name} has no feature map to pool; got pooling={pooling!r}, "
                         "expected None.")
    units = tuple(hidden_units)
    if any(not isinstance(u, int) or u < 1 for u in units):
        raise ValueError(f"hidden_units must be positive integers, got {hidden_units!r}.")
    inputs = make_input(input_shape, min_size=1, model_name=name, fixed_size=True)
    x = layers.Flatten(name="flatten")(inputs)  # (N, H*W*C)
    for i, width in enumerate(units, start=1):
        x = layers.Dense(width, activation=activation, name=f"fc{i}")(x)
    if include_top:
        x = layers.Dense(num_classes, activation=classifier_activation, name="predictions")(x)
    return keras.Model(inputs, x, name=name)


@register_model(paper="LeCun et al., Proc. IEEE 1998 (the linear classifier)", params=7_850)
def linear_classifier(input_shape=(28, 28, 1), num_classes=10, *, include_top=True,
                      pooling=None, classifier_activation="softmax",
                      name="linear_classifier") -> keras.Model:
    """One fully connected output layer on the pixels (MNIST error table, first row).

    References
    ----------
    LeCun et al. 1998 (the "linear classifier" of its Figure 9).

    Notes
    -----
    784*10 + 10 parameters.
    """
    return mlp(input_shape, num_classes, hidden_units=(), include_top=include_top,
               pooling=pooling, classifier_activation=classifier_activation, name=name)


@register_model(paper="LeCun et al., Proc. IEEE 1998 (300-100 network)", params=266_610)
def lenet300(input_shape=(28, 28, 1), num_classes=10, *, activation="relu",
             include_top=True, pooling=None, classifier_activation="softmax",
             name="lenet300") -> keras.Model:
    """LeNet-300-100: two hidden layers of 300 and 100 units.

    References
    ----------
    LeCun et al. 1998 (the "2-layer NN, 300+100 hidden units" of its Figure 9).

    Notes
    -----
    235,500 + 30,100 + 1,010 parameters.
    """
    return mlp(input_shape, num_classes, hidden_units=(300, 100), activation=activation,
               include_top=include_top, pooling=pooling,
               classifier_activation=classifier_activation, name=name)


@register_model(paper="LeCun et al. 1995 (LeNet-1)", params=3_246)
def lenet1(input_shape=(28, 28, 1), num_classes=10, *, include_top=True, pooling=None,
           classifier_activation="softmax", name="lenet1") -> keras.Model:
    """LeNet-1: two 5x5 convolutions (4 and 12 maps), each followed by 2x2 averaging.

    28x28 -> C1 24x24x4 -> S2 12x12x4 -> C3 8x8x12 -> S4 4x4x12 -> 10 outputs, with
    tanh units. The smallest input accepted is 16x16.

    References
    ----------
    Y. LeCun et al., "Comparison of learning algorithms for handwritten digit
    recognition", ICANN 1995 (LeNet-1), summarised in LeCun et al. 1998.

    Notes
    -----
    104 + 1,212 + 1,930 parameters. C3 is fully
    connected to S2 here; the original connected each C3 map to a subset of the
    S2 maps, which gives a few hundred fewer weights.
    """
    check_head_args(num_classes, include_top, pooling)
    inputs = make_input(input_shape, min_size=16, model_name=name, fixed_size=include_top)
    x = layers.Conv2D(4, 5, activation="tanh", name="c1_conv")(inputs)  # (N, 24, 24, 4)
    x = layers.AveragePooling2D(2, name="s2_pool")(x)                    # (N, 12, 12, 4)
    x = layers.Conv2D(12, 5, activation="tanh", name="c3_conv")(x)      # (N, 8, 8, 12)
    x = layers.AveragePooling2D(2, name="s4_pool")(x)                    # (N, 4, 4, 12)
    if include_top:
        x = layers.Flatten(name="flatten")(x)
        x = layers.Dense(num_classes, activation=classifier_activation, name="predictions")(x)
    else:
        x = global_pool(x, pooling)
    return keras.Model(inputs, x, name=name)


def _pad_to_32(inputs):
    """Centre a 28..31-pixel image in the 32x32 field LeNet-5 was designed for."""
    height, width = inputs.shape[1], inputs.shape[2]
    pads = []
    for size in (height, width):
        missing = 0 if size is None else max(0, 32 - size)
        pads.append((missing // 2, missing - missing // 2))
    if pads == [(0, 0), (0, 0)]:
        return inputs
    return layers.ZeroPadding2D(padding=tuple(pads), name="input_pad")(inputs)


def _c3_partial(x, activation_layer):
    """C3 with the connection table: one 5x5 convolution per output map."""
    maps = []
    for j, sources in enumerate(C3_CONNECTIONS):
        selected = ChannelSelect(sources, name=f"c3_map{j}_select")(x)  # (N, 14, 14, k)
        maps.append(layers.Conv2D(1, 5, name=f"c3_map{j}_conv")(selected))
    x = layers.Concatenate(name="c3_concat")(maps)                      # (N, 10, 10, 16)
    return activation_layer(name="c3_act")(x)


def _lenet5(input_shape, num_classes, include_top, pooling, classifier_activation, name,
            modern, c3_table):
    check_head_args(num_classes, include_top, pooling)
    inputs = make_input(input_shape, min_size=28, model_name=name, fixed_size=include_top)
    if modern:
        act = lambda name: layers.Activation("relu", name=name)  # noqa: E731
        pool = lambda name: layers.MaxPooling2D(2, name=name)  # noqa: E731
    else:
        act, pool = ScaledTanh, Subsampling
    x = _pad_to_32(inputs)                                          # (N, 32, 32, 1)
    x = layers.Conv2D(6, 5, name="c1_conv")(x)                            # (N, 28, 28, 6)
    x = act(name="c1_act")(x)
    x = pool(name="s2_pool")(x)                                           # (N, 14, 14, 6)
    if not modern:
        x = act(name="s2_act")(x)
    if c3_table:
        x = _c3_partial(x, act)                                           # (N, 10, 10, 16)
    else:
        x = layers.Conv2D(16, 5, name="c3_conv")(x)
        x = act(name="c3_act")(x)
    x = pool(name="s4_pool")(x)                                           # (N, 5, 5, 16)
    if not modern:
        x = act(name="s4_act")(x)
    x = layers.Conv2D(120, 5, name="c5_conv")(x)                          # (N, 1, 1, 120)
    x = act(name="c5_act")(x)
    if include_top:
        x = layers.Flatten(name="flatten")(x)
        x = layers.Dense(84, name="f6_dense")(x)
        x = act(name="f6_act")(x)
        x = layers.Dense(num_classes, activation=classifier_activation, name="predictions")(x)
    else:
        x = global_pool(x, pooling)
    return keras.Model(inputs, x, name=name)


@register_model(paper="LeCun et al., Proc. IEEE 1998, Figure 2",
                params=60_850, trainable=60_850)
def lenet5(input_shape=(32, 32, 1), num_classes=10, *, include_top=True, pooling=None,
           classifier_activation="softmax", c3_table=True, name="lenet5") -> keras.Model:
    """LeNet-5 as in the 1998 paper.

    C1 (6 maps 5x5) - S2 - C3 (16 maps 5x5) - S4 - C5 (120 maps 5x5) - F6 (84) - output.
    Units use the scaled tanh ``1.7159 tanh(2x/3)`` (:class:`ScaledTanh`), also after
    the subsampling layers; S2 and S4 are :class:`Subsampling` layers (2x2 average
    times a trainable coefficient plus a trainable bias, per map).

    Inputs of 28 to 31 pixels (MNIST's 28x28) are zero-padded to 32x32 inside the
    model (layer ``input_pad``), as the paper placed MNIST digits in a 32x32 field.
    The smallest input accepted is 28x28.

    Parameters
    ----------
    c3_table : bool, default=True
        Use Table I of the paper: each C3 map sees 3, 4 or 6 of the S2 maps
        (1,516 parameters instead of 2,416).

    References
    ----------
    LeCun, Bottou, Bengio, Haffner, "Gradient-based learning applied to document
    recognition", Proc. IEEE 1998.

    Notes
    -----
    With ``c3_table=True``, the paper's
    60,000 trainable parameters (C1 156, S2 12, C3 1,516, S4 32, C5 48,120,
    F6 10,164) plus 850 for a softmax output layer. The paper's output layer was
    instead a fixed (untrained) radial-basis layer comparing F6 to 10 stylised
    7x12 digit bitmaps. With ``c3_table=False``: 61,750.
    """
    return _lenet5(input_shape, num_classes, include_top, pooling, classifier_activation,
                   name, modern=False, c3_table=c3_table)


@register_model(paper="LeCun et al. 1998, modernised",
                params=61_706)
def lenet5_modern(input_shape=(32, 32, 1), num_classes=10, *, include_top=True,
                  pooling=None, classifier_activation="softmax",
                  name="lenet5_modern") -> keras.Model:
    """LeNet-5 as it is usually written today: ReLU, 2x2 max pooling, full C3.

    Same layer sizes and the same zero-padding of 28x28 inputs to 32x32 as
    :func:`lenet5`; the pooling layers have no parameters.

    References
    ----------
    LeCun et al. 1998 (architecture); ReLU and max pooling as in later practice.

    Notes
    -----
    156 + 2,416 + 48,120 + 10,164 + 850 parameters.
    """
    return _lenet5(input_shape, num_classes, include_top, pooling, classifier_activation,
                   name, modern=True, c3_table=False)
