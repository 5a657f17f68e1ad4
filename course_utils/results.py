"""The course's own record of what its networks reached: written by runs, read by lessons.

Every :func:`course_utils.train.fit_and_evaluate` run appends one line to
``<record>/runs.jsonl`` when it is given ``record=<folder>``, or when ``$COURSE_RESULTS_DIR``
names a folder (the benchmark
``python -m benchmarks lessons_cpu`` sets it, and copies the lines of each lesson into
``benchmarks/results.jsonl`` with the lesson's number). Nothing is written otherwise.
Each line holds the network's name, parameters and MACs per image, the data it trained
on, its validation and test accuracy, its training time and settings.

The package never reads the clone's ``benchmarks/`` (a wheel has none): the latest
recorded lesson runs ship with the package as ``records/lesson_runs.jsonl``, written by
:func:`write_snapshot` from ``benchmarks/results.jsonl`` (a test keeps the two equal).
:func:`recorded_runs` reads that snapshot, or a ``results.jsonl`` you pass: lesson 14
plots accuracy against MACs and parameters for the networks of lessons 07-13 from it.
"""

from __future__ import annotations

import json
import os
import pathlib
import warnings
from collections.abc import Sequence
from typing import Any

__all__ = ["RESULTS_DIR_ENV", "RECORDED_RESULTS", "run_record", "write_run", "recorded_runs",
           "write_snapshot", "best_per_network"]

RESULTS_DIR_ENV = "COURSE_RESULTS_DIR"
RUNS_FILE = "runs.jsonl"
RECORDED_RESULTS = pathlib.Path(__file__).resolve().parent / "records" / "lesson_runs.jsonl"
SNAPSHOT_FIELDS = ("benchmark", "metric", "lesson", "execution", "network", "params", "macs",
                   "dataset", "lossy", "train_images", "val_images", "val_accuracy",
                   "test_accuracy", "train_accuracy", "seconds", "profile", "epochs",
                   "batch_size", "seed")
RUN_METRIC = "training run"


def run_record(run: Any, network: Any, dataset: Any) -> dict[str, Any]:
    """The line :func:`write_run` appends: a one-seed :class:`~course_utils.train.Run` summarised.

    ``network`` is the model as built (without the ``uint8`` input wrapper), so that the
    parameter and MAC counts are those of the network itself.
    """
    from course_utils import config
    from course_utils.complexity import summarize

    summary = summarize(network)
    x_val = getattr(dataset, "x_val", None)
    return {
        "network": network.name,
        "params": int(network.count_params()),
        "macs": int(summary.total_macs),
        "dataset": getattr(dataset, "name", None),
        "lossy": bool(getattr(dataset, "lossy", False)),
        "train_images": int(len(dataset.x_train)),
        "val_images": 0 if x_val is None else int(len(x_val)),
        "val_accuracy": run.val_accuracy,
        "test_accuracy": run.test_accuracy,
        "train_accuracy": run.train_accuracy,
        "seconds": round(run.seconds, 2),
        "profile": config.get_profile().name,
        **{k: v for k, v in run.settings.items() if k != "network"},
    }


def write_run(run: Any, network: Any, dataset: Any,
              folder: str | os.PathLike | None = None) -> dict[str, Any] | None:
    """Append the run to ``<folder>/runs.jsonl`` (default ``$COURSE_RESULTS_DIR``, if set)."""
    folder = folder or os.environ.get(RESULTS_DIR_ENV)
    if not folder:
        return None
    try:
        row = run_record(run, network, dataset)
    except Exception as exc:  # a record that cannot be made must not stop the lesson
        warnings.warn(f"training run of {getattr(network, 'name', network)!r} not recorded: "
                      f"{type(exc).__name__}: {exc}", stacklevel=2)
        return None
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, RUNS_FILE), "a", encoding="utf-8") as fh:
        fh.write(json.dumps(row) + "\n")
    return row


def recorded_runs(*, dataset: str = "cifar10", profile: str = "cpu",
                  lessons: Sequence[str] | None = None,
                  path: str | os.PathLike | None = None) -> list[dict[str, Any]]:
    """The training runs of the latest recorded lesson runs, oldest lesson first.

    Parameters
    ----------
    dataset : str, default="cifar10"
    profile : {"fast", "cpu", "gpu"}, default="cpu"
    lessons : sequence of str, optional
        Two-digit lesson numbers, e.g. ``["07", "08"]``; default all.
    path : path, optional
        A ``results.jsonl`` of the benchmarks; default the snapshot shipped with the
        package (:data:`RECORDED_RESULTS`).

    Returns
    -------
    list of dict
        One per run, with ``lesson`` and the fields of :func:`run_record`. For each
        lesson only the runs of its latest recorded execution are kept.

    Raises
    ------
    FileNotFoundError
        When ``path`` names no file.
    """
    path = pathlib.Path(path) if path is not None else RECORDED_RESULTS
    if not path.is_file():
        raise FileNotFoundError(
            f"no recorded results at {path}: pass the path of a benchmarks/results.jsonl "
            "(`python -m benchmarks lessons_cpu` records one).")
    wanted = None if lessons is None else {str(n).zfill(2) for n in lessons}
    latest: dict[str, tuple[str, list[dict[str, Any]]]] = {}
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            if row.get("metric") != RUN_METRIC or row.get("dataset") != dataset:
                continue
            if row.get("profile") != profile or (wanted and row.get("lesson") not in wanted):
                continue
            execution = row.get("execution", "")
            seen = latest.get(row["lesson"])
            if seen is None or execution > seen[0]:
                latest[row["lesson"]] = (execution, [row])
            elif execution == seen[0]:
                seen[1].append(row)
    return [row for lesson in sorted(latest) for row in latest[lesson][1]]


def write_snapshot(source: str | os.PathLike, out: str | os.PathLike = RECORDED_RESULTS) -> int:
    """Write the package's snapshot: the latest ``cpu`` CIFAR-10 runs of every lesson in
    ``source`` (a ``benchmarks/results.jsonl``), with the fields lessons read; return the count.

    Run ``python -c "from course_utils import results; results.write_snapshot('benchmarks/results.jsonl')"``
    after ``python -m benchmarks lessons_cpu``.
    """
    rows = recorded_runs(path=source)
    text = "".join(json.dumps({k: row.get(k) for k in SNAPSHOT_FIELDS}) + "\n" for row in rows)
    pathlib.Path(out).write_text(text, encoding="utf-8")
    return len(rows)


def best_per_network(runs: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per lesson and network name, the run with the highest validation accuracy.

    Only runs on a lesson's largest training set are considered (lessons also train on
    small subsets on purpose, which would not compare).
    """
    largest: dict[str, int] = {}
    for row in runs:
        largest[row["lesson"]] = max(largest.get(row["lesson"], 0), row["train_images"])
    best: dict[tuple[str, str], dict[str, Any]] = {}
    for row in runs:
        if row["train_images"] != largest[row["lesson"]] or row.get("val_accuracy") is None:
            continue
        key = (row["lesson"], row["network"])
        if key not in best or row["val_accuracy"] > best[key]["val_accuracy"]:
            best[key] = row
    return sorted(best.values(), key=lambda r: (r["lesson"], r["macs"]))
