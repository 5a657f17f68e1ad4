"""Alias of :mod:`course_utils.train` (controlled training runs), kept for the lessons."""

from course_utils.train import *  # noqa: F401,F403
from course_utils.train import __all__ as _all
from course_utils.train.inputs import with_image_input as with_uint8_input  # the older name

__all__ = [*_all, "with_uint8_input"]
