"""Lecture slides from the lessons, offline: a reveal.js deck built by nbconvert.

Each lesson's cells carry ``slideshow`` metadata (``slide``, ``subslide``, ``fragment``,
``skip``, ``notes``; see :func:`assign_slide_types`), so a deck is a lecture, not the whole
notebook. :func:`build_slides` runs nbconvert's ``SlidesExporter`` with every asset taken from
installed packages and copied next to the deck (``build/slides/assets/``): reveal.js from the
``sphinx-revealjs`` wheel, require.js, jQuery and MathJax 2 from the ``nbclassic`` wheel. The
HTML loads nothing from the network; a widget's state is not embedded (the deck shows the
static figure each widget draws without a front end).

``course slides LESSON [--execute]`` writes ``build/slides/NN_name.slides.html``; with
``--execute`` the code cells show the outputs of a run (in the active profile, ``fast`` by
default for slides).
"""

from __future__ import annotations

import dataclasses
import os
import pathlib
import re
import shutil

__all__ = ["build_slides", "assign_slide_types", "asset_sources", "remote_assets", "SlideDeck", "SLIDE_TYPES"]

SLIDE_TYPES = ("slide", "subslide", "fragment", "skip", "notes", "-")
TEMPLATES = pathlib.Path(__file__).parent / "templates"
_REMOTE = re.compile(r"""(?:<(?:script|link|img)[^>]+(?:src|href)\s*=\s*["']|\bfrom\s+["']|\bimport\s*\(\s*["']|"""
                     r"""url\(\s*["']?|require\(\s*\[?\s*["'])(https?://[^"')\s]+)""")


def remote_assets(html: str) -> list[str]:
    """URLs that the page would *load* (scripts, stylesheets, images, imports), not mere links."""
    return _REMOTE.findall(html)


def asset_sources() -> dict[str, pathlib.Path]:
    """Where the deck's JavaScript comes from: installed wheels, never a CDN."""
    missing = []
    try:
        import sphinx_revealjs
    except ImportError:
        missing.append("sphinx-revealjs (reveal.js)")
    try:
        import nbclassic
    except ImportError:
        missing.append("nbclassic (require.js, jQuery, MathJax 2)")
    if missing:
        raise ImportError(f"the offline slide assets need {' and '.join(missing)}: "
                          f"pip install sphinx-revealjs nbclassic (both are in environment.yml).")
    reveal = pathlib.Path(sphinx_revealjs.__file__).parent / "_static" / "revealjs"
    components = pathlib.Path(nbclassic.__file__).parent / "static" / "components"
    return {"reveal.js": reveal, "require.js": components / "requirejs" / "require.js",
            "jquery.min.js": components / "jquery" / "jquery.min.js", "MathJax": components / "MathJax"}


def _copy_assets(assets_dir: pathlib.Path) -> None:
    for name, source in asset_sources().items():
        target = assets_dir / name
        if target.exists():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target)
        else:
            shutil.copy2(source, target)


# ----------------------------------------------------------------------------- metadata
_SETUP = re.compile(r"^(import |from \S+ import |config\.set_seed|PROFILE = )", re.MULTILINE)


def _slide_type(cell, index: int, previous_cell) -> str:
    source = cell.source.lstrip()
    tags = cell.metadata.get("tags", [])
    if cell.cell_type == "markdown":
        if index == 0 or source.startswith("# ") or source.startswith("## "):
            return "slide"
        if source.startswith("### "):
            return "subslide"
        lines = [line for line in source.splitlines() if line.strip()]
        if len(lines) > 8:
            # long prose reading a result is what the lecturer says: speaker notes;
            # a long explanation before code is a subslide of its own
            return "notes" if previous_cell is not None and previous_cell.cell_type == "code" else "subslide"
        return "-"
    if index <= 2 and _SETUP.search(source) and len(source.splitlines()) <= 12:
        return "skip"                       # the imports and seeds of the setup cell
    if "results" in tags:
        return "subslide"
    return "-"


def assign_slide_types(nb, *, overwrite: bool = False) -> dict[str, int]:
    """Give every cell of ``nb`` a ``slideshow.slide_type`` (kept if present, unless ``overwrite``).

    Rules: the title and each ``#``/``##`` heading start a slide, ``###`` headings a subslide;
    a long markdown cell (more than 8 lines) after a code cell becomes speaker notes (the
    reading of a result), before code a subslide (a derivation); the setup cell (imports,
    seeds) is skipped; the results cell is a subslide; everything else follows on the current
    slide. Returns the count of each type.
    """
    counts: dict[str, int] = {}
    previous = None
    for index, cell in enumerate(nb.cells):
        show = cell.metadata.get("slideshow", {})
        kind = show.get("slide_type") if show and not overwrite else None
        if kind not in SLIDE_TYPES:
            kind = _slide_type(cell, index, previous)
            cell.metadata["slideshow"] = {"slide_type": kind}
        counts[kind] = counts.get(kind, 0) + 1
        previous = cell
    return counts


# ----------------------------------------------------------------------------- building
@dataclasses.dataclass
class SlideDeck:
    """A built deck: its HTML file, the number of slides and whether it was executed."""

    path: pathlib.Path
    slides: int
    executed: bool


def build_slides(lesson: str | os.PathLike, out_dir: str | os.PathLike = "build/slides", *,
                 execute: bool = False, profile: str | None = None, theme: str = "white") -> SlideDeck:
    """Build the reveal.js deck of ``lesson`` (a number, a name or a path) into ``out_dir``.

    Parameters
    ----------
    execute : bool, default=False
        Run the notebook first (``profile``, default ``fast``) so the slides show outputs.
    """
    import nbformat
    from nbconvert import SlidesExporter

    from course_utils import lessons

    source = lessons.find_lesson(str(lesson))
    out_dir = pathlib.Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    if execute:
        previous = os.environ.get("COURSE_PROFILE")
        os.environ["COURSE_PROFILE"] = profile or previous or "fast"
        try:
            executed = out_dir / "executed" / source.name
            nb = lessons.execute_notebook(source, executed, progress=False)
        finally:
            if previous is None:
                os.environ.pop("COURSE_PROFILE", None)
            else:
                os.environ["COURSE_PROFILE"] = previous
    else:
        nb = nbformat.read(source, as_version=4)
    assign_slide_types(nb)
    nb.metadata.pop("widgets", None)           # no widget state: it would load a CDN manager
    _copy_assets(out_dir / "assets")
    exporter = SlidesExporter(reveal_url_prefix="assets/reveal.js", reveal_theme=theme,
                              reveal_scroll=True, exclude_input_prompt=True, exclude_output_prompt=True,
                              extra_template_paths=[str(TEMPLATES)], template_file="course_reveal.html.j2")
    exporter.require_js_url = "assets/require.js"
    exporter.jquery_url = "assets/jquery.min.js"
    exporter.mathjax_url = "assets/MathJax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full"
    exporter.widget_renderer_url = ""
    html, _ = exporter.from_notebook_node(nb)
    remote = remote_assets(html)
    if remote:
        raise RuntimeError(f"the deck of {source.name} would load {remote[:3]} from the network.")
    path = out_dir / f"{source.stem}.slides.html"
    path.write_text(html, encoding="utf-8")
    slides = sum(1 for c in nb.cells if c.metadata.get("slideshow", {}).get("slide_type") == "slide")
    return SlideDeck(path, slides, execute)
