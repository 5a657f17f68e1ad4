"""Training and evaluation figures: loss and metric curves per epoch after ``fit``,
any labelled line plot (``plot_curves``), and confusion matrices.

The live version of the training curves, the ``LiveHistory`` callback, is in
:mod:`course_utils.plotting.live` (it imports Keras).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from course_utils.plotting._common import _as_labels

__all__ = ["plot_history", "plot_curves", "confusion_matrix", "plot_confusion_matrix",
           "plot_normalization_axes"]


# --------------------------------------------------------------------------- training curves
def _history_dict(history: Any) -> dict[str, list[float]]:
    """``keras.callbacks.History`` or mapping -> ``{metric: [value per epoch]}``."""
    history = getattr(history, "history", history)
    if not isinstance(history, Mapping):
        raise TypeError(f"history must be a keras.callbacks.History or a dict of lists, "
                        f"got {type(history).__name__}.")
    lengths = {key: len(values) for key, values in history.items()}
    if len(set(lengths.values())) > 1:
        raise ValueError(f"every metric needs one value per epoch; got lengths {lengths}.")
    return {key: [float(v) for v in values] for key, values in history.items()}


def _draw_history(fig: Figure, history: Mapping[str, Sequence[float]], title: str) -> None:
    """Draw one axes per metric (loss first), train vs validation, on ``fig``."""
    fig.clear()
    names = [k for k in history if not k.startswith("val_")]
    names += [k for k in history if k.startswith("val_") and k[4:] not in history]
    names.sort(key=lambda k: (k.removeprefix("val_") != "loss", ))
    if not names:
        fig.suptitle(f"{title} (no epochs yet)")
        return
    fig.set_size_inches(4.5 * len(names), 3.5)
    axes = fig.subplots(1, len(names), squeeze=False)[0]
    for ax, name in zip(axes, names):
        for key, label in ((name, "train"), (f"val_{name}", "validation")):
            if key in history and len(history[key]):
                epochs = np.arange(1, len(history[key]) + 1)
                ax.plot(epochs, history[key], "o-", markersize=3,
                        label="validation" if key.startswith("val_") else label)
        ax.set_title(name.removeprefix("val_"))
        ax.set_xlabel("epoch")
        ax.set_ylabel(name.removeprefix("val_"))
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.grid(alpha=0.3)
        ax.legend()
    fig.suptitle(title)
    fig.tight_layout()


def plot_history(history: Any, *, title: str = "Training curves") -> Figure:
    """Plot loss and metrics per epoch, training vs validation.

    Parameters
    ----------
    history : keras.callbacks.History or dict of {str: list of float}
        What ``model.fit`` returns, or its ``.history`` dict.
    title : str, default="Training curves"

    Returns
    -------
    matplotlib.figure.Figure
        One axes per metric (``loss`` first), x label ``"epoch"``.
    """
    history = _history_dict(history)
    count = max(1, len([k for k in history if not k.startswith("val_")]))
    fig = plt.figure(figsize=(4.5 * count, 3.5))
    _draw_history(fig, history, title)
    return fig


def plot_curves(curves: Mapping[str, Any], *, title: str, xlabel: str, ylabel: str,
                logx: bool = False, logy: bool = False, markers: bool = True,
                hlines: Mapping[str, float] | None = None, ax: Any = None) -> Figure:
    """Draw labelled curves on one axes: the lessons' line plots in one place.

    Parameters
    ----------
    curves : dict of {str: sequence of float or (x, y) pair of sequences}
        One curve per label. A plain sequence is plotted against 1, 2, ...
    title, xlabel, ylabel : str
        Required: every figure of the course says what it shows, with units.
    logx, logy : bool, default=False
        Logarithmic axes.
    markers : bool, default=True
        Mark the points (for few points); False draws plain lines.
    hlines : dict of {str: float}, optional
        Labelled horizontal reference lines (a target accuracy, a paper's figure).
    ax : matplotlib.axes.Axes, optional
        Draw into this axes instead of a new figure.

    Returns
    -------
    matplotlib.figure.Figure
        ``fig.axes[0]`` carries the title, labels and a legend with one entry per curve.
    """
    if not isinstance(curves, Mapping) or not curves:
        raise ValueError(f"curves must be a non-empty dict of label -> values, got {curves!r}.")
    if ax is None:
        fig, ax = plt.subplots(figsize=(6.4, 4))
    else:
        fig = ax.figure
    for label, values in curves.items():
        if isinstance(values, tuple) and len(values) == 2 and np.ndim(values[0]) == 1:
            xs, ys = np.asarray(values[0], dtype=float), np.asarray(values[1], dtype=float)
        else:
            ys = np.asarray(values, dtype=float)
            xs = np.arange(1, len(ys) + 1)
        if xs.shape != ys.shape or ys.ndim != 1:
            raise ValueError(f"curve {label!r}: x and y must be 1-D of the same length, got "
                             f"{xs.shape} and {ys.shape}.")
        ax.plot(xs, ys, "o-" if markers else "-", markersize=3, label=str(label))
    for label, value in (hlines or {}).items():
        ax.axhline(value, color="grey", linestyle="--", linewidth=1, label=str(label))
    if logx:
        ax.set_xscale("log")
    if logy:
        ax.set_yscale("log")
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def _in_notebook() -> bool:
    """True inside a Jupyter kernel (an IPython shell with a kernel attached)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and hasattr(shell, "kernel")


# --------------------------------------------------------------------------- evaluation
def confusion_matrix(y_true: Any, y_pred: Any, num_classes: int | None = None) -> np.ndarray:
    """Count matrix ``C[i, j]``: images of true class ``i`` predicted as ``j``.

    Parameters
    ----------
    y_true : array-like of int, shape (N,)
    y_pred : array-like of shape (N,) or (N, num_classes)
        Classes, or class scores reduced by argmax.
    num_classes : int, default=None
        ``None`` uses the largest class seen plus one.

    Returns
    -------
    numpy.ndarray of shape (num_classes, num_classes), dtype int64
    """
    y_true = np.asarray(y_true).reshape(-1)
    y_pred = _as_labels(y_pred, len(y_true), "y_pred")
    for name, values in (("y_true", y_true), ("y_pred", y_pred)):
        if not np.issubdtype(values.dtype, np.integer) or (values < 0).any():
            raise ValueError(f"{name} must hold non-negative integer classes, got dtype "
                             f"{values.dtype} with minimum {values.min() if values.size else None}.")
    from sklearn.metrics import confusion_matrix as counts_of

    seen = int(max(y_true.max(initial=-1), y_pred.max(initial=-1))) + 1
    num_classes = seen if num_classes is None else num_classes
    if seen > num_classes:
        raise ValueError(f"found class {seen - 1}, expected classes below num_classes={num_classes}.")
    return counts_of(y_true, y_pred, labels=np.arange(num_classes)).astype(np.int64)


def plot_confusion_matrix(y_true: Any, y_pred: Any, *,
                          class_names: Sequence[str] | None = None,
                          normalize: str | None = None, title: str = "Confusion matrix",
                          cmap: str = "Blues") -> Figure:
    """Plot a confusion matrix: rows are true classes, columns predictions.

    Parameters
    ----------
    y_true, y_pred : see :func:`confusion_matrix`
    class_names : sequence of str, default=None
    normalize : {None, "true", "pred", "all"}, default=None
        Show counts, or fractions of each true class (rows), each predicted
        class (columns) or of all images.
    title : str, default="Confusion matrix"
    cmap : str, default="Blues"

    Returns
    -------
    matplotlib.figure.Figure
        ``fig.axes[0].images[0].get_array()`` is the matrix shown.
    """
    if normalize not in (None, "true", "pred", "all"):
        raise ValueError(f"normalize must be one of None, 'true', 'pred', 'all'; got {normalize!r}.")
    num_classes = None if class_names is None else len(class_names)
    counts = confusion_matrix(y_true, y_pred, num_classes)
    matrix = counts.astype(np.float64)
    if normalize is not None:
        axis = {"true": 1, "pred": 0, "all": None}[normalize]
        totals = matrix.sum(axis=axis, keepdims=axis is not None)
        matrix = np.divide(matrix, totals, out=np.zeros_like(matrix), where=totals > 0)
    else:
        matrix = counts
    size = len(counts)
    names = [str(i) for i in range(size)] if class_names is None else list(class_names)
    fig, ax = plt.subplots(figsize=(max(5.0, 2.2 + 0.55 * size), max(4.0, 1.2 + 0.5 * size)))
    image = ax.imshow(matrix, cmap=cmap, vmin=0)
    if size <= 20:
        threshold = matrix.max() / 2
        for (i, j), value in np.ndenumerate(matrix):
            text = f"{value:.2f}" if normalize else f"{value:d}"
            ax.text(j, i, text, ha="center", va="center", fontsize=8,
                    color="white" if value > threshold else "black")
    ax.set_xticks(range(size), names, rotation=45 if size > 5 else 0, ha="right" if size > 5 else "center")
    ax.set_yticks(range(size), names)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    accuracy = np.trace(counts) / max(counts.sum(), 1)
    ax.set_title(f"{title}\n(accuracy {accuracy:.1%} of {counts.sum()} images)")
    label = {None: "images", "true": "fraction of true class",
             "pred": "fraction of predicted class", "all": "fraction of all images"}[normalize]
    fig.colorbar(image, ax=ax, label=label)
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- normalisation axes
NORMALIZATION_KINDS = ("batch", "layer", "instance", "group")


def plot_normalization_axes(kinds: Sequence[str] = NORMALIZATION_KINDS, *, batch: int = 4,
                            channels: int = 6, groups: int = 2) -> Figure:
    """Which values each normalisation averages together, as cubes (N, C, H x W).

    One panel per kind: a cube of ``batch`` images x ``channels`` channels x the
    spatial positions (drawn as one axis), with the values that share one mean and
    variance highlighted: batch norm, one channel over the whole batch; layer norm, one
    image over all channels; instance norm, one image and one channel; group norm, one
    image and a group of ``channels // groups`` channels.

    Returns
    -------
    matplotlib.figure.Figure
        One 3-D axes per kind, titled with the kind and the axes it averages over.
    """
    unknown = [k for k in kinds if k not in NORMALIZATION_KINDS]
    if unknown or not kinds:
        raise ValueError(f"kinds must be among {NORMALIZATION_KINDS}, got {list(kinds)!r}.")
    if channels % groups:
        raise ValueError(f"channels ({channels}) must be a multiple of groups ({groups}).")
    spatial = 4
    fig = plt.figure(figsize=(3.2 * len(kinds), 3.4))
    averaged = {"batch": "over N, H, W", "layer": "over C, H, W", "instance": "over H, W",
                "group": f"over H, W and {channels // groups} channels"}
    for i, kind in enumerate(kinds, start=1):
        ax = fig.add_subplot(1, len(kinds), i, projection="3d")
        filled = np.ones((batch, channels, spatial), dtype=bool)
        colors = np.empty(filled.shape, dtype=object)
        colors[...] = "#dddddd"
        if kind == "batch":
            colors[:, 0, :] = "tab:blue"                      # channel 0, every image
        elif kind == "layer":
            colors[0, :, :] = "tab:blue"                      # image 0, every channel
        elif kind == "instance":
            colors[0, 0, :] = "tab:blue"                      # image 0, channel 0
        else:
            colors[0, : channels // groups, :] = "tab:blue"   # image 0, first group
        ax.voxels(filled, facecolors=colors, edgecolor="white", linewidth=0.3)
        ax.set_xlabel("N (images)", fontsize=7, labelpad=-8)
        ax.set_ylabel("C (channels)", fontsize=7, labelpad=-8)
        ax.set_zlabel("H, W (positions)", fontsize=7, labelpad=-8)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_zticks([])
        ax.set_title(f"{kind} norm\n(mean and variance {averaged[kind]})", fontsize=9)
    fig.suptitle("Which values share one mean and variance (blue)", fontsize=10)
    fig.tight_layout()
    return fig
