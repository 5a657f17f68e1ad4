"""A DCGAN trained by ``Model.fit`` on any backend: both players' losses in one ``compute_loss``.

Goodfellow et al., "Generative Adversarial Nets", NeurIPS 2014; Radford, Metz & Chintala,
"Unsupervised Representation Learning with Deep Convolutional Generative Adversarial
Networks", ICLR 2016.
"""

from __future__ import annotations

from typing import Sequence

import keras
import numpy as np
from keras import ops

from course_utils.registry import register_model
from course_utils.generative._common import GAN_LOSSES, _check_images

__all__ = ["DCGAN", "gan_generator", "gan_discriminator"]


@register_model(paper="Radford, Metz & Chintala, ICLR 2016 (DCGAN), for 28x28", params=246_657,
                task="generate")
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


@register_model(paper="Radford, Metz & Chintala, ICLR 2016 (DCGAN), for 28x28", params=36_417,
                task="generate")
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
