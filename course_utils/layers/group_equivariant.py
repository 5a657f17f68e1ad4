"""``P4Lift``, ``P4Conv``, ``P4Pool``: group-equivariant convolutions for the group p4.

p4 is the group of translations and rotations by multiples of 90 degrees; its layers are
built from rotated copies of one kernel (Cohen & Welling, "Group equivariant convolutional
networks", ICML 2016). A p4 feature map is stored channels-last as ``(N, H, W, C * 4)``, the
4 rotations fastest: channel ``4 c + r`` is feature ``c`` for rotation ``r``. Rotating the
input by 90 degrees rotates every map and shifts ``r`` by one (:func:`p4_rotate`; lesson 19
checks it exactly).
"""

from __future__ import annotations

import math

import keras
from keras import ops


__all__ = ["P4Lift", "P4Conv", "P4Pool", "p4_rotate"]


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
