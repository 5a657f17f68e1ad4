"""Checks for exercises and assignments, with messages a student can act on.

Every ``check_*`` function returns ``None`` when the answer is right and raises
:class:`GradingError` (an ``AssertionError``, so nbgrader counts a failed test)
whose message says what was expected, what was received and, for common
mistakes, what to look at::

    GradingError: expected output shape (N, 13, 13, 16), got (N, 12, 12, 16):
    check the padding ...

Lessons use :func:`check`, which prints ``✓ correct`` or the message. Graded
test cells earn partial credit with :func:`part`, :func:`points` or a
:class:`Checker`, ending with the number of points as the last expression.
Everything is printed to stdout: output on stderr zeroes an nbgrader test cell.

Submodules
----------
shape_checks  GradingError, check_shape
values    check_array, check_value
models    check_model, check_same_network, check_transfer_model (import Keras on first use)
scoring   check, Part, part, points, Checker
autograde autograde_guard, the setup cell's guard while nbgrader autogrades

Sandboxed grading (``nbgrader autograde`` through ``assignments/nbgrader_config.py``):
nbgrader_sandbox  SandboxedExecute, nbgrader's Execute with the student's cells in a sandbox
sandbox   Sandbox: the grader's side (bubblewrap isolation, proxies, timeouts, restarts)
worker    the student's side, run inside the sandbox
codec     plain data across the boundary (npy without pickles, .keras in safe mode)
"""

from __future__ import annotations

from course_utils.grading.autograde import autograde_guard
from course_utils.grading.models import check_model, check_same_network, check_transfer_model
from course_utils.grading.scoring import Checker, Part, check, part, points
from course_utils.grading.shape_checks import GradingError, check_shape
from course_utils.grading.values import check_array, check_value

__all__ = [
    "GradingError", "check_shape", "check_array", "check_value", "check_model",
    "check_same_network", "check_transfer_model",
    "check", "Part", "part", "points", "Checker", "autograde_guard",
]
