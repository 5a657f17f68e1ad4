"""Helpers shared by the plotting modules (images and training)."""

from __future__ import annotations

from typing import Any

import numpy as np


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
