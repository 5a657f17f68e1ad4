"""Lessons and partial credit: :func:`check`, :func:`part`, :func:`points`, :class:`Checker`.

Lessons call :func:`check`, which prints ``✓ correct`` or what to fix. Graded test cells
earn partial credit part by part; the cell's last expression is the number of points,
which nbgrader records. Everything is printed to stdout: output on stderr zeroes an
nbgrader test cell.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from course_utils.grading.models import check_model, check_same_network
from course_utils.grading.shape_checks import GradingError, check_shape  # noqa: F401 (doctest)
from course_utils.grading.values import check_array, check_value

__all__ = ["check", "Part", "part", "points", "Checker"]


def _is_model(value: Any) -> bool:
    return hasattr(value, "count_params") and hasattr(value, "layers")  # a keras.Model


def check(actual: Any, expected: Any = None, *, name: str | None = None,
          raise_error: bool = False, using: Callable[..., Any] | None = None,
          **kwargs: Any) -> bool:
    """Check a lesson exercise and print ``✓ correct`` or what to fix.

    Dispatches on the answer: a Keras model with a Keras model ``expected`` goes to
    :func:`check_same_network` (pass ``inputs=``), a Keras model alone to
    :func:`check_model` (pass its keyword arguments), an array-like
    ``expected`` to :func:`check_array`, a scalar to :func:`check_value`.

    Parameters
    ----------
    actual : keras.Model, array-like or scalar
    expected : array-like or scalar, default=None
    name : str, default=None
    raise_error : bool, default=False
        Raise the :class:`GradingError` instead of returning False.
    using : callable, optional
        Another ``check_*`` function to call as ``using(actual, expected, **kwargs)``, for
        example :func:`check_transfer_model`.
    **kwargs
        Passed to the check (``rtol``, ``atol``, ``input_shape`` ...).

    Returns
    -------
    bool
        True if correct.
    """
    label = {} if name is None else {"name": name}
    try:
        if using is not None:
            using(actual, expected, **label, **kwargs)
        elif _is_model(actual) and _is_model(expected):
            check_same_network(actual, expected, **label, **kwargs)
        elif _is_model(actual):
            check_model(actual, **label, **kwargs)
        elif np.ndim(expected) > 0:
            check_array(actual, expected, **label, **kwargs)
        else:
            check_value(actual, expected, **label, **kwargs)
    except GradingError as error:
        print(f"✗ {error}")
        if raise_error:
            raise
        return False
    print("✓ correct" if name is None else f"✓ {name} is correct")
    return True


@dataclasses.dataclass
class Part:
    """One graded part: ``earned`` is ``points`` if its checks passed, else 0."""

    points: float
    name: str | None = None
    earned: float = 0
    passed: bool | None = None
    message: str = ""


@contextlib.contextmanager
def part(points: float, name: str | None = None, *, verbose: bool = True) -> Iterator[Part]:
    """Context manager for one part of a graded test cell.

    Any exception inside the block (a :class:`GradingError`, or an error in
    the student's code) is caught and printed to stdout; the part earns 0
    points and the cell carries on. Otherwise it earns ``points``::

        with grading.part(points=2, name="output shape") as shape_part:
            grading.check_shape(y, (None, 13, 13, 16))
        shape_part.earned          # last expression: nbgrader's partial credit

    Yields
    ------
    Part
    """
    result = Part(points=points, name=name)
    label = f"part '{name}'" if name else "part"
    try:
        yield result
    except Exception as error:  # a wrong answer must not stop the other parts
        result.passed = False
        result.message = (str(error) if isinstance(error, GradingError)
                          else f"{type(error).__name__}: {error}")
        if verbose:
            print(f"✗ {label} (0/{points} points): {result.message}")
    else:
        result.passed, result.earned = True, points
        if verbose:
            print(f"✓ {label} ({points}/{points} points)")


def points(check_fn: Callable[..., Any], points: float, *args: Any, name: str | None = None,
           **kwargs: Any) -> float:
    """Run ``check_fn(*args, **kwargs)``; return ``points`` if it passes, else 0.

    E.g. ``grading.points(grading.check_shape, 2, y, (None, 10))``.
    """
    with part(points, name) as result:
        check_fn(*args, **kwargs)
    return result.earned


class Checker:
    """Collect the points of several parts of a test cell.

    Examples
    --------
    >>> score = Checker()
    >>> with score.part(2, "shape"):
    ...     check_shape((None, 10), (None, 10))
    ✓ part 'shape' (2/2 points)
    >>> score.points(check_value, 1, 3, 4)
    ✗ part (0/1 points): expected value 4, got 3: off by one: check a range boundary or the +1 in the formula
    0
    >>> score.earned, score.possible
    (2, 3)
    """

    def __init__(self, *, verbose: bool = True):
        self.verbose = verbose
        self.parts: list[Part] = []

    @contextlib.contextmanager
    def part(self, points: float, name: str | None = None) -> Iterator[Part]:
        """Like :func:`part`, and record the result."""
        with part(points, name, verbose=self.verbose) as result:
            self.parts.append(result)
            yield result

    def points(self, check_fn: Callable[..., Any], points: float, *args: Any,
               name: str | None = None, **kwargs: Any) -> float:
        """Like :func:`points`, and record the result."""
        with self.part(points, name) as result:
            check_fn(*args, **kwargs)
        return result.earned

    @property
    def earned(self) -> float:
        """Points earned so far: end a test cell with ``score.earned``."""
        return sum(p.earned for p in self.parts)

    @property
    def possible(self) -> float:
        return sum(p.points for p in self.parts)
