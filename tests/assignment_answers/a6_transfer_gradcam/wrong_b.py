"""Rows for columns, batch norm unfrozen, no ReLU.

- pca_color_statistics returns the eigenvectors as rows: the eigenvalues pass, the eigenvectors
  fail with the "rows" hint, the shift passes (2/3).
- two_phase unfreezes batch norm with the other top layers: that part fails with the batch-norm
  hint (2/3); the fine-tuned model still passes (2/2, 55.2% against 56.6%): the backbone is
  called with training=False, so its batch norm keeps normalising with the ImageNet statistics
  and only its scale and offset train.
- my_grad_cam forgets the ReLU and the scaling to [0, 1]: the negative-values hint (0/3).
"""
EXPECTED = {"test_pca": 2, "test_fine_tune": 2, "test_fine_tune_accuracy": 2, "test_grad_cam": 0}

# %% answer pca
def pca_color_statistics(images):
    x = np.asarray(images, dtype=np.float64)
    if np.asarray(images).dtype == np.uint8:
        x = x / 255.0
    values, vectors = np.linalg.eigh(np.cov(x.reshape(-1, 3), rowvar=False))
    order = np.argsort(values)[::-1]
    values, vectors = values[order], vectors[:, order]
    signs = np.sign(vectors[np.argmax(np.abs(vectors), axis=0), np.arange(3)])
    return values, (vectors * signs).T                                    # rows, not columns


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
    for epochs, rate in ((head_epochs, learning_rate), (fine_epochs, 0.1 * learning_rate)):
        if rate != learning_rate:
            transfer.unfreeze(backbone, top, batch_norm=True)             # batch norm trains too
        model.compile(optimizer=keras.optimizers.Adam(rate),
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
    cam = np.einsum("nhwc,nc->nhw", activations, grads.mean(axis=(1, 2)))   # no ReLU
    return keras.ops.convert_to_numpy(keras.ops.image.resize(cam[..., None], image.shape[:2],
                                                             interpolation="bilinear"))[0, ..., 0]
