"""Per-file manifests: an unpacked copy, or an archive packed by anyone, checked file by file.

A manifest is a gzip'd text file: a header ``# pattern: <glob>`` naming the files the
loader reads (``*/*/*``: every file of a class folder, whatever its extension, since the
image reader takes any image; ``recordings/*.wav``), then one line per file:
``relpath<TAB>size<TAB>digest``, where
``relpath`` is relative to the copy's root (``train/cat/0001.jpg``,
``recordings/0_george_0.wav``) and ``digest`` the first 16 hex digits of the file's SHA-256
(64 bits: far beyond what a flipped bit or a cut file can hit by chance). The course ships
one per copy in ``course_utils/data/manifests/``, made by ``tools/make_manifest.py`` from the
archives whose full SHA-256 ``SOURCES.md`` publishes.

A copy passes when it holds exactly the manifest's files (none missing, none extra among
the files the loader reads), each with its size and digest. Hashing 60,000 files takes
seconds, so after a full check each file's ``(size, mtime, ctime, inode)`` is recorded in a
*stamp* in the Keras cache; later checks re-hash only files whose stamp changed (a file
replaced by another, even with the same size and modification time, gets a new ctime and
inode). ``course data verify --full`` re-hashes everything.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import functools
import gzip
import hashlib
import json
import os
import pathlib
import tarfile
from collections.abc import Iterator

from course_utils.data._records import DatasetCorrupt

MANIFEST_DIR = pathlib.Path(__file__).with_name("manifests")
DIGEST_LENGTH = 16
# A member larger than this is not a file of any course dataset: refuse it before reading.
MAX_MEMBER_BYTES = 64 << 20


def short_digest(data: bytes) -> str:
    """The first 16 hex digits of the SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()[:DIGEST_LENGTH]


def manifest_path(name: str) -> pathlib.Path:
    """A manifest by name (in the package's ``manifests/``) or by path."""
    path = pathlib.Path(name)
    return path if path.is_absolute() else MANIFEST_DIR / name


@dataclasses.dataclass(frozen=True)
class Manifest:
    """A parsed manifest: ``entries`` maps relpath -> (size, digest); ``sha256`` is the file's."""

    entries: dict[str, tuple[int, str]]
    pattern: str
    sha256: str


@functools.lru_cache(maxsize=8)
def _read(path: str, mtime_ns: int) -> Manifest:
    raw = pathlib.Path(path).read_bytes()
    entries, pattern = {}, "*"
    for line in gzip.decompress(raw).decode().splitlines():
        if line.startswith("# pattern: "):
            pattern = line[len("# pattern: "):]
        elif line and not line.startswith("#"):
            relpath, size, digest = line.split("\t")
            entries[relpath] = (int(size), digest)
    return Manifest(entries, pattern, hashlib.sha256(raw).hexdigest())


def read_manifest(name: str) -> Manifest:
    """The manifest ``name`` (in the package's ``manifests/``, or a path)."""
    path = manifest_path(name)
    try:
        return _read(str(path), path.stat().st_mtime_ns)
    except (OSError, ValueError, EOFError) as exc:
        raise DatasetCorrupt(f"the manifest {path} cannot be read ({type(exc).__name__}: {exc}); "
                             "reinstall the course package.") from None


def write_manifest(files: Iterator[tuple[str, bytes]], out: os.PathLike | str, pattern: str,
                   comment: str = "") -> int:
    """Write the manifest of ``(relpath, content)`` pairs to ``out``; return the file count."""
    lines = [f"# pattern: {pattern}"] + ([f"# {comment}"] if comment else [])
    rows = sorted((rel, len(blob), short_digest(blob)) for rel, blob in files
                  if fnmatch.fnmatchcase(rel, pattern))
    lines += [f"{rel}\t{size}\t{digest}" for rel, size, digest in rows]
    pathlib.Path(out).write_bytes(gzip.compress(("\n".join(lines) + "\n").encode(), mtime=0))
    return len(rows)


def member_relpath(name: str, pattern: str) -> str | None:
    """The manifest path of archive member ``name``, or None when the loader ignores it.

    The readers find their files at any depth (``recordings/0_jackson_0.wav`` with or
    without a wrapper folder such as ``free-spoken-digit-dataset-master/``), so the path
    is the member's last components, as many as ``pattern`` has (``recordings/*.wav``: 2;
    ``*/*/*``: 3). Hidden files and macOS's ``__MACOSX`` copies are ignored, as the
    readers ignore them.
    """
    parts = [p for p in name.split("/") if p not in ("", ".")]
    depth = pattern.count("/") + 1
    if len(parts) < depth or any(p.startswith(".") or p == "__MACOSX" for p in parts):
        return None
    relpath = "/".join(parts[-depth:])
    return relpath if fnmatch.fnmatchcase(relpath, pattern) else None


def archive_members(path: pathlib.Path, pattern: str) -> Iterator[tuple[str, bytes]]:
    """``(relpath, content)`` of each file of a tar archive that matches ``pattern``.

    ``relpath`` is :func:`member_relpath`'s (``cifar-10-images/train/cat/0001.png`` ->
    ``train/cat/0001.png``, whatever the wrapper folders). A member over
    :data:`MAX_MEMBER_BYTES` raises :class:`DatasetCorrupt`, and so does a second member
    with the same path (the loader would read both).
    """
    seen: dict[str, str] = {}
    try:
        with tarfile.open(path, "r:*") as tar:
            for member in tar:
                if not member.isfile():
                    continue
                relpath = member_relpath(member.name, pattern)
                if relpath is None:
                    continue
                if relpath in seen:
                    raise DatasetCorrupt(f"{path}: members {seen[relpath]} and {member.name} are "
                                         f"both {relpath}: the archive holds two copies.")
                seen[relpath] = member.name
                if member.size > MAX_MEMBER_BYTES:
                    raise DatasetCorrupt(f"{path}: member {member.name} claims {member.size:,} "
                                         f"bytes (at most {MAX_MEMBER_BYTES:,} expected).")
                yield relpath, tar.extractfile(member).read()
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise DatasetCorrupt(f"{path} is not a readable tar archive ({type(exc).__name__}: "
                             f"{exc}).") from None


def _stamp_path(root: pathlib.Path) -> pathlib.Path:
    from course_utils.data._files import keras_cache_dir

    key = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:16]
    return keras_cache_dir() / "course-cache" / "verified" / f"{key}.json"


def _load_stamp(root: pathlib.Path, manifest_digest: str) -> dict:
    try:
        stamp = json.loads(_stamp_path(root).read_text())
        if stamp.get("manifest") == manifest_digest and stamp.get("root") == str(root.resolve()):
            return stamp
    except (OSError, ValueError, AttributeError):
        pass
    return {}


def _save_stamp(root: pathlib.Path, stamp: dict) -> None:
    path = _stamp_path(root)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".tmp{os.getpid()}")
        tmp.write_text(json.dumps(stamp))
        os.replace(tmp, path)
    except OSError:  # a read-only cache: check in full next time
        pass


def _signature(stat: os.stat_result) -> list[int]:
    return [stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino]


def _mismatch(where: str, relpath: str, expected: tuple[int, str], size: int, digest: str | None,
              how_to_get: str) -> DatasetCorrupt:
    want_size, want_digest = expected
    what = (f"has {size:,} bytes instead of {want_size:,}" if size != want_size
            else f"has sha256 {digest}... instead of {want_digest}...")
    return DatasetCorrupt(f"{where}{relpath} {what}: the file is damaged or not the "
                          f"original. {how_to_get}")


def verify_folder(root: pathlib.Path, manifest: str, how_to_get: str, *,
                  full: bool = False) -> str:
    """Check an unpacked copy against ``manifest``; return the manifest's SHA-256.

    Among the files the manifest's pattern selects (those the loader reads) none may be
    missing or extra. Raises :class:`DatasetCorrupt` naming the first file that is missing,
    extra or different.
    """
    parsed = read_manifest(manifest)
    entries, manifest_digest = parsed.entries, parsed.sha256
    present = {}
    for file in root.rglob("*"):
        relpath = file.relative_to(root).as_posix()
        hidden = any(part.startswith(".") for part in relpath.split("/"))
        if not hidden and fnmatch.fnmatchcase(relpath, parsed.pattern) and file.is_file():
            present[relpath] = file
    missing = sorted(set(entries) - set(present))
    if missing:
        raise DatasetCorrupt(f"{root / missing[0]} is missing ({len(missing):,} file(s) of the "
                             f"copy are): the copy is incomplete. {how_to_get}")
    extra = sorted(set(present) - set(entries))
    if extra:
        raise DatasetCorrupt(f"{root / extra[0]} is not part of the copy ({len(extra):,} extra "
                             f"file(s)) and would be read as data: remove it. {how_to_get}")
    stamp = {} if full else _load_stamp(root, manifest_digest)
    known = stamp.get("files", {})
    checked = {}
    for relpath in sorted(entries):
        signature = _signature(present[relpath].stat())
        if known.get(relpath) != signature:
            blob = present[relpath].read_bytes()
            digest = short_digest(blob)
            if (len(blob), digest) != entries[relpath]:
                raise _mismatch(f"{root}/", relpath, entries[relpath], len(blob), digest,
                                how_to_get)
        checked[relpath] = signature
    if checked != known:
        _save_stamp(root, {"manifest": manifest_digest, "root": str(root.resolve()),
                           "files": checked})
    return manifest_digest


def verify_archive_members(path: pathlib.Path, actual_sha256: str, manifest: str,
                           how_to_get: str) -> None:
    """Accept an archive whose hash is not the course's when its members match ``manifest``.

    The verdict is remembered by the archive's SHA-256 (re-computed at every load), so a
    re-packed archive is scanned once. Raises :class:`DatasetCorrupt` naming the member.
    """
    parsed = read_manifest(manifest)
    entries, manifest_digest = parsed.entries, parsed.sha256
    stamp = _load_stamp(path, manifest_digest)
    if stamp.get("archive_sha256") == actual_sha256:
        return
    seen = set()
    for relpath, blob in archive_members(path, parsed.pattern):
        if relpath not in entries:
            raise DatasetCorrupt(f"{path}: member {relpath} is not part of the copy. {how_to_get}")
        if (len(blob), short_digest(blob)) != entries[relpath]:
            raise _mismatch(f"{path}: member ", relpath, entries[relpath], len(blob),
                            short_digest(blob), how_to_get)
        seen.add(relpath)
    missing = sorted(set(entries) - seen)
    if missing:
        raise DatasetCorrupt(f"{path} lacks {missing[0]} ({len(missing):,} member(s) missing): "
                             f"the archive is incomplete. {how_to_get}")
    _save_stamp(path, {"manifest": manifest_digest, "root": str(path.resolve()),
                       "archive_sha256": actual_sha256})
