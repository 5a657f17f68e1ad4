"""Keras models: :func:`check_model` checks an architecture layer by layer.

Only public Keras 3 API is used, and Keras is imported on first use, so importing
``course_utils.grading`` stays cheap.
"""

from __future__ import annotations

import contextlib
import re
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from course_utils.grading.shape_checks import GradingError, _fmt, _same, _shape_message

__all__ = ["check_model", "check_same_network"]


_ALIASES = {"MaxPool2D": "MaxPooling2D", "AvgPool2D": "AveragePooling2D",
            "MaxPool1D": "MaxPooling1D", "AvgPool1D": "AveragePooling1D",
            "GlobalMaxPool2D": "GlobalMaxPooling2D", "GlobalAvgPool2D": "GlobalAveragePooling2D",
            "Convolution2D": "Conv2D", "SeparableConvolution2D": "SeparableConv2D"}


def _type_name(layer_type: Any) -> str:
    name = layer_type if isinstance(layer_type, str) else layer_type.__name__
    return _ALIASES.get(name, name)


def _model_layers(model: Any) -> list:
    """The model's layers without ``InputLayer`` (present in some Keras versions only)."""
    import keras

    return [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]


def _first_line(exc: Exception) -> str:
    text = re.sub(r"\x1b\[[0-9;]*m", "", str(exc))
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    useful = [line for line in lines if "incompatible" in line or "expected" in line]
    return (useful or lines or [type(exc).__name__])[0]


def _layer_shapes(model: Any, layers: list, input_shape: tuple) -> list[tuple] | None:
    """Per-layer output shapes, batch axis included; ``None`` if not a simple chain."""
    import keras

    if isinstance(model, keras.Sequential):
        shapes, shape = [], (None, *input_shape)
        for layer in layers:
            try:
                shape = tuple(layer.compute_output_shape(shape))
            except Exception:  # some layers only implement compute_output_spec
                shape = tuple(layer.compute_output_spec(keras.KerasTensor(shape)).shape)
            shapes.append(shape)
        return shapes
    try:
        return [tuple(layer.output.shape) for layer in layers]
    except Exception:  # subclassed models, shared layers
        return None


def _bias_size(layer: Any) -> int:
    bias = getattr(layer, "bias", None)
    if bias is not None:
        return int(np.prod(bias.shape))
    for attribute in ("filters", "units"):
        value = getattr(layer, attribute, None)
        if isinstance(value, int):
            return value
    return 0


def _params_hint(layers: list, got: int, want: int) -> str:
    missing = got - want
    without = [layer for layer in layers if getattr(layer, "use_bias", None) is False]
    with_bias = [layer for layer in layers if getattr(layer, "use_bias", None) is True]
    if missing < 0 and -missing in (sum(_bias_size(l) for l in without),
                                    *(_bias_size(l) for l in without)):
        return (f"{-missing} parameters are missing, exactly the biases of "
                f"{', '.join(l.name for l in without)}: did you forget the bias (use_bias)?")
    if missing > 0 and missing in (sum(_bias_size(l) for l in with_bias),
                                   *(_bias_size(l) for l in with_bias)):
        return (f"{missing} parameters too many, exactly the size of some biases: should a "
                f"layer use use_bias=False (e.g. before BatchNormalization)?")
    return "check kernel sizes, numbers of filters and units, and the input channels"


def check_model(model: Any, *, input_shape: Sequence[int | None],
                output_shape: Sequence[int | None] | None = None, params: int | None = None,
                layer_types: Sequence[Any] | None = None, num_layers: int | None = None,
                output_shapes: Sequence[Sequence[int | None] | None] | None = None,
                name: str = "model") -> None:
    """Check a Keras model's architecture on inputs of ``input_shape``.

    Checks run in order and the first failure is reported: the model accepts
    the input, layer count, layer types, per-layer output shapes, output
    shape, parameter count. Only public Keras 3 API is used; ``InputLayer``
    is ignored whether or not ``model.layers`` lists it.

    Parameters
    ----------
    model : keras.Model
        Sequential, functional or subclassed; an unbuilt Sequential is built.
    input_shape : tuple of int or None
        One input without the batch axis, e.g. ``(28, 28, 1)``.
    output_shape : tuple of int or None, default=None
        Without the batch axis, e.g. ``(10,)``.
    params : int, default=None
        Expected ``model.count_params()``.
    layer_types : sequence of str or layer classes, default=None
        E.g. ``["Conv2D", "MaxPooling2D", "Flatten", "Dense"]``, InputLayer left out.
    num_layers : int, default=None
        Layers without the InputLayer.
    output_shapes : sequence of tuples (or None to skip one), default=None
        Per-layer output shapes without the batch axis (Sequential or functional chains).
    name : str, default="model"

    Raises
    ------
    GradingError
    """
    import keras

    input_shape = tuple(input_shape)
    if not isinstance(model, keras.Model):
        raise GradingError(f"expected {name} to be a keras.Model, got {type(model).__name__}")
    declared = None
    with contextlib.suppress(Exception):
        declared = tuple(model.inputs[0].shape[1:])
    if declared is not None and not _same(input_shape, declared):
        raise GradingError(f"{name} expects inputs of shape {_fmt((None, *declared))}, but this "
                           f"exercise feeds {_fmt((None, *input_shape))}: check "
                           f"keras.Input(shape=...)")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            output = model(keras.Input(shape=input_shape))
        except Exception as exc:
            raise GradingError(f"{name} cannot run on inputs of shape "
                               f"{_fmt((None, *input_shape))}: {_first_line(exc)}") from None
    layers = _model_layers(model)
    got_types = [type(layer).__name__ for layer in layers]
    expected_count = num_layers if num_layers is not None else (
        len(layer_types) if layer_types is not None else None)
    if expected_count is not None and len(layers) != expected_count:
        message = f"expected {expected_count} layers (not counting the Input), got {len(layers)}"
        if layer_types is not None:
            message += (f": expected {[_type_name(t) for t in layer_types]}, "
                        f"got {got_types}")
        raise GradingError(message)
    for index, (layer, want) in enumerate(zip(layers, layer_types or [])):
        if _type_name(type(layer)) != _type_name(want):
            raise GradingError(f"layer {index} ('{layer.name}') is {type(layer).__name__}, "
                               f"expected {_type_name(want)}: check the layer type")
    if output_shapes is not None:
        shapes = _layer_shapes(model, layers, input_shape)
        if shapes is None:
            raise ValueError("output_shapes needs a Sequential or functional model whose "
                             f"layers each run once; got {type(model).__name__}.")
        if len(output_shapes) != len(layers):
            raise ValueError(f"output_shapes has {len(output_shapes)} entries, expected one "
                             f"per layer ({len(layers)}).")
        for index, (layer, got, want) in enumerate(zip(layers, shapes, output_shapes)):
            if want is not None and not _same(got, (None, *want)):
                raise GradingError(f"layer {index} ('{layer.name}', {type(layer).__name__}): "
                                   + _shape_message("output shape", got, (None, *want)))
    if output_shape is not None:
        got = tuple(output.shape)
        if not _same(got, (None, *output_shape)):
            raise GradingError(f"{name}: " + _shape_message("output shape", got,
                                                            (None, *output_shape)))
    if params is not None:
        got_params = int(model.count_params())
        if got_params != params:
            per_layer = ", ".join(f"{layer.name} ({type(layer).__name__}) "
                                  f"{layer.count_params():,}" for layer in layers)
            raise GradingError(f"expected {params:,} parameters, got {got_params:,}: "
                               f"{_params_hint(layers, got_params, params)}\n"
                               f"parameters per layer: {per_layer}")


def _weight_owners(model: Any) -> list[tuple[str, Any]]:
    """``(layer name / weight name, variable)`` of every weight, in ``get_weights`` order."""
    owners = {}
    for layer in _model_layers(model):
        for weight in layer.weights:
            owners.setdefault(id(weight), f"{layer.name}/{weight.name}")
    return [(owners.get(id(w), w.name), w) for w in model.weights]


def _layer_groups(weights: list[tuple[str, Any]]) -> list[tuple[tuple, list[int]]]:
    """Consecutive weights of one layer: ``(their shapes, their indices)`` per layer."""
    groups: list[tuple[str, list[int]]] = []
    for index, (owner, _) in enumerate(weights):
        layer = owner.rsplit("/", 1)[0]
        if groups and groups[-1][0] == layer:
            groups[-1][1].append(index)
        else:
            groups.append((layer, [index]))
    return [(tuple(tuple(weights[i][1].shape) for i in idx), idx) for _, idx in groups]


def _match_weights(mine: list, theirs: list) -> list[int] | None:
    """For each of ``mine``, the index of the reference weight it takes, or None.

    The same shapes in the same order match one to one. Layers built in another order (an
    Inception module's branches created in another sequence) match layer by layer when the
    layers' weight shapes are the same set and no two layers have the same shapes, so that
    the pairing is unambiguous.
    """
    if [tuple(w.shape) for _, w in mine] == [tuple(w.shape) for _, w in theirs]:
        return list(range(len(mine)))
    my_layers, their_layers = _layer_groups(mine), _layer_groups(theirs)
    signatures = [sig for sig, _ in my_layers]
    their_signatures = {sig: idx for sig, idx in their_layers}
    if (sorted(signatures) != sorted(sig for sig, _ in their_layers)
            or len(their_signatures) != len(their_layers)):
        return None
    order = [0] * len(mine)
    for sig, idx in my_layers:
        for mine_index, their_index in zip(idx, their_signatures[sig]):
            order[mine_index] = their_index
    return order


def check_same_network(model: Any, reference: Any, inputs: Any, *, atol: float = 1e-5,
                       rtol: float = 1e-5, name: str = "your network") -> None:
    """Check that ``model`` is the network ``reference`` is: same weights, same function.

    Three checks, the first failure reported: the same number of parameters, the same
    weight shapes in the same order (or the same layers created in another sequence, when
    no two layers have the same weight shapes), so that the reference's weights fit, and, with the
    reference's weights copied in, the same outputs on ``inputs`` (inference mode) within
    ``atol`` and ``rtol``. ``model``'s own weights are put back afterwards; ``reference``
    is not changed.

    Raises
    ------
    GradingError
        Naming the first weight whose shape differs (with its layer), or the outputs that
        differ, and what to look at.
    """
    import keras

    for value, label in ((model, name), (reference, "the reference")):
        if not isinstance(value, keras.Model):
            raise GradingError(f"expected {label} to be a keras.Model, got {type(value).__name__}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            model(inputs[:1], training=False)
        except Exception as exc:
            raise GradingError(f"{name} cannot run on inputs of shape "
                               f"{_fmt(np.shape(inputs))}: {_first_line(exc)}") from None
    got, want = int(model.count_params()), int(reference.count_params())
    mine, theirs = _weight_owners(model), _weight_owners(reference)
    order = _match_weights(mine, theirs)
    if order is None:
        for (my_name, my_weight), (ref_name, ref_weight) in zip(mine, theirs):
            if tuple(my_weight.shape) != tuple(ref_weight.shape):
                raise GradingError(
                    f"{name} has {got:,} parameters, the reference {want:,}; the first weight that "
                    f"differs is {my_name} of shape {tuple(my_weight.shape)}, where the reference "
                    f"has {ref_name} of shape {tuple(ref_weight.shape)}: check that layer's filters, "
                    f"kernel size, units or input channels")
        extra = ([n for n, _ in mine[len(theirs):]] if len(mine) > len(theirs)
                 else [n for n, _ in theirs[len(mine):]])
        whose = name if len(mine) > len(theirs) else "the reference"
        raise GradingError(f"{name} has {len(mine)} weight tensors, the reference "
                           f"{len(theirs)}: {whose} also has {', '.join(extra[:4])}: a layer "
                           f"missing or one too many (a bias left on or off?)")
    reference_weights = reference.get_weights()
    saved = model.get_weights()
    try:
        model.set_weights([reference_weights[j] for j in order])
        ours = keras.ops.convert_to_numpy(model(inputs, training=False))
        expected = keras.ops.convert_to_numpy(reference(inputs, training=False))
    finally:
        model.set_weights(saved)
    if ours.shape != expected.shape:
        raise GradingError(f"{name} outputs shape {_fmt(ours.shape)}, the reference "
                           f"{_fmt(expected.shape)}")
    if not np.allclose(ours, expected, atol=atol, rtol=rtol):
        worst = float(np.max(np.abs(ours - expected)))
        raise GradingError(f"{name} has the reference's weights but computes another function "
                           f"(largest output difference {worst:.3g}): the weights fit, so look at "
                           f"what has none: activations, pooling type, padding, the order of "
                           f"the layers")


def check_transfer_model(model: Any, reference: Any, inputs: Any, *, atol: float = 1e-5,
                         name: str = "your transfer model") -> None:
    """Check a transfer model: the reference's network, with only its head training and its
    backbone's batch normalisation in inference mode.

    ``reference`` is a correct transfer model (a frozen backbone and a new head). Three
    checks, the first failure reported: the same network and function as the reference
    (:func:`check_same_network`); the same number of trainable parameters (the head's); the
    same outputs when the model is called in training mode as in inference mode (frozen batch
    norm uses its moving statistics in both; in Keras 3 a ``training=False`` written inside a
    functional model is overridden by the outer call, keras-team/keras#20285, so it is the
    freezing that counts).

    Raises
    ------
    GradingError
        Saying which of the three failed and what to change.
    """
    import keras

    check_same_network(model, reference, inputs, atol=atol, rtol=atol, name=name)
    got = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    want = sum(int(np.prod(w.shape)) for w in reference.trainable_weights)
    if got != want:
        hint = ("the backbone still trains: set backbone.trainable = False before building"
                if got > want else "the new head must train: leave it trainable")
        raise GradingError(f"{name} has {got:,} trainable parameters, expected {want:,} (the "
                           f"head's): {hint}")
    in_training = keras.ops.convert_to_numpy(model(inputs, training=True))
    in_inference = keras.ops.convert_to_numpy(model(inputs, training=False))
    if not np.allclose(in_training, in_inference, atol=atol, rtol=atol):
        worst = float(np.max(np.abs(in_training - in_inference)))
        raise GradingError(f"{name} computes other outputs in training mode (largest "
                           f"difference {worst:.3g}): something still runs as in training, "
                           f"batch normalisation on each batch's statistics or a dropout. "
                           f"Freeze the backbone, and leave dropout out of this model")
