"""The course's own record of what its networks reached: written by runs, read by lessons.

Every :func:`course_utils.training.fit_and_evaluate` run appends one line to
``$COURSE_RESULTS_DIR/runs.jsonl`` when that variable is set (the benchmark
``python -m benchmarks lessons_cpu`` sets it, and copies the lines of each lesson into
``benchmarks/results.jsonl`` with the lesson's number). Nothing is written otherwise.
Each line holds the network's name, parameters and MACs per image, the data it trained
on, its validation and test accuracy, its training time and settings.

:func:`recorded_runs` reads them back from ``benchmarks/results.jsonl``: lesson 14 plots
accuracy against MACs and parameters for the networks of lessons 07-14 from it.
"""

from __future__ import annotations

import json
import os
import pathlib
import warnings
from collections.abc import Sequence
from typing import Any

__all__ = ["RESULTS_DIR_ENV", "RECORDED_RESULTS", "run_record", "write_run", "recorded_runs",
           "best_per_network"]

RESULTS_DIR_ENV = "COURSE_RESULTS_DIR"
RUNS_FILE = "runs.jsonl"
RECORDED_RESULTS = pathlib.Path(__file__).resolve().parent.parent / "benchmarks" / "results.jsonl"
RUN_METRIC = "training run"


def run_record(run: Any, network: Any, dataset: Any) -> dict[str, Any]:
    """The line :func:`write_run` appends: a :class:`~course_utils.training.Run` summarised.

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


def write_run(run: Any, network: Any, dataset: Any) -> dict[str, Any] | None:
    """Append the run to ``$COURSE_RESULTS_DIR/runs.jsonl`` if the variable is set."""
    folder = os.environ.get(RESULTS_DIR_ENV)
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
        A ``results.jsonl`` of the benchmarks; default the clone's
        ``benchmarks/results.jsonl``.

    Returns
    -------
    list of dict
        One per run, with ``lesson`` and the fields of :func:`run_record`. For each
        lesson only the runs of its latest recorded execution are kept.

    Raises
    ------
    FileNotFoundError
        When there is no results file (the package was installed without its clone).
    """
    path = pathlib.Path(path) if path is not None else RECORDED_RESULTS
    if not path.is_file():
        raise FileNotFoundError(
            f"no recorded results at {path}: they come with a clone of the course "
            f"(benchmarks/results.jsonl); run `python -m benchmarks lessons_cpu` to record them.")
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
