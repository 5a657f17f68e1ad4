"""course_utils: the helper package of the Keras 3 CNN course.

Importing the package has no side effects: no downloads, no backend switching,
no printing. Submodules load on first use, so ``import course_utils`` stays
cheap and ``course_utils.scratch`` works without importing Keras. The one thing
it arranges is quiet: when TensorFlow is imported later, its C++ start-up notices
("oneDNN custom operations are on", ...) are kept off stderr (see ``_quiet``).
Import ``course_utils`` before ``keras`` for that to apply.

Submodules
----------
config      profiles, the active backend, ``set_seed``
data        dataset loaders (``load``, ``available``, ``DatasetUnavailable``)
geometry    convolution arithmetic: padding, output sizes (NumPy only)
scratch     convolution, pooling and friends from scratch in NumPy
autodiff    gradients from the active Keras backend, NumPy in and out
complexity  parameter, MAC and receptive-field counting
layers      Keras layers Keras 3 lacks (``LocallyConnected2D``, p4 and graph convolutions)
registry    every network declared once: name, paper, parameter count (``register_model``)
zoo         the classic networks (``get_model``, ``list_models``, ``card``, ``model_table``)
augment     data augmentation: presets, PCA colour, test-time augmentation, pipelines
train       training: the uint8 input, losses, schedules, ``fit_and_evaluate`` over seeds,
            ``compare``, recipes, time to accuracy (``training``, ``recipes``, ``schedules``
            and ``timing`` are its older names)
diagnostics inside a run: per-step training error, gradient norms per layer
search      a small architecture search: cells, regularised evolution, random search
results     the record of training runs (written with $COURSE_RESULTS_DIR, read by lesson 14)
parallel    data parallelism with keras.distribution (JAX; simulated devices on a CPU)
sealed      cached files with their SHA-256 beside them (weights and their metadata)
pth         PyTorch's legacy .pth state dicts read without PyTorch (allow-listed unpickling)
transfer    pretrained backbones (ImageNet or the course's own), freezing, two-phase fine-tuning
checkpoints trained weights that ship with the course (ResNet-20 on CIFAR-10), SHA-256 checked
generative  a convolutional VAE, a DCGAN and a PixelCNN, trained by ``fit`` on any backend
visualize   feature maps, saliency, Grad-CAM, occlusion, activation maximisation, sanity check
plotting    figures for lessons
grading     exercise and assignment checks
lessons     finding and executing lesson notebooks
slides      reveal.js lecture decks built offline by nbconvert (``course slides``)
student     student copies without solutions (``course student``)
widgets     lecture demos (ipywidgets): convolution, receptive-field and augmentation explorers, dashboard
doctor      the environment report and checks of ``course doctor``
cli         the ``course`` command
"""

from __future__ import annotations

import importlib
from typing import Any

from course_utils import _quiet

__version__ = "0.1.0"
_quiet.install()

_SUBMODULES = (
    "config", "data", "geometry", "scratch", "autodiff", "complexity", "layers", "registry",
    "zoo",
    "augment", "train", "recipes", "schedules", "training", "diagnostics", "search", "results", "timing",
    "parallel", "sealed", "pth", "transfer", "checkpoints", "generative", "visualize", "plotting", "grading", "lessons", "slides",
    "student", "widgets", "doctor", "cli",
)
# Public names re-exported at the top level: name -> submodule.
_EXPORTS = {
    "get_profile": "config",
    "pick": "config",
    "set_seed": "config",
    "load": "data",
    "available": "data",
    "DatasetUnavailable": "data",
    "get_model": "registry",
    "list_models": "registry",
    "summarize": "complexity",
}

__all__ = [*_SUBMODULES, *_EXPORTS]


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    if name in _EXPORTS:
        module = importlib.import_module(f"{__name__}.{_EXPORTS[name]}")
        return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
