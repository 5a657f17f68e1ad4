"""Alias of :mod:`course_utils.train.timing`, kept for the lessons."""

from course_utils.train.timing import *  # noqa: F401,F403
from course_utils.train.timing import __all__  # noqa: F401
