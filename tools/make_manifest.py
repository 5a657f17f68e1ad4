"""Write the per-file manifest of a dataset copy (``course_utils/data/manifests/``).

    python tools/make_manifest.py ../shared/datasets/cifar-10-images.tar.gz "*/*/*"
    python tools/make_manifest.py ../shared/datasets/free-spoken-digit-dataset.tar.gz "recordings/*.wav"

The source is the archive whose full SHA-256 the dataset's ``SOURCES.md`` publishes (or an
unpacked folder); the manifest is written beside the package's others, named after the
archive (``cifar-10-images.tsv.gz``). See ``course_utils/data/_manifest.py``.
"""

from __future__ import annotations

import pathlib
import sys

from course_utils.data import _files, _manifest


def main(source: str, pattern: str) -> None:
    path = pathlib.Path(source)
    name = path.name.removesuffix(".tar.gz")
    if path.is_dir():
        files = ((f.relative_to(path).as_posix(), f.read_bytes())
                 for f in sorted(path.rglob("*")) if f.is_file())
        origin = f"the folder {name}"
    else:
        files = _manifest.archive_members(path, pattern)
        origin = f"{path.name}, sha256 {_files.sha256_of(path)}"
    out = _manifest.MANIFEST_DIR / f"{name}.tsv.gz"
    count = _manifest.write_manifest(files, out, pattern, comment=f"made from {origin}")
    print(f"{out}: {count:,} files")


if __name__ == "__main__":
    main(*sys.argv[1:])
