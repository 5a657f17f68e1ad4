"""The lesson notebooks as committed: outputs only where nbval checks them, and those
cells keep their execution count (nbval refuses a cell with outputs and no count:
"Unrun reference cell has outputs").

The git filter that strips notebooks must keep counts; `nbstripout --install` alone
does not (see CONTRIBUTING.md). The check runs on the working tree and, inside a git
checkout, on what HEAD holds, which is what CI sees.
"""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
FIX = ('git config filter.nbstripout.clean "python3 -m nbstripout --keep-count" && '
       "git add --renormalize notebooks/")


def problems(text, name):
    found = []
    for index, cell in enumerate(json.loads(text)["cells"]):
        if cell["cell_type"] != "code" or not cell.get("outputs"):
            continue
        tags = cell.get("metadata", {}).get("tags", [])
        if "nbval-check-output" not in tags:
            found.append(f"{name} cell {index}: has outputs but no nbval-check-output tag")
        elif cell.get("execution_count") is None:
            found.append(f"{name} cell {index}: pinned output without an execution count")
    return found


def test_lessons_exist():
    assert len(NOTEBOOKS) >= 10, [p.name for p in NOTEBOOKS]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_working_tree_notebook(path):
    found = problems(path.read_text(encoding="utf-8"), path.name)
    assert not found, "\n".join(found)


def _head_blob(path):
    if shutil.which("git") is None:
        return None
    relative = path.relative_to(ROOT).as_posix()
    result = subprocess.run(["git", "-C", str(ROOT), "show", f"HEAD:{relative}"],
                            capture_output=True, text=True)
    return result.stdout if result.returncode == 0 else None


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_notebook(path):
    blob = _head_blob(path)
    if blob is None:
        pytest.skip(f"{path.name} is not committed (or this is not a git checkout)")
    found = problems(blob, f"HEAD:{path.name}")
    assert not found, "\n".join(found) + f"\nthe git filter strips counts; fix with: {FIX}"
