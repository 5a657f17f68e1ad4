"""A convolutional variational autoencoder: the ELBO and the reparameterisation trick.

Kingma & Welling, "Auto-Encoding Variational Bayes", ICLR 2014. The KL term is added with
``add_loss``; the reconstruction term is the Bernoulli NLL the model is compiled with.
"""

from __future__ import annotations

from typing import Sequence

import keras
import numpy as np
from keras import ops

from course_utils.registry import register_model
from course_utils.generative._common import _check_images, bernoulli_nll, bits_per_dim

__all__ = ["ConvVAE", "negative_elbo"]


@keras.saving.register_keras_serializable(package="course_utils")
@register_model(paper="Kingma & Welling, ICLR 2014, with convolutions", params=853_797,
                task="generate", name="conv_vae")
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
    At the defaults (2 latent dimensions, ``dense_units=128``): encoder 420,868 parameters
    and decoder 432,929, most of them in the dense layers to and from the 7x7x64 maps.
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
