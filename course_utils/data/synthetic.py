"""The ``shapes`` dataset: procedurally generated colour images that need no download.

Ten classes of geometric shapes drawn at a random position, scale, rotation and
colour on a textured background, 32x32x3 by default, deterministic from a seed.
Difficulty knobs make it useful for lessons on translation invariance,
augmentation and transfer learning without any network access.
"""

from __future__ import annotations

import numpy as np

CLASS_NAMES = ("circle", "ring", "square", "frame", "triangle",
               "star", "cross", "crescent", "bar", "ell")
BACKGROUNDS = ("plain", "noise", "texture")


def _masks(u: np.ndarray, v: np.ndarray, label: int) -> np.ndarray:
    """Inside-test of class ``label`` in the shape's own unit coordinates."""
    r2 = u * u + v * v
    au, av = np.abs(u), np.abs(v)
    if label == 0:  # circle
        return r2 <= 0.85
    if label == 1:  # ring
        return (r2 <= 1.0) & (r2 >= 0.35)
    if label == 2:  # square
        return np.maximum(au, av) <= 0.75
    if label == 3:  # frame: a hollow square
        m = np.maximum(au, av)
        return (m <= 0.85) & (m >= 0.5)
    if label == 4:  # equilateral triangle
        s3 = np.sqrt(3.0)
        return (v >= -0.5) & (s3 * u + v <= 1.0) & (-s3 * u + v <= 1.0)
    if label == 5:  # five-pointed star
        theta = np.arctan2(v, u)
        return np.sqrt(r2) <= 0.4 + 0.6 * ((np.cos(5 * theta) + 1) / 2) ** 2
    if label == 6:  # cross
        return ((au <= 0.28) & (av <= 0.95)) | ((av <= 0.28) & (au <= 0.95))
    if label == 7:  # crescent
        return (r2 <= 0.95) & ((u - 0.45) ** 2 + v * v >= 0.6)
    if label == 8:  # bar
        return (au <= 0.95) & (av <= 0.25)
    if label == 9:  # ell: an L of two bars
        return (((u >= -0.8) & (u <= -0.3) & (av <= 0.85))
                | ((v >= -0.85) & (v <= -0.35) & (u >= -0.8) & (u <= 0.8)))
    raise ValueError(f"label must be in 0..{len(CLASS_NAMES) - 1}, got {label}.")


def _hsv_to_rgb(h: np.ndarray, s: np.ndarray, v: np.ndarray) -> np.ndarray:
    i = np.floor(h * 6).astype(int) % 6
    f = h * 6 - np.floor(h * 6)
    p, q, t = v * (1 - s), v * (1 - f * s), v * (1 - (1 - f) * s)
    table = np.stack([np.stack(c, -1) for c in
                      [(v, t, p), (q, v, p), (p, v, t), (p, q, v), (t, p, v), (v, p, q)]])
    return table[i, np.arange(len(h))]


def _backgrounds(rng: np.random.Generator, n: int, size: int, kind: str,
                 fg_value: np.ndarray) -> np.ndarray:
    # A dark background under light shapes and the other way round keeps contrast.
    dark = fg_value > 0.6
    value = np.where(dark, rng.uniform(0.05, 0.3, n), rng.uniform(0.85, 1.0, n))
    base = _hsv_to_rgb(rng.uniform(0, 1, n), rng.uniform(0, 0.6, n), value)
    img = np.broadcast_to(base[:, None, None, :], (n, size, size, 3)).copy()
    if kind == "plain":
        return img
    yy, xx = np.mgrid[0:size, 0:size] / size
    if kind == "texture":
        freq = rng.uniform(2, 6, (n, 1, 1))
        angle = rng.uniform(0, np.pi, (n, 1, 1))
        phase = rng.uniform(0, 2 * np.pi, (n, 1, 1))
        grating = np.sin(2 * np.pi * freq * (xx * np.cos(angle) + yy * np.sin(angle)) + phase)
        img += 0.12 * grating[..., None] * np.where(dark, 1, -1)[:, None, None, None]
    img += rng.normal(0, 0.05, img.shape)
    return img


def make_shapes(num_images: int, *, image_size: int = 32, seed: int = 0,
                max_shift: float = 0.25, scale_range: tuple[float, float] = (0.25, 0.4),
                rotate: bool = True, background: str = "texture",
                noise_std: float = 0.03) -> tuple[np.ndarray, np.ndarray]:
    """Draw ``num_images`` balanced shape images.

    Parameters
    ----------
    num_images : int
        Number of images; classes are balanced (``num_images // 10`` each, the
        remainder spread over the first classes) and shuffled.
    image_size : int, default=32
    seed : int, default=0
        The same seed gives the same images, bit for bit.
    max_shift : float, default=0.25
        Largest offset of the shape's centre from the image centre, as a
        fraction of the image size (0 centres every shape).
    scale_range : (float, float), default=(0.25, 0.4)
        Shape radius as a fraction of the image size.
    rotate : bool, default=True
        Rotate each shape by a random angle.
    background : {"plain", "noise", "texture"}, default="texture"
    noise_std : float, default=0.03
        Standard deviation of pixel noise added last (0-1 scale).

    Returns
    -------
    images : ndarray of uint8, shape (num_images, image_size, image_size, 3)
    labels : ndarray of int64, shape (num_images,)
    """
    if int(num_images) != num_images or num_images < 1:
        raise ValueError(f"num_images must be a positive integer, got {num_images!r}.")
    if image_size < 8:
        raise ValueError(f"image_size must be at least 8 pixels, got {image_size}.")
    if background not in BACKGROUNDS:
        raise ValueError(f"background must be one of {BACKGROUNDS}, got {background!r}.")
    if not 0 <= max_shift <= 0.5:
        raise ValueError(f"max_shift must be in [0, 0.5], got {max_shift}.")
    lo, hi = scale_range
    if not 0 < lo <= hi <= 0.5:
        raise ValueError(f"scale_range must satisfy 0 < low <= high <= 0.5, got {scale_range}.")

    rng = np.random.default_rng(seed)
    n, size = int(num_images), int(image_size)
    labels = rng.permutation(np.arange(n) % len(CLASS_NAMES)).astype(np.int64)
    fg_value = rng.uniform(0.2, 1.0, n)
    foreground = _hsv_to_rgb(rng.uniform(0, 1, n), rng.uniform(0.5, 1.0, n), fg_value)
    images = _backgrounds(rng, n, size, background, fg_value)

    # Supersample 3x3 per pixel for anti-aliased edges.
    sub = 3
    coords = (np.arange(size * sub) + 0.5) / (size * sub) - 0.5
    gy, gx = np.meshgrid(coords, coords, indexing="ij")
    centre = rng.uniform(-max_shift, max_shift, (n, 2))
    radius = rng.uniform(lo, hi, n)
    angle = rng.uniform(0, 2 * np.pi, n) if rotate else np.zeros(n)
    for label in range(len(CLASS_NAMES)):
        idx = np.flatnonzero(labels == label)
        if idx.size == 0:
            continue
        dx = (gx[None] - centre[idx, 0, None, None]) / radius[idx, None, None]
        dy = -(gy[None] - centre[idx, 1, None, None]) / radius[idx, None, None]
        c, s = np.cos(angle[idx])[:, None, None], np.sin(angle[idx])[:, None, None]
        inside = _masks(c * dx + s * dy, -s * dx + c * dy, label).astype(np.float64)
        coverage = inside.reshape(idx.size, size, sub, size, sub).mean(axis=(2, 4))
        images[idx] = (images[idx] * (1 - coverage[..., None])
                       + foreground[idx, None, None, :] * coverage[..., None])
    if noise_std:
        images += rng.normal(0, noise_std, images.shape)
    return np.round(np.clip(images, 0, 1) * 255).astype(np.uint8), labels
