"""Alias of :mod:`course_utils.train.schedules`, kept for the lessons."""

from course_utils.train.schedules import *  # noqa: F401,F403
from course_utils.train.schedules import WarmupLinearDecay, __all__  # noqa: F401
