"""Test-time augmentation: average a model's predictions over flips and crops.

``predict_tta(model, x, crops="flip")`` averages the outputs (softmax probabilities)
for each image and its mirror image; ``"five"`` for the four corner crops and the
centre crop, ``"ten"`` for those five and their mirror images, AlexNet's test-time
procedure (Krizhevsky et al. 2012, section 4.1).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["tta_views", "predict_tta", "CROPS"]

CROPS = (None, "flip", "five", "ten")


def _crop_size(images: np.ndarray, crop_size: int | Sequence[int] | None) -> tuple[int, int]:
    if crop_size is None:
        return images.shape[1], images.shape[2]
    size = (crop_size, crop_size) if isinstance(crop_size, (int, np.integer)) else tuple(crop_size)
    if len(size) != 2:
        raise ValueError(f"crop_size must be an int or (height, width), got {crop_size!r}.")
    return int(size[0]), int(size[1])


def tta_views(images: np.ndarray, crops: str | None = "flip", *,
              crop_size: int | Sequence[int] | None = None, pad: int = 0) -> list[np.ndarray]:
    """The views of ``images`` that :func:`predict_tta` averages over.

    Parameters
    ----------
    images : ndarray, shape (N, H, W, C)
    crops : {None, "flip", "five", "ten"}, default="flip"
        ``None``: the images; ``"flip"``: and their mirror images; ``"five"``: the
        four corner crops and the centre crop; ``"ten"``: those and their mirrors.
    crop_size : int or (int, int), optional
        Size of the crops (default: the images' size before padding).
    pad : int, default=0
        Zero-pad every side first (a network trained on pad-and-crop sees such views).

    Returns
    -------
    list of ndarray
        1, 2, 5 or 10 arrays of shape ``(N, crop_h, crop_w, C)``.
    """
    images = np.asarray(images)
    if images.ndim != 4:
        raise ValueError(f"images must be (N, H, W, C), got shape {images.shape}.")
    if crops not in CROPS:
        raise ValueError(f"crops must be one of {CROPS}, got {crops!r}.")
    ch, cw = _crop_size(images, crop_size)
    if pad:
        images = np.pad(images, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    height, width = images.shape[1:3]
    if ch > height or cw > width:
        raise ValueError(f"crop_size {(ch, cw)} is larger than the (padded) images {(height, width)}.")
    if crops in (None, "flip"):
        top, left = (height - ch) // 2, (width - cw) // 2
        views = [images[:, top:top + ch, left:left + cw]]
    else:
        if (ch, cw) == (height, width):
            raise ValueError(f"five crops of {ch}x{cw} from {height}x{width} images are all the "
                             f"same image: pass a crop_size below the image size, or pad > 0.")
        corners = [(0, 0), (0, width - cw), (height - ch, 0), (height - ch, width - cw),
                   ((height - ch) // 2, (width - cw) // 2)]
        views = [images[:, r:r + ch, c:c + cw] for r, c in corners]
    if crops in ("flip", "ten"):
        views += [v[:, :, ::-1] for v in views]
    return views


def predict_tta(model, images: np.ndarray, *, crops: str | None = "flip",
                crop_size: int | Sequence[int] | None = None, pad: int = 0,
                batch_size: int = 500) -> np.ndarray:
    """Average ``model``'s outputs over the views of :func:`tta_views`.

    Parameters
    ----------
    model : keras.Model
        Its outputs are averaged as they are (softmax probabilities for a classifier).
    images : ndarray, shape (N, H, W, C)
    crops, pad : see :func:`tta_views`
    crop_size : int or (int, int), optional
        Default: the model's input size when it is fixed, else the images' size.
    batch_size : int, default=500

    Returns
    -------
    ndarray, shape (N, num_outputs)
    """
    images = np.asarray(images)
    if crop_size is None:
        shape = tuple(getattr(model, "input_shape", (None, None, None))[1:3])
        crop_size = shape if None not in shape else None
    views = tta_views(images, crops, crop_size=crop_size, pad=pad)
    total = None
    for view in views:
        out = np.asarray(model.predict(np.ascontiguousarray(view), batch_size=batch_size, verbose=0),
                         dtype=np.float64)
        total = out if total is None else total + out
    return (total / len(views)).astype(np.float32)
