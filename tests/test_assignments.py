"""The nbgrader assignments in ``assignments/``: release, autograde, partial credit, safety.

For every assignment the nbgrader CLI runs in a temporary copy of the course directory:
``generate_assignment``, then one ``autograde`` call for all simulated students of the
assignment (each student notebook starts a kernel, so students are few and each carries
several independent mistakes). The students are

``solution``  the source notebook: full marks on every graded cell;
``release``   the untouched student release: zero everywhere, and no crash;
others        the release with answer cells (and perhaps a locked test cell) replaced by the
              snippets in ``tests/assignment_answers/<assignment>/<student>.py``; their
              ``EXPECTED`` scores must be met cell by cell.

Scores are read from the gradebook (``nbgrader.api.Gradebook``), never from logs. The three
assignments are graded concurrently in separate course copies. Kernels run with
``COURSE_PROFILE=fast``, ``TF_CPP_MIN_LOG_LEVEL=2`` and ``COURSE_DATA_DIR`` passed through
(A3 trains LeNet-5 on real MNIST: on a machine without the file, the tests that need A3's
training scores are skipped with a message, as every test that needs real data is; CI
always has it).
"""

from __future__ import annotations

import ast
import concurrent.futures
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parents[1]
COURSE = REPO / "assignments"
ANSWERS = Path(__file__).resolve().parent / "assignment_answers"
ASSIGNMENTS = ("a1_conv_forward", "a2_conv_backward", "a3_build_count", "a4_convnet_numpy",
               "a5_resnet", "a6_transfer_gradcam")
# A1's, A2's and A4's cells all finish in seconds (A4's NumPy training in about 10 s), so
# their robustness students (an infinite loop) are graded with a short cell timeout; the
# others keep the course default.
CELL_TIMEOUT = {"a1_conv_forward": 20, "a2_conv_backward": 20, "a4_convnet_numpy": 90,
                "a6_transfer_gradcam": 90}
# generate_feedback and export run on A2, the assignment that finishes grading first.
FEEDBACK_ASSIGNMENT = "a2_conv_backward"
GENERATED = ("release", "submitted", "autograded", "feedback", "gradebook.db", "exchange")


# --------------------------------------------------------------------------- helpers
def _nbgrader(args: list[str], cwd: Path, env: dict[str, str], timeout: int = 1800,
              ) -> subprocess.CompletedProcess:
    """Run ``nbgrader ARGS`` in ``cwd``; fail with its output if it exits non-zero."""
    result = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=cwd, env=env,
                            capture_output=True, text=True, timeout=timeout)
    if result.returncode != 0:
        raise AssertionError(f"nbgrader {' '.join(args)} exited {result.returncode}:\n"
                             f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}")
    return result


def _sandboxed() -> bool:
    """Whether autograde can isolate the students' code here (bubblewrap)."""
    from course_utils.grading.sandbox import isolation_available

    return isolation_available()


SANDBOXED = _sandboxed()
if not SANDBOXED and os.environ.get("COURSE_REQUIRE_SANDBOX") == "1":
    raise RuntimeError("COURSE_REQUIRE_SANDBOX=1 but bubblewrap cannot build a sandbox here "
                       "(apt-get install bubblewrap)")


def _kernel_env(assignment: str) -> dict[str, str]:
    env = dict(os.environ)
    if not SANDBOXED:        # a developer's machine without bubblewrap: grade, unisolated
        env["COURSE_ALLOW_UNISOLATED"] = "1"
    env.update(COURSE_PROFILE="fast", TF_CPP_MIN_LOG_LEVEL="2", TF_ENABLE_ONEDNN_OPTS="0",
               PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")])))
    if assignment in CELL_TIMEOUT:
        env["COURSE_CELL_TIMEOUT"] = str(CELL_TIMEOUT[assignment])
    return env


def _grade_id(cell) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def _cells_by_id(notebook) -> dict[str, dict]:
    return {_grade_id(cell): cell for cell in notebook.cells if _grade_id(cell)}


def _is_manual(cell) -> bool:
    """A written answer graded by hand: a graded cell that is also the student's answer."""
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return bool(meta.get("grade") and meta.get("solution"))


def _graded_ids(notebook) -> list[str]:
    """The autograded test cells (written answers, graded by hand, are left out)."""
    return [_grade_id(c) for c in notebook.cells
            if c.get("metadata", {}).get("nbgrader", {}).get("grade") and not _is_manual(c)]


def _manual_ids(notebook) -> list[str]:
    return [_grade_id(c) for c in notebook.cells if _is_manual(c)]


def load_answers(path: Path) -> tuple[dict[str, float], dict[tuple[str, str], str]]:
    """Parse a wrong-answer file: ``EXPECTED`` and ``{("answer"|"test", grade_id): source}``
    (and ``{("file", name): text}`` for files submitted beside the notebook)."""
    text = path.read_text()
    chunks = re.split(r"^# %% (answer|test|file) ([A-Za-z0-9_.-]+)[ \t]*$", text, flags=re.M)
    header, rest = chunks[0], chunks[1:]
    expected = None
    for node in ast.parse(header).body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "EXPECTED":
            expected = ast.literal_eval(node.value)
    if expected is None:
        raise ValueError(f"{path} has no EXPECTED = {{grade_id: points}} before its cells")
    cells = {(rest[i], rest[i + 1]): rest[i + 2].strip("\n") + "\n"
             for i in range(0, len(rest), 3)}
    return expected, cells


def _answer_students(assignment: str) -> list[Path]:
    """The simulated students (the attacker only where the sandbox can stop it)."""
    return sorted(p for p in (ANSWERS / assignment).glob("*.py")
                  if SANDBOXED or not p.stem.startswith("x_attacker"))


def _patched(release, source, replacements: dict[tuple[str, str], str]):
    """The release with solutions in unreplaced answer cells and the replacements applied."""
    notebook = nbformat.from_dict(json.loads(json.dumps(release)))
    source_cells = _cells_by_id(source)
    replacements = {key: text for key, text in replacements.items() if key[0] != "file"}
    for cell in notebook.cells:
        grade_id = _grade_id(cell)
        meta = cell.get("metadata", {}).get("nbgrader", {})
        kind = "answer" if meta.get("solution") else "test" if meta.get("grade") else None
        if kind and (kind, grade_id) in replacements:
            cell.source = replacements[(kind, grade_id)]
        elif kind == "answer":
            cell.source = source_cells[grade_id].source
    unknown = {key for key in replacements
               if key[1] not in _cells_by_id(notebook)}
    if unknown:
        raise ValueError(f"replacements for unknown cells {sorted(unknown)}")
    return notebook


def _submit(course: Path, assignment: str, student: str, notebook,
            files: dict[str, str] | None = None) -> None:
    folder = course / "submitted" / student / assignment
    folder.mkdir(parents=True)
    nbformat.write(notebook, folder / f"{assignment}.ipynb")
    for name, text in (files or {}).items():
        (folder / name).write_text(text)


def grade_assignment(assignment: str, root: Path) -> dict:
    """Generate, submit and autograde one assignment in a fresh copy of the course."""
    started = time.monotonic()
    course = root / assignment
    shutil.copytree(COURSE, course, ignore=shutil.ignore_patterns(*GENERATED, "__pycache__",
                                                                  ".ipynb_checkpoints"))
    env = _kernel_env(assignment)
    _nbgrader(["generate_assignment", assignment, "--force"], course, env)
    source = nbformat.read(course / "source" / assignment / f"{assignment}.ipynb", 4)
    release = nbformat.read(course / "release" / assignment / f"{assignment}.ipynb", 4)

    expected = {"solution": {gid: None for gid in _graded_ids(source)},   # None: full marks
                "release": {gid: 0 for gid in _graded_ids(source)}}
    _submit(course, assignment, "solution", source)
    _submit(course, assignment, "release", release)
    tampered = {}
    for path in _answer_students(assignment):
        scores, replacements = load_answers(path)
        expected[path.stem] = scores
        tampered[path.stem] = [gid for kind, gid in replacements if kind == "test"]
        files = {name: text for (kind, name), text in replacements.items() if kind == "file"}
        _submit(course, assignment, path.stem, _patched(release, source, replacements), files)

    run = _nbgrader(["autograde", assignment, "--force"], course, env)
    from nbgrader.api import Gradebook

    scores, written = {}, {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        max_scores = {}
        for student in expected:
            submission = gradebook.find_submission_notebook(assignment, assignment, student)
            manual = set(_manual_ids(source))
            scores[student] = {g.name: g.score for g in submission.grades if g.name not in manual}
            max_scores = {g.name: g.max_score for g in submission.grades if g.name not in manual}
            written[student] = {g.name: (g.score, g.needs_manual_grade) for g in submission.grades
                                if g.name in manual}
    grades_csv = None
    if assignment == FEEDBACK_ASSIGNMENT:   # the remaining instructor steps, while others grade
        _nbgrader(["generate_feedback", assignment, "--force"], course, env)
        _nbgrader(["export", "--to", str(course / "grades.csv")], course, env)
        grades_csv = (course / "grades.csv").read_text()
    return {"course": course, "source": source, "release": release, "expected": expected,
            "scores": scores, "max_scores": max_scores, "tampered": tampered,
            "written": written,
            "grades_csv": grades_csv, "log": run.stdout + run.stderr,
            "seconds": time.monotonic() - started}


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> dict[str, dict]:
    """All three assignments generated and autograded, concurrently."""
    root = tmp_path_factory.mktemp("course")
    with concurrent.futures.ThreadPoolExecutor(len(ASSIGNMENTS)) as pool:
        futures = {a: pool.submit(grade_assignment, a, root) for a in ASSIGNMENTS}
        results = {a: f.result() for a, f in futures.items()}
    for assignment, result in results.items():
        print(f"{assignment}: graded {len(result['scores'])} students in "
              f"{result['seconds']:.0f} s")
    return results


def _output_text(output) -> str:
    if output.output_type == "stream":
        return output.text
    if output.output_type == "error":
        return f"{output.ename}: {output.evalue}"
    return "result " + output.get("data", {}).get("text/plain", "")


def _describe(result: dict, student: str) -> str:
    """Per-cell scores and test-cell outputs of a student, for failure messages."""
    path = result["course"] / "autograded" / student / result["course"].name
    lines = [f"scores of {student}: {result['scores'][student]}"]
    notebook_file = path / f"{result['course'].name}.ipynb"
    if notebook_file.exists():
        for cell in nbformat.read(notebook_file, 4).cells:
            if cell.get("metadata", {}).get("nbgrader", {}).get("grade"):
                text = " | ".join(_output_text(o) for o in cell.get("outputs", []))
                lines.append(f"  {_grade_id(cell)}: {text[:3000]}")
    return "\n".join(lines)


# --------------------------------------------------------------------------- the course
def test_course_lists_every_assignment_with_graded_cells():
    for assignment in ASSIGNMENTS:
        notebook = nbformat.read(COURSE / "source" / assignment / f"{assignment}.ipynb", 4)
        ids = [_grade_id(c) for c in notebook.cells if _grade_id(c)]
        assert len(ids) == len(set(ids)), f"{assignment}: duplicate grade ids"
        assert all(re.fullmatch(r"[A-Za-z0-9_-]+", gid) for gid in ids)
        tests = [c for c in notebook.cells
                 if c.metadata.get("nbgrader", {}).get("grade") and not _is_manual(c)]
        assert tests and all(c.metadata.nbgrader["locked"] and c.metadata.nbgrader["points"] > 0
                             for c in tests)
        assert all("### BEGIN HIDDEN TESTS" in c.source for c in tests), \
            f"{assignment}: every test cell has hidden tests"
        assert not any(c.get("outputs") for c in notebook.cells if c.cell_type == "code"), \
            f"{assignment}: source notebooks are committed without outputs"
    # nbgrader 0.9 learns assignments from source/ (generate_assignment); the old
    # CourseDirectory.db_assignments setting only drew "unknown setting" warnings
    assert "c.CourseDirectory.db_assignments" not in (COURSE / "nbgrader_config.py").read_text()
    assert sorted(p.name for p in (COURSE / "source").iterdir() if p.is_dir()) == sorted(ASSIGNMENTS)


# --------------------------------------------------------------------------- release
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_has_no_solutions_and_no_hidden_tests(graded, assignment):
    result = graded[assignment]
    source, release = result["source"], result["release"]
    text = json.dumps(release)
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"):
        assert marker not in text
    released = _cells_by_id(release)
    assert set(released) == set(_cells_by_id(source)), "every graded/locked cell is released"
    for grade_id, cell in _cells_by_id(source).items():
        meta = cell.metadata.nbgrader
        for region in re.findall(r"### BEGIN (?:SOLUTION|HIDDEN TESTS)\n(.*?)### END",
                                 cell.source, flags=re.S):
            secret = [line.strip() for line in region.splitlines()
                      if len(line.strip()) > 25]   # skip short generic lines like `return y`
            leaked = [line for line in secret if line in released[grade_id].source]
            assert not leaked, f"{assignment}/{grade_id} leaks {leaked[:3]}"
        if meta.get("solution") and cell.cell_type == "code":
            assert "raise NotImplementedError()" in released[grade_id].source
        elif meta.get("solution"):                       # a written answer
            assert released[grade_id].source.strip() == "YOUR ANSWER HERE"
        if (meta.get("grade") or meta.get("locked")) and not _is_manual(cell):
            # Locked cells carry a checksum: an edited test cell is detected and restored.
            assert released[grade_id].metadata.nbgrader.get("locked") is True
            assert "checksum" in released[grade_id].metadata.nbgrader


# --------------------------------------------------------------------------- scores
NEEDS_REAL_MNIST = {"a3_build_count"}   # trains LeNet-5 on the real MNIST file
NEEDS_REAL_CIFAR = {"a5_resnet"}        # its accuracy floor is set for CIFAR-10
# A4's and A6's accuracy floors, and the partial scores of their wrong answers, are set for
# real MNIST (without the file they train on the embedded digits and say so).
NEEDS_REAL_MNIST |= {"a4_convnet_numpy", "a6_transfer_gradcam"}


def _skip_without_real_mnist(assignment: str) -> None:
    """A3's training cell needs ``mnist.npz`` (``$COURSE_DATA_DIR`` or the Keras cache)."""
    from course_utils import data

    if assignment in NEEDS_REAL_MNIST and data.available()["mnist"] is None:
        pytest.skip(f"{assignment} trains on real MNIST: set COURSE_DATA_DIR to a folder with mnist.npz")
    if assignment in NEEDS_REAL_CIFAR and data.available()["cifar10"] is None:
        pytest.skip(f"{assignment} trains on real CIFAR-10: set COURSE_DATA_DIR to a folder with "
                    "the CIFAR-10 archive")


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_reference_solution_gets_full_marks(graded, assignment):
    _skip_without_real_mnist(assignment)
    result = graded[assignment]
    scores, max_scores = result["scores"]["solution"], result["max_scores"]
    assert set(scores) == set(_graded_ids(result["source"]))
    assert scores == max_scores, _describe(result, "solution")


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_untouched_release_gets_zero_without_crashing(graded, assignment):
    result = graded[assignment]
    scores = result["scores"]["release"]
    autograded = result["course"] / "autograded" / "release" / assignment / f"{assignment}.ipynb"
    assert autograded.exists(), "autograde wrote the graded notebook"
    assert set(scores) == set(_graded_ids(result["source"]))
    assert all(score == 0 for score in scores.values()), _describe(result, "release")


WRONG = [(a, p.stem) for a in ASSIGNMENTS for p in _answer_students(a)]


@pytest.mark.parametrize(("assignment", "student"), WRONG, ids=[f"{a}-{s}" for a, s in WRONG])
def test_wrong_answers_get_the_expected_partial_scores(graded, assignment, student):
    _skip_without_real_mnist(assignment)
    result = graded[assignment]
    expected = dict(result["max_scores"])
    expected.update(result["expected"][student])
    assert set(result["expected"][student]) <= set(expected), "EXPECTED names unknown cells"
    assert result["scores"][student] == expected, _describe(result, student)
    assert sum(expected.values()) < sum(result["max_scores"].values())


def test_wrong_answers_get_messages_a_student_can_act_on(graded):
    """The hints of the anticipated mistakes reach the graded notebook."""
    wanted = {
        ("a1_conv_forward", "wrong_a"): ["Keras puts it at the bottom/right",
                                         "times the expected one"],
        ("a1_conv_forward", "wrong_b"): ["the kernel is transposed", "the bias is missing",
                                         "off by one"],
        ("a2_conv_backward", "wrong_a"): ["all zeros", "crop the 1 padding",
                                          "one-sided difference"],
        ("a2_conv_backward", "wrong_b"): ["sums over the channels"],
        ("a3_build_count", "wrong"): ["use_bias=False the layer has no biases", "counts FLOPs",
                                     "44,426", "off by -4: check the padding"],
        ("a4_convnet_numpy", "wrong_a"): ["treats the mean and the variance as constants",
                                          "the kept ones are still 1", "ignores the velocity",
                                          "make sure exercises 1-6 pass first",
                                          "(1 - beta1**t)"],
        ("a4_convnet_numpy", "wrong_b"): ["uses the unbiased variance (ddof=1)", "skips the ReLU",
                                          "the statistics run over the batch (axis 0)"],
        ("a5_resnet", "wrong_a"): ["projection although the shape does not change",
                                   "option A adds no parameters", "goes through a projection",
                                   "compile with metrics=['accuracy']"],
        ("a5_resnet", "wrong_b"): ["output of conv4_block3_out", "try Adam"],
        ("a6_transfer_gradcam", "wrong_a"): ["phase 2 uses the full learning rate"],
        ("a6_transfer_gradcam", "wrong_b"): ["the eigenvectors are rows", "batch norm trains in phase 2",
                                             "negative values"],
    }
    for (assignment, student), phrases in wanted.items():
        text = _describe(graded[assignment], student)
        missing = [p for p in phrases if p not in text]
        assert not missing, f"{assignment}/{student} lacks {missing}:\n{text}"


@pytest.mark.parametrize("assignment", [a for a in ASSIGNMENTS if a >= "a4"])
def test_written_answers_wait_for_the_instructor(graded, assignment):
    """Written questions (two or more from A4 on) are graded by hand: an answer waits for
    manual grading, an unanswered one scores 0; the rubric stays in the instructor's copy."""
    result = graded[assignment]
    manual = _manual_ids(result["source"])
    assert len(manual) >= 2
    for grade_id in manual:
        assert "Rubric" in _cells_by_id(result["source"])[grade_id].source
        assert "Rubric" not in _cells_by_id(result["release"])[grade_id].source
    assert all(result["written"]["solution"][g][1] for g in manual), result["written"]["solution"]
    assert all(result["written"]["release"][g] == (0, False) for g in manual), \
        result["written"]["release"]


# --------------------------------------------------------------------------- safety
def test_misbehaving_submission_loses_only_its_own_points(graded):
    """Infinite loop, stderr output, memory exhaustion, a raising answer cell, a tampered
    test cell: each costs only the points of the cells involved (see robust.py)."""
    result = graded["a2_conv_backward"]
    scores = result["scores"]["robust"]
    assert scores["test_db"] == 2 and scores["test_dw"] == 3 and scores["test_dx"] == 3, \
        "stderr output from the student's code must not zero the test cells"
    assert scores["test_max_pool_backward"] == 0 and scores["test_numerical_gradient"] == 2
    graded_notebook = nbformat.read(result["course"] / "autograded" / "robust" /
                                    "a2_conv_backward" / "a2_conv_backward.ipynb", 4)
    cells = _cells_by_id(graded_notebook)
    evalues = {gid: " ".join(f"{o.get('ename')}: {o.get('evalue')}" for o in c.get("outputs", [])
                             if o.output_type == "error") for gid, c in cells.items()}
    # The sandbox's time limit stops the endless loop in its own test, and in the answer
    # cell whose top level loops after defining its function (which then still exists).
    assert "CellTimeout" in evalues["test_max_pool_backward"], evalues
    assert "CellTimeout" in json.dumps(cells["gradient_check_conv"].outputs), evalues
    # The sandbox's memory cap turns the runaway allocation into a MemoryError.
    assert "Unable to allocate" in evalues["test_avg_pool_backward"], evalues
    streams = {gid: {o.get("name") for o in c.get("outputs", []) if o.output_type == "stream"}
               for gid, c in cells.items()}
    assert "conv2d_backward called" in json.dumps(cells["test_db"].outputs)
    assert streams["test_db"] == {"stdout"}, "the student's stderr is shown as stdout"
    # The tampered test cell was restored from the source before grading.
    assert result["tampered"]["robust"] == ["test_relative_error"]
    restored = cells["test_relative_error"].source
    assert restored == _cells_by_id(result["source"])["test_relative_error"].source
    # The cells after the timeout still ran: the kernel survived.
    assert cells["test_gradient_check_conv"].get("outputs")


def test_feedback_and_export(graded):
    """The instructor's remaining steps work on a graded course."""
    result = graded[FEEDBACK_ASSIGNMENT]
    course, name = result["course"], FEEDBACK_ASSIGNMENT
    for student in result["scores"]:
        assert (course / "feedback" / student / name / f"{name}.html").exists(), student
    grades = result["grades_csv"].splitlines()
    header = grades[0].split(",")
    rows = {fields[header.index("student_id")]: fields
            for fields in (row.split(",") for row in grades[1:])
            if fields[header.index("assignment")] == name}
    assert set(rows) == set(result["scores"])
    for student, scores in result["scores"].items():
        raw = float(rows[student][header.index("raw_score")])
        assert raw == sum(scores.values()), (student, raw, scores)
    assert float(rows["solution"][header.index("raw_score")]) == sum(result["max_scores"].values())
    assert float(rows["release"][header.index("raw_score")]) == 0


def _outputs(result: dict, student: str) -> str:
    path = result["course"] / "autograded" / student / result["course"].name
    notebook = nbformat.read(path / f"{result['course'].name}.ipynb", 4)
    return "\n".join(_output_text(o) for c in notebook.cells if c.cell_type == "code"
                     for o in c.get("outputs", []))


def test_attacks_on_the_grader_gain_nothing(graded):
    """Issue 28's attacks (see tests/assignment_answers/a1_conv_forward/x_attacker.py)."""
    if not SANDBOXED:
        pytest.skip("bubblewrap is not installed: grading ran unisolated, so the attacks on "
                    "the file system may succeed (apt-get install bubblewrap)")
    result = graded["a1_conv_forward"]
    course = result["course"]
    text = _outputs(result, "x_attacker")
    # 1. The ipykernel_launcher.py beside the notebook never ran, and the student is told
    #    that it was left out.
    assert not (course / "ATTACK_LAUNCHER_RAN").exists()
    assert "left out of grading: ipykernel_launcher.py" in text
    # 2. No gradebook was reachable, and no solution was read: the honest classmates graded
    #    before the attacker keep their grades (the other tests check every score).
    assert "ATTACK REPORT: gradebooks changed 0, solution files read 0" in text, text[-3000:]
    assert "BEGIN SOLUTION" not in text and "EXPECTED = " not in text
    assert result["scores"]["solution"] == result["max_scores"]
    # 3. Replacing the graders in the student's kernel changed nothing: the stubs score 0,
    #    the honestly solved exercises score full marks.
    scores = result["scores"]["x_attacker"]
    assert scores["test_output_size"] == 0 and scores["test_conv_loop"] == 0
    assert scores["test_im2col"] == result["max_scores"]["test_im2col"]
    # An answer cell that swallows every interruption, and a function calling os._exit,
    # cost only their own exercises; the next exercise runs in a fresh sandbox.
    assert "SandboxError" in text and "os._exit" in text
    assert scores["test_avg_pool"] == result["max_scores"]["test_avg_pool"]


@pytest.mark.parametrize("assignment", ["a4_convnet_numpy", "a5_resnet", "a6_transfer_gradcam"])
def test_calling_the_reference_is_not_an_answer(graded, assignment):
    """The references an assignment re-implements are unavailable in the sandbox."""
    result = graded[assignment]
    text = _outputs(result, "x_shortcut")
    assert "ReferenceUnavailable" in text and "Write it yourself" in text
