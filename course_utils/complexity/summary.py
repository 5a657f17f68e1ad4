"""Per-layer parameters, MACs and activation sizes of a Keras model."""

from __future__ import annotations

import dataclasses
import html
import math
from typing import Any

import keras

from course_utils.complexity._layers import layer_macs

__all__ = ["LayerRow", "Summary", "summarize"]


@dataclasses.dataclass(frozen=True)
class LayerRow:
    """One layer of a :class:`Summary`.

    Attributes
    ----------
    name : str
        Layer name; layers of a nested model are prefixed ``"outer/inner"``.
    type : str
        Class name, e.g. ``"Conv2D"``.
    output_shape : tuple or None
        With the batch dimension (``None``); a list of tuples for several outputs.
    params, trainable_params : int
    macs : int or None
        Multiply-accumulates per example; ``None`` means *not counted*.
    activations : int or None
        Output values per example (the activation memory in elements).
    note : str
        Why the layer costs 0 MACs or is not counted.
    """

    name: str
    type: str
    output_shape: Any
    params: int
    trainable_params: int
    macs: int | None
    activations: int | None
    note: str = ""

    @property
    def counted(self) -> bool:
        """False if the MACs of this layer are unknown (see ``note``)."""
        return self.macs is not None


@dataclasses.dataclass(frozen=True)
class Summary:
    """Table of :class:`LayerRow` with totals; ``print(summary)`` shows it.

    Attributes
    ----------
    name : str
    rows : list of LayerRow
    """

    name: str
    rows: list[LayerRow]

    @property
    def total_params(self) -> int:
        """Sum of the rows' parameters; equals ``model.count_params()``."""
        return sum(r.params for r in self.rows)

    @property
    def trainable_params(self) -> int:
        return sum(r.trainable_params for r in self.rows)

    @property
    def total_macs(self) -> int:
        """MACs per example of the counted layers (see :attr:`not_counted`)."""
        return sum(r.macs for r in self.rows if r.macs is not None)

    @property
    def not_counted(self) -> list[str]:
        """Names of the layers whose MACs are unknown."""
        return [r.name for r in self.rows if r.macs is None]

    def row(self, name: str) -> LayerRow:
        """The row called ``name``."""
        for r in self.rows:
            if r.name == name:
                return r
        raise KeyError(f"no layer {name!r} in summary of {self.name!r}; layers: "
                       f"{[r.name for r in self.rows]}")

    def _cells(self) -> list[list[str]]:
        def fmt(v):
            return "not counted" if v is None else f"{v:,}"

        return [[r.name, r.type, str(r.output_shape), f"{r.params:,}", fmt(r.macs),
                 fmt(r.activations)] for r in self.rows]

    _HEADER = ["layer", "type", "output shape", "params", "MACs", "activations"]

    def to_text(self) -> str:
        """The table as aligned plain text, totals at the bottom."""
        cells = [self._HEADER, *self._cells()]
        widths = [max(len(row[i]) for row in cells) for i in range(len(self._HEADER))]
        lines = ["  ".join(c.ljust(w) if i < 3 else c.rjust(w)
                           for i, (c, w) in enumerate(zip(row, widths))) for row in cells]
        lines.insert(1, "-" * len(lines[0]))
        lines.append("-" * len(lines[0]))
        lines.append(f"total params {self.total_params:,} (trainable "
                     f"{self.trainable_params:,}), MACs per example {self.total_macs:,}")
        if self.not_counted:
            lines.append(f"MACs not counted for: {', '.join(self.not_counted)}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return f"{self.name}\n{self.to_text()}"

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{h}</th>" for h in self._HEADER)
        body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>"
                       for row in self._cells())
        foot = (f"<p>total params {self.total_params:,} (trainable {self.trainable_params:,}),"
                f" MACs per example {self.total_macs:,}</p>")
        if self.not_counted:
            foot += f"<p>MACs not counted for: {html.escape(', '.join(self.not_counted))}</p>"
        return (f"<p><b>{html.escape(self.name)}</b></p><table><thead><tr>{head}</tr></thead>"
                f"<tbody>{body}</tbody></table>{foot}")


def _shape_list(tensors: Any) -> list[tuple]:
    if isinstance(tensors, (list, tuple)):
        return [tuple(t.shape) for t in keras.tree.flatten(tensors)]
    if isinstance(tensors, dict):
        return [tuple(t.shape) for t in keras.tree.flatten(tensors)]
    return [tuple(tensors.shape)]


def _activations(shapes: list[tuple]) -> int | None:
    sizes = [math.prod(s[1:]) if all(d is not None for d in s[1:]) else None for s in shapes]
    return None if any(v is None for v in sizes) else sum(sizes)


def _layer_shapes(layer: keras.layers.Layer, previous: list[tuple] | None,
                  ) -> tuple[list[tuple] | None, list[tuple] | None]:
    """Input and output shapes from the functional graph, else by ``compute_output_shape``."""
    try:
        inputs = [] if isinstance(layer, keras.layers.InputLayer) else _shape_list(layer.input)
        return inputs, _shape_list(layer.output)
    except (AttributeError, ValueError, RuntimeError):
        pass
    if previous is None:
        return None, None
    try:
        shape = previous[0] if len(previous) == 1 else previous
        return previous, _shape_list_from(layer.compute_output_shape(shape))
    except Exception:  # any failure means: shapes unknown, reported as not counted
        return previous, None


def _shape_list_from(shape: Any) -> list[tuple]:
    if isinstance(shape, (list, tuple)) and shape and isinstance(shape[0], (list, tuple)):
        return [tuple(s) for s in shape]
    return [tuple(shape)]


def _weight_count(weights: list) -> int:
    return sum(math.prod(w.shape) for w in weights)


def _call_counts(model: keras.Model) -> dict[str, int]:
    """How many times each layer of a functional model is called (from its public config)."""
    try:
        layers = model.get_config().get("layers", [])
    except Exception:  # models without a config: shared layers cannot be detected
        return {}
    return {cfg.get("name"): len(cfg.get("inbound_nodes") or []) for cfg in layers}


def _collect(model: keras.Model, prefix: str, rows: list[LayerRow]) -> None:
    is_sequential = isinstance(model, keras.Sequential)
    calls = {} if is_sequential else _call_counts(model)
    previous = None
    if is_sequential and getattr(model, "inputs", None):
        try:
            previous = _shape_list(model.inputs)
        except (AttributeError, ValueError):
            previous = None
    for layer in model.layers:
        name = f"{prefix}{layer.name}"
        if isinstance(layer, keras.Model):
            start = len(rows)
            _collect(layer, f"{name}/", rows)
            inner = sum(r.params for r in rows[start:])
            own = layer.count_params() - inner
            if own:  # weights created by the nested model itself, not by its layers
                rows.append(LayerRow(f"{name}", type(layer).__name__, None, own, own, None,
                                     None, "not counted: weights of the model itself"))
            previous = None
            try:
                previous = _shape_list(layer.output)
            except (AttributeError, ValueError, RuntimeError):
                previous = None
            continue
        in_shapes, out_shapes = _layer_shapes(layer, previous if is_sequential else None)
        macs, note = layer_macs(layer, in_shapes, out_shapes[0] if out_shapes else None)
        if calls.get(layer.name, 1) > 1 and macs:
            macs, note = None, f"not counted: shared layer called {calls[layer.name]} times"
        out = None if out_shapes is None else (out_shapes[0] if len(out_shapes) == 1
                                               else out_shapes)
        rows.append(LayerRow(
            name=name, type=type(layer).__name__, output_shape=out,
            params=_weight_count(layer.weights),
            trainable_params=_weight_count(layer.trainable_weights), macs=macs,
            activations=None if out_shapes is None else _activations(out_shapes), note=note))
        previous = out_shapes


def summarize(model: keras.Model) -> Summary:
    """Parameters, MACs per example and activation sizes of every layer of ``model``.

    Nested models (a ``Sequential`` or functional model used as a layer) are expanded
    into their layers, named ``"outer/inner"``. See :mod:`course_utils.complexity._layers`
    for the MAC convention: conv and dense layers count one MAC per weight use;
    pooling, merges, activations and normalisation count 0 and are listed; unknown layer
    types are listed as not counted.

    Parameters
    ----------
    model : keras.Model
        A built model (functional, or a ``Sequential`` given an ``Input``/built).

    Returns
    -------
    Summary
        ``rows``, ``total_params`` (equal to ``model.count_params()``), ``total_macs``,
        ``not_counted``; ``print()`` it or display it in a notebook.
    """
    if not isinstance(model, keras.Model):
        raise ValueError(f"summarize expects a keras.Model, got {type(model).__name__}.")
    if not model.built:
        raise ValueError(f"model {model.name!r} is not built: give it a keras.Input or call "
                         f"model.build(input_shape) first.")
    rows: list[LayerRow] = []
    _collect(model, "", rows)
    summary = Summary(model.name, rows)
    if summary.total_params != model.count_params():  # a shared weight counted twice
        raise RuntimeError(f"summed layer parameters {summary.total_params:,} differ from "
                           f"model.count_params() {model.count_params():,} for "
                           f"{model.name!r}; are layers sharing weights?")
    return summary
