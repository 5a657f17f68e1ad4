"""course_utils.parallel: DataParallel over simulated devices computes what one device does.

In CI's JAX run (``XLA_FLAGS=--xla_force_host_platform_device_count=2``) the check runs in
the test process; elsewhere it runs in a JAX child process.
"""

import keras
import numpy as np
import pytest

from course_utils import parallel


def test_simulated_devices_env_replaces_the_device_flag():
    env = parallel.simulated_devices_env(
        4, {"XLA_FLAGS": "--xla_cpu_foo=1 --xla_force_host_platform_device_count=8"})
    assert env["KERAS_BACKEND"] == "jax"
    assert env["XLA_FLAGS"].split() == ["--xla_cpu_foo=1",
                                        "--xla_force_host_platform_device_count=4"]


@pytest.mark.parametrize("kwargs, match", [
    ({"devices": 0}, "devices must be an integer >= 1, got 0"),
    ({"devices": 2, "global_batch": 63}, r"global_batch \(63\) must be divisible"),
    ({"steps": 1.5}, "steps must be an integer"),
])
def test_bad_arguments_are_refused_before_any_work(kwargs, match):
    with pytest.raises(ValueError, match=match):
        parallel.data_parallel_check(**kwargs)


def test_data_parallel_matches_one_device():
    report = parallel.data_parallel_check(devices=2, global_batch=64, steps=3, seed=0)
    assert report["backend"] == "jax" and len(report["devices"]) == 2
    assert report["mesh_shape"] == [2] and report["mesh_axes"] == ["batch"]
    assert report["per_device_batch"] == 32
    assert report["shard_shapes"] == [[32, 32, 32, 3]]          # half the batch on each device
    assert report["weights_replicated"] is True
    # the same computation up to float32 rounding: the two devices' gradients are summed in
    # another order (6e-5 on an AMD EPYC without AVX-512, under 1e-5 with it); a bug such as
    # gradients not averaged over the devices differs by orders of magnitude more
    np.testing.assert_allclose(report["data_parallel_losses"], report["single_device_losses"],
                               atol=1e-4)
    assert report["max_weight_difference"] < 1e-4
    # It trained: three different losses.
    assert len(set(np.round(report["single_device_losses"], 6))) == 3
    if keras.backend.backend() == "jax" and len(keras.distribution.list_devices()) >= 2:
        assert report["in_process"] is True
