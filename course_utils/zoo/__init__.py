"""The model zoo: every network of the course, built with Keras 3 layers and ops.

``get_model(name, **kwargs)`` builds a registered network; ``list_models()`` lists
the names. Each name is also a plain builder function of this package with the
Keras Applications signature ``(input_shape, num_classes, *, include_top, pooling,
classifier_activation, name)``, returning a functional ``keras.Model`` with
structured, unique layer names. No pretrained weights.

Parameter counts are ``model.count_params()`` at the canonical input and class
count: the Keras convention, which includes the batch-norm moving means and
variances (not trainable) and, where noted, convolution biases before batch norm.
The builders' docstrings also give the trainable (torchvision-style) counts.

========================  ===================  ===========  ==========================
name                      paper                input        parameters
========================  ===================  ===========  ==========================
linear_classifier         LeCun 1998           28x28x1      7,850
mlp (300 hidden)          LeCun 1998           28x28x1      238,510
lenet300                  LeCun 1998           28x28x1      266,610
lenet1                    LeCun 1995           28x28x1      3,246
lenet5                    LeCun 1998           32x32x1      60,850 (paper: 60,000 + output)
lenet5_modern             LeCun 1998           32x32x1      61,706
alexnet                   Krizhevsky 2012      227x227x3    62,378,344
alexnet_two_tower         Krizhevsky 2012      227x227x3    60,965,224
alexnet_cifar             Krizhevsky 2012      32x32x3      4,087,946
vgg11 / vgg11_lrn         Simonyan 2015 (A)    224x224x3    132,863,336
vgg13                     Simonyan 2015 (B)    224x224x3    133,047,848
vgg16c                    Simonyan 2015 (C)    224x224x3    133,638,952
vgg16                     Simonyan 2015 (D)    224x224x3    138,357,544
vgg19                     Simonyan 2015 (E)    224x224x3    143,667,240
vgg11_bn .. vgg19_bn      + batch norm         224x224x3    132,874,344 .. 143,689,256
vgg11_cifar               A, batch norm        32x32x3      9,236,618
vgg16_cifar               D, batch norm        32x32x3      14,736,714
nin                       Lin 2014             32x32x3      966,986
googlenet                 Szegedy 2015         224x224x3    6,998,552 (13,378,280 + aux)
inception_cifar           Szegedy 2015 (small) 32x32x3      346,046 (1,238,138 no bottlenecks)
resnet18 / resnet34       He 2016              224x224x3    11,703,912 / 21,823,208
resnet50                  He 2016              224x224x3    25,636,712
resnet101 / resnet152     He 2016              224x224x3    44,707,176 / 60,419,944
plain18 / plain34         He 2016              224x224x3    11,527,400 / 21,646,696
resnet20 .. resnet110     He 2016 (CIFAR)      32x32x3      271,098 .. 1,736,058
plain20 .. plain110       He 2016 (CIFAR)      32x32x3      271,098 .. 1,736,058
preact_resnet18 .. 152    He 2016 (v2)         224x224x3    11,698,408 .. 60,380,648
preact_resnet20/110/164   He 2016 (v2, CIFAR)  32x32x3      273,658 / 1,738,618 / 1,727,482
densenet121/169/201       Huang 2017           224x224x3    8,062,504 / 14,307,880 / 20,242,984
densenet_bc100            Huang 2017 (CIFAR)   32x32x3      793,150
se_resnet50               Hu 2018              224x224x3    28,167,704
se_resnet20               Hu 2018 (CIFAR)      32x32x3      275,508
mobilenet_v1              Howard 2017          224x224x3    4,253,864
mobilenet_v2              Sandler 2018         224x224x3    3,538,984
mobilenet_v2_cifar        Sandler 2018 (CIFAR) 32x32x3      2,270,794
p4cnn                     Cohen 2016           28x28x1      16,418
z2cnn (plain twin)        Cohen 2016           28x28x1      16,122
========================  ===================  ===========  ==========================

(``resnet32``, ``resnet44``, ``resnet56``, ``plain32``, ... and ``preact_resnet34``,
``preact_resnet50``, ``preact_resnet101`` are registered too.) Building blocks are
exported for lessons: :func:`inception_module`, :func:`basic_block`,
:func:`bottleneck_block`, :func:`preact_block`, :func:`dense_block`,
:func:`se_block`, :func:`depthwise_separable_block`, :func:`inverted_residual_block`,
:func:`vgg` (any configuration), :func:`densenet_cifar` (DenseNet-BC of any depth 6n + 4
and growth rate; depth 52 has 272,398 parameters, as many as ResNet-20), and the custom layers :class:`ScaledTanh`,
:class:`Subsampling`, :class:`LocalResponseNormalization`, :class:`ChannelPadding`.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable

import keras

from course_utils.zoo.alexnet import (LocalResponseNormalization, alexnet, alexnet_cifar,
                                      alexnet_two_tower)
from course_utils.zoo.densenet import (dense_block, densenet121, densenet169, densenet201,
                                       densenet_bc100, densenet_cifar, transition_layer)
from course_utils.zoo.equivariant import p4cnn, z2cnn
from course_utils.zoo.googlenet import googlenet, inception_cifar, inception_module
from course_utils.zoo.lenet import (ChannelSelect, ScaledTanh, Subsampling, lenet1, lenet5,
                                    lenet5_modern, lenet300, linear_classifier, mlp)
from course_utils.zoo.mobilenet import (depthwise_separable_block, inverted_residual_block,
                                        mobilenet_v1, mobilenet_v2, mobilenet_v2_cifar)
from course_utils.zoo.nin import mlpconv_block, nin
from course_utils.zoo.resnet import (ChannelPadding, basic_block, bottleneck_block, plain18,
                                     plain34, resnet, resnet18, resnet34, resnet50,
                                     resnet101, resnet152)
from course_utils.zoo.resnet_cifar import (plain20, plain32, plain44, plain56, plain110,
                                           resnet20, resnet32, resnet44, resnet56, resnet110,
                                           resnet_cifar)
from course_utils.zoo.resnet_v2 import (preact_block, preact_resnet18, preact_resnet20,
                                        preact_resnet34, preact_resnet50, preact_resnet101,
                                        preact_resnet110, preact_resnet152, preact_resnet164)
from course_utils.zoo.se import se_block, se_resnet20, se_resnet50
from course_utils.zoo.vgg import (CONFIGS as VGG_CONFIGS, vgg, vgg11, vgg11_bn, vgg11_cifar,
                                  vgg11_lrn, vgg13, vgg13_bn, vgg16, vgg16_bn, vgg16_cifar,
                                  vgg16c, vgg19, vgg19_bn, vgg_cifar)

_BUILDERS = (
    linear_classifier, mlp, lenet300, lenet1, lenet5, lenet5_modern,
    alexnet, alexnet_two_tower, alexnet_cifar,
    vgg11, vgg11_lrn, vgg13, vgg16c, vgg16, vgg19,
    vgg11_bn, vgg13_bn, vgg16_bn, vgg19_bn, vgg11_cifar, vgg16_cifar,
    nin, googlenet, inception_cifar,
    resnet18, resnet34, resnet50, resnet101, resnet152, plain18, plain34,
    resnet20, resnet32, resnet44, resnet56, resnet110,
    plain20, plain32, plain44, plain56, plain110,
    preact_resnet18, preact_resnet34, preact_resnet50, preact_resnet101, preact_resnet152,
    preact_resnet20, preact_resnet110, preact_resnet164,
    densenet121, densenet169, densenet201, densenet_bc100,
    se_resnet50, se_resnet20,
    mobilenet_v1, mobilenet_v2, mobilenet_v2_cifar,
    p4cnn, z2cnn,
)
MODELS: dict[str, Callable[..., keras.Model]] = {f.__name__: f for f in _BUILDERS}


def list_models() -> list[str]:
    """Names accepted by :func:`get_model`, in syllabus order (oldest network first)."""
    return list(MODELS)


def get_model(name: str, **kwargs) -> keras.Model:
    """Build the registered network ``name``.

    Parameters
    ----------
    name : str
        One of :func:`list_models` (e.g. ``"lenet5"``, ``"vgg16"``, ``"resnet20"``).
    **kwargs
        Passed to the builder: ``input_shape``, ``num_classes``, ``include_top``,
        ``pooling``, ``classifier_activation``, ``name`` and builder-specific
        options (``c3_table``, ``shortcut``, ``use_bias``, ``alpha``, ...).

    Returns
    -------
    keras.Model
        A functional model with fresh (untrained) weights.

    Raises
    ------
    ValueError
        For an unknown name (the message lists the available ones) or a bad argument.
    """
    if name not in MODELS:
        close = difflib.get_close_matches(str(name), MODELS, n=3)
        hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
        raise ValueError(f"unknown model {name!r}.{hint} Available models: "
                         f"{', '.join(MODELS)}.")
    return MODELS[name](**kwargs)


__all__ = [
    "get_model", "list_models", "MODELS", "VGG_CONFIGS",
    *MODELS,
    "resnet", "resnet_cifar", "vgg", "vgg_cifar", "densenet_cifar",
    "basic_block", "bottleneck_block", "preact_block", "inception_module", "dense_block",
    "transition_layer", "se_block", "depthwise_separable_block", "inverted_residual_block",
    "mlpconv_block",
    "ScaledTanh", "Subsampling", "ChannelSelect", "LocalResponseNormalization",
    "ChannelPadding",
]
