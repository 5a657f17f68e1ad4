"""Run profiles, the active backend, and seeding.

Every lesson runs in three profiles:

``fast``
    Seconds per notebook. CI uses it: small subsets, one short epoch.
``cpu``
    Minutes per notebook on a laptop CPU.
``gpu``
    Full training to the headline accuracies.

The profile is picked automatically (a GPU visible to the active Keras backend
gives ``gpu``, otherwise ``cpu``) and overridden by the environment variable
``COURSE_PROFILE``. Notebooks read their budgets through one small API::

    from course_utils import config
    PROFILE = config.use_profile()          # Profile(name="cpu", epochs=3, ...)
    EPOCHS = config.pick(fast=1, cpu=3, gpu=20)

:func:`use_profile` also applies the profile's execution setting: in ``fast`` on TensorFlow,
Keras runs its train and test steps eagerly, because tracing a graph for each model costs
more than the few steps a ``fast`` run takes. :func:`get_profile` only describes.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import warnings
from typing import Any

import numpy as np

PROFILE_ENV = "COURSE_PROFILE"
PROFILES = ("fast", "cpu", "gpu")


@dataclasses.dataclass(frozen=True)
class Profile:
    """The default budgets of one run profile.

    Attributes
    ----------
    name : {"fast", "cpu", "gpu"}
    train_size : int or None
        Training images a lesson uses by default; ``None`` means the whole set.
    test_size : int or None
        Test images used for evaluation; ``None`` means the whole set.
    epochs : int
        Default number of training epochs.
    batch_size : int
        Default mini-batch size.
    """

    name: str
    train_size: int | None
    test_size: int | None
    epochs: int
    batch_size: int

    def pick(self, **values: Any) -> Any:
        """Return ``values[self.name]``; see :func:`pick`."""
        return _pick(self.name, values)


_DEFAULTS = {
    "fast": Profile("fast", train_size=2_000, test_size=1_000, epochs=1, batch_size=128),
    "cpu": Profile("cpu", train_size=None, test_size=None, epochs=3, batch_size=128),
    "gpu": Profile("gpu", train_size=None, test_size=None, epochs=15, batch_size=256),
}


def backend_name() -> str:
    """The active Keras backend, as Keras itself resolves it.

    ``$KERAS_BACKEND`` if set, else the ``backend`` of ``~/.keras/keras.json``,
    else TensorFlow: ``keras.backend.backend()`` reads all three, so this is right
    when ``keras.json`` picks another backend. Imports Keras.
    """
    import keras

    return keras.backend.backend()


@functools.lru_cache(maxsize=None)
def _gpu_probe(backend: str) -> bool:
    try:
        if backend == "tensorflow":
            import tensorflow as tf

            return bool(tf.config.list_physical_devices("GPU"))
        if backend == "jax":
            import jax

            return any(d.platform == "gpu" for d in jax.devices())
        if backend == "torch":
            import torch

            return bool(torch.cuda.is_available())
    except Exception:  # a broken or missing backend has no GPU to offer
        return False
    return False


def gpu_available() -> bool:
    """True if the active Keras backend sees at least one GPU (probed once per backend)."""
    try:
        backend = backend_name()
    except Exception:  # Keras or its backend fails to import: no GPU to use
        return False
    return _gpu_probe(backend)


def normalize_profile(name: str, where: str = PROFILE_ENV) -> str:
    """``name`` as a profile: case and surrounding spaces are ignored (``GPU`` is ``gpu``),
    the same rule for ``$COURSE_PROFILE`` and ``--profile``; anything else raises ``ValueError``."""
    profile = str(name).strip().lower()
    if profile not in PROFILES:
        raise ValueError(f"{where}={name!r} is not a profile; expected one of {PROFILES}.")
    return profile


@functools.lru_cache(maxsize=None)
def _warn_gpu_without_gpu() -> None:
    if not gpu_available():
        warnings.warn("the 'gpu' profile was chosen, but the Keras backend sees no GPU: its "
                      "full-strength budgets will run on the CPU and may take hours. Use "
                      "COURSE_PROFILE=cpu on this machine.", RuntimeWarning, stacklevel=3)


def profile_name() -> str:
    """Name of the active profile: ``$COURSE_PROFILE`` if set, else auto-detected.

    Choosing ``gpu`` on a machine whose backend sees no GPU warns (once).
    """
    requested = os.environ.get(PROFILE_ENV, "").strip()
    if requested:
        profile = normalize_profile(requested)
        if profile == "gpu":
            _warn_gpu_without_gpu()
        return profile
    return "gpu" if gpu_available() else "cpu"


def get_profile(name: str | None = None) -> Profile:
    """Return the budgets of profile ``name`` (default: the active profile).

    Parameters
    ----------
    name : {"fast", "cpu", "gpu"} or None, default=None
        Profile to describe; ``None`` reads ``$COURSE_PROFILE`` or auto-detects.
    """
    name = profile_name() if name is None else name
    if name not in _DEFAULTS:
        raise ValueError(f"unknown profile {name!r}; expected one of {PROFILES}.")
    return _DEFAULTS[name]


def use_profile(name: str | None = None) -> Profile:
    """Return the active profile (as :func:`get_profile`) and apply its execution setting.

    In ``fast`` on the TensorFlow backend, ``tf.function`` runs eagerly
    (``tf.config.run_functions_eagerly``), so Keras traces no graph per model: a lesson that
    builds ten small networks for a few steps each spends most of its time tracing. The
    ``cpu`` and ``gpu`` profiles (and JAX, whose ``jit`` is kept) run compiled, as always;
    the package's tests cover the compiled path. Call it once, at the top of a lesson.

    Parameters
    ----------
    name : {"fast", "cpu", "gpu"} or None, default=None
        ``None`` reads ``$COURSE_PROFILE`` or auto-detects.
    """
    profile = get_profile(name)
    if backend_name() == "tensorflow":
        import tensorflow as tf

        tf.config.run_functions_eagerly(profile.name == "fast")
        # tf.data's own functions stay compiled, and TensorFlow says so on every dataset
        warnings.filterwarnings("ignore", message="Even though the `tf.config.experimental_run_"
                                "functions_eagerly` option is set", category=UserWarning)
    return profile


def _pick(name: str, values: dict[str, Any]) -> Any:
    unknown = set(values) - set(PROFILES)
    if unknown:
        raise ValueError(f"pick() got unknown profiles {sorted(unknown)}; expected {PROFILES}.")
    if name in values:
        return values[name]
    # A missing larger profile falls back to the next smaller one that is given.
    for fallback in reversed(PROFILES[: PROFILES.index(name)]):
        if fallback in values:
            return values[fallback]
    raise ValueError(f"pick() has no value for profile {name!r} (got {sorted(values)}).")


def pick(**values: Any) -> Any:
    """Return the value given for the active profile.

    ``pick(fast=1, cpu=3, gpu=20)`` returns 3 in the ``cpu`` profile. A profile
    left out falls back to the nearest smaller one given (``gpu`` to ``cpu``).
    """
    return _pick(profile_name(), values)


def set_seed(seed: int = 0) -> None:
    """Seed Python's ``random``, NumPy and the Keras backend (``keras.utils.set_random_seed``
    seeds all three).

    Parameters
    ----------
    seed : int, default=0
    """
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}.")
    import keras

    keras.utils.set_random_seed(int(seed))
