"""Network in Network (Lin, Chen, Yan 2014): mlpconv blocks and global average pooling.

Builder: ``nin``, the CIFAR-10 network of the paper: three mlpconv blocks (a
spatial convolution followed by two 1x1 convolutions), the last of which outputs
one map per class, averaged into the class scores without any dense layer.

References
----------
M. Lin, Q. Chen, S. Yan, "Network in network", ICLR 2014 (arXiv:1312.4400).
"""

from __future__ import annotations

import keras
from keras import layers

from course_utils.registry import register_model
from course_utils.zoo._common import check_head_args, global_pool, make_input

# (kernel size, filters) of each mlpconv block, then the pooling that follows it.
BLOCKS = (
    ((5, 192), (1, 160), (1, 96)),
    ((5, 192), (1, 192), (1, 192)),
    ((3, 192), (1, 192), (1, None)),  # None: num_classes maps in the last 1x1 layer
)
BLOCK_POOLING = ("max", "avg", None)


def mlpconv_block(x, convs, *, block: int, num_classes: int | None = None):
    """One mlpconv block: ``(kernel, filters)`` convolutions with ReLU, 'same' padding.

    Layers ``block{block}_conv{i}``; a ``filters`` of None means ``num_classes``.
    """
    for i, (kernel_size, filters) in enumerate(convs, start=1):
        x = layers.Conv2D(num_classes if filters is None else filters, kernel_size,
                          padding="same", activation="relu", name=f"block{block}_conv{i}")(x)
    return x


@register_model(paper="Lin, Chen & Yan, \"Network in network\", ICLR 2014", params=966_986)
def nin(input_shape=(32, 32, 3), num_classes=10, *, include_top=True, pooling=None,
        classifier_activation="softmax", dropout=0.5, name="nin") -> keras.Model:
    """Network in Network for CIFAR-10.

    32x32 -> mlpconv (5x5 192, 1x1 160, 1x1 96) -> max-pool 3/2 -> dropout -> 16x16
    -> mlpconv (5x5 192, 1x1 192, 1x1 192) -> avg-pool 3/2 -> dropout -> 8x8
    -> mlpconv (3x3 192, 1x1 192, 1x1 num_classes) -> global average pooling.

    ``include_top=False`` drops the last 1x1 convolution (the per-class maps) and
    returns the 192-channel map after ``pooling``. The smallest input accepted is 4x4.

    References
    ----------
    Lin, Chen, Yan, "Network in network", ICLR 2014.
    """
    check_head_args(num_classes, include_top, pooling)
    inputs = make_input(input_shape, min_size=4, model_name=name)
    x = inputs
    for block, (convs, pool) in enumerate(zip(BLOCKS, BLOCK_POOLING), start=1):
        if block == len(BLOCKS) and not include_top:
            convs = convs[:-1]
        x = mlpconv_block(x, convs, block=block, num_classes=num_classes)
        if pool == "max":
            x = layers.MaxPooling2D(3, strides=2, padding="same", name=f"block{block}_pool")(x)
        elif pool == "avg":
            x = layers.AveragePooling2D(3, strides=2, padding="same",
                                        name=f"block{block}_pool")(x)
        if pool is not None and dropout:
            x = layers.Dropout(dropout, name=f"block{block}_dropout")(x)
    if not include_top:
        return keras.Model(inputs, global_pool(x, pooling), name=name)
    x = layers.GlobalAveragePooling2D(name="avg_pool")(x)        # (N, num_classes)
    x = layers.Activation(classifier_activation, name="predictions")(x)
    return keras.Model(inputs, x, name=name)
