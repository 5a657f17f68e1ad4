"""Interactive demos for lectures (ipywidgets), with a static figure where no front end runs.

Each explorer has a pure *handler* that turns the controls' values into the numbers and the
figure it shows, computed by the same functions the lessons use (``complexity``, ``geometry``,
``plotting``, ``augment``): there is no second implementation to drift. The handler is what the
unit tests call.

Display: every explorer shows its text and figure through IPython display *handles*
(``display(..., display_id=True)``) and the sliders update those handles. Under nbval,
``course run`` or in a slide deck there is no widget front end: the notebook keeps the text and
figure of the default state, a static picture of the demo. In JupyterLab, moving a slider
redraws them live.

- :func:`conv_explorer`: input size, kernel, stride, padding, dilation, channels -> output
  size, parameters, MACs, receptive field; the kernel's taps drawn on a real photograph and
  the output of an edge filter with the same geometry.
- :func:`receptive_field_explorer`: a stack of convolutions and pools -> the receptive field
  after every layer.
- :func:`augmentation_explorer`: one augmentation of ``course_utils.augment`` or Keras, its
  strength and seed -> draws on CIFAR-10 images.
- :class:`TrainingDashboard`: a Keras callback (built on ``plotting.LiveHistory``) that shows
  loss, accuracy and the learning rate during ``fit``.
"""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

__all__ = ["conv_state", "conv_explorer", "receptive_field_state", "receptive_field_explorer",
           "augmentation_state", "augmentation_explorer", "TrainingDashboard", "Explorer",
           "AUGMENTATIONS"]


# ----------------------------------------------------------------------------- plumbing
@dataclasses.dataclass
class Explorer:
    """A displayed demo: its controls (None without ipywidgets), the handler and the last state."""

    controls: Any
    handler: Callable[..., dict]
    state: dict
    _text: Any = None
    _figure: Any = None

    def update(self, **values) -> dict:
        """Recompute with ``values`` (what a slider does) and redraw the displayed outputs."""
        self.state = self.handler(**{**self.state["values"], **values})
        if self._text is not None:
            self._text.update(_html(self.state["text"]))
            self._figure.update(_png(self.state["figure"]))
        return self.state

    def _repr_html_(self) -> str:          # a bare `explorer` at the end of a cell shows nothing more
        return ""


def _html(text: str):
    from IPython.display import HTML

    return HTML(f'<pre class="course-explorer-text" style="font-size:13px">{text}</pre>')


def _png(figure, *, close: bool = True):
    """The figure as a PNG display object; ``close`` frees a pyplot figure (not a reused one)."""
    import matplotlib.pyplot as plt
    from IPython.display import Image

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=80, bbox_inches="tight")
    if close:
        plt.close(figure)
    return Image(data=buffer.getvalue())


def _show(handler: Callable[..., dict], controls: Mapping[str, Any], defaults: dict, *,
          display_outputs: bool = True) -> Explorer:
    """Display sliders (when ipywidgets is present) above a text and a figure handle."""
    state = handler(**defaults)
    explorer = Explorer(None, handler, state)
    if not display_outputs:
        return explorer
    from IPython.display import display

    try:
        import ipywidgets
    except ImportError:                   # no ipywidgets: the static picture only
        ipywidgets = None
    if ipywidgets is not None:
        built = {name: make(ipywidgets, defaults[name]) for name, make in controls.items()}
        box = ipywidgets.HBox(list(built.values()), layout=ipywidgets.Layout(flex_flow="row wrap"))

        def on_change(change):
            explorer.update(**{name: widget.value for name, widget in built.items()})

        for widget in built.values():
            widget.observe(on_change, names="value")
        explorer.controls = box
        display(box)
    explorer._text = display(_html(state["text"]), display_id=True)
    explorer._figure = display(_png(state["figure"]), display_id=True)
    return explorer


def _slider(description: str, low: int, high: int, step: int = 1):
    return lambda w, value: w.IntSlider(value=value, min=low, max=high, step=step, description=description,
                                        continuous_update=False, style={"description_width": "initial"})


def _dropdown(description: str, options):
    return lambda w, value: w.Dropdown(value=value, options=list(options), description=description,
                                       style={"description_width": "initial"})


def _float_slider(description: str, low: float, high: float, step: float):
    return lambda w, value: w.FloatSlider(value=value, min=low, max=high, step=step, description=description,
                                          continuous_update=False, style={"description_width": "initial"})


# ----------------------------------------------------------------------------- convolution
def _photo(size: int) -> np.ndarray:
    from course_utils import data

    photo = data.load_photo(data.PHOTOS[0]).astype("float32")
    grey = photo.mean(axis=-1) if photo.ndim == 3 else photo
    import keras

    small = keras.ops.convert_to_numpy(keras.ops.image.resize(grey[None, ..., None], (size, size)))[0, ..., 0]
    return small / max(float(small.max()), 1e-6)


def conv_state(input_size: int = 28, kernel_size: int = 3, stride: int = 1, padding: str = "valid",
               dilation: int = 1, in_channels: int = 1, out_channels: int = 8) -> dict:
    """What the convolution explorer shows for these values (the handler).

    Returns a dict with ``output_size``, ``params``, ``macs``, ``receptive_field``, ``text``
    (the lines shown), ``figure`` and ``values`` (the inputs). Invalid combinations (a kernel
    larger than the padded input, stride > 1 with dilation > 1, which Keras rejects) give a text
    saying why and no numbers.
    """
    import keras
    import matplotlib.pyplot as plt

    from course_utils import complexity, geometry

    values = dict(input_size=input_size, kernel_size=kernel_size, stride=stride, padding=padding,
                  dilation=dilation, in_channels=in_channels, out_channels=out_channels)
    for name in ("input_size", "kernel_size", "stride", "dilation", "in_channels", "out_channels"):
        if not isinstance(values[name], (int, np.integer)) or values[name] < 1:
            raise ValueError(f"{name} must be a positive integer, got {values[name]!r}.")
    if padding not in ("valid", "same"):
        raise ValueError(f"padding must be 'valid' or 'same' (Keras's modes), got {padding!r}.")
    problem = None
    if stride > 1 and dilation > 1:
        problem = "Keras's Conv2D does not allow stride > 1 together with dilation > 1."
    elif padding == "valid" and geometry.effective_kernel(kernel_size, dilation) > input_size:
        problem = (f"the dilated kernel ({geometry.effective_kernel(kernel_size, dilation)} pixels) is larger "
                   f"than the {input_size}x{input_size} input with 'valid' padding.")
    if problem:
        fig, ax = plt.subplots(figsize=(4, 1))
        ax.set_axis_off()
        ax.set_title("no output: " + problem, fontsize=8, wrap=True)
        return {**dict(output_size=None, params=None, macs=None, receptive_field=None),
                "text": f"no output: {problem}", "figure": fig, "values": values}
    # explicit names: no auto-numbered layers, so a lesson's later layer names do not shift
    layer = keras.layers.Conv2D(out_channels, kernel_size, strides=stride, padding=padding, dilation_rate=dilation,
                                name="explorer_conv")
    model = keras.Sequential([keras.Input((input_size, input_size, in_channels), name="explorer_input"), layer],
                             name="explorer")
    summary = complexity.summarize(model)
    output_size = int(model.output_shape[1])
    receptive = complexity.receptive_field(model)[-1].receptive_field[0]
    expected = geometry.conv_output_size(input_size, kernel_size, stride=stride, padding=padding, dilation=dilation)
    expected = expected[0] if isinstance(expected, tuple) else expected
    assert int(expected) == output_size, (expected, output_size)         # geometry agrees with Keras
    text = (f"input {input_size}x{input_size}x{in_channels}, kernel {kernel_size}x{kernel_size}, stride {stride}, "
            f"padding '{padding}', dilation {dilation}\n"
            f"output size: {output_size}x{output_size}x{out_channels}\n"
            f"parameters: {summary.total_params:,} = ({kernel_size}*{kernel_size}*{in_channels} + 1) * {out_channels}\n"
            f"MACs: {summary.total_macs:,} = {output_size}*{output_size} outputs * {kernel_size * kernel_size * in_channels} "
            f"* {out_channels}\nreceptive field of one output: {receptive}x{receptive} pixels")
    figure = _conv_figure(values, output_size)
    return {"output_size": output_size, "params": int(summary.total_params), "macs": int(summary.total_macs),
            "receptive_field": int(receptive), "text": text, "figure": figure, "values": values}


def _conv_figure(values: dict, output_size: int):
    import keras
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    from course_utils import geometry

    n, k, s, d = values["input_size"], values["kernel_size"], values["stride"], values["dilation"]
    image = _photo(n)
    pads = geometry.resolve_padding(values["padding"], (n, n), (k, k), (s, s), (d, d))
    (top, _), (left, _) = pads
    edge = np.zeros((k, k, 1, 1), "float32")
    edge[:, 0, 0, 0], edge[:, -1, 0, 0] = -1.0, 1.0                   # a vertical-edge filter
    output = keras.ops.convert_to_numpy(keras.ops.conv(image[None, ..., None], edge, strides=s,
                                                      padding=values["padding"], dilation_rate=d))[0, ..., 0]
    fig, (ax_in, ax_out) = plt.subplots(1, 2, figsize=(8, 4))
    ax_in.imshow(image, cmap="gray", extent=(-0.5, n - 0.5, n - 0.5, -0.5))
    colours = ["tab:orange", "tab:green", "tab:purple"]
    for i, (row, col) in enumerate([(0, 0), (0, 1), (1, 0)][:3]):
        if row >= output_size or col >= output_size:
            continue
        for a in range(k):
            for b in range(k):
                y, x = row * s + a * d - top, col * s + b * d - left
                ax_in.add_patch(Rectangle((x - 0.5, y - 0.5), 1, 1, fill=False, lw=1.2, ec=colours[i]))
    ax_in.set_xlim(-0.5 - left, n - 0.5 + left)
    ax_in.set_ylim(n - 0.5 + top, -0.5 - top)
    ax_in.set_title(f"input {n}x{n}: the kernel's taps at outputs (0,0), (0,1), (1,0)", fontsize=9)
    shown = ax_out.imshow(output, cmap="RdBu_r")
    fig.colorbar(shown, ax=ax_out, fraction=0.046, label="vertical-edge response")
    ax_out.set_title(f"output {output_size}x{output_size} (one edge filter)", fontsize=9)
    for ax in (ax_in, ax_out):
        ax.set_xlabel("column (pixels)")
        ax.set_ylabel("row (pixels)")
    fig.suptitle("Convolution explorer")
    fig.tight_layout()
    return fig


def conv_explorer(**defaults) -> Explorer:
    """Sliders for a 2-D convolution; shows :func:`conv_state` live (static without a front end)."""
    values = {**dict(input_size=28, kernel_size=3, stride=1, padding="valid", dilation=1, in_channels=1,
                     out_channels=8), **defaults}
    controls = {"input_size": _slider("input size", 5, 64), "kernel_size": _slider("kernel", 1, 11),
                "stride": _slider("stride", 1, 4), "padding": _dropdown("padding", ["valid", "same"]),
                "dilation": _slider("dilation", 1, 4), "in_channels": _slider("channels in", 1, 64),
                "out_channels": _slider("channels out", 1, 64)}
    return _show(conv_state, controls, values)


# ----------------------------------------------------------------------------- receptive field
def receptive_field_state(layers: int = 4, kernel_size: int = 3, pool_every: int = 2, dilation: int = 1) -> dict:
    """Receptive field after each layer of ``layers`` convolutions, with a 2x2 pool after every
    ``pool_every`` of them (0: no pooling); from :func:`course_utils.complexity.receptive_field`."""
    import keras

    from course_utils import complexity, plotting

    for name, value in (("layers", layers), ("kernel_size", kernel_size), ("dilation", dilation)):
        if not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}.")
    if not isinstance(pool_every, (int, np.integer)) or pool_every < 0:
        raise ValueError(f"pool_every must be a non-negative integer, got {pool_every!r}.")
    stack = [keras.Input((224, 224, 1), name="explorer_input")]
    for i in range(layers):
        stack.append(keras.layers.Conv2D(1, kernel_size, padding="same", dilation_rate=dilation, name=f"conv{i + 1}"))
        if pool_every and (i + 1) % pool_every == 0:
            stack.append(keras.layers.MaxPooling2D(2, name=f"pool{(i + 1) // pool_every}"))
    rows = complexity.receptive_field(keras.Sequential(stack, name="explorer_stack"))
    sizes = [int(r.receptive_field[0]) for r in rows]
    text = "\n".join(f"{r.name:<8} kernel {r.kernel[0]:>2}  jump {r.jump[0]:>3}  receptive field {r.receptive_field[0]:>4}"
                     for r in rows)
    figure = plotting.plot_curves({f"{kernel_size}x{kernel_size} convolutions": sizes},
                                  title="Receptive field through the stack", xlabel="layer",
                                  ylabel="receptive field (input pixels)")
    return {"receptive_fields": sizes, "names": [r.name for r in rows], "text": text, "figure": figure,
            "values": dict(layers=layers, kernel_size=kernel_size, pool_every=pool_every, dilation=dilation)}


def receptive_field_explorer(**defaults) -> Explorer:
    values = {**dict(layers=4, kernel_size=3, pool_every=2, dilation=1), **defaults}
    controls = {"layers": _slider("convolutions", 1, 12), "kernel_size": _slider("kernel", 1, 7, 2),
                "pool_every": _slider("2x2 pool every", 0, 4), "dilation": _slider("dilation", 1, 4)}
    return _show(receptive_field_state, controls, values)


# ----------------------------------------------------------------------------- augmentation
def _augmentation(name: str, strength: float, seed: int, eigen):
    import keras

    from course_utils import augment

    makers = {
        "pad-and-crop + flip": lambda: augment.cifar_standard(pad=max(1, int(round(8 * strength))), seed=seed),
        "flip + translate": lambda: augment.flip_translate(shift=int(round(6 * strength)), seed=seed),
        "PCA colour": lambda: augment.PCAColor(*eigen, std=0.3 * strength, seed=seed),
        "rotation": lambda: keras.layers.RandomRotation(0.25 * strength, fill_mode="reflect", seed=seed),
        "shear": lambda: keras.layers.RandomShear(x_factor=0.6 * strength, y_factor=0.6 * strength,
                                                  fill_mode="reflect", seed=seed),
        "zoom": lambda: keras.layers.RandomZoom(0.5 * strength, fill_mode="reflect", seed=seed),
        "colour jitter": lambda: keras.layers.RandomColorJitter(
            value_range=(0, 255), brightness_factor=0.5 * strength, contrast_factor=0.5 * strength,
            saturation_factor=(0.5 - 0.4 * strength, 0.5 + 0.4 * strength), seed=seed),
        "erasing": lambda: keras.layers.RandomErasing(factor=1.0, scale=(0.02, 0.02 + 0.3 * strength),
                                                      value_range=(0, 255), seed=seed)}
    if name not in makers:
        raise ValueError(f"augmentation must be one of {list(makers)}, got {name!r}.")
    return makers[name]()


AUGMENTATIONS = ("pad-and-crop + flip", "flip + translate", "PCA colour", "rotation", "shear", "zoom",
                 "colour jitter", "erasing")
_SAMPLES: dict = {}


def _samples():
    if "x" not in _SAMPLES:
        from course_utils import augment, data

        dataset = data.load_or_fallback("cifar10", "shapes", train_size=500, test_size=10, seed=0)
        _SAMPLES["x"], _SAMPLES["name"] = dataset.x_train[:4], dataset.name
        _SAMPLES["eigen"] = augment.pca_color_statistics(dataset.x_train)
    return _SAMPLES


def augmentation_state(augmentation: str = "pad-and-crop + flip", strength: float = 0.5, seed: int = 0,
                       image: int = 0) -> dict:
    """Seven draws of one augmentation at ``strength`` (0-1) on a CIFAR-10 training image."""
    from course_utils import plotting

    if not 0.0 <= float(strength) <= 1.0:
        raise ValueError(f"strength must be in [0, 1], got {strength!r}.")
    samples = _samples()
    if not 0 <= int(image) < len(samples["x"]):
        raise ValueError(f"image must be in 0..{len(samples['x']) - 1}, got {image!r}.")
    layer = _augmentation(augmentation, float(strength), int(seed), samples["eigen"])
    figure = plotting.plot_augmentations(samples["x"][int(image)], layer, draws=7,
                                         title=f"{augmentation} at strength {strength:.2f} (seed {seed}) on {samples['name']}")
    text = f"{augmentation}, strength {strength:.2f}, seed {seed}: {type(layer).__name__} " + (
        "(" + ", ".join(l.name for l in layer.layers) + ")" if hasattr(layer, "layers") else "")
    return {"text": text, "figure": figure,
            "values": dict(augmentation=augmentation, strength=float(strength), seed=int(seed), image=int(image))}


def augmentation_explorer(**defaults) -> Explorer:
    values = {**dict(augmentation="pad-and-crop + flip", strength=0.5, seed=0, image=0), **defaults}
    controls = {"augmentation": _dropdown("augmentation", AUGMENTATIONS),
                "strength": _float_slider("strength", 0.0, 1.0, 0.05), "seed": _slider("seed", 0, 20),
                "image": _slider("image", 0, 3)}
    return _show(augmentation_state, controls, values)


# ----------------------------------------------------------------------------- dashboard
from course_utils.plotting.live import LiveHistory  # noqa: E402 - imports Keras, needed only from here on


class TrainingDashboard(LiveHistory):
    """``LiveHistory`` plus the learning rate: loss, accuracy and rate after every epoch.

    In a notebook the figure is redrawn in place after every epoch (a display handle, so the
    saved notebook keeps the last picture); elsewhere it only records. ``.figure`` draws it.
    """

    def __init__(self, *, title: str = "Training dashboard", live: bool | None = None):
        super().__init__(title=title, live=live)
        self._handle = None

    def on_epoch_end(self, epoch, logs=None):
        logs = dict(logs or {})
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is not None and "learning_rate" not in logs:
            import keras

            logs["learning_rate"] = float(keras.ops.convert_to_numpy(optimizer.learning_rate))
        live, self.live = self.live, False
        super().on_epoch_end(epoch, logs)
        self.live = live
        if live:
            from IPython.display import display

            picture = _png(self.figure, close=False)
            if self._handle is None:
                self._handle = display(picture, display_id=True)
            else:
                self._handle.update(picture)

    def summary(self) -> dict:
        """The last value of every logged quantity."""
        return {k: v[-1] for k, v in self.history.items() if v}

