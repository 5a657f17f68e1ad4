"""The image input every course network trains behind: ``uint8`` pixels, ``Rescaling(1/255)``.

Datasets load as ``uint8`` (0-255), and the images are never copied to float: the model's
first two layers are an ``Input`` of dtype ``uint8`` and a ``Rescaling(1 / 255)``. This is
the one place that stem is written.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence

import keras

__all__ = ["image_input", "with_image_input"]


def image_input(input_shape: Sequence[int], *, dtype: str = "uint8", name: str = "image"):
    """``(inputs, x)``: an image ``Input`` and its pixels rescaled to [0, 1] (``"rescale"``)."""
    shape = tuple(input_shape)
    if len(shape) != 3 or not all(d is None or (isinstance(d, numbers.Integral) and d > 0)
                                  for d in shape):
        raise ValueError(f"input_shape must be (height, width, channels) of positive ints (or "
                         f"None for any size), got {input_shape!r}.")
    inputs = keras.Input(tuple(None if d is None else int(d) for d in shape), dtype=dtype,
                         name=name)
    return inputs, keras.layers.Rescaling(1 / 255, name="rescale")(inputs)


def with_image_input(network: keras.Model, input_shape: Sequence[int], name: str | None = None,
                     dtype: str = "uint8") -> keras.Model:
    """``network`` (which takes floats in [0, 1]) behind :func:`image_input`."""
    inputs, x = image_input(input_shape, dtype=dtype)
    return keras.Model(inputs, network(x), name=name or network.name)
