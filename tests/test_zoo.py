"""The model zoo at its canonical input: parameter counts, layer names, docstrings.

Each registered network is built once at its canonical shape (the builder's
default ``input_shape`` and ``num_classes``) by a module-scoped fixture, and
every test below runs against that build. Counts follow the Keras convention
(``model.count_params()``: batch-norm moving statistics included, convolution
biases where the builder has them); the trainable counts
quoted by papers and torchvision are checked too.
"""

import inspect

import keras
import numpy as np
import pytest

from course_utils import complexity, zoo
from course_utils.zoo import get_model, list_models

# model.count_params() at the canonical input (Keras convention).
EXPECTED_PARAMS = {
    "linear_classifier": 7_850,
    "p4cnn": 16_418,
    "z2cnn": 16_122,
    "mlp": 238_510,
    "lenet300": 266_610,
    "lenet1": 3_246,
    "lenet5": 60_850,
    "lenet5_modern": 61_706,
    "alexnet": 62_378_344,            # the syllabus's "62.3M"
    "alexnet_two_tower": 60_965_224,
    "alexnet_cifar": 4_087_946,
    "vgg11": 132_863_336,             # VGG Table 2: 133M
    "vgg11_lrn": 132_863_336,         # LRN adds no parameters
    "vgg13": 133_047_848,             # 133M
    "vgg16c": 133_638_952,            # 134M
    "vgg16": 138_357_544,             # 138M (= keras.applications.VGG16)
    "vgg19": 143_667_240,             # 144M (= keras.applications.VGG19)
    "vgg11_bn": 132_874_344,
    "vgg13_bn": 133_059_624,
    "vgg16_bn": 138_374_440,
    "vgg19_bn": 143_689_256,
    "vgg11_cifar": 9_236_618,
    "vgg16_cifar": 14_736_714,
    "nin": 966_986,
    "inception_cifar": 346_046,
    "googlenet": 6_998_552,
    "resnet18": 11_703_912,
    "resnet34": 21_823_208,
    "resnet50": 25_636_712,           # = keras.applications.ResNet50
    "resnet101": 44_707_176,          # = keras.applications.ResNet101
    "resnet152": 60_419_944,          # = keras.applications.ResNet152
    "plain18": 11_527_400,
    "plain34": 21_646_696,
    "resnet20": 271_098,
    "resnet32": 466_426,
    "resnet44": 661_754,
    "resnet56": 857_082,
    "resnet110": 1_736_058,
    "plain20": 271_098,
    "plain32": 466_426,
    "plain44": 661_754,
    "plain56": 857_082,
    "plain110": 1_736_058,
    "preact_resnet18": 11_698_408,
    "preact_resnet34": 21_815_848,
    "preact_resnet50": 25_613_800,    # = keras.applications.ResNet50V2
    "preact_resnet101": 44_675_560,   # = keras.applications.ResNet101V2
    "preact_resnet152": 60_380_648,   # = keras.applications.ResNet152V2
    "preact_resnet20": 273_658,
    "preact_resnet110": 1_738_618,
    "preact_resnet164": 1_727_482,
    "densenet121": 8_062_504,         # = keras.applications.DenseNet121
    "densenet169": 14_307_880,
    "densenet201": 20_242_984,
    "densenet_bc100": 793_150,
    "se_resnet50": 28_167_704,
    "se_resnet20": 275_508,
    "mobilenet_v1": 4_253_864,        # = keras.applications.MobileNet
    "mobilenet_v2": 3_538_984,        # = keras.applications.MobileNetV2
    "mobilenet_v2_cifar": 2_270_794,
}

# Trainable parameters as papers and torchvision count them (no batch-norm
# statistics), at the canonical build ...
TRAINABLE_AT_DEFAULT = {
    "lenet5": 60_850,          # the paper's 60,000 + a 850-parameter softmax layer
    "resnet20": 269_722,       # He et al. Table 6: 0.27M
    "resnet56": 853_018,       # 0.85M
    "resnet110": 1_727_962,    # 1.7M
    "preact_resnet164": 1_703_258,  # He et al. (identity mappings): 1.7M
    "densenet_bc100": 769_162,      # Huang et al. Table 2: 0.8M
    "densenet121": 7_978_856,       # torchvision 7.98M
    "mobilenet_v1": 4_231_976,      # Howard et al.: 4.2M
    "mobilenet_v2": 3_504_872,      # Sandler et al.: 3.4M
    "vgg16_bn": 138_365_992,        # torchvision vgg16_bn
}
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


def canonical_shape(name):
    return inspect.signature(zoo.MODELS[name]).parameters["input_shape"].default


@pytest.fixture(scope="module", params=list_models())
def built(request):
    """(name, model) at the canonical input; freed after the model's tests."""
    name = request.param
    model = get_model(name)
    yield name, model
    del model
    keras.backend.clear_session()


def test_every_registered_model_has_an_expected_count():
    assert sorted(EXPECTED_PARAMS) == sorted(list_models())


def test_parameter_count(built):
    name, model = built
    assert model.count_params() == EXPECTED_PARAMS[name]
    if name in TRAINABLE_AT_DEFAULT:
        assert trainable_count(model) == TRAINABLE_AT_DEFAULT[name]
    if name in PUBLISHED_APPROX:  # and the built model is within the published rounding
        published, tolerance = PUBLISHED_APPROX[name]
        assert abs(model.count_params() - published) <= tolerance * published


def test_docstring_states_reference_and_count(built):
    name, _ = built
    doc = inspect.getdoc(zoo.MODELS[name])
    assert "References" in doc, f"{name}: no References section"
    assert f"{EXPECTED_PARAMS[name]:,}" in doc, f"{name}: docstring lacks its count"


def test_layer_names_are_unique(built):
    name, model = built
    names = [layer.name for layer in model.layers]
    assert len(names) == len(set(names)), f"{name}: duplicate layer names"
    assert model.name == name


def test_output_shape(built):
    name, model = built
    num_classes = inspect.signature(zoo.MODELS[name]).parameters["num_classes"].default
    assert model.input_shape == (None, *canonical_shape(name))
    assert model.output_shape == (None, num_classes)


def test_complexity_summary_matches_count_params(built):
    name, model = built
    summary = complexity.summarize(model)
    assert summary.total_params == model.count_params(), name
    assert summary.total_macs > 0


@pytest.mark.parametrize("name", sorted(TRAINABLE_WITHOUT_BIAS))
def test_trainable_count_in_the_torchvision_layout(name):
    model = get_model(name, use_bias=False)
    assert trainable_count(model) == TRAINABLE_WITHOUT_BIAS[name]


@pytest.mark.parametrize("name", [
    pytest.param(n, marks=pytest.mark.slow) if n in SLOW_ORACLES else n
    for n in sorted(KERAS_ORACLES)
])
def test_same_count_as_keras_applications(name):
    oracle = getattr(keras.applications, KERAS_ORACLES[name])(weights=None)
    assert oracle.count_params() == EXPECTED_PARAMS[name]
    if name in ("resnet50", "vgg16", "densenet121"):
        # Same layer names too: get_layer() works as on the Keras model.
        # (Keras leaves two padding layers of DenseNet unnamed: zero_padding2d*.)
        def named(model):
            return {layer.name for layer in model.layers[1:]
                    if not layer.name.startswith("zero_padding2d")}
        assert named(oracle) <= named(get_model(name))

