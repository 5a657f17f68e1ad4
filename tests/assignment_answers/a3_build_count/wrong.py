"""Classic slips in building, counting and training.

- LeNet-5 with a 'valid' first convolution (24x24 maps): layer types and softmax are right,
  output shapes and the parameter count (44,426 instead of 61,706) are not: 2/4.
- The VGG blocks are right but the convolutions are named conv{i} without the block: 2/3.
- conv2d_params ignores use_bias=False and conv2d_macs counts FLOPs (2 per MAC): the Dense
  functions are right, LENET5_MACS built from the wrong function is wrong: 2/5.
- train_lenet5 uses a learning rate of 1e-5 and one epoch: far below the target, 0/3.
"""
EXPECTED = {"test_lenet5": 2, "test_vgg_stack": 2, "test_counting": 2, "test_training": 0}

# %% answer lenet5
def build_lenet5():
    layers = keras.layers
    return keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        layers.Conv2D(6, 5, activation="relu"),                    # 'valid': 24x24 maps
        layers.MaxPooling2D(2),
        layers.Conv2D(16, 5, activation="relu"),
        layers.MaxPooling2D(2),
        layers.Flatten(),
        layers.Dense(120, activation="relu"),
        layers.Dense(84, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ])

# %% answer vgg_stack
def vgg_block(x, num_convs, filters, block):
    for i in range(1, num_convs + 1):
        x = keras.layers.Conv2D(filters, 3, padding="same", activation="relu",
                                name=f"conv{block}{i}")(x)         # wrong names
    return keras.layers.MaxPooling2D(2, name=f"block{block}_pool")(x)


def build_vgg_stack(input_shape=(32, 32, 3), stages=((2, 32), (2, 64)), num_classes=10):
    inputs = keras.Input(shape=input_shape)
    x = inputs
    for block, (num_convs, filters) in enumerate(stages, start=1):
        x = vgg_block(x, num_convs, filters, block)
    x = keras.layers.Flatten()(x)
    return keras.Model(inputs, keras.layers.Dense(num_classes, activation="softmax")(x))

# %% answer counting
def conv2d_params(kernel_size, in_channels, filters, use_bias=True):
    return kernel_size * kernel_size * in_channels * filters + filters   # use_bias ignored


def dense_params(in_features, units, use_bias=True):
    return in_features * units + (units if use_bias else 0)


def conv2d_macs(out_height, out_width, kernel_size, in_channels, filters):
    return 2 * out_height * out_width * filters * kernel_size**2 * in_channels   # FLOPs


def dense_macs(in_features, units):
    return in_features * units


LENET5_PARAMS = (conv2d_params(5, 1, 6) + conv2d_params(5, 6, 16) + dense_params(400, 120)
                 + dense_params(120, 84) + dense_params(84, 10))
LENET5_MACS = (conv2d_macs(28, 28, 5, 1, 6) + conv2d_macs(10, 10, 5, 6, 16)
               + dense_macs(400, 120) + dense_macs(120, 84) + dense_macs(84, 10))

# %% answer train
def train_lenet5(model, x_train, y_train, *, epochs, batch_size):
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-5),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model.fit(x_train, y_train, epochs=1, batch_size=batch_size, verbose=0)
