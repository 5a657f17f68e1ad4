"""Profiles, seeding and the environment report."""

import numpy as np
import pytest

from course_utils import config, doctor


def test_profile_from_environment(monkeypatch):
    monkeypatch.setenv("COURSE_PROFILE", "cpu")
    assert config.profile_name() == "cpu"
    prof = config.get_profile()
    assert prof.name == "cpu" and prof.train_size is None and prof.epochs >= 1
    monkeypatch.setenv("COURSE_PROFILE", "FAST")
    assert config.get_profile().train_size == 2000


def test_profile_autodetect_without_gpu(monkeypatch):
    monkeypatch.delenv("COURSE_PROFILE", raising=False)
    monkeypatch.setattr(config, "gpu_available", lambda: False)
    assert config.profile_name() == "cpu"
    monkeypatch.setattr(config, "gpu_available", lambda: True)
    assert config.profile_name() == "gpu"


def test_use_profile_runs_eagerly_only_in_fast_on_tensorflow():
    # fast: Keras's steps run eagerly (no graph traced per model); cpu and gpu: compiled
    if config.backend_name() != "tensorflow":
        assert config.use_profile("fast").name == "fast"      # JAX keeps jit: nothing changes
        return
    import tensorflow as tf

    before = tf.config.functions_run_eagerly()
    try:
        assert config.use_profile("fast").name == "fast"
        assert tf.config.functions_run_eagerly() is True
        assert config.use_profile("cpu").name == "cpu"
        assert tf.config.functions_run_eagerly() is False
        with pytest.raises(ValueError, match="unknown profile 'turbo'"):
            config.use_profile("turbo")
    finally:
        tf.config.run_functions_eagerly(before)


def test_bad_profile_names_received_value(monkeypatch):
    monkeypatch.setenv("COURSE_PROFILE", "turbo")
    with pytest.raises(ValueError, match="COURSE_PROFILE='turbo' is not a profile"):
        config.profile_name()
    with pytest.raises(ValueError, match="unknown profile 'turbo'"):
        config.get_profile("turbo")


def test_pick(monkeypatch):
    monkeypatch.setenv("COURSE_PROFILE", "gpu")
    assert config.pick(fast=1, cpu=3, gpu=20) == 20
    assert config.pick(fast=1, cpu=3) == 3  # gpu falls back to cpu
    monkeypatch.setenv("COURSE_PROFILE", "fast")
    assert config.pick(fast=1, cpu=3) == 1
    with pytest.raises(ValueError, match="no value for profile 'fast'"):
        config.pick(cpu=3)
    with pytest.raises(ValueError, match="unknown profiles"):
        config.pick(fast=1, laptop=2)
    assert config.get_profile("gpu").pick(fast=1, gpu=9) == 9


def test_set_seed_makes_numpy_and_keras_repeatable():
    import keras

    config.set_seed(7)
    a = (np.random.rand(3), keras.ops.convert_to_numpy(keras.random.normal((3,))))
    config.set_seed(7)
    b = (np.random.rand(3), keras.ops.convert_to_numpy(keras.random.normal((3,))))
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    with pytest.raises(ValueError, match="non-negative integer, got -1"):
        config.set_seed(-1)


def test_environment_report(monkeypatch, isolated_data):
    report = doctor.environment_report()
    assert report["backend"] in {"tensorflow", "jax", "torch"}
    assert report["keras"].startswith("3.")
    assert report["data_dir"] == str(isolated_data)
    assert report["datasets"]["mnist"] is None
    text = doctor.format_report(report)
    assert "backend" in text and "cifar10" in text and "not found" in text


def test_backend_name_is_what_keras_resolved():
    import keras

    assert config.backend_name() == keras.backend.backend()


def test_gpu_probe_runs_once_per_backend(monkeypatch):
    calls = []
    config._gpu_probe.cache_clear()
    monkeypatch.setattr(config, "backend_name", lambda: "tensorflow")
    original = config._gpu_probe.__wrapped__

    @config.functools.lru_cache(maxsize=None)
    def counting(backend):
        calls.append(backend)
        return original(backend)

    monkeypatch.setattr(config, "_gpu_probe", counting)
    monkeypatch.delenv("COURSE_PROFILE", raising=False)
    for _ in range(5):
        config.pick(fast=1, cpu=2, gpu=3)
    assert calls == ["tensorflow"]


def test_doctor_advice_names_the_missing_backend(monkeypatch):
    # A backend that is asked for but not installed gets advice for that backend.
    import subprocess
    import sys

    env = {**__import__("os").environ, "KERAS_BACKEND": "nonexistent_backend"}
    done = subprocess.run([sys.executable, "-m", "course_utils.cli", "doctor"],
                          capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 1
    assert "[FAIL] Keras runs on nonexistent_backend" in done.stdout
    assert "tensorflow-cpu" not in done.stdout


def test_one_rule_for_profile_names(monkeypatch):
    # the variable and --profile both ignore case; both refuse other names the same way
    monkeypatch.setattr(config, "gpu_available", lambda: True)
    monkeypatch.setenv("COURSE_PROFILE", " FAST ")
    assert config.profile_name() == "fast"
    assert config.normalize_profile("Cpu", "--profile") == "cpu"
    with pytest.raises(ValueError, match=r"--profile='turbo' is not a profile"):
        config.normalize_profile("turbo", "--profile")


def test_gpu_profile_without_a_gpu_warns(monkeypatch):
    config._warn_gpu_without_gpu.cache_clear()
    monkeypatch.setattr(config, "gpu_available", lambda: False)
    monkeypatch.setenv("COURSE_PROFILE", "GPU")
    with pytest.warns(RuntimeWarning, match="sees no GPU"):
        assert config.profile_name() == "gpu"
    config._warn_gpu_without_gpu.cache_clear()


def test_cli_profile_accepts_any_case(tmp_path):
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "course_utils.cli", "run", "01", "--profile",
                           "TURBO"], capture_output=True, text=True)
    assert done.returncode == 1 and "--profile='TURBO' is not a profile" in done.stderr
