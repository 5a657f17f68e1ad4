"""Data you can trust: unpacked copies and re-packed archives checked file by file, every file
re-hashed at every load, and each damage named."""

import os
import pathlib
import shutil
import subprocess
import tarfile

import numpy as np
import pytest

from course_utils import data
from course_utils.data import _manifest

SHARED = pathlib.Path(os.environ.get("COURSE_DATA_DIR") or "/nonexistent")


@pytest.fixture
def unpacked_fsdd(isolated_data) -> pathlib.Path:
    """The real spoken-digit archive, unpacked into the empty data folder (a clone's layout)."""
    archive = SHARED / "free-spoken-digit-dataset.tar.gz"
    if not archive.is_file():
        pytest.skip("needs the spoken-digit archive: set COURSE_DATA_DIR")
    with tarfile.open(archive) as tar:
        tar.extractall(isolated_data, filter="data")
    return isolated_data / "free-spoken-digit-dataset"


def test_the_shipped_manifests_match_the_published_archives():
    for name, pattern, count in [("cifar-10-images.tsv.gz", "*/*/*", 60_000),
                                 ("free-spoken-digit-dataset.tsv.gz", "recordings/*.wav", 3_000)]:
        manifest = _manifest.read_manifest(name)
        assert len(manifest.entries) == count and manifest.pattern == pattern
    cifar = _manifest.read_manifest("cifar-10-images.tsv.gz").entries
    assert sum(rel.startswith("train/cat/") for rel in cifar) == 5_000


def test_unpacked_copy_passes_then_a_cut_file_is_named(unpacked_fsdd):
    ds = data.load("spoken_digits")
    assert "unpacked" in ds.source and len(ds.x_train) + len(ds.x_test) == 3_000
    victim = unpacked_fsdd / "recordings" / "3_jackson_9.wav"
    victim.write_bytes(victim.read_bytes()[:8])
    with pytest.raises(data.DatasetCorrupt, match=r"3_jackson_9\.wav has 8 bytes instead of"):
        data.load("spoken_digits")
    status = {form: s for form, _, s in data.verify("spoken_digits")}["unpacked"]
    assert status.startswith("CORRUPT") and "3_jackson_9.wav" in status


def test_a_file_swapped_with_the_same_size_and_time_is_caught(unpacked_fsdd):
    data.load("spoken_digits")                      # the full check records the stamps
    victim = unpacked_fsdd / "recordings" / "0_george_0.wav"
    stat = victim.stat()
    blob = bytearray(victim.read_bytes())
    blob[-1] ^= 0x01                                # one flipped bit in the last sample
    victim.write_bytes(bytes(blob))
    os.utime(victim, ns=(stat.st_atime_ns, stat.st_mtime_ns))   # same size, same mtime
    assert victim.stat().st_size == stat.st_size
    with pytest.raises(data.DatasetCorrupt, match=r"0_george_0\.wav has sha256 .* instead of"):
        data.load("spoken_digits")


def test_a_renamed_file_and_a_wrong_file_are_named(unpacked_fsdd):
    recordings = unpacked_fsdd / "recordings"
    # one recording renamed: the count stays 3,000, the manifest names the one missing
    (recordings / "9_george_1.wav").rename(recordings / "9_zoe_0.wav")
    with pytest.raises(data.DatasetCorrupt, match=r"9_george_1\.wav is missing"):
        data.load("spoken_digits")
    # another recording under its name: named by its size or digest
    (recordings / "9_zoe_0.wav").unlink()
    shutil.copy(recordings / "9_george_0.wav", recordings / "9_george_1.wav")
    with pytest.raises(data.DatasetCorrupt, match=r"9_george_1\.wav has .* instead of"):
        data.load("spoken_digits")


def test_full_verify_rehashes_what_the_stamps_trust(unpacked_fsdd, monkeypatch):
    data.load("spoken_digits")
    calls = []
    original = _manifest.short_digest
    monkeypatch.setattr(_manifest, "short_digest", lambda b: calls.append(1) or original(b))
    data.verify("spoken_digits")
    assert len(calls) == 0                          # nothing changed since the last check
    data.verify("spoken_digits", full=True)
    assert len(calls) == 3_000


def test_an_archive_packed_by_the_user_is_accepted_by_its_members(unpacked_fsdd, isolated_data):
    # `tar czf` of the same files: another hash than the course's packing, the same members
    archive = isolated_data / "free-spoken-digit-dataset.tar.gz"
    subprocess.run(["tar", "czf", str(archive), "-C", str(isolated_data),
                    "free-spoken-digit-dataset"], check=True)
    shutil.rmtree(unpacked_fsdd)
    ds = data.load("spoken_digits")
    assert str(archive) in ds.source and len(ds.x_train) == 2_700
    # one member cut short: named, with the archive
    root = isolated_data / "repack"
    with tarfile.open(archive) as tar:
        tar.extractall(root, filter="data")
    victim = root / "free-spoken-digit-dataset" / "recordings" / "5_yweweler_3.wav"
    victim.write_bytes(victim.read_bytes()[:100])
    subprocess.run(["tar", "czf", str(archive), "-C", str(root), "free-spoken-digit-dataset"],
                   check=True)
    with pytest.raises(data.DatasetCorrupt,
                       match=r"free-spoken-digit-dataset\.tar\.gz: member recordings/5_yweweler_3"):
        data.load("spoken_digits")


def test_single_files_are_rehashed_at_every_load(isolated_data, tmp_path):
    mnist = SHARED / "mnist.npz"
    if not mnist.is_file():
        pytest.skip("needs real MNIST: set COURSE_DATA_DIR")
    copy = isolated_data / "mnist.npz"
    shutil.copy(mnist, copy)
    first = data.load("mnist")
    # a same-size, same-mtime file with other labels: the old memo of (size, mtime) trusted it
    stat = copy.stat()
    with np.load(copy) as f:
        arrays = {k: f[k] for k in f.files}
    arrays["y_train"] = (arrays["y_train"] + 1) % 10
    forged = tmp_path / "forged.npz"
    np.savez(forged, **arrays)
    blob = forged.read_bytes()
    copy.write_bytes(blob[:stat.st_size].ljust(stat.st_size, b"\0"))
    os.utime(copy, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert copy.stat().st_size == stat.st_size and first.y_train.shape == (60_000,)
    with pytest.raises(data.DatasetCorrupt, match="mnist.npz has sha256"):
        data.load("mnist")


def test_a_member_too_large_for_memory_is_refused(tmp_path, monkeypatch):
    archive = tmp_path / "a.tar"
    with tarfile.open(archive, "w") as tar:
        info = tarfile.TarInfo("top/recordings/0_a_0.wav")
        info.size = 2_000
        import io
        tar.addfile(info, io.BytesIO(b"\0" * 2_000))
    monkeypatch.setattr(_manifest, "MAX_MEMBER_BYTES", 1_000)
    with pytest.raises(data.DatasetCorrupt, match=r"member top/recordings/0_a_0\.wav claims 2,000"):
        list(_manifest.archive_members(archive, "recordings/*.wav"))


def test_member_paths_are_mapped_as_the_readers_find_them():
    relpath = _manifest.member_relpath
    # any wrapper depth, or none: the reader finds recordings/ wherever it is
    for name in ("recordings/0_a_0.wav", "fsdd-master/recordings/0_a_0.wav",
                 "./a/b/recordings/0_a_0.wav"):
        assert relpath(name, "recordings/*.wav") == "recordings/0_a_0.wav"
    assert relpath("cifar-10-images/train/cat/0001.png", "*/*/*") == "train/cat/0001.png"
    assert relpath("train/cat/0001.png", "*/*/*") == "train/cat/0001.png"
    # what the readers skip is skipped: macOS copies, hidden files, other files
    for name in ("__MACOSX/recordings/._0_a_0.wav", "top/recordings/.0_a_0.wav",
                 "top/README.md", "top/acquire_data/say.py"):
        assert relpath(name, "recordings/*.wav") is None


def test_an_archive_without_a_wrapper_folder_is_accepted_and_a_doubled_one_refused(
        unpacked_fsdd, isolated_data):
    archive = isolated_data / "free-spoken-digit-dataset.tar.gz"
    subprocess.run(["tar", "czf", str(archive), "-C", str(unpacked_fsdd), "recordings"],
                   check=True)
    shutil.move(unpacked_fsdd, isolated_data / "elsewhere")
    assert len(data.load("spoken_digits").x_train) == 2_700
    # the same recordings twice, at two depths: the reader would read 6,000 recordings
    # (--hard-dereference: stored as files, not as links to the first copy, which no reader reads)
    subprocess.run(["tar", "czf", str(archive), "--hard-dereference",
                    "-C", str(isolated_data / "elsewhere"), "recordings",
                    "-C", str(isolated_data), "elsewhere/recordings"], check=True)
    with pytest.raises(data.DatasetCorrupt, match=r"both recordings/\S+\.wav: the archive holds two"):
        data.load("spoken_digits")
