"""Recompute the syllabus's parameter, MAC and shape figures with course_utils.complexity.

Where a slide or note prints a wrong or rounded figure, the test says so next to the
exact value.
"""

from __future__ import annotations

import keras
import pytest

from course_utils import zoo
from course_utils.complexity import summarize

L = keras.layers


def sequential(input_shape, layers, name):
    return keras.Sequential([keras.Input(input_shape), *layers], name=name)


def test_lenet300_parameters_and_macs_per_layer():
    model = sequential((784,), [L.Dense(300, name="fc300"), L.Dense(100, name="fc100"),
                                L.Dense(10, name="fc10")], "lenet300")
    s = summarize(model)
    # params = m * (1 + n); MACs = m * n. The slide's "300 * (28*28) = 230k" parameters
    # is the weight count 235,200 rounded down and without the 300 biases; its MAC
    # table gives the same product as 235k.
    assert [s.row(n).params for n in ("fc300", "fc100", "fc10")] == [235_500, 30_100, 1_010]
    assert [s.row(n).macs for n in ("fc300", "fc100", "fc10")] == [235_200, 30_000, 1_000]
    assert s.total_params == 266_610 == model.count_params()         # "~260k" on the slide
    assert s.total_macs == 266_200                                    # "~266k" on the slide
    # the first layer holds 88% of the parameters, as the slide says
    assert round(100 * 235_500 / s.total_params) == 88


def test_first_conv_layer_of_the_conv_lenet300():
    model = sequential((28, 28, 1), [L.Conv2D(6, 5, padding="same", name="conv6")], "c")
    row = summarize(model).row("conv6")
    assert row.params == 6 * (5 * 5 + 1) * 1 == 156
    assert row.output_shape == (None, 28, 28, 6)
    assert row.macs == 28 * 28 * 6 * 5 * 5 == 117_600
    # The MAC slide computes "6 * (5x5 + 1) * (24*24*1) = 86k": 24x24 is the *valid*
    # output, and with its "+1" the product is 89,856; 86k is 6*25*576 = 86,400.
    valid = summarize(sequential((28, 28, 1), [L.Conv2D(6, 5, name="conv6")], "v"))
    assert valid.row("conv6").macs == 86_400


def test_fc100_on_six_28x28_feature_maps_is_470k_not_400k():
    model = sequential((28, 28, 1), [L.Conv2D(6, 5, padding="same"), L.Flatten(),
                                     L.Dense(100, name="fc100"), L.Dense(10, name="fc10")],
                       "conv_fc")
    s = summarize(model)
    assert s.row("fc100").params == 100 * (6 * 28 * 28 + 1) == 470_500   # slide: "400k"
    assert s.row("fc100").macs == 470_400
    assert s.total_params == 156 + 470_500 + 1_010 == model.count_params()
    # with 2x2 max pooling first, FC-100 sees 6x14x14 and drops to 117,700 ("117k")
    pooled = summarize(sequential((28, 28, 1), [
        L.Conv2D(6, 5, padding="same"), L.MaxPooling2D(2), L.Flatten(),
        L.Dense(100, name="fc100"), L.Dense(10)], "pooled"))
    assert pooled.row("fc100").params == 117_700
    assert pooled.total_params == 118_866                                 # "~118k"


def test_second_lenet_convolution_has_2416_parameters_not_2496():
    model = sequential((28, 28, 1), [
        L.Conv2D(6, 5, padding="same"), L.MaxPooling2D(2),
        L.Conv2D(16, 5, padding="same", name="conv16"), L.MaxPooling2D(2), L.Flatten(),
        L.Dense(100, name="fc100"), L.Dense(10, name="fc10")], "conv_lenet300")
    s = summarize(model)
    # 16 filters of 5x5x6 and one bias each. The slide's 2,496 = 16 * (5*5 + 1) * 6
    # counts a bias per input channel (96 biases instead of 16).
    assert s.row("conv16").params == 16 * (5 * 5 * 6 + 1) == 2_416
    assert 16 * (5 * 5 + 1) * 6 == 2_496 != s.row("conv16").params
    assert s.row("fc100").params == 100 * (16 * 7 * 7 + 1) == 78_500     # "78k"
    assert s.total_params == 82_082 == model.count_params()              # "~82k"


def test_inception_5x5_cost_and_the_1x1_bottleneck():
    inputs = keras.Input((28, 28, 192))
    direct = keras.Model(inputs, L.Conv2D(32, 5, padding="same")(inputs), name="direct")
    squeezed = L.Conv2D(16, 1, name="bottleneck")(inputs)
    bottleneck = keras.Model(inputs, L.Conv2D(32, 5, padding="same", name="conv5")(squeezed),
                             name="with_bottleneck")
    # "about 120 million" multiplications; with the bottleneck "about 12.4 million"
    assert summarize(direct).total_macs == 28 * 28 * 32 * 5 * 5 * 192 == 120_422_400
    s = summarize(bottleneck)
    assert s.row("bottleneck").macs == 28 * 28 * 16 * 192 == 2_408_448
    assert s.row("conv5").macs == 28 * 28 * 32 * 5 * 5 * 16 == 10_035_200
    assert s.total_macs == 12_443_648
    assert round(120_422_400 / s.total_macs, 1) == 9.7                   # "about 1/10th"


def test_lenet5_shapes_layer_by_layer():
    model = sequential((32, 32, 1), [
        L.Conv2D(6, 5, activation="tanh"), L.AveragePooling2D(2),
        L.Conv2D(16, 5, activation="tanh"), L.AveragePooling2D(2), L.Flatten(),
        L.Dense(120, activation="tanh"), L.Dense(84, activation="tanh"), L.Dense(10)],
        "lenet5")
    s = summarize(model)
    # note 001 writes the first output as "28x28xg": it is 28x28x6
    assert [r.output_shape[1:] for r in s.rows] == [
        (28, 28, 6), (14, 14, 6), (10, 10, 16), (5, 5, 16), (400,), (120,), (84,), (10,)]
    # "about 60,000": the count of the zoo's modern LeNet-5, declared on its card
    assert s.total_params == zoo.card("lenet5_modern").params
    assert abs(s.total_params - 60_000) / 60_000 < 0.03


def alexnet() -> keras.Model:
    return sequential((227, 227, 3), [
        L.Conv2D(96, 11, strides=4, activation="relu", name="conv1"),
        L.MaxPooling2D(3, 2, name="pool1"),
        L.Conv2D(256, 5, padding="same", activation="relu", name="conv2"),
        L.MaxPooling2D(3, 2, name="pool2"),
        L.Conv2D(384, 3, padding="same", activation="relu", name="conv3"),
        L.Conv2D(384, 3, padding="same", activation="relu", name="conv4"),
        L.Conv2D(256, 3, padding="same", activation="relu", name="conv5"),
        L.MaxPooling2D(3, 2, name="pool5"), L.Flatten(name="flatten"),
        L.Dense(4096, activation="relu", name="fc6"),
        L.Dense(4096, activation="relu", name="fc7"),
        L.Dense(1000, activation="softmax", name="fc8")], "alexnet")


def test_alexnet_shapes_parameters_and_where_the_time_goes():
    s = summarize(alexnet())
    # Note 001 lists three more 3x3 convolutions (13x13x384, 13x13x384, 13x13x256)
    # after the last pooling layer: a copy of the three lines above it. The real
    # network flattens the 6x6x256 output straight into 9,216 features.
    assert [(r.name, r.output_shape[1:]) for r in s.rows] == [
        ("conv1", (55, 55, 96)), ("pool1", (27, 27, 96)), ("conv2", (27, 27, 256)),
        ("pool2", (13, 13, 256)), ("conv3", (13, 13, 384)), ("conv4", (13, 13, 384)),
        ("conv5", (13, 13, 256)), ("pool5", (6, 6, 256)), ("flatten", (9216,)),
        ("fc6", (4096,)), ("fc7", (4096,)), ("fc8", (1000,))]
    assert s.total_params == 62_378_344                              # "62.3 M parameters"
    conv = [r for r in s.rows if r.type == "Conv2D"]
    conv_params = sum(r.params for r in conv)
    conv_macs = sum(r.macs for r in conv)
    assert conv_params == 3_747_200 and conv_macs == 1_076_634_144
    # "conv layers 6% [of the parameters] but take 95% of time" (time ~ MACs here)
    assert round(100 * conv_params / s.total_params) == 6
    assert round(100 * conv_macs / s.total_macs) == 95


def test_fully_connected_first_layer_on_a_200x200_image():
    # note 004: 200 x 200 x 500 + 500 = "over 20 million" parameters
    s = summarize(sequential((200 * 200,), [L.Dense(500, name="hidden")], "mlp"))
    assert s.row("hidden").params == 20_000_500


@pytest.mark.parametrize("kernel,expected", [(3, 3 * 3 + 1), (5, 26)])
def test_single_filter_weights_on_a_greyscale_image(kernel, expected):
    # note 004: a 3x3 kernel on a 7x7 greyscale image has 3x3 + 1 trainable weights
    s = summarize(sequential((7, 7, 1), [L.Conv2D(1, kernel, name="c")], "one"))
    assert s.row("c").params == s.row("c").trainable_params == expected
    assert s.row("c").output_shape == (None, 8 - kernel, 8 - kernel, 1)
