"""nbgrader configuration of the course's assignments.

Run every ``nbgrader`` command from this directory (``cd assignments``); see README.md.
Environment variables let an instructor or CI adapt grading without editing this file:

``COURSE_CELL_TIMEOUT``
    Seconds one cell may run before it is interrupted (default 300; the ``cpu`` profile's
    LeNet-5 training takes well under a minute).
``COURSE_ID``
    The course id of the JupyterHub exchange (default ``cnn-course``).
"""

import os

c = get_config()  # noqa: F821 (injected by nbgrader)

c.CourseDirectory.course_id = os.environ.get("COURSE_ID", "cnn-course")
c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))
# Assignments enter the gradebook with `nbgrader generate_assignment NAME` (nbgrader 0.9 has no
# setting that lists them: the old CourseDirectory.db_assignments only drew warnings).
# Student ids are added with `nbgrader db student add` or `nbgrader db student import`;
# autograde also creates missing students.

# Files that never travel with an assignment.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", ".DS_Store"]

# Grading safety. A cell that runs longer than the timeout is interrupted (KeyboardInterrupt)
# and the notebook carries on with the next cell, so an infinite loop costs only the points of
# the cells that need it. Errors never stop a notebook (nbgrader always allows them).
c.Execute.timeout = int(os.environ.get("COURSE_CELL_TIMEOUT", "300"))
c.Execute.interrupt_on_timeout = True
c.Execute.execute_retries = 0

# Releases contain no solutions and no hidden tests (the defaults, stated for reviewers).
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearHiddenTests.enforce_metadata = True
c.ClearOutput.enabled = True
