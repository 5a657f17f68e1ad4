"""Give every cell of the lessons its ``slideshow`` metadata (kept where a cell already has it).

Usage: ``python tools/slide_metadata.py [notebooks/NN_*.ipynb ...]`` (default: every lesson);
``--overwrite`` recomputes every cell's slide type. The rules are those of
:func:`course_utils.slides.assign_slide_types`; edit a cell's type in JupyterLab's property
inspector (or RISE) where a lecture wants it different, and this tool keeps the edit.
"""

import pathlib
import sys

import nbformat

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))
from course_utils.lessons import lesson_paths  # noqa: E402
from course_utils.slides import assign_slide_types  # noqa: E402


def main(argv: list[str]) -> int:
    overwrite = "--overwrite" in argv
    paths = [pathlib.Path(a) for a in argv if not a.startswith("--")] or lesson_paths()
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        counts = assign_slide_types(nb, overwrite=overwrite)
        nbformat.write(nb, path)
        print(f"{path}: " + ", ".join(f"{counts.get(k, 0)} {k}" for k in ("slide", "subslide", "notes", "skip", "-")))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
