"""course_utils.plotting: figures carry the right data, titles, labels and axes."""

from __future__ import annotations

import os
from types import SimpleNamespace

os.environ["MPLBACKEND"] = "Agg"  # before pyplot is imported
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure

from course_utils import geometry, plotting


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def rng():
    return np.random.default_rng(0)


# --------------------------------------------------------------------------- images
def test_plot_images_shows_each_image_with_its_label():
    images = rng().integers(0, 256, size=(6, 28, 28, 1), dtype=np.uint8)
    fig = plotting.plot_images(images, [0, 1, 2, 3, 4, 5], class_names=list("abcdef"), ncols=3)
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 6
    for ax, image, name in zip(fig.axes, images, "abcdef"):
        np.testing.assert_array_equal(ax.images[0].get_array(), image[..., 0])
        assert ax.get_title() == name
    assert fig.get_suptitle() == "6 images (28x28 pixels)"


def test_plot_images_highlights_wrong_predictions():
    images = rng().random((4, 8, 8, 3))
    scores = np.eye(3)[[0, 1, 1, 2]]  # class scores: argmax 0, 1, 1, 2
    fig = plotting.plot_images(images, [0, 1, 2, 2], predictions=scores)
    colors = [ax.title.get_color() for ax in fig.axes]
    assert colors == ["black", "black", "red", "black"]
    assert fig.axes[2].get_title() == "pred: 1\ntrue: 2"
    assert "1 wrong (red)" in fig.get_suptitle()
    np.testing.assert_array_equal(fig.axes[1].images[0].get_array(), images[1])


def test_plot_images_accepts_single_images():
    assert len(plotting.plot_images(np.zeros((5, 7))).axes) == 1
    assert len(plotting.plot_images(np.zeros((5, 7, 3))).axes) == 1
    assert len(plotting.plot_images(np.zeros((4, 5, 7))).axes) == 4  # (N, H, W)


@pytest.mark.parametrize("images, labels, match", [
    (np.zeros(5), None, "2-4 D"),
    (np.zeros((2, 3, 4, 5, 1)), None, "2-4 D"),
    (np.zeros((2, 8, 8, 5)), None, "1, 3 or 4 channels"),
    (np.zeros((3, 8, 8)), [0, 1], "labels has 2 entries, expected 3"),
])
def test_plot_images_rejects_bad_input(images, labels, match):
    with pytest.raises(ValueError, match=match):
        plotting.plot_images(images, labels)


# --------------------------------------------------------------------------- kernels, feature maps
def test_plot_kernels_diverging_and_symmetric():
    kernels = rng().normal(size=(3, 3, 2, 5)).astype("float32")  # (kh, kw, C_in, C_out)
    fig = plotting.plot_kernels(kernels, in_channel=1)
    image_axes = [ax for ax in fig.axes if ax.images]
    assert len(image_axes) == 5 and len(fig.axes) == 6  # + colorbar
    np.testing.assert_allclose(image_axes[3].images[0].get_array(), kernels[:, :, 1, 3])
    low, high = image_axes[0].images[0].get_clim()
    assert low == -high == -np.abs(kernels[:, :, 1, :]).max()
    assert image_axes[0].images[0].get_cmap().name == "RdBu_r"
    assert fig.axes[-1].get_ylabel() == "weight"
    with pytest.raises(ValueError, match="in_channel=2 is out of range"):
        plotting.plot_kernels(kernels, in_channel=2)


def test_plot_kernels_accepts_a_layer():
    layer = SimpleNamespace(get_weights=lambda: [np.ones((5, 5, 1, 6)), np.zeros(6)])
    fig = plotting.plot_kernels(layer, colorbar=False)
    assert len(fig.axes) == 6
    assert fig.get_suptitle() == "Convolution kernels"


def test_plot_feature_maps_grid_of_channels():
    maps = rng().random((1, 12, 10, 7))
    fig = plotting.plot_feature_maps(maps, ncols=4)
    assert len(fig.axes) == 7
    np.testing.assert_array_equal(fig.axes[6].images[0].get_array(), maps[0, :, :, 6])
    assert fig.axes[6].get_title() == "channel 6"
    assert "12x10 pixels, 7 of 7 channels" in fig.get_suptitle()
    assert len(plotting.plot_feature_maps(maps[0], max_channels=3).axes) == 3
    with pytest.raises(ValueError, match="batch of 2 images"):
        plotting.plot_feature_maps(np.zeros((2, 4, 4, 3)))


# --------------------------------------------------------------------------- training curves
HISTORY = {"loss": [1.0, 0.6, 0.4], "accuracy": [0.5, 0.7, 0.8],
           "val_loss": [1.1, 0.8, 0.7], "val_accuracy": [0.4, 0.6, 0.7]}


def test_plot_history_one_axes_per_metric():
    fig = plotting.plot_history(SimpleNamespace(history=HISTORY))
    loss_ax, accuracy_ax = fig.axes
    assert (loss_ax.get_title(), accuracy_ax.get_title()) == ("loss", "accuracy")
    assert loss_ax.get_xlabel() == "epoch" and loss_ax.get_ylabel() == "loss"
    train, validation = loss_ax.get_lines()
    np.testing.assert_array_equal(train.get_xdata(), [1, 2, 3])
    np.testing.assert_array_equal(validation.get_ydata(), HISTORY["val_loss"])
    assert [t.get_text() for t in loss_ax.get_legend().get_texts()] == ["train", "validation"]
    with pytest.raises(ValueError, match="one value per epoch"):
        plotting.plot_history({"loss": [1, 2], "val_loss": [1]})


def test_live_history_records_a_fit():
    import keras

    keras.utils.set_random_seed(0)
    x = rng().random((64, 8)).astype("float32")
    y = rng().integers(0, 3, size=64)
    model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(16, activation="relu"),
                              keras.layers.Dense(3, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"],
                  run_eagerly=True)  # no graph tracing: seconds faster, same callback calls
    curves = plotting.LiveHistory()
    assert not hasattr(plotting, "TrainingCurves")  # one name
    assert curves.live is False  # not in a notebook: nothing drawn during fit
    history = model.fit(x, y, epochs=2, batch_size=32, validation_split=0.25,
                        callbacks=[curves], verbose=0)
    assert curves.epochs == 2
    for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
        np.testing.assert_allclose(curves.history[key], history.history[key], rtol=1e-6)
    fig = curves.figure
    assert isinstance(fig, Figure)
    assert [ax.get_title() for ax in fig.axes] == ["loss", "accuracy"]
    assert all(ax.get_xlabel() == "epoch" for ax in fig.axes)
    np.testing.assert_allclose(fig.axes[0].get_lines()[1].get_ydata(), history.history["val_loss"])
    assert "2 epochs" in fig.get_suptitle()


def test_live_history_pads_missing_metrics_and_draws_live(monkeypatch):
    curves = plotting.LiveHistory(live=True)
    shown = []
    monkeypatch.setattr(curves, "_show", lambda: shown.append(curves.epochs))
    curves.on_epoch_end(0, {"loss": 1.0})
    curves.on_epoch_end(1, {"loss": 0.5, "val_loss": 0.7})
    assert shown == [1, 2]
    assert curves.history["loss"] == [1.0, 0.5]
    assert np.isnan(curves.history["val_loss"][0]) and curves.history["val_loss"][1] == 0.7


# --------------------------------------------------------------------------- confusion matrix
Y_TRUE = [0, 0, 1, 1, 1, 2, 2, 2, 2]
Y_PRED = [0, 1, 1, 1, 2, 2, 2, 0, 2]
HAND_COUNTED = np.array([[1, 1, 0],
                         [0, 2, 1],
                         [1, 0, 3]])


def test_confusion_matrix_counts():
    np.testing.assert_array_equal(plotting.confusion_matrix(Y_TRUE, Y_PRED), HAND_COUNTED)
    scores = np.eye(3)[Y_PRED] * 0.9
    np.testing.assert_array_equal(plotting.confusion_matrix(Y_TRUE, scores, 4)[:3, :3],
                                  HAND_COUNTED)
    with pytest.raises(ValueError, match="y_pred has 2 entries, expected 9"):
        plotting.confusion_matrix(Y_TRUE, [0, 1])


def test_plot_confusion_matrix_counts_and_normalised():
    fig = plotting.plot_confusion_matrix(Y_TRUE, Y_PRED, class_names=["cat", "dog", "owl"])
    ax = fig.axes[0]
    np.testing.assert_array_equal(ax.images[0].get_array(), HAND_COUNTED)
    assert ax.get_xlabel() == "predicted class" and ax.get_ylabel() == "true class"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["cat", "dog", "owl"]
    assert sorted(t.get_text() for t in ax.texts) == sorted(str(v) for v in HAND_COUNTED.flat)
    assert "accuracy 66.7% of 9 images" in ax.get_title()
    fig = plotting.plot_confusion_matrix(Y_TRUE, Y_PRED, normalize="true")
    rows = fig.axes[0].images[0].get_array()
    np.testing.assert_allclose(rows, HAND_COUNTED / HAND_COUNTED.sum(axis=1, keepdims=True))
    with pytest.raises(ValueError, match="normalize must be one of"):
        plotting.plot_confusion_matrix(Y_TRUE, Y_PRED, normalize="rows")


# --------------------------------------------------------------------------- complexity
def test_plot_complexity_from_a_summary_like_object():
    rows = [SimpleNamespace(name="conv1", type="Conv2D", params=160, macs=108_160),
            SimpleNamespace(name="pool1", type="MaxPooling2D", params=0, macs=0),
            SimpleNamespace(name="dense", type="Dense", params=27_050, macs=27_040)]
    summary = SimpleNamespace(rows=rows, total_params=27_210, total_macs=135_200)
    fig = plotting.plot_complexity(summary)
    params_ax, macs_ax = fig.axes
    assert [p.get_width() for p in params_ax.patches] == [160, 0, 27_050]
    assert [p.get_width() for p in macs_ax.patches] == [108_160, 0, 27_040]
    assert params_ax.get_xlabel() == "parameters"
    assert macs_ax.get_xlabel() == "multiply-accumulates (MACs)"
    assert [t.get_text() for t in params_ax.get_yticklabels()][0] == "conv1 (Conv2D)"
    assert "27,210 parameters, 135,200 MACs" in fig.get_suptitle()
    with pytest.raises(TypeError, match="complexity.Summary"):
        plotting.plot_complexity(SimpleNamespace(rows=[SimpleNamespace(name="x")]))


# --------------------------------------------------------------------------- convolution steps
@pytest.mark.parametrize("size, kernel, padding, stride, dilation, expected", [
    (5, 3, "valid", 1, 1, (3, 3)),
    (5, 3, 1, 1, 1, (5, 5)),
    (5, 3, 1, 2, 1, (3, 3)),
    (7, 3, "valid", 1, 2, (3, 3)),
    (13, 3, "same", 2, 1, (7, 7)),
    ((6, 8), (3, 2), ((0, 1), (2, 0)), (2, 3), 1, (3, 3)),
    (10, 3, 2, 1, 3, (8, 8)),
])
def test_conv_output_size_and_figure(size, kernel, padding, stride, dilation, expected):
    as_pair = (size, size) if isinstance(size, int) else size  # an int size gives one axis
    assert geometry.conv_output_size(as_pair, kernel, padding=padding, stride=stride,
                                     dilation=dilation) == expected
    fig = plotting.plot_conv_steps(size, kernel, padding=padding, stride=stride,
                                   dilation=dilation, steps=2)
    assert fig.output_size == expected
    assert fig.get_suptitle().endswith(f"-> output {expected[0]}x{expected[1]}")
    assert len(fig.axes) == 4  # input and output grid per step
    output_cells = fig.axes[3].images[0].get_array()
    assert output_cells.shape == expected


@pytest.mark.parametrize("padding, stride, dilation", [
    ("valid", 1, 1), ("same", 1, 1), ("same", 2, 1), ("valid", 2, 1), ("valid", 1, 2),
    ("same", 1, 3),
])
def test_conv_output_size_matches_keras(padding, stride, dilation):
    import keras

    layer = keras.layers.Conv2D(1, 3, padding=padding, strides=stride, dilation_rate=dilation)
    keras_shape = layer.compute_output_shape((None, 11, 9, 1))
    assert geometry.conv_output_size((11, 9), 3, padding=padding, stride=stride,
                                     dilation=dilation) == tuple(keras_shape[1:3])


def test_conv_steps_padding_taps_and_strides():
    fig = plotting.plot_conv_steps(5, 3, padding=1, stride=2, dilation=2, steps=[0, 1])
    # fig.axes: the input grids of steps 1 and 2, then their output grids
    first, second = fig.axes[0].images[0].get_array(), fig.axes[1].images[0].get_array()
    assert first.shape == (7, 7)  # padded input
    # padding cells (1) form the border, the 3x3 taps (2) sit every 2nd cell from (0, 0)
    assert (first[0, 1::2] == 1).all() and first[3, 3] == 0
    np.testing.assert_array_equal(np.argwhere(first == 2)[:, 1], [0, 2, 4] * 3)
    assert (second == 2).sum() == 9 and second[0, 2] == 2  # moved right by the stride
    outputs = fig.axes[3].images[0].get_array()
    np.testing.assert_array_equal(outputs, [[1, 2], [0, 0]])  # done, current, empty
    assert fig.axes[0].get_xlabel() == "input column (pixel)"
    assert fig.axes[0].get_title() == "step 1: output (0, 0)"
    with pytest.raises(ValueError, match="larger than the padded input"):
        plotting.plot_conv_steps(3, 5)
    with pytest.raises(ValueError, match="padding must be"):
        plotting.plot_conv_steps(5, 3, padding="wide")
    assert plotting.plot_conv_steps(5, 3, padding="full", steps=1).output_size == (7, 7)


def test_animate_conv_one_frame_per_output():
    animation = plotting.animate_conv(4, 3, padding="valid")
    assert animation.output_size == (2, 2)
    html = animation.to_jshtml()
    assert html.count("data:image/png;base64") == 4


def test_plot_curves_labels_log_axes_and_reference_lines():
    fig = plotting.plot_curves({"sgd": [3.0, 2.0, 1.0], "adam": ([1, 2, 4], [2.5, 1.0, 0.5])},
                               title="loss", xlabel="epoch", ylabel="loss (nats)", logy=True,
                               hlines={"target": 0.7})
    ax = fig.axes[0]
    assert ax.get_title() == "loss" and ax.get_xlabel() == "epoch"
    assert ax.get_ylabel() == "loss (nats)" and ax.get_yscale() == "log"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["sgd", "adam", "target"]
    np.testing.assert_array_equal(ax.lines[1].get_xdata(), [1, 2, 4])
    np.testing.assert_array_equal(ax.lines[0].get_xdata(), [1, 2, 3])
    with pytest.raises(ValueError, match="same length"):
        plotting.plot_curves({"x": ([1, 2], [1, 2, 3])}, title="t", xlabel="x", ylabel="y")
    with pytest.raises(ValueError, match="non-empty dict"):
        plotting.plot_curves({}, title="t", xlabel="x", ylabel="y")
    plt.close("all")


def test_importing_plotting_does_not_import_keras():
    import subprocess
    import sys

    code = "import sys, course_utils.plotting as p; p.plot_curves; print('keras' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == "False", out.stderr


def test_plot_tradeoff_labels_every_point_and_separates_close_ones():
    points = {"mlp": (238_510, 1.67), "lenet300": (266_610, 1.68), "lenet5": (61_706, 0.9)}
    fig = plotting.plot_tradeoff(points, title="MNIST", xlabel="parameters", ylabel="error (%)",
                                 reference={"lenet300": (266_610, 3.05), "mlp": (238_510, None)},
                                 reference_label="paper")
    ax = fig.axes[0]
    texts = {t.get_text(): t for t in ax.texts}
    assert set(texts) == set(points) and ax.get_xscale() == "log"
    assert texts["mlp"].xyann != texts["lenet300"].xyann  # close points: labels on two sides
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["this run", "paper"]
    plt.close("all")


def test_plot_normalization_axes_highlights_the_right_values():
    fig = plotting.plot_normalization_axes(groups=2)
    titles = [ax.get_title() for ax in fig.axes]
    assert [t.split()[0] for t in titles] == ["batch", "layer", "instance", "group"]
    assert "over N, H, W" in titles[0] and "3 channels" in titles[3]
    with pytest.raises(ValueError, match="multiple of groups"):
        plotting.plot_normalization_axes(channels=5, groups=2)
    with pytest.raises(ValueError, match="kinds must be among"):
        plotting.plot_normalization_axes(["weight"])
    plt.close("all")


def test_plot_bubbles_one_panel_per_source_with_sizes_and_groups():
    panels = {"course": [{"label": "a", "x": 1e6, "y": 50, "size": 1e5, "group": "lesson 07"},
                         {"label": "b", "x": 1e7, "y": 60, "size": 4e5, "group": "lesson 08"}],
              "reference": [{"label": "c", "x": 1e9, "y": 70, "size": 1e6}]}
    fig = plotting.plot_bubbles(panels, xlabel="MACs", ylabel="accuracy (%)", title="t")
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    left, right = fig.axes
    assert [t.get_text() for t in left.texts] == ["a", "b"] and left.get_xscale() == "log"
    sizes = np.concatenate([c.get_sizes() for c in left.collections])
    assert sizes[1] > sizes[0]                                  # area grows with the size
    assert [t.get_text() for t in left.get_legend().get_texts()] == ["lesson 07", "lesson 08"]
    assert right.get_title() == "reference" and "largest 1,000,000" in fig._suptitle.get_text()
    with pytest.raises(ValueError, match="lacks"):
        plotting.plot_bubbles({"p": [{"label": "a", "x": 1}]}, xlabel="x", ylabel="y", title="t")
    with pytest.raises(ValueError, match="at least one point"):
        plotting.plot_bubbles({"p": []}, xlabel="x", ylabel="y", title="t")


def test_plot_embedding_labels_every_class():
    from course_utils import plotting

    points = np.random.default_rng(0).normal(size=(30, 2))
    fig = plotting.plot_embedding(points, np.arange(30) % 3, title="latent space", xlabel="z_1",
                                  ylabel="z_2", class_names=["a", "b", "c"], annotate=range(30))
    ax = fig.axes[0]
    assert ax.get_title() == "latent space" and ax.get_xlabel() == "z_1"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a", "b", "c"]
    assert len(ax.texts) == 30
    with pytest.raises(ValueError, match=r"points must have shape \(N, 2\)"):
        plotting.plot_embedding(np.zeros((3, 3)), [0, 1, 2], title="t", xlabel="x", ylabel="y")
