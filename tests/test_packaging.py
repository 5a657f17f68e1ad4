"""The packaging files agree with each other and the repository stays clean."""

import os
import pathlib
import re
import subprocess
import sys
import tomllib

ROOT = pathlib.Path(__file__).resolve().parent.parent


def _normalise(requirement: str) -> str:
    return re.sub(r"\s+", "", requirement).lower()


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = {_normalise(r) for r in project["dependencies"] + project["optional-dependencies"]["dev"]}
    lines = (ROOT / "environment.yml").read_text().splitlines()
    start = lines.index("  - pip:")
    pip_section = {_normalise(line.strip()[2:]) for line in lines[start + 1:]
                   if line.strip().startswith("- ") and line.strip() != "- -e ."}
    assert pip_section == wanted, (
        f"only in environment.yml: {sorted(pip_section - wanted)}; "
        f"only in pyproject.toml: {sorted(wanted - pip_section)}")
    python = re.search(r"- python(\S*)", (ROOT / "environment.yml").read_text()).group(1)
    assert python == project["requires-python"] == ">=3.11"  # the same Python range in both


def test_console_script_is_declared():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["scripts"]["course"] == "course_utils.cli:main"


def test_import_has_no_side_effects():
    code = ("import sys, course_utils; "
            "print(sorted(m for m in ('keras', 'tensorflow', 'jax', 'matplotlib') if m in sys.modules))")
    out = subprocess.run(["python", "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]", out.stdout
    assert out.stderr == ""


def test_every_submodule_is_listed_and_imports():
    import importlib

    import course_utils

    on_disk = {p.stem if p.is_file() else p.name
               for p in (ROOT / "course_utils").iterdir()
               if not p.name.startswith("_") and (p.suffix == ".py" or (p / "__init__.py").exists())}
    assert set(course_utils._SUBMODULES) == on_disk
    for name in course_utils._SUBMODULES:
        assert getattr(course_utils, name) is importlib.import_module(f"course_utils.{name}")


def test_notebooks_committed_without_outputs():
    # Only cells pinned for nbval (NBVAL_CHECK_OUTPUT, marked keep_output) may keep outputs.
    notebooks = sorted((ROOT / "notebooks").glob("*.ipynb")) + sorted((ROOT / "assignments").rglob("source/**/*.ipynb"))
    assert notebooks
    result = subprocess.run(["nbstripout", "--keep-count", "--verify", *map(str, notebooks)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_tensorflow_start_up_notices_stay_off_stderr():
    # course_utils imported first: TensorFlow's C++ notices are filtered, nothing else printed
    code = "import course_utils; from course_utils import zoo; import keras; keras.ops.ones(2)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                          env={k: v for k, v in os.environ.items() if k != "TF_ENABLE_ONEDNN_OPTS"})
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""


def test_filtered_stderr_keeps_everything_but_the_notices(capfd):
    from course_utils import _quiet

    with _quiet.filtered_stderr():
        os.write(2, b"I0000 port.cc:153] oneDNN custom operations are on. Blah\n")
        os.write(2, b"a real warning\n")
    assert capfd.readouterr().err == "a real warning\n"


def test_retracing_hint_is_dropped_and_other_warnings_kept(caplog):
    import logging

    from course_utils import _quiet

    _quiet.quiet_tensorflow_logger()
    _quiet.quiet_tensorflow_logger()  # idempotent
    logger = logging.getLogger("tensorflow")
    assert sum(isinstance(f, _quiet.RetracingFilter) for f in logger.filters) == 1
    with caplog.at_level(logging.WARNING, logger="tensorflow"):
        logger.warning("5 out of the last 15 calls to <function f at 0x7f> triggered tf.function "
                       "retracing. Tracing is expensive")
        logger.warning("a real TensorFlow warning")
    assert [r.getMessage() for r in caplog.records] == ["a real TensorFlow warning"]


def _notebook_definitions(path: pathlib.Path) -> set[str]:
    """Top-level functions and classes a notebook's code cells define."""
    import ast
    import json

    names = set()
    for cell in json.loads(path.read_text())["cells"]:
        if cell["cell_type"] != "code":
            continue
        source = "\n".join(line for line in "".join(cell["source"]).splitlines()
                           if not line.lstrip().startswith(("%", "!")))
        names |= {node.name for node in ast.parse(source).body
                  if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}
    return names


def test_no_helper_is_defined_in_two_notebooks():
    # A helper two lessons need lives in course_utils, with a test (STYLE.md).
    seen: dict[str, list[str]] = {}
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        for name in _notebook_definitions(path):
            seen.setdefault(name, []).append(path.stem[:2])
    twice = {name: lessons for name, lessons in seen.items() if len(lessons) > 1}
    assert not twice, f"helpers defined in several lessons (move them to course_utils): {twice}"


def test_the_duplicate_helper_check_can_fail(tmp_path):
    nb = {"cells": [{"cell_type": "code", "source": ["def train(x):\n", "    return x\n"]},
                    {"cell_type": "markdown", "source": ["def not_code(): pass"]}]}
    path = tmp_path / "99_x.ipynb"
    path.write_text(__import__("json").dumps(nb))
    assert _notebook_definitions(path) == {"train"}


def test_a_built_wheel_runs_a_lesson_outside_the_clone(tmp_path):
    """The ordinary install (a wheel, not editable, as on Colab) from a folder with no clone.

    The venv sees the machine's packages (TensorFlow, Keras, ...) so that nothing is
    downloaded; the course itself comes from the wheel alone. ``course run`` runs lesson 01
    there; then every data file a lesson reads from the package is read from the wheel's
    copy: the recorded lesson runs (lesson 14), the ImageNet class names (lesson 16), the
    ResNet-20 checkpoint (lessons 11 and 17), the dataset manifests, and lesson 14's
    data-parallel check, which starts a JAX subprocess of the package.
    """
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(wheels), str(ROOT)], check=True, timeout=600)
    (wheel,) = wheels.glob("course_utils-*.whl")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", str(wheel)],
                   check=True, timeout=600)
    outside = tmp_path / "my-course"
    outside.mkdir()
    (outside / "01_images_as_tensors.ipynb").write_bytes(
        (ROOT / "notebooks" / "01_images_as_tensors.ipynb").read_bytes())
    env = {k: v for k, v in os.environ.items() if k not in ("COURSE_NOTEBOOK_DIR", "PYTHONPATH")}
    env.update(COURSE_PROFILE="fast", PATH=f"{venv / 'bin'}:{env['PATH']}")
    where = subprocess.run([str(python), "-c", "import course_utils; print(course_utils.__file__)"],
                           cwd=outside, env=env, capture_output=True, text=True, check=True)
    assert str(venv) in where.stdout, where.stdout            # the wheel's copy, not the clone
    done = subprocess.run([str(venv / "bin" / "course"), "run", "01_images_as_tensors.ipynb",
                           "--quiet", "--output-dir", str(outside / "build")],
                          cwd=outside, env=env, capture_output=True, text=True, timeout=1200)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    assert (outside / "build" / "01_images_as_tensors.ipynb").is_file()
    script = (
        "from course_utils import checkpoints, data, parallel, results, transfer\n"
        "runs = results.recorded_runs(profile='cpu')\n"
        "print('recorded runs:', len(runs))\n"
        "print('imagenet classes:', len(transfer.imagenet_classes()))\n"
        "print('checkpoint:', checkpoints.available(), checkpoints.load('resnet20_cifar10').count_params())\n"
        "print('manifests:', len(data.FILE_DATASETS))\n"
        "if parallel.jax_available():\n"
        "    report = parallel.data_parallel_check(devices=2, global_batch=64, steps=3, seed=0)\n"
        "    import numpy as np\n"
        "    agree = np.allclose(report['single_device_losses'], report['data_parallel_losses'],\n"
        "                        atol=1e-4)\n"
        "    print('data parallel agrees:', agree, report['in_process'])\n"
        "else:\n"
        "    print('data parallel agrees: True (no JAX)')\n")
    done = subprocess.run([str(python), "-c", script], cwd=outside, env=env, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    assert "imagenet classes: 1000" in done.stdout, done.stdout
    assert "checkpoint: ['resnet20_cifar10'] 271098" in done.stdout, done.stdout
    assert "data parallel agrees: True" in done.stdout, done.stdout
    recorded = int(re.search(r"recorded runs: (\d+)", done.stdout).group(1))
    assert recorded > 0, done.stdout
