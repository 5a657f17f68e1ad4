"""The Free Spoken Digit Dataset: the real archive, small archives and folders the tests write."""

import dataclasses
import io
import pathlib
import tarfile
import wave

import numpy as np
import pytest

from course_utils import data
from course_utils.data import _files, _manifest

FSDD_SHA256 = "642b65f18364fa829a8893468524b94f7442aaff418bfcfc46a0adf8700e0407"


@pytest.fixture
def real_fsdd() -> pathlib.Path:
    import os

    folder = pathlib.Path(os.environ.get("COURSE_DATA_DIR", "/nonexistent"))
    if not (folder / "free-spoken-digit-dataset.tar.gz").is_file():
        pytest.skip("needs COURSE_DATA_DIR with free-spoken-digit-dataset.tar.gz")
    return folder


def test_real_archive_official_split(real_fsdd):
    ds = data.load("spoken_digits")
    assert ds.x_train.shape == (2700, 8000, 1) and ds.x_train.dtype == np.int16
    assert ds.x_test.shape == (300, 8000, 1)
    assert np.bincount(ds.y_train).tolist() == [270] * 10
    assert np.bincount(ds.y_test).tolist() == [30] * 10
    assert ds.details["speaker_names"] == ("george", "jackson", "lucas", "nicolas", "theo", "yweweler")
    assert np.bincount(ds.details["speakers_test"]).tolist() == [50] * 6   # 10 digits x indices 0-4
    assert ds.details["sample_rate"] == 8000
    assert ds.details["lengths_train"].max() == 18262 and ds.details["cut"] == 20
    # padded with zeros after the recording's end, never before
    short = int(np.argmin(ds.details["lengths_test"]))
    assert not ds.x_test[short, ds.details["lengths_test"][short]:].any()
    assert ds.x_test[short, :ds.details["lengths_test"][short]].any()
    assert [s for f, _, s in data.verify("spoken_digits") if f == "packed"][0].startswith("ok: ")
    assert "official split" in ds.source


def test_real_archive_hash_is_the_published_one(real_fsdd):
    assert _files.sha256_of(real_fsdd / "free-spoken-digit-dataset.tar.gz") == FSDD_SHA256
    assert _files.FORMS["spoken_digits"][0].items[0].sha256 == FSDD_SHA256


def _wav_bytes(samples, rate=8000, channels=1, width=2):
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(width)
        w.setframerate(rate)
        w.writeframes(np.asarray(samples, dtype="<i2").tobytes())
    return buffer.getvalue()


RECORDINGS = {f"{d}_{s}_{i}.wav": np.full(3 + d, 100 * d + i + 1, dtype=np.int16)
              for d in (3, 7) for s in ("ann", "bob") for i in (0, 5, 6)}


def _write_archive(path, recordings=RECORDINGS, **wav):
    with tarfile.open(path, "w:gz") as tar:
        for name, samples in sorted(recordings.items()):
            payload = _wav_bytes(samples, **wav)
            info = tarfile.TarInfo(f"free-spoken-digit-dataset/recordings/{name}")
            info.size = len(payload)
            tar.addfile(info, io.BytesIO(payload))
        readme = b"not a recording"
        info = tarfile.TarInfo("free-spoken-digit-dataset/README.md")
        info.size = len(readme)
        tar.addfile(info, io.BytesIO(readme))


def _register_archive(monkeypatch, path):
    forms = list(_files.FORMS["spoken_digits"])
    (remote,) = forms[0].items
    fake = dataclasses.replace(remote, sha256=_files.sha256_of(path), size=path.stat().st_size)
    forms[0] = dataclasses.replace(forms[0], items=(fake,))
    monkeypatch.setitem(_files.FORMS, "spoken_digits", tuple(forms))


def test_small_archive_split_padding_and_cut(isolated_data, monkeypatch):
    path = isolated_data / "free-spoken-digit-dataset.tar.gz"
    _write_archive(path)
    _register_archive(monkeypatch, path)
    ds = data.load("spoken_digits", length=8)
    assert ds.x_train.shape == (8, 8, 1) and ds.x_test.shape == (4, 8, 1)   # indices 5, 6 / 0
    assert sorted(ds.y_test.tolist()) == [3, 3, 7, 7]
    # digit 3: 6 samples, zero-padded to 8; digit 7: 10 samples, cut to 8
    for x, y in zip(ds.x_test[..., 0], ds.y_test):
        expected = np.zeros(8, np.int16)
        expected[:min(8, 3 + y)] = 100 * y + 1
        np.testing.assert_array_equal(x, expected)
    assert ds.details["cut"] == 6 and ds.details["speaker_names"] == ("ann", "bob")
    assert sorted(ds.details["lengths_train"].tolist()) == [6] * 4 + [10] * 4


def test_wrong_sample_rate_and_stereo_are_refused(isolated_data, monkeypatch):
    path = isolated_data / "free-spoken-digit-dataset.tar.gz"
    _write_archive(path, rate=16000)
    _register_archive(monkeypatch, path)
    with pytest.raises(data.DatasetCorrupt, match="16000 Hz, expected 8000"):
        data.load("spoken_digits")
    _write_archive(path, channels=2)
    _register_archive(monkeypatch, path)
    with pytest.raises(ValueError, match="expected mono 16-bit PCM, got 2 channel"):
        data.load("spoken_digits")


def test_tampered_archive_is_rejected(real_fsdd, isolated_data):
    path = isolated_data / "free-spoken-digit-dataset.tar.gz"
    raw = bytearray((real_fsdd / "free-spoken-digit-dataset.tar.gz").read_bytes())
    raw[1000] ^= 0xFF
    path.write_bytes(bytes(raw))
    # not the course's hash, so its members are checked against the manifest: gzip's CRC or
    # the first member that differs fails, and the message names the archive
    with pytest.raises(data.DatasetCorrupt, match=str(path)):
        data.load("spoken_digits")


def test_missing_names_the_repository_and_places(isolated_data):
    with pytest.raises(data.DatasetUnavailable) as info:
        data.load("spoken_digits")
    message = str(info.value)
    assert "github.com/Jakobovski/free-spoken-digit-dataset" in message
    assert "free-spoken-digit-dataset.tar.gz (15.6 MB" in message and FSDD_SHA256 in message
    assert "git clone https://github.com/Jakobovski/free-spoken-digit-dataset.git" in message
    assert str(isolated_data) in message


def test_unpacked_clone_is_read_and_counted(isolated_data, monkeypatch):
    folder = isolated_data / "free-spoken-digit-dataset" / "recordings"
    folder.mkdir(parents=True)
    for name, samples in RECORDINGS.items():
        (folder / name).write_bytes(_wav_bytes(samples))
    (folder.parent / "README.md").write_text("a clone")
    with pytest.raises(data.DatasetCorrupt, match="holds 12 files recordings/\\*.wav but should hold 3,000"):
        data.load("spoken_digits")
    manifest = isolated_data.parent / "small-fsdd.tsv.gz"
    _manifest.write_manifest(((f"recordings/{f.name}", f.read_bytes()) for f in folder.iterdir()),
                             manifest, "recordings/*.wav")
    forms = list(_files.FORMS["spoken_digits"])
    (copy,) = forms[1].items
    forms[1] = dataclasses.replace(forms[1], items=(dataclasses.replace(
        copy, count=12, manifest=str(manifest)),))
    monkeypatch.setitem(_files.FORMS, "spoken_digits", tuple(forms))
    ds = data.load("spoken_digits", length=4)
    assert ds.x_train.shape == (8, 4, 1) and ds.x_test.shape == (4, 4, 1)
    assert "unpacked" in ds.source
    np.testing.assert_array_equal(np.sort(ds.x_test[:, 0, 0]), [301, 301, 701, 701])


def test_bad_length():
    with pytest.raises(ValueError, match="length must be a positive number of samples, got 0"):
        data.load("spoken_digits", length=0)
