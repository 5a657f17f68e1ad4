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

# Sandboxed grading (course_utils.grading.nbgrader_sandbox): the students' cells run in a
# bubblewrap sandbox (no network, no course directory, a memory cap); the test cells run in
# the grader's kernel, which alone counts the points. Each assignment lists the course's
# references its exercises re-implement: they are unavailable in the sandbox.
from course_utils.grading.nbgrader_sandbox import SandboxedExecute  # noqa: E402
from nbconvert.preprocessors import ClearMetadataPreprocessor  # noqa: E402
from nbgrader.preprocessors import (AssignLatePenalties, CheckCellMetadata,  # noqa: E402
                                    IgnorePattern, LimitOutput, SaveAutoGrades)

# nbgrader 0.9.6's list, with SandboxedExecute in place of Execute
c.Autograde.autograde_preprocessors = [
    SandboxedExecute, IgnorePattern, ClearMetadataPreprocessor, LimitOutput, SaveAutoGrades,
    AssignLatePenalties, CheckCellMetadata]
c.SandboxedExecute.references = {
    "a1_conv_forward": ["course_utils.scratch.conv2d", "course_utils.scratch.conv2d_naive",
                        "course_utils.scratch.im2col", "course_utils.scratch.max_pool2d",
                        "course_utils.scratch.avg_pool2d"],
    "a2_conv_backward": ["course_utils.scratch.conv2d_backward",
                         "course_utils.scratch.conv2d_backward_naive",
                         "course_utils.scratch.max_pool2d_backward",
                         "course_utils.scratch.avg_pool2d_backward",
                         "course_utils.scratch.numerical_gradient",
                         "course_utils.scratch.gradient_check"],
    "a3_build_count": [],
    "a4_convnet_numpy": ["course_utils.scratch.batch_norm", "course_utils.scratch.batch_norm_backward"],
    "a5_resnet": ["course_utils.zoo.basic_block", "course_utils.zoo.bottleneck_block"],
    "a6_transfer_gradcam": ["course_utils.augment.pca_color_statistics",
                            "course_utils.visualize.grad_cam",
                            "course_utils.autodiff.value_and_grad"],
}
# COURSE_ALLOW_UNISOLATED=1 grades without bubblewrap (see SandboxedExecute.allow_unisolated).
c.SandboxedExecute.allow_unisolated = os.environ.get("COURSE_ALLOW_UNISOLATED") == "1"
