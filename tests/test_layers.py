"""course_utils.layers: LocallyConnected2D against a convolution, its counts; on TF and JAX."""

import keras
import numpy as np
import pytest
from keras import ops

from course_utils import complexity, layers


def test_locally_connected_with_shared_kernels_is_a_convolution():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 7, 6, 3)).astype("float32")
    conv = keras.layers.Conv2D(4, (3, 2), strides=(2, 1))
    expected = ops.convert_to_numpy(conv(x))
    kernel, bias = (ops.convert_to_numpy(w) for w in conv.weights)   # (3, 2, 3, 4), (4,)
    lc = layers.LocallyConnected2D(4, (3, 2), strides=(2, 1))
    out_h, out_w = expected.shape[1:3]
    lc.build(x.shape)
    # every position gets the conv's kernel, flattened as extract_patches orders a window
    lc.kernel.assign(np.broadcast_to(kernel.reshape(1, 1, -1, 4), (out_h, out_w, 18, 4)))
    lc.bias.assign(np.broadcast_to(bias, (out_h, out_w, 4)))
    np.testing.assert_allclose(ops.convert_to_numpy(lc(x)), expected, rtol=1e-5, atol=1e-5)


def test_each_position_has_its_own_kernel():
    x = np.ones((1, 4, 4, 1), "float32")
    lc = layers.LocallyConnected2D(1, 2, use_bias=False)
    lc.build(x.shape)
    weights = np.zeros((3, 3, 4, 1), "float32")
    weights[1, 2] = 1.0                      # only the unit at row 1, column 2 sees anything
    lc.kernel.assign(weights)
    out = ops.convert_to_numpy(lc(x))[0, :, :, 0]
    expected = np.zeros((3, 3))
    expected[1, 2] = 4.0
    np.testing.assert_array_equal(out, expected)


def test_counts_match_the_formula_and_complexity():
    inputs = keras.Input((28, 28, 1))
    model = keras.Model(inputs, layers.LocallyConnected2D(8, 5, name="lc")(inputs))
    positions = 24 * 24
    assert model.count_params() == positions * (5 * 5 * 8) + positions * 8 == 119_808
    summary = complexity.summarize(model)
    assert summary.total_params == 119_808
    assert summary.total_macs == positions * 5 * 5 * 8 == 115_200
    with pytest.raises(ValueError, match="fixed height and width"):
        layers.LocallyConnected2D(2, 3).build((None, None, None, 1))
    with pytest.raises(ValueError, match="filters must be a positive int"):
        layers.LocallyConnected2D(0, 3)


def test_it_trains():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(64, 6, 6, 1)).astype("float32")
    y = (x[:, 2, 3, 0] > 0).astype("int64")   # a label that lives at one position
    inputs = keras.Input((6, 6, 1))
    h = layers.LocallyConnected2D(2, 3, activation="relu")(inputs)
    outputs = keras.layers.Dense(2, activation="softmax")(keras.layers.Flatten()(h))
    model = keras.Model(inputs, outputs)
    model.compile(keras.optimizers.Adam(0.05), "sparse_categorical_crossentropy")
    first = model.evaluate(x, y, verbose=0)
    model.fit(x, y, epochs=30, batch_size=64, verbose=0)
    assert model.evaluate(x, y, verbose=0) < first * 0.5
