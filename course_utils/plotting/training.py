"""Training and evaluation figures: loss and metric curves per epoch (after
``fit``, or live with the ``LiveHistory`` Keras callback) and confusion matrices.

``LiveHistory`` (alias ``TrainingCurves``) is built on first access so that
importing this module does not import Keras.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from course_utils.plotting._common import _as_labels

__all__ = ["plot_history", "LiveHistory", "TrainingCurves", "confusion_matrix",
           "plot_confusion_matrix"]


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


def _in_notebook() -> bool:
    """True inside a Jupyter kernel (an IPython shell with a kernel attached)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and hasattr(shell, "kernel")


def _make_live_history() -> type:
    import keras  # deferred: importing plotting must not import Keras

    class LiveHistory(keras.callbacks.Callback):
        """Keras callback that records and draws loss and metrics after every epoch.

        In a notebook the figure is redrawn in place (``clear_output(wait=True)``);
        elsewhere nothing is drawn during ``fit``. The history is always kept, and
        ``.figure`` draws it on demand. Successive ``fit`` calls extend it.

        Parameters
        ----------
        title : str, default="Training curves"
        live : bool or None, default=None
            Redraw during training; ``None`` means "only in a notebook".

        Attributes
        ----------
        history : dict of {str: list of float}
            One value per epoch for every key Keras logs (``loss``, ``val_loss``, ...).
        figure : matplotlib.figure.Figure
            The curves drawn from ``history`` (same layout as :func:`plot_history`).
        """

        def __init__(self, *, title: str = "Training curves", live: bool | None = None):
            super().__init__()
            self.title = title
            self.live = _in_notebook() if live is None else bool(live)
            self.history: dict[str, list[float]] = {}
            self._figure: Figure | None = None

        @property
        def epochs(self) -> int:
            """Number of epochs recorded."""
            return max((len(v) for v in self.history.values()), default=0)

        def on_epoch_end(self, epoch: int, logs: Mapping[str, Any] | None = None) -> None:
            done = self.epochs
            for key, value in (logs or {}).items():
                self.history.setdefault(key, [math.nan] * done).append(float(value))
            for values in self.history.values():  # a metric missing this epoch -> NaN
                values.extend([math.nan] * (done + 1 - len(values)))
            if self.live:
                self._show()

        @property
        def figure(self) -> Figure:
            if self._figure is None:  # not pyplot-managed: no duplicate at cell end
                self._figure = Figure(figsize=(9, 3.5))
            _draw_history(self._figure, self.history,
                          f"{self.title} ({self.epochs} epoch{'s' * (self.epochs != 1)})")
            return self._figure

        def _show(self) -> None:
            import io

            from IPython.display import Image, clear_output, display

            buffer = io.BytesIO()
            self.figure.savefig(buffer, format="png", dpi=80)
            clear_output(wait=True)
            display(Image(data=buffer.getvalue()))

    return LiveHistory


def __getattr__(name: str) -> Any:
    if name in ("LiveHistory", "TrainingCurves"):
        if "_LiveHistory" not in globals():
            globals()["_LiveHistory"] = _make_live_history()
        return globals()["_LiveHistory"]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
    seen = int(max(y_true.max(initial=-1), y_pred.max(initial=-1))) + 1
    num_classes = seen if num_classes is None else num_classes
    if seen > num_classes:
        raise ValueError(f"found class {seen - 1}, expected classes below num_classes={num_classes}.")
    counts = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(counts, (y_true, y_pred), 1)
    return counts


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
