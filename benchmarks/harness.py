"""Run benchmarks and record their figures in ``benchmarks/results.jsonl``."""

from __future__ import annotations

import datetime as _dt
import importlib
import json
import os
import pathlib
import platform
import subprocess
import sys
from typing import Any, Callable

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results.jsonl"
# The development machines keep real datasets beside the clone; users set COURSE_DATA_DIR.
DEFAULT_DATA_DIR = ROOT.parent / "shared" / "datasets"
LOAD_KEY = "load_average_1min"
_NOT_BENCHMARKS = {"__init__", "__main__", "harness", "report", "common"}


def list_benchmarks() -> list[str]:
    """Names of the benchmark modules in this folder, sorted."""
    return sorted(p.stem for p in HERE.glob("*.py") if p.stem not in _NOT_BENCHMARKS)


def load_average() -> float:
    """One-minute load average of this machine (other processes slow the timings)."""
    return round(os.getloadavg()[0], 2)


def environment(env: dict[str, str] | None = None, **overrides: str) -> dict[str, str]:
    """The environment a benchmark (or its child process) runs in.

    ``COURSE_DATA_DIR`` defaults to ``../shared/datasets`` beside the clone, TensorFlow's
    C++ logs are quiet; ``overrides`` are applied last. Without ``env`` this updates
    and returns ``os.environ`` (for in-process benchmarks); with it, a new dict.
    """
    target = os.environ if env is None else dict(env)
    target.setdefault("COURSE_DATA_DIR", str(DEFAULT_DATA_DIR))
    target.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    target.update(overrides)
    return target


def _cpu_model() -> str:
    try:
        for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _gpu_name() -> str | None:
    try:
        out = subprocess.run(["nvidia-smi", "--query-gpu=name", "--format=csv,noheader"],
                             capture_output=True, text=True, timeout=10)
        return out.stdout.strip() or None if out.returncode == 0 else None
    except (OSError, subprocess.SubprocessError):
        return None


def machine_description() -> dict[str, Any]:
    """CPU model, cores, GPU (if any), Python/NumPy/Keras/backend versions, date."""
    import numpy as np

    desc: dict[str, Any] = {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "gpu": _gpu_name(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "date": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    try:
        import keras

        desc["keras"] = keras.__version__
        backend = keras.backend.backend()
        desc["backend_version"] = importlib.import_module(backend).__version__
    except Exception:  # the description must never stop a benchmark
        pass
    return desc


def make_recorder(benchmark: str, results: pathlib.Path = RESULTS) -> Callable[..., dict]:
    """Return ``record(metric, value, unit, **extra)`` bound to ``benchmark``.

    Every row gets the backend, the machine and the 1-minute load average
    (``load_average_1min``; a benchmark passes its own when it measured the load
    over its run).
    """
    machine = machine_description()
    backend = os.environ.get("KERAS_BACKEND", "tensorflow")

    def _portable(text: str) -> str:
        """Machine paths out of recorded text: the data folder relative, the home as ~."""
        data_dir = os.environ.get("COURSE_DATA_DIR")
        if data_dir:
            text = text.replace(os.path.abspath(data_dir), "../shared/datasets")
        return text.replace(os.path.expanduser("~"), "~")

    def record(metric: str, value: float, unit: str, **extra: Any) -> dict:
        """Append one figure; the load average is added unless ``extra`` gives it."""
        extra.setdefault(LOAD_KEY, load_average())
        row = {"benchmark": benchmark, "metric": metric, "value": value, "unit": unit,
               "backend": backend, **json.loads(_portable(json.dumps(extra))), "machine": machine}
        shown = "-" if value is None else f"{value:.4g}"
        print(f"  {benchmark:<22} {metric:<48} {shown:>12} {unit}", flush=True)
        with open(results, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(row) + "\n")
        return row

    return record


def run(name: str) -> None:
    """Import ``benchmarks.<name>`` and call its ``run(record)``."""
    if name not in list_benchmarks():
        raise SystemExit(f"unknown benchmark {name!r}; available: {', '.join(list_benchmarks())}")
    module = importlib.import_module(f"benchmarks.{name}")
    print(f"== {name}", flush=True)
    module.run(make_recorder(name))


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in {"-h", "--help"}:
        print("usage: python -m benchmarks NAME [NAME ...] | all | list")
        print("benchmarks:", ", ".join(list_benchmarks()))
        return 0
    if argv == ["list"]:
        print("\n".join(list_benchmarks()))
        return 0
    names = list_benchmarks() if argv == ["all"] else argv
    for name in names:
        run(name)
    return 0
