"""course_utils.grading: right answers pass, common mistakes get their hint."""

from __future__ import annotations

import io
import os
import subprocess
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras
import numpy as np
import pytest

from course_utils import grading
from course_utils.grading import GradingError

LENET_TYPES = ["Conv2D", "MaxPool2D", "Flatten", "Dense"]  # MaxPool2D is an alias


def small_cnn(*, padding="valid", use_bias=True, pooling=keras.layers.MaxPooling2D,
              with_input=False) -> keras.Model:
    """Conv(16, 3x3) -> 2x2 pooling -> Flatten -> Dense(10) on 28x28x1 images."""
    layers = [keras.layers.Conv2D(16, 3, padding=padding, use_bias=use_bias),
              pooling(2), keras.layers.Flatten(), keras.layers.Dense(10)]
    if with_input:
        layers.insert(0, keras.Input((28, 28, 1)))
    return keras.Sequential(layers)


# conv: 3*3*1*16 + 16 = 160; dense: 13*13*16*10 + 10 = 27,050
SMALL_CNN_PARAMS = 27_210
SMALL_CNN_SHAPES = [(26, 26, 16), (13, 13, 16), (2704,), (10,)]


def message_of(check, *args, **kwargs) -> str:
    with pytest.raises(GradingError) as info:
        check(*args, **kwargs)
    return str(info.value)


def test_grading_error_is_an_assertion_error():
    assert issubclass(GradingError, AssertionError)


# --------------------------------------------------------------------------- shapes
def test_check_shape_accepts_right_shapes_and_wildcards():
    assert grading.check_shape(np.zeros((32, 13, 13, 16)), (None, 13, 13, 16)) is None
    assert grading.check_shape((4, 10), (4, 10)) is None


@pytest.mark.parametrize("actual, expected, hint", [
    ((None, 12, 12, 16), (None, 13, 13, 16), "check the padding"),
    ((None, 28, 28, 16), (None, 14, 14, 16), "stride"),
    ((None, 7, 7, 16), (None, 14, 14, 16), "about half"),
    ((None, 13, 13, 8), (None, 13, 13, 16), "number of filters"),
    ((28, 28, 1), (None, 28, 28, 1), "batch axis is missing"),
    ((None, 28, 28), (None, 28, 28, 1), "channel axis is missing"),
    ((None, 16, 13, 13), (None, 13, 13, 16), "looks transposed"),
    ((5, 3), (3, 5), "looks transposed"),
])
def test_check_shape_hints(actual, expected, hint):
    message = message_of(grading.check_shape, actual, expected, name="output")
    assert hint in message
    assert message.startswith("expected output shape (")


def test_check_shape_message_shows_batch_as_n():
    message = message_of(grading.check_shape, np.zeros((32, 12, 12, 16)), (None, 13, 13, 16),
                         name="output")
    assert message.startswith("expected output shape (N, 13, 13, 16), got (N, 12, 12, 16): "
                              "off by -1: check the padding")


# --------------------------------------------------------------------------- arrays
def test_check_array_passes_within_tolerance():
    expected = np.linspace(0, 1, 12).reshape(3, 4)
    assert grading.check_array(expected + 1e-7, expected, rtol=1e-5, atol=1e-6) is None


def test_check_array_reports_errors_and_first_index():
    expected = np.zeros((2, 3))
    actual = expected.copy()
    actual[1, 2] = 0.5
    message = message_of(grading.check_array, actual, expected, name="feature map")
    assert "feature map has wrong values: 1 of 6 differ" in message
    assert "max abs error 0.5" in message
    assert "first mismatch at index (1, 2): got 0.5, expected 0.0" in message


def test_check_array_shape_comes_first():
    message = message_of(grading.check_array, np.zeros((3, 4)), np.zeros((3, 5)))
    assert message.startswith("expected result shape (3, 5), got (3, 4)")


def test_check_array_dtype_category():
    message = message_of(grading.check_array, np.array([1.0, 2.0]), np.array([1, 2]))
    assert "expected result to hold integer values" in message
    assert "astype(int)" in message
    assert grading.check_array(np.array([1.0, 2.0]), np.array([1, 2]), check_dtype=False) is None


def test_check_array_detects_a_transposed_kernel():
    kernel = np.arange(9.0).reshape(3, 3)
    assert "looks transposed" in message_of(grading.check_array, kernel.T, kernel)
    kernels = np.random.default_rng(0).normal(size=(3, 3, 2, 4))  # (kh, kw, C_in, C_out)
    message = message_of(grading.check_array, kernels.transpose(1, 0, 2, 3), kernels)
    assert "looks transposed (axes 0 and 1 swapped)" in message


@pytest.mark.parametrize("mistake, hint", [
    (lambda x: x[::-1, ::-1], "looks flipped"),
    (lambda x: -x, "wrong sign"),
    (lambda x: x / 9, "0.1111 times the expected one"),
    (lambda x: x + 0.5, "off by +0.5 everywhere"),
])
def test_check_array_value_hints(mistake, hint):
    expected = np.array([[1.0, 2.0, 0.0], [4.0, 5.0, 7.0], [0.5, 8.0, 9.0]])
    assert hint in message_of(grading.check_array, mistake(expected), expected)


def test_check_array_accepts_backend_tensors():
    expected = np.ones((2, 2), dtype="float32")
    assert grading.check_array(keras.ops.ones((2, 2)), expected) is None


# --------------------------------------------------------------------------- values
def test_check_value():
    assert grading.check_value(np.float32(0.1) * 3, 0.3, rtol=1e-6) is None
    assert grading.check_value(np.array([26]), 26) is None
    assert "off by one" in message_of(grading.check_value, 25, 26)
    assert message_of(grading.check_value, 144, 160, name="parameters",
                      hints={144: "did you forget the bias?"}) == \
        "expected parameters 160, got 144: did you forget the bias?"
    assert "single value" in message_of(grading.check_value, np.zeros(3), 0.0)
    assert "a number" in message_of(grading.check_value, "26", 26)


@pytest.mark.parametrize("actual, expected, message", [
    (3, 0, "expected value 0, got 3"),                        # no ratio to a 0
    (3, 0.0, "expected value 0.0, got 3"),
    (0, 5, "expected value 5, got 0: is the value computed, or left at an initial 0?"),
    (0, 0.5, "expected value 0.5, got 0: an integer division (//) or int() rounds a "
             "fraction down to 0: use /"),
    (6, 3, "expected value 3, got 6: 2 times the expected value"),
    (-3, 3, "expected value 3, got -3: the sign is wrong"),
    (float("nan"), 3.0, "expected value 3.0, got nan: the value is NaN: look for a division "
                        "by zero or the log of 0"),
    (float("inf"), 3.0, "expected value 3.0, got inf: the value is infinite: look for a "
                        "division by zero or an overflow"),
    (1.0, 1e-320, "expected value 1e-320, got 1.0"),          # the ratio overflows: no hint
])
def test_check_value_hints_around_zero(actual, expected, message):
    # Before: "got 0: 0 times the expected value", and a crash for nan, inf and 1e-320.
    assert message_of(grading.check_value, actual, expected) == message
    assert "0 times" not in message


def test_check_value_accepts_lists_and_tuples_of_numbers():
    assert grading.check_value([1, 2, 3], [1, 2, 3]) is None
    assert grading.check_value((1.0, 2.0), (1, 2)) is None      # like scalars: 2.0 == 2
    assert grading.check_value(np.array([26, 5]), [26, 5]) is None
    assert grading.check_value([0.1 * 3, 1.0], (0.3, 1.0), rtol=1e-9) is None
    assert grading.check_value([[1, 2], [3, 4]], np.array([[1, 2], [3, 4]])) is None
    assert message_of(grading.check_value, [1, 2], [1, 3], name="sizes").startswith(
        "sizes has wrong values: 1 of 2 differ")
    assert message_of(grading.check_value, [1, 2, 3], [1, 2], name="sizes") == \
        "expected sizes to be a list of 2 numbers like [1, 2], got list [1, 2, 3]"


@pytest.mark.parametrize("actual, expected, message", [
    ("1, 2", [1, 2], "expected sizes to be a list of 2 numbers like [1, 2], got str '1, 2'"),
    (None, (1, 2), "expected sizes to be a tuple of 2 numbers like (1, 2), got NoneType None"),
    (3, [1, 2], "expected sizes to be a list of 2 numbers like [1, 2], got int 3"),
    ([1, "2"], [1, 2], "expected sizes to be a list of 2 numbers like [1, 2], "
                       "got list [1, '2'] (item 1 is str '2')"),
    ([True, False], [1, 0], "expected sizes to be a list of 2 numbers like [1, 0], "
                            "got list [True, False] (item 0 is bool True)"),
])
def test_check_value_rejects_lists_of_non_numbers(actual, expected, message):
    assert message_of(grading.check_value, actual, expected, name="sizes") == message


def test_check_value_needs_numbers_in_an_expected_list():
    with pytest.raises(ValueError, match="list, tuple or array of numbers; expected is list"):
        grading.check_value(["relu"], ["relu"])


# --------------------------------------------------------------------------- models
@pytest.mark.parametrize("with_input", [False, True])
def test_check_model_accepts_a_correct_model(with_input):
    model = small_cnn(with_input=with_input)
    assert grading.check_model(model, input_shape=(28, 28, 1), output_shape=(10,),
                               params=SMALL_CNN_PARAMS, layer_types=LENET_TYPES,
                               num_layers=4, output_shapes=SMALL_CNN_SHAPES) is None


def test_check_model_accepts_a_functional_model():
    inputs = keras.Input((28, 28, 1))
    x = keras.layers.Conv2D(16, 3)(inputs)
    x = keras.layers.MaxPooling2D(2)(x)
    x = keras.layers.Flatten()(x)
    model = keras.Model(inputs, keras.layers.Dense(10)(x))
    assert grading.check_model(model, input_shape=(28, 28, 1), output_shape=(10,),
                               params=SMALL_CNN_PARAMS, layer_types=LENET_TYPES,
                               output_shapes=SMALL_CNN_SHAPES) is None
    # the check leaves the graph usable for feature extraction
    features = keras.Model(model.inputs, model.layers[1].output)
    assert tuple(features.output.shape) == (None, 26, 26, 16)


def test_check_model_padding_hint():
    message = message_of(grading.check_model, small_cnn(padding="same"),
                         input_shape=(28, 28, 1), output_shapes=SMALL_CNN_SHAPES)
    assert message.startswith("layer 0 ('")
    assert "expected output shape (N, 26, 26, 16), got (N, 28, 28, 16)" in message
    assert "check the padding" in message


def test_check_model_missing_bias_hint():
    model = small_cnn(use_bias=False)
    message = message_of(grading.check_model, model, input_shape=(28, 28, 1),
                         params=SMALL_CNN_PARAMS)
    assert message.startswith("expected 27,210 parameters, got 27,194")
    assert "did you forget the bias (use_bias)?" in message


def test_check_model_wrong_layer_type():
    model = small_cnn(pooling=keras.layers.AveragePooling2D)
    message = message_of(grading.check_model, model, input_shape=(28, 28, 1),
                         layer_types=LENET_TYPES)
    assert "layer 1 (" in message
    assert "is AveragePooling2D, expected MaxPooling2D" in message


def test_check_model_layer_count_and_input():
    model = small_cnn(with_input=True)
    message = message_of(grading.check_model, model, input_shape=(28, 28, 1), num_layers=5)
    assert message.startswith("expected 5 layers (not counting the Input), got 4")
    message = message_of(grading.check_model, model, input_shape=(32, 32, 3))
    assert "expects inputs of shape (N, 28, 28, 1)" in message
    assert "(N, 32, 32, 3)" in message


def test_check_model_output_units():
    message = message_of(grading.check_model, small_cnn(), input_shape=(28, 28, 1),
                         output_shape=(12,))
    assert "expected output shape (N, 12), got (N, 10)" in message
    assert "number of units" in message


# --------------------------------------------------------------------------- lessons and credit
def test_check_prints_to_stdout_only(capsys):
    kernel = np.eye(3)
    assert grading.check(kernel, kernel) is True
    assert grading.check(kernel + 1, kernel, name="kernel") is False
    assert grading.check(small_cnn(), input_shape=(28, 28, 1), params=SMALL_CNN_PARAMS)
    captured = capsys.readouterr()
    assert captured.err == ""
    lines = captured.out.splitlines()
    assert lines[0] == "✓ correct"
    assert lines[1].startswith("✗ kernel has wrong values")
    assert lines[2] == "✓ correct"
    with pytest.raises(GradingError):
        grading.check(3, 4, raise_error=True)


def test_part_and_points_give_partial_credit(capsys):
    with grading.part(points=2, name="shape") as good:
        grading.check_shape((None, 10), (None, 10))
    with grading.part(points=3) as wrong:
        grading.check_value(1, 2)
    with grading.part(points=1) as crashed:
        raise NameError("name 'answer' is not defined")
    assert (good.earned, wrong.earned, crashed.earned) == (2, 0, 0)
    assert good.passed and not wrong.passed
    assert "off by one" in wrong.message
    assert crashed.message.startswith("NameError")
    assert grading.points(grading.check_value, 4, 26, 26) == 4
    assert grading.points(grading.check_value, 4, 25, 26) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    assert "✓ part 'shape' (2/2 points)" in captured.out
    assert "✗ part (0/3 points): expected value 2, got 1" in captured.out


def test_checker_sums_points(capsys):
    score = grading.Checker()
    with score.part(2, "model"):
        grading.check_model(small_cnn(), input_shape=(28, 28, 1), params=SMALL_CNN_PARAMS)
    with score.part(3, "bias"):
        grading.check_model(small_cnn(use_bias=False), input_shape=(28, 28, 1),
                            params=SMALL_CNN_PARAMS)
    assert score.points(grading.check_array, 0.5, np.ones(2), np.ones(2)) == 0.5
    assert score.earned == 2.5
    assert score.possible == 5.5
    assert [p.passed for p in score.parts] == [True, False, True]
    assert capsys.readouterr().err == ""


# --------------------------------------------------------------------------- autograde guard
@pytest.fixture
def guard(monkeypatch):
    """autograde_guard with a recorded (never applied) memory limit; see fake_streams."""
    from course_utils.grading import autograde

    limits = []
    monkeypatch.setattr(autograde, "_limit_address_space", limits.append)
    monkeypatch.setattr(autograde.sys, "platform", "linux")
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    monkeypatch.delenv("COURSE_GRADING_MEMORY_GIB", raising=False)
    return limits


def fake_streams(monkeypatch) -> None:
    """Own stdout and stderr for the guard to redirect (in the test body: pytest's capture
    replaces the streams between a fixture's setup and the test)."""
    monkeypatch.setattr(sys, "stdout", io.StringIO())
    monkeypatch.setattr(sys, "stderr", io.StringIO())


@pytest.mark.parametrize("execution", [None, "validate", ""])
def test_autograde_guard_does_nothing_while_a_student_works(guard, monkeypatch, execution):
    if execution is not None:
        monkeypatch.setenv("NBGRADER_EXECUTION", execution)
    fake_streams(monkeypatch)
    stderr = sys.stderr
    assert grading.autograde_guard() is False
    assert sys.stderr is stderr
    assert guard == []


@pytest.mark.parametrize("memory_gib, env, limit", [
    ((), None, [4.0]),                  # the default headroom
    ((6,), None, [6.0]),                # the notebook's choice
    ((6,), "2.5", [2.5]),               # the grader's environment wins
    ((6,), "0", []),                    # 0 switches the limit off
    ((0,), None, []),
])
def test_autograde_guard_memory_limit(guard, monkeypatch, memory_gib, env, limit):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    if env is not None:
        monkeypatch.setenv("COURSE_GRADING_MEMORY_GIB", env)
    fake_streams(monkeypatch)
    assert grading.autograde_guard(*memory_gib) is True
    assert guard == limit


def test_autograde_guard_rejects_a_bad_memory_setting(guard, monkeypatch):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    monkeypatch.setenv("COURSE_GRADING_MEMORY_GIB", "4GB")
    with pytest.raises(ValueError, match=r"COURSE_GRADING_MEMORY_GIB must be a number of GiB "
                                         r".*got '4GB'"):
        grading.autograde_guard()


def test_autograde_guard_shows_stderr_as_stdout(guard, monkeypatch):
    import logging

    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    fake_streams(monkeypatch)
    logger = logging.getLogger("course_utils_test_guard")
    handler = logging.StreamHandler(sys.stderr)     # like TensorFlow's, made before the guard
    logger.addHandler(handler)
    try:
        assert grading.autograde_guard(memory_gib=0) is True
        print("a debugging line", file=sys.stderr)
        logger.warning("a library warning")
    finally:
        logger.removeHandler(handler)
    assert sys.stderr is sys.stdout
    assert handler.stream is sys.stdout
    assert sys.stdout.getvalue() == "a debugging line\na library warning\n"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_AS and /proc: Linux")
def test_autograde_guard_turns_a_runaway_allocation_into_memory_error():
    # In a subprocess: the limit must not apply to the test session.
    code = ("import sys\n"
            "from course_utils import grading\n"
            "print(grading.autograde_guard(memory_gib=8))\n"
            "print('to stderr', file=sys.stderr)\n"
            "small = bytearray(200 * 2**20)\n"
            "try:\n"
            "    big = bytearray(2 * 2**30)\n"
            "except MemoryError:\n"
            "    print('MemoryError')\n")
    env = {**os.environ, "NBGRADER_EXECUTION": "autograde", "COURSE_GRADING_MEMORY_GIB": "1"}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["True", "to stderr", "MemoryError"]
    assert result.stderr == ""


# --- check_same_network: a network written in Keras against the zoo's ----------------------
def _lenet5_modern_written_out(pool="max", activation="relu", c3_filters=16):
    """The modern LeNet-5 (ReLU, max pooling) as a student writes it, for 28x28 inputs."""
    pooling = keras.layers.MaxPooling2D if pool == "max" else keras.layers.AveragePooling2D
    return keras.Sequential([
        keras.Input((28, 28, 1)), keras.layers.ZeroPadding2D(2),
        keras.layers.Conv2D(6, 5, activation=activation), pooling(2),
        keras.layers.Conv2D(c3_filters, 5, activation=activation), pooling(2),
        keras.layers.Conv2D(120, 5, activation=activation), keras.layers.Flatten(),
        keras.layers.Dense(84, activation=activation), keras.layers.Dense(10, activation="softmax")])


@pytest.fixture(scope="module")
def lenet_reference():
    from course_utils import zoo

    keras.utils.set_random_seed(0)
    return zoo.lenet5_modern(input_shape=(28, 28, 1))


def test_same_network_passes_the_right_network_and_keeps_its_weights(lenet_reference):
    mine = _lenet5_modern_written_out()
    before = [w.copy() for w in mine.get_weights()]
    x = np.random.default_rng(0).random((4, 28, 28, 1), dtype=np.float32)
    grading.check_same_network(mine, lenet_reference, x)
    assert all(np.array_equal(a, b) for a, b in zip(before, mine.get_weights()))
    assert grading.check(mine, lenet_reference, inputs=x, name="your LeNet-5")


def test_same_network_names_the_first_weight_that_differs(lenet_reference):
    x = np.zeros((2, 28, 28, 1), np.float32)
    with pytest.raises(GradingError, match=r"first weight that differs is .*\(5, 5, 6, 12\).*"
                                           r"\(5, 5, 6, 16\)"):
        grading.check_same_network(_lenet5_modern_written_out(c3_filters=12), lenet_reference, x)


def test_same_network_with_the_same_weights_but_another_function(lenet_reference):
    x = np.random.default_rng(1).random((4, 28, 28, 1), dtype=np.float32)
    for wrong in (_lenet5_modern_written_out(pool="average"),
                  _lenet5_modern_written_out(activation="tanh")):
        with pytest.raises(GradingError, match="computes another function.*activations, pooling"):
            grading.check_same_network(wrong, lenet_reference, x)


# --- check_transfer_model: a frozen backbone in inference mode and a new head ---------------
def _bn_backbone():
    keras.utils.set_random_seed(0)
    inputs = keras.Input((16, 16, 3))
    x = keras.layers.Conv2D(4, 3)(inputs)
    x = keras.layers.BatchNormalization()(x)
    x = keras.layers.GlobalAveragePooling2D()(keras.layers.ReLU()(x))
    return keras.Model(inputs, x, name="small_backbone")


def _transfer(freeze=True, rescale=False, dropout=0.0):
    backbone = _bn_backbone()
    backbone.trainable = not freeze
    inputs = keras.Input((8, 8, 3))
    x = keras.layers.Resizing(16, 16)(inputs)
    if rescale:                       # a common mistake: the backbone takes pixels in 0..255
        x = keras.layers.Rescaling(1 / 255)(x)
    features = keras.layers.Dropout(dropout)(backbone(x, training=False))
    return keras.Model(inputs, keras.layers.Dense(3, activation="softmax")(features))


def test_keras3_overrides_a_functional_training_false():
    # keras-team/keras#20285: the outer call's training=True reaches a backbone called with
    # training=False inside a functional model; only a frozen batch norm stays in inference
    # mode. Lesson 16 teaches this; if Keras changes it, the lesson must change too.
    model = _transfer(freeze=False)
    x = np.random.default_rng(0).uniform(0, 255, (6, 8, 8, 3)).astype("float32")
    assert not np.allclose(model(x, training=True), model(x, training=False), atol=1e-3)
    frozen = _transfer(freeze=True)
    np.testing.assert_allclose(frozen(x, training=True), frozen(x, training=False), atol=1e-6)


def test_transfer_model_check_passes_a_right_model_and_names_each_mistake():
    x = np.random.default_rng(0).uniform(0, 255, (6, 8, 8, 3)).astype("float32")
    reference = _transfer()
    right = _transfer()
    grading.check_transfer_model(right, reference, x)
    with pytest.raises(GradingError, match="trainable parameters, expected 15.*backbone still trains"):
        grading.check_transfer_model(_transfer(freeze=False), reference, x)
    with pytest.raises(GradingError, match="other outputs in training mode.*dropout"):
        grading.check_transfer_model(_transfer(dropout=0.5), reference, x)
    with pytest.raises(GradingError, match="computes another function"):
        grading.check_transfer_model(_transfer(rescale=True), reference, x)
    assert grading.check(right, reference, inputs=x, using=grading.check_transfer_model)
    assert not grading.check(_transfer(freeze=False), reference, inputs=x,
                             using=grading.check_transfer_model)


def test_same_network_counts_a_missing_layer(lenet_reference):
    short = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.ZeroPadding2D(2),
                              keras.layers.Conv2D(6, 5, activation="relu")])
    with pytest.raises(GradingError, match="weight tensors, the reference 10: the reference also has"):
        grading.check_same_network(short, lenet_reference, np.zeros((1, 28, 28, 1), np.float32))


def test_same_network_matches_branches_created_in_another_order():
    from course_utils import zoo

    def module(x, pool_branch_first):
        def conv(t, f, k):
            return keras.layers.Conv2D(f, k, padding="same", activation="relu")(t)
        if pool_branch_first:   # the pooling branch created first, concatenated last
            pool = conv(keras.layers.MaxPooling2D(3, strides=1, padding="same")(x), 32, 1)
        b1, b3, b5 = conv(x, 64, 1), conv(conv(x, 96, 1), 128, 3), conv(conv(x, 16, 1), 32, 5)
        if not pool_branch_first:
            pool = conv(keras.layers.MaxPooling2D(3, strides=1, padding="same")(x), 32, 1)
        return keras.layers.Concatenate()([b1, b3, b5, pool])

    inputs = keras.Input((8, 8, 192))
    reference = keras.Model(inputs, zoo.inception_module(inputs, 64, 96, 128, 16, 32, 32, name="3a"))
    x = np.random.default_rng(0).random((2, 8, 8, 192), dtype=np.float32)
    for first in (False, True):
        mine_in = keras.Input((8, 8, 192))
        grading.check_same_network(keras.Model(mine_in, module(mine_in, first)), reference, x)
