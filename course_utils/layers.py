"""Keras layers that Keras 3 does not ship, written with ``keras.ops`` for every backend.

``LocallyConnected2D``: every output position has its own kernel (Keras 2 had this
layer; Keras 3 removed it). Lesson 02 compares it with a convolution, which is the
same layer with one kernel shared by all positions.

``P4Lift``, ``P4Conv``, ``P4Pool``: group-equivariant convolutions for the group p4
(translations and rotations by multiples of 90 degrees), built from rotated copies of one
kernel (Cohen & Welling 2016). A p4 feature map is stored channels-last as
``(N, H, W, C * 4)``, the 4 rotations fastest: channel ``4 c + r`` is feature ``c`` for
rotation ``r``. Rotating the input by 90 degrees rotates every map and shifts ``r`` by one
(lesson 19 checks it exactly).

``PositionEmbedding``: adds a learned vector to every position of a sequence, so that
self-attention over a feature map's positions knows where each one is.

``GraphConv``: the graph convolution of Kipf & Welling (2017), ``H' = A_hat H W + b`` with the
normalised adjacency of :func:`normalized_adjacency`.

A layer here may define ``count_macs(input_shape, output_shape)``; the complexity
counter (:mod:`course_utils.complexity`) uses it.
"""

from __future__ import annotations

import math

import keras
from keras import ops

from course_utils.geometry import conv_output_size, to_pair

__all__ = ["LocallyConnected2D", "PositionEmbedding", "P4Lift", "P4Conv", "P4Pool", "p4_rotate", "GraphConv", "normalized_adjacency"]


@keras.saving.register_keras_serializable(package="course_utils")
class LocallyConnected2D(keras.layers.Layer):
    """A 2-D layer with a separate kernel at every output position ("valid" windows).

    Parameters
    ----------
    filters : int
        Output channels.
    kernel_size : int or (int, int)
    strides : int or (int, int), default=1
    activation : str or callable, optional
    use_bias : bool, default=True
        One bias per output position and channel.
    kernel_initializer, bias_initializer : str or initializer

    Notes
    -----
    Parameters: ``H_out * W_out * (kh * kw * C_in * filters)`` weights plus
    ``H_out * W_out * filters`` biases; MACs per image: the number of weights. The
    windows are read with ``keras.ops.image.extract_patches`` (channels-last).
    """

    def __init__(self, filters: int, kernel_size, strides=1, *, activation=None,
                 use_bias: bool = True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", **kwargs):
        super().__init__(**kwargs)
        if not isinstance(filters, int) or filters < 1:
            raise ValueError(f"filters must be a positive int, got {filters!r}.")
        self.filters = filters
        self.kernel_size = to_pair(kernel_size, "kernel_size")
        self.strides = to_pair(strides, "strides")
        self.activation = keras.activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)

    def _output_hw(self, input_shape) -> tuple[int, int]:
        h, w = input_shape[1], input_shape[2]
        if h is None or w is None:
            raise ValueError(f"LocallyConnected2D needs a fixed height and width, got input "
                             f"shape {tuple(input_shape)}.")
        return (conv_output_size(h, self.kernel_size[0], stride=self.strides[0]),
                conv_output_size(w, self.kernel_size[1], stride=self.strides[1]))

    def build(self, input_shape):
        if len(input_shape) != 4:
            raise ValueError(f"LocallyConnected2D expects (batch, height, width, channels), "
                             f"got input shape {tuple(input_shape)}.")
        self.out_hw = self._output_hw(input_shape)
        window = self.kernel_size[0] * self.kernel_size[1] * input_shape[-1]
        fan_shape = (*self.out_hw, window, self.filters)
        self.kernel = self.add_weight(name="kernel", shape=fan_shape,
                                      initializer=self.kernel_initializer)
        self.bias = (self.add_weight(name="bias", shape=(*self.out_hw, self.filters),
                                     initializer=self.bias_initializer)
                     if self.use_bias else None)

    def call(self, inputs):
        patches = ops.image.extract_patches(inputs, self.kernel_size, strides=self.strides,
                                            padding="valid")      # (N, H_out, W_out, kh*kw*C)
        outputs = ops.einsum("nhwk,hwkf->nhwf", patches, self.kernel)  # own kernel per (h, w)
        if self.bias is not None:
            outputs = outputs + self.bias
        return self.activation(outputs)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], *self._output_hw(input_shape), self.filters)

    def count_macs(self, input_shape, output_shape) -> int:
        """One multiply-accumulate per weight and image."""
        return math.prod(output_shape[1:3]) * self.kernel_size[0] * self.kernel_size[1] \
            * input_shape[-1] * self.filters

    def get_config(self):
        return {**super().get_config(), "filters": self.filters,
                "kernel_size": self.kernel_size, "strides": self.strides,
                "activation": keras.activations.serialize(self.activation),
                "use_bias": self.use_bias,
                "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
                "bias_initializer": keras.initializers.serialize(self.bias_initializer)}


class _P4Base(keras.layers.Layer):
    """Shared code of the two p4 convolutions: one kernel, four rotated copies, "same" padding."""

    group_in = 1  # rotations carried by the input (1 for an image, 4 for a p4 map)

    def __init__(self, filters: int, kernel_size: int = 3, *, activation=None, use_bias: bool = True,
                 kernel_initializer="glorot_uniform", **kwargs):
        super().__init__(**kwargs)
        if not isinstance(filters, int) or filters < 1:
            raise ValueError(f"filters must be a positive int, got {filters!r}.")
        if not isinstance(kernel_size, int) or kernel_size < 1 or kernel_size % 2 == 0:
            raise ValueError(f"kernel_size must be an odd positive int (a centred kernel rotates "
                             f"onto itself), got {kernel_size!r}.")
        self.filters, self.kernel_size = filters, kernel_size
        self.activation = keras.activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = keras.initializers.get(kernel_initializer)

    def build(self, input_shape):
        if len(input_shape) != 4 or input_shape[-1] is None or input_shape[-1] % self.group_in:
            raise ValueError(f"{type(self).__name__} expects (batch, height, width, channels) with "
                             f"channels a multiple of {self.group_in}, got {tuple(input_shape)}.")
        self.in_features = input_shape[-1] // self.group_in
        k = self.kernel_size
        self.kernel = self.add_weight(name="kernel", initializer=self.kernel_initializer,
                                      shape=(k, k, self.in_features, self.group_in, self.filters))
        self.bias = (self.add_weight(name="bias", shape=(self.filters,), initializer="zeros")
                     if self.use_bias else None)

    def expanded_kernel(self):
        """The ``(k, k, C_in * group_in, filters * 4)`` kernel of the equivalent ``Conv2D``."""
        copies = []
        for r in range(4):
            w = ops.rot90(ops.convert_to_tensor(self.kernel), k=r, axes=(0, 1))  # taps rotated r * 90 degrees
            if self.group_in == 4:
                w = ops.roll(w, shift=r, axis=3)                # and shift the input rotations by r
            copies.append(w)
        kernel = ops.stack(copies, axis=-1)                     # (k, k, C_in, g_in, filters, 4)
        k = self.kernel_size
        return ops.reshape(kernel, (k, k, self.in_features * self.group_in, self.filters * 4))

    def call(self, inputs):
        outputs = ops.conv(inputs, self.expanded_kernel(), strides=1, padding="same")
        if self.bias is not None:
            outputs = outputs + ops.repeat(self.bias, 4)        # one bias per feature, all rotations
        return self.activation(outputs)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:3], self.filters * 4)

    def count_macs(self, input_shape, output_shape) -> int:
        """As the equivalent ``Conv2D``: every output map of every rotation is computed."""
        return math.prod(output_shape[1:3]) * self.kernel_size ** 2 * input_shape[-1] * output_shape[-1]

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "kernel_size": self.kernel_size,
                "activation": keras.activations.serialize(self.activation), "use_bias": self.use_bias,
                "kernel_initializer": keras.initializers.serialize(self.kernel_initializer)}


@keras.saving.register_keras_serializable(package="course_utils")
class P4Lift(_P4Base):
    """The first p4 layer: an image ``(N, H, W, C)`` to a p4 map ``(N, H, W, filters * 4)``.

    Output rotation ``r`` is the image convolved with the kernel rotated by ``r * 90`` degrees.
    Parameters: ``k * k * C * filters (+ filters)``, as a ``Conv2D`` with ``filters`` outputs,
    for four times its output maps.

    References
    ----------
    Cohen & Welling, "Group Equivariant Convolutional Networks", ICML 2016.
    """

    group_in = 1


@keras.saving.register_keras_serializable(package="course_utils")
class P4Conv(_P4Base):
    """A p4 map to a p4 map: the kernel is rotated by ``r * 90`` degrees *and* its input
    rotations are shifted cyclically by ``r``. Parameters ``k * k * C * 4 * filters (+ filters)``.

    References
    ----------
    Cohen & Welling, "Group Equivariant Convolutional Networks", ICML 2016.
    """

    group_in = 4


@keras.saving.register_keras_serializable(package="course_utils")
class P4Pool(keras.layers.Layer):
    """Pool a p4 map over its 4 rotations: ``(N, H, W, C * 4) -> (N, H, W, C)``.

    The result rotates with the input but no longer shifts: after global spatial pooling a
    network is invariant to rotations by 90 degrees. ``mode`` in ``{"max", "mean"}``.
    """

    def __init__(self, mode: str = "max", **kwargs):
        super().__init__(**kwargs)
        if mode not in ("max", "mean"):
            raise ValueError(f"mode must be 'max' or 'mean', got {mode!r}.")
        self.mode = mode

    def call(self, inputs):
        shape = ops.shape(inputs)
        grouped = ops.reshape(inputs, (shape[0], shape[1], shape[2], shape[3] // 4, 4))
        return ops.max(grouped, axis=-1) if self.mode == "max" else ops.mean(grouped, axis=-1)

    def compute_output_shape(self, input_shape):
        if input_shape[-1] % 4:
            raise ValueError(f"P4Pool needs channels divisible by 4, got {tuple(input_shape)}.")
        return (*input_shape[:3], input_shape[-1] // 4)

    def count_macs(self, input_shape, output_shape) -> int:
        return 0

    def get_config(self):
        return {**super().get_config(), "mode": self.mode}


def p4_rotate(maps, k: int = 1):
    """The rotation by ``k * 90`` degrees acting on p4 maps ``(N, H, W, C * 4)`` (NumPy).

    Rotates every map spatially and shifts the rotation index ``r`` to ``r + k`` (mod 4):
    for the layers above, ``layer(rot90(x, k)) == p4_rotate(layer(x), k)``.
    """
    import numpy as np

    maps = np.asarray(maps)
    if maps.ndim != 4 or maps.shape[-1] % 4:
        raise ValueError(f"p4 maps must be (N, H, W, C * 4), got shape {maps.shape}.")
    n, h, w, c4 = maps.shape
    rotated = np.rot90(maps, k, axes=(1, 2)).reshape(n, w, h, c4 // 4, 4)
    return np.roll(rotated, k, axis=-1).reshape(n, w, h, c4)


def normalized_adjacency(adjacency, *, self_loops: bool = True):
    """``D^-1/2 (A + I) D^-1/2`` of Kipf & Welling, as a float32 NumPy array.

    Parameters
    ----------
    adjacency : array-like of shape (N, N)
        Symmetric, non-negative (0/1 for an unweighted graph).
    self_loops : bool, default=True
        Add ``I`` first, so that a node keeps its own features.
    """
    import numpy as np

    a = np.asarray(adjacency, dtype="float64")
    if a.ndim != 2 or a.shape[0] != a.shape[1]:
        raise ValueError(f"adjacency must be a square (N, N) matrix, got shape {a.shape}.")
    if (a < 0).any() or not np.allclose(a, a.T):
        raise ValueError("adjacency must be symmetric and non-negative (an undirected graph).")
    if self_loops:
        a = a + np.eye(len(a))
    degree = a.sum(axis=1)
    if (degree == 0).any():
        raise ValueError(f"node(s) {np.flatnonzero(degree == 0).tolist()} have no edges; add self "
                         "loops or remove them.")
    d = 1.0 / np.sqrt(degree)
    return (a * d[:, None] * d[None, :]).astype("float32")


@keras.saving.register_keras_serializable(package="course_utils")
class GraphConv(keras.layers.Layer):
    """Graph convolution ``H' = activation(A_hat H W + b)`` (Kipf & Welling 2017).

    Call it on ``[features, adjacency]``: node features ``(N_graphs, N_nodes, F)`` and the
    normalised adjacency ``(N_graphs, N_nodes, N_nodes)`` (:func:`normalized_adjacency`),
    so one layer works for any graph. Parameters: ``F * units (+ units)``; like a 1x1
    convolution, the weights are shared by every node, and the neighbourhood is the graph's.

    References
    ----------
    Kipf & Welling, "Semi-Supervised Classification with Graph Convolutional Networks", ICLR 2017.
    """

    def __init__(self, units: int, *, activation=None, use_bias: bool = True,
                 kernel_initializer="glorot_uniform", **kwargs):
        super().__init__(**kwargs)
        if not isinstance(units, int) or units < 1:
            raise ValueError(f"units must be a positive int, got {units!r}.")
        self.units, self.use_bias = units, use_bias
        self.activation = keras.activations.get(activation)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)

    def build(self, input_shape):
        if not isinstance(input_shape, (list, tuple)) or len(input_shape) != 2 \
                or not isinstance(input_shape[0], (list, tuple)):
            raise ValueError("GraphConv is called on [features, adjacency], got one input of "
                             f"shape {input_shape}.")
        features, adjacency = (tuple(s) for s in input_shape)
        if len(features) != 3 or len(adjacency) != 3 or adjacency[1] != adjacency[2] \
                or (None not in (features[1], adjacency[1]) and features[1] != adjacency[1]):
            raise ValueError(f"GraphConv expects features (graphs, nodes, F) and adjacency (graphs, "
                             f"nodes, nodes), got {features} and {adjacency}.")
        self.kernel = self.add_weight(name="kernel", shape=(features[-1], self.units),
                                      initializer=self.kernel_initializer)
        self.bias = (self.add_weight(name="bias", shape=(self.units,), initializer="zeros")
                     if self.use_bias else None)

    def call(self, inputs):
        features, adjacency = inputs
        outputs = ops.matmul(adjacency, ops.matmul(features, self.kernel))   # (graphs, nodes, units)
        if self.bias is not None:
            outputs = outputs + self.bias
        return self.activation(outputs)

    def compute_output_shape(self, input_shape):
        return (*tuple(input_shape[0])[:2], self.units)

    def count_macs(self, input_shape, output_shape) -> int:
        """``N F units`` for ``H W`` plus ``N^2 units`` for the dense ``A_hat`` product."""
        n, f = input_shape[1], input_shape[2]
        return n * f * self.units + n * n * self.units

    def get_config(self):
        return {**super().get_config(), "units": self.units, "use_bias": self.use_bias,
                "activation": keras.activations.serialize(self.activation),
                "kernel_initializer": keras.initializers.serialize(self.kernel_initializer)}


@keras.saving.register_keras_serializable(package="course_utils")
class PositionEmbedding(keras.layers.Layer):
    """Add a learned embedding per position to a sequence ``(N, T, C)``: ``T * C`` parameters.

    Self-attention treats its tokens as a set: without this, permuting a feature map's
    positions permutes the output, and the grid structure is lost.
    """

    def __init__(self, initializer="random_normal", **kwargs):
        super().__init__(**kwargs)
        self.initializer = keras.initializers.get(initializer)

    def build(self, input_shape):
        if len(input_shape) != 3 or None in input_shape[1:]:
            raise ValueError(f"PositionEmbedding expects (batch, positions, channels) with fixed "
                             f"sizes, got {tuple(input_shape)}.")
        self.embedding = self.add_weight(name="embedding", shape=tuple(input_shape[1:]),
                                         initializer=self.initializer)

    def call(self, inputs):
        return inputs + self.embedding

    def count_macs(self, input_shape, output_shape) -> int:
        return 0

    def get_config(self):
        return {**super().get_config(), "initializer": keras.initializers.serialize(self.initializer)}
