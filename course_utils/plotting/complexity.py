"""Model complexity: parameters and multiply-accumulates per layer, as drawn
from a :class:`course_utils.complexity.Summary`, and the trade-off of cost against
error across networks."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

__all__ = ["plot_complexity", "plot_tradeoff", "plot_bubbles"]


def _field(row: Any, key: str) -> Any:
    """``row[key]`` for a mapping, else ``row.key``."""
    if isinstance(row, Mapping):
        return row[key]
    return getattr(row, key)


def plot_complexity(summary: Any, *, title: str | None = None, log_scale: bool = False) -> Figure:
    """Bar charts of parameters and multiply-accumulates (MACs) per layer.

    Parameters
    ----------
    summary : course_utils.complexity.Summary
        Anything with ``.rows`` (each with ``name``, ``type``, ``params``,
        ``macs``), ``.total_params`` and ``.total_macs``.
    title : str, default=None
        ``None`` uses the totals.
    log_scale : bool, default=False
        Logarithmic x axes (parameters and MACs span orders of magnitude).

    Returns
    -------
    matplotlib.figure.Figure
        Two axes, ``"parameters"`` and ``"MACs"``, one bar per layer.
    """
    try:
        rows = list(summary.rows)
        names = [f"{_field(r, 'name')} ({_field(r, 'type')})" for r in rows]
        params = [int(_field(r, "params")) for r in rows]
        macs = [int(_field(r, "macs")) for r in rows]
        total_params, total_macs = int(summary.total_params), int(summary.total_macs)
    except (AttributeError, KeyError, TypeError) as exc:
        raise TypeError(f"summary must look like complexity.Summary (.rows with name, type, "
                        f"params, macs; .total_params; .total_macs); got "
                        f"{type(summary).__name__}: {exc}") from exc
    fig, axes = plt.subplots(1, 2, figsize=(11, 1.2 + 0.35 * len(rows)), sharey=True)
    positions = np.arange(len(rows))
    for ax, values, label, color in ((axes[0], params, "parameters", "tab:blue"),
                                     (axes[1], macs, "multiply-accumulates (MACs)", "tab:orange")):
        ax.barh(positions, values, color=color)
        ax.set_xlabel(label + (" (log scale)" if log_scale else ""))
        ax.set_title(f"{label.split(' (')[0]} per layer")
        if log_scale:
            ax.set_xscale("log")
        ax.grid(axis="x", alpha=0.3)
    axes[0].set_yticks(positions, names)
    axes[0].set_ylabel("layer")
    axes[0].invert_yaxis()
    fig.suptitle(title or f"{getattr(summary, 'name', 'model')}: {total_params:,} parameters, "
                          f"{total_macs:,} MACs per image")
    fig.tight_layout()
    return fig


def plot_tradeoff(points: Mapping[str, Any], *, title: str, xlabel: str, ylabel: str,
                  logx: bool = True, reference: Mapping[str, Any] | None = None,
                  reference_label: str = "reference") -> Figure:
    """A labelled scatter of networks: cost (parameters, MACs, seconds) against error.

    Parameters
    ----------
    points : dict of {str: (float, float)}
        Label -> ``(x, y)``, e.g. network -> (parameters, test error in %).
    title, xlabel, ylabel : str
    logx : bool, default=True
        Costs span orders of magnitude.
    reference : dict of {str: (float, float)}, optional
        Points of another source (a paper), drawn as squares under the same labels.
    reference_label : str, default="reference"

    Returns
    -------
    matplotlib.figure.Figure
        ``fig.axes[0].texts`` holds one label per point; labels of points that lie close
        together are placed on alternate sides so that they do not overlap.
    """
    if not points:
        raise ValueError("points must hold at least one (x, y) pair.")
    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    xs = np.array([float(v[0]) for v in points.values()])
    ys = np.array([float(v[1]) for v in points.values()])
    ax.scatter(xs, ys, color="C0", label="this run", zorder=3)
    for label, (x, y) in (reference or {}).items():
        if y is not None:
            ax.scatter([x], [y], color="C1", marker="s", zorder=2,
                       label=reference_label if label == next(iter(reference)) else None)
    # Place labels: a point close (in axis units) to an earlier one gets its label below.
    scale_x = np.log10(xs) if logx else xs
    span_x = max(np.ptp(scale_x), 1e-9)
    span_y = max(np.ptp(ys), 1e-9)
    placed: list[tuple[float, float]] = []
    for label, x, y, sx in zip(points, xs, ys, scale_x):
        crowded = any(abs(sx - px) / span_x < 0.12 and abs(y - py) / span_y < 0.12
                      for px, py in placed)
        ax.annotate(label, (x, y), textcoords="offset points", fontsize=8,
                    xytext=(6, -11) if crowded else (6, 5))
        placed.append((sx, y))
    if logx:
        ax.set_xscale("log")
    ax.margins(x=0.2, y=0.15)  # room for the labels of the outermost points
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_bubbles(panels: Mapping[str, Sequence[Mapping[str, Any]]], *, xlabel: str,
                 ylabel: str, title: str, size_label: str = "parameters",
                 logx: bool = True) -> Figure:
    """Canziani-style bubble charts, one panel each: cost against accuracy, area for size.

    Parameters
    ----------
    panels : dict of {str: list of dict}
        Panel title -> points; each point has ``label``, ``x`` (e.g. MACs), ``y`` (e.g.
        accuracy in %), ``size`` (e.g. parameters; the bubble's area is proportional to
        it) and optionally ``group`` (points of a group share a colour and a legend entry).
    xlabel, ylabel, title : str
    size_label : str, default="parameters"
        Named in the legend of bubble sizes.
    logx : bool, default=True

    Returns
    -------
    matplotlib.figure.Figure
        One axes per panel; ``ax.texts`` holds one label per point.
    """
    if not panels or not all(panels.values()):
        raise ValueError("panels must map each title to at least one point.")
    for points in panels.values():
        for point in points:
            missing = {"label", "x", "y", "size"} - set(point)
            if missing:
                raise ValueError(f"point {point!r} lacks {sorted(missing)}.")
    fig, axes = plt.subplots(1, len(panels), figsize=(6.2 * len(panels), 4.6), squeeze=False)
    largest = max(float(p["size"]) for points in panels.values() for p in points)
    for ax, (panel_title, points) in zip(axes[0], panels.items()):
        groups = list(dict.fromkeys(str(p.get("group", "")) for p in points))
        for i, group in enumerate(groups):
            members = [p for p in points if str(p.get("group", "")) == group]
            ax.scatter([p["x"] for p in members], [p["y"] for p in members],
                       s=[20 + 900 * float(p["size"]) / largest for p in members],
                       color=f"C{i % 10}", alpha=0.55, edgecolor="k", linewidth=0.5,
                       label=group or None, zorder=3)
        for p in points:
            ax.annotate(p["label"], (p["x"], p["y"]), textcoords="offset points",
                        xytext=(5, 4), fontsize=7)
        if logx:
            ax.set_xscale("log")
        ax.margins(x=0.15, y=0.12)
        ax.set(title=panel_title, xlabel=xlabel, ylabel=ylabel)
        ax.grid(alpha=0.3)
        if any(groups):
            ax.legend(fontsize=7, loc="lower right")
    fig.suptitle(f"{title} (bubble area: {size_label}, largest {largest:,.0f})")
    fig.tight_layout()
    return fig
