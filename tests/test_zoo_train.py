"""A few training steps on real MNIST lower the loss of every small network of the zoo.

"Small" means a canonical input of at most 32x32: the MNIST networks (28x28x1),
LeNet-5 (32x32x1) and the CIFAR-sized networks (32x32x3). MNIST digits are
zero-padded from 28x28 to 32x32 for the 32x32 networks and repeated over three
channels for the RGB ones; the labels are the digits. Each network takes a few
Adam steps on one small batch of real digits (the `fast` profile budget) and the
loss on that batch must drop. Networks without batch norm are measured in
inference mode before and after (no dropout noise); networks with batch norm by
their training-mode loss, as their moving statistics need far more than a few
steps to settle: the lowest loss of the later steps must be below the first step's.
(Not the last step's alone: a 56-layer plain network, the degradation experiment's
hard case, can bounce back up on one step, 2.33 -> 2.14 -> 2.11 -> 2.38 on one CPU,
while it fell monotonically on another. A network whose gradient is broken never
drops below its first loss.)
"""

import inspect

import keras
import numpy as np
import pytest

from course_utils import zoo
from course_utils.data import DatasetCorrupt, DatasetUnavailable, load
from course_utils.zoo import get_model, list_models

BATCH_SIZE = 16
STEPS = 4
# Over ~100 layers: a few seconds per step on two CPU cores.
DEEP = {"resnet56", "resnet110", "plain56", "plain110", "preact_resnet110",
        "preact_resnet164", "densenet_bc100"}
# Depth variants whose shallower twin (resnet20, plain20, vgg11_cifar) runs every code path of
# their builder: they train with `pytest -m slow`.
TWINS = {"resnet32", "resnet44", "plain32", "plain44", "vgg16_cifar"}


def canonical_shape(name):
    return inspect.signature(zoo.card(name).build).parameters["input_shape"].default


SMALL = [name for name in list_models("classify") if canonical_shape(name)[0] <= 32]


@pytest.fixture(scope="module")
def mnist_batch():
    """One batch of real MNIST training digits: uint8 (N, 28, 28, 1) and labels (N,).

    Skips only when the file is absent; any other error (a bug in the loader) fails.
    """
    try:
        data = load("mnist", train_size=BATCH_SIZE, seed=0, download=False)
    except DatasetUnavailable as error:
        if isinstance(error, DatasetCorrupt):
            raise
        pytest.skip("needs the real MNIST file: set COURSE_DATA_DIR to a folder with mnist.npz")
    return data.x_train[:BATCH_SIZE], data.y_train[:BATCH_SIZE]


def adapt(images, shape):
    """Scale to [0, 1], zero-pad 28 -> 32 if needed, repeat to 3 channels if needed."""
    x = images.astype("float32") / 255.0
    pad = (shape[0] - x.shape[1]) // 2
    if pad:
        x = np.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    return np.repeat(x, shape[2], axis=-1) if shape[2] != x.shape[-1] else x


@pytest.mark.parametrize("name", [
    pytest.param(n, marks=pytest.mark.slow) if n in DEEP | TWINS else n for n in SMALL
])
def test_a_few_steps_on_mnist_lower_the_loss(name, mnist_batch):
    images, labels = mnist_batch
    keras.utils.set_random_seed(0)
    model = get_model(name)
    x = adapt(images, canonical_shape(name))
    model.compile(optimizer=keras.optimizers.Adam(1e-3),
                  loss="sparse_categorical_crossentropy", run_eagerly=True)
    batch_norm = any(isinstance(layer, keras.layers.BatchNormalization)
                     for layer in model.layers)
    if not batch_norm:
        before = float(model.evaluate(x, labels, verbose=0))
    losses = [float(model.train_on_batch(x, labels)) for _ in range(STEPS)]
    assert np.all(np.isfinite(losses)), losses
    if batch_norm:
        before, after = losses[0], min(losses[1:])
    else:
        after = float(model.evaluate(x, labels, verbose=0))
    assert after < before, f"{name}: loss did not drop: {before} -> {after} ({losses})"
    keras.backend.clear_session()
