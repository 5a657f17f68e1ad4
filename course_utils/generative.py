"""Generative models of images for lesson 18: a convolutional VAE, a DCGAN and a PixelCNN.

Everything is backend-agnostic Keras 3 (``keras.ops``, ``keras.random``, ``Model.fit``):
the VAE adds its KL term with ``add_loss``; the GAN computes both players' losses in one
``compute_loss`` (see :class:`DCGAN`); the PixelCNN is a functional model of
:class:`MaskedConv2D` layers trained with a plain binary cross-entropy. The same code trains
on TensorFlow and JAX (``tests/test_generative.py`` runs on both).

Images are binarised MNIST digits here: floats in {0, 1}, shape ``(N, 28, 28, 1)``, so the
three models' likelihoods are Bernoulli and comparable (:func:`bits_per_dim`).

References
----------
Kingma & Welling, "Auto-Encoding Variational Bayes", ICLR 2014.
Goodfellow et al., "Generative Adversarial Nets", NeurIPS 2014.
Radford, Metz & Chintala, "Unsupervised Representation Learning with Deep Convolutional
Generative Adversarial Networks" (DCGAN), ICLR 2016.
van den Oord, Kalchbrenner & Kavukcuoglu, "Pixel Recurrent Neural Networks", ICML 2016.
Salimans et al., "Improved Techniques for Training GANs", NeurIPS 2016 (the Inception score).
"""

from __future__ import annotations

import math
from typing import Any, Callable, Sequence

import keras
import numpy as np
from keras import ops

__all__ = [
    "binarize", "bits_per_dim", "ConvVAE", "negative_elbo", "DCGAN", "gan_generator",
    "gan_discriminator", "MaskedConv2D", "causal_mask", "pixelcnn", "pixelcnn_nll",
    "pixelcnn_sample", "classifier_score", "bernoulli_nll", "GAN_LOSSES",
]

GAN_LOSSES = ("non_saturating", "minimax")


def binarize(images: np.ndarray, threshold: int = 128) -> np.ndarray:
    """uint8 images to float32 {0, 1}: a pixel is 1 when it is at least ``threshold``.

    A fixed threshold (not the stochastic binarisation of Salakhutdinov & Murray 2008), so
    every run sees the same data; likelihoods are therefore not those of the papers' table.
    """
    images = np.asarray(images)
    if images.dtype != np.uint8:
        raise TypeError(f"binarize expects uint8 images (0-255), got dtype {images.dtype}.")
    return (images >= threshold).astype("float32")


def bits_per_dim(nats_per_image: float | np.ndarray, dims: int) -> float | np.ndarray:
    """A negative log-likelihood in nats per image as bits per dimension: ``nats / (dims ln 2)``."""
    if dims < 1:
        raise ValueError(f"dims must be positive, got {dims}.")
    return np.asarray(nats_per_image) / (dims * math.log(2.0))


def bernoulli_nll(y_true, logits):
    """Bernoulli negative log-likelihood of binary images under per-pixel logits, in nats per image."""
    nll = ops.binary_crossentropy(y_true, logits, from_logits=True)
    return ops.sum(ops.reshape(nll, (ops.shape(nll)[0], -1)), axis=-1)


def _check_images(x: Any, shape: Sequence[int] | None = None, what: str = "x") -> np.ndarray:
    x = np.asarray(x)
    if x.ndim != 4:
        raise ValueError(f"{what} must be a batch of images (N, H, W, C), got shape {x.shape}.")
    if shape is not None and tuple(x.shape[1:]) != tuple(shape):
        raise ValueError(f"{what} must have images of shape {tuple(shape)}, got {x.shape[1:]}.")
    if x.dtype == np.uint8:
        raise TypeError(f"{what} is uint8; binarise it first (generative.binarize) or scale it "
                        "to floats in [0, 1].")
    return x.astype("float32")


# ---------------------------------------------------------------- variational autoencoder
@keras.saving.register_keras_serializable(package="course_utils")
class ConvVAE(keras.Model):
    """A convolutional variational autoencoder with a Bernoulli decoder.

    ``call(x)`` returns the decoder's logits for a reconstruction of ``x`` through
    ``z = mean + exp(log_var / 2) * eps`` (the reparameterisation trick) and adds the KL
    divergence ``KL(q(z|x) || N(0, I))``, summed over the latent dimensions and averaged over
    the batch, with ``add_loss``. Compile with :meth:`reconstruction_loss` (the Bernoulli
    negative log-likelihood summed over pixels): the training loss is then the negative ELBO
    in nats per image.

    Parameters
    ----------
    latent_dim : int, default=2
    input_shape : (int, int, int), default=(28, 28, 1)
        Height and width divisible by 4.
    filters : (int, int), default=(32, 64)
        Encoder convolutions (3x3, stride 2); the decoder mirrors them with transposed
        convolutions.
    seed : int, default=0
        Seed of the reparameterisation noise.

    Notes
    -----
    At the defaults (2 latent dimensions, ``dense_units=128``): 853,797 parameters, encoder
    420,868 and decoder 432,929, most of them in the dense layers to and from the 7x7x64 maps.
    """

    def __init__(self, latent_dim: int = 2, input_shape: Sequence[int] = (28, 28, 1),
                 filters: Sequence[int] = (32, 64), dense_units: int = 128, seed: int = 0,
                 name: str = "conv_vae", **kwargs):
        super().__init__(name=name, **kwargs)
        if not isinstance(latent_dim, int) or latent_dim < 1:
            raise ValueError(f"latent_dim must be a positive int, got {latent_dim!r}.")
        h, w, c = (int(v) for v in input_shape)
        if h % 4 or w % 4:
            raise ValueError(f"input height and width must be divisible by 4, got {input_shape}.")
        self.latent_dim, self.image_shape = latent_dim, (h, w, c)
        self.filters, self.dense_units, self.seed = tuple(filters), dense_units, seed
        f1, f2 = self.filters
        enc_in = keras.Input((h, w, c), name="image")
        x = keras.layers.Conv2D(f1, 3, strides=2, padding="same", activation="relu", name="enc_conv1")(enc_in)
        x = keras.layers.Conv2D(f2, 3, strides=2, padding="same", activation="relu", name="enc_conv2")(x)
        x = keras.layers.Flatten(name="enc_flatten")(x)
        x = keras.layers.Dense(dense_units, activation="relu", name="enc_dense")(x)
        stats = keras.layers.Dense(2 * latent_dim, name="enc_mean_logvar")(x)
        self.encoder = keras.Model(enc_in, stats, name="encoder")
        dec_in = keras.Input((latent_dim,), name="z")
        x = keras.layers.Dense(dense_units, activation="relu", name="dec_dense")(dec_in)
        x = keras.layers.Dense((h // 4) * (w // 4) * f2, activation="relu", name="dec_project")(x)
        x = keras.layers.Reshape((h // 4, w // 4, f2), name="dec_reshape")(x)
        x = keras.layers.Conv2DTranspose(f1, 3, strides=2, padding="same", activation="relu", name="dec_up1")(x)
        x = keras.layers.Conv2DTranspose(f1, 3, strides=2, padding="same", activation="relu", name="dec_up2")(x)
        logits = keras.layers.Conv2D(c, 3, padding="same", name="dec_logits")(x)
        self.decoder = keras.Model(dec_in, logits, name="decoder")
        self.noise = keras.random.SeedGenerator(seed)

    def encode(self, x):
        """``(mean, log_var)`` of ``q(z | x)``, each ``(N, latent_dim)``."""
        stats = self.encoder(x)
        return stats[:, :self.latent_dim], stats[:, self.latent_dim:]

    def call(self, x, training=False):
        mean, log_var = self.encode(x)
        eps = keras.random.normal(ops.shape(mean), seed=self.noise)
        z = mean + ops.exp(0.5 * log_var) * eps                      # reparameterisation
        kl = -0.5 * ops.sum(1.0 + log_var - ops.square(mean) - ops.exp(log_var), axis=-1)
        self.add_loss(ops.mean(kl))
        return self.decoder(z)

    reconstruction_loss = staticmethod(bernoulli_nll)   # the loss to compile with

    def decode(self, z: np.ndarray) -> np.ndarray:
        """Pixel probabilities ``(N, H, W, C)`` of the decoder at latent points ``z``."""
        z = np.asarray(z, dtype="float32")
        if z.ndim != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(f"z must have shape (N, {self.latent_dim}), got {z.shape}.")
        return keras.ops.convert_to_numpy(ops.sigmoid(self.decoder.predict(z, verbose=0)))

    def sample(self, n: int, seed: int = 0) -> np.ndarray:
        """``n`` images decoded from ``z ~ N(0, I)``: pixel probabilities."""
        z = np.random.default_rng(seed).standard_normal((n, self.latent_dim)).astype("float32")
        return self.decode(z)

    def get_config(self):
        return {"latent_dim": self.latent_dim, "input_shape": self.image_shape,
                "filters": self.filters, "dense_units": self.dense_units, "seed": self.seed,
                "name": self.name}


def negative_elbo(vae: ConvVAE, x: np.ndarray, *, samples: int = 1, seed: int = 0,
                  batch_size: int = 500) -> dict[str, float]:
    """The negative ELBO of ``vae`` on binarised images ``x``, in nats per image.

    Returns
    -------
    dict
        ``reconstruction`` (expected Bernoulli NLL, estimated with ``samples`` draws of z),
        ``kl``, ``total`` (their sum: an upper bound on the NLL) and ``bits_per_dim``.
    """
    x = _check_images(x, vae.image_shape)
    if samples < 1:
        raise ValueError(f"samples must be at least 1, got {samples}.")
    rng = np.random.default_rng(seed)
    recon, kl = [], []
    for start in range(0, len(x), batch_size):
        xb = x[start:start + batch_size]
        stats = keras.ops.convert_to_numpy(vae.encoder(xb, training=False))
        mean, log_var = stats[:, :vae.latent_dim], stats[:, vae.latent_dim:]
        kl.append(-0.5 * np.sum(1 + log_var - mean ** 2 - np.exp(log_var), axis=-1))
        r = 0.0
        for _ in range(samples):
            z = mean + np.exp(0.5 * log_var) * rng.standard_normal(mean.shape)
            logits = vae.decoder(z.astype("float32"), training=False)
            r = r + keras.ops.convert_to_numpy(ConvVAE.reconstruction_loss(xb, logits))
        recon.append(r / samples)
    rec, kl_ = float(np.concatenate(recon).mean()), float(np.concatenate(kl).mean())
    return {"reconstruction": rec, "kl": kl_, "total": rec + kl_,
            "bits_per_dim": float(bits_per_dim(rec + kl_, int(np.prod(vae.image_shape))))}


# ---------------------------------------------------------------- DCGAN
def gan_generator(latent_dim: int = 64, *, filters: Sequence[int] = (64, 32),
                  output_shape: Sequence[int] = (28, 28, 1), name: str = "generator") -> keras.Model:
    """The DCGAN generator: project ``z`` to 7x7 maps, then two stride-2 transposed convolutions.

    Batch norm and ReLU inside, a sigmoid output (pixel values in [0, 1]), as in Radford et
    al. (who use tanh on images in [-1, 1]).
    """
    h, w, c = output_shape
    f1, f2 = filters
    z = keras.Input((latent_dim,), name="z")
    x = keras.layers.Dense((h // 4) * (w // 4) * f1, use_bias=False, name="g_project")(z)
    x = keras.layers.BatchNormalization(name="g_project_bn")(x)
    x = keras.layers.ReLU(name="g_project_relu")(x)
    x = keras.layers.Reshape((h // 4, w // 4, f1), name="g_reshape")(x)
    x = keras.layers.Conv2DTranspose(f2, 4, strides=2, padding="same", use_bias=False, name="g_up1")(x)
    x = keras.layers.BatchNormalization(name="g_up1_bn")(x)
    x = keras.layers.ReLU(name="g_up1_relu")(x)
    out = keras.layers.Conv2DTranspose(c, 4, strides=2, padding="same", activation="sigmoid", name="g_up2")(x)
    return keras.Model(z, out, name=name)


def gan_discriminator(input_shape: Sequence[int] = (28, 28, 1), *, filters: Sequence[int] = (32, 64),
                      name: str = "discriminator") -> keras.Model:
    """The DCGAN discriminator: stride-2 convolutions with leaky ReLU, one logit (real > 0).

    No batch norm and no dropout, so that the frozen copy :class:`DCGAN` uses for the
    generator's loss is exactly the same function. The convolutions have no bias (TensorFlow's
    graph optimiser fails to fuse a bias with the leaky ReLU across the frozen copy and says so
    on stderr; the dense layer's bias is enough).
    """
    image = keras.Input(tuple(input_shape), name="image")
    x = image
    for i, f in enumerate(filters, 1):
        x = keras.layers.Conv2D(f, 4, strides=2, padding="same", use_bias=False, name=f"d_conv{i}")(x)
        x = keras.layers.LeakyReLU(0.2, name=f"d_conv{i}_lrelu")(x)
    x = keras.layers.Flatten(name="d_flatten")(x)
    logit = keras.layers.Dense(1, name="d_logit")(x)
    return keras.Model(image, logit, name=name)


@keras.saving.register_keras_serializable(package="course_utils")
class DCGAN(keras.Model):
    """A generator and a discriminator trained together by ``fit`` on any backend.

    One step of ``fit`` draws ``z``, makes ``G(z)`` and computes, from one batch of real
    images, the discriminator's loss ``BCE(D(x), 1) + BCE(D(stop_gradient(G(z))), 0)`` and the
    generator's loss on a frozen copy of the discriminator (its weights behind
    ``stop_gradient``, through ``stateless_call``): ``BCE(D(G(z)), 1)`` (non-saturating) or
    ``-BCE(D(G(z)), 0)`` (minimax, Goodfellow et al.'s original ``log(1 - D(G(z)))``). The
    sum of the two losses then sends each player only the gradient of its own loss, so one
    Adam optimizer updates both at once (simultaneous, not alternating, updates).

    Parameters
    ----------
    generator, discriminator : keras.Model
        ``generator: (N, latent_dim) -> (N, H, W, C)``; ``discriminator: images -> (N, 1)`` logits.
    generator_loss : {"non_saturating", "minimax"}, default="non_saturating"
    seed : int, default=0
    """

    def __init__(self, generator: keras.Model, discriminator: keras.Model, *,
                 generator_loss: str = "non_saturating", seed: int = 0, name: str = "dcgan", **kwargs):
        super().__init__(name=name, **kwargs)
        if generator_loss not in GAN_LOSSES:
            raise ValueError(f"generator_loss must be one of {GAN_LOSSES}, got {generator_loss!r}.")
        if tuple(generator.output_shape[1:]) != tuple(discriminator.input_shape[1:]):
            raise ValueError(f"the generator makes images of shape {generator.output_shape[1:]} but "
                             f"the discriminator takes {discriminator.input_shape[1:]}.")
        self.generator, self.discriminator = generator, discriminator
        self.latent_dim = int(generator.input_shape[-1])
        self.generator_loss = generator_loss
        self.noise = keras.random.SeedGenerator(seed)

    def call(self, real, training=False):
        batch = ops.shape(real)[0]
        z = keras.random.normal((batch, self.latent_dim), seed=self.noise)
        fake = self.generator(z, training=training)
        d_real = self.discriminator(real, training=training)
        d_fake = self.discriminator(ops.stop_gradient(fake), training=training)
        frozen = [ops.stop_gradient(v.value) for v in self.discriminator.trainable_variables]
        fixed = [v.value for v in self.discriminator.non_trainable_variables]
        d_fake_for_g, _ = self.discriminator.stateless_call(frozen, fixed, fake, training=training)
        return ops.concatenate([d_real, d_fake, d_fake_for_g], axis=-1)       # (N, 3) logits

    def player_losses(self, logits):
        """``(discriminator loss, generator loss)`` from the ``(N, 3)`` logits of :meth:`call`."""
        bce = lambda target, l: ops.mean(ops.binary_crossentropy(target, l, from_logits=True))
        d_real, d_fake, d_fake_for_g = logits[:, 0:1], logits[:, 1:2], logits[:, 2:3]
        d_loss = bce(ops.ones_like(d_real), d_real) + bce(ops.zeros_like(d_fake), d_fake)
        if self.generator_loss == "non_saturating":
            g_loss = bce(ops.ones_like(d_fake_for_g), d_fake_for_g)
        else:
            g_loss = -bce(ops.zeros_like(d_fake_for_g), d_fake_for_g)
        return d_loss, g_loss

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        d_loss, g_loss = self.player_losses(y_pred)
        return d_loss + g_loss

    def generate(self, n: int | None = None, *, z: np.ndarray | None = None, seed: int = 0) -> np.ndarray:
        """Images from the generator (inference mode), for ``n`` draws of ``z`` or the given ``z``."""
        if z is None:
            if not isinstance(n, int) or n < 1:
                raise ValueError(f"n must be a positive int when z is not given, got {n!r}.")
            z = np.random.default_rng(seed).standard_normal((n, self.latent_dim))
        z = np.asarray(z, dtype="float32")
        if z.ndim != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(f"z must have shape (N, {self.latent_dim}), got {z.shape}.")
        return keras.ops.convert_to_numpy(self.generator.predict(z, verbose=0))

    def diagnose(self, real: np.ndarray, seed: int = 0) -> dict[str, float]:
        """On a batch of real images: both losses, D's accuracy on real and on fake images."""
        real = _check_images(real, self.discriminator.input_shape[1:], "real")
        fake = self.generate(len(real), seed=seed)
        d_real = self.discriminator(real, training=False)
        d_fake = self.discriminator(fake, training=False)
        d_loss, g_loss = (float(keras.ops.convert_to_numpy(v)) for v in
                          self.player_losses(ops.concatenate([d_real, d_fake, d_fake], axis=-1)))
        d_real, d_fake = (keras.ops.convert_to_numpy(v)[:, 0] for v in (d_real, d_fake))
        return {"d_loss": d_loss, "g_loss": g_loss, "d_real_accuracy": float((d_real > 0).mean()),
                "d_fake_accuracy": float((d_fake < 0).mean()),
                "d_fake_probability": float((1 / (1 + np.exp(-d_fake))).mean())}

    def get_config(self):
        return {"generator": keras.saving.serialize_keras_object(self.generator),
                "discriminator": keras.saving.serialize_keras_object(self.discriminator),
                "generator_loss": self.generator_loss, "name": self.name}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        g = keras.saving.deserialize_keras_object(config.pop("generator"))
        d = keras.saving.deserialize_keras_object(config.pop("discriminator"))
        return cls(g, d, **config)


# ---------------------------------------------------------------- PixelCNN
def causal_mask(kernel_size: int, mask_type: str, in_channels: int, out_channels: int) -> np.ndarray:
    """The PixelCNN mask of a ``kernel_size x kernel_size`` kernel (one colour channel).

    Taps above the centre row and left of the centre in its row are 1; the centre tap is 1
    for mask type ``"B"`` (a layer may see the pixel's own features computed from earlier
    pixels) and 0 for ``"A"`` (the first layer must not see the pixel it predicts).
    Shape ``(k, k, in_channels, out_channels)``.
    """
    if mask_type not in ("A", "B"):
        raise ValueError(f"mask_type must be 'A' or 'B', got {mask_type!r}.")
    if not isinstance(kernel_size, int) or kernel_size < 1 or kernel_size % 2 == 0:
        raise ValueError(f"kernel_size must be an odd positive int, got {kernel_size!r}.")
    k, c = kernel_size, kernel_size // 2
    mask = np.zeros((k, k), dtype="float32")
    mask[:c, :] = 1.0
    mask[c, :c] = 1.0
    if mask_type == "B":
        mask[c, c] = 1.0
    return np.broadcast_to(mask[:, :, None, None], (k, k, in_channels, out_channels)).copy()


@keras.saving.register_keras_serializable(package="course_utils")
class MaskedConv2D(keras.layers.Conv2D):
    """A ``Conv2D`` ("same" padding, stride 1) whose kernel is multiplied by :func:`causal_mask`.

    Parameters
    ----------
    mask_type : {"A", "B"}
    filters, kernel_size, **kwargs
        As for ``keras.layers.Conv2D``; ``kernel_size`` must be one odd int.
    """

    def __init__(self, mask_type: str, filters: int, kernel_size: int, **kwargs):
        if mask_type not in ("A", "B"):
            raise ValueError(f"mask_type must be 'A' or 'B', got {mask_type!r}.")
        if not isinstance(kernel_size, int) or kernel_size % 2 == 0:
            raise ValueError(f"kernel_size must be one odd int, got {kernel_size!r}.")
        for key, allowed in (("padding", "same"), ("strides", 1), ("dilation_rate", 1)):
            if kwargs.get(key, allowed) not in (allowed, (allowed, allowed)):
                raise ValueError(f"MaskedConv2D needs {key}={allowed!r}, got {kwargs[key]!r}.")
        kwargs["padding"] = "same"
        super().__init__(filters, kernel_size, **kwargs)
        self.mask_type = mask_type

    def build(self, input_shape):
        super().build(input_shape)
        self.mask = causal_mask(self.kernel_size[0], self.mask_type, int(input_shape[-1]), self.filters)

    def convolution_op(self, inputs, kernel):
        return super().convolution_op(inputs, kernel * self.mask)

    def get_config(self):
        return {**super().get_config(), "mask_type": self.mask_type}


def pixelcnn(input_shape: Sequence[int] = (28, 28, 1), *, filters: int = 32, num_layers: int = 5,
             first_kernel: int = 7, name: str = "pixelcnn") -> keras.Model:
    """A small PixelCNN for binary images: one mask-A convolution, residual mask-B layers.

    ``first_kernel x first_kernel`` mask-A convolution, ``num_layers`` residual blocks of a
    3x3 mask-B convolution, then two 1x1 convolutions to one logit per pixel: ``p(x_i = 1 |
    x_<i)`` in raster order. (The 2016 paper uses 7x7 A, 15 residual blocks of 3x3 B in
    1x1-3x3-1x1 form and 1x1 output layers.)

    References
    ----------
    van den Oord, Kalchbrenner & Kavukcuoglu, "Pixel Recurrent Neural Networks", ICML 2016.
    """
    if input_shape[-1] != 1:
        raise ValueError(f"this PixelCNN models one binary channel, got input_shape {tuple(input_shape)}.")
    image = keras.Input(tuple(input_shape), name="image")
    x = MaskedConv2D("A", filters, first_kernel, name="conv_a")(image)
    x = keras.layers.ReLU(name="conv_a_relu")(x)
    for i in range(1, num_layers + 1):
        y = MaskedConv2D("B", filters, 3, name=f"block{i}_conv_b")(x)
        y = keras.layers.ReLU(name=f"block{i}_relu")(y)
        x = keras.layers.Add(name=f"block{i}_add")([x, y])
    x = keras.layers.Conv2D(filters, 1, activation="relu", name="head_1x1")(x)
    logits = keras.layers.Conv2D(1, 1, name="logits")(x)
    return keras.Model(image, logits, name=name)


def pixelcnn_nll(model: keras.Model, x: np.ndarray, *, batch_size: int = 250) -> np.ndarray:
    """Exact negative log-likelihood of each binary image under ``model``, in nats, shape (N,)."""
    x = _check_images(x, model.input_shape[1:])
    out = []
    for start in range(0, len(x), batch_size):
        xb = x[start:start + batch_size]
        out.append(keras.ops.convert_to_numpy(bernoulli_nll(xb, model(xb, training=False))))
    return np.concatenate(out)


def pixelcnn_sample(model: keras.Model, n: int | None = None, *, given: np.ndarray | None = None,
                    start_row: int = 0, seed: int = 0,
                    progress: Callable[[int, int], None] | None = None) -> np.ndarray:
    """Draw images pixel by pixel in raster order, one forward pass per pixel.

    Parameters
    ----------
    model : keras.Model
        A PixelCNN: binary images to one logit per pixel.
    n : int, optional
        Number of images to draw from scratch (``given`` absent).
    given : ndarray of shape (N, H, W, 1), optional
        Complete these images instead: rows above ``start_row`` are kept, the rest sampled.
    start_row : int, default=0
    seed : int, default=0
    progress : callable, optional
        ``progress(rows_done, rows_total)`` after each row.

    Returns
    -------
    ndarray of float32 in {0, 1}, shape (N, H, W, 1)
    """
    h, w, c = model.input_shape[1:]
    if given is None:
        if not isinstance(n, int) or n < 1:
            raise ValueError(f"n must be a positive int when no images are given, got {n!r}.")
        images = np.zeros((n, h, w, c), dtype="float32")
    else:
        images = _check_images(given, (h, w, c), "given").copy()
        n = len(images)
    if not isinstance(start_row, int) or not 0 <= start_row < h:
        raise ValueError(f"start_row must be an int in 0..{h - 1}, got {start_row!r}.")
    images[:, start_row:] = 0.0
    rng = np.random.default_rng(seed)
    for i in range(start_row, h):
        for j in range(w):
            logits = np.asarray(model.predict_on_batch(images))[:, i, j, 0]   # compiled: 2-4x eager
            images[:, i, j, 0] = rng.random(n) < 1.0 / (1.0 + np.exp(-logits))
        if progress is not None:
            progress(i + 1 - start_row, h - start_row)
    return images


# ---------------------------------------------------------------- sample quality
def classifier_score(probabilities: np.ndarray) -> dict[str, float]:
    """What a trained classifier says about generated images (softmax outputs, ``(N, K)``).

    Returns
    -------
    dict
        ``confidence`` (mean top probability), ``class_entropy_bits`` (entropy of the
        histogram of predicted classes: log2(K) when every class is generated equally often,
        0 for total mode collapse), ``classes_covered`` (classes predicted for at least 1%
        of the samples) and ``inception_score`` (``exp E[KL(p(y|x) || p(y))]``, between 1
        and K; Salimans et al. 2016, here with a digit classifier instead of Inception).
    """
    p = np.asarray(probabilities, dtype="float64")
    if p.ndim != 2 or not np.allclose(p.sum(axis=1), 1.0, atol=1e-3):
        raise ValueError(f"probabilities must be (N, K) rows that sum to 1, got shape {p.shape}.")
    k = p.shape[1]
    counts = np.bincount(p.argmax(axis=1), minlength=k) / len(p)
    nz = counts[counts > 0]
    marginal = p.mean(axis=0)
    kl = np.sum(p * (np.log(p + 1e-12) - np.log(marginal + 1e-12)), axis=1)
    return {"confidence": float(p.max(axis=1).mean()),
            "class_entropy_bits": max(0.0, float(-(nz * np.log2(nz)).sum())),
            "classes_covered": int((counts >= 0.01).sum()),
            "inception_score": float(np.exp(kl.mean()))}

