"""Keep TensorFlow's C++ start-up notices off stderr.

``import tensorflow`` prints, from C++ and before any log level applies, lines such as
"oneDNN custom operations are on" and "All log messages before absl::InitializeLog()
is called are written to STDERR". They are not errors, but a notebook shows them in a
pink box in its first cell and a script prints them on every start, and no
environment variable silences them (``TF_CPP_MIN_LOG_LEVEL`` applies only later;
``TF_ENABLE_ONEDNN_OPTS=0`` hides the notice by turning off the oneDNN kernels,
which makes training about 2x slower here).

:func:`install` adds a finder to ``sys.meta_path`` that, the first time TensorFlow is
imported, sends file descriptor 2 to a temporary file while ``tensorflow/__init__.py``
runs, then writes back every line except the known start-up notices. Nothing is
imported by :func:`install` itself, so ``import course_utils`` stays fast; if
TensorFlow was imported before ``course_utils``, the notices have already been shown.
"""

from __future__ import annotations

import contextlib
import importlib.abc
import importlib.util
import logging
import os
import sys
import tempfile

NOTICES = (
    "All log messages before absl::InitializeLog() is called are written to STDERR",
    "oneDNN custom operations are on",
    "This TensorFlow binary is optimized to use available CPU instructions",
    "To enable the following instructions:",
)


@contextlib.contextmanager
def filtered_stderr(notices: tuple[str, ...] = NOTICES):
    """Capture file descriptor 2 in the block; re-emit every line that is not a notice."""
    try:
        saved = os.dup(2)
    except OSError:  # no stderr to filter (a detached process)
        yield
        return
    with tempfile.TemporaryFile(mode="w+b") as capture:
        sys.stderr.flush()
        os.dup2(capture.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            capture.seek(0)
            kept = [line for line in capture.read().decode(errors="replace").splitlines(True)
                    if not any(notice in line for notice in notices)]
            if kept:
                sys.stderr.write("".join(kept))
                sys.stderr.flush()


class RetracingFilter(logging.Filter):
    """Drops TensorFlow's "triggered tf.function retracing" performance hint.

    Lessons train many networks in a loop on purpose, so the hint (a warning with a
    memory address) says nothing to a student; every other TensorFlow warning passes.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return "triggered tf.function retracing" not in record.getMessage()


def quiet_tensorflow_logger() -> None:
    """Add :class:`RetracingFilter` to the ``tensorflow`` logger (once)."""
    logger = logging.getLogger("tensorflow")
    if not any(isinstance(f, RetracingFilter) for f in logger.filters):
        logger.addFilter(RetracingFilter())


class _QuietTensorFlowImport(importlib.abc.MetaPathFinder):
    """Wraps the first execution of ``tensorflow/__init__.py`` in :func:`filtered_stderr`."""

    def find_spec(self, fullname, path, target=None):
        if fullname != "tensorflow":
            return None
        if self in sys.meta_path:
            sys.meta_path.remove(self)  # once: let the normal finders locate TensorFlow
        spec = importlib.util.find_spec(fullname)
        loader = getattr(spec, "loader", None)
        if loader is None or not hasattr(loader, "exec_module"):
            return spec
        original = loader.exec_module

        def exec_module(module):
            with filtered_stderr():
                original(module)
            quiet_tensorflow_logger()

        loader.exec_module = exec_module
        return spec


def install() -> None:
    """Filter TensorFlow's start-up notices on its first import (idempotent, cheap)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if "tensorflow" in sys.modules:
        return
    if not any(isinstance(f, _QuietTensorFlowImport) for f in sys.meta_path):
        sys.meta_path.insert(0, _QuietTensorFlowImport())
