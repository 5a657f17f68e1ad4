"""course_utils.complexity: every layer kind, nested models, receptive fields, sizes.

The Keras Applications cross-checks build the real networks with ``weights=None``
(a few seconds each, most of it VGG16's 138 million random weights).
"""

from __future__ import annotations

import math

import keras
import pytest

from course_utils.complexity import conv_output_size, receptive_field, summarize

L = keras.layers


@pytest.mark.imagenet_scale
@pytest.mark.parametrize("builder,reference_macs,params", [
    (keras.applications.VGG16, 15.5e9, 138_357_544),
    (keras.applications.ResNet50, 3.9e9, 25_636_712),
    (keras.applications.MobileNetV2, 0.30e9, 3_538_984),
])
def test_keras_applications_macs_at_224(builder, reference_macs, params):
    model = builder(weights=None)
    s = summarize(model)
    assert s.total_params == model.count_params() == params
    assert s.not_counted == []
    assert abs(s.total_macs - reference_macs) / reference_macs < 0.02
    if builder is keras.applications.VGG16:
        # note 001's VGG-16 ends "4096 -> 4096 -> 10,000 (softmax)": ImageNet has 1,000.
        assert s.rows[-1].output_shape == (None, 1000)
        assert s.total_macs == 15_470_264_320
        blocks = [s.row(f"block{b}_pool").output_shape[1:] for b in range(1, 6)]
        assert blocks == [(112, 112, 64), (56, 56, 128), (28, 28, 256), (14, 14, 512),
                          (7, 7, 512)]


def test_every_supported_layer_kind():
    inputs = keras.Input((8, 8, 4))
    a = L.DepthwiseConv2D(3, depth_multiplier=2, padding="same", name="dw")(inputs)
    b = L.SeparableConv2D(6, 3, name="sep")(a)
    c = L.Conv2DTranspose(5, 3, strides=2, name="tconv")(b)
    g = L.Conv2D(6, 3, groups=2, padding="same", name="grouped")(inputs)
    n = L.BatchNormalization(name="bn")(g)
    ln = L.LayerNormalization(name="ln")(g)
    added = L.Add(name="add")([n, ln])
    mult = L.Multiply(name="mul")([added, g])
    cat = L.Concatenate(name="cat")([mult, g])
    pooled = L.MaxPooling2D(name="pool")(cat)
    gap = L.GlobalAveragePooling2D(name="gap")(c)
    outputs = L.Dense(3, name="head")(L.Concatenate(name="cat2")([gap, L.Flatten()(pooled)]))
    model = keras.Model(inputs, outputs)
    s = summarize(model)
    macs = {r.name: r.macs for r in s.rows}
    assert macs["dw"] == 8 * 8 * 3 * 3 * 4 * 2 == 4_608
    assert macs["sep"] == 6 * 6 * 3 * 3 * 8 + 6 * 6 * 8 * 6 == 4_320
    assert s.row("tconv").output_shape == (None, 13, 13, 5)
    assert macs["tconv"] == 6 * 6 * 3 * 3 * 6 * 5 == 9_720      # per input pixel
    assert macs["grouped"] == 8 * 8 * 3 * 3 * 2 * 6 == 6_912     # C_in / groups = 2
    assert macs["head"] == (5 + 4 * 4 * 12) * 3
    for name in ("bn", "ln", "add", "mul", "cat", "pool", "gap", "input_layer"):
        assert macs.get(name, 0) == 0
    assert s.row("bn").params == 4 * 6 and s.row("bn").trainable_params == 2 * 6
    assert s.row("cat").activations == 8 * 8 * 12
    assert s.total_params == model.count_params()
    assert s.trainable_params == sum(math.prod(w.shape) for w in model.trainable_weights)
    assert s.total_macs == sum(v for v in macs.values() if v)


def test_conv1d_and_dense_on_sequences():
    model = keras.Sequential([keras.Input((20, 3)), L.Conv1D(4, 5, name="c1"),
                              L.Dense(2, name="d")])
    s = summarize(model)
    assert s.row("c1").macs == 16 * 5 * 3 * 4
    assert s.row("d").macs == 16 * 4 * 2                          # Dense per time step


def test_nested_models_are_expanded_and_params_add_up():
    inner = keras.Sequential([L.Conv2D(4, 3, name="conv"), L.ReLU(name="relu")],
                             name="features")
    inputs = keras.Input((10, 10, 3))
    outputs = L.Dense(2, name="head")(L.Flatten(name="flat")(inner(inputs)))
    model = keras.Model(inputs, outputs, name="outer")
    s = summarize(model)
    assert [r.name for r in s.rows][1:] == ["features/conv", "features/relu", "flat", "head"]
    assert s.row("features/conv").macs == 8 * 8 * 3 * 3 * 3 * 4
    assert s.row("features/conv").output_shape == (None, 8, 8, 4)
    assert s.total_params == model.count_params() == (3 * 3 * 3 * 4 + 4) + (256 * 2 + 2)
    # a Sequential built without an Input inside another Sequential
    outer = keras.Sequential([keras.Sequential([L.Conv2D(2, 3, name="c")], name="block"),
                              L.Flatten(), L.Dense(1, name="out")])
    outer.build((None, 6, 6, 1))
    t = summarize(outer)
    assert t.total_params == outer.count_params()
    assert t.row("block/c").macs == 4 * 4 * 9 * 1 * 2
    assert t.row("out").macs == 4 * 4 * 2


def test_uncounted_layers_are_listed_never_zero():
    inputs = keras.Input((5, 6, 3))                    # time, width, channels
    x = L.ConvLSTM1D(4, 3, padding="same", return_sequences=True, name="lstm")(inputs)
    x = L.Lambda(lambda t: t * 2.0, name="double")(x)
    model = keras.Model(inputs, L.Dense(2, name="d")(L.Flatten()(x)))
    s = summarize(model)
    assert s.row("lstm").macs is None and not s.row("lstm").counted
    assert "not counted" in s.row("lstm").note
    assert s.not_counted == ["lstm", "double"]
    assert s.total_macs == 5 * 6 * 4 * 2
    assert s.total_params == model.count_params()
    text = s.to_text()
    assert "MACs not counted for: lstm, double" in text
    assert text.count("not counted") >= 3
    html = s._repr_html_()
    assert html.count("<tr>") == len(s.rows) + 1 and "lstm" in html
    assert str(s).startswith(model.name)


def test_recurrent_layers_count_one_mac_per_weight_per_step():
    """GRU, LSTM and SimpleRNN use every kernel weight once per step; the wrappers add up."""
    steps, features, units = 5, 3, 4
    inputs = keras.Input((steps, features))
    layers_ = {"rnn": L.SimpleRNN(units, return_sequences=True, name="rnn"),
               "gru": L.GRU(units, return_sequences=True, name="gru"),
               "lstm": L.LSTM(units, return_sequences=True, name="lstm"),
               "bigru": L.Bidirectional(L.GRU(units, return_sequences=True), name="bigru")}
    model = keras.Model(inputs, [layer(inputs) for layer in layers_.values()])
    s = summarize(model)
    for name, layer in layers_.items():
        kernels = sum(math.prod(w.shape) for w in layer.weights if "bias" not in w.path)
        assert s.row(name).macs == steps * kernels, name
    assert s.row("gru").macs == steps * 3 * units * (features + units)
    assert s.row("bigru").macs == 2 * s.row("gru").macs
    grid = keras.Input((7, steps, features))        # rows of a map, each read as a sequence
    rows = L.TimeDistributed(L.Bidirectional(L.GRU(units, return_sequences=True)), name="rows")
    assert summarize(keras.Model(grid, rows(grid))).row("rows").macs == 7 * s.row("bigru").macs


def test_a_shared_layer_is_not_counted_once_for_two_calls():
    shared = L.Dense(4, name="shared")
    a, b = keras.Input((3,)), keras.Input((3,))
    model = keras.Model([a, b], L.Add(name="add")([shared(a), shared(b)]))
    s = summarize(model)
    assert s.not_counted == ["shared"]
    assert "called 2 times" in s.row("shared").note
    assert s.total_params == model.count_params() == 16        # its weights once


def test_summarize_rejects_unbuilt_models_and_non_models():
    with pytest.raises(ValueError, match="not built"):
        summarize(keras.Sequential([L.Dense(2)]))
    with pytest.raises(ValueError, match="expects a keras.Model, got Dense"):
        summarize(L.Dense(2))


@pytest.mark.parametrize("args,kwargs,expected", [
    ((28, 5), {}, 24),                                   # valid: n - k + 1
    ((28, 5), {"padding": "same"}, 28),                  # same: n
    ((28, 5), {"padding": "full"}, 32),                  # full: n + k - 1
    ((227, 11), {"stride": 4}, 55),                      # AlexNet conv1
    ((55, 3), {"stride": 2}, 27),                        # AlexNet overlapping pooling
    ((7, 3), {"padding": "same", "stride": 2}, 4),       # ceil(7 / 2)
    ((10, 3), {"dilation": 2}, 6),
    ((32, 5), {"padding": 2}, 32),
    ((10, 3), {"padding": (0, 1), "stride": 2}, 5),
])
def test_conv_output_size(args, kwargs, expected):
    assert conv_output_size(*args, **kwargs) == expected


@pytest.mark.parametrize("n", [7, 8, 13])
@pytest.mark.parametrize("kernel,stride,dilation,padding", [
    (3, 1, 1, "valid"), (3, 2, 1, "same"), (4, 3, 1, "same"), (3, 1, 2, "same"),
    (5, 2, 1, "valid")])
def test_conv_output_size_agrees_with_keras_layers(n, kernel, stride, dilation, padding):
    layer = L.Conv2D(1, kernel, strides=stride, dilation_rate=dilation, padding=padding)
    expected = layer.compute_output_shape((None, n, n, 1))[1]
    assert conv_output_size(n, kernel, padding=padding, stride=stride,
                            dilation=dilation) == expected


def test_conv_output_size_errors():
    with pytest.raises(ValueError, match=r"kernel extent 5.*larger than the padded input 4"):
        conv_output_size(4, 5)
    with pytest.raises(ValueError, match="stride must be a positive int for a one-axis size, got 0"):
        conv_output_size(8, 3, stride=0)


def test_receptive_field_of_conv_and_pool_chains():
    # "F=5, S=1, P=2: from 5x5 to 6x6" after a 2x2 max pooling
    model = keras.Sequential([keras.Input((28, 28, 1)), L.Conv2D(6, 5, padding="same"),
                              L.MaxPooling2D(2)])
    rows = receptive_field(model)
    assert [r.receptive_field for r in rows] == [(5, 5), (6, 6)]
    assert [r.jump for r in rows] == [(1, 1), (2, 2)]
    assert rows[0].start == (0.0, 0.0) and rows[1].start == (0.5, 0.5)
    # two 3x3 convolutions see 5x5, three see 7x7 (VGG's argument); dilation 2 sees 5
    vgg_like = keras.Sequential([keras.Input((32, 32, 3))] + [
        L.Conv2D(4, 3, padding="same", activation="relu") for _ in range(3)] + [
        L.Conv2D(4, 3, dilation_rate=2), L.Flatten(), L.Dense(2)])
    rows = receptive_field(vgg_like)
    assert [r.receptive_field[0] for r in rows] == [3, 5, 7, 11]   # stops at Flatten
    assert rows[-1].start == (2.0, 2.0)              # valid, extent 5: centre moves by 2


def test_receptive_field_padding_layers_and_vgg16():
    padded = keras.Sequential([keras.Input((9, 9, 1)), L.ZeroPadding2D(1),
                               L.Conv2D(1, 3, strides=2), L.BatchNormalization()])
    rows = receptive_field(padded)
    assert rows[0].start == (-1.0, -1.0)
    assert rows[1].start == (0.0, 0.0) and rows[1].jump == (2, 2)
    assert rows[2].receptive_field == (3, 3)                       # BN passes through
    vgg = keras.applications.VGG16(weights=None, include_top=False,
                                   input_shape=(224, 224, 3))
    last = receptive_field(vgg)[-1]
    assert (last.name, last.receptive_field, last.jump) == ("block5_pool", (212, 212),
                                                            (32, 32))


def test_receptive_field_rejects_branches_and_unknown_layers():
    inputs = keras.Input((8, 8, 2))
    x = L.Conv2D(2, 3, padding="same")(inputs)
    branchy = keras.Model(inputs, L.Add(name="skip")([x, inputs]))
    with pytest.raises(ValueError, match="'skip'.*2 inputs"):
        receptive_field(branchy)
    upsampling = keras.Sequential([keras.Input((8, 8, 2)), L.Conv2DTranspose(2, 3)])
    with pytest.raises(ValueError, match="cannot follow.*Conv2DTranspose"):
        receptive_field(upsampling)


def test_one_conv_output_size_for_one_axis_and_for_height_width():
    from course_utils import geometry, plotting

    # one implementation, re-exported where lessons look for it
    assert conv_output_size is geometry.conv_output_size
    assert not hasattr(plotting, "conv_output_size")
    assert conv_output_size((28, 20), (5, 3), padding="full") == (32, 22)
    assert conv_output_size((11, 9), 3, padding=(1, 0), stride=2) == (6, 4)
    assert conv_output_size(10, 3, padding=(0, 1), stride=2) == 5  # one axis: (before, after)
    with pytest.raises(ValueError, match="kernel_size must be a positive int for a one-axis"):
        conv_output_size(10, (3, 3))
