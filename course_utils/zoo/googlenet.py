"""GoogLeNet / Inception v1 (Szegedy et al. 2015) and the Inception module.

Builders: ``googlenet`` (optionally with its two auxiliary classifiers as extra
outputs), ``inception_cifar`` (a small Inception network for 32x32 images, with and
without bottlenecks and an auxiliary head) and the reusable block :func:`inception_module`.

References
----------
C. Szegedy et al., "Going deeper with convolutions", CVPR 2015 (arXiv:1409.4842).
"""

from __future__ import annotations

import keras
from keras import layers

from course_utils.registry import register_model
from course_utils.zoo._common import check_head_args, global_pool, make_input
from course_utils.zoo.alexnet import LocalResponseNormalization

# Table 1 of the paper: #1x1, #3x3 reduce, #3x3, #5x5 reduce, #5x5, pool proj.
# "pool" marks the 3x3/2 max-pools between the groups of modules.
INCEPTION_LAYOUT = (
    ("3a", (64, 96, 128, 16, 32, 32)),
    ("3b", (128, 128, 192, 32, 96, 64)),
    "pool",
    ("4a", (192, 96, 208, 16, 48, 64)),
    ("4b", (160, 112, 224, 24, 64, 64)),
    ("4c", (128, 128, 256, 24, 64, 64)),
    ("4d", (112, 144, 288, 32, 64, 64)),
    ("4e", (256, 160, 320, 32, 128, 128)),
    "pool",
    ("5a", (256, 160, 320, 32, 128, 128)),
    ("5b", (384, 192, 384, 48, 128, 128)),
)
# The auxiliary classifiers sit on the outputs of these modules.
AUX_AFTER = ("4a", "4d")


def inception_module(x, filters_1x1: int, filters_3x3_reduce: int, filters_3x3: int,
                     filters_5x5_reduce: int, filters_5x5: int, filters_pool_proj: int,
                     *, name: str, bottleneck: bool = True):
    """Four parallel branches concatenated along the channels.

    1x1 conv | 1x1 reduce -> 3x3 conv | 1x1 reduce -> 5x5 conv | 3x3 max-pool -> 1x1
    projection. The 1x1 "bottleneck" convolutions cut the channels before the
    expensive 3x3 and 5x5 convolutions (``bottleneck=False`` leaves them out, so the
    3x3 and 5x5 convolutions see all input channels). All convolutions use ReLU and
    'same' padding, so the output has the input's height and width and
    ``filters_1x1 + filters_3x3 + filters_5x5 + filters_pool_proj`` channels.
    Layers are named ``{name}_1x1``, ``{name}_3x3_reduce``, ``{name}_3x3``, ...
    """
    def conv(tensor, filters, kernel_size, suffix):
        return layers.Conv2D(filters, kernel_size, padding="same", activation="relu",
                             name=f"{name}_{suffix}")(tensor)

    def reduce(tensor, filters, suffix):
        return conv(tensor, filters, 1, suffix) if bottleneck else tensor

    branch_1 = conv(x, filters_1x1, 1, "1x1")
    branch_3 = conv(reduce(x, filters_3x3_reduce, "3x3_reduce"), filters_3x3, 3, "3x3")
    branch_5 = conv(reduce(x, filters_5x5_reduce, "5x5_reduce"), filters_5x5, 5, "5x5")
    pooled = layers.MaxPooling2D(3, strides=1, padding="same", name=f"{name}_pool")(x)
    branch_pool = conv(pooled, filters_pool_proj, 1, "pool_proj")
    return layers.Concatenate(name=f"{name}_concat")(
        [branch_1, branch_3, branch_5, branch_pool])


def auxiliary_classifier(x, num_classes: int, classifier_activation, *, name: str):
    """The side classifier: 5x5/3 average pool, 1x1 conv 128, FC 1024, dropout 0.7."""
    x = layers.AveragePooling2D(5, strides=3, name=f"{name}_pool")(x)  # (N, 4, 4, C) at 224
    x = layers.Conv2D(128, 1, activation="relu", name=f"{name}_conv")(x)
    x = layers.Flatten(name=f"{name}_flatten")(x)
    x = layers.Dense(1024, activation="relu", name=f"{name}_fc")(x)
    x = layers.Dropout(0.7, name=f"{name}_dropout")(x)
    return layers.Dense(num_classes, activation=classifier_activation,
                        name=f"{name}_predictions")(x)


@register_model(paper="Szegedy et al., CVPR 2015, Table 1",
                params=6_998_552)
def googlenet(input_shape=(224, 224, 3), num_classes=1000, *, include_top=True,
              pooling=None, classifier_activation="softmax", aux_classifiers=False,
              name="googlenet") -> keras.Model:
    """GoogLeNet (Inception v1), without batch normalisation, as in the paper.

    Stem: conv 7x7/2 64 - max-pool 3/2 - LRN - conv 1x1 64 - conv 3x3 192 - LRN -
    max-pool 3/2; then the nine Inception modules of :data:`INCEPTION_LAYOUT`,
    global average pooling (the paper's 7x7 average pool at 224x224), dropout 0.4
    and the classifier.

    Parameters
    ----------
    aux_classifiers : bool, default=False
        Also return the two auxiliary classifiers (on 4a and 4d): the model then
        has three outputs ``[predictions, aux1_predictions, aux2_predictions]``.
        Training weights their losses by 0.3 in the paper. Needs
        ``include_top=True`` and inputs of at least 65x65 (a 5x5 pool on 4a).

    Other parameters as :func:`course_utils.zoo.resnet.resnet50`; the smallest
    input accepted is 32x32.

    References
    ----------
    Szegedy et al., "Going deeper with convolutions", CVPR 2015.

    Notes
    -----
    Convolutions 5,973,552 parameters, the classifier 1,025,000 (the paper's Table 1
    rounds the total to about 6.8M). The two
    auxiliary classifiers add 3,188,840 and 3,190,888 (13,378,280 in all).
    """
    check_head_args(num_classes, include_top, pooling)
    if aux_classifiers and not include_top:
        raise ValueError("aux_classifiers=True needs include_top=True; "
                         f"got include_top={include_top!r}.")
    inputs = make_input(input_shape, min_size=65 if aux_classifiers else 32,
                        model_name=name)
    x = layers.Conv2D(64, 7, strides=2, padding="same", activation="relu",
                      name="conv1_7x7")(inputs)                                # (N, 112, 112, 64)
    x = layers.MaxPooling2D(3, strides=2, padding="same", name="pool1")(x)     # (N, 56, 56, 64)
    x = LocalResponseNormalization(name="lrn1")(x)
    x = layers.Conv2D(64, 1, activation="relu", name="conv2_reduce")(x)
    x = layers.Conv2D(192, 3, padding="same", activation="relu", name="conv2_3x3")(x)
    x = LocalResponseNormalization(name="lrn2")(x)
    x = layers.MaxPooling2D(3, strides=2, padding="same", name="pool2")(x)     # (N, 28, 28, 192)
    aux_outputs = []
    pool_index = 2
    for item in INCEPTION_LAYOUT:
        if item == "pool":
            pool_index += 1
            x = layers.MaxPooling2D(3, strides=2, padding="same",
                                    name=f"pool{pool_index}")(x)               # 14x14, then 7x7
            continue
        label, filters = item
        x = inception_module(x, *filters, name=f"inception_{label}")
        if aux_classifiers and label in AUX_AFTER:
            aux_outputs.append(auxiliary_classifier(
                x, num_classes, classifier_activation, name=f"aux{len(aux_outputs) + 1}"))
    if not include_top:
        return keras.Model(inputs, global_pool(x, pooling), name=name)
    x = layers.GlobalAveragePooling2D(name="avg_pool")(x)                      # (N, 1024)
    x = layers.Dropout(0.4, name="dropout")(x)
    x = layers.Dense(num_classes, activation=classifier_activation, name="predictions")(x)
    outputs = [x, *aux_outputs] if aux_classifiers else x
    return keras.Model(inputs, outputs, name=name)


# A small layout for 32x32 images: the proportions of 3a, 3b, 4a and 4b at half width.
CIFAR_LAYOUT = (
    ("3a", (32, 48, 64, 8, 16, 16)),
    ("3b", (64, 64, 96, 16, 48, 32)),
    "pool",
    ("4a", (96, 48, 104, 8, 24, 32)),
    ("4b", (80, 56, 112, 12, 32, 32)),
)


@register_model(paper="Szegedy et al., CVPR 2015, scaled for 32x32 images", params=346_046)
def inception_cifar(input_shape=(32, 32, 3), num_classes=10, *, include_top=True,
                    pooling=None, classifier_activation="softmax", bottleneck: bool = True,
                    aux_classifier: bool = False, width: float = 1.0,
                    name="inception_cifar") -> keras.Model:
    """A small GoogLeNet for CIFAR-10: four Inception modules, optionally without bottlenecks.

    conv 3x3 64 -> max-pool 3/2 (16x16) -> inception 3a, 3b -> max-pool 3/2 (8x8) ->
    inception 4a, 4b -> global average pooling -> dropout 0.4 -> classifier. No batch
    normalisation, as in GoogLeNet.

    Parameters
    ----------
    bottleneck : bool, default=True
        False removes the 1x1 reductions before the 3x3 and 5x5 convolutions (the
        pool projections stay, so every module keeps its output channels).
    aux_classifier : bool, default=False
        Also return an auxiliary classifier on the output of 3b (5x5/3 average pool,
        1x1 conv, dense, dropout 0.7): the model then has two outputs
        ``[predictions, aux_predictions]``; GoogLeNet weights the auxiliary loss by 0.3.
    width : float, default=1.0
        Multiplies every layer's filters.

    References
    ----------
    Szegedy et al., "Going deeper with convolutions", CVPR 2015; scaled for this course.

    Notes
    -----
    49,396,224 MACs per image with the defaults; without bottlenecks 1,238,138 parameters
    and 146,344,448 MACs; the auxiliary head adds 147,914 parameters.
    """
    check_head_args(num_classes, include_top, pooling)
    if aux_classifier and not include_top:
        raise ValueError("aux_classifier=True needs include_top=True; "
                         f"got include_top={include_top!r}.")
    if not 0 < width <= 4:
        raise ValueError(f"width must be in (0, 4], got {width!r}.")

    def scaled(filters):
        return max(1, round(filters * width))

    inputs = make_input(input_shape, min_size=16, model_name=name)
    x = layers.Conv2D(scaled(64), 3, padding="same", activation="relu", name="stem_conv")(inputs)
    x = layers.MaxPooling2D(3, strides=2, padding="same", name="pool1")(x)            # (N, 16, 16, 64)
    aux = None
    for item in CIFAR_LAYOUT:
        if item == "pool":
            x = layers.MaxPooling2D(3, strides=2, padding="same", name="pool2")(x)    # (N, 8, 8, C)
            continue
        label, filters = item
        x = inception_module(x, *(scaled(f) for f in filters), name=f"inception_{label}",
                             bottleneck=bottleneck)
        if aux_classifier and label == "3b":
            a = layers.AveragePooling2D(5, strides=3, name="aux_pool")(x)              # (N, 4, 4, C)
            a = layers.Conv2D(scaled(64), 1, activation="relu", name="aux_conv")(a)
            a = layers.Flatten(name="aux_flatten")(a)
            a = layers.Dense(scaled(128), activation="relu", name="aux_fc")(a)
            a = layers.Dropout(0.7, name="aux_dropout")(a)
            aux = layers.Dense(num_classes, activation=classifier_activation,
                               name="aux_predictions")(a)
    if not include_top:
        return keras.Model(inputs, global_pool(x, pooling), name=name)
    x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    x = layers.Dropout(0.4, name="dropout")(x)
    x = layers.Dense(num_classes, activation=classifier_activation, name="predictions")(x)
    return keras.Model(inputs, [x, aux] if aux_classifier else x, name=name)
