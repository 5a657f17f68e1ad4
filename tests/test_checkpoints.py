"""course_utils.checkpoints: the ResNet-20 that ships with the course, SHA-256 checked."""

import numpy as np
import pytest

from course_utils import checkpoints, data


def test_the_shipped_resnet20_card_states_its_recipe_and_hash():
    assert "resnet20_cifar10" in checkpoints.available()
    card = checkpoints.card("resnet20_cifar10")
    assert card["network"] == "resnet20" and card["params"] == 271_098 and card["lossy"] is True
    assert card["test_images"] == 10_000 and card["test_accuracy"] >= 0.85   # 86.85% measured
    assert len(card["sha256"]) == 64 and card["size_bytes"] < 1_000_000


def test_the_shipped_resnet20_reaches_its_card_on_real_test_images():
    try:
        cifar = data.load("cifar10", test_size=2_000, seed=0, download=False)
    except data.DatasetUnavailable as error:
        if isinstance(error, data.DatasetCorrupt):
            raise
        pytest.skip("needs the CIFAR-10 file: set COURSE_DATA_DIR")
    model = checkpoints.load("resnet20_cifar10")
    accuracy = float(np.mean(np.argmax(model.predict(cifar.x_test, batch_size=500, verbose=0), -1)
                             == cifar.y_test))
    # 2,000 of the 10,000 images: within 2.5 points of the card (the standard error is 0.7)
    assert accuracy >= checkpoints.card("resnet20_cifar10")["test_accuracy"] - 0.025, accuracy


def test_an_altered_or_missing_checkpoint_is_refused(tmp_path):
    for suffix in (".npz", ".json"):
        (tmp_path / f"r{suffix}").write_bytes((checkpoints.HERE / f"resnet20_cifar10{suffix}").read_bytes())
    weights = tmp_path / "r.npz"
    weights.write_bytes(weights.read_bytes()[:-64] + b"\0" * 64)
    with pytest.raises(checkpoints.CheckpointError, match="SHA-256 .* but its card says"):
        checkpoints.load("r", folder=tmp_path)
    weights.unlink()
    with pytest.raises(checkpoints.CheckpointError, match="missing"):
        checkpoints.load("r", folder=tmp_path)
    with pytest.raises(checkpoints.CheckpointError, match="no checkpoint 'nope'"):
        checkpoints.card("nope", folder=tmp_path)
