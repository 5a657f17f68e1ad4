"""Tests of course_utils.recipes: the fast MNIST recipe, the one-cycle schedule, StopAtAccuracy."""

import numpy as np
import pytest

from course_utils import data, recipes, schedules, timing


def test_one_cycle_shape():
    schedule = schedules.one_cycle(1e-2, 100, warmup_fraction=0.25, start_fraction=0.1)
    values = np.array([float(schedule(step)) for step in (0, 25, 60, 100)])
    np.testing.assert_allclose(values[:2], [1e-3, 1e-2], rtol=1e-5)
    assert values[1] > values[2] > values[3]
    assert values[3] == pytest.approx(0.0, abs=1e-8)


@pytest.mark.parametrize("kwargs", [{"peak_learning_rate": 0.0, "total_steps": 10},
                                    {"peak_learning_rate": 1e-3, "total_steps": 1},
                                    {"peak_learning_rate": 1e-3, "total_steps": 10,
                                     "warmup_fraction": 1.0}])
def test_one_cycle_rejects_bad_values(kwargs):
    with pytest.raises(ValueError, match="must be"):
        schedules.one_cycle(**kwargs)


def test_model_sizes():
    fast = recipes.fast_convnet()
    assert fast.input.dtype == "uint8"
    assert fast.output.shape == (None, 10)
    assert fast.count_params() == 409_434
    assert recipes.keras_io_convnet().count_params() == 34_826


def test_keras_io_recipe_settings():
    recipe = recipes.keras_io_mnist_recipe()
    assert (recipe.batch_size, recipe.epochs, recipe.validation_split) == (128, 15, 0.1)
    x, y = recipe.prepare(np.full((2, 28, 28, 1), 255, np.uint8), np.array([3, 7]))
    assert x.dtype == np.float32 and x.max() == 1.0
    np.testing.assert_array_equal(y.argmax(axis=1), [3, 7])


def test_fast_recipe_learns_mnist_subset(real_data_dir):
    ds = data.load("mnist", train_size=10_000, test_size=2_000, seed=0)
    recipe = recipes.fast_mnist_recipe(num_train_images=10_000, epochs=1, seed=0)
    result = timing.train_to_accuracy(recipe, ds.x_train, ds.y_train, ds.x_test, ds.y_test,
                                       target=0.999, evaluations_per_epoch=2)
    # One epoch on 10,000 images: about 97% on held-out test images.
    assert result.final_accuracy > 0.95
    assert result.seconds is None  # 99.9% is out of reach
    assert [round(h["epoch"], 2) for h in result.history] == [0.49, 1.0]
    assert result.train_seconds > 0 and result.eval_seconds > 0


def test_stop_at_accuracy_stops_early(real_data_dir):
    ds = data.load("mnist", train_size=4_000, test_size=1_000, seed=1)
    recipe = recipes.fast_mnist_recipe(num_train_images=4_000, epochs=3, seed=1)
    result = timing.train_to_accuracy(recipe, ds.x_train, ds.y_train, ds.x_test, ds.y_test,
                                       target=0.80, evaluations_per_epoch=4)
    assert result.seconds is not None and result.seconds <= result.train_seconds
    assert result.best_accuracy >= 0.80
    assert result.epochs < 3  # stopped before the end of the schedule
    assert result.accuracy_at(result.seconds) == result.history[-1]["accuracy"]
