"""Figures for the lessons: images, kernels, feature maps, training curves,
confusion matrices, model complexity and convolution arithmetic.

Every function returns its :class:`matplotlib.figure.Figure`, so tests and
notebooks can inspect titles, axes and image data. Figures are created through
``pyplot``: in a notebook they show once at the end of the cell; end the call
with ``;`` (or assign the result) to avoid a second copy from the cell's value.
Nothing here blocks in a headless run (``MPLBACKEND=Agg``).

``LiveHistory`` (alias ``TrainingCurves``) is a Keras callback; it is built on
first access so that importing this module does not import Keras.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

__all__ = [
    "plot_images", "plot_kernels", "plot_feature_maps", "plot_history",
    "LiveHistory", "TrainingCurves", "confusion_matrix", "plot_confusion_matrix",
    "plot_complexity", "conv_output_size", "plot_conv_steps", "animate_conv",
]


# --------------------------------------------------------------------------- helpers
def _grid(count: int, ncols: int | None, cell: float = 1.6,
          max_cols: int = 8) -> tuple[Figure, np.ndarray]:
    """Figure with ``count`` axes laid out on a grid; unused axes are removed."""
    ncols = min(count, max_cols) if ncols is None else ncols
    if ncols < 1:
        raise ValueError(f"ncols must be a positive integer, got {ncols}.")
    nrows = math.ceil(count / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(cell * ncols, cell * nrows + 0.6),
                             squeeze=False)
    axes = axes.ravel()
    for ax in axes[count:]:
        fig.delaxes(ax)
    return fig, axes[:count]


def _label_text(label: Any, class_names: Sequence[str] | None) -> str:
    """Class name for ``label`` (an index or already a name)."""
    if class_names is not None and isinstance(label, (int, np.integer)):
        if not 0 <= int(label) < len(class_names):
            raise ValueError(f"label {label} is outside class_names "
                             f"(expected 0 <= label < {len(class_names)}).")
        return str(class_names[int(label)])
    return str(label)


def _as_labels(values: Any, count: int, what: str) -> np.ndarray | None:
    """Labels as a 1-D array; class probabilities ``(N, K)`` are reduced by argmax."""
    if values is None:
        return None
    values = np.asarray(values)
    if values.ndim == 2 and np.issubdtype(values.dtype, np.number):
        values = values.argmax(axis=-1)  # (N, K) scores -> (N,) classes
    values = values.reshape(-1)
    if len(values) != count:
        raise ValueError(f"{what} has {len(values)} entries, expected {count} (one per image).")
    return values


# --------------------------------------------------------------------------- images
def _as_image_batch(images: Any) -> np.ndarray:
    """Return images as ``(N, H, W)`` or ``(N, H, W, C)`` with C in {3, 4}."""
    images = np.asarray(images)
    if images.ndim == 2:  # (H, W)
        images = images[None]
    elif images.ndim == 3 and images.shape[-1] in (1, 3, 4):  # one (H, W, C) image
        images = images[None]
    elif images.ndim not in (3, 4):
        raise ValueError(f"images must be 2-4 D: (H, W), (H, W, C), (N, H, W) or "
                         f"(N, H, W, C); got shape {images.shape}.")
    if images.ndim == 4:
        if images.shape[-1] not in (1, 3, 4):
            raise ValueError(f"images must be channels-last with 1, 3 or 4 channels; got "
                             f"shape {images.shape} ({images.shape[-1]} channels).")
        if images.shape[-1] == 1:
            images = images[..., 0]
    return images


def _displayable(image: np.ndarray) -> np.ndarray:
    """RGB floats outside [0, 1] are min-max scaled (imshow would clip them)."""
    if image.ndim == 3 and np.issubdtype(image.dtype, np.floating):
        low, high = float(image.min()), float(image.max())
        if low < 0 or high > 1:
            return (image - low) / max(high - low, 1e-12)
    return image


def plot_images(images: Any, labels: Any = None, *, predictions: Any = None,
                class_names: Sequence[str] | None = None, ncols: int | None = None,
                cmap: str = "gray", title: str | None = None) -> Figure:
    """Show images on a grid, with their labels and optionally predictions.

    Parameters
    ----------
    images : array-like of shape (H, W), (H, W, C), (N, H, W) or (N, H, W, C)
        Channels-last, C in {1, 3, 4}. A 3-D array is one image when its last
        axis has 1, 3 or 4 entries, else a batch of grayscale images.
    labels : array-like of shape (N,), default=None
        True classes (indices into ``class_names``, or names).
    predictions : array-like of shape (N,) or (N, num_classes), default=None
        Predicted classes or class scores (reduced by argmax). Wrong
        predictions are titled and framed in red.
    class_names : sequence of str, default=None
    ncols : int, default=None
        Columns of the grid; ``None`` uses up to 8.
    cmap : str, default="gray"
        Colormap for single-channel images.
    title : str, default=None
        Figure title; ``None`` uses a description of the batch.

    Returns
    -------
    matplotlib.figure.Figure
        One axes per image; ``ax.images[0].get_array()`` is the image shown.
    """
    batch = _as_image_batch(images)
    count = len(batch)
    labels = _as_labels(labels, count, "labels")
    predictions = _as_labels(predictions, count, "predictions")
    fig, axes = _grid(count, ncols)
    wrong = 0
    for i, (ax, image) in enumerate(zip(axes, batch)):
        ax.imshow(_displayable(image), cmap=cmap if image.ndim == 2 else None)
        ax.set_xticks([])
        ax.set_yticks([])
        parts, color = [], "black"
        if predictions is not None:
            parts.append(f"pred: {_label_text(predictions[i], class_names)}")
            if labels is not None and predictions[i] != labels[i]:
                color, wrong = "red", wrong + 1
                for spine in ax.spines.values():
                    spine.set_edgecolor("red")
                    spine.set_linewidth(2)
        if labels is not None:
            parts.append(f"true: {_label_text(labels[i], class_names)}"
                         if predictions is not None else _label_text(labels[i], class_names))
        ax.set_title("\n".join(parts), fontsize=9, color=color)
    if title is None:
        height, width = batch.shape[1:3]
        title = f"{count} image{'s' * (count != 1)} ({height}x{width} pixels)"
        if predictions is not None and labels is not None:
            title += f", {wrong} wrong (red)"
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_kernels(kernels: Any, *, in_channel: int | str = 0, ncols: int | None = None,
                 cmap: str = "RdBu_r", title: str = "Convolution kernels",
                 colorbar: bool = True) -> Figure:
    """Show convolution kernels with a diverging colormap centred on zero.

    Parameters
    ----------
    kernels : array-like or keras layer
        Keras layout ``(kh, kw, C_in, C_out)``, or ``(kh, kw, C_out)``, or one
        ``(kh, kw)`` kernel; a layer with ``get_weights()`` (its kernel is used).
    in_channel : int or "rgb", default=0
        Input channel shown for 4-D kernels; ``"rgb"`` shows 3-channel kernels
        as colour images (no colorbar).
    ncols : int, default=None
    cmap : str, default="RdBu_r"
    title : str, default="Convolution kernels"
    colorbar : bool, default=True
        One shared colorbar (weight value) for all kernels.

    Returns
    -------
    matplotlib.figure.Figure
        One axes per output channel (plus one for the colorbar).
    """
    if hasattr(kernels, "get_weights"):
        kernels = kernels.get_weights()[0]
    kernels = np.asarray(kernels, dtype=np.float32)
    rgb = isinstance(in_channel, str)
    if rgb and in_channel != "rgb":
        raise ValueError(f"in_channel must be an int or 'rgb', got {in_channel!r}.")
    if kernels.ndim == 2:
        kernels = kernels[..., None]
    elif kernels.ndim == 4:
        if rgb:
            if kernels.shape[2] != 3:
                raise ValueError(f"in_channel='rgb' needs 3 input channels, got kernels "
                                 f"of shape {kernels.shape}.")
            kernels = np.moveaxis(kernels, 3, 0)  # (C_out, kh, kw, 3)
        else:
            if not 0 <= in_channel < kernels.shape[2]:
                raise ValueError(f"in_channel={in_channel} is out of range for kernels of "
                                 f"shape {kernels.shape} (expected 0..{kernels.shape[2] - 1}).")
            kernels = kernels[:, :, in_channel, :]
    elif kernels.ndim != 3:
        raise ValueError(f"kernels must have shape (kh, kw), (kh, kw, C_out) or "
                         f"(kh, kw, C_in, C_out); got {kernels.shape}.")
    if not rgb:
        kernels = np.moveaxis(kernels, -1, 0)  # (C_out, kh, kw)
    limit = float(np.abs(kernels).max()) or 1.0
    fig, axes = _grid(len(kernels), ncols, cell=1.3)
    image = None
    for index, (ax, kernel) in enumerate(zip(axes, kernels)):
        if rgb:
            ax.imshow(0.5 + kernel / (2 * limit))  # zero weight -> mid grey
        else:
            image = ax.imshow(kernel, cmap=cmap, vmin=-limit, vmax=limit)
        ax.set_title(f"filter {index}", fontsize=8)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle(title)
    fig.tight_layout()
    if colorbar and image is not None:
        fig.colorbar(image, ax=list(axes), shrink=0.8, label="weight")
    return fig


def plot_feature_maps(feature_maps: Any, *, max_channels: int | None = 32,
                      ncols: int | None = None, cmap: str = "viridis",
                      title: str = "Feature maps") -> Figure:
    """Show the channels of one image's feature maps on a grid.

    Parameters
    ----------
    feature_maps : array-like of shape (H, W, C), (1, H, W, C) or (H, W)
    max_channels : int or None, default=32
        Show at most this many channels (the first ones).
    ncols : int, default=None
    cmap : str, default="viridis"
    title : str, default="Feature maps"

    Returns
    -------
    matplotlib.figure.Figure
        One axes per channel shown, titled ``"channel i"``.
    """
    maps = np.asarray(feature_maps)
    if maps.ndim == 4:
        if maps.shape[0] != 1:
            raise ValueError(f"feature_maps holds a batch of {maps.shape[0]} images "
                             f"(shape {maps.shape}); pass one, e.g. maps[:1] or maps[0].")
        maps = maps[0]
    if maps.ndim == 2:
        maps = maps[..., None]
    if maps.ndim != 3:
        raise ValueError(f"feature_maps must have shape (H, W, C) or (1, H, W, C); "
                         f"got {maps.shape}.")
    count = maps.shape[-1] if max_channels is None else min(maps.shape[-1], max_channels)
    fig, axes = _grid(count, ncols, cell=1.4)
    for channel, ax in enumerate(axes):
        ax.imshow(maps[:, :, channel], cmap=cmap)
        ax.set_title(f"channel {channel}", fontsize=8)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle(f"{title} ({maps.shape[0]}x{maps.shape[1]} pixels, "
                 f"{count} of {maps.shape[-1]} channels)")
    fig.tight_layout()
    return fig


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


def _field(row: Any, key: str) -> Any:
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


# --------------------------------------------------------------------------- convolution arithmetic
def _pair(value: Any, what: str) -> tuple[int, int]:
    pair = (value, value) if isinstance(value, (int, np.integer)) else tuple(value)
    if len(pair) != 2 or not all(isinstance(v, (int, np.integer)) and v >= 1 for v in pair):
        raise ValueError(f"{what} must be a positive int or a pair of them, got {value!r}.")
    return int(pair[0]), int(pair[1])


def _geometry(input_size: Any, kernel_size: Any, padding: Any, stride: Any,
              dilation: Any) -> dict[str, Any]:
    """Padding per side, effective kernel and output size of a 2-D convolution."""
    size, kernel = _pair(input_size, "input_size"), _pair(kernel_size, "kernel_size")
    stride, dilation = _pair(stride, "stride"), _pair(dilation, "dilation")
    span = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))  # effective kernel size
    if padding == "valid":
        pads = ((0, 0), (0, 0))
    elif padding == "same":  # Keras/TensorFlow rule: output = ceil(n / s), extra pad after
        totals = [max((-(-n // s) - 1) * s + e - n, 0) for n, s, e in zip(size, stride, span)]
        pads = tuple((t // 2, t - t // 2) for t in totals)
    elif isinstance(padding, (int, np.integer)) and padding >= 0:
        pads = ((int(padding),) * 2,) * 2
    elif (isinstance(padding, Sequence) and len(padding) == 2
          and all(isinstance(p, (int, np.integer)) and p >= 0 for p in padding)):
        pads = ((int(padding[0]),) * 2, (int(padding[1]),) * 2)
    elif (isinstance(padding, Sequence) and len(padding) == 2
          and all(isinstance(p, Sequence) and len(p) == 2 for p in padding)):
        pads = tuple((int(a), int(b)) for a, b in padding)
    else:
        raise ValueError(f"padding must be 'valid', 'same', an int, (pad_h, pad_w) or "
                         f"((top, bottom), (left, right)); got {padding!r}.")
    padded = tuple(n + a + b for n, (a, b) in zip(size, pads))
    output = tuple((p - e) // s + 1 for p, e, s in zip(padded, span, stride))
    if min(output) < 1:
        raise ValueError(f"the kernel (effective size {span}) is larger than the padded "
                         f"input {padded}: no output position (expected span <= padded size).")
    return {"size": size, "kernel": kernel, "stride": stride, "dilation": dilation,
            "span": span, "pads": pads, "padded": padded, "output": output}


def conv_output_size(input_size: int | Sequence[int], kernel_size: int | Sequence[int], *,
                     padding: Any = "valid", stride: int | Sequence[int] = 1,
                     dilation: int | Sequence[int] = 1) -> tuple[int, int]:
    """Output height and width of a 2-D convolution.

    ``out = floor((n + pad_before + pad_after - d * (k - 1) - 1) / s) + 1`` per
    axis; ``"same"`` pads so that ``out = ceil(n / s)`` (as Keras does).

    Parameters
    ----------
    input_size, kernel_size : int or (int, int)
    padding : {"valid", "same"}, int, (int, int) or ((int, int), (int, int)), default="valid"
    stride, dilation : int or (int, int), default=1

    Returns
    -------
    tuple of (int, int)
    """
    return _geometry(input_size, kernel_size, padding, stride, dilation)["output"]


def _step_arrays(geo: dict[str, Any], index: int) -> tuple[np.ndarray, np.ndarray, tuple]:
    """Cell categories for output position ``index`` (row-major).

    Input: 0 input pixel, 1 padding, 2 kernel tap. Output: 0 empty, 1 done, 2 current.
    """
    (top, _), (left, _) = geo["pads"]
    grid = np.ones(geo["padded"], dtype=np.int8)
    grid[top:top + geo["size"][0], left:left + geo["size"][1]] = 0
    row, col = divmod(index, geo["output"][1])
    r0, c0 = row * geo["stride"][0], col * geo["stride"][1]
    taps_r = r0 + geo["dilation"][0] * np.arange(geo["kernel"][0])
    taps_c = c0 + geo["dilation"][1] * np.arange(geo["kernel"][1])
    grid[np.ix_(taps_r, taps_c)] = 2
    out = np.zeros(geo["output"], dtype=np.int8)
    out.flat[:index] = 1
    out[row, col] = 2
    return grid, out, (r0, c0)


_INPUT_COLORS = ["white", "#c8c8c8", "tab:orange"]
_OUTPUT_COLORS = ["white", "#9ecae1", "tab:orange"]


def _draw_grid(ax: Any, cells: np.ndarray, colors: list[str], offsets: tuple[int, int]) -> Any:
    """Show a category grid with cell borders; tick labels are pixel indices."""
    from matplotlib.colors import ListedColormap

    image = ax.imshow(cells, cmap=ListedColormap(colors), vmin=0, vmax=2)
    height, width = cells.shape
    ax.set_xticks(np.arange(-0.5, width), minor=True)
    ax.set_yticks(np.arange(-0.5, height), minor=True)
    ax.grid(which="minor", color="black", linewidth=0.6)
    ax.tick_params(which="minor", length=0)
    ax.set_xticks(range(width), [str(c - offsets[1]) for c in range(width)], fontsize=6)
    ax.set_yticks(range(height), [str(r - offsets[0]) for r in range(height)], fontsize=6)
    return image


def _conv_title(geo: dict[str, Any]) -> str:
    pads = geo["pads"]
    pad = (pads[0][0] if len({*pads[0], *pads[1]}) == 1 else f"{pads[0]}, {pads[1]}")
    return (f"{geo['size'][0]}x{geo['size'][1]} input, {geo['kernel'][0]}x{geo['kernel'][1]} "
            f"kernel, padding {pad}, stride {geo['stride']}, dilation {geo['dilation']} "
            f"-> output {geo['output'][0]}x{geo['output'][1]}")


def plot_conv_steps(input_size: int | Sequence[int], kernel_size: int | Sequence[int], *,
                    padding: Any = "valid", stride: int | Sequence[int] = 1,
                    dilation: int | Sequence[int] = 1, steps: int | Sequence[int] = 4,
                    title: str | None = None) -> Figure:
    """Draw a kernel sliding over a padded input, one column per step.

    Top row: the padded input (padding cells grey, the kernel's taps orange,
    the receptive field framed). Bottom row: the output grid filling up
    (done cells blue, the current one orange).

    Parameters
    ----------
    input_size, kernel_size : int or (int, int)
    padding, stride, dilation : see :func:`conv_output_size`
    steps : int or sequence of int, default=4
        How many output positions to show (the first ones, row by row), or
        their row-major indices.
    title : str, default=None
        ``None`` describes the geometry and the output size.

    Returns
    -------
    matplotlib.figure.Figure
        Axes ``2 * len(steps)``; ``fig.output_size`` is ``(H_out, W_out)``.
    """
    geo = _geometry(input_size, kernel_size, padding, stride, dilation)
    total = geo["output"][0] * geo["output"][1]
    indices = list(range(min(steps, total))) if isinstance(steps, (int, np.integer)) else list(steps)
    if not indices or not all(0 <= int(i) < total for i in indices):
        raise ValueError(f"steps must be a positive count or indices in [0, {total}); got {steps!r}.")
    offsets = (geo["pads"][0][0], geo["pads"][1][0])
    fig, axes = plt.subplots(2, len(indices), squeeze=False,
                             figsize=(2.6 * len(indices), 5.4),
                             gridspec_kw={"height_ratios": [geo["padded"][0], geo["output"][0]]})
    for column, index in enumerate(indices):
        grid, out, (r0, c0) = _step_arrays(geo, int(index))
        top, bottom = axes[0, column], axes[1, column]
        _draw_grid(top, grid, _INPUT_COLORS, offsets)
        top.add_patch(plt.Rectangle((c0 - 0.5, r0 - 0.5), geo["span"][1], geo["span"][0],
                                    fill=False, edgecolor="tab:red", linewidth=2))
        row, col = divmod(int(index), geo["output"][1])
        top.set_title(f"step {column + 1}: output ({row}, {col})", fontsize=9)
        top.set_xlabel("input column (pixel)", fontsize=7)
        _draw_grid(bottom, out, _OUTPUT_COLORS, (0, 0))
        bottom.set_title(f"output {geo['output'][0]}x{geo['output'][1]}", fontsize=9)
        bottom.set_xlabel("output column (pixel)", fontsize=7)
    axes[0, 0].set_ylabel("input row (pixel)", fontsize=7)
    axes[1, 0].set_ylabel("output row (pixel)", fontsize=7)
    fig.suptitle(title or _conv_title(geo), fontsize=10)
    fig.tight_layout()
    fig.output_size = geo["output"]
    return fig


def animate_conv(input_size: int | Sequence[int], kernel_size: int | Sequence[int], *,
                 padding: Any = "valid", stride: int | Sequence[int] = 1,
                 dilation: int | Sequence[int] = 1, interval: int = 500,
                 title: str | None = None) -> Any:
    """Animate a kernel sliding over every output position.

    Show it in a notebook with
    ``IPython.display.HTML(animate_conv(5, 3).to_jshtml())``.

    Parameters
    ----------
    input_size, kernel_size, padding, stride, dilation : see :func:`plot_conv_steps`
    interval : int, default=500
        Milliseconds per frame.
    title : str, default=None

    Returns
    -------
    matplotlib.animation.FuncAnimation
        One frame per output position; ``.output_size`` is ``(H_out, W_out)``.
    """
    from matplotlib.animation import FuncAnimation

    geo = _geometry(input_size, kernel_size, padding, stride, dilation)
    total = geo["output"][0] * geo["output"][1]
    fig, (left, right) = plt.subplots(1, 2, figsize=(8, 4.2))
    grid, out, (r0, c0) = _step_arrays(geo, 0)
    input_image = _draw_grid(left, grid, _INPUT_COLORS, (geo["pads"][0][0], geo["pads"][1][0]))
    output_image = _draw_grid(right, out, _OUTPUT_COLORS, (0, 0))
    frame = left.add_patch(plt.Rectangle((c0 - 0.5, r0 - 0.5), geo["span"][1], geo["span"][0],
                                         fill=False, edgecolor="tab:red", linewidth=2))
    left.set_xlabel("input column (pixel)")
    left.set_ylabel("input row (pixel)")
    right.set_xlabel("output column (pixel)")
    right.set_ylabel("output row (pixel)")
    fig.suptitle(title or _conv_title(geo), fontsize=10)
    fig.tight_layout()

    def update(index: int) -> list:
        grid, out, (r0, c0) = _step_arrays(geo, index)
        input_image.set_data(grid)
        output_image.set_data(out)
        frame.set_xy((c0 - 0.5, r0 - 0.5))
        right.set_title(f"output ({index // geo['output'][1]}, {index % geo['output'][1]})")
        return [input_image, output_image, frame]

    animation = FuncAnimation(fig, update, frames=total, interval=interval, blit=False)
    plt.close(fig)  # show the animation only, not a static copy at the end of the cell
    animation.output_size = geo["output"]
    return animation
