"""``LiveHistory``: a Keras callback that draws the training curves after every epoch.

This module imports Keras; :mod:`course_utils.plotting` loads it on the first use of
``plotting.LiveHistory``, so that importing the plotting package stays Keras-free.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import keras
from matplotlib.figure import Figure

from course_utils.plotting.training import _draw_history, _in_notebook

__all__ = ["LiveHistory"]


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
