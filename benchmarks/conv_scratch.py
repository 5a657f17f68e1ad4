"""NumPy im2col convolution (course_utils.scratch) against keras.ops.conv.

Workload: a batch of 32 images 32x32x64, 64 filters of 3x3, ``"same"`` padding,
float32 -- forward pass plus the gradients with respect to the input and the kernel.
The framework side is ``keras.ops.conv`` differentiated by the active backend through
``course_utils.autodiff.value_and_grad`` (eager, NumPy in and out, as the lessons call
it). Both run on the same machine in the same process; each figure is the median of
several repeats after one warm-up. The naive loop version is far slower, so it runs
on one image and its time is multiplied by 32 (the metric name says so).

Target: the scratch version within 3x of the framework's time.
"""

from __future__ import annotations

import os
import statistics
import time
from typing import Callable

import numpy as np

BATCH, SIZE, CHANNELS, FILTERS, KERNEL = 32, 32, 64, 64, 3
REPEATS = 7


def _median_seconds(fn: Callable[[], object], repeats: int = REPEATS) -> float:
    fn()  # warm-up: first-call allocations, kernel selection
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def run(record: Callable[..., dict]) -> None:
    """Time both implementations and record the figures (see the module docstring)."""
    import keras

    from course_utils import autodiff, scratch

    rng = np.random.default_rng(0)
    x = rng.standard_normal((BATCH, SIZE, SIZE, CHANNELS)).astype(np.float32)
    w = (rng.standard_normal((KERNEL, KERNEL, CHANNELS, FILTERS)) * 0.05).astype(np.float32)
    dout = rng.standard_normal((BATCH, SIZE, SIZE, FILTERS)).astype(np.float32)
    workload = dict(batch=BATCH, image=f"{SIZE}x{SIZE}x{CHANNELS}",
                    kernel=f"{KERNEL}x{KERNEL}x{CHANNELS}x{FILTERS}", padding="same",
                    dtype="float32", repeats=REPEATS)

    def scratch_step():
        y = scratch.conv2d(x, w, padding="same")
        return y, scratch.conv2d_backward(dout, x, w, padding="same")

    def framework_loss(x_, w_):
        return keras.ops.sum(keras.ops.conv(x_, w_, padding="same") * dout)

    def framework_step():
        return autodiff.value_and_grad(framework_loss, x, w)

    # the two must compute the same thing before their times mean anything
    _, (dx, dw, _) = scratch_step()
    _, (gx, gw) = framework_step()
    agreement = max(float(np.abs(dx - gx).max() / np.abs(gx).max()),
                    float(np.abs(dw - gw).max() / np.abs(gw).max()))

    t_fwd = _median_seconds(lambda: scratch.conv2d(x, w, padding="same"))
    t_keras_fwd = _median_seconds(
        lambda: autodiff.evaluate(lambda a, b: keras.ops.conv(a, b, padding="same"), x, w))
    t_scratch = _median_seconds(scratch_step)
    t_keras = _median_seconds(framework_step)
    x1, d1 = x[:1], dout[:1]
    start = time.perf_counter()
    scratch.conv2d_naive(x1, w, padding="same")
    scratch.conv2d_backward_naive(d1, x1, w, padding="same")
    t_naive = (time.perf_counter() - start) * BATCH

    record("scratch_im2col_forward_seconds", t_fwd, "s", **workload)
    record("keras_ops_conv_forward_seconds", t_keras_fwd, "s", **workload)
    record("scratch_im2col_forward_backward_seconds", t_scratch, "s", **workload)
    record("keras_ops_conv_forward_backward_seconds", t_keras, "s", **workload)
    record("ratio_scratch_over_keras_forward_backward", t_scratch / t_keras, "x",
           target="<= 3", **workload)
    record("naive_loop_forward_backward_seconds_1_image_x32", t_naive, "s",
           note="one image timed once, multiplied by 32", **workload)
    record("max_relative_gradient_difference", agreement, "relative", **workload)
