"""Points of a 2-D space coloured by class: a VAE's latent space, a graph's node embedding."""

from __future__ import annotations

from typing import Any, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure


def plot_embedding(points: Any, labels: Any, *, title: str, xlabel: str, ylabel: str,
                   class_names: Sequence[str] | None = None, annotate: Sequence[str] | None = None,
                   ax: Any = None) -> Figure:
    """Scatter ``points`` ``(N, 2)`` coloured by integer ``labels`` ``(N,)``, one legend entry per class.

    Parameters
    ----------
    points : array-like of shape (N, 2)
    labels : array-like of int, shape (N,)
    title, xlabel, ylabel : str
        Required: say what the axes are (``"z_1"``, ``"GCN feature 1"``).
    class_names : sequence of str, optional
    annotate : sequence of str, optional
        A text next to every point (node numbers of a small graph).
    ax : matplotlib.axes.Axes, optional
    """
    points, labels = np.asarray(points, dtype=float), np.asarray(labels)
    if points.ndim != 2 or points.shape[1] != 2:
        raise ValueError(f"points must have shape (N, 2), got {points.shape}.")
    if labels.shape != (len(points),):
        raise ValueError(f"labels must have shape ({len(points)},), got {labels.shape}.")
    if ax is None:
        fig, ax = plt.subplots(figsize=(6, 5))
    else:
        fig = ax.figure
    cmap = plt.get_cmap("tab10")
    for k in np.unique(labels):
        mask = labels == k
        name = class_names[int(k)] if class_names is not None else str(k)
        ax.scatter(points[mask, 0], points[mask, 1], s=8 if len(points) > 200 else 40,
                   color=cmap(int(k) % 10), label=name, alpha=0.7)
    for text, (x, y) in zip(annotate or (), points):
        ax.annotate(str(text), (x, y), fontsize=7, xytext=(3, 3), textcoords="offset points")
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, markerscale=2 if len(points) > 200 else 1, loc="best")
    fig.tight_layout()
    return fig
