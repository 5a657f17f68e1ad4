"""Output sizes and receptive fields of chains of convolutions and pooling.

For a chain of layers with kernel ``k`` (dilated extent ``k_eff = d (k - 1) + 1``),
stride ``s`` and ``p`` zeros of padding before the input, three numbers per axis
describe where an output unit looks in the network's input:

* ``jump`` -- the distance in input pixels between two neighbouring units
  (``jump_out = jump_in * s``, the effective stride);
* ``receptive_field`` -- the width of input it sees
  (``rf_out = rf_in + (k_eff - 1) * jump_in``);
* ``start`` -- the input coordinate of the centre of the first unit's field
  (``start_out = start_in + ((k_eff - 1) / 2 - p) * jump_in``), pixel centres at 0, 1, ...

Reference: Araujo, Norris and Sim, "Computing Receptive Fields of Convolutional Neural
Networks", Distill, 2019.
"""

from __future__ import annotations

import dataclasses
import math

import keras

from course_utils.complexity import _layers
from course_utils.geometry import conv_output_size, effective_kernel, output_length, pad_amounts

__all__ = ["conv_output_size", "receptive_field", "ReceptiveFieldRow"]


@dataclasses.dataclass(frozen=True)
class ReceptiveFieldRow:
    """Receptive-field arithmetic after one layer; tuples have one entry per spatial axis.

    Attributes
    ----------
    name, type : str
    kernel, stride : tuple of int
        The layer's own (dilated) kernel extent and stride; ``(1, ...)`` for pass-through.
    receptive_field : tuple of int
    jump : tuple of int
        Effective stride in input pixels.
    start : tuple of float
        Input coordinate of the centre of the first unit's receptive field.
    """

    name: str
    type: str
    kernel: tuple
    stride: tuple
    receptive_field: tuple
    jump: tuple
    start: tuple


_WINDOWED = _layers.CONV + _layers.DEPTHWISE + _layers.SEPARABLE + _layers.POOLING
_PASS_THROUGH = _layers.ELEMENTWISE + _layers.NORMALIZATION + _layers.AUGMENTATION
_PADDING = _layers._classes("ZeroPadding1D", "ZeroPadding2D")
_CROPPING = _layers._classes("Cropping1D", "Cropping2D")
_GLOBAL = _layers.GLOBAL_POOLING + _layers.DENSE + _layers._classes("Flatten")


def _flat_layers(model: keras.Model):
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            yield from _flat_layers(layer)
        elif not isinstance(layer, keras.layers.InputLayer):
            yield layer


def _tuple(value, ndim: int) -> tuple:
    return tuple(value) if isinstance(value, (tuple, list)) else (value,) * ndim


def _input_spatial(layer: keras.layers.Layer, ndim: int) -> tuple:
    """Spatial input size of ``layer`` (``None`` entries when unknown)."""
    try:
        inputs = layer.input
    except (AttributeError, ValueError, RuntimeError):
        return (None,) * ndim
    if isinstance(inputs, (list, tuple)):
        if len(inputs) != 1:
            raise ValueError(
                f"receptive_field follows a chain of layers, but {layer.name!r} "
                f"({type(layer).__name__}) has {len(inputs)} inputs.")
        inputs = inputs[0]
    shape = tuple(inputs.shape)
    if getattr(layer, "data_format", "channels_last") == "channels_first":
        return shape[2:]
    return shape[1:-1]


def _edges(value, ndim: int) -> list[tuple[int, int]]:
    """ZeroPadding/Cropping amounts as ``[(before, after)] * ndim``."""
    value = _tuple(value, ndim)
    if ndim == 1 and len(value) == 2 and all(isinstance(v, int) for v in value):
        return [tuple(value)]
    return [_tuple(v, 2) for v in value]


def receptive_field(model: keras.Model) -> list[ReceptiveFieldRow]:
    """Receptive field, jump and start after every layer of a convolution/pooling chain.

    Parameters
    ----------
    model : keras.Model
        A built ``Sequential`` or functional chain (nested models are followed).
        Activations, normalisation, dropout, zero-padding and cropping pass through;
        the table ends at the first ``Flatten``, ``Dense`` or global pooling layer,
        whose units see the whole input.

    Returns
    -------
    list of ReceptiveFieldRow

    Raises
    ------
    ValueError
        For a layer with several inputs (branches) or a layer kind it cannot follow
        (transposed convolution, upsampling, recurrent, ...).
    """
    if not getattr(model, "inputs", None):
        raise ValueError(f"model {model.name!r} has no known input: build it on keras.Input.")
    ndim = len(model.inputs[0].shape) - 2
    rf, jump, start = [1] * ndim, [1] * ndim, [0.0] * ndim
    rows: list[ReceptiveFieldRow] = []
    for layer in _flat_layers(model):
        in_size = _input_spatial(layer, ndim)
        kernel, stride = (1,) * ndim, (1,) * ndim
        if isinstance(layer, _GLOBAL):
            break
        if isinstance(layer, _WINDOWED):
            size = layer.pool_size if isinstance(layer, _layers.POOLING) else layer.kernel_size
            dilation = _tuple(getattr(layer, "dilation_rate", 1), ndim)
            stride = _tuple(layer.strides, ndim)
            kernel = tuple(effective_kernel(k, d) for k, d in zip(_tuple(size, ndim), dilation))
            for a in range(ndim):
                if layer.padding == "causal":
                    before = kernel[a] - 1
                elif in_size[a] is None and layer.padding == "same":
                    before = max(kernel[a] - stride[a], 0) // 2   # n assumed divisible by s
                else:
                    before = pad_amounts(in_size[a] or 1, kernel[a], stride[a], 1,
                                         layer.padding)[0]
                start[a] += ((kernel[a] - 1) / 2 - before) * jump[a]
                rf[a] += (kernel[a] - 1) * jump[a]
                jump[a] *= stride[a]
        elif isinstance(layer, _PADDING + _CROPPING):
            sign = -1 if isinstance(layer, _PADDING) else 1
            amounts = layer.padding if isinstance(layer, _PADDING) else layer.cropping
            for a, (before, _) in enumerate(_edges(amounts, ndim)):
                start[a] += sign * before * jump[a]
        elif not isinstance(layer, _PASS_THROUGH):
            raise ValueError(f"receptive_field cannot follow layer {layer.name!r} of type "
                             f"{type(layer).__name__}; it handles convolutions, pooling "
                             f"and pass-through layers.")
        rows.append(ReceptiveFieldRow(layer.name, type(layer).__name__, kernel, stride,
                                      tuple(rf), tuple(jump), tuple(start)))
    return rows
