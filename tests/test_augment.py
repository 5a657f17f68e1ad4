"""course_utils.augment: presets, PCA colour statistics, test-time augmentation, the pipeline.

Backend-agnostic: CI runs this file on TensorFlow and on JAX.
"""

import keras
import numpy as np
import pytest
from keras import ops

from course_utils import augment

RNG = np.random.default_rng(0)
IMAGES = RNG.integers(0, 256, (16, 32, 32, 3), dtype=np.uint8)


def _np(x):
    return np.asarray(ops.convert_to_numpy(x))


@pytest.mark.parametrize("make", [
    lambda seed: augment.cifar_standard(seed=seed),
    lambda seed: augment.flip_translate(seed=seed),
    lambda seed: augment.alexnet(*augment.pca_color_statistics(IMAGES), seed=seed),
])
def test_presets_are_seeded_shaped_and_float(make):
    a, b = _np(make(3)(IMAGES, training=True)), _np(make(3)(IMAGES, training=True))
    np.testing.assert_array_equal(a, b)                          # same seed, same batch
    c = _np(make(4)(IMAGES, training=True))
    assert not np.array_equal(a, c)                              # another seed, other draws
    assert a.dtype == np.float32 and a.shape[0] == 16 and a.shape[-1] == 3
    assert a.shape[1:3] in {(32, 32), (28, 28)}
    again = make(3)
    first, second = _np(again(IMAGES, training=True)), _np(again(IMAGES, training=True))
    assert not np.array_equal(first, second)                     # a layer keeps drawing


def test_pad_crop_is_a_whole_pixel_shift_and_flip_mirrors():
    pipeline = augment.cifar_standard(seed=0)
    out = _np(pipeline(IMAGES, training=True))
    pad = np.pad(IMAGES.astype(np.float32), ((0, 0), (4, 4), (4, 4), (0, 0)))
    for image, result in zip(pad, out):
        found = any(np.array_equal(view, result)
                    for dy in range(9) for dx in range(9)
                    for view in (image[dy:dy + 32, dx:dx + 32], image[dy:dy + 32, dx:dx + 32][:, ::-1]))
        assert found  # each output is a pad-4 crop of its input, maybe mirrored
    # at inference the preset is the identity
    np.testing.assert_array_equal(_np(pipeline(IMAGES, training=False)), IMAGES.astype(np.float32))


def test_pca_color_statistics_of_known_covariance():
    rng = np.random.default_rng(1)
    basis = np.linalg.qr(rng.normal(size=(3, 3)))[0]
    true_values = np.array([0.04, 0.01, 0.0025])
    pixels = rng.normal(size=(200_000, 3)) * np.sqrt(true_values) @ basis.T + 0.5
    values, vectors = augment.pca_color_statistics(pixels.reshape(-1, 100, 100, 3).astype(np.float32))
    np.testing.assert_allclose(values, true_values, rtol=0.03)
    for i in range(3):  # the same directions, up to sign
        assert abs(float(vectors[:, i] @ basis[:, i])) > 0.999
    assert np.all(vectors[np.abs(vectors).argmax(axis=0), range(3)] > 0)
    with pytest.raises(ValueError, match=r"\(N, H, W, 3\)"):
        augment.pca_color_statistics(np.zeros((4, 8, 8)))


def test_pca_color_shift_has_the_papers_statistics():
    values = np.array([0.05, 0.01, 0.002], np.float32)
    vectors = np.linalg.qr(np.random.default_rng(2).normal(size=(3, 3)))[0].astype(np.float32)
    layer = augment.PCAColor(values, vectors, std=0.1, value_range=(0, 1), seed=0)
    images = np.zeros((20_000, 2, 2, 3), np.float32)
    out = _np(layer(images, training=True))
    shift = out[:, 0, 0]
    assert np.all(out == out[:, :1, :1])                     # one shift per image, every pixel
    alpha = shift @ vectors / values                          # back to the coefficients
    np.testing.assert_allclose(alpha.mean(axis=0), 0, atol=0.004)
    np.testing.assert_allclose(alpha.std(axis=0), 0.1, rtol=0.03)
    expected = 0.01 * vectors @ np.diag(values ** 2) @ vectors.T
    np.testing.assert_allclose(np.cov(shift, rowvar=False), expected, atol=2e-6)
    np.testing.assert_array_equal(_np(layer(images[:4], training=False)), images[:4])
    with pytest.raises(ValueError, match="3 eigenvalues"):
        augment.PCAColor([1, 2], np.eye(3))


class _MeanColour(keras.layers.Layer):
    """Flip-invariant: the softmax of the mean colour."""

    def call(self, x):
        return ops.softmax(ops.mean(ops.cast(x, "float32"), axis=(1, 2)) / 50.0)


def _invariant_model(size=32):
    inputs = keras.Input((size, size, 3))
    return keras.Model(inputs, _MeanColour()(inputs))


def test_tta_equals_plain_prediction_for_a_flip_invariant_model():
    model = _invariant_model()
    plain = model.predict(IMAGES, verbose=0)
    np.testing.assert_allclose(augment.predict_tta(model, IMAGES, crops="flip"), plain, rtol=1e-5)
    np.testing.assert_allclose(augment.predict_tta(model, IMAGES, crops=None), plain, rtol=1e-5)


def test_ten_crops_are_corners_centre_and_mirrors():
    x = np.arange(1 * 6 * 6 * 1, dtype=np.float32).reshape(1, 6, 6, 1)
    views = augment.tta_views(x, "ten", crop_size=4)
    assert len(views) == 10 and all(v.shape == (1, 4, 4, 1) for v in views)
    np.testing.assert_array_equal(views[0], x[:, :4, :4])          # top left
    np.testing.assert_array_equal(views[3], x[:, 2:, 2:])          # bottom right
    np.testing.assert_array_equal(views[4], x[:, 1:5, 1:5])        # centre
    np.testing.assert_array_equal(views[9], x[:, 1:5, 1:5][:, :, ::-1])
    assert len(augment.tta_views(IMAGES, "five", pad=4)) == 5
    model = _invariant_model(28)
    probs = augment.predict_tta(model, IMAGES, crops="ten")        # crop size from the model
    assert probs.shape == (16, 3)
    np.testing.assert_allclose(probs.sum(axis=1), 1, rtol=1e-5)
    with pytest.raises(ValueError, match="all the same image"):
        augment.tta_views(IMAGES, "five")
    with pytest.raises(ValueError, match="crops must be one of"):
        augment.tta_views(IMAGES, "twelve")


def test_pipeline_is_deterministic_and_reshuffles_each_epoch():
    labels = np.arange(16)
    make = lambda: augment.pipeline(IMAGES, labels, augment.cifar_standard(seed=0),  # noqa: E731
                                    batch_size=8, seed=5)
    first, second = make(), make()

    def epoch(ds):
        xs, ys = zip(*[(_np(xb), _np(yb)) for xb, yb in ds])
        return np.concatenate(xs), np.concatenate(ys)

    x1, y1 = epoch(first)
    x2, y2 = epoch(second)
    np.testing.assert_array_equal(x1, x2)
    np.testing.assert_array_equal(y1, y2)
    assert sorted(y1.tolist()) == labels.tolist() and x1.dtype == np.float32
    x3, y3 = epoch(first)
    assert not np.array_equal(y1, y3) or not np.array_equal(x1, x3)  # a new epoch, new draws


def test_pipeline_feeds_fit_on_the_active_backend():
    inputs = keras.Input((32, 32, 3))
    x = keras.layers.GlobalAveragePooling2D()(keras.layers.Rescaling(1 / 255)(inputs))
    model = keras.Model(inputs, keras.layers.Dense(3, activation="softmax")(x))
    model.compile("sgd", "sparse_categorical_crossentropy")
    history = model.fit(augment.pipeline(IMAGES, np.arange(16) % 3, augment.flip_translate(),
                                         batch_size=8), epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2
    numpy_path = augment.pipeline(IMAGES, np.arange(16) % 3, augment.flip_translate(),
                                  batch_size=8, backend="numpy")
    assert isinstance(numpy_path, augment.AugmentedBatches) and len(numpy_path) == 2
    with pytest.raises(ValueError, match="same length"):
        augment.pipeline(IMAGES, np.arange(3))


def test_plot_augmentations_titles_and_scale():
    from course_utils import plotting

    fig = plotting.plot_augmentations(IMAGES[0], augment.cifar_standard(seed=1), draws=5)
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["original", "draw 1", "draw 2", "draw 3", "draw 4", "draw 5"]
    assert "cifar_standard" in fig.get_suptitle()
    shown = fig.axes[1].images[0].get_array()
    assert shown.dtype == np.uint8 and shown.shape == (32, 32, 3)  # shown on the input's scale
    crops = plotting.plot_augmentations(IMAGES[0], augment.alexnet(
        *augment.pca_color_statistics(IMAGES)), draws=2)
    assert crops.axes[1].get_title() == "draw 1 (28x28)"
    with pytest.raises(ValueError, match="one \\(H, W, C\\) image"):
        plotting.plot_augmentations(IMAGES, augment.cifar_standard())


def test_presets_take_an_image_then_a_batch_of_any_channels():
    preset = augment.cifar_standard(image_size=8, pad=2, seed=0)
    assert tuple(preset(np.zeros((8, 8, 1), "uint8")).shape) == (8, 8, 1)
    # a plain Sequential had locked rank 3 here and dropped the channel axis of this batch
    assert tuple(preset(np.zeros((4, 8, 8, 1), "uint8")).shape) == (4, 8, 8, 1)
    colour = augment.flip_translate(image_size=8, shift=1, seed=0)
    assert tuple(colour(np.zeros((8, 8, 3), "uint8")).shape) == (8, 8, 3)
    assert tuple(colour(np.zeros((2, 8, 8, 3), "uint8")).shape) == (2, 8, 8, 3)
    with pytest.raises(ValueError, match=r"got shape \(8, 8\)"):
        colour(np.zeros((8, 8), "uint8"))


def test_pca_statistics_refuse_0_255_floats_and_accept_integer_images():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (4, 8, 8, 3), dtype=np.uint8)
    values, _ = augment.pca_color_statistics(images)
    wide, _ = augment.pca_color_statistics(images.astype(np.int64))
    np.testing.assert_allclose(values, wide, rtol=1e-6)
    scaled, _ = augment.pca_color_statistics(images / 255.0)
    np.testing.assert_allclose(values, scaled, rtol=1e-5)
    with pytest.raises(ValueError, match="maximum of 255"):
        augment.pca_color_statistics(images.astype(np.float32))


def test_pca_color_refuses_greyscale():
    values, vectors = np.ones(3), np.eye(3)
    layer = augment.PCAColor(values, vectors, seed=0)
    with pytest.raises(ValueError, match="needs 3 channels, got images of shape"):
        layer(np.zeros((2, 4, 4, 1), "float32"), training=True)


@pytest.mark.parametrize("kind", ["mixup", "cutmix"])
def test_mix_labels_mixes_images_and_labels_alike(kind):
    labels = np.arange(16) % 10
    mix = augment.MixLabels(kind, num_classes=10, seed=3)
    images, soft = (_np(t) for t in mix(IMAGES, labels, training=True))
    assert images.shape == IMAGES.shape and images.dtype == np.float32
    assert soft.shape == (16, 10)
    np.testing.assert_allclose(soft.sum(axis=1), 1.0, atol=1e-5)
    # every soft label is a mixture of its own class and at most one other
    assert np.all((soft > 1e-6).sum(axis=1) <= 2)
    assert np.all(soft[np.arange(16), labels] > 0) or kind == "cutmix"
    assert not np.allclose(soft, np.eye(10)[labels])          # something was mixed
    if kind == "mixup":
        # each mixed image is lam * x_i + (1 - lam) * x_j with lam = the label's own share
        own = soft[np.arange(16), labels]
        i = int(np.argmax((own > 0.05) & (own < 0.95)))
        partners = [j for j in range(16) if np.allclose(
            images[i], own[i] * IMAGES[i] + (1 - own[i]) * IMAGES[j].astype(np.float32), atol=1e-2)]
        assert partners, "a mixed image is the labels' mixture of two images of the batch"
    clean_images, one_hot = (_np(t) for t in mix(IMAGES, labels, training=False))
    np.testing.assert_array_equal(clean_images, IMAGES.astype(np.float32))
    np.testing.assert_array_equal(one_hot, np.eye(10)[labels])


def test_mix_labels_refuses_bad_settings_and_pipeline_needs_labels():
    with pytest.raises(ValueError, match="kind must be one of"):
        augment.MixLabels("mixdown", num_classes=10)
    with pytest.raises(ValueError, match="num_classes"):
        augment.MixLabels("mixup", num_classes=1)
    with pytest.raises(ValueError, match="alpha must be positive"):
        augment.MixLabels("cutmix", num_classes=10, alpha=0)
    with pytest.raises(ValueError, match="CutMix factor"):
        augment.MixLabels("cutmix", num_classes=10, alpha=2.0)
    with pytest.raises(ValueError, match="a batch"):
        augment.MixLabels("mixup", num_classes=10)(IMAGES[0], np.arange(1))
    with pytest.raises(ValueError, match="pass the integer labels"):
        augment.pipeline(IMAGES, None, augment.MixLabels("mixup", num_classes=10))
    with pytest.raises(ValueError, match="pass the integer labels"):
        augment.AugmentedBatches(IMAGES, None, augment.MixLabels("mixup", num_classes=10), 8)


@pytest.mark.parametrize("backend", [None, "numpy"])
def test_pipeline_yields_soft_labels_for_a_mixing_augmentation(backend):
    mix = augment.MixLabels("mixup", num_classes=10, augmentation=augment.cifar_standard(seed=0),
                            seed=1)
    assert mix.name == "cifar_standard+mixup" or mix.name.endswith("+mixup")
    batches = augment.pipeline(IMAGES, np.arange(16) % 10, mix, batch_size=8, seed=0,
                               **({"backend": backend} if backend else {}))
    xs, ys = zip(*[(_np(xb), _np(yb)) for xb, yb in batches])
    assert [x.shape for x in xs] == [(8, 32, 32, 3)] * 2 and [y.shape for y in ys] == [(8, 10)] * 2
    np.testing.assert_allclose(np.concatenate(ys).sum(axis=1), 1.0, atol=1e-5)


def test_fit_and_evaluate_trains_on_mixed_labels_and_measures_on_integer_ones():
    from course_utils import training
    from course_utils.data import Dataset

    rng = np.random.default_rng(1)
    y = np.arange(64) % 2
    x = np.where(y[:, None, None, None] == 1, 200, 40).astype(np.uint8) \
        + rng.integers(0, 30, (64, 8, 8, 3)).astype(np.uint8)
    dataset = Dataset("toy", x[:48], y[:48], x[48:], y[48:], ("dark", "bright"), "generated")

    def network():
        inputs = keras.Input((8, 8, 3))
        pooled = keras.layers.GlobalAveragePooling2D()(inputs)
        return keras.Model(inputs, keras.layers.Dense(2, activation="softmax")(pooled))

    run = training.fit_and_evaluate(network, dataset, epochs=40, batch_size=16, learning_rate=0.3,
                                    augmentation=augment.MixLabels("mixup", num_classes=2, seed=0),
                                    label_smoothing=0.1, record=False)
    assert isinstance(run.model.loss, keras.losses.CategoricalCrossentropy)
    assert run.model.loss.label_smoothing == pytest.approx(0.1)
    assert run.test_accuracy == 1.0          # measured on the clean integer-labelled test images
    assert run.settings["augmentation"] == "mixup"
