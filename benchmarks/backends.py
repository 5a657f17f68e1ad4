"""The course on three Keras backends: TensorFlow, JAX and PyTorch.

1. Tests: ``python -m pytest tests/test_zoo.py tests/test_scratch*.py
   tests/test_complexity*.py`` in a subprocess per backend (``KERAS_BACKEND``
   set, ``COURSE_PROFILE=fast``, ``-n 2``); records passed / failed / skipped /
   error counts and the wall time.
2. Training speed: time per training step of ResNet-20 (zoo ``resnet20``) on
   32x32x3 inputs, batch 128, SGD with momentum, each backend in its own
   subprocess, one after the other in the same run. Median of ``STEPS`` steps after
   ``WARMUP`` warm-up steps (``train_on_batch`` on a fixed random batch, each
   backend's default compilation: ``jit_compile="auto"``, i.e. XLA for JAX,
   a ``tf.function`` graph for TensorFlow, eager for PyTorch). Ratios vs TensorFlow.

``python -m benchmarks.backends --step-time`` is the child process of part 2.
"""

from __future__ import annotations

import glob
import json
import os
import pathlib
import re
import subprocess
import sys
import time
from typing import Any, Callable

from benchmarks import harness

BACKENDS = ("tensorflow", "jax", "torch")
TEST_PATTERNS = ("tests/test_zoo.py", "tests/test_scratch*.py", "tests/test_complexity*.py")
BATCH_SIZE = 128
WARMUP = 3
STEPS = 10
ROOT = harness.ROOT


def _env(backend: str) -> dict[str, str]:
    return harness.environment(os.environ, KERAS_BACKEND=backend, COURSE_PROFILE="fast")


def parse_pytest_counts(output: str) -> dict[str, int]:
    """Counts from pytest's last summary line (``3 passed, 1 failed in 2.0s``)."""
    lines = [ln for ln in output.strip().splitlines() if re.search(r"\b(passed|failed|error)", ln)]
    counts = {"passed": 0, "failed": 0, "skipped": 0, "errors": 0, "xfailed": 0}
    if lines:
        for number, word in re.findall(r"(\d+) (passed|failed|skipped|errors?|xfailed)", lines[-1]):
            counts["errors" if word.startswith("error") else word] = int(number)
    return counts


def run_tests(backend: str) -> dict[str, Any]:
    """Run the backend-sensitive tests under ``backend``; counts, seconds and the tail."""
    files = sorted({f for pattern in TEST_PATTERNS for f in glob.glob(str(ROOT / pattern))})
    command = [sys.executable, "-m", "pytest", "-q", "-n", "2", "-p", "no:cacheprovider",
               *[os.path.relpath(f, ROOT) for f in files]]
    start = time.perf_counter()
    proc = subprocess.run(command, cwd=ROOT, env=_env(backend), capture_output=True, text=True)
    seconds = time.perf_counter() - start
    output = proc.stdout + proc.stderr
    failed = [ln.split(" - ")[0] for ln in output.splitlines() if ln.startswith(("FAILED", "ERROR"))]
    return {"seconds": seconds, "returncode": proc.returncode, **parse_pytest_counts(output),
            "failures": failed[:20], "files": [os.path.relpath(f, ROOT) for f in files]}


def step_time() -> dict[str, Any]:
    """(child process) Median seconds per ResNet-20 training step on this backend."""
    import numpy as np

    import keras
    from course_utils import complexity, zoo

    keras.utils.set_random_seed(0)
    model = zoo.get_model("resnet20", input_shape=(32, 32, 3), num_classes=10)
    model.compile(optimizer=keras.optimizers.SGD(0.1, momentum=0.9),
                  loss="sparse_categorical_crossentropy")
    rng = np.random.default_rng(0)
    x = rng.random((BATCH_SIZE, 32, 32, 3), dtype=np.float32)
    y = rng.integers(0, 10, BATCH_SIZE)
    start = time.perf_counter()
    model.train_on_batch(x, y)
    first = time.perf_counter() - start
    for _ in range(WARMUP - 1):
        model.train_on_batch(x, y)
    times = []
    for _ in range(STEPS):
        start = time.perf_counter()
        model.train_on_batch(x, y)
        times.append(time.perf_counter() - start)
    macs = complexity.summarize(model).total_macs
    return {"backend": keras.backend.backend(), "median_s": float(np.median(times)),
            "min_s": float(np.min(times)), "first_step_s": first, "macs_per_image": macs,
            "params": model.count_params()}


def run(record: Callable[..., Any]) -> None:
    # Part 2 first: it is short, and comparable only if the three run back to back.
    steps: dict[str, dict[str, Any]] = {}
    for backend in BACKENDS:
        before = harness.load_average()
        proc = subprocess.run([sys.executable, "-m", "benchmarks.backends", "--step-time"],
                              cwd=ROOT, env=_env(backend), capture_output=True, text=True)
        lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
        if proc.returncode != 0 or not lines:
            print(f"  {backend}: step-time run failed:\n{(proc.stdout + proc.stderr)[-2000:]}")
            continue
        steps[backend] = {**json.loads(lines[-1]), "load_before": before, "load_after": harness.load_average()}
    for backend, row in steps.items():
        load = max(row["load_before"], row["load_after"])
        flops = 6 * row["macs_per_image"] * BATCH_SIZE  # forward + backward ~ 3x forward
        record("resnet20_train_step_b128", round(row["median_s"], 4), "s", backend=backend,
               load_average_1min=load, min_s=round(row["min_s"], 4),
               first_step_s=round(row["first_step_s"], 2), steps=STEPS, warmup=WARMUP,
               gflops_per_s=round(flops / row["median_s"] / 1e9, 1),
               macs_per_image=row["macs_per_image"])
        if "tensorflow" in steps and backend != "tensorflow":
            record(f"resnet20_step_time_ratio_{backend}_vs_tensorflow",
                   round(row["median_s"] / steps["tensorflow"]["median_s"], 2), "x",
                   backend=backend, load_average_1min=load,
                   note="median step time of this backend / TensorFlow's, same run; >1 is slower")
    for backend in BACKENDS:
        before = harness.load_average()
        result = run_tests(backend)
        load = max(before, harness.load_average())
        print(f"  {backend}: {result['passed']} passed, {result['failed']} failed, "
              f"{result['skipped']} skipped, {result['errors']} errors in "
              f"{result['seconds']:.0f} s (load {load})")
        for name in result["failures"]:
            print(f"    {name}")
        common = {"backend": backend, "load_average_1min": load, "files": result["files"]}
        record("tests_passed", result["passed"], "tests", failed=result["failed"],
               skipped=result["skipped"], errors=result["errors"],
               failures=result["failures"], **common)
        record("tests_failed", result["failed"] + result["errors"], "tests", **common)
        record("tests_seconds", round(result["seconds"], 1), "s", **common)


if __name__ == "__main__":
    if sys.argv[1:] == ["--step-time"]:
        print(json.dumps(step_time()), flush=True)
    else:
        sys.exit("usage: python -m benchmarks.backends --step-time  (or: python -m benchmarks backends)")
