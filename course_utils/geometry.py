"""Convolution geometry: padding, output sizes and kernel extents (NumPy only, no Keras).

The one home of convolution arithmetic: ``course_utils.scratch`` (the NumPy
convolutions), ``course_utils.complexity`` (counting) and ``course_utils.plotting``
(the sliding-kernel figures) all call these functions, so they cannot disagree.

Per axis, with input length ``n``, kernel ``k``, dilation ``d``, stride ``s`` and
``p_before + p_after`` zeros of padding::

    k_eff = d (k - 1) + 1
    out   = floor((n + p_before + p_after - k_eff) / s) + 1

``"valid"`` pads nothing (``n - k + 1``), ``"full"`` pads ``k_eff - 1`` on each side
(``n + k - 1``), ``"same"`` pads so that ``out = ceil(n / s)`` with the odd zero after,
exactly as Keras and TensorFlow do.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Union

import numpy as np

Pair = tuple[int, int]
Padding = Union[str, int, tuple[int, int], tuple[Pair, Pair]]
PADDING_MODES = ("valid", "same", "full")


def to_pair(value: int | tuple[int, int], name: str, *, minimum: int = 1) -> Pair:
    """Return ``value`` as ``(rows, cols)``; reject values below ``minimum``."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        pair = (int(value), int(value))
    elif (isinstance(value, (tuple, list)) and len(value) == 2
          and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in value)):
        pair = (int(value[0]), int(value[1]))
    else:
        raise ValueError(f"{name} must be an int or a pair of ints, got {value!r}.")
    if min(pair) < minimum:
        raise ValueError(f"{name} must be >= {minimum} in both dimensions, got {value!r}.")
    return pair


def effective_kernel(kernel: int, dilation: int) -> int:
    """Extent of a kernel of ``kernel`` taps with ``dilation - 1`` holes between taps."""
    return (kernel - 1) * dilation + 1


def pad_amounts(n: int, kernel: int, stride: int, dilation: int, padding: str | int | Pair,
                ) -> Pair:
    """Zeros added ``(before, after)`` along one axis of length ``n``.

    ``"same"`` follows Keras/TensorFlow exactly: the output has ``ceil(n / stride)``
    positions and an odd total padding puts the extra zero after (bottom/right).
    """
    k_eff = effective_kernel(kernel, dilation)
    if isinstance(padding, str):
        if padding == "valid":
            return (0, 0)
        if padding == "full":
            return (k_eff - 1, k_eff - 1)
        if padding == "same":
            out = math.ceil(n / stride)
            total = max((out - 1) * stride + k_eff - n, 0)
            return (total // 2, total - total // 2)
        raise ValueError(f"padding must be one of {PADDING_MODES}, an int or pairs, "
                         f"got {padding!r}.")
    if isinstance(padding, (int, np.integer)) and not isinstance(padding, bool):
        padding = (int(padding), int(padding))
    return to_pair(padding, "padding", minimum=0)


def resolve_padding(padding: Padding, in_hw: Pair, kernel_hw: Pair, stride: Pair,
                    dilation: Pair) -> tuple[Pair, Pair]:
    """Return ``((top, bottom), (left, right))`` for any accepted ``padding`` spelling.

    Accepted: ``"valid"``, ``"same"``, ``"full"``, an int ``p`` (``p`` on every side),
    or a pair of pairs ``((top, bottom), (left, right))``.
    """
    if isinstance(padding, str) or (isinstance(padding, (int, np.integer))
                                    and not isinstance(padding, bool)):
        per_axis = [padding, padding]
    elif (isinstance(padding, (tuple, list)) and len(padding) == 2
          and all(isinstance(p, (tuple, list)) and len(p) == 2 for p in padding)):
        per_axis = [tuple(padding[0]), tuple(padding[1])]
    else:
        raise ValueError(f"padding must be 'valid', 'same', 'full', an int or a pair of "
                         f"pairs ((top, bottom), (left, right)), got {padding!r}.")
    return tuple(pad_amounts(in_hw[a], kernel_hw[a], stride[a], dilation[a], per_axis[a])
                 for a in range(2))  # type: ignore[return-value]


def output_length(n: int, kernel: int, stride: int, dilation: int, pads: Pair) -> int:
    """Number of output positions along one axis (``pads`` already resolved)."""
    return (n + pads[0] + pads[1] - effective_kernel(kernel, dilation)) // stride + 1


def conv_geometry(input_size: int | Sequence[int], kernel_size: int | Sequence[int], *,
                  padding: Padding = "valid", stride: int | Sequence[int] = 1,
                  dilation: int | Sequence[int] = 1) -> dict[str, Any]:
    """Everything about a 2-D convolution's geometry, per axis ``(height, width)``.

    Parameters
    ----------
    input_size, kernel_size : int or (int, int)
    padding : {"valid", "same", "full"}, int, (pad_h, pad_w) or ((top, bottom), (left, right))
    stride, dilation : int or (int, int), default=1

    Returns
    -------
    dict
        ``size``, ``kernel``, ``stride``, ``dilation``, ``span`` (dilated kernel extent),
        ``pads`` (``((top, bottom), (left, right))``), ``padded`` and ``output``.

    Raises
    ------
    ValueError
        A non-positive size, kernel, stride or dilation, an unknown padding, or a
        kernel larger than the padded input.
    """
    size, kernel = to_pair(input_size, "input_size"), to_pair(kernel_size, "kernel_size")
    stride, dilation = to_pair(stride, "stride"), to_pair(dilation, "dilation")
    if (isinstance(padding, (tuple, list)) and len(padding) == 2
            and all(isinstance(p, (int, np.integer)) and not isinstance(p, bool) for p in padding)):
        padding = ((int(padding[0]),) * 2, (int(padding[1]),) * 2)  # (pad_h, pad_w)
    pads = resolve_padding(padding, size, kernel, stride, dilation)
    span = tuple(effective_kernel(k, d) for k, d in zip(kernel, dilation))
    padded = tuple(n + sum(p) for n, p in zip(size, pads))
    for axis, name in enumerate(("height", "width")):
        if span[axis] > padded[axis]:
            raise ValueError(
                f"kernel {name} {kernel[axis]} (dilated extent {span[axis]}) is larger than the "
                f"padded input {name} {padded[axis]} (input {size[axis]}, padding "
                f"{pads[axis]}): no output position.")
    output = tuple(output_length(size[a], kernel[a], stride[a], dilation[a], pads[a])
                   for a in range(2))
    return {"size": size, "kernel": kernel, "stride": stride, "dilation": dilation,
            "span": span, "pads": pads, "padded": padded, "output": output}


def conv_output_size(input_size: int | Sequence[int], kernel_size: int | Sequence[int], *,
                     padding: Padding = "valid", stride: int | Sequence[int] = 1,
                     dilation: int | Sequence[int] = 1) -> int | tuple[int, int]:
    """Output size of a convolution or pooling window: one axis, or (height, width).

    Parameters
    ----------
    input_size : int or (int, int)
        Input length along one axis, or ``(height, width)``.
    kernel_size : int or (int, int)
    padding : {"valid", "same", "full"}, int or pair, default="valid"
        ``"valid"`` gives ``n - k + 1``, ``"same"`` gives ``ceil(n / stride)`` (as in
        Keras), ``"full"`` gives ``n + k - 1``; an int pads every side. With an int
        ``input_size`` a pair is ``(before, after)``; with a pair ``input_size`` it is
        ``(pad_h, pad_w)``, or ``((top, bottom), (left, right))``.
    stride, dilation : int or (int, int), default=1

    Returns
    -------
    int or (int, int)
        An int for an int ``input_size``, else ``(height, width)``:
        ``floor((n + p_before + p_after - k_eff) / stride) + 1`` per axis.

    Examples
    --------
    >>> conv_output_size(227, 11, stride=4)          # AlexNet's first layer
    55
    >>> conv_output_size((28, 28), 5, padding="same")
    (28, 28)
    """
    if not (isinstance(input_size, (int, np.integer)) and not isinstance(input_size, bool)):
        return conv_geometry(input_size, kernel_size, padding=padding, stride=stride,
                             dilation=dilation)["output"]
    n = input_size
    for name, value in (("n", n), ("kernel_size", kernel_size), ("stride", stride),
                        ("dilation", dilation)):
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{name} must be a positive int for a one-axis size, got {value!r}.")
    n, kernel_size, stride, dilation = int(n), int(kernel_size), int(stride), int(dilation)
    pads = pad_amounts(n, kernel_size, stride, dilation, padding)
    k_eff = effective_kernel(kernel_size, dilation)
    if n + sum(pads) < k_eff:
        raise ValueError(f"kernel extent {k_eff} (kernel_size={kernel_size}, "
                         f"dilation={dilation}) is larger than the padded input "
                         f"{n + sum(pads)} (n={n}, padding={pads}).")
    return output_length(n, kernel_size, stride, dilation, pads)
