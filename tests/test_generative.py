"""course_utils.generative on any backend: masks, the VAE's loss, the GAN's gradient routing."""

import math

import keras
import numpy as np
import pytest
from keras import ops

from course_utils import autodiff, generative as gen


# ---------------------------------------------------------------- PixelCNN
def test_causal_masks_by_hand():
    a = gen.causal_mask(3, "A", 1, 1)[:, :, 0, 0]
    b = gen.causal_mask(3, "B", 2, 3)
    np.testing.assert_array_equal(a, [[1, 1, 1], [1, 0, 0], [0, 0, 0]])
    np.testing.assert_array_equal(b[:, :, 1, 2], [[1, 1, 1], [1, 1, 0], [0, 0, 0]])
    assert b.shape == (3, 3, 2, 3)
    with pytest.raises(ValueError, match="mask_type must be 'A' or 'B', got 'C'"):
        gen.causal_mask(3, "C", 1, 1)
    with pytest.raises(ValueError, match="odd positive int, got 4"):
        gen.causal_mask(4, "A", 1, 1)


@pytest.mark.parametrize("position", [(0, 0), (3, 4), (5, 2), (7, 7)])
def test_pixelcnn_output_never_depends_on_the_pixel_itself_or_later_ones(position):
    keras.utils.set_random_seed(0)
    model = gen.pixelcnn((8, 8, 1), filters=8, num_layers=3, first_kernel=5)
    for layer in model.layers:     # biases non-zero too, so that no gradient vanishes by accident
        if layer.weights:
            layer.set_weights([np.random.default_rng(1).normal(size=w.shape).astype("float32") * 0.5
                               for w in layer.get_weights()])
    i, j = position
    x = (np.random.default_rng(2).random((1, 8, 8, 1)) < 0.5).astype("float32")
    _, (grad,) = autodiff.value_and_grad(lambda t: ops.sum(model(t)[0, i, j, 0]), x)
    raster = np.arange(64).reshape(8, 8)
    depends = np.abs(grad[0, :, :, 0]) > 0
    assert not depends[raster >= raster[i, j]].any(), "output depends on the pixel or a later one"
    if (i, j) != (0, 0):
        assert depends[raster < raster[i, j]].any()
        # one row above, straight up: inside every receptive field of these sizes
        if i > 0:
            assert depends[i - 1, j]
    else:
        assert not depends.any()   # the first pixel sees nothing: p(x_0) is the bias alone


def test_masked_conv_refuses_what_breaks_the_mask():
    with pytest.raises(ValueError, match="padding='same', got 'valid'"):
        gen.MaskedConv2D("A", 4, 3, padding="valid")
    with pytest.raises(ValueError, match="one odd int, got 4"):
        gen.MaskedConv2D("B", 4, 4)
    with pytest.raises(ValueError, match="one binary channel"):
        gen.pixelcnn((8, 8, 3))


def test_pixelcnn_nll_is_the_bernoulli_likelihood_and_sampling_is_binary():
    keras.utils.set_random_seed(0)
    model = gen.pixelcnn((6, 6, 1), filters=4, num_layers=1, first_kernel=3)
    x = (np.random.default_rng(0).random((3, 6, 6, 1)) < 0.3).astype("float32")
    p = 1 / (1 + np.exp(-ops.convert_to_numpy(model(x))))
    expected = -(x * np.log(p) + (1 - x) * np.log(1 - p)).sum(axis=(1, 2, 3))
    np.testing.assert_allclose(gen.pixelcnn_nll(model, x), expected, rtol=1e-4)
    rows = []
    samples = gen.pixelcnn_sample(model, 4, seed=0, progress=lambda done, total: rows.append((done, total)))
    assert samples.shape == (4, 6, 6, 1) and set(np.unique(samples)) <= {0.0, 1.0}
    assert rows[-1] == (6, 6) and len(rows) == 6
    np.testing.assert_array_equal(samples, gen.pixelcnn_sample(model, 4, seed=0))
    completed = gen.pixelcnn_sample(model, given=x, start_row=4, seed=0)
    np.testing.assert_array_equal(completed[:, :4], x[:, :4])
    assert set(np.unique(completed)) <= {0.0, 1.0}
    with pytest.raises(ValueError, match="start_row must be an int in 0..5, got 6"):
        gen.pixelcnn_sample(model, given=x, start_row=6)
    with pytest.raises(TypeError, match="uint8"):
        gen.pixelcnn_nll(model, np.zeros((1, 6, 6, 1), np.uint8))


def test_bits_per_dim_and_binarize():
    assert gen.bits_per_dim(784 * math.log(2), 784) == pytest.approx(1.0)
    np.testing.assert_array_equal(gen.binarize(np.array([[0, 127, 128, 255]], np.uint8)), [[0, 0, 1, 1]])
    with pytest.raises(TypeError, match="uint8"):
        gen.binarize(np.zeros(3, "float32"))


# ---------------------------------------------------------------- VAE
def test_vae_loss_is_reconstruction_plus_kl():
    keras.utils.set_random_seed(0)
    vae = gen.ConvVAE(latent_dim=3, input_shape=(8, 8, 1), filters=(4, 8), dense_units=16)
    x = (np.random.default_rng(0).random((5, 8, 8, 1)) < 0.5).astype("float32")
    logits = vae(x)
    stats = ops.convert_to_numpy(vae.encoder(x))
    mean, log_var = stats[:, :3], stats[:, 3:]
    kl = -0.5 * np.sum(1 + log_var - mean ** 2 - np.exp(log_var), axis=1).mean()
    np.testing.assert_allclose(ops.convert_to_numpy(vae.losses[0]), kl, rtol=1e-5)
    p = 1 / (1 + np.exp(-ops.convert_to_numpy(logits)))
    bce = -(x * np.log(p) + (1 - x) * np.log(1 - p)).sum(axis=(1, 2, 3))
    np.testing.assert_allclose(ops.convert_to_numpy(gen.ConvVAE.reconstruction_loss(x, logits)), bce, rtol=1e-4)
    report = gen.negative_elbo(vae, x, samples=2)
    assert report["total"] == pytest.approx(report["reconstruction"] + report["kl"])
    assert report["kl"] == pytest.approx(kl, rel=1e-4)
    assert report["bits_per_dim"] == pytest.approx(report["total"] / (64 * math.log(2)))
    assert vae.sample(4).shape == (4, 8, 8, 1) and vae.decode(np.zeros((2, 3))).shape == (2, 8, 8, 1)
    with pytest.raises(ValueError, match=r"z must have shape \(N, 3\), got \(2, 2\)"):
        vae.decode(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="divisible by 4"):
        gen.ConvVAE(input_shape=(10, 10, 1))


def test_vae_trains_with_fit(real_data_dir):
    from course_utils import data

    ds = data.load("mnist", train_size=1000, test_size=300, seed=0)
    x, x_test = gen.binarize(ds.x_train), gen.binarize(ds.x_test)
    keras.utils.set_random_seed(0)
    vae = gen.ConvVAE(latent_dim=2)
    before = gen.negative_elbo(vae, x_test)["total"]
    vae.compile(optimizer=keras.optimizers.Adam(1e-3), loss=gen.ConvVAE.reconstruction_loss)
    vae.fit(x, x, epochs=3, batch_size=100, verbose=0)
    after = gen.negative_elbo(vae, x_test)
    assert before > 500 and after["total"] < 260, (before, after)   # nats per image (543 / 232 here)
    assert after["kl"] > 0.5


# ---------------------------------------------------------------- DCGAN
def _small_gan(loss="non_saturating"):
    keras.utils.set_random_seed(0)
    g = gen.gan_generator(8, filters=(4, 4), output_shape=(8, 8, 1))
    d = gen.gan_discriminator((8, 8, 1), filters=(4, 4))
    gan = gen.DCGAN(g, d, generator_loss=loss)
    gan(np.zeros((2, 8, 8, 1), "float32"))
    return gan


@pytest.mark.parametrize("loss", gen.GAN_LOSSES)
def test_each_player_gets_only_the_gradient_of_its_own_loss(loss):
    gan = _small_gan(loss)
    x = np.random.default_rng(0).random((6, 8, 8, 1)).astype("float32")
    weights = [ops.convert_to_numpy(v) for v in gan.trainable_variables]
    fixed = [v.value for v in gan.non_trainable_variables]      # the same noise in every call
    in_d = np.array([any(v is w for w in gan.discriminator.trainable_variables)
                     for v in gan.trainable_variables])
    assert in_d.any() and (~in_d).any()

    def loss_of(which):
        def fn(*ws):
            logits, _ = gan.stateless_call(list(ws), fixed, x, training=True)
            d_loss, g_loss = gan.player_losses(logits)
            return {"total": gan.compute_loss(y_pred=logits), "d": d_loss, "g": g_loss}[which]
        return fn

    _, total = autodiff.value_and_grad(loss_of("total"), *weights)
    _, d_only = autodiff.value_and_grad(loss_of("d"), *weights)
    _, g_only = autodiff.value_and_grad(loss_of("g"), *weights)
    for k, is_d in enumerate(in_d):
        own = d_only[k] if is_d else g_only[k]
        other = g_only[k] if is_d else d_only[k]
        np.testing.assert_allclose(total[k], own, rtol=1e-4, atol=1e-6)
        assert not np.any(other), f"{gan.trainable_variables[k].path} gets the other player's gradient"
    assert any(np.any(g) for g, is_d in zip(g_only, in_d) if not is_d)   # G does learn from D


def test_gan_fit_diagnose_generate():
    gan = _small_gan()
    gan.compile(optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5))
    x = (np.random.default_rng(0).random((64, 8, 8, 1)) < 0.5).astype("float32")
    before = [w.copy() for w in gan.get_weights()]
    gan.fit(x, epochs=1, batch_size=16, verbose=0)
    assert any(not np.array_equal(a, b) for a, b in zip(before, gan.get_weights()))
    report = gan.diagnose(x[:16])
    assert set(report) == {"d_loss", "g_loss", "d_real_accuracy", "d_fake_accuracy", "d_fake_probability"}
    assert 0 <= report["d_real_accuracy"] <= 1 and report["d_loss"] > 0
    images = gan.generate(5, seed=1)
    assert images.shape == (5, 8, 8, 1) and images.min() >= 0 and images.max() <= 1
    np.testing.assert_array_equal(images, gan.generate(5, seed=1))
    with pytest.raises(ValueError, match="generator_loss must be one of"):
        gen.DCGAN(gan.generator, gan.discriminator, generator_loss="wasserstein")
    with pytest.raises(ValueError, match="makes images of shape"):
        gen.DCGAN(gan.generator, gen.gan_discriminator((28, 28, 1)))


def test_classifier_score_by_hand():
    uniform_confident = np.eye(10)[np.arange(100) % 10]
    score = gen.classifier_score(uniform_confident)
    assert score["classes_covered"] == 10 and score["confidence"] == pytest.approx(1.0)
    assert score["class_entropy_bits"] == pytest.approx(math.log2(10))
    assert score["inception_score"] == pytest.approx(10.0, rel=1e-6)
    collapsed = gen.classifier_score(np.eye(10)[np.zeros(50, int)])
    assert collapsed["classes_covered"] == 1 and collapsed["class_entropy_bits"] == 0
    assert collapsed["inception_score"] == pytest.approx(1.0)
    with pytest.raises(ValueError, match="rows that sum to 1"):
        gen.classifier_score(np.ones((3, 10)))
