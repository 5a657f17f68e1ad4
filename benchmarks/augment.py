"""Does augmentation keep up? Images/s of the pipeline against the recipe's training step.

Same run, same machine: (1) the augmentation pipeline of the CIFAR-10 recipe
(``course_utils.augment.pipeline`` with ``flip_translate``, batch 256, tf.data on
TensorFlow), drained without training, deterministic (one thread) and parallel; (2) the
recipe's training step (``fast_cifar_recipe``'s model, ``train_on_batch`` on fixed
batches, after a warm-up). The ratio pipeline/step must be at least 3, so augmentation
never starves training. Also the AlexNet preset (crop, flip, PCA colour).
"""

from __future__ import annotations

import time
from typing import Any, Callable

from benchmarks import harness

BATCH = 256
BATCHES = 40
STEPS = 10
TARGET_RATIO = 3.0


def _images_per_second(iterator, batches: int) -> float:
    next(iter(iterator))  # warm-up: graph tracing, first prefetch
    start = time.perf_counter()
    count = 0
    for i, batch in enumerate(iterator):
        count += len(batch[0])
        if i + 1 >= batches:
            break
    return count / (time.perf_counter() - start)


def run(record: Callable[..., Any]) -> None:
    harness.environment()
    import numpy as np

    from course_utils import augment, data, recipes

    ds = data.load("cifar10", train_size=BATCH * (BATCHES + 2), seed=0)
    x, y = ds.x_train, ds.y_train
    rates = {}
    for label, deterministic in (("deterministic", True), ("parallel", False)):
        pipe = augment.pipeline(x, y, augment.flip_translate(seed=0), batch_size=BATCH,
                                deterministic=deterministic)
        rates[label] = _images_per_second(pipe, BATCHES)
        record(f"flip_translate_pipeline_{label}_images_per_s", round(rates[label], 1), "images/s",
               batch_size=BATCH)
    values, vectors = augment.pca_color_statistics(x)
    alexnet = augment.pipeline(x, y, augment.alexnet(values, vectors), batch_size=BATCH)
    record("alexnet_pipeline_images_per_s", round(_images_per_second(alexnet, BATCHES), 1),
           "images/s", batch_size=BATCH)

    recipe = recipes.fast_cifar_recipe(x, epochs=1)
    xb, yb = x[:BATCH].astype(np.float32), y[:BATCH]
    recipe.model.train_on_batch(xb, yb)  # warm-up
    start = time.perf_counter()
    for _ in range(STEPS):
        recipe.model.train_on_batch(xb, yb)
    step_rate = STEPS * BATCH / (time.perf_counter() - start)
    record("fast_cifar_training_step_images_per_s", round(step_rate, 1), "images/s",
           batch_size=BATCH, recipe=recipe.description)
    ratio = rates["deterministic"] / step_rate
    record("ratio_pipeline_over_training_step", round(ratio, 2), "x", target=f">= {TARGET_RATIO:g}",
           note="deterministic (one-thread) pipeline against the training step, same run")
    print(f"  target ratio >= {TARGET_RATIO:g}: {'met' if ratio >= TARGET_RATIO else 'NOT met'}")
