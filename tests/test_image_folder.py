"""``data.load_image_folder``: your own photos from folders and archives, and its errors."""

import tarfile
import zipfile

import numpy as np
import pytest
from PIL import Image

from course_utils import data


def _save(path, array, fmt=None):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array).save(path, format=fmt)


def _colour(value, size=(6, 6)):
    return np.full((*size, 3), value, dtype=np.uint8)


@pytest.fixture
def flat(tmp_path):
    """photos/cat (3 PNG), photos/dog (2 JPEG), a stray text file and a hidden file."""
    root = tmp_path / "photos"
    for i in range(3):
        _save(root / "cat" / f"c{i}.png", _colour(10 + i))
    for i in range(2):
        _save(root / "dog" / f"d{i}.jpg", _colour(200 + i), "JPEG")
    (root / "notes.txt").write_text("not an image")
    (root / "dog" / ".DS_Store").write_bytes(b"\0\0")
    return root


def test_flat_layout_png_and_jpeg(flat):
    ds = data.load_image_folder(flat, seed=None)
    assert ds.class_names == ("cat", "dog")
    assert ds.x_train.shape == (5, 6, 6, 3) and ds.x_train.dtype == np.uint8
    assert ds.y_train.tolist() == [0, 0, 0, 1, 1] and ds.y_train.dtype == np.int64
    np.testing.assert_array_equal(ds.x_train[:3, 0, 0, 0], [10, 11, 12])  # PNG is lossless
    assert abs(int(ds.x_train[3, 0, 0, 0]) - 200) <= 2                    # JPEG nearly so
    assert ds.x_test.shape == (0, 6, 6, 3) and ds.x_val is None
    assert ds.details["ignored_files"] == ["dog/.DS_Store", "notes.txt"]
    assert "2 other file(s) ignored" in ds.source and ds.name == "photos"


def test_seeded_shuffle_and_validation_split(flat):
    a = data.load_image_folder(flat, validation_split=0.4, seed=3)
    b = data.load_image_folder(flat, validation_split=0.4, seed=3)
    np.testing.assert_array_equal(a.x_train, b.x_train)
    assert len(a.y_val) == 2 and sorted(a.y_val.tolist()) == [0, 1]  # stratified
    assert len(a.y_train) == 3
    assert "2 validation" in a.describe()


def test_split_layout_nested_in_an_archive(tmp_path):
    tree = tmp_path / "tree" / "pets"
    for split, count in (("train", 2), ("test", 1)):
        for name, value in (("cat", 30), ("dog", 90)):
            for i in range(count):
                _save(tree / split / name / f"{i}.png", _colour(value))
    archives = {}
    archives["tar.gz"] = tmp_path / "pets.tar.gz"
    with tarfile.open(archives["tar.gz"], "w:gz") as tar:
        tar.add(tree, arcname="pets")
    archives["tar"] = tmp_path / "pets.tar"
    with tarfile.open(archives["tar"], "w") as tar:
        tar.add(tree, arcname="pets")
    archives["zip"] = tmp_path / "pets.zip"
    with zipfile.ZipFile(archives["zip"], "w") as archive:
        for file in sorted(tree.rglob("*")):
            archive.write(file, "pets/" + str(file.relative_to(tree)))
    for kind, path in archives.items():
        ds = data.load_image_folder(path)
        assert ds.x_train.shape == (4, 6, 6, 3), kind
        assert ds.x_test.shape == (2, 6, 6, 3), kind
        assert ds.class_names == ("cat", "dog") and ds.name == "pets", kind
        assert "<split>/<class>/*" in ds.source
        for x, y in ((ds.x_train, ds.y_train), (ds.x_test, ds.y_test)):
            np.testing.assert_array_equal(x[:, 0, 0, 0], np.where(y == 0, 30, 90))


def test_a_corrupt_image_is_named_or_skipped_and_counted(flat):
    (flat / "cat" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n truncated")
    with pytest.raises(ValueError, match=r"photos/cat/broken\.png cannot be read as an image.*"
                                         r"skip_corrupt=True"):
        data.load_image_folder(flat)
    ds = data.load_image_folder(flat, skip_corrupt=True)
    assert len(ds.x_train) == 5
    assert len(ds.details["skipped_images"]) == 1 and "broken.png" in ds.details["skipped_images"][0]
    assert "1 unreadable image(s) skipped" in ds.source


def test_mixed_sizes_need_image_size(flat):
    _save(flat / "dog" / "big.png", _colour(5, size=(9, 12)))
    with pytest.raises(ValueError, match=r"different sizes: .*is 6x6 .*big\.png is 9x12.*image_size"):
        data.load_image_folder(flat)
    ds = data.load_image_folder(flat, image_size=(4, 5))
    assert ds.x_train.shape == (6, 4, 5, 3)
    assert data.load_image_folder(flat, image_size=8, color_mode="grayscale").x_train.shape == (6, 8, 8, 1)


def test_layout_errors_name_the_place(tmp_path):
    loose = tmp_path / "loose"
    _save(loose / "a.png", _colour(1))
    with pytest.raises(ValueError, match=r"loose has no class folders.*a\.png"):
        data.load_image_folder(loose)
    empty_class = tmp_path / "empty"
    _save(empty_class / "cat" / "a.png", _colour(1))
    (empty_class / "dog").mkdir()
    with pytest.raises(ValueError, match=r"class folder .*empty/dog holds no readable images"):
        data.load_image_folder(empty_class)
    nothing = tmp_path / "nothing"
    nothing.mkdir()
    (nothing / "readme.txt").write_text("x")
    with pytest.raises(ValueError, match="holds no images"):
        data.load_image_folder(nothing)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        data.load_image_folder(tmp_path / "missing")
    mixed = tmp_path / "mixed"
    _save(mixed / "cat" / "a.png", _colour(1))
    _save(mixed / "train" / "dog" / "b.png", _colour(1))
    with pytest.raises(ValueError, match="mixes two layouts"):
        data.load_image_folder(mixed)
    with pytest.raises(ValueError, match="validation_split must be strictly between 0 and 1"):
        data.load_image_folder(empty_class, validation_split=1.5)
    not_archive = tmp_path / "photos.rar"
    not_archive.write_bytes(b"x")
    with pytest.raises(ValueError, match="neither a folder nor"):
        data.load_image_folder(not_archive)


def test_damaged_archive_is_a_clear_error(tmp_path):
    bad = tmp_path / "photos.zip"
    bad.write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(ValueError, match="photos.zip is not a readable zip archive"):
        data.load_image_folder(bad)


def test_class_names_fix_the_order(flat):
    ds = data.load_image_folder(flat, class_names=["dog", "cat", "bird"], seed=None)
    assert ds.class_names == ("dog", "cat", "bird")
    assert ds.y_train.tolist() == [0, 0, 1, 1, 1]
    with pytest.raises(ValueError, match=r"class folders \['cat'\] that are not in class_names"):
        data.load_image_folder(flat, class_names=["dog"])


def test_archive_bytes_equal_folder(tmp_path, flat):
    archive = tmp_path / "photos.tgz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(flat, arcname="photos")
    a, b = data.load_image_folder(flat), data.load_image_folder(archive)
    np.testing.assert_array_equal(a.x_train, b.x_train)
    np.testing.assert_array_equal(a.y_train, b.y_train)


def test_16_bit_pngs_are_scaled_not_clipped(tmp_path):
    # a 16-bit grayscale ramp 0..65535: clipping to 255 saturated 99.6% of its pixels
    ramp = np.linspace(0, 65535, 64 * 64).astype(np.uint16).reshape(64, 64)
    for name in ("cat", "dog"):
        _save(tmp_path / "deep" / name / "ramp.png", ramp)
    assert Image.open(tmp_path / "deep" / "cat" / "ramp.png").mode.startswith("I")
    ds = data.load_image_folder(tmp_path / "deep", color_mode="grayscale")
    pixels = ds.x_train[0, ..., 0].astype(int)
    np.testing.assert_array_equal(pixels, np.round(ramp / 257.0).astype(int))
    assert (pixels == 255).mean() < 0.01


def test_a_decompression_bomb_is_named_and_skippable(flat, monkeypatch):
    _save(flat / "cat" / "huge.png", _colour(7, size=(40, 40)))
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 300)   # 1,600 pixels > 2 x 300: a "bomb"
    with pytest.raises(ValueError, match=r"cat/huge\.png cannot be read as an image "
                                         r"\(DecompressionBombError"):
        data.load_image_folder(flat)
    ds = data.load_image_folder(flat, skip_corrupt=True)
    assert len(ds.x_train) == 5 and "huge.png" in ds.details["skipped_images"][0]


def _encrypt_member(path, name):
    """Set the 'encrypted' flag of ``name`` in a zip (Python cannot write encrypted zips)."""
    blob = bytearray(path.read_bytes())
    encoded = name.encode()
    for signature, flag_offset, name_offset in ((b"PK\x03\x04", 6, 30), (b"PK\x01\x02", 8, 46)):
        start = 0
        while (start := blob.find(signature, start)) != -1:
            if blob[start + name_offset:start + name_offset + len(encoded)] == encoded:
                blob[start + flag_offset] |= 0x01
            start += 4
    path.write_bytes(bytes(blob))


def test_an_encrypted_zip_member_is_named_and_skippable(tmp_path):
    archive = tmp_path / "pets.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for name, value in (("cat/a.png", 10), ("cat/b.png", 11), ("dog/c.png", 200)):
            _save(tmp_path / "src" / name, _colour(value))
            zf.write(tmp_path / "src" / name, name)
    _encrypt_member(archive, "cat/b.png")
    with pytest.raises(ValueError, match=r"pets\.zip/cat/b\.png cannot be read .*encrypted"):
        data.load_image_folder(archive)
    ds = data.load_image_folder(archive, skip_corrupt=True)
    assert len(ds.x_train) == 2 and "cat/b.png" in ds.details["skipped_images"][0]


def test_an_archive_member_too_large_for_memory_is_refused(tmp_path, monkeypatch):
    from course_utils.data import folders

    archive = tmp_path / "pets.tar"
    for name, value in (("cat/a.png", 10), ("dog/c.png", 200)):
        _save(tmp_path / "src" / name, _colour(value, size=(30, 30)))
    with tarfile.open(archive, "w") as tar:
        tar.add(tmp_path / "src", arcname="pets")
    monkeypatch.setattr(folders, "MAX_IMAGE_BYTES", 50)
    with pytest.raises(ValueError, match=r"cat/a\.png cannot be read \(it claims .* bytes, more "
                                         r"than the 50 allowed"):
        data.load_image_folder(archive)
