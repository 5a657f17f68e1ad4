"""Uncentred statistics, one learning rate, the wrong average.

- pca_color_statistics takes x^T x / n without subtracting the mean and keeps uint8 values: the
  eigenvalues fail, the eigenvectors fail, the shift (given the right statistics) passes (1/3).
- two_phase freezes and unfreezes correctly but compiles phase 2 with the full learning rate:
  the learning-rate part fails with its hint (2/3), and at the run's rate of 1e-2 the
  fine-tuning destroys EfficientNet-Lite0's ImageNet features: 10.0% target accuracy, chance
  (0/2; 56.6% at a tenth of the rate).
- my_grad_cam weights the maps by the largest gradient instead of the mean one: for conv2, which
  feeds the global average pooling, the gradient is the same at every position, so max = mean
  and that map passes; conv1's differs (1.5/3).
"""
EXPECTED = {"test_pca": 1, "test_fine_tune": 2, "test_fine_tune_accuracy": 0, "test_grad_cam": 1.5}

# %% answer pca
def pca_color_statistics(images):
    pixels = np.asarray(images, dtype=np.float64).reshape(-1, 3)
    values, vectors = np.linalg.eigh(pixels.T @ pixels / len(pixels))    # not centred, not /255
    order = np.argsort(values)[::-1]
    values, vectors = values[order], vectors[:, order]
    signs = np.sign(vectors[np.argmax(np.abs(vectors), axis=0), np.arange(3)])
    return values, vectors * signs


def pca_shift(image, alphas, eigenvalues, eigenvectors):
    return np.asarray(image, dtype=np.float64) + np.asarray(eigenvectors) @ (
        np.asarray(alphas) * np.asarray(eigenvalues))

# %% answer fine_tune
def two_phase(backbone, x, y, num_classes, *, head_epochs, fine_epochs, learning_rate, top,
              batch_size=16, callbacks=()):
    transfer.freeze(backbone)
    inputs = keras.Input(backbone.input_shape[1:])
    model = keras.Model(inputs, keras.layers.Dense(num_classes, activation="softmax")(
        backbone(inputs, training=False)))
    for phase, epochs in enumerate((head_epochs, fine_epochs)):
        if phase == 1:
            transfer.unfreeze(backbone, top)
        model.compile(optimizer=keras.optimizers.Adam(learning_rate),      # the same rate twice
                      loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        model.fit(x, y, epochs=epochs, batch_size=batch_size, callbacks=list(callbacks), verbose=0)
    return model

# %% answer grad_cam
def my_grad_cam(model, image, class_index, layer_name):
    layer = model.get_layer(layer_name)
    features = keras.Model(model.inputs, layer.output)
    head = keras.Model(layer.output, model.output)
    import tensorflow as tf

    activations = features(image[None].astype("float32"), training=False)
    with tf.GradientTape() as tape:
        tape.watch(activations)
        score = head(activations, training=False)[0, class_index]
    grads = keras.ops.convert_to_numpy(tape.gradient(score, activations))
    activations = keras.ops.convert_to_numpy(activations)
    weights = grads.max(axis=(1, 2))                                      # max, not mean
    cam = np.maximum(np.einsum("nhwc,nc->nhw", activations, weights), 0)
    cam = keras.ops.convert_to_numpy(keras.ops.image.resize(cam[..., None], image.shape[:2],
                                                            interpolation="bilinear"))[0, ..., 0]
    span = cam.max() - cam.min()
    return (cam - cam.min()) / span if span > 0 else np.zeros_like(cam)
