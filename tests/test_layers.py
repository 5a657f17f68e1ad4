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


# ---------------------------------------------------------------- p4 group convolutions
def _p4_net():
    keras.utils.set_random_seed(0)
    inputs = keras.Input((12, 12, 2))
    x = layers.P4Lift(3, 3, activation="relu")(inputs)
    x = layers.P4Conv(4, 3, activation="relu")(x)
    x = keras.layers.MaxPooling2D(2)(x)
    x = layers.P4Conv(2, 5)(x)
    return keras.Model(inputs, x)


@pytest.mark.parametrize("k", [1, 2, 3])
def test_p4_network_is_exactly_equivariant(k):
    model = _p4_net()
    x = np.random.default_rng(0).normal(size=(2, 12, 12, 2)).astype("float32")
    y = ops.convert_to_numpy(model(x))
    y_rotated_input = ops.convert_to_numpy(model(np.ascontiguousarray(np.rot90(x, k, axes=(1, 2)))))
    np.testing.assert_allclose(y_rotated_input, layers.p4_rotate(y, k), rtol=0, atol=5e-6 * np.abs(y).max())
    # and it is not trivially so: the output is not itself rotation-invariant
    assert np.abs(y_rotated_input - np.rot90(y, k, axes=(1, 2))).max() > 0.05 * np.abs(y).max()


def test_p4_pool_and_global_pool_make_an_invariant_network():
    inputs = keras.Input((12, 12, 2))
    x = layers.P4Pool()(_p4_net()(inputs))
    outputs = keras.layers.GlobalAveragePooling2D()(x)
    model = keras.Model(inputs, outputs)
    x = np.random.default_rng(1).normal(size=(3, 12, 12, 2)).astype("float32")
    base = ops.convert_to_numpy(model(x))
    for k in (1, 2, 3):
        np.testing.assert_allclose(ops.convert_to_numpy(model(np.ascontiguousarray(np.rot90(x, k, axes=(1, 2))))),
                                   base, rtol=1e-5, atol=1e-6)


def test_p4_lift_is_four_rotated_convolutions_and_counts():
    keras.utils.set_random_seed(0)
    lift = layers.P4Lift(2, 3)
    x = np.random.default_rng(0).normal(size=(1, 7, 7, 3)).astype("float32")
    out = ops.convert_to_numpy(lift(x))                              # (1, 7, 7, 2 * 4)
    kernel = ops.convert_to_numpy(lift.kernel)[:, :, :, 0, :]        # (3, 3, 3, 2)
    for r in range(4):
        expected = ops.convert_to_numpy(ops.conv(x, np.rot90(kernel, r, axes=(0, 1)).copy(), padding="same"))
        np.testing.assert_allclose(out[..., r::4], expected, rtol=1e-5, atol=1e-5)
    assert lift.count_params() == 3 * 3 * 3 * 2 + 2
    conv = layers.P4Conv(5, 3)
    conv.build((None, 7, 7, 8))
    assert conv.count_params() == 3 * 3 * 2 * 4 * 5 + 5
    model = keras.Sequential([keras.Input((7, 7, 3)), lift, conv])
    summary = complexity.summarize(model)
    assert summary.total_macs == 49 * 9 * 3 * 8 + 49 * 9 * 8 * 20


def test_p4_errors():
    with pytest.raises(ValueError, match="odd positive int .* got 4"):
        layers.P4Lift(2, 4)
    with pytest.raises(ValueError, match="channels a multiple of 4, got"):
        layers.P4Conv(2, 3).build((None, 8, 8, 6))
    with pytest.raises(ValueError, match="mode must be 'max' or 'mean'"):
        layers.P4Pool("sum")


# ---------------------------------------------------------------- graph convolution
def test_normalized_adjacency_of_a_path_by_hand():
    # the path 0 - 1 - 2: degrees with self loops 2, 3, 2
    a_hat = layers.normalized_adjacency([[0, 1, 0], [1, 0, 1], [0, 1, 0]])
    s6 = 1 / np.sqrt(6)
    np.testing.assert_allclose(a_hat, [[1 / 2, s6, 0], [s6, 1 / 3, s6], [0, s6, 1 / 2]], rtol=1e-6)
    with pytest.raises(ValueError, match="symmetric"):
        layers.normalized_adjacency([[0, 1], [0, 0]])
    with pytest.raises(ValueError, match=r"node\(s\) \[1\] have no edges"):
        layers.normalized_adjacency([[1, 0], [0, 0]], self_loops=False)


def test_graph_conv_on_a_tiny_graph_by_hand():
    a_hat = layers.normalized_adjacency([[0, 1, 0], [1, 0, 1], [0, 1, 0]])
    features = np.array([[1.0, 0.0], [0.0, 1.0], [2.0, 2.0]], "float32")
    gc = layers.GraphConv(1, use_bias=True)
    gc.build([(None, 3, 2), (None, 3, 3)])
    gc.kernel.assign(np.array([[1.0], [-1.0]], "float32"))
    gc.bias.assign(np.array([0.5], "float32"))
    out = ops.convert_to_numpy(gc([features[None], a_hat[None]]))[0, :, 0]
    # H W = [1, -1, 0]; A_hat H W = [1/2 - 1/sqrt 6, 1/sqrt 6 - 1/3, -1/sqrt 6]; + 0.5
    s6 = 1 / np.sqrt(6)
    np.testing.assert_allclose(out, [0.5 - s6 + 0.5, s6 - 1 / 3 + 0.5, -s6 + 0.5], rtol=1e-5)
    assert gc.count_params() == 3 and gc.count_macs((None, 3, 2), (None, 3, 1)) == 3 * 2 + 9
    with pytest.raises(ValueError, match=r"called on \[features, adjacency\]"):
        layers.GraphConv(2).build((None, 3, 2))


def test_attention_macs_are_counted():
    inputs = keras.Input((64, 16))
    outputs = keras.layers.MultiHeadAttention(2, 8)(inputs, inputs)
    summary = complexity.summarize(keras.Model(inputs, outputs))
    # projections Q, K, V, O: 4 * 64 * 16 * 16; scores and weighted sum: 2 * 64 * 64 * 16
    assert summary.total_macs == 4 * 64 * 16 * 16 + 2 * 64 * 64 * 16


def test_zoo_p4cnn_scores_are_invariant_and_z2cnn_is_not():
    from course_utils import zoo

    x = np.random.default_rng(0).random((4, 28, 28, 1)).astype("float32")
    rotated = np.ascontiguousarray(np.rot90(x, 1, axes=(1, 2)))
    for builder, invariant in ((zoo.p4cnn, True), (zoo.z2cnn, False)):
        keras.utils.set_random_seed(0)
        model = builder(classifier_activation=None)
        gap = np.abs(ops.convert_to_numpy(model(rotated)) - ops.convert_to_numpy(model(x))).max()
        scale = np.abs(ops.convert_to_numpy(model(x))).max()
        assert (gap < 1e-5 * scale) if invariant else (gap > 1e-3 * scale), (builder.__name__, gap, scale)
    with pytest.raises(ValueError, match="divisible by 4"):
        zoo.p4cnn(input_shape=(30, 30, 1))


def test_position_embedding():
    layer = layers.PositionEmbedding(initializer="ones")
    out = ops.convert_to_numpy(layer(np.zeros((2, 5, 3), "float32")))
    np.testing.assert_array_equal(out, np.ones((2, 5, 3)))
    assert layer.count_params() == 15
    with pytest.raises(ValueError, match=r"\(batch, positions, channels\)"):
        layers.PositionEmbedding().build((None, 4, 4, 3))


def test_p4_rotate_refuses_a_plain_map():
    with pytest.raises(ValueError, match=r"\(N, H, W, C \* 4\), got shape \(1, 4, 4, 3\)"):
        layers.p4_rotate(np.zeros((1, 4, 4, 3)))
