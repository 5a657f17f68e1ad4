"""The cost of the test suite: ``python -m pytest -n 2`` from the repo root, profile ``fast``.

Records the wall time of the whole command (target: under 15 minutes on 2 cores),
its pass / fail counts, and the time of each notebook under nbval. Per-notebook
times are the sums of the notebook's cell times in the same run (from
``--junitxml``; the kernel start is not included). With
``SUITE_NOTEBOOKS_SEPARATELY=1`` each notebook is also run on its own
(``python -m pytest notebooks/<file>``, kernel start and imports included).
"""

from __future__ import annotations

import collections
import os
import pathlib
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from typing import Any, Callable

from benchmarks import harness

from benchmarks.backends import parse_pytest_counts

ROOT = harness.ROOT
TARGET_SECONDS = 15 * 60


def _env() -> dict[str, str]:
    env = harness.environment(os.environ, COURSE_PROFILE="fast")
    env.pop("KERAS_BACKEND", None)
    return env


def seconds_per_file(junit_xml: pathlib.Path) -> dict[str, float]:
    """Sum of test-case times per file in a JUnit XML report."""
    per_file: dict[str, float] = collections.defaultdict(float)
    for case in ET.parse(junit_xml).getroot().iter("testcase"):
        name = case.get("file") or case.get("classname", "?")
        if ".ipynb" in name:
            name = name[: name.index(".ipynb") + len(".ipynb")]
            name = name if "/" in name else name.replace(".", "/", name.count(".") - 1)
        per_file[name] += float(case.get("time", 0.0))
    return dict(per_file)


def run(record: Callable[..., Any]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        junit = pathlib.Path(tmp) / "suite.xml"
        before = harness.load_average()
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "pytest", "-n", "2", "-q",
                               f"--junitxml={junit}"], cwd=ROOT, env=_env(),
                              capture_output=True, text=True)
        seconds = time.perf_counter() - start
        load = max(before, harness.load_average())
        output = proc.stdout + proc.stderr
        counts = parse_pytest_counts(output)
        print("    " + "\n    ".join(output.strip().splitlines()[-15:]))
        failures = [ln.split(" - ")[0] for ln in output.splitlines()
                    if ln.startswith(("FAILED", "ERROR"))]
        record("suite_seconds", round(seconds, 1), "s", command="python -m pytest -n 2",
               profile="fast", load_average_1min=load, returncode=proc.returncode,
               target_met=seconds <= TARGET_SECONDS, target_seconds=TARGET_SECONDS, **counts,
               failures=failures[:30])
        record("suite_failed", counts["failed"] + counts["errors"], "tests", load_average_1min=load)
        per_file = seconds_per_file(junit) if junit.exists() else {}
    for name, secs in sorted(per_file.items()):
        if name.endswith(".ipynb"):
            record(f"notebook_seconds:{pathlib.Path(name).name}", round(secs, 1), "s",
                   profile="fast", how="sum of nbval cell times in the suite run",
                   load_average_1min=load)
    slowest = sorted(((s, n) for n, s in per_file.items() if not n.endswith(".ipynb")),
                     reverse=True)[:5]
    for secs, name in slowest:
        print(f"    {secs:7.1f} s  {name}")
    if os.environ.get("SUITE_NOTEBOOKS_SEPARATELY") == "1":
        for notebook in sorted((ROOT / "notebooks").glob("*.ipynb")):
            before = harness.load_average()
            start = time.perf_counter()
            proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                                   str(notebook.relative_to(ROOT))], cwd=ROOT, env=_env(),
                                  capture_output=True, text=True)
            record(f"notebook_alone_seconds:{notebook.name}",
                   round(time.perf_counter() - start, 1), "s", profile="fast",
                   returncode=proc.returncode, load_average_1min=max(before, harness.load_average()),
                   how="python -m pytest notebooks/<file> alone, kernel start included")
