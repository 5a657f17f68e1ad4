"""Alias of :mod:`course_utils.train.recipes`, kept for the lessons."""

from course_utils.train.recipes import *  # noqa: F401,F403
from course_utils.train.recipes import __all__  # noqa: F401
