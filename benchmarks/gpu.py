"""GPU figures (JAX backend): MNIST to 99% and ResNet-20 training throughput.

Runs in a child process with ``KERAS_BACKEND=jax`` (the GPU machine has JAX but no
TensorFlow). Without a visible GPU it prints why and records nothing.

1. MNIST to 99%: the same comparison as ``benchmarks/mnist_to_99.py`` (course recipe
   vs keras-io recipe, median of 3 runs), on the GPU.
2. ResNet-20 (zoo ``resnet20``, 32x32x3, batch ``BATCH_SIZE``): training images/s
   (median step after warm-up) and the fraction of the GPU's peak that represents,
   counting 6 FLOPs per multiply-add of ``course_utils.complexity.summarize`` (one
   forward and two backward multiply-adds, 2 FLOPs each). Peaks (dense, TFLOP/s)
   come from ``PEAK_TFLOPS`` by GPU name or ``$GPU_PEAK_TFLOPS``.
3. Mixed precision (lesson 14): the same ResNet-20 step under the ``mixed_bfloat16`` dtype
   policy, and its speed-up over float32.

Recorded once, on an NVIDIA H200 (2026-11-30): ``benchmarks/README.md`` gives the figures
and how the run was set up on a machine without TensorFlow or network access.
"""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys
import time
from typing import Any, Callable

from benchmarks import harness

BATCH_SIZE = 512
WARMUP = 5
STEPS = 30
ROOT = pathlib.Path(__file__).resolve().parent.parent
# Dense peaks in TFLOP/s: (float32 without tensor cores, TF32 tensor cores).
PEAK_TFLOPS = {"H100": (67.0, 494.7), "H200": (67.0, 494.7), "A100": (19.5, 156.0),
               "L4": (30.3, 60.0), "T4": (8.1, 8.1)}


def _peaks(device_name: str) -> tuple[float, float] | None:
    if os.environ.get("GPU_PEAK_TFLOPS"):
        value = float(os.environ["GPU_PEAK_TFLOPS"])
        return value, value
    for key, peaks in PEAK_TFLOPS.items():
        if key in device_name.upper():
            return peaks
    return None


def gpu_devices() -> list[str]:
    """(child process) Names of the GPUs JAX sees; empty without one."""
    import jax

    return [getattr(d, "device_kind", str(d)) for d in jax.devices() if d.platform == "gpu"]


def resnet20_throughput(policy: str = "float32") -> dict[str, Any]:
    """(child process) ResNet-20 training images/s on the GPU and the fraction of peak."""
    import numpy as np

    import keras
    from course_utils import complexity, zoo

    keras.config.set_dtype_policy(policy)
    keras.utils.set_random_seed(0)
    model = zoo.get_model("resnet20", input_shape=(32, 32, 3), num_classes=10)
    model.compile(optimizer=keras.optimizers.SGD(0.1, momentum=0.9),
                  loss="sparse_categorical_crossentropy", jit_compile=True)
    rng = np.random.default_rng(0)
    x = rng.random((BATCH_SIZE, 32, 32, 3), dtype=np.float32)
    y = rng.integers(0, 10, BATCH_SIZE)
    for _ in range(WARMUP):
        model.train_on_batch(x, y)
    times = []
    for _ in range(STEPS):
        start = time.perf_counter()
        float(model.train_on_batch(x, y))  # float() waits for the device
        times.append(time.perf_counter() - start)
    step = float(np.median(times))
    macs = complexity.summarize(model).total_macs
    return {"images_per_s": BATCH_SIZE / step, "step_s": step, "macs_per_image": macs,
            "tflops": 6 * macs * BATCH_SIZE / step / 1e12, "policy": policy}


def _child(task: str) -> list[dict]:
    env = dict(os.environ, KERAS_BACKEND="jax", TF_CPP_MIN_LOG_LEVEL="2")
    proc = subprocess.run([sys.executable, "-m", "benchmarks.gpu", task], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    rows = [json.loads(ln) for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode != 0 and not rows:
        raise RuntimeError(f"benchmarks.gpu {task} failed:\n{(proc.stdout + proc.stderr)[-3000:]}")
    return rows


def run(record: Callable[..., Any]) -> None:
    devices = _child("--devices")[0]["devices"]
    if not devices:
        print("  no GPU visible to JAX (KERAS_BACKEND=jax): nothing measured, nothing recorded. "
              "Run this on a machine with a CUDA GPU and jax[cuda].")
        return
    device = devices[0]
    load = harness.load_average()
    row = _child("--resnet20")[0]
    record("resnet20_train_images_per_s_b512", round(row["images_per_s"], 1), "images/s",
           backend="jax", device=device, load_average_1min=load, step_s=row["step_s"],
           macs_per_image=row["macs_per_image"], achieved_tflops=round(row["tflops"], 2))
    peaks = _peaks(device)
    if peaks:
        record("resnet20_fraction_of_fp32_peak", round(row["tflops"] / peaks[0], 4), "fraction",
               backend="jax", device=device, peak_tflops=peaks[0])
        record("resnet20_fraction_of_tf32_peak", round(row["tflops"] / peaks[1], 4), "fraction",
               backend="jax", device=device, peak_tflops=peaks[1])
    mixed = _child("--resnet20-mixed")[0]
    record("resnet20_train_images_per_s_b512_mixed_bfloat16", round(mixed["images_per_s"], 1),
           "images/s", backend="jax", device=device, load_average_1min=load,
           step_s=mixed["step_s"], policy=mixed["policy"])
    record("resnet20_mixed_bfloat16_speedup", round(mixed["images_per_s"] / row["images_per_s"], 3),
           "x", backend="jax", device=device, note="mixed_bfloat16 over float32, same step")
    for row in _child("--mnist"):
        record(row.pop("metric"), row.pop("value"), row.pop("unit"), backend="jax",
               device=device, **row)


def _mnist_rows() -> None:
    """(child process) The MNIST comparison on the GPU; prints one JSON row per figure."""
    from benchmarks import mnist_to_99

    def emit(metric, value, unit, **extra):
        print(json.dumps({"metric": metric, "value": value, "unit": unit, **extra}), flush=True)

    mnist_to_99.run(emit)


if __name__ == "__main__":
    task = sys.argv[1:]
    if task == ["--devices"]:
        print(json.dumps({"devices": gpu_devices()}))
    elif task == ["--resnet20"]:
        print(json.dumps(resnet20_throughput()))
    elif task == ["--resnet20-mixed"]:
        print(json.dumps(resnet20_throughput("mixed_bfloat16")))
    elif task == ["--mnist"]:
        _mnist_rows()
    else:
        sys.exit("usage: python -m benchmarks gpu")
