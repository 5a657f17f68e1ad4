"""course_utils.results: training runs recorded under $COURSE_RESULTS_DIR and read back."""

import json

import pytest

from course_utils import data, results, training, zoo


@pytest.fixture(scope="module")
def digits():
    return data.load("digits", validation_split=0.2, seed=0)  # embedded: no download


def test_fit_and_evaluate_records_a_run_only_when_asked(digits, tmp_path, monkeypatch):
    monkeypatch.delenv(results.RESULTS_DIR_ENV, raising=False)
    training.fit_and_evaluate("lenet300", digits, epochs=1)
    assert not (tmp_path / results.RUNS_FILE).exists()

    monkeypatch.setenv(results.RESULTS_DIR_ENV, str(tmp_path))
    network = zoo.lenet300(input_shape=digits.x_train.shape[1:], num_classes=10)
    run = training.fit_and_evaluate(network, digits, epochs=1, seed=2)
    rows = [json.loads(line) for line in (tmp_path / results.RUNS_FILE).read_text().splitlines()]
    assert len(rows) == 1
    row = rows[0]
    assert row["network"] == "lenet300" and row["params"] == network.count_params()
    # lenet300 on 8x8x1: 64*300 + 300*100 + 100*10 multiply-accumulates
    assert row["macs"] == 64 * 300 + 300 * 100 + 100 * 10
    assert row["train_images"] == len(digits.x_train) and row["val_images"] == len(digits.x_val)
    assert row["val_accuracy"] == pytest.approx(run.val_accuracy)
    assert row["test_accuracy"] == pytest.approx(run.test_accuracy)
    assert row["seed"] == 2 and row["epochs"] == 1 and row["dataset"] == "digits"


def _row(lesson, network, execution, val, train_images=1000, dataset="cifar10", profile="cpu"):
    return {"benchmark": "lessons_cpu", "metric": results.RUN_METRIC, "lesson": lesson,
            "execution": execution, "network": network, "val_accuracy": val,
            "train_images": train_images, "params": 10, "macs": 100, "dataset": dataset,
            "profile": profile}


def test_recorded_runs_keep_the_latest_execution_and_the_best_run(tmp_path):
    path = tmp_path / "results.jsonl"
    rows = [_row("07", "alexnet", "2026-01-01T00:00:00", 0.30),
            _row("07", "alexnet", "2026-02-01T00:00:00", 0.40),      # later execution wins
            _row("07", "alexnet", "2026-02-01T00:00:00", 0.45),      # its best run
            _row("07", "alexnet", "2026-02-01T00:00:00", 0.90, train_images=100),  # a subset
            _row("08", "vgg11", "2026-01-01T00:00:00", 0.50),
            _row("08", "vgg11", "2026-01-01T00:00:00", 0.99, dataset="mnist"),
            _row("09", "nin", "2026-01-01T00:00:00", 0.60, profile="fast"),
            {"benchmark": "lessons_cpu", "metric": "07 cpu profile wall time", "value": 1.0}]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    runs = results.recorded_runs(path=path)
    assert [(r["lesson"], r["val_accuracy"]) for r in runs] == [
        ("07", 0.40), ("07", 0.45), ("07", 0.90), ("08", 0.50)]
    best = results.best_per_network(runs)
    assert [(r["lesson"], r["network"], r["val_accuracy"]) for r in best] == [
        ("07", "alexnet", 0.45), ("08", "vgg11", 0.50)]
    assert [r["lesson"] for r in results.recorded_runs(path=path, lessons=["8"])] == ["08"]
    assert results.recorded_runs(path=path, profile="fast")[0]["network"] == "nin"


def test_recorded_runs_without_a_file_says_where_they_come_from(tmp_path):
    with pytest.raises(FileNotFoundError, match="lessons_cpu"):
        results.recorded_runs(path=tmp_path / "missing.jsonl")


def test_the_committed_record_has_the_lessons_networks():
    """benchmarks/results.jsonl carries the cpu-profile runs lesson 14 plots."""
    runs = results.best_per_network(results.recorded_runs(profile="cpu"))
    lessons = {r["lesson"] for r in runs}
    assert {"07", "08", "09", "10", "11", "12", "13"} <= lessons
    for r in runs:
        assert r["params"] > 0 and r["macs"] > 0 and 0 <= r["val_accuracy"] <= 1


def test_the_shipped_snapshot_equals_the_benchmark_record(tmp_path):
    """The package's records/lesson_runs.jsonl is write_snapshot of benchmarks/results.jsonl."""
    import pathlib

    source = pathlib.Path(__file__).resolve().parent.parent / "benchmarks" / "results.jsonl"
    fresh = tmp_path / "snapshot.jsonl"
    assert results.write_snapshot(source, fresh) > 100
    assert fresh.read_text() == results.RECORDED_RESULTS.read_text(), (
        "run results.write_snapshot('benchmarks/results.jsonl') after recording lesson runs")
    assert "benchmarks" not in str(results.RECORDED_RESULTS)
