"""The model zoo: every network of the course, built with Keras 3 layers and ops.

``get_model(name, **kwargs)`` builds a registered network; ``list_models()`` lists
the names; ``card(name)`` gives what the course states about it (paper, parameter count),
declared once where the builder is registered (:mod:`course_utils.registry`). The table
at the end of this docstring is written from those cards. Each name of the zoo is also a
plain builder function of this package with the
Keras Applications signature ``(input_shape, num_classes, *, include_top, pooling,
classifier_activation, name)``, returning a functional ``keras.Model`` with
structured, unique layer names. No pretrained weights.

Parameter counts are ``model.count_params()`` at the canonical input and class
count: the Keras convention, which includes the batch-norm moving means and
variances (not trainable) and, where noted, convolution biases before batch norm.
The builders' docstrings also give the trainable (torchvision-style) counts.

Building blocks are
exported for lessons: :func:`inception_module`, :func:`basic_block`,
:func:`bottleneck_block`, :func:`preact_block`, :func:`dense_block`,
:func:`se_block`, :func:`depthwise_separable_block`, :func:`inverted_residual_block`,
:func:`vgg` (any configuration), :func:`densenet_cifar` (DenseNet-BC of any depth 6n + 4
and growth rate; depth 52 has 272,398 parameters, as many as ResNet-20), and the custom layers :class:`ScaledTanh`,
:class:`Subsampling`, :class:`LocalResponseNormalization`, :class:`ChannelPadding`.
"""

from __future__ import annotations

import importlib

from course_utils.registry import (card, cards, get_model, list_models, model_table,
                                   register_model, register_variant, registered)

# Importing a module registers its networks; this order (the syllabus's) is the order of
# list_models(). Each registered builder then becomes an attribute of this package, so a
# model's name is written once, where it is registered.
for _module in ("lenet", "alexnet", "vgg", "nin", "googlenet", "resnet", "resnet_cifar",
                "resnet_v2", "densenet", "se", "mobilenet", "equivariant"):
    importlib.import_module(f"course_utils.zoo.{_module}")
_ZOO_CARDS = registered("course_utils.zoo")
globals().update({c.name: c.build for c in _ZOO_CARDS})

# The families and the building blocks the lessons use.
from course_utils.zoo.alexnet import LocalResponseNormalization  # noqa: E402
from course_utils.zoo.densenet import dense_block, densenet, densenet_cifar, transition_layer  # noqa: E402
from course_utils.zoo.googlenet import inception_module  # noqa: E402
from course_utils.zoo.lenet import ChannelSelect, ScaledTanh, Subsampling  # noqa: E402
from course_utils.zoo.mobilenet import depthwise_separable_block, inverted_residual_block  # noqa: E402
from course_utils.zoo.nin import mlpconv_block  # noqa: E402
from course_utils.zoo.resnet import ChannelPadding, basic_block, bottleneck_block, resnet  # noqa: E402
from course_utils.zoo.resnet_cifar import resnet_cifar  # noqa: E402
from course_utils.zoo.resnet_v2 import preact_block, preact_resnet, preact_resnet_cifar  # noqa: E402
from course_utils.zoo.se import se_block  # noqa: E402
from course_utils.zoo.vgg import CONFIGS as VGG_CONFIGS, vgg, vgg_cifar  # noqa: E402

__doc__ += "\n\nThe zoo's networks (the other registered ones: ``list_models()``)\n\n" + \
    model_table(of=_ZOO_CARDS) + "\n"

__all__ = [
    "get_model", "list_models", "card", "cards", "model_table", "register_model",
    "register_variant", "VGG_CONFIGS",
    *(c.name for c in _ZOO_CARDS),
    "resnet", "resnet_cifar", "preact_resnet", "preact_resnet_cifar", "densenet",
    "densenet_cifar", "vgg", "vgg_cifar",
    "basic_block", "bottleneck_block", "preact_block", "inception_module", "dense_block",
    "transition_layer", "se_block", "depthwise_separable_block", "inverted_residual_block",
    "mlpconv_block",
    "ScaledTanh", "Subsampling", "ChannelSelect", "LocalResponseNormalization",
    "ChannelPadding",
]
