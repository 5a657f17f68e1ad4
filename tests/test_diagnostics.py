"""course_utils.diagnostics: per-step training errors and gradient norms per layer."""

import keras
import numpy as np
import pytest

from course_utils import diagnostics, zoo


def _separable(n=300, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 8)).astype("float32")
    return x, (x[:, 0] + 0.5 * x[:, 1] > 0).astype("int32")


def _softmax_regression():
    keras.utils.set_random_seed(0)
    return keras.Sequential([keras.Input((8,)), keras.layers.Dense(2, activation="softmax")])


def test_step_errors_average_back_to_the_epoch_accuracy():
    x, y = _separable()
    model = _softmax_regression()
    model.compile(keras.optimizers.SGD(0.5), "sparse_categorical_crossentropy", metrics=["accuracy"])
    errors = diagnostics.StepErrors(batch_size=64, num_samples=len(x))
    history = model.fit(x, y, batch_size=64, epochs=3, verbose=0, callbacks=[errors], shuffle=False)
    per_batch = np.array(errors.errors).reshape(3, 5)
    sizes = np.array([64, 64, 64, 64, 44])
    for epoch in range(3):
        epoch_error = 100 * (1 - history.history["accuracy"][epoch])
        assert np.sum(per_batch[epoch] * sizes) / len(x) == pytest.approx(epoch_error, abs=1e-3)
    assert per_batch.min() >= 0 and per_batch.max() <= 100
    assert per_batch[-1].mean() < per_batch[0].mean()  # it learns
    steps, smooth = errors.smoothed(5)
    assert steps.tolist() == list(range(5, 16)) and smooth.shape == (11,)
    assert smooth[0] == pytest.approx(per_batch[0].mean())


def test_step_errors_bad_input():
    with pytest.raises(ValueError, match="batch_size"):
        diagnostics.StepErrors(batch_size=0)
    with pytest.raises(ValueError, match="num_samples"):
        diagnostics.StepErrors(batch_size=8, num_samples=-3)
    errors = diagnostics.StepErrors(batch_size=8)
    with pytest.raises(ValueError, match="fewer than the window"):
        errors.smoothed(3)
    with pytest.raises(KeyError, match="metrics=\\['accuracy'\\]"):
        errors.on_train_batch_end(0, {"loss": 1.0})


def test_gradient_norm_of_softmax_regression_matches_the_formula():
    x, y = _separable(64)
    model = _softmax_regression()
    w, b = (keras.ops.convert_to_numpy(v) for v in model.weights)
    logits = x @ w + b
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    grad_w = x.T @ (p - np.eye(2)[y]) / len(x)  # d mean cross-entropy / dW
    norms = diagnostics.gradient_norms(model, x, y)
    assert list(norms) == [model.layers[0].name]
    assert norms[model.layers[0].name] == pytest.approx(np.linalg.norm(grad_w), rel=1e-4)


def test_gradient_norms_cover_every_convolution_of_a_resnet():
    net = zoo.get_model("resnet20")
    rng = np.random.default_rng(0)
    norms = diagnostics.gradient_norms(net, rng.uniform(size=(4, 32, 32, 3)).astype("float32"),
                                       np.arange(4))
    assert len(norms) == 20  # 19 convolutions and the classifier: option A adds no weights
    assert all(np.isfinite(v) and v > 0 for v in norms.values())


def test_gradient_norms_open_a_wrapped_network():
    from course_utils import training

    net = zoo.get_model("lenet5_modern", input_shape=(28, 28, 1))
    wrapped = training.with_uint8_input(net, (28, 28, 1))
    x = np.random.default_rng(1).integers(0, 256, (8, 28, 28, 1), dtype=np.uint8)
    inner = diagnostics.gradient_norms(net, x.astype("float32") / 255, np.arange(8))
    outer = diagnostics.gradient_norms(wrapped, x, np.arange(8))
    assert list(outer) == list(inner)
    assert list(outer.values()) == pytest.approx(list(inner.values()), rel=1e-4)


def test_gradient_norms_bad_input():
    x, y = _separable(16)
    with pytest.raises(ValueError, match="same length"):
        diagnostics.gradient_norms(_softmax_regression(), x, y[:5])
    with pytest.raises(ValueError, match="has no layer"):
        diagnostics.gradient_norms(_softmax_regression(), x, y, layer_types=(keras.layers.Conv2D,))
