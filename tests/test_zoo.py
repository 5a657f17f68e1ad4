"""The model registry at its canonical input: parameter counts, layer names, docstrings.

Each registered network is built once at its canonical shape (the builder's
default ``input_shape`` and ``num_classes``, plus the card's ``example``) by a
module-scoped fixture, and every test below runs against that build. The counts are
declared once, on the card where the builder is registered
(``course_utils.registry``); the tests compare the built network with its card,
with the Keras Applications builders and with the papers' rounded figures. Counts
follow the Keras convention (``model.count_params()``: batch-norm moving statistics
included, convolution biases where the builder has them); the trainable counts quoted
by papers and torchvision are checked where a card states them.
"""

import inspect

import keras
import numpy as np
import pytest

from course_utils import complexity, registry, zoo
from course_utils.zoo import card, get_model, list_models

# ... and with the torchvision layout (no convolution biases before batch norm).
TRAINABLE_WITHOUT_BIAS = {
    "resnet18": 11_689_512,     # torchvision 11.69M
    "resnet34": 21_797_672,     # torchvision 21.80M
    "resnet50": 25_557_032,     # torchvision 25.56M
    "se_resnet50": 28_088_024,  # Hu et al.: 28.09M
}

# Published, rounded counts, each with the tolerance of its rounding.
PUBLISHED_APPROX = {
    "lenet5": (60_000, 0.02),          # "about 60,000"
    "alexnet": (62_300_000, 0.002),    # the syllabus's "62.3M"
    "googlenet": (6_800_000, 0.05),    # Szegedy et al. Table 1, ~6.8M
    "resnet20": (270_000, 0.02),
    "resnet56": (850_000, 0.02),
    "resnet110": (1_700_000, 0.03),
    "densenet_bc100": (800_000, 0.05),
    "vgg16": (138_000_000, 0.005),
    "vgg19": (144_000_000, 0.005),
}

# Keras Applications builders that must give the same count (weights=None).
KERAS_ORACLES = {
    "vgg16": "VGG16", "vgg19": "VGG19", "resnet50": "ResNet50",
    "resnet101": "ResNet101", "resnet152": "ResNet152", "preact_resnet50": "ResNet50V2",
    "preact_resnet101": "ResNet101V2", "preact_resnet152": "ResNet152V2",
    "densenet121": "DenseNet121", "densenet169": "DenseNet169", "densenet201": "DenseNet201",
    "mobilenet_v1": "MobileNet", "mobilenet_v2": "MobileNetV2",
}
# Oracles slow to build on two cores; they run with `-m slow` (their counts
# are still checked by test_parameter_count against the numbers they give).
SLOW_ORACLES = {"resnet101", "resnet152", "preact_resnet101", "preact_resnet152",
                "densenet169", "densenet201"}


def trainable_count(model: keras.Model) -> int:
    return int(sum(np.prod(w.shape) for w in model.trainable_weights))


def _imagenet_scale(name: str) -> bool:
    """Built at 64x64 or larger: the ImageNet networks, slow to build on two cores."""
    default = inspect.signature(card(name).build).parameters.get("input_shape")
    shape = default.default if default is not None else None
    return isinstance(shape, tuple) and shape[0] is not None and shape[0] >= 64


# One network per family (zoo file), and every network with a layer the course defines: the JAX
# pass of .ci/run builds these; the other variants (deeper, wider, with batch norm) are made of
# the same Keras layers and are built in the TensorFlow pass (marker family_variant).
BUILT_ON_EVERY_BACKEND = {
    "lenet5", "alexnet_cifar", "vgg11_cifar", "nin", "inception_cifar", "resnet20", "plain20",
    "preact_resnet20", "se_resnet20", "densenet_bc100", "mobilenet_v2_cifar", "p4cnn", "z2cnn",
    "fast_cifar_net", "fast_convnet", "searched_network", "small_convnet", "gan_generator",
    "gan_discriminator", "pixelcnn", "conv_vae"}


def _marks(name: str) -> list:
    if _imagenet_scale(name):
        return [pytest.mark.imagenet_scale]
    return [] if name in BUILT_ON_EVERY_BACKEND else [pytest.mark.family_variant]


@pytest.fixture(scope="module", params=[pytest.param(n, marks=_marks(n)) for n in list_models()])
def built(request):
    """(card, model) at the canonical input; freed after the model's tests."""
    model_card = card(request.param)
    model = model_card.canonical()
    yield model_card, model
    del model
    keras.backend.clear_session()


def test_every_family_is_built_on_every_backend():
    # the JAX pass builds BUILT_ON_EVERY_BACKEND: each name is registered, and every zoo file
    # with a small-input network has one of them
    assert BUILT_ON_EVERY_BACKEND <= set(list_models())
    families = {}
    for name in list_models():
        if not _imagenet_scale(name):
            families.setdefault(inspect.getmodule(card(name).build).__name__, set()).add(name)
    assert all(names & BUILT_ON_EVERY_BACKEND for names in families.values()), families


def test_the_zoo_lists_every_classic_network_in_syllabus_order():
    names = list_models("classify")
    assert len(names) == 61 and names[:5] == ["mlp", "linear_classifier", "lenet300",
                                              "lenet1", "lenet5"]
    assert names.index("alexnet") < names.index("vgg16") < names.index("resnet50")
    assert names.index("mobilenet_v2") < names.index("efficientnet_lite0")
    # and the networks that live outside the zoo are registered too
    assert {"fast_convnet", "keras_io_convnet", "fast_cifar_net", "searched_network",
            "small_convnet", "conv_vae", "gan_generator", "gan_discriminator",
            "pixelcnn"} <= set(list_models())


def test_parameter_count_is_the_cards(built):
    model_card, model = built
    assert model.count_params() == model_card.params, model_card.name
    if model_card.trainable is not None:
        assert trainable_count(model) == model_card.trainable, model_card.name
    if model_card.name in PUBLISHED_APPROX:  # within the published rounding
        published, tolerance = PUBLISHED_APPROX[model_card.name]
        assert abs(model.count_params() - published) <= tolerance * published


def test_docstring_states_reference_and_the_cards_count(built):
    model_card, _ = built
    doc = inspect.getdoc(model_card.build)
    assert f"{model_card.params:,} parameters" in doc, f"{model_card.name}: no count"
    if model_card.task == "classify":
        assert "References" in doc, f"{model_card.name}: no References section"


def test_layer_names_are_unique(built):
    model_card, model = built
    names = [layer.name for layer in model.layers]
    assert len(names) == len(set(names)), f"{model_card.name}: duplicate layer names"
    if model_card.task == "classify":
        assert model.name == model_card.name


def test_output_shape(built):
    model_card, model = built
    if model_card.task == "generate":
        pytest.skip("a generative model has no class output")
    assert model.input_shape == (None, *model_card.input_shape)
    assert model.output_shape == (None, model_card.num_classes)


def test_complexity_summary_matches_count_params(built):
    model_card, model = built
    if model_card.task == "generate":
        pytest.skip("complexity counts feed-forward classifiers")
    summary = complexity.summarize(model)
    assert summary.total_params == model.count_params(), model_card.name
    assert summary.total_macs > 0


@pytest.mark.imagenet_scale      # an ImageNet-sized build; a count does not depend on the backend
@pytest.mark.parametrize("name", sorted(TRAINABLE_WITHOUT_BIAS))
def test_trainable_count_in_the_torchvision_layout(name):
    model = get_model(name, use_bias=False)
    assert trainable_count(model) == TRAINABLE_WITHOUT_BIAS[name]


@pytest.mark.imagenet_scale      # Keras Applications at ImageNet size; counts do not depend on the backend
@pytest.mark.parametrize("name", [
    pytest.param(n, marks=pytest.mark.slow) if n in SLOW_ORACLES else n
    for n in sorted(KERAS_ORACLES)
])
def test_same_count_as_keras_applications(name):
    oracle = getattr(keras.applications, KERAS_ORACLES[name])(weights=None)
    assert oracle.count_params() == card(name).params
    if name in ("resnet50", "vgg16", "densenet121"):
        # Same layer names too: get_layer() works as on the Keras model.
        # (Keras leaves two padding layers of DenseNet unnamed: zero_padding2d*.)
        def named(model):
            return {layer.name for layer in model.layers[1:]
                    if not layer.name.startswith("zero_padding2d")}
        assert named(oracle) <= named(get_model(name))



def test_the_table_is_written_from_the_cards():
    table = zoo.model_table()
    for model_card in registry.cards():
        row = next(line for line in table.splitlines() if line.split()[0] == model_card.name)
        assert row.endswith(f"{model_card.params:,}")
    assert zoo.model_table(of=registry.registered("course_utils.zoo")) in zoo.__doc__


def test_a_variant_refuses_what_it_fixes_and_what_it_does_not_know():
    with pytest.raises(TypeError, match="plain20 fixes shortcut=None"):
        zoo.plain20(shortcut="B")
    with pytest.raises(TypeError, match="resnet20 fixes depth=20; call resnet_cifar"):
        zoo.resnet20(depth=56)
    with pytest.raises(TypeError, match="unexpected argument.*'widht'"):
        zoo.resnet20(widht=2)
    assert zoo.resnet20(shortcut="B").count_params() - card("resnet20").params == 2_944
    assert inspect.signature(zoo.vgg16).parameters["name"].default == "vgg16"


def test_registering_twice_or_without_a_count_is_refused():
    with pytest.raises(ValueError, match="registered twice"):
        registry.register_model(lambda: None, paper="x", params=1, name="resnet20")
    with pytest.raises(ValueError, match="non-negative int"):
        registry.register_model(lambda: None, paper="x", params="271k", name="fresh_name")
    with pytest.raises(ValueError, match="unknown model 'resnet21'.*'resnet20'"):
        get_model("resnet21")
