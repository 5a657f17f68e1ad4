"""Execute every lesson notebook in the ``cpu`` profile and record its wall time.

Each ``notebooks/NN_*.ipynb`` present is executed headless with
:func:`course_utils.lessons.execute_notebook` into ``build/bench/`` with
``COURSE_PROFILE=cpu``. Recorded per lesson: the wall time in seconds (or a
failure), with the text of its ``results`` cells and the data it used. Lessons that write a results file to ``$COURSE_RESULTS_DIR`` (set here
to ``build/results/``) have their figures recorded too: for lesson 05 the test
error of every network of the MNIST table (and of Fashion-MNIST). Every
``training.fit_and_evaluate`` run of a lesson is recorded as a ``training run`` row
(network, parameters, MACs, data, accuracies; :mod:`course_utils.results`), tagged with
the lesson and the start of its execution; lesson 14 plots them.

Run with ``COURSE_DATA_DIR=/path/to/datasets python -m benchmarks lessons_cpu``;
``BENCH_LESSONS=03,05`` restricts the run to those lesson numbers.
Timings depend on the machine and on what else runs on it; accuracies do not.
"""

from __future__ import annotations

import json
import os
import pathlib
import time
from typing import Callable

from benchmarks import harness

REPO = pathlib.Path(__file__).resolve().parent.parent
BUILD = REPO / "build" / "bench"
RESULTS_DIR = REPO / "build" / "results"


def _record_lesson05(record: Callable[..., dict], path: pathlib.Path) -> None:
    results = json.loads(path.read_text())
    common = {"lesson": "05", "profile": results.get("profile"),
              "train_size": results.get("train_size"), "epochs": results.get("epochs")}
    for row in results.get("mnist", []):
        record(f"05 mnist test error {row['builder']}", row["error"], "%",
               paper_error=row["paper_error"], params=row["params"], **common)
    for row in results.get("fashion_mnist", []):
        record(f"05 fashion_mnist test error {row['builder']}", row["error"], "%", **common)


_RESULT_READERS = {"05_lenet_mnist": _record_lesson05}


def _record_runs(record: Callable[..., dict], lesson: str, execution: str) -> int:
    """Copy the lesson's ``runs.jsonl`` (written by ``fit_and_evaluate``) into the results."""
    from course_utils import results

    path = RESULTS_DIR / results.RUNS_FILE
    if not path.exists():
        return 0
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    for row in rows:
        accuracy = row.get("val_accuracy")
        record(results.RUN_METRIC, None if accuracy is None else round(100 * accuracy, 2), "%",
               lesson=lesson, execution=execution, **row)
    return len(rows)


def _results_text(executed: pathlib.Path) -> dict:
    """What the lesson reports: its ``results`` cells and the data it used (for the row)."""
    import nbformat

    from course_utils.lessons import data_notes, lesson_results

    try:
        nb = nbformat.read(executed, as_version=4)
    except (OSError, ValueError):
        return {}
    return {"results": lesson_results(nb), "data": data_notes(nb)}


def run(record: Callable[..., dict]) -> None:
    """Execute the lessons one after the other and record their figures."""
    from course_utils.lessons import execute_notebook

    os.environ["COURSE_PROFILE"] = "cpu"
    os.environ["COURSE_RESULTS_DIR"] = str(RESULTS_DIR)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    lessons = sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    wanted = [n.strip().zfill(2) for n in os.environ.get("BENCH_LESSONS", "").split(",") if n.strip()]
    if wanted:
        lessons = [nb for nb in lessons if nb.stem[:2] in wanted]
    if not lessons:
        print("no lesson notebooks found in notebooks/")
    for src in lessons:
        result_file = RESULTS_DIR / f"{src.stem}.json"
        result_file.unlink(missing_ok=True)
        (RESULTS_DIR / "runs.jsonl").unlink(missing_ok=True)
        execution = time.strftime("%Y-%m-%dT%H:%M:%S")
        start = time.perf_counter()
        try:
            execute_notebook(src, BUILD / src.name, progress=False)
        except Exception as exc:  # one failing lesson must not hide the others
            record(f"{src.stem} cpu profile failed", time.perf_counter() - start, "s",
                   lesson=src.stem[:2], error=f"{type(exc).__name__}: {str(exc)[-300:]}",
                   cell_index=getattr(exc, "cell_index", None))
            continue
        seconds = round(time.perf_counter() - start, 1)
        record(f"{src.stem} cpu profile wall time", seconds, "s", lesson=src.stem[:2],
               **_results_text(BUILD / src.name))
        _record_runs(record, src.stem[:2], execution)
        reader = _RESULT_READERS.get(src.stem)
        if reader is not None and result_file.exists():
            reader(record, result_file)
    from course_utils import results   # the package's copy of the runs lessons read

    print(f"{results.write_snapshot(harness.RESULTS)} runs written to {results.RECORDED_RESULTS}")
