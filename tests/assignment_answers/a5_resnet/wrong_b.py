"""A ReLU in the wrong place, a forgotten stride and a learning rate too small.

- residual_block applies its last ReLU before the sum (ReLU(F(x)) + x) and none after it: the
  parameters and names are right (3/3) and the block still starts as the identity: a mistake
  these tests cannot see, which the written questions and lesson 11 discuss.
- zero_gamma zeroes the gamma of every batch norm, not only the last of each branch: the block
  is still the identity and the plain block 0, but the other weights must not change (1.5/2).
- build_resnet forgets the stride of the third stage: ResNet-20's count is right (the visible
  test passes) but the last stage's feature maps stay 16x16: the hidden part on feature-map
  sizes is lost (2/3).
- train uses SGD with a learning rate of 1e-5: the held-out accuracy stays near chance, far
  below the 20% target, with the hint (0/2).
"""
EXPECTED = {"test_block": 3, "test_identity": 1.5, "test_resnet": 2, "test_train": 0}

# %% answer block
from keras import layers


def residual_block(x, filters, *, stride=1, shortcut="A", name):
    y = layers.Conv2D(filters, 3, strides=stride, padding="same", use_bias=False, name=f"{name}_1_conv")(x)
    y = layers.BatchNormalization(epsilon=1e-3, name=f"{name}_1_bn")(y)
    y = layers.Activation("relu", name=f"{name}_1_relu")(y)
    y = layers.Conv2D(filters, 3, padding="same", use_bias=False, name=f"{name}_2_conv")(y)
    y = layers.BatchNormalization(epsilon=1e-3, name=f"{name}_2_bn")(y)
    y = layers.Activation("relu", name=f"{name}_out")(y)          # ReLU before the sum
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
    return y

# %% answer resnet
def build_resnet(depth=20, *, shortcut="A", num_classes=10, input_shape=(32, 32, 3), name=None):
    n = (depth - 2) // 6
    inputs = keras.Input(input_shape)
    x = layers.Conv2D(16, 3, padding="same", use_bias=False, name="conv1_conv")(inputs)
    x = layers.BatchNormalization(epsilon=1e-3, name="conv1_bn")(x)
    x = layers.Activation("relu", name="conv1_relu")(x)
    for stage, filters in enumerate((16, 32, 64)):
        for i in range(1, n + 1):
            stride = 2 if (i == 1 and stage == 1) else 1            # forgets the third stage
            x = residual_block(x, filters, stride=stride, shortcut=shortcut,
                               name=f"conv{stage + 2}_block{i}")
    x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    outputs = layers.Dense(num_classes, activation="softmax", name="predictions")(x)
    return keras.Model(inputs, outputs)

# %% answer train
def train(model, x, y, *, epochs, batch_size):
    model.compile(optimizer=keras.optimizers.SGD(1e-5), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model.fit(x, y, epochs=epochs, batch_size=batch_size, verbose=0)

# %% answer zero_gamma
def zero_gamma(model):
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.gamma.assign(keras.ops.zeros_like(layer.gamma))
    return model
