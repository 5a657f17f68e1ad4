"""CIFAR-10 in 10 minutes: the course recipe against the Keras ResNet-20 example.

Both recipes train on the same 50,000 training images of CIFAR-10 and are measured on
the same 10,000 test images, here the **JPEG copy** of CIFAR-10 (quality-75 JPEGs of
the official images; accuracies on it run slightly below the official files'). Each
gets a fixed budget of ``BUDGET_SECONDS`` of training (evaluations excluded), one
after the other in the same process, seed 0. Recorded per recipe: the test accuracy
after the budget, the training time at which it first reached 80, 85 and 90%, and the
GFLOP/s it sustained: 6 x MACs per image (forward 2 FLOP per MAC, backward twice the
forward) x images trained / training seconds, against the ~300 GFLOP/s float32 GEMM
peak of these two cores.

Course recipe: ``course_utils.recipes.fast_cifar_recipe`` with ``EPOCHS`` epochs, its
schedule sized to fit the budget on this machine. Baseline:
``course_utils.recipes.keras_resnet20_recipe`` (Adam 1e-3, batch 32, shifts and flips).

Target: the course recipe at least 85% after 10 minutes (stretch: 90%).
``CIFAR10_RECIPES=course`` runs one recipe; ``CIFAR10_EPOCHS=12`` changes its length.
"""

from __future__ import annotations

import os
from typing import Any, Callable

from benchmarks import harness

BUDGET_SECONDS = 600.0
EPOCHS = 11  # about 48 s each on a quiet machine: the schedule ends inside the budget
EVALUATIONS_PER_EPOCH = {"course": 2, "keras_resnet20": 4}
MILESTONES = (0.80, 0.85, 0.90)
PEAK_GFLOPS = 300.0
TARGET, STRETCH = 0.85, 0.90


def _first_reach(history: list[dict], target: float) -> float | None:
    return next((h["seconds"] for h in history if h["accuracy"] >= target), None)


def run(record: Callable[..., Any]) -> None:
    harness.environment()
    from course_utils import complexity, data, recipes, timing

    ds = data.load("cifar10")
    note = ("CIFAR-10 " + ("JPEG copy (lossy)" if ds.lossy else "official files")
            + f", {len(ds.x_train):,} train / {len(ds.x_test):,} test")
    epochs = int(os.environ.get("CIFAR10_EPOCHS", EPOCHS))
    makers = {"course": lambda: recipes.fast_cifar_recipe(ds.x_train, epochs=epochs, seed=0),
              "keras_resnet20": lambda: recipes.keras_resnet20_recipe(ds.x_train, seed=0)}
    only = os.environ.get("CIFAR10_RECIPES")
    if only:
        makers = {label: makers[label] for label in only.split(",")}
    for label, make in makers.items():
        before = harness.load_average()
        recipe = make()
        macs = complexity.summarize(recipe.model).total_macs
        result = timing.train_to_accuracy(
            recipe, ds.x_train, ds.y_train, ds.x_test, ds.y_test, target=max(MILESTONES),
            evaluations_per_epoch=EVALUATIONS_PER_EPOCH[label], max_seconds=BUDGET_SECONDS,
            stop=False)
        load = max(before, harness.load_average())
        common = {"dataset": note, "recipe": recipe.description, "load_average_1min": load,
                  "history": result.history, "tta": recipe.tta}
        final = result.accuracy_at(BUDGET_SECONDS)
        if final is None or result.train_seconds < BUDGET_SECONDS * 0.98:
            final = result.final_accuracy  # the schedule ended inside the budget
        record(f"{label}_test_accuracy_after_{BUDGET_SECONDS:g}s", round(final, 4), "fraction",
               train_seconds=round(result.train_seconds, 1), epochs=round(result.epochs, 2),
               note=f"{note}; {'flip TTA' if recipe.tta else 'no TTA'}", **common)
        for milestone in MILESTONES:
            seconds = _first_reach(result.history, milestone)
            record(f"{label}_seconds_to_{milestone * 100:g}", round(seconds, 1) if seconds else
                   round(result.train_seconds, 1), "s", reached=seconds is not None,
                   bound=None if seconds is not None else "lower", **common)
        images = result.epochs * len(ds.x_train)
        gflops = 6 * macs * images / result.train_seconds / 1e9
        record(f"{label}_gflops", round(gflops, 1), "GFLOP/s", macs_per_image=macs,
               fraction_of_peak=round(gflops / PEAK_GFLOPS, 3),
               note=f"6 x {macs:,} MACs x {images:,.0f} images / {result.train_seconds:.0f} s; "
                    f"peak {PEAK_GFLOPS:g} GFLOP/s float32 GEMM", **common)
        print(f"    {label}: {final:.2%} after {result.train_seconds:.0f} s "
              f"({result.epochs:.2f} epochs), {gflops:.0f} GFLOP/s", flush=True)
        if label == "course":
            print(f"  target {TARGET:.0%}: {'met' if final >= TARGET else 'NOT met'}; "
                  f"stretch {STRETCH:.0%}: {'met' if final >= STRETCH else 'not met'}")
