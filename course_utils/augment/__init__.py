"""Data augmentation: Keras 3's preprocessing layers composed, plus what Keras lacks.

Everything Keras ships (``RandomFlip``, ``RandomTranslation``, ``RandomRotation``,
``RandomZoom``, ``RandomColorJitter``, ``RandomErasing``, ``MixUp``, ``CutMix``,
``RandAugment``, ...) is used as it is, composed in a ``keras.Sequential``. This
package adds only:

========================  =====================================================
``PCAColor``              AlexNet's PCA colour augmentation (a Keras layer)
``pca_color_statistics``  the RGB eigenvalues and eigenvectors it needs
``MixLabels``             mixup or CutMix (Keras's layers) on integer-labelled batches
``predict_tta``           test-time augmentation: flip, five and ten crops
``pipeline``              augmented batches made off the training step
``cifar_standard``        preset: pad-4 random crop and horizontal flip
``flip_translate``        preset: flip and a small reflected shift (the CIFAR recipe)
``alexnet``               preset: random crop, flip and PCA colour
========================  =====================================================

Every random layer takes ``seed``: a preset built with the same seed and called on
the same batches gives the same images. Presets work on channels-last batches of
any dtype (Keras casts to float32) and return float32 in the input's value range.
Note that Keras's ``RandomCrop`` crops one window per *batch*; the presets make
per-image crops from per-image ``RandomTranslation`` (and ``CenterCrop``).
"""

from __future__ import annotations

import keras
import numpy as np
from keras import layers

from course_utils.augment.mixing import MixLabels, mixes_labels
from course_utils.augment.pca import PCAColor, pca_color_statistics
from course_utils.augment.pipeline import AugmentedBatches, pipeline
from course_utils.augment.tta import CROPS, predict_tta, tta_views

__all__ = ["Preset", "MixLabels", "mixes_labels", "PCAColor", "pca_color_statistics", "predict_tta", "tta_views", "CROPS", "pipeline",
           "AugmentedBatches", "cifar_standard", "flip_translate", "alexnet"]


@keras.saving.register_keras_serializable(package="course_utils")
class Preset(keras.Sequential):
    """A ``keras.Sequential`` of augmentation layers that takes one image or a batch.

    A plain ``Sequential`` fixes its input rank at its first call: after one image
    ``(H, W, C)`` it treated a batch of greyscale images ``(N, H, W, 1)`` as images and
    dropped their channel axis. A preset always runs on a batch: a single image gets a
    batch axis, which is removed again.
    """

    def __call__(self, inputs, *args, **kwargs):
        rank = len(getattr(inputs, "shape", np.shape(inputs)))
        if rank == 4:
            return super().__call__(inputs, *args, **kwargs)
        if rank == 3:
            batch = keras.ops.expand_dims(inputs, 0)
            return keras.ops.squeeze(super().__call__(batch, *args, **kwargs), 0)
        raise ValueError(f"{self.name} takes an image (height, width, channels) or a batch "
                         f"(N, height, width, channels); got shape "
                         f"{tuple(getattr(inputs, 'shape', np.shape(inputs)))}.")


def _seed(seed: int | None, offset: int) -> int | None:
    return None if seed is None else int(seed) + offset


def cifar_standard(*, image_size: int = 32, pad: int = 4, seed: int | None = 0) -> keras.Sequential:
    """Pad ``pad`` zeros and crop back at a random place, then flip left-right.

    The standard CIFAR augmentation (He et al. 2016): the crop is a per-image
    ``RandomTranslation`` by up to ``pad`` pixels with zero fill and nearest-pixel
    sampling, which is the same as padding and cropping.

    Parameters
    ----------
    image_size : int, default=32
    pad : int, default=4
    seed : int or None, default=0
    """
    if not 0 < pad < image_size:
        raise ValueError(f"pad must be in 1..{image_size - 1}, got {pad!r}.")
    factor = pad / image_size
    return Preset([
        layers.RandomTranslation(factor, factor, fill_mode="constant", interpolation="nearest",
                                 seed=_seed(seed, 0), name="pad_crop"),
        layers.RandomFlip("horizontal", seed=_seed(seed, 1), name="flip"),
    ], name="cifar_standard")


def flip_translate(*, image_size: int = 32, shift: int = 2, seed: int | None = 0) -> keras.Sequential:
    """Flip left-right and shift by up to ``shift`` pixels with reflected borders.

    The augmentation of the CIFAR-10 speed runs (airbench): a small shift keeps the
    whole object in view, reflection keeps the borders natural.
    """
    if not 0 <= shift < image_size:
        raise ValueError(f"shift must be in 0..{image_size - 1}, got {shift!r}.")
    steps = [layers.RandomFlip("horizontal", seed=_seed(seed, 0), name="flip")]
    if shift:
        factor = shift / image_size
        steps.append(layers.RandomTranslation(factor, factor, fill_mode="reflect",
                                              interpolation="nearest", seed=_seed(seed, 1),
                                              name="translate"))
    return Preset(steps, name="flip_translate")


def alexnet(eigenvalues, eigenvectors, *, image_size: int = 32, crop_size: int = 28,
            std: float = 0.1, seed: int | None = 0) -> keras.Sequential:
    """AlexNet's training augmentation: a random crop, a flip and PCA colour.

    Parameters
    ----------
    eigenvalues, eigenvectors
        From :func:`pca_color_statistics` of the training images.
    image_size, crop_size : int, default=32, 28
        Random ``crop_size`` crops of ``image_size`` images (AlexNet: 224 of 256). The
        crop is a shift by up to ``(image_size - crop_size) / 2`` pixels followed by a
        centre crop, so every crop lies inside the image.
    std : float, default=0.1
        Standard deviation of the PCA colour coefficients.
    seed : int or None, default=0

    Returns
    -------
    Preset
        Output ``(N, crop_size, crop_size, 3)``; at test time use
        ``keras.layers.CenterCrop`` or :func:`predict_tta` with ``crops="ten"``.
    """
    if not 0 < crop_size <= image_size:
        raise ValueError(f"crop_size must be in 1..{image_size}, got {crop_size!r}.")
    margin = (image_size - crop_size) / 2
    steps = []
    if margin:
        factor = margin / image_size
        steps.append(layers.RandomTranslation(factor, factor, fill_mode="reflect",
                                              interpolation="nearest", seed=_seed(seed, 0),
                                              name="crop_shift"))
        steps.append(layers.CenterCrop(crop_size, crop_size, name="crop"))
    steps.append(layers.RandomFlip("horizontal", seed=_seed(seed, 1), name="flip"))
    steps.append(PCAColor(eigenvalues, eigenvectors, std=std, seed=_seed(seed, 2),
                          name="pca_color"))
    return Preset(steps, name="alexnet_augmentation")
