"""Training recipes: a network and the settings that train it fast on this machine.

``fast_mnist_recipe`` (lesson 05, ``benchmarks/mnist_to_99.py``) and its baseline
``keras_io_mnist_recipe`` live in :mod:`course_utils.train.recipes.mnist`; ``fast_cifar_recipe``
(the baseline of lessons 07 onwards, ``benchmarks/cifar10.py``) and the Keras example
``keras_resnet20_recipe`` in :mod:`course_utils.train.recipes.cifar`. A recipe is a
:class:`Recipe`: a compiled model, its batch size and epochs, and how its input is
prepared. Schedules are in :mod:`course_utils.train.schedules`, timing to an accuracy in
:mod:`course_utils.train.timing`.

Example
-------
>>> from course_utils.train import recipes, timing
>>> recipe = recipes.fast_mnist_recipe(seed=0)                          # doctest: +SKIP
>>> result = timing.train_to_accuracy(recipe, x_train, y_train, x_test, y_test,
...                                   target=0.99)                     # doctest: +SKIP
"""

from __future__ import annotations

from course_utils.train.recipe import Recipe, steps_per_epoch
from course_utils.train.recipes.cifar import (
    fast_cifar_net, fast_cifar_recipe, keras_resnet20_recipe, whitening_filters,
)
from course_utils.train.recipes.mnist import (
    fast_convnet, fast_mnist_recipe, keras_io_convnet, keras_io_mnist_recipe,
)

__all__ = ["Recipe", "steps_per_epoch", "fast_convnet", "fast_mnist_recipe",
           "keras_io_convnet", "keras_io_mnist_recipe", "fast_cifar_net", "fast_cifar_recipe",
           "keras_resnet20_recipe", "whitening_filters"]
