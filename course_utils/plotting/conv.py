"""A kernel sliding over a padded input: a figure of the first steps, or an animation.

The arithmetic (padding, output size) comes from :mod:`course_utils.geometry`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from course_utils.geometry import conv_geometry

__all__ = ["plot_conv_steps", "animate_conv"]


def _step_arrays(geo: dict[str, Any], index: int) -> tuple[np.ndarray, np.ndarray, tuple]:
    """Cell categories for output position ``index`` (row-major).

    Input: 0 input pixel, 1 padding, 2 kernel tap. Output: 0 empty, 1 done, 2 current.
    """
    (top, _), (left, _) = geo["pads"]
    grid = np.ones(geo["padded"], dtype=np.int8)
    grid[top:top + geo["size"][0], left:left + geo["size"][1]] = 0
    row, col = divmod(index, geo["output"][1])
    r0, c0 = row * geo["stride"][0], col * geo["stride"][1]
    taps_r = r0 + geo["dilation"][0] * np.arange(geo["kernel"][0])
    taps_c = c0 + geo["dilation"][1] * np.arange(geo["kernel"][1])
    grid[np.ix_(taps_r, taps_c)] = 2
    out = np.zeros(geo["output"], dtype=np.int8)
    out.flat[:index] = 1
    out[row, col] = 2
    return grid, out, (r0, c0)


_INPUT_COLORS = ["white", "#c8c8c8", "tab:orange"]
_OUTPUT_COLORS = ["white", "#9ecae1", "tab:orange"]


def _draw_grid(ax: Any, cells: np.ndarray, colors: list[str], offsets: tuple[int, int]) -> Any:
    """Show a category grid with cell borders; tick labels are pixel indices."""
    from matplotlib.colors import ListedColormap

    image = ax.imshow(cells, cmap=ListedColormap(colors), vmin=0, vmax=2)
    height, width = cells.shape
    ax.set_xticks(np.arange(-0.5, width), minor=True)
    ax.set_yticks(np.arange(-0.5, height), minor=True)
    ax.grid(which="minor", color="black", linewidth=0.6)
    ax.tick_params(which="minor", length=0)
    ax.set_xticks(range(width), [str(c - offsets[1]) for c in range(width)], fontsize=6)
    ax.set_yticks(range(height), [str(r - offsets[0]) for r in range(height)], fontsize=6)
    return image


def _conv_title(geo: dict[str, Any]) -> str:
    pads = geo["pads"]
    pad = (pads[0][0] if len({*pads[0], *pads[1]}) == 1 else f"{pads[0]}, {pads[1]}")
    return (f"{geo['size'][0]}x{geo['size'][1]} input, {geo['kernel'][0]}x{geo['kernel'][1]} "
            f"kernel, padding {pad}, stride {geo['stride']}, dilation {geo['dilation']} "
            f"-> output {geo['output'][0]}x{geo['output'][1]}")


def plot_conv_steps(input_size: int | Sequence[int], kernel_size: int | Sequence[int], *,
                    padding: Any = "valid", stride: int | Sequence[int] = 1,
                    dilation: int | Sequence[int] = 1, steps: int | Sequence[int] = 4,
                    title: str | None = None) -> Figure:
    """Draw a kernel sliding over a padded input, one column per step.

    Top row: the padded input (padding cells grey, the kernel's taps orange,
    the receptive field framed). Bottom row: the output grid filling up
    (done cells blue, the current one orange).

    Parameters
    ----------
    input_size, kernel_size : int or (int, int)
    padding, stride, dilation : see :func:`course_utils.geometry.conv_output_size`
    steps : int or sequence of int, default=4
        How many output positions to show (the first ones, row by row), or
        their row-major indices.
    title : str, default=None
        ``None`` describes the geometry and the output size.

    Returns
    -------
    matplotlib.figure.Figure
        Axes ``2 * len(steps)``; ``fig.output_size`` is ``(H_out, W_out)``.
    """
    geo = conv_geometry(input_size, kernel_size, padding=padding, stride=stride,
                        dilation=dilation)
    total = geo["output"][0] * geo["output"][1]
    indices = list(range(min(steps, total))) if isinstance(steps, (int, np.integer)) else list(steps)
    if not indices or not all(0 <= int(i) < total for i in indices):
        raise ValueError(f"steps must be a positive count or indices in [0, {total}); got {steps!r}.")
    offsets = (geo["pads"][0][0], geo["pads"][1][0])
    fig, axes = plt.subplots(2, len(indices), squeeze=False,
                             figsize=(2.6 * len(indices), 5.4),
                             gridspec_kw={"height_ratios": [geo["padded"][0], geo["output"][0]]})
    for column, index in enumerate(indices):
        grid, out, (r0, c0) = _step_arrays(geo, int(index))
        top, bottom = axes[0, column], axes[1, column]
        _draw_grid(top, grid, _INPUT_COLORS, offsets)
        top.add_patch(plt.Rectangle((c0 - 0.5, r0 - 0.5), geo["span"][1], geo["span"][0],
                                    fill=False, edgecolor="tab:red", linewidth=2))
        row, col = divmod(int(index), geo["output"][1])
        top.set_title(f"step {column + 1}: output ({row}, {col})", fontsize=9)
        top.set_xlabel("input column (pixel)", fontsize=7)
        _draw_grid(bottom, out, _OUTPUT_COLORS, (0, 0))
        bottom.set_title(f"output {geo['output'][0]}x{geo['output'][1]}", fontsize=9)
        bottom.set_xlabel("output column (pixel)", fontsize=7)
    axes[0, 0].set_ylabel("input row (pixel)", fontsize=7)
    axes[1, 0].set_ylabel("output row (pixel)", fontsize=7)
    fig.suptitle(title or _conv_title(geo), fontsize=10)
    fig.tight_layout()
    fig.output_size = geo["output"]
    return fig


def animate_conv(input_size: int | Sequence[int], kernel_size: int | Sequence[int], *,
                 padding: Any = "valid", stride: int | Sequence[int] = 1,
                 dilation: int | Sequence[int] = 1, interval: int = 500,
                 title: str | None = None) -> Any:
    """Animate a kernel sliding over every output position.

    Show it in a notebook with
    ``IPython.display.HTML(animate_conv(5, 3).to_jshtml())``.

    Parameters
    ----------
    input_size, kernel_size, padding, stride, dilation : see :func:`plot_conv_steps`
    interval : int, default=500
        Milliseconds per frame.
    title : str, default=None

    Returns
    -------
    matplotlib.animation.FuncAnimation
        One frame per output position; ``.output_size`` is ``(H_out, W_out)``.
    """
    from matplotlib.animation import FuncAnimation

    geo = conv_geometry(input_size, kernel_size, padding=padding, stride=stride,
                        dilation=dilation)
    total = geo["output"][0] * geo["output"][1]
    fig, (left, right) = plt.subplots(1, 2, figsize=(8, 4.2))
    grid, out, (r0, c0) = _step_arrays(geo, 0)
    input_image = _draw_grid(left, grid, _INPUT_COLORS, (geo["pads"][0][0], geo["pads"][1][0]))
    output_image = _draw_grid(right, out, _OUTPUT_COLORS, (0, 0))
    frame = left.add_patch(plt.Rectangle((c0 - 0.5, r0 - 0.5), geo["span"][1], geo["span"][0],
                                         fill=False, edgecolor="tab:red", linewidth=2))
    left.set_xlabel("input column (pixel)")
    left.set_ylabel("input row (pixel)")
    right.set_xlabel("output column (pixel)")
    right.set_ylabel("output row (pixel)")
    fig.suptitle(title or _conv_title(geo), fontsize=10)
    fig.tight_layout()

    def update(index: int) -> list:
        grid, out, (r0, c0) = _step_arrays(geo, index)
        input_image.set_data(grid)
        output_image.set_data(out)
        frame.set_xy((c0 - 0.5, r0 - 0.5))
        right.set_title(f"output ({index // geo['output'][1]}, {index % geo['output'][1]})")
        return [input_image, output_image, frame]

    animation = FuncAnimation(fig, update, frames=total, interval=interval, blit=False)
    plt.close(fig)  # show the animation only, not a static copy at the end of the cell
    animation.output_size = geo["output"]
    return animation
