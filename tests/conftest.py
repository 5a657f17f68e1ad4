"""Shared test set-up: quiet TensorFlow, headless plots, the `fast` profile.

These variables are set before any kernel or backend starts, so nbval's
notebook kernels inherit them too (the root conftest.py does the same for
``notebooks/``).
"""

import os
import pathlib

import pytest

os.environ.setdefault("COURSE_PROFILE", "fast")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
os.environ.setdefault("MPLBACKEND", "Agg")  # tests/ only; see root conftest.py

SHARED_DATA = os.environ.get("COURSE_DATA_DIR")


@pytest.fixture
def real_data_dir() -> pathlib.Path:
    """The folder of real MNIST / Fashion-MNIST files (``$COURSE_DATA_DIR``)."""
    if not SHARED_DATA or not (pathlib.Path(SHARED_DATA) / "mnist.npz").is_file():
        pytest.skip("needs real MNIST: set COURSE_DATA_DIR to a folder with mnist.npz")
    return pathlib.Path(SHARED_DATA)


@pytest.fixture
def isolated_data(tmp_path, monkeypatch) -> pathlib.Path:
    """Empty data folder and Keras cache, downloads switched off: a machine with no data."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    monkeypatch.setenv("COURSE_DATA_DIR", str(data_dir))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))
    monkeypatch.setenv("COURSE_OFFLINE", "1")
    return data_dir
