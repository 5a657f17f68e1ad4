"""Multiply-accumulate (MAC) counts of single Keras layers.

Convention: one MAC per use of a weight in a multiply-accumulate, per example (the
batch dimension is left out); biases add no MACs.

==========================  ============================================================
layer                       MACs per example
==========================  ============================================================
Conv1D/2D/3D                ``prod(out_spatial) * prod(kernel) * C_in / groups * C_out``
DepthwiseConv1D/2D          ``prod(out_spatial) * prod(kernel) * C_in * multiplier``
SeparableConv1D/2D          depthwise part + ``prod(out_spatial) * C_in * multiplier * C_out``
Conv1D/2D/3DTranspose       ``prod(in_spatial) * prod(kernel) * C_in * C_out`` (every input
                            pixel is multiplied by the whole kernel)
Dense                       ``in_features * units`` per position (times the leading
                            non-batch dimensions when the input has rank > 2)
SimpleRNN / GRU / LSTM      ``T * g * units * (in_features + units)`` over ``T`` steps, with
                            ``g`` = 1, 3, 4 weight blocks (GRU's gates, LSTM's gates)
Bidirectional               the forward and the backward layer's MACs
TimeDistributed             the wrapped layer's MACs on one slice, times the slices
==========================  ============================================================

Layers without such products are counted as **0 MACs** and still listed: pooling and
global pooling, merges (Add, Concatenate, Multiply, ...), activations, reshapes,
padding/cropping, dropout and noise, resizing and augmentation, and the normalisation
layers (BatchNormalization folds into the preceding convolution at inference;
LayerNormalization, GroupNormalization and friends cost a few elementwise operations
per activation, which this convention does not count). A layer that defines
``count_macs(input_shape, output_shape)`` (the layers of :mod:`course_utils.layers`
and :mod:`course_utils.augment`) reports its own count. Any other layer (ConvLSTM,
Lambda, other custom layers, ...) is reported as *not counted* (``None``), never
silently as zero.
"""

from __future__ import annotations

import math
from typing import Sequence

import keras

Shape = tuple


def _classes(*names: str) -> tuple[type, ...]:
    """The public ``keras.layers`` classes among ``names`` (skips ones this version lacks)."""
    return tuple(getattr(keras.layers, n) for n in names if hasattr(keras.layers, n))


CONV = _classes("Conv1D", "Conv2D", "Conv3D")
CONV_TRANSPOSE = _classes("Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose")
DEPTHWISE = _classes("DepthwiseConv1D", "DepthwiseConv2D")
SEPARABLE = _classes("SeparableConv1D", "SeparableConv2D")
DENSE = _classes("Dense")
POOLING = _classes("MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "AveragePooling1D",
                   "AveragePooling2D", "AveragePooling3D")
GLOBAL_POOLING = _classes("GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalMaxPooling3D",
                          "GlobalAveragePooling1D", "GlobalAveragePooling2D",
                          "GlobalAveragePooling3D")
NORMALIZATION = _classes("BatchNormalization", "LayerNormalization", "GroupNormalization",
                         "UnitNormalization", "SpectralNormalization", "Normalization",
                         "RMSNormalization")
MERGE = _classes("Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum",
                 "Concatenate")
ELEMENTWISE = _classes(
    "InputLayer", "Activation", "ReLU", "LeakyReLU", "ELU", "Softmax", "Identity",
    "Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "GaussianNoise",
    "GaussianDropout", "AlphaDropout", "ActivityRegularization", "Rescaling",
)
RESHAPING = _classes(
    "Flatten", "Reshape", "Permute", "RepeatVector", "ZeroPadding1D", "ZeroPadding2D",
    "ZeroPadding3D", "Cropping1D", "Cropping2D", "Cropping3D", "UpSampling1D", "UpSampling2D",
    "UpSampling3D", "Resizing", "CenterCrop",
)
ATTENTION = _classes("MultiHeadAttention")
# weight blocks per step: SimpleRNN one, GRU three (update, reset, candidate), LSTM four
RECURRENT_BLOCKS = {cls: blocks for name, blocks in (("SimpleRNN", 1), ("GRU", 3), ("LSTM", 4))
                    if (cls := getattr(keras.layers, name, None)) is not None}
WRAPPERS = _classes("Bidirectional", "TimeDistributed")
AUGMENTATION = _classes(
    "RandomFlip", "RandomRotation", "RandomZoom", "RandomTranslation", "RandomCrop",
    "RandomContrast", "RandomBrightness",
)

ZERO_MAC_NOTES = (
    (POOLING, "pooling: no weights, 0 MACs"),
    (GLOBAL_POOLING, "global pooling: no weights, 0 MACs"),
    (NORMALIZATION, "normalisation: elementwise, 0 MACs (BN folds into the previous layer)"),
    (MERGE, "merge: elementwise or copy, 0 MACs"),
    (ELEMENTWISE, ""),
    (RESHAPING, ""),
    (AUGMENTATION, "augmentation: inactive at inference, 0 MACs"),
)


def _channels_axis(layer: keras.layers.Layer) -> int:
    return 1 if getattr(layer, "data_format", "channels_last") == "channels_first" else -1


def _spatial(shape: Shape, layer: keras.layers.Layer) -> list[int]:
    return list(shape[2:]) if _channels_axis(layer) == 1 else list(shape[1:-1])


def _prod(values: Sequence[int | None]) -> int | None:
    if any(v is None for v in values):
        return None
    return math.prod(values)


def layer_macs(layer: keras.layers.Layer, input_shapes: list[Shape] | None,
               output_shape: Shape | None) -> tuple[int | None, str]:
    """MACs per example of ``layer`` and a short note.

    Parameters
    ----------
    layer : keras.layers.Layer
    input_shapes : list of tuple or None
        Shapes (with the batch dimension) of the layer's inputs.
    output_shape : tuple or None
        Shape (with the batch dimension) of its output.

    Returns
    -------
    macs : int or None
        ``None`` when the layer is of a kind this module does not count, or its shapes
        are unknown.
    note : str
        Why a layer costs 0 MACs or is not counted; empty for counted layers.
    """
    for classes, note in ZERO_MAC_NOTES:
        if classes and isinstance(layer, classes):
            return 0, note
    own_count = getattr(layer, "count_macs", None)
    if callable(own_count):
        if not input_shapes or output_shape is None:
            return None, "not counted: shapes unknown (shared or unbuilt layer?)"
        return int(own_count(tuple(input_shapes[0]), tuple(output_shape))), ""
    if isinstance(layer, ATTENTION):
        if not input_shapes or output_shape is None:
            return None, "not counted: shapes unknown (shared or unbuilt layer?)"
        return _attention_macs(layer, input_shapes, output_shape), ""
    if type(layer) in RECURRENT_BLOCKS or isinstance(layer, WRAPPERS):
        if not input_shapes or output_shape is None:
            return None, "not counted: shapes unknown (shared or unbuilt layer?)"
        return _sequence_macs(layer, tuple(input_shapes[0]), tuple(output_shape))
    kinds = CONV + CONV_TRANSPOSE + DEPTHWISE + SEPARABLE + DENSE
    if not isinstance(layer, kinds):
        return None, f"not counted: no MAC rule for {type(layer).__name__}"
    if not input_shapes or output_shape is None:
        return None, "not counted: shapes unknown (shared or unbuilt layer?)"
    in_shape = tuple(input_shapes[0])
    axis = _channels_axis(layer)
    c_in = in_shape[axis]
    if isinstance(layer, DENSE):
        return _nullable(_prod([*in_shape[1:-1], in_shape[-1], layer.units])), ""
    kernel = math.prod(layer.kernel_size)
    out_pixels = _prod(_spatial(output_shape, layer))
    if isinstance(layer, CONV):
        return _nullable(_prod([out_pixels, kernel, c_in // layer.groups, layer.filters])), ""
    if isinstance(layer, CONV_TRANSPOSE):
        in_pixels = _prod(_spatial(in_shape, layer))
        return _nullable(_prod([in_pixels, kernel, c_in, layer.filters])), ""
    depthwise = _prod([out_pixels, kernel, c_in, layer.depth_multiplier])
    if isinstance(layer, DEPTHWISE):
        return _nullable(depthwise), ""
    pointwise = _prod([out_pixels, c_in, layer.depth_multiplier, layer.filters])
    return _nullable(None if depthwise is None or pointwise is None
                     else depthwise + pointwise), ""


def _attention_macs(layer, input_shapes: list[Shape], output_shape: Shape) -> int | None:
    """Multi-head attention over sequences: the four projections, the scores, the weighted sum.

    Query ``(T_q, C_q)``, value (and key) ``(T_v, C_v)``, ``h`` heads of key size ``d`` and value
    size ``d_v``: ``T_q C_q h d + T_v C_v h (d + d_v)`` (projections) ``+ h T_q T_v (d + d_v)``
    (scores and weighted sum) ``+ T_q h d_v C_out`` (output projection). The softmax is not counted.
    """
    query = tuple(input_shapes[0])
    value = tuple(input_shapes[1]) if len(input_shapes) > 1 else query
    if len(query) != 3 or len(value) != 3:
        return None
    (t_q, c_q), (t_v, c_v) = query[1:], value[1:]
    h, d = layer.num_heads, layer.key_dim
    d_v = layer.value_dim or d
    c_out = output_shape[-1]
    parts = [_prod([t_q, c_q, h, d]), _prod([t_v, c_v, h, d + d_v]),
             _prod([h, t_q, t_v, d + d_v]), _prod([t_q, h, d_v, c_out])]
    return None if None in parts else int(sum(parts))


def _sequence_macs(layer, in_shape: Shape, out_shape: Shape) -> tuple[int | None, str]:
    """Recurrent layers over ``(batch, steps, features)`` and the two sequence wrappers."""
    if isinstance(layer, keras.layers.Bidirectional):      # both directions read the same input
        parts = [_sequence_macs(inner, in_shape, out_shape)
                 for inner in (layer.forward_layer, layer.backward_layer)]
        if any(macs is None for macs, _ in parts):
            return None, next(note for macs, note in parts if macs is None)
        return sum(macs for macs, _ in parts), ""
    if isinstance(layer, keras.layers.TimeDistributed):
        inner_in, inner_out = (in_shape[0],) + in_shape[2:], (out_shape[0],) + out_shape[2:]
        macs, note = layer_macs(layer.layer, [inner_in], inner_out)
        return (None, note) if macs is None else (_nullable(_prod([in_shape[1], macs])), note)
    blocks = RECURRENT_BLOCKS.get(type(layer))
    if blocks is None:
        return None, f"not counted: no MAC rule for {type(layer).__name__}"
    if len(in_shape) != 3:
        return None, f"not counted: {type(layer).__name__} on a rank-{len(in_shape)} input"
    steps, features, units = in_shape[1], in_shape[2], layer.units
    return _nullable(_prod([steps, blocks, units, None if features is None else features + units])), ""


def _nullable(macs: int | None) -> int | None:
    return None if macs is None else int(macs)
