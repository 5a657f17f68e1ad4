"""``LocallyConnected2D``: every output position has its own kernel.

Keras 2 had this layer; Keras 3 removed it. Lesson 02 compares it with a convolution, which
is the same layer with one kernel shared by all positions (LeCun et al. 1989 discuss both).
"""

from __future__ import annotations

import math

import keras
from keras import ops

from course_utils.geometry import conv_output_size, to_pair

__all__ = ["LocallyConnected2D"]


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
