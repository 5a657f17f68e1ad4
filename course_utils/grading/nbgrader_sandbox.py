"""``nbgrader autograde`` with the student's code in a sandbox and the verdicts outside it.

``assignments/nbgrader_config.py`` puts :class:`SandboxedExecute` in place of nbgrader's
``Execute`` preprocessor, so the instructor's command stays ``nbgrader autograde NAME``.
For each submitted notebook it

1. reads each cell's role from the gradebook (never from the submission's metadata):
   the instructor's locked cells, the graded test cells, and everything else (answer
   cells, cells the student added);
2. starts the grader's kernel in an empty folder (not the submission's folder, where a
   student's ``ipykernel_launcher.py`` would be imported first) and, from it, a
   :class:`~course_utils.grading.sandbox.Sandbox` in another empty folder holding only the
   release's files: files the student added to the submission are reported and left out;
3. runs the student's cells in the sandbox only, and the test cells, with the sources
   recorded in the gradebook, in the grader's kernel only, where the student's functions
   are proxies (:mod:`course_utils.grading.sandbox`); the instructor's other locked
   cells run in both, unless they use the student's names (then in the sandbox).

The grader's kernel prints and returns what nbgrader reads (the points as the last
expression), so partial credit, feedback and the gradebook work as before.
"""

from __future__ import annotations

import ast
import fnmatch
import os
import shutil
import tempfile
from pathlib import Path

from nbformat import NotebookNode
from nbgrader.preprocessors import Execute
from traitlets import Bool, Dict, List, Unicode

from course_utils.grading.sandbox import isolation_available

__all__ = ["SandboxedExecute", "assigned_names", "imported_modules", "referenced_names"]


def _code_names(code) -> set[str]:
    names = set(code.co_names)
    for const in code.co_consts:
        if hasattr(const, "co_names"):
            names |= _code_names(const)
    return names


def referenced_names(source: str) -> set[str]:
    """Every global name a cell's code (its nested functions included) may read."""
    try:
        code = compile(_strip_magics(source), "<cell>", "exec")
    except SyntaxError:
        return set()
    return _code_names(code)


def assigned_names(source: str) -> set[str]:
    """The names a cell binds at top level (assignments, def, class, import, for, with)."""
    try:
        tree = ast.parse(_strip_magics(source))
    except SyntaxError:
        return set()
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
        elif isinstance(node, ast.Global):
            names |= set(node.names)
    return names


def imported_modules(source: str) -> set[str]:
    """The absolute modules a cell imports when it runs (``import a.b``, ``from a.b import
    c``; imports inside functions and classes wait for a call, and are left out)."""
    try:
        tree = ast.parse(_strip_magics(source))
    except SyntaxError:
        return set()
    modules: set[str] = set()
    pending = list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Import):
            modules |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            modules.add(node.module)
        elif not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            pending.extend(child for child in ast.iter_child_nodes(node)
                           if isinstance(child, ast.stmt))
    return modules


def _strip_magics(source: str) -> str:
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line
                     for line in source.splitlines())


class SandboxedExecute(Execute):
    """nbgrader's Execute, with the student's cells in a sandbox and the tests outside it."""

    references = Dict({}, help=(
        "For each assignment, the dotted names of the course's references that its "
        "exercises re-implement (made unavailable in the sandbox), e.g. "
        "{'a5_resnet': ['course_utils.zoo.basic_block']}.")).tag(config=True)
    allow_unisolated = Bool(False, help=(
        "Grade without isolation where bubblewrap is unavailable. The student's code can then "
        "read and change everything the grading account can: the gradebook, the source "
        "notebooks with their solutions, other submissions. Only for a trusted class.")
    ).tag(config=True)
    readable = List(Unicode(), help=(
        "Folders the sandbox may read besides the Python installation and the course "
        "package: $COURSE_DATA_DIR and the Keras cache are added automatically.")).tag(config=True)
    memory_gib = Unicode("", help="Memory the sandbox may allocate beyond its imports, GiB "
                         "(default: $COURSE_GRADING_MEMORY_GIB or 4).").tag(config=True)

    # ------------------------------------------------------------------ setup
    def _roles(self, resources) -> None:
        from nbgrader.api import Gradebook

        info = resources["nbgrader"]
        with Gradebook(info["db_url"], info.get("course_id", "default_course")) as gradebook:
            notebook = gradebook.find_notebook(info["notebook"], info["assignment"])
            self._sources = {c.name: (c.cell_type, bool(c.locked), c.source or "")
                             for c in notebook.source_cells}
            self._grade = {c.name for c in notebook.grade_cells}
            self._solution = {c.name for c in notebook.solution_cells}
        # what the instructor's cells that run in the sandbox import, imported there before
        # any time limit (the tests run in the grader's kernel: their imports stay there)
        self._preload = sorted(set().union(*(
            imported_modules(source) for name, (kind, locked, source) in self._sources.items()
            if kind == "code" and locked and name not in self._solution
            and name not in self._grade)))

    def _release_files(self, assignment: str, submission: Path) -> tuple[list[Path], list[str]]:
        """The release's files in the submission folder, and the names of any others."""
        from nbgrader.coursedir import CourseDirectory

        coursedir = CourseDirectory(config=self.config)
        source = Path(coursedir.format_path(coursedir.source_directory, ".", assignment))
        ignore = list(coursedir.ignore)
        release = {p.relative_to(source) for p in source.rglob("*")
                   if p.is_file() and p.suffix != ".ipynb"
                   and not any(fnmatch.fnmatch(part, pat) for part in p.parts for pat in ignore)}
        keep, extra = [], []
        for path in sorted(submission.rglob("*")):
            if not path.is_file():
                continue
            relative = path.relative_to(submission)
            if any(fnmatch.fnmatch(part, pat) for part in relative.parts for pat in ignore):
                continue
            if relative in release:
                keep.append(relative)
            elif path.suffix != ".ipynb":
                extra.append(str(relative))
        self._course_root = Path(coursedir.root).resolve()
        return keep, extra

    def preprocess(self, nb, resources=None, km=None):
        if not isolation_available() and not self.allow_unisolated:
            raise RuntimeError(
                "Grading needs bubblewrap to isolate the students' code (apt-get install "
                "bubblewrap), and it is missing or cannot create a sandbox here. Without it a "
                "submission can read and change the gradebook, the source notebooks and other "
                "submissions. To grade a trusted class anyway, set "
                "c.SandboxedExecute.allow_unisolated = True in nbgrader_config.py.")
        self._roles(resources)
        submission = Path(resources["metadata"]["path"]).resolve()
        keep, self._extra = self._release_files(resources["nbgrader"]["assignment"], submission)
        self._workdir = Path(tempfile.mkdtemp(prefix="course-sandbox-"))
        self._kernel_dir = Path(tempfile.mkdtemp(prefix="course-grader-"))
        for relative in keep:
            (self._workdir / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(submission / relative, self._workdir / relative)
        resources["metadata"]["path"] = str(self._kernel_dir)
        self._started, self._first_code = False, True
        self._student_names: set[str] = set()
        self._helper_names: set[str] = set()
        self._cell_timeout = self.timeout
        try:
            return super().preprocess(nb, resources, km)
        finally:
            self.timeout = self._cell_timeout
            resources["metadata"]["path"] = str(submission)
            shutil.rmtree(self._workdir, ignore_errors=True)
            shutil.rmtree(self._kernel_dir, ignore_errors=True)

    def _bootstrap(self, resources) -> str:
        readable = [*self.readable, os.path.expanduser("~/.keras")]
        if os.environ.get("COURSE_DATA_DIR"):
            readable.append(os.environ["COURSE_DATA_DIR"])
        if os.environ.get("KERAS_HOME"):
            readable.append(os.environ["KERAS_HOME"])
        readable = [r for r in readable if Path(r).exists()]
        references = list(self.references.get(resources["nbgrader"]["assignment"], []))
        memory = self.memory_gib or os.environ.get("COURSE_GRADING_MEMORY_GIB", "")
        lines = [
            "import os as __os",
            f"if {memory!r}: __os.environ['COURSE_GRADING_MEMORY_GIB'] = {memory!r}",
            "from course_utils.grading.sandbox import Sandbox as __Sandbox",
            f"__sandbox__ = __Sandbox({str(self._workdir)!r}, references={references!r}, "
            f"timeout={self._cell_timeout or 300!r}, isolate={isolation_available()!r}, "
            f"hide=[{str(self._course_root)!r}], readable={readable!r}, "
            f"preload={self._preload!r})",
            "del __os, __Sandbox",
        ]
        return "\n".join(lines)

    # ------------------------------------------------------------------ cells
    def _execute(self, cell, resources, index, source: str, *, keep: bool):
        copy = NotebookNode(cell_type="code", source=source, metadata=cell.metadata,
                            outputs=[], execution_count=None)
        copy, resources = super().preprocess_cell(copy, resources, index)
        self.nb.cells[index] = cell          # nbclient stored the executed copy there
        if keep:
            cell.outputs = copy.outputs
            cell.execution_count = copy.execution_count
        return cell, resources

    def preprocess_cell(self, cell, resources, index):
        if not self._started:
            self._started = True
            # The grader's cells wait for the sandbox, which enforces the cell timeout on the
            # student's code (and restarts after a kill): give them room for that.
            # (NotebookClient.__init__ resets the trait from the config, so set it here.)
            self.timeout = None if self._cell_timeout is None else 4 * self._cell_timeout + 120
            self._execute(cell, resources, index, self._bootstrap(resources), keep=False)
        if cell.cell_type != "code":
            return cell, resources
        first_code, self._first_code = self._first_code, False
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        kind, locked, source = self._sources.get(grade_id, (None, False, ""))
        trusted = (kind == "code" and locked and grade_id not in self._solution)
        if trusted and grade_id in self._grade:                       # a test cell
            names = sorted((referenced_names(source) | self._helper_names) & self._student_names)
            prefix = f"__sandbox__.bind(globals(), {names!r})\n" if names else ""
            cell, resources = self._execute(cell, resources, index, prefix + source, keep=True)
        elif trusted and not (referenced_names(source) & self._student_names):   # shared
            cell, resources = self._execute(cell, resources, index, source, keep=True)
            self._helper_names |= referenced_names(source)
            self._execute(cell, resources, index,
                          f"__sandbox__.run({source!r}, shared=True, echo=False)", keep=False)
        else:                                    # the student's cell, or one that uses it
            code = source if trusted else cell.source
            self._student_names |= assigned_names(code)
            cell, resources = self._execute(cell, resources, index,
                                            f"__sandbox__.run({code!r})", keep=True)
        if first_code and self._extra:
            self._report_extra(cell)
        return cell, resources

    def _report_extra(self, cell) -> None:
        message = ("Files in your submission that the assignment does not contain were left "
                   f"out of grading: {', '.join(self._extra)}\n")
        self.log.warning("%s", message.strip())
        cell.outputs.insert(0, NotebookNode(output_type="stream", name="stdout", text=message))
