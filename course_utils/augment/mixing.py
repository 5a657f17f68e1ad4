"""Augmentations that mix two images *and their labels*: mixup and CutMix.

Keras ships both as layers (``keras.layers.MixUp``, ``keras.layers.CutMix``) that take a
dictionary ``{"images": ..., "labels": ...}`` with one-hot labels and return the mixed pair.
The course's training path feeds integer labels and image-only augmentations;
:class:`MixLabels` is the adapter between the two: it applies an ordinary (image-only)
augmentation first, turns the integer labels of the batch into one-hot vectors, mixes both
with the Keras layer, and returns ``(images, soft labels)``. :func:`course_utils.augment.pipeline`
and :func:`course_utils.training.fit_and_evaluate` recognise it by its ``mixes_labels``
attribute and train with the categorical cross-entropy on the soft labels.
"""

from __future__ import annotations

from typing import Any

import keras
from keras import ops

__all__ = ["MixLabels", "mixes_labels"]

KINDS = ("mixup", "cutmix")


def mixes_labels(augmentation: Any) -> bool:
    """Whether ``augmentation`` returns ``(images, soft labels)`` from ``(images, labels)``."""
    return bool(getattr(augmentation, "mixes_labels", False))


class MixLabels:
    """An image augmentation followed by mixup or CutMix of the batch, labels included.

    Parameters
    ----------
    kind : {"mixup", "cutmix"}
        ``"mixup"`` (Zhang et al. 2018): ``lam * x_i + (1 - lam) * x_j`` and the same mixture
        of the one-hot labels, ``lam ~ Beta(alpha, alpha)``. ``"cutmix"`` (Yun et al. 2019): a
        random rectangle of ``x_j`` pasted into ``x_i``, the labels mixed by its area.
    num_classes : int
        Length of the one-hot labels.
    alpha : float, optional
        mixup: the Beta distribution's parameter (default 0.2, the value of the mixup
        paper's ImageNet experiments; 1 draws ``lam`` uniformly). CutMix: Keras's ``factor``,
        in (0, 1] (default 1.0): each batch draws ``a`` uniformly from (0, factor) and then
        ``lam ~ Beta(a, a)`` per image, which is not the CutMix paper's ``Beta(1, 1)``.
    augmentation : callable, optional
        An image-only augmentation applied before the mixing (for example
        :func:`course_utils.augment.cifar_standard`).
    seed : int, optional

    Notes
    -----
    Called as ``mix(images, labels, training=True)``; integer labels of shape ``(N,)`` or
    ``(N, 1)``. With ``training=False`` it returns the images and the one-hot labels unmixed.
    """

    mixes_labels = True

    def __init__(self, kind: str = "mixup", *, num_classes: int, alpha: float | None = None,
                 augmentation: Any = None, seed: int | None = None):
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {kind!r}.")
        if not isinstance(num_classes, int) or isinstance(num_classes, bool) or num_classes < 2:
            raise ValueError(f"num_classes must be an integer of at least 2, got {num_classes!r}.")
        alpha = (0.2 if kind == "mixup" else 1.0) if alpha is None else float(alpha)
        if not alpha > 0:
            raise ValueError(f"alpha must be positive, got {alpha!r}.")
        if kind == "cutmix" and alpha > 1:
            raise ValueError(f"for cutmix, alpha is Keras's CutMix factor, in (0, 1]; got {alpha!r}.")
        self.kind, self.num_classes, self.alpha, self.seed = kind, num_classes, alpha, seed
        self.augmentation = augmentation
        self.layer = (keras.layers.MixUp(alpha=alpha, seed=seed) if kind == "mixup"
                      else keras.layers.CutMix(factor=alpha, seed=seed))
        self.name = kind if augmentation is None else \
            f"{getattr(augmentation, 'name', 'augmentation')}+{kind}"

    def __call__(self, images, labels, training: bool = True):
        if len(ops.shape(images)) != 4:
            raise ValueError(f"{self.kind} mixes a batch (N, height, width, channels), got images "
                             f"of shape {tuple(ops.shape(images))}.")
        if self.augmentation is not None:
            images = self.augmentation(images, training=training)
        images = ops.cast(images, "float32")
        one_hot = ops.one_hot(ops.cast(ops.reshape(labels, (-1,)), "int32"), self.num_classes)
        if not training:
            return images, one_hot
        mixed = self.layer({"images": images, "labels": one_hot}, training=True)
        return mixed["images"], mixed["labels"]

    def __repr__(self) -> str:
        return (f"MixLabels({self.kind!r}, num_classes={self.num_classes}, alpha={self.alpha}, "
                f"augmentation={getattr(self.augmentation, 'name', None)!r}, seed={self.seed})")
