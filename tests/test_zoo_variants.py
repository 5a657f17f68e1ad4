"""The options the case-study lessons vary: AlexNet's ingredients, VGG's width and start,
Inception's bottlenecks and auxiliary head. Counts are exact; the defaults are the zoo's."""

import keras
import numpy as np
import pytest

from course_utils import complexity, zoo


@pytest.mark.parametrize("options, params", [
    ({}, 4_087_946),
    ({"width": 0.5}, 1_025_098),
    ({"width": 0.5, "normalization": "batch"}, 1_027_018),   # + BN's 4 x 960 values
    ({"width": 0.5, "normalization": "none"}, 1_025_098),    # LRN has no parameters
    ({"width": 0.5, "pool_size": 2}, 1_369_162),             # 4x4 instead of 3x3 maps: a larger fc6
    ({"width": 0.5, "activation": "tanh", "dropout": 0.0}, 1_025_098),
])
def test_alexnet_cifar_options(options, params):
    model = zoo.get_model("alexnet_cifar", **options)
    assert model.count_params() == params
    names = {layer.name for layer in model.layers}
    assert ("conv1_lrn" in names) == (options.get("normalization", "lrn") == "lrn")
    assert ("conv1_bn" in names) == (options.get("normalization") == "batch")
    if "activation" in options:
        assert model.get_layer("conv1").activation.__name__ == "tanh"
        assert model.get_layer("fc6_dropout").rate == 0.0


def test_alexnet_cifar_rejects_unknown_options():
    with pytest.raises(ValueError, match="normalization must be one of"):
        zoo.get_model("alexnet_cifar", normalization="group")
    with pytest.raises(ValueError, match="pool_size must be 3"):
        zoo.get_model("alexnet_cifar", pool_size=4)
    with pytest.raises(ValueError, match="activation must be one of"):
        zoo.get_model("alexnet_cifar", activation="gelu")


def test_vgg_cifar_width_batch_norm_and_initializer():
    full = zoo.vgg_cifar("A")
    assert full.count_params() == zoo.get_model("vgg11_cifar").count_params() == 9_236_618
    narrow = zoo.vgg_cifar("A", width=0.25)
    assert narrow.get_layer("block1_conv1").filters == 16
    assert narrow.get_layer("block5_conv2").filters == 128
    plain = zoo.vgg_cifar("D", width=0.25, batch_norm=False, kernel_initializer="he_normal")
    assert not any(isinstance(layer, keras.layers.BatchNormalization) for layer in plain.layers)
    assert isinstance(plain.get_layer("block1_conv1").kernel_initializer, keras.initializers.HeNormal)
    assert plain.name == "vgg_cifar_d"
    with pytest.raises(ValueError, match="width must be in"):
        zoo.vgg_cifar("A", width=0)


def test_inception_cifar_bottlenecks_and_aux_head():
    with_bottleneck = zoo.get_model("inception_cifar")
    without = zoo.get_model("inception_cifar", bottleneck=False)
    s1, s2 = complexity.summarize(with_bottleneck), complexity.summarize(without)
    assert (s1.total_params, s1.total_macs) == (346_046, 49_396_224)
    assert (s2.total_params, s2.total_macs) == (1_238_138, 146_344_448)
    assert "inception_3a_3x3_reduce" not in {layer.name for layer in without.layers}
    # the modules keep their output channels either way
    for name in ("inception_3a_concat", "inception_4b_concat"):
        assert with_bottleneck.get_layer(name).output.shape == without.get_layer(name).output.shape
    aux = zoo.get_model("inception_cifar", aux_classifier=True)
    assert aux.count_params() == 346_046 + 147_914 and len(aux.outputs) == 2
    outputs = aux(np.zeros((2, 32, 32, 3), "float32"))
    assert [tuple(o.shape) for o in outputs] == [(2, 10), (2, 10)]
    with pytest.raises(ValueError, match="aux_classifier=True needs include_top=True"):
        zoo.get_model("inception_cifar", aux_classifier=True, include_top=False)


@pytest.mark.parametrize("depth, growth_rate, params", [(52, 12, 272_398), (100, 12, 793_150),
                                                        (40, 24, 700_522)])
def test_densenet_cifar_depths_and_growth(depth, growth_rate, params):
    net = zoo.densenet_cifar(depth, growth_rate=growth_rate)
    assert net.count_params() == params
    n = (depth - 4) // 6
    channels = 2 * growth_rate + n * growth_rate           # first block's output
    assert net.get_layer("conv2_block%d_concat" % n).output.shape[-1] == channels
    assert net.get_layer("pool2_pool").output.shape[1:] == (16, 16, channels // 2)
    assert net.output.shape[-1] == 10


def test_densenet_bc100_is_densenet_cifar_100():
    assert zoo.densenet_bc100().count_params() == zoo.densenet_cifar(100).count_params() == 793_150


@pytest.mark.parametrize("kwargs, match", [({"depth": 50}, "6n \\+ 4"), ({"growth_rate": 0}, "growth_rate"),
                                           ({"compression": 1.5}, "compression")])
def test_densenet_cifar_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        zoo.densenet_cifar(**kwargs)


def test_mobilenet_v2_cifar_keeps_the_resolution_for_small_images():
    model = zoo.mobilenet_v2_cifar(include_top=False)
    assert model.output_shape == (None, 4, 4, 1280)             # 32 -> 32 -> 32 -> 16 -> 8 -> 4
    assert zoo.mobilenet_v2_cifar().count_params() == 2_270_794
    assert zoo.mobilenet_v2_cifar(alpha=0.5).count_params() == 719_034
    # Same blocks as the ImageNet network: the convolutional part has the same weights.
    features = zoo.mobilenet_v2(include_top=False, input_shape=(224, 224, 3))
    assert model.count_params() == features.count_params()
