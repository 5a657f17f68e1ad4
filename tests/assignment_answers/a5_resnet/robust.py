"""A submission that crashes in one exercise: it must cost only that exercise's points.

- build_resnet crashes: it adds tensors of different shapes (a forgotten shortcut padding when
  the channels double), and Keras raises from deep inside: test_resnet 0/3. The training test
  uses the zoo's ResNet-20, so it is graded normally.
- residual_block is right but prints to stderr at definition time: nothing is lost.
- the student emptied the locked test cell of exercise 2: nbgrader restores it (2/2).
"""
EXPECTED = {"test_resnet": 0}

# %% answer block
import sys

from keras import layers

print("debugging output on stderr", file=sys.stderr)


def residual_block(x, filters, *, stride=1, shortcut="A", name):
    y = layers.Conv2D(filters, 3, strides=stride, padding="same", use_bias=False, name=f"{name}_1_conv")(x)
    y = layers.BatchNormalization(epsilon=1e-3, name=f"{name}_1_bn")(y)
    y = layers.Activation("relu", name=f"{name}_1_relu")(y)
    y = layers.Conv2D(filters, 3, padding="same", use_bias=False, name=f"{name}_2_conv")(y)
    y = layers.BatchNormalization(epsilon=1e-3, name=f"{name}_2_bn")(y)
    if shortcut is not None:
        skip = x
        if stride != 1 or x.shape[-1] != filters:
            if shortcut == "A":
                skip = layers.MaxPooling2D(1, strides=stride, name=f"{name}_0_pool")(x)
                skip = ChannelPadding(filters - x.shape[-1], name=f"{name}_0_pad")(skip)
            else:
                skip = layers.Conv2D(filters, 1, strides=stride, use_bias=False, name=f"{name}_0_conv")(x)
                skip = layers.BatchNormalization(epsilon=1e-3, name=f"{name}_0_bn")(skip)
        y = layers.Add(name=f"{name}_add")([skip, y])
    return layers.Activation("relu", name=f"{name}_out")(y)

# %% test test_identity

# %% answer resnet
def build_resnet(depth=20, *, shortcut="A", num_classes=10, input_shape=(32, 32, 3), name=None):
    inputs = keras.Input(input_shape)
    x = layers.Conv2D(16, 3, padding="same", use_bias=False)(inputs)
    skip = x
    x = layers.Conv2D(32, 3, strides=2, padding="same")(x)
    x = layers.Add()([skip, x])                                     # (32, 32, 16) + (16, 16, 32)
    return keras.Model(inputs, x)
