"""course_utils.train (and its older name training): controlled runs on real digits."""

import keras
import numpy as np
import pytest

from course_utils import augment, data, training, zoo


@pytest.fixture(scope="module")
def digits():
    return data.load("digits", validation_split=0.2, seed=0)  # embedded: no download


def test_fit_and_evaluate_reaches_a_real_accuracy(digits):
    run = training.fit_and_evaluate("lenet300", digits, epochs=8, batch_size=64,
                                    learning_rate=3e-3)
    assert run.model.input.dtype == "uint8"
    assert run.val_accuracy > 0.85 and run.test_accuracy > 0.85   # 8x8 digits, 1,150 images
    assert run.test_error == pytest.approx(100 * (1 - run.test_accuracy))
    assert len(run.history["loss"]) == 8 and run.history["loss"][-1] < run.history["loss"][0]
    assert run.settings["optimizer"] == "adam" and run.settings["schedule"] == "one_cycle"


def test_same_seed_same_run(digits):
    a = training.fit_and_evaluate("lenet300", digits, epochs=1, seed=3)
    b = training.fit_and_evaluate("lenet300", digits, epochs=1, seed=3)
    assert a.history["loss"] == pytest.approx(b.history["loss"], rel=1e-5)


def test_compare_optimisers_with_label_smoothing_and_augmentation(digits, capsys):
    runs = training.compare(
        {"sgd": {"network": "lenet300", "optimizer": "nesterov", "learning_rate": 0.05},
         "adam": {"network": "lenet300", "optimizer": "adam", "learning_rate": 3e-3}},
        digits, seeds=(0, 1), epochs=2, label_smoothing=0.1,
        augmentation=augment.flip_translate(image_size=8, shift=1))
    assert set(runs) == {"sgd", "adam"} and all(len(r) == 2 for r in runs.values())
    out = capsys.readouterr().out
    assert "validation" in out and "± " in out and "(2 seeds)" in out
    assert runs["adam"][0].settings["augmentation"] == "flip_translate"


def test_schedules_and_errors():
    assert training.make_schedule("constant", 0.1, 10) == 0.1
    one_cycle = training.make_schedule("one_cycle", 0.1, 100)
    assert float(one_cycle(10)) == pytest.approx(0.1, rel=1e-4)
    linear = training.make_schedule("warmup_linear", 0.1, 100, warmup_fraction=0.2)
    assert float(linear(100)) == pytest.approx(0.0, abs=1e-7)
    step = training.make_schedule("step", 0.1, 90)
    assert float(step(59)) == pytest.approx(0.1) and float(step(61)) == pytest.approx(0.01)
    multistep = training.make_schedule("multistep", 0.1, 64_000)  # He et al.: 32k and 48k of 64k
    assert [float(multistep(s)) for s in (31_999, 32_001, 47_999, 48_001)] == pytest.approx(
        [0.1, 0.01, 0.01, 0.001])
    cosine = training.make_schedule("cosine", 0.1, 100)
    assert float(cosine(50)) == pytest.approx(0.05, rel=1e-4)
    assert isinstance(training.make_optimizer("nesterov", 0.1), keras.optimizers.SGD)
    with pytest.raises(ValueError, match="optimizer must be one of"):
        training.make_optimizer("lion", 0.1)
    with pytest.raises(ValueError, match="schedule must be one of"):
        training.make_schedule("cosine_restarts", 0.1, 10)
    assert training.mean_and_spread([0.9, 0.92]) == "91.00% ± 1.00"
    assert training.mean_and_spread([0.5]) == "50.00%"


def test_difference_is_established_only_beyond_both_spreads():
    # 0.60 +- 0.01 against 0.50 +- 0.02: 10 points apart, spreads 3 points together
    d = training.difference([0.59, 0.61], [0.48, 0.52])
    assert d.points == pytest.approx(10.0) and d.established is True
    assert d.text == "+10.00 points (established)"
    # 0.51 +- 0.01 against 0.50 +- 0.02: 1 point apart, inside the spreads
    d = training.difference([0.50, 0.52], [0.48, 0.52])
    assert d.points == pytest.approx(1.0) and d.established is False and "not established" in d.text
    d = training.difference([0.55], [0.48, 0.52])
    assert d.established is None and d.text == "+5.00 points (one seed)"
    assert training.difference([2.0, 2.2], [1.0, 1.0], percent=False).text == "+1.10 (established)"
    with pytest.raises(ValueError, match="at least one score"):
        training.difference([], [0.5])


def test_set_bn_momentum_reaches_nested_networks():
    net = zoo.get_model("resnet20")
    wrapped = training.with_uint8_input(net, (32, 32, 3))
    assert training.set_bn_momentum(wrapped, 0.8) is wrapped
    momenta = {layer.momentum for layer in net.layers if isinstance(layer, keras.layers.BatchNormalization)}
    assert momenta == {0.8}
    with pytest.raises(ValueError, match="momentum must be in"):
        training.set_bn_momentum(net, 1.0)


def test_latency_and_step_time_are_measured_and_checked():
    from course_utils import timing

    model = keras.Sequential([keras.Input((8, 8, 3)), keras.layers.Conv2D(4, 3),
                              keras.layers.GlobalAveragePooling2D(), keras.layers.Dense(2)])
    x = np.zeros((4, 8, 8, 3), "float32")
    assert 0 < timing.latency(model, x, repeats=3, warmup=1) < 5
    with pytest.raises(ValueError, match="not compiled"):
        timing.train_step_time(model, x, np.zeros(4, int))
    model.compile(optimizer="sgd", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    before = [w.copy() for w in model.get_weights()]
    assert 0 < timing.train_step_time(model, x + 1, np.ones(4, int), repeats=2, warmup=1) < 5
    assert any(not np.allclose(a, b) for a, b in zip(before, model.get_weights()))  # it trained
    with pytest.raises(ValueError, match="repeats"):
        timing.latency(model, x, repeats=0)
    with pytest.raises(TypeError, match="keras.Model"):
        timing.latency(lambda a: a, x)


def test_integer_data_other_than_uint8_is_refused():
    """int16 waveforms behind the uint8 input would wrap silently: refused with a clear message."""
    import dataclasses

    from course_utils import data, training

    ds = data.load("digits")
    audio_like = dataclasses.replace(ds, name="waves", x_train=ds.x_train.astype("int16"))
    with pytest.raises(TypeError, match="waves holds int16 data, which that input would wrap"):
        training.fit_and_evaluate("linear_classifier", audio_like, epochs=1)


def test_seeds_are_an_argument_and_one_result_type_reports_the_spread(digits):
    run = training.fit_and_evaluate("lenet300", digits, epochs=1, seeds=(0, 1))
    assert len(run) == 2 and run.seeds == [0, 1] and run.settings["seeds"] == [0, 1]
    assert run.val_accuracy == pytest.approx(np.mean(run.val_accuracies))
    assert [r.val_accuracy for r in run] == pytest.approx(run.val_accuracies)
    assert run[1].model is run.models[1] and run[0].model is not run[1].model
    assert run[1].settings["seed"] == 1 and run[-1].seeds == [1] and "seeds" not in run[1].settings
    with pytest.raises(IndexError, match="seed position 2 out of range for 2"):
        run[2]
    assert "± " in run.summary() and "(2 seeds)" in run.summary()
    # the same seed alone gives the same run as inside the pair
    alone = training.fit_and_evaluate("lenet300", digits, epochs=1, seed=1)
    assert alone.history["loss"] == pytest.approx(run[1].history["loss"], rel=1e-5)
    # a built model cannot start afresh per seed: a builder function can
    net = zoo.lenet300(input_shape=(8, 8, 1), num_classes=10)
    with pytest.raises(ValueError, match="several seeds, pass a zoo name or a function"):
        training.fit_and_evaluate(net, digits, epochs=1, seeds=(0, 1))
    built = training.fit_and_evaluate(lambda: zoo.lenet300(input_shape=(8, 8, 1), num_classes=10),
                                      digits, epochs=1, seeds=(0, 1))
    assert len(built) == 2


def test_recording_is_an_argument(digits, tmp_path, monkeypatch):
    from course_utils import results

    monkeypatch.delenv(results.RESULTS_DIR_ENV, raising=False)
    training.fit_and_evaluate("lenet300", digits, epochs=1, seeds=(0, 1), record=tmp_path)
    rows = (tmp_path / results.RUNS_FILE).read_text().splitlines()
    assert len(rows) == 2                                  # one line per seed
    monkeypatch.setenv(results.RESULTS_DIR_ENV, str(tmp_path))
    training.fit_and_evaluate("lenet300", digits, epochs=1, record=False)
    assert len((tmp_path / results.RUNS_FILE).read_text().splitlines()) == 2


def test_one_package_one_set_of_defaults_and_no_import_loop():
    import subprocess
    import sys

    from course_utils import recipes, schedules, timing, train

    # the older names are the same objects
    assert training.fit_and_evaluate is train.fit_and_evaluate
    assert schedules.one_cycle is train.one_cycle and recipes.Recipe is train.Recipe
    assert timing.StopAtAccuracy is train.StopAtAccuracy
    # one_cycle's defaults are the same whether a lesson or fit_and_evaluate builds it
    direct, named = train.one_cycle(0.1, 100), train.make_schedule("one_cycle", 0.1, 100)
    assert [float(direct(s)) for s in (0, 5, 10, 50)] == pytest.approx(
        [float(named(s)) for s in (0, 5, 10, 50)])
    # fitting pulls in neither the recipes nor the zoo
    code = ("import sys, course_utils.train.fit; "
            "print(sorted(m for m in sys.modules if m.startswith('course_utils.')))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True).stdout
    assert "course_utils.train.recipes" not in loaded and "course_utils.zoo" not in loaded


def test_the_uint8_stem_is_written_once():
    import pathlib

    import course_utils

    root = pathlib.Path(course_utils.__file__).parent
    writers = [p.relative_to(root).as_posix() for p in root.rglob("*.py")
               if "Rescaling(1 / 255" in p.read_text()]
    assert writers == ["train/inputs.py"]
