"""Projections everywhere, and a forgotten metric.

- residual_block always projects the shortcut with a 1x1 convolution (option C), even when the
  shape does not change: the identity case fails with the "projection although the shape does
  not change" hint, option A with its hint, option B and the plain block pass (1.5/3); after
  zero_gamma (the reference's) the block does not pass its input, which goes through the
  projection (1/2: the plain block and "only the last gamma changes" pass).
- build_resnet is right but uses that block: ResNet-20 has more than 271,098 parameters, so the
  visible test fails (0/3).
- train compiles without metrics=["accuracy"]: the test says so (0/2).
"""
EXPECTED = {"test_block": 1.5, "test_identity": 1, "test_resnet": 0, "test_train": 0}

# %% answer block
from keras import layers


def residual_block(x, filters, *, stride=1, shortcut="A", name):
    y = layers.Conv2D(filters, 3, strides=stride, padding="same", use_bias=False, name=f"{name}_1_conv")(x)
    y = layers.BatchNormalization(epsilon=1e-3, name=f"{name}_1_bn")(y)
    y = layers.Activation("relu", name=f"{name}_1_relu")(y)
    y = layers.Conv2D(filters, 3, padding="same", use_bias=False, name=f"{name}_2_conv")(y)
    y = layers.BatchNormalization(epsilon=1e-3, name=f"{name}_2_bn")(y)
    if shortcut is not None:
        skip = layers.Conv2D(filters, 1, strides=stride, use_bias=False, name=f"{name}_0_conv")(x)
        skip = layers.BatchNormalization(epsilon=1e-3, name=f"{name}_0_bn")(skip)
        y = layers.Add(name=f"{name}_add")([skip, y])
    return layers.Activation("relu", name=f"{name}_out")(y)

# %% answer train
def train(model, x, y, *, epochs, batch_size):
    model.compile(optimizer=keras.optimizers.Adam(3e-3), loss="sparse_categorical_crossentropy")
    return model.fit(x, y, epochs=epochs, batch_size=batch_size, verbose=0)
