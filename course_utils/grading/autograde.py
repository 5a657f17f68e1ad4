"""The grading guard: what an assignment's setup cell does while nbgrader autogrades.

While a student works nothing changes. Under ``nbgrader autograde``, which sets
``NBGRADER_EXECUTION=autograde`` in the kernel's environment, :func:`autograde_guard`

- shows stderr as stdout, because nbgrader gives 0 points to a test cell with any
  output on stderr (a library's warning, a student's debugging print);
- limits the kernel's address space (Linux), so that a runaway allocation raises
  ``MemoryError`` in its own cell instead of killing the kernel and every later cell.

The third guard cannot live here: removing the notebook's folder from ``sys.path`` (so
that a student's ``keras.py`` or ``course_utils.py`` cannot shadow the real package)
must run before ``course_utils`` is imported, so it stays in the setup cell::

    if os.environ.get("NBGRADER_EXECUTION") == "autograde":
        sys.path[:] = [p for p in sys.path if p not in ("", ".", os.getcwd())]
    import keras
    from course_utils import grading
    GRADING = grading.autograde_guard()      # last: the limit counts the imports in
"""

from __future__ import annotations

import logging
import os
import sys

__all__ = ["autograde_guard"]

MEMORY_ENV = "COURSE_GRADING_MEMORY_GIB"
DEFAULT_MEMORY_GIB = 4.0


def _memory_limit_gib(memory_gib: float) -> float:
    """The headroom to allow: ``COURSE_GRADING_MEMORY_GIB`` if set, else ``memory_gib``."""
    text = os.environ.get(MEMORY_ENV, "").strip()
    if not text:
        return float(memory_gib)
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"{MEMORY_ENV} must be a number of GiB (0 switches the limit off), "
                         f"got {text!r}") from None


def _show_stderr_as_stdout() -> None:
    """Send ``sys.stderr`` to ``sys.stdout``, logging handlers already bound to it included."""
    old, new = sys.stderr, sys.stdout
    if old is new:
        return
    sys.stderr = new
    # A StreamHandler keeps the stream it was created with: TensorFlow creates one on
    # sys.stderr when Keras is imported, before this guard runs.
    loggers = [logging.getLogger(), *(logger for logger in logging.root.manager.loggerDict.values()
                                      if isinstance(logger, logging.Logger))]
    for logger in loggers:
        for handler in logger.handlers:
            if isinstance(handler, logging.StreamHandler) and handler.stream is old:
                handler.setStream(new)


def _limit_address_space(memory_gib: float) -> None:
    """Cap the address space at what the process maps now plus ``memory_gib`` (Linux)."""
    import resource

    with open("/proc/self/status") as status:
        in_use = next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmSize"))
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    soft = in_use + int(memory_gib * 2**30)
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def autograde_guard(memory_gib: float = DEFAULT_MEMORY_GIB) -> bool:
    """Protect an nbgrader autograde run; do nothing while a student works.

    Call it at the end of an assignment's locked setup cell, after the imports and
    the data loading: the memory limit is counted from what the kernel uses then.
    Logging handlers that already write to stderr (TensorFlow makes one when Keras
    is imported) are pointed at stdout as well.

    Parameters
    ----------
    memory_gib : float, default=4.0
        Address space the kernel may allocate beyond what it uses at the call, in GiB.
        The environment variable ``COURSE_GRADING_MEMORY_GIB``, when set, takes
        precedence (the grader's choice, e.g. on a GPU host where CUDA reserves a lot
        of address space); 0 or less switches the limit off.

    Returns
    -------
    bool
        True while grading (``NBGRADER_EXECUTION=autograde``): stderr now goes to
        stdout and, on Linux, the address space is limited. False otherwise, with
        nothing changed.

    Raises
    ------
    ValueError
        If ``COURSE_GRADING_MEMORY_GIB`` is not a number.
    """
    if os.environ.get("NBGRADER_EXECUTION") != "autograde":
        return False
    limit = _memory_limit_gib(memory_gib)
    _show_stderr_as_stdout()
    if limit > 0 and sys.platform.startswith("linux"):
        _limit_address_space(limit)
    return True
