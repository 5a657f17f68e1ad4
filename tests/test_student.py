"""Student copies: no solution survives, every other cell is unchanged (course_utils.student)."""

import subprocess
import sys

import nbformat
import pytest

from course_utils import lessons, student


def _solutions(source: str) -> list[str]:
    """The non-blank lines between the markers of one cell."""
    inside, lines = False, []
    for line in source.splitlines():
        if student.SOLUTION_BEGIN in line:
            inside = True
        elif student.SOLUTION_END in line:
            inside = False
        elif inside and line.strip():
            lines.append(line)
    return lines


@pytest.mark.parametrize("lesson", lessons.lesson_paths(), ids=lambda p: p.stem)
def test_student_copy_of_every_lesson(lesson, tmp_path):
    copy = student.student_copy(lesson, tmp_path)
    original = nbformat.read(lesson, as_version=4)
    stripped = nbformat.read(copy.path, as_version=4)
    assert len(stripped.cells) == len(original.cells)            # no instructor cells yet
    emptied = 0
    for before, after in zip(original.cells, stripped.cells):
        assert before.cell_type == after.cell_type
        if student.SOLUTION_BEGIN not in before.source:
            assert after.source == before.source                  # every other cell unchanged
            continue
        emptied += 1
        assert "SOLUTION" not in after.source
        for line in _solutions(before.source):
            assert line not in after.source.splitlines()          # no solution text survives
        assert "raise NotImplementedError(" in after.source and "Exercise" in after.source
        compile(after.source, "<stub>", "exec")                   # the stub is valid Python
    assert emptied == len(copy.exercises) >= 2
    assert all(not c.get("outputs") for c in stripped.cells if c.cell_type == "code")


def test_instructor_cells_are_removed_and_stubs_raise(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("### Exercise 1 — add\nWrite `add(a, b)`."),
                nbformat.v4.new_code_cell("def add(a, b):\n    ### BEGIN SOLUTION\n    return a + b\n"
                                          "    ### END SOLUTION"),
                nbformat.v4.new_code_cell("print('notes for the lecture')", metadata={"tags": ["instructor"]}),
                nbformat.v4.new_code_cell("x = 1")]
    source = tmp_path / "99_test.ipynb"
    nbformat.write(nb, source)
    copy = student.student_copy(source, tmp_path / "out")
    cells = nbformat.read(copy.path, as_version=4).cells
    assert copy.removed_cells == 1 and len(cells) == 3 and copy.exercises == ["Exercise 1 - add"]
    namespace = {}
    exec(cells[1].source, namespace)
    with pytest.raises(NotImplementedError, match="Exercise 1 - add"):
        namespace["add"](1, 2)
    assert cells[2].source == "x = 1"
    with pytest.raises(FileNotFoundError, match="no notebook"):
        student.student_copy(tmp_path / "missing.ipynb", tmp_path)


def test_course_student_command(tmp_path):
    result = subprocess.run([sys.executable, "-m", "course_utils.cli", "student", "02", "--output-dir",
                             str(tmp_path)], capture_output=True, text=True, check=True)
    assert "02_convolution.ipynb: 3 exercise(s) emptied" in result.stdout
    assert (tmp_path / "02_convolution.ipynb").is_file()
