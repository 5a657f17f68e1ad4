"""Data parallelism with ``keras.distribution``: one model, the global batch split over devices.

:func:`data_parallel_check` trains the same network for a few steps twice, from the same
weights on the same batches: once on one device and once under
``keras.distribution.DataParallel`` over several devices. It reports how the batch was split
(the shape of each device's shard), whether the weights are replicated, and the losses and
weights of both runs, which must agree: data parallelism changes where the arithmetic runs,
not what it computes.

``keras.distribution`` is implemented for the JAX backend. On a machine with one CPU, JAX
can simulate several devices (``XLA_FLAGS=--xla_force_host_platform_device_count=N``); the
flag must be set before JAX starts, so when the running process is not a JAX process with
enough devices, the check runs in a child process (``python -m course_utils.parallel``)
with ``KERAS_BACKEND=jax`` and that flag, and its report comes back as JSON.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

from course_utils.registry import register_model

__all__ = ["data_parallel_check", "jax_available", "simulated_devices_env", "small_convnet",
           "DEVICE_FLAG"]

DEVICE_FLAG = "--xla_force_host_platform_device_count"


def simulated_devices_env(devices: int = 2, env: dict[str, str] | None = None) -> dict[str, str]:
    """An environment for a child process: the JAX backend with ``devices`` simulated CPUs."""
    env = dict(os.environ if env is None else env)
    flags = [f for f in env.get("XLA_FLAGS", "").split() if not f.startswith(DEVICE_FLAG)]
    env["XLA_FLAGS"] = " ".join(flags + [f"{DEVICE_FLAG}={int(devices)}"])
    env["KERAS_BACKEND"] = "jax"
    return env


def _check_args(devices: Any, global_batch: Any, steps: Any) -> None:
    for name, value, low in (("devices", devices, 1), ("global_batch", global_batch, 1),
                             ("steps", steps, 1)):
        if not isinstance(value, int) or isinstance(value, bool) or value < low:
            raise ValueError(f"{name} must be an integer >= {low}, got {value!r}.")
    if global_batch % devices:
        raise ValueError(f"global_batch ({global_batch}) must be divisible by the number of "
                         f"devices ({devices}): each device gets global_batch / devices images.")


def _in_process_ok(devices: int) -> bool:
    import keras

    if keras.backend.backend() != "jax":
        return False
    return len(keras.distribution.list_devices()) >= devices


@register_model(paper="the course (lesson 14): the data-parallel check's network", params=5_274,
                task="classify-only")
def small_convnet(input_shape=(28, 28, 1), num_classes: int = 10, *, seed: int | None = None,
                  name: str = "small_convnet"):
    """Two stride-2 convolutions with batch norm, global pooling and a classifier (logits).

    With ``seed``, the same initial weights on every backend and device layout.
    """
    import keras
    from keras import layers

    from course_utils.train.inputs import image_input

    if seed is not None:
        keras.utils.set_random_seed(seed)
    inputs, x = image_input(input_shape, dtype="float32")
    for filters in (16, 32):
        x = layers.Conv2D(filters, 3, strides=2, padding="same", use_bias=False)(x)
        x = layers.BatchNormalization()(x)
        x = layers.ReLU()(x)
    x = layers.GlobalAveragePooling2D()(x)
    return keras.Model(inputs, layers.Dense(num_classes)(x), name=name)


def _train(model, x, y, global_batch: int, steps: int) -> list[float]:
    import keras

    model.compile(optimizer=keras.optimizers.SGD(0.1, momentum=0.9),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    losses = []
    for step in range(steps):
        batch = slice(step * global_batch, (step + 1) * global_batch)
        losses.append(float(model.train_on_batch(x[batch], y[batch])))
    return losses


def _run(devices: int, global_batch: int, steps: int, seed: int) -> dict[str, Any]:
    """(JAX, enough devices) The two runs and what DataParallel did with the batch."""
    import keras
    import numpy as np

    from course_utils import data

    ds = data.load_or_fallback("cifar10", "shapes", train_size=global_batch * steps,
                               test_size=10, seed=seed)
    x, y = ds.x_train[:global_batch * steps], ds.y_train[:global_batch * steps]
    available = keras.distribution.list_devices()
    chosen = available[:devices]

    single = small_convnet(x.shape[1:], ds.num_classes, seed=seed)
    initial = single.get_weights()
    single_losses = _train(single, x, y, global_batch, steps)

    distribution = keras.distribution.DataParallel(devices=chosen)
    with distribution.scope():
        parallel = small_convnet(x.shape[1:], ds.num_classes, seed=seed)
        parallel.set_weights(initial)
        parallel_losses = _train(parallel, x, y, global_batch, steps)
        layout = distribution.get_data_layout((global_batch, *x.shape[1:]))
        sharded = keras.distribution.distribute_tensor(x[:global_batch], layout)
        shards = [list(shape) for shape in sorted(
            {tuple(int(d) for d in s.data.shape) for s in sharded.addressable_shards})]
        kernel = parallel.trainable_variables[0]
        replicated = bool(kernel.value.sharding.is_fully_replicated)
    weight_diff = max(float(np.max(np.abs(a - b)))
                      for a, b in zip(single.get_weights(), parallel.get_weights()))
    return {"backend": keras.backend.backend(), "devices": [str(d) for d in chosen],
            "devices_available": len(available), "global_batch": global_batch,
            "per_device_batch": global_batch // devices, "shard_shapes": shards,
            "mesh_shape": list(distribution.device_mesh.shape),
            "mesh_axes": list(distribution.device_mesh.axis_names),
            "weights_replicated": replicated, "single_device_losses": single_losses,
            "data_parallel_losses": parallel_losses, "max_weight_difference": weight_diff,
            "data": ds.name, "steps": steps, "in_process": True}


def jax_available() -> bool:
    """True if JAX is installed (the data-parallel check runs on the JAX backend)."""
    import importlib.util

    return importlib.util.find_spec("jax") is not None


def data_parallel_check(*, devices: int = 2, global_batch: int = 64, steps: int = 3,
                        seed: int = 0, timeout: float = 600) -> dict[str, Any]:
    """Train one network on one device and under ``DataParallel``; report both.

    Parameters
    ----------
    devices : int, default=2
        Devices of the mesh (simulated CPUs when there are no accelerators).
    global_batch : int, default=64
        Images per step over all devices; each device gets ``global_batch / devices``.
    steps : int, default=3
        Training steps of each run (SGD with momentum, on CIFAR-10 images when available,
        else the embedded shapes).
    seed : int, default=0
    timeout : float, default=600
        Seconds allowed to the child process, when one is needed.

    Returns
    -------
    dict
        ``shard_shapes`` (one per distinct shard), ``per_device_batch``, ``mesh_shape``,
        ``weights_replicated``, ``single_device_losses``, ``data_parallel_losses``,
        ``max_weight_difference``, ``devices``, ``in_process`` (False when a child process
        ran it).

    Raises
    ------
    ValueError
        Bad arguments (the batch must split evenly over the devices).
    RuntimeError
        The JAX child process failed (for example JAX is not installed); the message
        gives its last lines.
    """
    _check_args(devices, global_batch, steps)
    if _in_process_ok(devices):
        return _run(devices, global_batch, steps, seed)
    command = [sys.executable, "-m", "course_utils.parallel", "--devices", str(devices),
               "--global-batch", str(global_batch), "--steps", str(steps), "--seed", str(seed)]
    try:
        done = subprocess.run(command, env=simulated_devices_env(devices), capture_output=True,
                              text=True, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        raise RuntimeError(f"the data-parallel child process took over {timeout:g} s") from exc
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-8:])
        raise RuntimeError(
            f"the data-parallel check needs the JAX backend (pip install -e \".[jax]\"); the "
            f"child process `{' '.join(command[1:])}` exited with {done.returncode}:\n{tail}")
    report = json.loads(lines[-1])
    report["in_process"] = False
    return report


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=2)
    parser.add_argument("--global-batch", type=int, default=64)
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    _check_args(args.devices, args.global_batch, args.steps)
    if not _in_process_ok(args.devices):
        print(f"this process has not {args.devices} JAX devices: run with KERAS_BACKEND=jax and "
              f"XLA_FLAGS={DEVICE_FLAG}={args.devices}", file=sys.stderr)
        return 2
    print(json.dumps(_run(args.devices, args.global_batch, args.steps, args.seed)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
