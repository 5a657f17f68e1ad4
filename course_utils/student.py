"""Student copies of the lessons: solutions replaced by stubs, instructor cells removed.

The repository's notebooks are the instructor versions that CI executes. Each exercise keeps
its solution between ``### BEGIN SOLUTION`` and ``### END SOLUTION``, as nbgrader's source
notebooks do; :func:`student_copy` runs nbgrader's own ``ClearSolutions`` preprocessor on
them (with ``enforce_metadata=False``: lessons are not nbgrader assignments) with a stub that
raises ``NotImplementedError`` naming the exercise, and nbconvert's ``TagRemovePreprocessor``
to drop cells tagged ``instructor``. Outputs are cleared. Every other cell is left as it is.

``course student [LESSON ...]`` writes the copies to ``build/student/``.
"""

from __future__ import annotations

import dataclasses
import pathlib
import re
from collections.abc import Iterable

__all__ = ["student_copy", "student_copies", "StudentCopy", "INSTRUCTOR_TAG", "SOLUTION_BEGIN",
           "SOLUTION_END"]

INSTRUCTOR_TAG = "instructor"
SOLUTION_BEGIN, SOLUTION_END = "### BEGIN SOLUTION", "### END SOLUTION"
# "### Exercise 2 — title", "# Exercise 2: title" (in a code cell) or "**Exercise 2 — title.**"
_EXERCISE = re.compile(r"(?:^#+[ \t]*|\*\*)(Exercise[ \t]+\d+\b[^*\n]*)", re.MULTILINE)


@dataclasses.dataclass
class StudentCopy:
    """What :func:`student_copy` wrote: the path, and the exercises it emptied."""

    source: pathlib.Path
    path: pathlib.Path
    exercises: list[str]
    removed_cells: int


def _hint(cell_source: str, previous_markdown: str | None) -> str:
    """The exercise a solution belongs to: the cell's '# Exercise N: ...' line, else the heading."""
    for text in (cell_source, previous_markdown or ""):
        found = _EXERCISE.findall(text)
        if found:                        # the last one: a markdown cell may introduce several
            return found[-1].replace("—", "-").strip().rstrip(".:")
    return "this exercise"


def student_copy(source: str | pathlib.Path, out_dir: str | pathlib.Path) -> StudentCopy:
    """Write the student version of the notebook ``source`` into ``out_dir`` (same file name)."""
    import nbformat
    from nbconvert.preprocessors import TagRemovePreprocessor
    from nbgrader.preprocessors import ClearSolutions

    from course_utils.lessons import refuse_to_overwrite

    source = pathlib.Path(source)
    if not source.is_file() or source.suffix != ".ipynb":
        raise FileNotFoundError(f"no notebook at {source} (expected a lesson's .ipynb file).")
    path = pathlib.Path(out_dir) / source.name
    refuse_to_overwrite(source, path)
    nb = nbformat.read(source, as_version=4)
    before = len(nb.cells)
    nb, _ = TagRemovePreprocessor(remove_cell_tags={INSTRUCTOR_TAG}, enabled=True).preprocess(nb, {})
    removed = before - len(nb.cells)
    clear = ClearSolutions(enforce_metadata=False)
    exercises, previous_markdown = [], None
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            if _EXERCISE.search(cell.source):
                previous_markdown = cell.source
            continue
        if SOLUTION_BEGIN not in cell.source:
            continue
        hint = _hint(cell.source, previous_markdown)
        message = f"{hint}: write your answer here (see the exercise above), then run the check cell below."
        clear.code_stub = {"python": f"# YOUR CODE HERE\nraise NotImplementedError({message!r})"}
        clear.preprocess_cell(cell, {"language": "python"}, index)
        exercises.append(hint)
    leftover = [c.source for c in nb.cells if SOLUTION_BEGIN in c.source or SOLUTION_END in c.source]
    if leftover:
        raise RuntimeError(f"{source.name}: unmatched solution markers remain in {len(leftover)} cell(s).")
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nb.metadata.pop("celltoolbar", None)
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return StudentCopy(source, path, exercises, removed)


def student_copies(lessons: Iterable[str] | None = None, out_dir: str | pathlib.Path = "build/student"
                   ) -> list[StudentCopy]:
    """Student copies of ``lessons`` (numbers or names; default: every lesson)."""
    from course_utils.lessons import find_lesson, lesson_paths

    paths = [find_lesson(str(n)) for n in lessons] if lessons else lesson_paths()
    return [student_copy(path, out_dir) for path in paths]
