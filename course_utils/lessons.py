"""Finding and executing the lesson notebooks (``course run``, benchmarks, tools).

``find_lesson("05")`` resolves a lesson; ``execute_notebook(src, dst)`` runs it
headless with nbclient, with a progress bar labelled by each cell's first line of
code; ``lesson_results(nb)`` collects what the lesson reports: the cells tagged
``results`` and the data each result was computed on.
"""

from __future__ import annotations

import os
import pathlib
import subprocess

REPO_ROOT = pathlib.Path(__file__).resolve().parent.parent
NOTEBOOK_DIR_ENV = "COURSE_NOTEBOOK_DIR"
# load_or_fallback prints these first words; `course run` repeats such lines in its summary.
DATA_PREFIXES = ("Using ", "NOTE: ")

__all__ = ["notebook_dir", "find_lesson", "execute_notebook", "lesson_results", "data_notes",
           "cell_label", "refuse_to_overwrite"]


def notebook_dir() -> pathlib.Path:
    """Folder of the lesson notebooks.

    ``$COURSE_NOTEBOOK_DIR`` if set, else ``./notebooks`` if the current folder is a
    clone of the course, else the ``notebooks/`` of the clone this package was
    installed from (an editable install).
    """
    if os.environ.get(NOTEBOOK_DIR_ENV):
        return pathlib.Path(os.environ[NOTEBOOK_DIR_ENV])
    here = pathlib.Path.cwd() / "notebooks"
    if any(here.glob("[0-9][0-9]_*.ipynb")):
        return here
    return REPO_ROOT / "notebooks"


def lesson_paths() -> list[pathlib.Path]:
    """Every lesson notebook (``NN_*.ipynb``) of :func:`notebook_dir`, in order."""
    return sorted(notebook_dir().glob("[0-9][0-9]_*.ipynb"))


def refuse_to_overwrite(src: pathlib.Path, dst: pathlib.Path) -> None:
    """Raise ``ValueError`` if writing ``dst`` would replace ``src`` or any lesson notebook.

    ``course student 02 --output-dir notebooks`` or ``course run 02 --output-dir notebooks``
    would otherwise replace the instructor's lesson (solutions and pinned outputs) with its copy.
    """
    target = pathlib.Path(dst).resolve()
    sources = {pathlib.Path(src).resolve(), *(p.resolve() for p in lesson_paths())}
    if target in sources:
        raise ValueError(f"refusing to write {dst}: it is the source notebook "
                         f"{pathlib.Path(src).name} itself. Choose another --output-dir "
                         "(the default is under build/).")


def find_lesson(lesson: str) -> pathlib.Path:
    """Resolve ``"01"``, ``"1"``, ``"01_images_as_tensors"`` or a path to a notebook.

    Raises
    ------
    SystemExit
        No single lesson matches; the message lists the lessons.
    """
    path = pathlib.Path(lesson)
    if path.suffix == ".ipynb" and path.is_file():
        return path
    folder = notebook_dir()
    notebooks = sorted(folder.glob("[0-9][0-9]_*.ipynb"))
    key = lesson.zfill(2) if lesson.isdigit() else lesson
    matches = [nb for nb in notebooks if nb.stem == key or nb.stem.split("_", 1)[0] == key]
    if len(matches) != 1:
        listing = "\n  ".join(nb.stem for nb in notebooks) or "(none)"
        raise SystemExit(f"no single lesson matches {lesson!r} in {folder}; lessons:\n  {listing}")
    return matches[0]


def cell_label(source: str, width: int = 40) -> str:
    """The first line of real code of a cell: comments, markers and blank lines skipped."""
    for line in source.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith(("#", "%")):
            return stripped[:width]
    return "(comments only)"


def execute_notebook(src: pathlib.Path, dst: pathlib.Path, *, timeout: int = 1800,
                     progress: bool = True, kernel_log: pathlib.Path | None = None):
    """Execute ``src`` headless with nbclient, save it to ``dst``, return the notebook.

    Parameters
    ----------
    src, dst : pathlib.Path
    timeout : int, default=1800
        Seconds allowed per cell.
    progress : bool, default=True
        Show a progress bar (cells done, the running cell's first line of code).
    kernel_log : pathlib.Path, optional
        Where the kernel process's own stderr goes (its start-up warnings); default
        ``dst`` with the suffix ``.kernel.log``. Cell outputs are not affected.

    Raises
    ------
    nbclient.exceptions.CellExecutionError
        With the failing cell's index attached as ``cell_index``.
    """
    import nbformat
    from nbclient import NotebookClient
    from tqdm.auto import tqdm

    refuse_to_overwrite(src, dst)
    nb = nbformat.read(src, as_version=4)
    code_cells = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    bar = tqdm(total=len(code_cells), unit="cell", disable=not progress, desc=src.stem)
    state = {"index": None, "done": 0}

    def on_start(cell, cell_index):
        state["index"] = cell_index
        if cell.cell_type == "code":
            bar.set_postfix_str(cell_label(cell.source))

    def on_executed(cell, cell_index, execute_reply):
        bar.update(1)
        state["done"] += 1
        if state["done"] == len(code_cells):
            bar.set_postfix_str("all cells done, stopping the kernel")

    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(src.parent)}},
                            on_cell_start=on_start, on_cell_executed=on_executed)
    dst.parent.mkdir(parents=True, exist_ok=True)
    log_path = kernel_log or dst.with_suffix(".kernel.log")
    try:
        with open(log_path, "w") as log:  # keeps the kernel's TCP notice off the progress bar
            client.execute(stderr=log, stdout=subprocess.DEVNULL)
    except Exception as exc:
        exc.cell_index = state["index"]
        raise
    finally:
        bar.close()
        nbformat.write(nb, dst)
    return nb


def _text_outputs(cell) -> str:
    parts = []
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream":
            parts.append(out.get("text", ""))
        elif "data" in out and "text/plain" in out["data"]:
            parts.append(out["data"]["text/plain"] + "\n")
    return "".join(parts).rstrip()


def data_notes(nb) -> list[str]:
    """The lines where the lesson said which data it used (``load_or_fallback``)."""
    notes = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for line in _text_outputs(cell).splitlines():
            if line.startswith(DATA_PREFIXES) and line not in notes:
                notes.append(line)
    return notes


SMOKE_TEST_NOTE = ("The 'fast' profile is a smoke test (small subsets, one short epoch): its numbers "
                   "show that the code runs and support no conclusion. Run --profile cpu for the "
                   "lesson's results.")


def lesson_results(nb, profile: str | None = None) -> str:
    """Text outputs of the cells tagged ``results`` (else of the last code cell with output).

    In the ``fast`` profile they are preceded by :data:`SMOKE_TEST_NOTE`.
    """
    tagged = [c for c in nb.cells if "results" in c.get("metadata", {}).get("tags", [])]
    if not tagged:
        with_output = [c for c in nb.cells if c.cell_type == "code" and _text_outputs(c)]
        tagged = with_output[-1:]
    text = "\n".join(_text_outputs(c) for c in tagged if _text_outputs(c))
    return f"{SMOKE_TEST_NOTE}\n{text}" if text and profile == "fast" else text
