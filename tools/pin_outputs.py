"""Execute lesson notebooks and keep only the outputs nbval pins.

Usage: ``python tools/pin_outputs.py notebooks/01_images_as_tensors.ipynb [...]``

Runs each notebook in the ``fast`` profile (as CI does), then strips every output
except those of cells tagged ``nbval-check-output``, marks those cells
``keep_output`` (so the nbstripout git filter keeps them) and numbers them (nbval
ignores a reference cell without an execution count), and clears the other
execution counts and widget state. The committed file then passes ``nbstripout --verify``
and nbval compares the pinned cells.

``python tools/pin_outputs.py --mark-only NOTEBOOK ...`` only adds the
``keep_output`` marks, without executing anything. A cell that still starts with the
old ``# NBVAL_CHECK_OUTPUT`` comment gets the tag instead (students never see the
marker), in both modes.
"""

import os
import pathlib
import subprocess
import sys

import nbformat

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))
from course_utils.lessons import execute_notebook  # noqa: E402

MARK = "# NBVAL_CHECK_OUTPUT"
TAG = "nbval-check-output"


def is_pinned(cell) -> bool:
    """True for a code cell nbval compares: tagged, or (old style) starting with the marker.

    A marker comment is moved into the tag as a side effect.
    """
    if cell.cell_type != "code":
        return False
    tags = cell.metadata.setdefault("tags", [])
    lines = cell.source.split("\n")
    if lines and lines[0].strip() == MARK:
        cell.source = "\n".join(lines[1:])
        if TAG not in tags:
            tags.append(TAG)
    if not tags:
        del cell.metadata["tags"]
        return False
    return TAG in tags


def pin(path: pathlib.Path) -> None:
    os.environ.setdefault("COURSE_PROFILE", "fast")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    nb = execute_notebook(path, pathlib.Path("build/pinned") / path.name)
    count = 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        cell.execution_count = None
        if is_pinned(cell):
            # nbval skips a reference cell without an execution count.
            count += 1
            cell.execution_count = count
            cell.metadata["keep_output"] = True
            cell.outputs = [o for o in cell.outputs if o.get("name") != "stderr"]
            for out in cell.outputs:
                if "execution_count" in out:
                    out["execution_count"] = count
        else:
            cell.outputs = []
        cell.metadata.pop("execution", None)
    nb.metadata.pop("widgets", None)
    nb.metadata.pop("jupytext", None)
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    nbformat.write(nb, path)
    _strip(path)
    print(f"pinned {path}")


def mark_only(path: pathlib.Path) -> None:
    nb = nbformat.read(path, as_version=4)
    count = 0
    for cell in nb.cells:
        if is_pinned(cell):
            count += 1
            cell.metadata["keep_output"] = True
            cell.execution_count = count
            for out in cell.outputs:
                if "execution_count" in out:
                    out["execution_count"] = count
    nb.metadata.pop("jupytext", None)
    nbformat.write(nb, path)
    _strip(path)


def _strip(path: pathlib.Path) -> None:
    """Normalise with nbstripout, as the git filter would (pinned cells keep their outputs)."""
    subprocess.run(["nbstripout", "--keep-count", str(path)], check=True)


if __name__ == "__main__":
    args = sys.argv[1:]
    action = pin
    if args and args[0] == "--mark-only":
        action, args = mark_only, args[1:]
    for arg in args:
        action(pathlib.Path(arg))
