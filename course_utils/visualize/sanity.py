"""The sanity check of Adebayo et al. (2018): randomise the weights, compare the maps."""

from __future__ import annotations

from typing import Any

import keras
import numpy as np

from course_utils.visualize._common import _check_model


def randomized_copy(model: keras.Model, *, seed: int = 0) -> keras.Model:
    """The same architecture with freshly initialised weights (Adebayo et al.'s check)."""
    _check_model(model)
    keras.utils.set_random_seed(seed)
    return keras.models.clone_model(model)


def _ranks(values: np.ndarray) -> np.ndarray:
    """Ranks from 0, ties sharing their mean rank."""
    order = np.argsort(values, kind="mergesort")
    ranks = np.empty(len(values))
    ranks[order] = np.arange(len(values))
    _, inverse = np.unique(values, return_inverse=True)
    return (np.bincount(inverse, ranks) / np.bincount(inverse))[inverse]


def map_similarity(first: Any, second: Any) -> float:
    """Spearman rank correlation between two sets of maps (1: same ordering of pixels)."""
    a, b = np.asarray(first, dtype=float).ravel(), np.asarray(second, dtype=float).ravel()
    if a.shape != b.shape:
        raise ValueError(f"the maps must have the same shape, got {np.shape(first)} and "
                         f"{np.shape(second)}.")
    ranks_a, ranks_b = _ranks(a), _ranks(b)
    if ranks_a.std() == 0 or ranks_b.std() == 0:
        return 0.0
    return float(np.corrcoef(ranks_a, ranks_b)[0, 1])
