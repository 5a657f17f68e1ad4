"""The CIFAR-10 recipes: the network's counts, the whitening filters, and a short real run."""

import os
import pathlib

import keras
import numpy as np
import pytest

from course_utils import complexity, data, recipes, zoo

RNG = np.random.default_rng(0)


def test_fast_cifar_net_counts():
    model = recipes.fast_cifar_net(precision="float32")
    assert model.count_params() == 570_922
    assert complexity.summarize(model).total_macs == 54_223_904
    assert model.output_shape == (None, 10)
    assert model.get_layer("logits").dtype_policy.name == "float32"
    bf16 = recipes.fast_cifar_net()
    assert bf16.get_layer("block1_conv1").dtype_policy.name == "mixed_bfloat16"
    assert keras.config.dtype_policy().name == "float32"          # the global policy is untouched
    with pytest.raises(ValueError, match="whitening must have shape"):
        recipes.fast_cifar_net(whitening=np.zeros((3, 3, 3, 24), np.float32))


def test_whitening_filters_decorrelate_patches():
    # correlated pixels: a smooth random field
    base = RNG.normal(size=(400, 17, 17, 3))
    smooth = (base[:, :-1, :-1] + base[:, 1:, :-1] + base[:, :-1, 1:] + base[:, 1:, 1:]) / 4
    images = np.clip(128 + 40 * smooth, 0, 255).astype(np.uint8)
    filters = recipes.whitening_filters(images, epsilon=0.0)
    assert filters.shape == (2, 2, 3, 24)
    x = images.astype(np.float64) / 255
    x = (x - x.reshape(-1, 3).mean(0)) / x.reshape(-1, 3).std(0)
    windows = np.lib.stride_tricks.sliding_window_view(x, (2, 2), axis=(1, 2))
    patches = windows.transpose(0, 1, 2, 4, 5, 3).reshape(-1, 12)
    responses = patches @ filters.reshape(12, 24)[:, :12]        # the 12 positive filters
    np.testing.assert_allclose(np.cov(responses, rowvar=False), np.eye(12), atol=0.05)


def test_recipe_description_settings_and_tta():
    x = RNG.integers(0, 256, (300, 32, 32, 3), dtype=np.uint8)
    recipe = recipes.fast_cifar_recipe(x, epochs=2, precision="float32")
    assert recipe.batch_size == 256 and recipe.tta == "flip"
    assert recipe.augmentation.name == "flip_translate"
    assert "SGD-Nesterov" in recipe.description and "whitened" in recipe.description
    assert not recipe.model.get_layer("whiten").trainable
    probs = recipe.predict(x[:5])
    assert probs.shape == (5, 10) and np.allclose(probs.sum(axis=1), 1, atol=1e-5)
    baseline = recipes.keras_resnet20_recipe(x, epochs=1)
    assert baseline.batch_size == 32 and baseline.model.count_params() == zoo.card("resnet20").params


def test_recipe_learns_real_cifar10():
    path = pathlib.Path(os.environ.get("COURSE_DATA_DIR", "/nonexistent")) / "cifar-10-images.tar.gz"
    if not path.is_file():
        pytest.skip("needs CIFAR-10: set COURSE_DATA_DIR to a folder with cifar-10-images.tar.gz")
    ds = data.load("cifar10", train_size=2_000, test_size=1_000, seed=0)
    recipe = recipes.fast_cifar_recipe(ds.x_train, epochs=3, batch_size=128, precision="float32",
                                       widths=(32, 64, 64))
    recipe.fit(ds.x_train, ds.y_train)
    accuracy = float(np.mean(recipe.predict(ds.x_test).argmax(axis=1) == ds.y_test))
    assert accuracy > 0.35, accuracy  # 10 classes: chance is 0.10; ~0.45 after 3 short epochs
