"""The widgets' handlers: the numbers each explorer shows (course_utils.widgets).

Unit tests cannot see the widgets; tests/test_browser.py moves a real slider.
"""

import keras
import numpy as np
import pytest

from course_utils import complexity, widgets


@pytest.mark.parametrize("values", [
    dict(), dict(input_size=32, kernel_size=5, stride=2, padding="same", in_channels=3, out_channels=16),
    dict(input_size=20, kernel_size=3, dilation=2, in_channels=4, out_channels=2)])
def test_conv_state_numbers(values):
    state = widgets.conv_state(**values)
    v = state["values"]
    k, d, s = v["kernel_size"], v["dilation"], v["stride"]
    span = (k - 1) * d + 1
    out = -(-v["input_size"] // s) if v["padding"] == "same" else (v["input_size"] - span) // s + 1
    assert state["output_size"] == out
    assert state["params"] == (k * k * v["in_channels"] + 1) * v["out_channels"]
    assert state["macs"] == out * out * k * k * v["in_channels"] * v["out_channels"]
    assert state["receptive_field"] == span
    assert f"output size: {out}x{out}x{v['out_channels']}" in state["text"]
    assert state["figure"].axes[0].get_title().startswith(f"input {v['input_size']}x")


def test_conv_state_agrees_with_keras_and_refuses_what_keras_refuses():
    model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Conv2D(8, 3)])
    state = widgets.conv_state()
    assert (state["params"], state["macs"]) == (model.count_params(), complexity.summarize(model).total_macs)
    no_output = widgets.conv_state(stride=2, dilation=2)
    assert no_output["output_size"] is None and "stride > 1 together with dilation > 1" in no_output["text"]
    assert "larger than the 5x5 input" in widgets.conv_state(input_size=5, kernel_size=7)["text"]
    with pytest.raises(ValueError, match="padding must be 'valid' or 'same'"):
        widgets.conv_state(padding="full")
    with pytest.raises(ValueError, match="stride must be a positive integer, got 0"):
        widgets.conv_state(stride=0)


def test_receptive_field_state():
    state = widgets.receptive_field_state(layers=4, kernel_size=3, pool_every=2)
    assert state["names"] == ["conv1", "conv2", "pool1", "conv3", "conv4", "pool2"]
    assert state["receptive_fields"] == [3, 5, 6, 10, 14, 16]        # +2, +2, +1, +2*2, +2*2, +2
    assert widgets.receptive_field_state(layers=3, kernel_size=3, pool_every=0, dilation=2)["receptive_fields"] == [5, 9, 13]
    with pytest.raises(ValueError, match="pool_every"):
        widgets.receptive_field_state(pool_every=-1)


def test_explorer_update_changes_what_it_shows():
    explorer = widgets.conv_explorer()
    assert explorer.controls is not None and len(explorer.controls.children) == 7
    before = explorer.state["text"]
    slider = explorer.controls.children[1]                            # the kernel slider
    slider.value = 5                                                  # what a student's drag does
    assert explorer.state["output_size"] == 24 and explorer.state["text"] != before
    assert explorer.update(stride=2)["output_size"] == 12


def test_augmentation_state():
    state = widgets.augmentation_state("rotation", 0.4, seed=3)
    assert len(state["figure"].axes) == 8 and "rotation, strength 0.40, seed 3" in state["text"]
    zero = widgets.augmentation_state("pad-and-crop + flip", 0.0)
    assert "pad_crop" in zero["text"]
    with pytest.raises(ValueError, match="augmentation must be one of"):
        widgets.augmentation_state("cutmix")
    with pytest.raises(ValueError, match=r"strength must be in \[0, 1\]"):
        widgets.augmentation_state("zoom", 2.0)


def test_training_dashboard_records_loss_accuracy_and_learning_rate():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(64, 4)).astype("float32"), rng.integers(0, 2, 64)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, activation="softmax")])
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    dashboard = widgets.TrainingDashboard(live=False)
    model.fit(x, y, epochs=3, batch_size=16, verbose=0, callbacks=[dashboard])
    assert dashboard.epochs == 3 and set(dashboard.history) >= {"loss", "accuracy", "learning_rate"}
    assert dashboard.history["learning_rate"] == pytest.approx([0.01] * 3)
    titles = [ax.get_title() for ax in dashboard.figure.axes]
    assert titles == ["loss", "accuracy", "learning_rate"]


def test_without_a_front_end_the_notebook_keeps_a_static_figure(tmp_path):
    """Executed headless (nbval, course run, slides), an explorer leaves its text and figure."""
    import nbclient
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("from course_utils import widgets\n"
                                          "explorer = widgets.conv_explorer(kernel_size=5)")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbclient.NotebookClient(nb, timeout=120, resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = nb.cells[0].outputs
    kinds = [set(o.get("data", {})) for o in outputs if o.output_type == "display_data"]
    assert any("application/vnd.jupyter.widget-view+json" in k for k in kinds)          # the sliders
    assert any("text/html" in k and "output size: 24x24x8" in o["data"]["text/html"]
               for k, o in zip(kinds, [o for o in outputs if o.output_type == "display_data"]))
    assert any("image/png" in k for k in kinds)                                          # the figure
