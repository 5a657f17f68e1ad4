"""MNIST to 99%: the course's recipe against the keras-io "Simple MNIST convnet".

Time to 99.0% test accuracy on the full real MNIST (60,000 training, 10,000 test
images), from a cold start of training: the clock starts just before ``fit`` (so
the first step's tracing counts) and stops at the first evaluation at or above
the target; evaluations (twice per epoch, for both recipes) are not counted.
Both recipes run in the same process, alternating, ``RUNS`` times with seeds
0, 1, 2; the figures are medians and the speed-up is the ratio of the medians.

Course recipe: ``course_utils.recipes.fast_mnist_recipe`` (stride-2 convnet with
batch norm, Adam one-cycle over 2 epochs, batch 128, uint8 input).
Baseline: ``course_utils.recipes.keras_io_mnist_recipe`` (Adam 1e-3, batch 128,
validation split 0.1), capped at ``KERAS_IO_MAX_EPOCHS`` epochs or
``KERAS_IO_MAX_SECONDS`` of training, whichever comes first.

Target: the course recipe reaches 99.0% in at most 20 s and at least 5x faster.

``MNIST_TO_99_RECIPES=course python -m benchmarks mnist_to_99`` runs only the course
recipe (no speed-up is recorded then); ``MNIST_TO_99_RUNS=1`` does one run of each.
"""

from __future__ import annotations

import os
import statistics
from typing import Any, Callable

from benchmarks import harness

RUNS = 3
TARGET = 0.99
EVALUATIONS_PER_EPOCH = 2
KERAS_IO_MAX_EPOCHS = 15
KERAS_IO_MAX_SECONDS = 600.0  # training time cap per run (the machine is shared)
TARGET_SECONDS = 20.0
TARGET_SPEEDUP = 5.0


def median_or_none(values: list[float | None]) -> float | None:
    """Median where None (target not reached) counts as slower than any time."""
    ordered = sorted(values, key=lambda v: float("inf") if v is None else v)
    middle = ordered[(len(ordered) - 1) // 2: len(ordered) // 2 + 1]
    return None if None in middle else statistics.mean(middle)


def compare(record: Callable[..., Any], dataset: str, recipes_to_run: dict[str, Callable],
            *, target: float, runs: int, max_seconds: dict[str, float | None],
            budget_seconds: float | None = None, stop: bool = True) -> dict[str, list]:
    """Train each recipe ``runs`` times (alternating) and record time to ``target``.

    ``recipes_to_run`` maps a label to ``make(seed) -> Recipe``. Records, per label,
    ``<label>_seconds_to_<pct>`` (median), ``<label>_epochs_to_<pct>``, and the
    speed-up ``course`` vs ``keras_io``; with ``budget_seconds``, also the accuracy
    of the last evaluation within that many seconds of training.
    """
    from course_utils import data, timing

    ds = data.load(dataset)
    pct = f"{target * 100:g}"
    results: dict[str, list] = {label: [] for label in recipes_to_run}
    for seed in range(runs):
        for label, make in recipes_to_run.items():
            before = harness.load_average()
            recipe = make(seed)
            result = timing.train_to_accuracy(
                recipe, ds.x_train, ds.y_train, ds.x_test, ds.y_test, target=target,
                evaluations_per_epoch=EVALUATIONS_PER_EPOCH, max_seconds=max_seconds[label],
                stop=stop)
            reached = next((h for h in result.history if h["accuracy"] >= target), None)
            results[label].append({
                "seed": seed, "seconds": result.seconds,
                "cpu_seconds": reached["cpu_seconds"] if reached else None,
                "epochs": reached["epoch"] if reached else None,
                "best_accuracy": result.best_accuracy, "train_seconds": result.train_seconds,
                "epochs_trained": result.epochs, "recipe": recipe.description,
                "load_before": before, "load_after": harness.load_average(),
                "at_budget": result.accuracy_at(budget_seconds) if budget_seconds else None,
            })
            row = results[label][-1]
            print(f"    {label:<9} seed {seed}: "
                  + (f"{target:.1%} after {row['seconds']:.1f} s ({row['epochs']:.2f} epochs)"
                     if row["seconds"] is not None else
                     f"{target:.1%} not reached in {row['train_seconds']:.0f} s "
                     f"({row['epochs_trained']:.1f} epochs, best {row['best_accuracy']:.2%})")
                  + f", load {before}->{row['load_after']}", flush=True)
    medians = {}
    for label, rows in results.items():
        seconds = median_or_none([r["seconds"] for r in rows])
        medians[label] = seconds
        loads = [r["load_before"] for r in rows] + [r["load_after"] for r in rows]
        common = {"dataset": dataset, "runs": rows, "load_average_1min": max(loads),
                  "recipe": rows[0]["recipe"], "evaluations_per_epoch": EVALUATIONS_PER_EPOCH}
        if seconds is None:
            budget = statistics.median(r["train_seconds"] for r in rows)
            record(f"{label}_seconds_to_{pct}", round(budget, 2), "s", reached=False,
                   bound="lower", note=f"not reached within {budget:.0f} s of training "
                   f"(median of {len(rows)} runs)", **common)
        else:
            record(f"{label}_seconds_to_{pct}", round(seconds, 2), "s", reached=True,
                   note=f"median of {len(rows)} runs", **common)
            epochs = median_or_none([r["epochs"] for r in rows])
            record(f"{label}_epochs_to_{pct}", round(epochs, 2), "epochs", **common)
            cpu = median_or_none([r["cpu_seconds"] for r in rows])
            if cpu is not None:
                record(f"{label}_cpu_seconds_to_{pct}", round(cpu, 2), "s", reached=True,
                       note="process CPU time, all threads, evaluations excluded: half of it "
                       "is the wall time of 2 busy cores", **common)
        if budget_seconds:
            accs = [r["at_budget"] for r in rows if r["at_budget"] is not None]
            if accs:
                record(f"{label}_accuracy_after_{budget_seconds:g}s", round(statistics.median(accs), 4),
                       "fraction", **common)
    if "course" in medians and "keras_io" in medians and medians["course"]:
        slow = medians["keras_io"]
        bound = slow is None
        if bound:
            slow = statistics.median(r["train_seconds"] for r in results["keras_io"])
        ratio = slow / medians["course"]
        record(f"speedup_to_{pct}_course_vs_keras_io", round(ratio, 2), "x",
               bound="lower" if bound else None, dataset=dataset,
               load_average_1min=max(r["load_after"] for rows in results.values() for r in rows),
               note="ratio of medians, measured in the same run")
    return results


def run(record: Callable[..., Any]) -> None:
    harness.environment()
    from course_utils import recipes

    makers = {"course": lambda seed: recipes.fast_mnist_recipe(seed=seed),
              "keras_io": lambda seed: recipes.keras_io_mnist_recipe(epochs=KERAS_IO_MAX_EPOCHS,
                                                                     seed=seed)}
    only = os.environ.get("MNIST_TO_99_RECIPES")  # e.g. "course": no side-by-side speed-up
    if only:
        makers = {label: makers[label] for label in only.split(",")}
    results = compare(
        record, "mnist", makers,
        target=TARGET, runs=int(os.environ.get("MNIST_TO_99_RUNS", RUNS)), max_seconds={"course": None, "keras_io": KERAS_IO_MAX_SECONDS})
    course = median_or_none([r["seconds"] for r in results.get("course", [{"seconds": None}])])
    print(f"  target: course recipe <= {TARGET_SECONDS:g} s: "
          f"{'met' if course is not None and course <= TARGET_SECONDS else 'NOT met'}")
