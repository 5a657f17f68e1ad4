"""Checks for exercises and assignments, with messages a student can act on.

The implementation lives in submodules; this package re-exports their public API.
"""

from __future__ import annotations

from course_utils.grading.values import (
    Checker, GradingError, Part, check, check_array, check_model, check_shape, check_value,
    part, points,
)

__all__ = [
    "GradingError", "check_shape", "check_array", "check_value", "check_model",
    "check", "Part", "part", "points", "Checker",
]
