"""course_utils.visualize on models whose answers are known (TensorFlow and JAX)."""

import os

os.environ.setdefault("MPLBACKEND", "Agg")

import keras
import numpy as np
import pytest

from course_utils import visualize


def one_pixel_model(row=3, col=5, size=8):
    """Class 0's logit is 10 times pixel (row, col); class 1's is 0: it looks at one pixel."""
    inputs = keras.Input((size, size, 1))
    x = keras.layers.Flatten()(inputs)
    dense = keras.layers.Dense(2, activation="softmax", name="predictions")
    model = keras.Model(inputs, dense(x), name="one_pixel")
    kernel = np.zeros((size * size, 2), "float32")
    kernel[row * size + col, 0] = 10.0
    dense.set_weights([kernel, np.zeros(2, "float32")])
    return model


def mean_model(size=8):
    """A 1x1 identity convolution, ReLU, global mean: class 0 = mean activation, class 1 = minus."""
    inputs = keras.Input((size, size, 1))
    conv = keras.layers.Conv2D(1, 1, use_bias=False, name="conv")
    x = keras.layers.ReLU(name="relu")(conv(inputs))
    x = keras.layers.GlobalAveragePooling2D()(x)
    dense = keras.layers.Dense(2, activation="softmax", name="predictions")
    model = keras.Model(inputs, dense(x), name="mean_model")
    conv.set_weights([np.ones((1, 1, 1, 1), "float32")])
    dense.set_weights([np.array([[1.0, -1.0]], "float32"), np.zeros(2, "float32")])
    return model


def square_image(size=8):
    image = np.zeros((1, size, size, 1), "float32")
    image[0, 1:3, 1:3, 0] = 1.0          # a bright 2x2 square, top left
    return image


def test_grad_cam_combine_weights_each_map_by_its_mean_gradient():
    activations = np.zeros((1, 2, 2, 2), np.float32)
    activations[0, :, :, 0] = [[1, 2], [3, 4]]
    activations[0, :, :, 1] = [[4, 0], [0, 0]]
    gradients = np.zeros_like(activations)
    gradients[0, :, :, 0] = 0.5                                # weight 0.5
    gradients[0, :, :, 1] = [[-4, 0], [0, 0]]                  # weight -1
    np.testing.assert_allclose(visualize.grad_cam_combine(activations, gradients)[0],
                               [[0.0, 1.0], [1.5, 2.0]])      # 0.5*A0 - A1, then ReLU
    with pytest.raises(ValueError, match=r"\(N, H, W, C\).*\(2, 2\)"):
        visualize.grad_cam_combine(np.zeros((2, 2)), np.zeros((2, 2)))


def test_integrated_gradients_of_a_linear_score_is_input_times_weight():
    model, image = mean_model(), square_image()
    attributions = visualize.integrated_gradients(model, image, class_index=0, steps=4)
    expected = image / 64.0                               # logit 0 = mean of the pixels (all >= 0)
    np.testing.assert_allclose(attributions, expected, atol=1e-7)
    with pytest.raises(ValueError, match="steps must be a positive integer, got 0"):
        visualize.integrated_gradients(model, image, steps=0)


def test_integrated_gradients_are_complete_on_a_nonlinear_network():
    keras.utils.set_random_seed(0)
    inputs = keras.Input((8, 8, 3))
    x = keras.layers.Conv2D(4, 3, activation="relu")(inputs)
    x = keras.layers.Conv2D(4, 3, activation="tanh")(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    model = keras.Model(inputs, keras.layers.Dense(3, activation="softmax")(x))
    images = np.random.default_rng(0).random((2, 8, 8, 3)).astype("float32")
    baseline = np.full((8, 8, 3), 0.5, "float32")
    attributions = visualize.integrated_gradients(model, images, class_index=[1, 2], steps=64, baseline=baseline)
    logits = keras.Model(model.input, model.layers[-1].input)
    dense = model.layers[-1]
    z = lambda t: keras.ops.convert_to_numpy(keras.ops.matmul(logits(t), dense.kernel) + dense.bias)
    gap = z(images)[[0, 1], [1, 2]] - z(np.stack([baseline, baseline]))[[0, 1], [1, 2]]
    np.testing.assert_allclose(attributions.sum(axis=(1, 2, 3)), gap, rtol=0.02, atol=1e-4)


def test_guided_backprop_passes_only_positive_gradients_through_relus():
    model, image = mean_model(), square_image()
    # class 0 = +mean(ReLU(x)): the gradient arriving at the ReLU is positive, guided = plain
    np.testing.assert_allclose(visualize.guided_backprop(model, image, class_index=0),
                               visualize.saliency(model, image, class_index=0))
    # class 1 = -mean(ReLU(x)): the plain gradient marks the square, the guided one is blocked
    assert visualize.saliency(model, image, class_index=1)[0, 1, 1] == 1.0
    np.testing.assert_array_equal(visualize.guided_backprop(model, image, class_index=1), 0.0)
    assert model.get_layer("relu").__class__ is keras.layers.ReLU          # the model is not changed


def test_guided_backprop_rewrites_relu_activations_of_dense_and_conv_layers():
    keras.utils.set_random_seed(0)
    inputs = keras.Input((6, 6, 2))
    x = keras.layers.Conv2D(3, 3, activation="relu")(inputs)
    x = keras.layers.Dense(4, activation="relu")(keras.layers.Flatten()(x))
    model = keras.Model(inputs, keras.layers.Dense(2, activation="softmax")(x))
    images = np.random.default_rng(1).normal(size=(3, 6, 6, 2)).astype("float32")
    guided, plain = visualize.guided_backprop(model, images), visualize.saliency(model, images)
    assert guided.shape == plain.shape == (3, 6, 6)
    assert not np.allclose(guided, plain)                 # some negative gradients were blocked


def test_grad_cam_of_a_model_whose_answer_is_known():
    model, image = mean_model(), square_image()
    cam = visualize.grad_cam(model, image, class_index=0, layer_name="relu")
    assert cam.shape == (1, 8, 8)
    np.testing.assert_allclose(cam[0], image[0, ..., 0], atol=1e-6)   # the square, scaled to 1
    # Class 1 is minus the mean: its gradient weights are negative, the ReLU leaves nothing.
    assert np.allclose(visualize.grad_cam(model, image, class_index=1, layer_name="relu"), 0)
    assert visualize.last_conv_layer(model) == "relu"
    np.testing.assert_allclose(visualize.grad_cam(model, image, class_index=0), cam, atol=1e-6)


def test_occlusion_and_saliency_of_a_model_that_looks_at_one_pixel():
    model = one_pixel_model(3, 5)
    image = np.full((1, 8, 8, 1), 0.2, "float32")
    image[0, 3, 5, 0] = 1.0
    maps = visualize.occlusion(model, image, class_index=0, patch=2, stride=1, fill=0.0)
    assert maps.shape == (1, 8, 8)
    covering = np.zeros((8, 8), bool)
    covering[2:5, 4:7] = True             # every pixel of a 2x2 patch that can cover (3, 5)
    assert maps[0][~covering].max() == pytest.approx(0.0, abs=1e-6)
    assert np.unravel_index(np.argmax(maps[0]), (8, 8)) == (3, 5)
    # covering the pixel takes class 0 from sigmoid(10) to sigmoid(0) = 0.5
    assert maps[0, 3, 5] == pytest.approx(1 / (1 + np.exp(-10.0)) - 0.5, abs=1e-4)
    grads = visualize.saliency(model, image, class_index=0)
    assert grads.shape == (1, 8, 8) and grads[0, 3, 5] == pytest.approx(1.0)
    assert np.count_nonzero(grads) == 1
    smooth = visualize.saliency(model, image, class_index=0, smooth=4, seed=1)
    assert np.unravel_index(np.argmax(smooth[0]), (8, 8)) == (3, 5)


def test_feature_maps_and_errors():
    model = mean_model()
    maps = visualize.feature_maps(model, square_image(), ["conv", "relu"])
    assert set(maps) == {"conv", "relu"} and maps["relu"].shape == (1, 8, 8, 1)
    with pytest.raises(ValueError, match="has no layer"):
        visualize.feature_maps(model, square_image(), ["nope"])
    with pytest.raises(ValueError, match=r"images must have shape \(N, 8, 8, 1\)"):
        visualize.grad_cam(model, np.zeros((2, 5, 5, 1)))
    with pytest.raises(ValueError, match=r"class_index must be in \[0, 2\)"):
        visualize.saliency(model, square_image(), class_index=3)
    with pytest.raises(TypeError, match="keras.Model"):
        visualize.saliency(lambda x: x, square_image())
    with pytest.raises(ValueError, match="Grad-CAM needs"):
        visualize.grad_cam(model, square_image(), layer_name="predictions")


def test_activation_maximization_raises_the_activation():
    keras.utils.set_random_seed(0)
    inputs = keras.Input((16, 16, 3))
    x = keras.layers.Conv2D(4, 3, padding="same", activation="relu", name="conv")(inputs)
    model = keras.Model(inputs, keras.layers.Dense(2)(keras.layers.GlobalAveragePooling2D()(x)))
    probe = keras.Model(inputs, model.get_layer("conv").output)
    start = np.full((1, 16, 16, 3), 0.5, "float32")
    before = float(np.mean(np.asarray(probe.predict(start, verbose=0))[..., 1]))
    for low_frequency in (1, 2):
        image = visualize.activation_maximization(model, "conv", 1, steps=20, seed=0,
                                                  low_frequency=low_frequency)
        assert image.shape == (16, 16, 3) and 0 <= image.min() and image.max() <= 1
        after = float(np.mean(np.asarray(probe.predict(image[None], verbose=0))[..., 1]))
        assert after > before + 0.05, (low_frequency, before, after)
    with pytest.raises(ValueError, match=r"channel must be in \[0, 4\)"):
        visualize.activation_maximization(model, "conv", 9)


def test_sanity_check_randomised_weights_change_the_maps():
    model, image = mean_model(), square_image()
    copy = visualize.randomized_copy(model, seed=3)
    assert copy.count_params() == model.count_params()
    assert not all(np.allclose(a, b) for a, b in zip(model.get_weights(), copy.get_weights()))
    assert visualize.map_similarity(image, image) == pytest.approx(1.0)
    assert visualize.map_similarity(image, -image) == pytest.approx(-1.0)   # ties share ranks
    with pytest.raises(ValueError, match="same shape"):
        visualize.map_similarity(np.zeros(3), np.zeros(4))


def test_plot_maps_titles_and_colour_bars():
    import matplotlib.pyplot as plt

    images = np.random.default_rng(0).random((2, 8, 8, 3))
    fig = visualize.plot_maps(images, np.random.default_rng(1).random((2, 8, 8)),
                              titles=["cat", "dog"], title="Grad-CAM")
    assert fig._suptitle.get_text() == "Grad-CAM"
    assert [ax.get_title() for ax in fig.axes[:4]] == ["cat", "dog", "", ""]
    assert sum(ax.get_label() == "<colorbar>" for ax in fig.axes) == 2
    with pytest.raises(ValueError, match="must match"):
        visualize.plot_maps(images, np.zeros((3, 8, 8)))
    plt.close(fig)
