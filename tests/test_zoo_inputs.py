"""The model zoo on small inputs: forward passes, input checks, blocks and custom layers.

Every registered network is built at the smallest input it accepts (the size
its own error message names), runs a forward pass there, and refuses an input
one pixel smaller. The custom layers are checked against NumPy (and TensorFlow's
LRN under the TensorFlow backend) and survive a save/load round trip.
"""

import inspect
import re

import keras
import numpy as np
import pytest

from course_utils import zoo
from course_utils.zoo import get_model, list_models
from test_zoo_train import DEEP as TRAINED_ONLY_BY_SLOW

MIN_SIZE_MESSAGE = re.compile(r"at least (\d+)x(\d+) pixels")
# Networks whose smallest input is still slow to build (over 150 layers).
DEEP = {"resnet101", "resnet152", "preact_resnet101", "preact_resnet152", "densenet169",
        "densenet201"}


def defaults(name):
    parameters = inspect.signature(zoo.card(name).build).parameters
    return parameters["input_shape"].default, parameters["num_classes"].default


def smallest_size(name):
    """The smallest size the network accepts, read from its own error message."""
    (_, _, channels), _ = defaults(name)
    try:
        get_model(name, input_shape=(1, 1, channels))
    except ValueError as error:
        match = MIN_SIZE_MESSAGE.search(str(error))
        assert match, f"{name}: the error does not name the smallest size: {error}"
        return int(match.group(1))
    return 1


def forward(model, batch_shape, seed=0):
    x = np.random.default_rng(seed).random(batch_shape, dtype=np.float32)
    return keras.ops.convert_to_numpy(model(x, training=False))


# --- the registry -------------------------------------------------------------------


def test_registry_keys_are_builder_names():
    for name in list_models("classify"):
        assert zoo.card(name).build.__name__ == name
        assert getattr(zoo, name) is zoo.card(name).build


def test_unknown_name_lists_the_available_models():
    with pytest.raises(ValueError, match="unknown model 'resnet5'") as info:
        get_model("resnet5")
    message = str(info.value)
    for name in ("lenet5", "vgg16", "resnet50", "mobilenet_v2"):
        assert name in message
    assert "Did you mean" in message


def test_the_package_re_exports_the_zoo():
    import course_utils

    assert course_utils.list_models() == zoo.list_models()
    assert course_utils.get_model("lenet5").count_params() == 60_850


@pytest.mark.parametrize(("kwargs", "fragment"), [
    ({"pooling": "mean"}, "got 'mean'"),
    ({"num_classes": 0}, "got 0"),
    ({"input_shape": (32, 32)}, "got (32, 32)"),
    ({"input_shape": (32, 32, 0)}, "got input_shape=(32, 32, 0)"),
    ({"input_shape": (None, None, 1)}, "needs a fixed"),
])
def test_bad_arguments_name_the_value_received(kwargs, fragment):
    with pytest.raises(ValueError) as info:
        get_model("lenet5", **kwargs)
    assert fragment in str(info.value)


def test_bad_builder_options():
    with pytest.raises(ValueError, match="got 21"):
        zoo.resnet_cifar(21)
    with pytest.raises(ValueError, match="shortcut must be one of"):
        zoo.resnet_cifar(20, shortcut="D")
    with pytest.raises(ValueError, match="unknown VGG configuration 'F'"):
        zoo.vgg("F")
    with pytest.raises(ValueError, match="alpha must be a positive number, got -1"):
        zoo.mobilenet_v2(alpha=-1)
    with pytest.raises(ValueError, match="include_top=True"):
        zoo.googlenet(include_top=False, aux_classifiers=True)


# --- every network at its smallest input ---------------------------------------------


@pytest.mark.parametrize("name", [
    pytest.param(n, marks=pytest.mark.slow) if n in DEEP else n for n in list_models("classify")
])
def test_smallest_input_builds_and_one_pixel_less_is_refused(name):
    (_, _, channels), num_classes = defaults(name)
    size = smallest_size(name)
    if size > 1:
        with pytest.raises(ValueError, match=f"at least {size}x{size} pixels"):
            get_model(name, input_shape=(size - 1, size, channels))
    model = get_model(name, input_shape=(size, size, channels))
    probabilities = forward(model, (2, size, size, channels))
    assert probabilities.shape == (2, num_classes)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-4)
    keras.backend.clear_session()


@pytest.mark.parametrize("name", [n for n in list_models("classify")
                                  if defaults(n)[0][0] <= 32 and n in TRAINED_ONLY_BY_SLOW])
def test_forward_pass_at_the_canonical_input(name):
    """The deep small networks, which test_zoo_train leaves to `-m slow` (it trains the others)."""
    shape, num_classes = defaults(name)
    model = get_model(name)
    assert forward(model, (2, *shape)).shape == (2, num_classes)
    keras.backend.clear_session()


@pytest.mark.parametrize("pooling", ["avg", "max"])
def test_headless_models_return_pooled_features(pooling):
    model = zoo.resnet20(include_top=False, pooling=pooling)
    assert model.output_shape == (None, 64)
    assert zoo.vgg16(include_top=False).output_shape == (None, 7, 7, 512)
    assert zoo.densenet121(input_shape=(None, None, 3), include_top=False,
                           pooling=pooling).output_shape == (None, 1024)


# --- LeNet ---------------------------------------------------------------------------


def test_lenet5_pads_mnist_28_to_32_inside_the_model():
    at_32 = zoo.lenet5()
    at_28 = zoo.lenet5(input_shape=(28, 28, 1))
    assert at_28.get_layer("input_pad").output.shape == (None, 32, 32, 1)
    at_28.set_weights(at_32.get_weights())  # same parameters, same shapes
    x28 = np.random.default_rng(0).random((3, 28, 28, 1), dtype=np.float32)
    x32 = np.pad(x28, ((0, 0), (2, 2), (2, 2), (0, 0)))
    np.testing.assert_allclose(keras.ops.convert_to_numpy(at_28(x28)),
                               keras.ops.convert_to_numpy(at_32(x32)), rtol=1e-5, atol=1e-6)


def test_lenet5_c3_connection_table():
    model = zoo.lenet5()
    sizes = [model.get_layer(f"c3_map{j}_conv").kernel.shape[2] for j in range(16)]
    assert sizes == [3] * 6 + [4] * 9 + [6]
    c3 = sum(model.get_layer(f"c3_map{j}_conv").count_params() for j in range(16))
    assert c3 == 1_516
    assert zoo.lenet5(c3_table=False).get_layer("c3_conv").count_params() == 2_416
    assert zoo.lenet5(c3_table=False).count_params() == 61_750


def test_scaled_tanh_and_subsampling():
    act = zoo.ScaledTanh()
    values = keras.ops.convert_to_numpy(act(np.array([[-1.0, 0.0, 1.0]], np.float32)))
    np.testing.assert_allclose(values, [[-1.0, 0.0, 1.0]], atol=2e-4)  # f(+-1) = +-1

    layer = zoo.Subsampling()
    x = np.arange(2 * 4 * 4 * 3, dtype=np.float32).reshape(2, 4, 4, 3)
    layer.build(x.shape)
    layer.coefficient.assign(np.array([1.0, 2.0, -1.0], np.float32))
    layer.bias.assign(np.array([0.0, 1.0, 0.5], np.float32))
    expected = x.reshape(2, 2, 2, 2, 2, 3).mean(axis=(2, 4)) * [1.0, 2.0, -1.0] + [0, 1, 0.5]
    np.testing.assert_allclose(keras.ops.convert_to_numpy(layer(x)), expected, rtol=1e-6)
    assert layer.count_params() == 6  # a coefficient and a bias per map


def test_mnist_error_table_networks():
    assert zoo.linear_classifier().count_params() == 784 * 10 + 10
    assert zoo.mlp(hidden_units=(300,)).count_params() == 784 * 300 + 300 + 300 * 10 + 10
    assert zoo.lenet300().count_params() == 266_610
    assert [layer.units for layer in zoo.lenet300().layers[2:]] == [300, 100, 10]


# --- AlexNet and LRN ------------------------------------------------------------------


def lrn_reference(x, depth_radius=2, bias=2.0, alpha=1e-4, beta=0.75):
    squared = np.pad(x ** 2, ((0, 0), (0, 0), (0, 0), (depth_radius, depth_radius)))
    channels = x.shape[-1]
    window = sum(squared[..., i:i + channels] for i in range(2 * depth_radius + 1))
    return x / (bias + alpha * window) ** beta


def test_local_response_normalization_matches_numpy_and_tensorflow():
    x = np.random.default_rng(0).normal(scale=30.0, size=(2, 5, 5, 7)).astype(np.float32)
    layer = zoo.LocalResponseNormalization(depth_radius=2, bias=2.0, alpha=1e-4, beta=0.75)
    ours = keras.ops.convert_to_numpy(layer(x))
    np.testing.assert_allclose(ours, lrn_reference(x), rtol=1e-5)
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        theirs = tf.nn.local_response_normalization(x, depth_radius=2, bias=2.0,
                                                    alpha=1e-4, beta=0.75).numpy()
        np.testing.assert_allclose(ours, theirs, rtol=1e-5)
    assert layer.count_params() == 0


def test_alexnet_towers_and_shapes():
    one, two = zoo.alexnet(), zoo.alexnet_two_tower()
    assert one.get_layer("conv1_pool").output.shape == (None, 27, 27, 96)
    assert one.get_layer("conv5_pool").output.shape == (None, 6, 6, 256)
    assert one.get_layer("flatten").output.shape == (None, 9_216)
    assert two.get_layer("conv2").kernel.shape == (5, 5, 48, 256)
    assert two.get_layer("conv3").kernel.shape == (3, 3, 256, 384)
    assert one.count_params() - two.count_params() == 1_413_120
    conv = sum(one.get_layer(f"conv{i}").count_params() for i in range(1, 6))
    assert conv == 3_747_200  # about 6% of the parameters


# --- VGG, Inception, ResNet, DenseNet, SE, MobileNet ----------------------------------


def test_vgg_configurations_are_data():
    assert len(zoo.VGG_CONFIGS) == 6
    weight_layers = {c: sum(s.startswith("conv") for b in blocks for s in b) + 3
                     for c, blocks in zoo.VGG_CONFIGS.items()}
    assert weight_layers == {"A": 11, "A-LRN": 11, "B": 13, "C": 16, "D": 16, "E": 19}
    model = zoo.vgg16c(include_top=False)
    assert model.get_layer("block3_conv3").kernel.shape == (1, 1, 256, 256)
    assert any(isinstance(layer, zoo.LocalResponseNormalization)
               for layer in zoo.vgg11_lrn(include_top=False).layers)


def test_inception_module_channels_and_bottleneck():
    inputs = keras.Input((28, 28, 192))
    outputs = zoo.inception_module(inputs, 64, 96, 128, 16, 32, 32, name="inception_3a")
    model = keras.Model(inputs, outputs)
    assert model.output_shape == (None, 28, 28, 256)
    # The 1x1 bottleneck before the 5x5 convolution: 192 -> 16 channels.
    assert model.get_layer("inception_3a_5x5").kernel.shape == (5, 5, 16, 32)


def test_googlenet_auxiliary_classifiers():
    model = zoo.googlenet(aux_classifiers=True)
    assert [tuple(o.shape) for o in model.outputs] == [(None, 1000)] * 3
    assert model.count_params() == 13_378_280
    small = zoo.googlenet(input_shape=(65, 65, 3), num_classes=10, aux_classifiers=True)
    outputs = small(np.zeros((1, 65, 65, 3), np.float32), training=False)
    assert [tuple(o.shape) for o in outputs] == [(1, 10)] * 3
    with pytest.raises(ValueError, match="at least 65x65"):
        zoo.googlenet(input_shape=(64, 64, 3), aux_classifiers=True)


def test_resnet_shortcut_options():
    option_a, option_b = zoo.resnet20(), zoo.resnet20(shortcut="B")
    assert option_a.count_params() == zoo.card("resnet20").params
    # Option B adds two 1x1 projections with batch norm: 16*32 + 4*32 and 32*64 + 4*64.
    assert option_b.count_params() - option_a.count_params() == 640 + 2_304
    assert not any(isinstance(layer, keras.layers.Add) for layer in zoo.plain20().layers)
    assert sum(isinstance(layer, keras.layers.Add) for layer in option_a.layers) == 9
    assert option_a.get_layer("conv3_block1_0_pad").output.shape == (None, 16, 16, 32)


def test_preact_blocks_start_with_batch_norm():
    model = zoo.preact_resnet20()
    assert isinstance(model.get_layer("conv2_block1_preact_bn"),
                      keras.layers.BatchNormalization)
    assert model.get_layer("post_relu").output.shape == (None, 8, 8, 64)


def test_densenet_growth():
    model = zoo.densenet_bc100()
    assert model.get_layer("conv2_block16_concat").output.shape == (None, 32, 32, 24 + 16 * 12)
    assert model.get_layer("pool2_conv").output.shape == (None, 32, 32, 108)


def test_se_block_parameters():
    inputs = keras.Input((8, 8, 64))
    model = keras.Model(inputs, zoo.se_block(inputs, ratio=16, name="se"))
    assert model.output_shape == (None, 8, 8, 64)
    assert model.count_params() == 2 * 64 * 4 + 4 + 64


def test_mobilenet_width_multiplier():
    # Keras Applications gives the same counts (MobileNet / MobileNetV2, alpha=0.5).
    assert zoo.mobilenet_v1(alpha=0.5).count_params() == 1_342_536
    assert zoo.mobilenet_v2(alpha=0.5).count_params() == 1_987_224


# --- serialisation --------------------------------------------------------------------


@pytest.mark.parametrize("name", ["lenet5", "alexnet_cifar", "resnet20"])
def test_save_and_load_round_trip(name, tmp_path):
    model = get_model(name)
    shape = model.input_shape[1:]
    x = np.random.default_rng(1).random((2, *shape), dtype=np.float32)
    path = tmp_path / f"{name}.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(loaded(x, training=False)),
                               keras.ops.convert_to_numpy(model(x, training=False)),
                               rtol=1e-5, atol=1e-6)
