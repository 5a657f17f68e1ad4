"""Slides built offline (course_utils.slides): no network asset, one slide per slide cell."""

import html.parser
import json
import re

import nbformat
import pytest

from course_utils import lessons, slides


class _Sections(html.parser.HTMLParser):
    """Counts the top-level <section> elements inside reveal.js's <div class="slides">."""

    def __init__(self):
        super().__init__()
        self.depth, self.in_slides, self.div_depth, self.top_level = 0, False, 0, 0

    def handle_starttag(self, tag, attrs):
        if tag == "div":
            if self.in_slides:
                self.div_depth += 1
            elif "slides" in (dict(attrs).get("class") or "").split():
                self.in_slides, self.div_depth = True, 1
        if tag == "section" and self.in_slides:
            if self.depth == 0:
                self.top_level += 1
            self.depth += 1

    def handle_endtag(self, tag):
        if tag == "section" and self.in_slides:
            self.depth -= 1
        if tag == "div" and self.in_slides:
            self.div_depth -= 1
            self.in_slides = self.div_depth > 0


@pytest.fixture(scope="module")
def deck(tmp_path_factory):
    return slides.build_slides("02", tmp_path_factory.mktemp("slides"))


def test_deck_loads_nothing_from_the_network(deck):
    text = deck.path.read_text()
    assert slides.remote_assets(text) == []
    for local in ("assets/reveal.js/dist/reveal.js", "assets/require.js", "assets/jquery.min.js",
                  "assets/MathJax/MathJax.js"):
        assert local in text and (deck.path.parent / local).is_file(), local
    # the check itself catches what nbconvert's default template would load
    assert slides.remote_assets('<script src="https://unpkg.com/reveal.js@4.0.2/dist/reveal.js"></script>'
                                "<script type=module>import m from 'https://cdnjs.cloudflare.com/m.mjs';</script>"
                                '<link rel="stylesheet" href="http://x.org/a.css">') == [
        "https://unpkg.com/reveal.js@4.0.2/dist/reveal.js", "https://cdnjs.cloudflare.com/m.mjs", "http://x.org/a.css"]


def test_one_slide_per_slide_cell(deck):
    nb = nbformat.read(lessons.find_lesson("02"), as_version=4)
    slide_cells = sum(1 for c in nb.cells if c.metadata.get("slideshow", {}).get("slide_type") == "slide")
    parser = _Sections()
    parser.feed(deck.path.read_text())
    assert parser.top_level == deck.slides == slide_cells >= 5


def test_every_lesson_carries_slide_metadata():
    for path in lessons.lesson_paths():
        cells = nbformat.read(path, as_version=4).cells
        kinds = [c.metadata.get("slideshow", {}).get("slide_type") for c in cells]
        assert None not in kinds, f"{path.name}: run python tools/slide_metadata.py"
        assert kinds[0] == "slide" and kinds.count("slide") >= 3, path.name


def test_assign_slide_types_rules():
    nb = nbformat.v4.new_notebook()
    prose = "\n".join(f"line {i}" for i in range(10))
    nb.cells = [nbformat.v4.new_markdown_cell("# Title"), nbformat.v4.new_code_cell("import numpy as np"),
                nbformat.v4.new_markdown_cell("## 1. A section"), nbformat.v4.new_code_cell("x = 1"),
                nbformat.v4.new_markdown_cell(prose), nbformat.v4.new_markdown_cell("### Exercise 1"),
                nbformat.v4.new_markdown_cell(prose), nbformat.v4.new_code_cell("y = 2"),
                nbformat.v4.new_code_cell("print(1)", metadata={"tags": ["results"]})]
    nb.cells[3].metadata["slideshow"] = {"slide_type": "fragment"}          # an edit is kept
    counts = slides.assign_slide_types(nb)
    kinds = [c.metadata["slideshow"]["slide_type"] for c in nb.cells]
    assert kinds == ["slide", "skip", "slide", "fragment", "notes", "subslide", "subslide", "-", "subslide"]
    assert counts == {"slide": 2, "skip": 1, "fragment": 1, "notes": 1, "subslide": 3, "-": 1}
    json.dumps(nb)                                                       # still a valid notebook


def test_execute_shows_the_outputs_of_a_run(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_PROFILE", "fast")
    outputs = re.compile(r"<div class=\"[^\"]*jp-OutputArea-output")
    deck = slides.build_slides("04", tmp_path, execute=True)
    text = deck.path.read_text()
    assert deck.executed and slides.remote_assets(text) == []
    plain = slides.build_slides("04", tmp_path / "plain")          # only the outputs nbval pins
    assert len(outputs.findall(text)) > len(outputs.findall(plain.path.read_text()))
