"""Sandboxed grading (course_utils.grading.sandbox, worker, codec, nbgrader_sandbox).

The student's code runs in a bubblewrap sandbox; the grader's checks run here, on plain
data. These tests attack the boundary directly; tests/test_assignments.py grades whole
submissions through nbgrader. Without bubblewrap the sandbox tests are skipped, unless
COURSE_REQUIRE_SANDBOX=1 (CI) makes that a failure.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np
import pytest

from course_utils.grading import codec
from course_utils.grading.sandbox import (Sandbox, SandboxError, StudentCodeError,
                                          isolation_available)

REPO = Path(__file__).resolve().parents[1]


def _roundtrip(value, handle=None):
    encoder = codec.Encoder(handle=handle)
    data = encoder.encode(value)
    return codec.Decoder(encoder.blobs).decode(data)


# --------------------------------------------------------------------------- codec
def test_codec_carries_plain_data_exactly():
    rng = np.random.default_rng(3)
    rng.random(5)
    value = {"a": np.arange(6.0).reshape(2, 3), 3: (1, 2.5, "x", None, True),
             "s": {1, 2}, "scalar": np.float32(1.5), "big": 2**70, "rng": rng}
    back = _roundtrip(value)
    np.testing.assert_array_equal(back["a"], value["a"])
    assert back[3] == (1, 2.5, "x", None, True) and back["s"] == {1, 2}
    assert back["scalar"] == np.float32(1.5) and type(back["scalar"]) is np.float32
    assert back["big"] == 2**70
    assert back["rng"].random() == rng.random()        # the same state, the same draws


def test_codec_refuses_objects_and_pickles():
    class Anything:
        pass

    with pytest.raises(codec.CodecError, match="Anything cannot be sent"):
        codec.Encoder().encode(Anything())
    buffer = io.BytesIO()
    np.save(buffer, np.array([{"os": "system"}], dtype=object), allow_pickle=True)  # a pickle
    with pytest.raises(ValueError, match="allow_pickle"):
        codec.Decoder([buffer.getvalue()]).decode({"__nd__": 0})
    with pytest.raises(codec.CodecError, match="unknown random bit generator"):
        codec.Decoder([]).decode({"__rng__": "os.system", "state": None})


# --------------------------------------------------------------------------- sandbox
needs_bwrap = pytest.mark.skipif(
    not isolation_available() and os.environ.get("COURSE_REQUIRE_SANDBOX") != "1",
    reason="bubblewrap (apt-get install bubblewrap) is needed to build the sandbox")


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    box = Sandbox(tmp_path_factory.mktemp("sandbox"), timeout=20,
                  preload=["numpy", "matplotlib.pyplot", "keras"],
                  references=["course_utils.scratch.conv2d_backward"],
                  hide=[str(REPO / "assignments")])
    yield box
    box.close()


@needs_bwrap
def test_student_function_runs_in_the_sandbox_on_plain_data(sandbox):
    sandbox.run("import numpy as np\n"
                "def double(x):\n    return 2 * x, x.dtype.name\n"
                "class Net:\n"
                "    def __init__(self):\n        self.params = {'w': np.ones(2)}\n"
                "    def total(self):\n        return float(self.params['w'].sum())\n")
    namespace = {}
    sandbox.bind(namespace, ["double", "Net", "np"])
    assert "np" not in namespace, "modules stay the grader's own"
    doubled, dtype = namespace["double"](np.arange(3))
    np.testing.assert_array_equal(doubled, [0, 2, 4])
    assert dtype == "int64"
    net = namespace["Net"]()
    net.params["w"] = np.full(2, 5.0)                   # a dict attribute changes in place
    assert net.total() == 10.0 and sorted(net.params) == ["w"]


@needs_bwrap
def test_the_heavy_libraries_are_imported_before_any_time_limit(sandbox):
    sandbox.run("import sys\n"
                "preloaded = sorted(m for m in ('numpy', 'matplotlib.pyplot', 'keras')\n"
                "                   if m in sys.modules)\n")
    assert sandbox.fetch("preloaded") == ["keras", "matplotlib.pyplot", "numpy"]


@needs_bwrap
def test_the_sandbox_sees_no_course_no_checkout_and_no_network(sandbox):
    sandbox.run(
        "import os, socket, pathlib\n"
        "def probe(paths):\n"
        "    seen = {p: os.path.exists(p) for p in paths}\n"
        "    try:\n"
        "        socket.create_connection(('1.1.1.1', 53), timeout=2)\n"
        "        seen['network'] = True\n"
        "    except OSError:\n"
        "        seen['network'] = False\n"
        "    return seen\n")
    namespace = {}
    sandbox.bind(namespace, ["probe"])
    outside = Path(os.path.expanduser("~")) / ".course-sandbox-probe"
    outside.write_text("private")
    try:
        seen = namespace["probe"]([str(REPO / "assignments" / "nbgrader_config.py"),
                                   str(REPO / "tests" / "assignment_answers"),
                                   str(outside), str(REPO / "course_utils" / "__init__.py")])
    finally:
        outside.unlink()
    assert seen == {str(REPO / "assignments" / "nbgrader_config.py"): False,
                    str(REPO / "tests" / "assignment_answers"): False,
                    str(outside): False,
                    str(REPO / "course_utils" / "__init__.py"): True,   # the package itself
                    "network": False}


@needs_bwrap
def test_replacing_the_graders_in_the_sandbox_changes_nothing_here(sandbox):
    from course_utils import grading

    sandbox.run("from course_utils import grading\n"
                "grading.check_value = lambda *a, **k: None\n"
                "grading.Checker.earned = property(lambda self: self.possible)\n"
                "def answer():\n    return 3\n")
    namespace = {}
    sandbox.bind(namespace, ["answer", "grading"])
    assert namespace.get("grading") is None          # the grader's own name is never replaced
    score = grading.Checker(verbose=False)
    with score.part(1):
        grading.check_value(namespace["answer"](), 4)
    assert score.earned == 0


@needs_bwrap
def test_references_are_unavailable_and_callbacks_last_one_call(sandbox):
    sandbox.run("from course_utils.scratch import conv2d_backward\n"
                "from course_utils import scratch\n"
                "def use_reference():\n    return scratch.conv2d_backward(None, None, None)\n"
                "kept = []\n"
                "def apply(f, x):\n    kept.append(f)\n    return f(x)\n"
                "def apply_later(x):\n    return kept[0](x)\n")
    namespace = {}
    sandbox.bind(namespace, ["use_reference", "apply", "apply_later"])
    with pytest.raises(StudentCodeError, match="ReferenceUnavailable"):
        namespace["use_reference"]()
    assert namespace["apply"](lambda v: float(np.sum(v)), np.ones(3)) == 3.0
    with pytest.raises(StudentCodeError, match="for one call only"):
        namespace["apply_later"](np.ones(3))


@needs_bwrap
def test_symbolic_blocks_come_back_as_the_grader_s_layers(sandbox):
    import keras

    sandbox.run("import keras\n"
                "def block(x, filters, *, name):\n"
                "    y = keras.layers.Conv2D(filters, 3, padding='same', name=name + '_conv')(x)\n"
                "    return keras.layers.Add(name=name + '_add')([x, y])\n")
    namespace = {}
    sandbox.bind(namespace, ["block"])
    inputs = keras.Input((8, 8, 4))
    model = keras.Model(inputs, namespace["block"](inputs, 4, name="blk"))
    assert [layer.name for layer in model.layers[1:]] == ["blk_conv", "blk_add"]
    assert model.count_params() == 3 * 3 * 4 * 4 + 4


@needs_bwrap
def test_one_broken_cell_costs_only_itself(tmp_path):
    box = Sandbox(tmp_path, timeout=3)
    try:
        box.run("def good():\n    return 1\n")
        with pytest.raises(StudentCodeError, match="CellTimeout"):
            box.run("def looped():\n    return 2\nwhile True:\n    pass\n")
        with pytest.raises(SandboxError, match="even after the time limit"):
            box.run("while True:\n    try:\n        while True:\n            pass\n"
                    "    except BaseException:\n        pass\n")
        with pytest.raises(SandboxError, match="process ended"):
            box.run("import os\nos._exit(3)\n")
        box.run("import numpy as np\ndef hoard():\n"
                "    return [np.empty(10**8) for _ in range(1000)]\n")
        namespace = {}
        box.bind(namespace, ["good", "looped", "hoard"])
        with pytest.raises(StudentCodeError, match="MemoryError|Unable to allocate"):
            namespace["hoard"]()
        # a fresh worker replayed the cells that finished: both functions exist
        assert namespace["good"]() == 1 and namespace["looped"]() == 2
    finally:
        box.close()


def test_grading_refuses_to_run_without_isolation(monkeypatch):
    from course_utils.grading import nbgrader_sandbox

    monkeypatch.setattr(nbgrader_sandbox, "isolation_available", lambda: False)
    with pytest.raises(RuntimeError, match="bubblewrap.*allow_unisolated"):
        nbgrader_sandbox.SandboxedExecute().preprocess(None, {})


def test_an_import_cut_short_does_not_break_the_next_one(tmp_path, monkeypatch):
    """A time limit inside a package's import leaves its submodules behind; without the
    worker's clean-up the next import re-runs __init__ against them and fails (as SciPy's
    scipy.ndimage did in the A1 attacker's replay)."""
    import importlib
    import sys

    from course_utils.grading.worker import _forget_broken_imports, _orphans

    package = tmp_path / "cut_short_pkg"
    package.mkdir()
    (package / "_api.py").write_text("VALUE = 7\n")
    # SciPy's pattern: a submodule imports a sibling, which binds it in the package's
    # namespace as a side effect that a cached import does not repeat
    (package / "_inner.py").write_text("from . import _api\nVALUE = _api.VALUE\n__all__ = ['VALUE']\n")
    (package / "__init__.py").write_text(
        "from ._inner import *\nimport os\n"
        "if os.environ.get('CUT_SHORT'):\n    raise TimeoutError('the time limit ran out')\n"
        "del _api\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        monkeypatch.setenv("CUT_SHORT", "1")
        with pytest.raises(TimeoutError):
            importlib.import_module("cut_short_pkg")
        monkeypatch.delenv("CUT_SHORT")
        assert "cut_short_pkg._api" in sys.modules and "cut_short_pkg" not in sys.modules
        with pytest.raises(NameError, match="_api"):     # the failure the clean-up prevents
            importlib.import_module("cut_short_pkg")
        for name in [n for n in sys.modules if n.startswith("cut_short_pkg")]:
            sys.modules.pop(name)
        before = _orphans()
        monkeypatch.setenv("CUT_SHORT", "1")
        with pytest.raises(TimeoutError):
            importlib.import_module("cut_short_pkg")
        monkeypatch.delenv("CUT_SHORT")
        sys.modules["unrelated_ext.status"] = sys.modules["os"]     # an orphan from before stays
        _forget_broken_imports(before | {"unrelated_ext.status"})
        assert sys.modules.pop("unrelated_ext.status") is sys.modules["os"]
        assert "cut_short_pkg._api" not in sys.modules
        assert importlib.import_module("cut_short_pkg").VALUE == 7
    finally:
        for name in [n for n in sys.modules if n.startswith("cut_short_pkg")]:
            sys.modules.pop(name)


def test_the_time_limit_waits_for_an_import_to_finish(tmp_path, monkeypatch):
    """A time limit that runs out inside an import is signalled once the import is done, so
    the package is never left half-initialised (matplotlib's duplicate classes then raised
    KeyError 'PolyCollection:kwdoc' on every later import in a CI run)."""
    import importlib
    import sys
    import time

    from course_utils.grading.worker import CellTimeout, _deadline

    (tmp_path / "slow_to_import.py").write_text(
        "import time\nstart = time.monotonic()\n"
        "while time.monotonic() - start < 1.0:\n    pass\nFINISHED = True\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    start = time.monotonic()
    try:
        with pytest.raises(CellTimeout):
            with _deadline(0.2):
                importlib.import_module("slow_to_import")
                while True:           # the student's endless loop after the import
                    pass
        assert sys.modules["slow_to_import"].FINISHED
        assert 1.0 <= time.monotonic() - start < 5
    finally:
        sys.modules.pop("slow_to_import", None)


def test_the_instructor_imports_that_run_are_the_ones_preloaded():
    from course_utils.grading.nbgrader_sandbox import imported_modules

    source = ("import os, numpy as np\nif True:\n    import keras\n"
              "from course_utils.scratch import conv2d\nfrom . import sibling\n"
              "def check():\n    import jax\n%matplotlib inline\n")
    assert imported_modules(source) == {"os", "numpy", "keras", "course_utils.scratch"}


@needs_bwrap
def test_a_preload_that_fails_leaves_the_error_to_the_cell_that_imports_it(tmp_path):
    box = Sandbox(tmp_path, timeout=20, preload=["numpy", "no_such_module_here", "json.no_such"])
    try:
        box.run("import numpy\nvalue = int(numpy.arange(4).sum())\n")
        assert box.fetch("value") == 6
        with pytest.raises(StudentCodeError, match="no_such_module_here"):
            box.run("import no_such_module_here\n")
    finally:
        box.close()
