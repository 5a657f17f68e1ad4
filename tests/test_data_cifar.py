"""CIFAR-10 from the JPEG copy: the real archive, the cache of decoded arrays, and the forms."""

import dataclasses
import io
import json
import os
import pathlib
import tarfile

import numpy as np
import pytest

from course_utils import data
from course_utils.data import _cache, _files, _manifest

CIFAR10_NAMES = ("airplane", "automobile", "bird", "cat", "deer",
                 "dog", "frog", "horse", "ship", "truck")
SHARED = os.environ.get("COURSE_DATA_DIR")


@pytest.fixture
def real_cifar_archive() -> pathlib.Path:
    path = pathlib.Path(SHARED or "/nonexistent") / "cifar-10-images.tar.gz"
    if not path.is_file():
        pytest.skip("needs CIFAR-10: set COURSE_DATA_DIR to a folder with cifar-10-images.tar.gz")
    return path


def test_real_jpeg_copy_loads_all_images_in_official_order(real_cifar_archive):
    ds = data.load("cifar10")
    assert ds.x_train.shape == (50_000, 32, 32, 3) and ds.x_train.dtype == np.uint8
    assert ds.x_test.shape == (10_000, 32, 32, 3)
    assert np.bincount(ds.y_train).tolist() == [5_000] * 10
    assert np.bincount(ds.y_test).tolist() == [1_000] * 10
    assert ds.class_names == CIFAR10_NAMES
    assert ds.lossy and "JPEG copy (lossy), packed" in ds.source
    assert str(real_cifar_archive) in ds.source
    # Pinned: the seed-0 shuffle of the class-sorted folders, and the decoded pixels.
    assert ds.y_train[:10].tolist() == [5, 1, 2, 5, 1, 8, 5, 4, 0, 9]
    assert ds.x_train[:100].mean() == pytest.approx(119.642, abs=0.05)
    assert ds.x_test[:100].mean() == pytest.approx(124.087, abs=0.05)
    # CIFAR-10's published channel means (0.4914, 0.4822, 0.4465): JPEG moves them little.
    means, _ = data.channel_stats(ds.x_train[:10_000])
    np.testing.assert_allclose(means, [0.4914, 0.4822, 0.4465], atol=0.005)
    # the first airplane of the training folder is a bluish sky: blue channel highest
    plane = ds.x_train[ds.y_train == 0].mean(axis=(0, 1, 2))
    assert plane[2] > plane[0]


def test_real_copy_is_reported_by_available_and_verify(real_cifar_archive):
    assert data.available()["cifar10"] == f"{real_cifar_archive.parent} (JPEG copy (lossy), packed)"
    report = {form: status for form, _, status in data.verify("cifar10")}
    assert report["official"] == "missing"
    assert report["JPEG copy (lossy), packed"] == f"ok: {real_cifar_archive}"


# ---------------------------------------------------------------- small copies the tests write
def _jpeg(rng, size=8):
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(rng.integers(0, 256, (size, size, 3), dtype=np.uint8)).save(
        buffer, format="JPEG", quality=95)
    return buffer.getvalue()


def _write_tree(root: pathlib.Path, per_class: dict, rng) -> None:
    for split, count in per_class.items():
        for name in CIFAR10_NAMES:
            folder = root / split / name
            folder.mkdir(parents=True, exist_ok=True)
            for i in range(count):
                (folder / f"{i:04d}.jpg").write_bytes(_jpeg(rng))


def _small_copy(monkeypatch, tree: pathlib.Path, per_class=(("train", 2), ("test", 1))):
    """Shrink the unpacked form to ``per_class`` images, with a manifest of ``tree``'s files."""
    manifest = tree.parent.parent / "small-cifar.tsv.gz"
    files = ((f.relative_to(tree).as_posix(), f.read_bytes()) for f in tree.rglob("*") if f.is_file())
    _manifest.write_manifest(files, manifest, "*/*/*")
    forms = list(_files.FORMS["cifar10"])
    copy = forms[2].items[0]
    forms[2] = dataclasses.replace(forms[2], items=(dataclasses.replace(
        copy, per_class=per_class, manifest=str(manifest)),))
    monkeypatch.setitem(_files.FORMS, "cifar10", tuple(forms))


def test_unpacked_copy_is_found_counted_and_labelled(isolated_data, monkeypatch):
    rng = np.random.default_rng(0)
    _write_tree(isolated_data / "cifar-10-images", {"train": 2, "test": 1}, rng)
    (isolated_data / "cifar-10-images" / "README.md").write_text("from the mirror")
    _small_copy(monkeypatch, isolated_data / "cifar-10-images")
    ds = data.load("cifar10")
    assert ds.x_train.shape == (20, 8, 8, 3) and ds.x_test.shape == (10, 8, 8, 3)
    assert sorted(ds.y_train.tolist()) == sorted(list(range(10)) * 2)
    assert "JPEG copy (lossy), unpacked" in ds.source and ds.lossy
    assert data.locate("cifar10").endswith("(JPEG copy (lossy), unpacked)")
    # a stray image of another format in a class folder would be read: it is named
    stray = isolated_data / "cifar-10-images" / "train" / "cat" / "extra.PNG"
    stray.write_bytes(b"png")
    with pytest.raises(data.DatasetCorrupt, match=r"train/cat/extra\.PNG is not part of the copy"):
        data.load("cifar10")
    stray.unlink()
    # a missing image makes the copy incomplete: an error naming the folder, not a silent gap
    (isolated_data / "cifar-10-images" / "train" / "cat" / "0001.jpg").unlink()
    with pytest.raises(data.DatasetCorrupt, match=r"train/cat holds 1 \.jpg files but should hold 2"):
        data.load("cifar10")


def test_git_clone_name_is_accepted(isolated_data, monkeypatch):
    _write_tree(isolated_data / "CIFAR-10-images", {"train": 2, "test": 1}, np.random.default_rng(1))
    _small_copy(monkeypatch, isolated_data / "CIFAR-10-images")
    assert data.load("cifar10").x_train.shape[0] == 20


def _pack(tree: pathlib.Path, archive: pathlib.Path) -> None:
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(tree, arcname="cifar-10-images")


def _packed_small_copy(tmp_path, isolated_data, monkeypatch, seed=2):
    tree = tmp_path / "tree" / "cifar-10-images"
    _write_tree(tree, {"train": 2, "test": 1}, np.random.default_rng(seed))
    archive = isolated_data / "cifar-10-images.tar.gz"
    _pack(tree, archive)
    forms = list(_files.FORMS["cifar10"])
    packed = forms[1].items[0]
    forms[1] = dataclasses.replace(forms[1], items=(dataclasses.replace(
        packed, sha256=_files.sha256_of(archive), size=archive.stat().st_size),))
    monkeypatch.setitem(_files.FORMS, "cifar10", tuple(forms))
    return archive


def test_packed_copy_is_decoded_once_then_read_from_the_cache(tmp_path, isolated_data, monkeypatch):
    archive = _packed_small_copy(tmp_path, isolated_data, monkeypatch)
    first = data.load("cifar10")
    assert "decoded, cached in" in first.source
    second = data.load("cifar10")
    assert "cache: " in second.source
    np.testing.assert_array_equal(first.x_train, second.x_train)
    np.testing.assert_array_equal(first.y_test, second.y_test)
    folder = _cache.cache_path("cifar10", _files.sha256_of(archive))
    assert folder.is_dir() and str(folder).startswith(str(tmp_path / "keras_home"))


@pytest.mark.parametrize("damage", ["flip a byte", "truncate", "drop the manifest", "other key"])
def test_a_damaged_cache_is_rebuilt_not_trusted(tmp_path, isolated_data, monkeypatch, damage):
    archive = _packed_small_copy(tmp_path, isolated_data, monkeypatch)
    reference = data.load("cifar10")
    folder = _cache.cache_path("cifar10", _files.sha256_of(archive))
    target = folder / "x_train.npy"
    if damage == "flip a byte":
        blob = bytearray(target.read_bytes())
        blob[-1] ^= 0xFF
        target.write_bytes(bytes(blob))
    elif damage == "truncate":
        target.write_bytes(target.read_bytes()[:100])
    elif damage == "drop the manifest":
        (folder / "manifest.json").unlink()
    else:
        manifest = json.loads((folder / "manifest.json").read_text())
        manifest["key"] = "0" * 64
        (folder / "manifest.json").write_text(json.dumps(manifest))
    rebuilt = data.load("cifar10")
    assert "decoded, cached in" in rebuilt.source
    np.testing.assert_array_equal(rebuilt.x_train, reference.x_train)
    assert "cache: " in data.load("cifar10").source  # and the new cache is good


def test_official_form_wins_over_the_copy_in_the_same_folder(tmp_path, isolated_data, monkeypatch):
    from test_data import _add, _cifar_batch, _register

    _packed_small_copy(tmp_path, isolated_data, monkeypatch)
    path = isolated_data / "cifar-10-python.tar.gz"
    rng = np.random.default_rng(0)
    with tarfile.open(path, "w:gz") as tar:
        for i in range(1, 6):
            _add(tar, f"cifar-10-batches-py/data_batch_{i}", _cifar_batch(rng, 2, b"labels", 10)[2])
        _add(tar, "cifar-10-batches-py/test_batch", _cifar_batch(rng, 2, b"labels", 10)[2])
        _add(tar, "cifar-10-batches-py/batches.meta",
             {b"label_names": [n.encode() for n in CIFAR10_NAMES]})
    _register(monkeypatch, "cifar10", path)
    ds = data.load("cifar10")
    assert ds.source == str(path) and not ds.lossy and ds.x_train.shape == (10, 32, 32, 3)


def test_data_dir_copy_wins_over_official_file_in_keras_cache(tmp_path, isolated_data, monkeypatch):
    # The search goes folder by folder: COURSE_DATA_DIR's copy before the cache's official file.
    _packed_small_copy(tmp_path, isolated_data, monkeypatch)
    cache = tmp_path / "keras_home" / "datasets"
    cache.mkdir(parents=True)
    (cache / "cifar-10-python.tar.gz").write_bytes(b"never read")
    assert data.load("cifar10").lossy
