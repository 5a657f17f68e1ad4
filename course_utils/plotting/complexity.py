"""Model complexity: parameters and multiply-accumulates per layer, as drawn
from a :class:`course_utils.complexity.Summary`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

__all__ = ["plot_complexity"]


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
