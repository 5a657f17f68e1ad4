"""Generative models of images for lesson 18: a convolutional VAE, a DCGAN and a PixelCNN.

One module per paper: ``vae``, ``dcgan``, ``pixelcnn``; ``score`` judges samples, ``_common``
holds the binarised images and the Bernoulli likelihood they share.

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

from course_utils.generative._common import GAN_LOSSES, bernoulli_nll, binarize, bits_per_dim
from course_utils.generative.dcgan import DCGAN, gan_discriminator, gan_generator
from course_utils.generative.pixelcnn import (
    MaskedConv2D, causal_mask, pixelcnn, pixelcnn_nll, pixelcnn_sample,
)
from course_utils.generative.score import classifier_score
from course_utils.generative.vae import ConvVAE, negative_elbo

__all__ = [
    "binarize", "bits_per_dim", "ConvVAE", "negative_elbo", "DCGAN", "gan_generator",
    "gan_discriminator", "MaskedConv2D", "causal_mask", "pixelcnn", "pixelcnn_nll",
    "pixelcnn_sample", "classifier_score", "bernoulli_nll", "GAN_LOSSES",
]
