"""The ``course`` command: ``doctor``, ``data list|verify|path`` and ``run LESSON``."""

from __future__ import annotations

import argparse
import os
import pathlib
import sys
import time

REPO_ROOT = pathlib.Path(__file__).resolve().parent.parent
NOTEBOOK_DIR_ENV = "COURSE_NOTEBOOK_DIR"


def _quiet_tensorflow() -> None:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")


# ---------------------------------------------------------------- doctor
def _doctor_checks() -> list[tuple[str, bool, str]]:
    """(what, ok, advice) for each thing the course needs."""
    checks = []
    try:
        import keras
        from keras import ops

        value = float(ops.convert_to_numpy(ops.sum(ops.ones((2, 2)))))
        checks.append((f"Keras {keras.__version__} runs on backend {keras.backend.backend()}",
                       value == 4.0, "reinstall the backend: pip install -e '.[dev]'"))
    except Exception as exc:
        checks.append((f"Keras backend works ({type(exc).__name__}: {exc})", False,
                       "install a backend: pip install tensorflow-cpu (or set KERAS_BACKEND=jax "
                       "with jax installed)"))
    from course_utils import config, data

    try:
        config.profile_name()
        checks.append(("COURSE_PROFILE is valid", True, ""))
    except ValueError as exc:
        checks.append((str(exc), False, f"unset COURSE_PROFILE or use one of {config.PROFILES}"))
    cache = data.keras_cache_dir()
    try:
        cache.mkdir(parents=True, exist_ok=True)
        probe = cache / ".course-write-test"
        probe.write_text("ok")
        probe.unlink()
        checks.append((f"dataset cache {cache} is writable", True, ""))
    except OSError as exc:
        checks.append((f"dataset cache {cache} is writable ({exc})", False,
                       "set KERAS_HOME to a writable folder"))
    data_dir = os.environ.get(data.DATA_DIR_ENV)
    if data_dir:
        ok = pathlib.Path(data_dir).expanduser().is_dir()
        checks.append((f"COURSE_DATA_DIR={data_dir} is a folder", ok,
                       "point COURSE_DATA_DIR at the folder that holds mnist.npz etc."))
    try:
        import ipykernel  # noqa: F401
        import nbclient  # noqa: F401

        checks.append(("Jupyter kernel and nbclient are installed", True, ""))
    except ImportError as exc:
        checks.append((f"Jupyter kernel and nbclient ({exc})", False, "pip install -e '.[dev]'"))
    return checks


def cmd_doctor(args: argparse.Namespace) -> int:
    from course_utils import config

    print(config.format_report())
    print()
    failed = 0
    for what, ok, advice in _doctor_checks():
        print(f"[{'ok' if ok else 'FAIL'}] {what}")
        if not ok:
            failed += 1
            print(f"       fix: {advice}")
    if failed:
        print(f"\n{failed} problem(s) found.")
        return 1
    print("\nAll checks passed.")
    return 0


# ---------------------------------------------------------------- data
def cmd_data(args: argparse.Namespace) -> int:
    from course_utils import data

    if args.action == "list":
        for name, where in data.available().items():
            print(f"{name:<14} {where or 'not found (run: course data path)'}")
        return 0
    if args.action == "path":
        print("Dataset files are looked for in, in order:")
        for folder in data.search_dirs():
            print(f"  {folder}")
        if not os.environ.get(data.DATA_DIR_ENV):
            print(f"(set {data.DATA_DIR_ENV} to add a folder of your own in front)")
        print("\nExpected files (relative to one of those folders); a dataset with several "
              "forms needs one of them:")
        for name, forms in data.FORMS.items():
            for form in forms:
                for item in form.items:
                    size = f"{item.size:>12,} bytes" if hasattr(item, "size") else f"{'folder':>18}"
                    print(f"  {name:<14} {form.label:<28} {item.relpath:<44} {size}  {item.url}")
        return 0
    # verify: a corrupt file always fails; a dataset named on the command line must be complete
    names = args.names or list(data.FILE_DATASETS)
    status = 0
    for name in names:
        if name not in data.FORMS:
            print(f"unknown dataset {name!r}; expected one of {', '.join(data.FORMS)}")
            status = 1
            continue
        report = data.verify(name)
        for form, relpath, result in report:
            print(f"{name:<14} {form:<28} {relpath:<44} {result}")
        if any(result.startswith("CORRUPT") for _, _, result in report):
            status = 1
        elif args.names and data.find_form(name) is None:
            print(f"{name:<14} no complete form on this machine: run `course data path` "
                  "for the files and where to put them")
            status = 1
    return status


# ---------------------------------------------------------------- run
def notebook_dir() -> pathlib.Path:
    """Folder of the lesson notebooks.

    ``$COURSE_NOTEBOOK_DIR`` if set, else ``./notebooks`` if the current folder is a
    clone of the course, else the ``notebooks/`` of the clone this package was
    installed from (an editable install).
    """
    if os.environ.get(NOTEBOOK_DIR_ENV):
        return pathlib.Path(os.environ[NOTEBOOK_DIR_ENV])
    here = pathlib.Path.cwd() / "notebooks"
    if any(here.glob("[0-9][0-9]_*.ipynb")):
        return here
    return REPO_ROOT / "notebooks"


def find_lesson(lesson: str) -> pathlib.Path:
    """Resolve ``"01"``, ``"1"``, ``"01_images_as_tensors"`` or a path to a notebook."""
    path = pathlib.Path(lesson)
    if path.suffix == ".ipynb" and path.is_file():
        return path
    folder = notebook_dir()
    notebooks = sorted(folder.glob("[0-9][0-9]_*.ipynb"))
    key = lesson.zfill(2) if lesson.isdigit() else lesson
    matches = [nb for nb in notebooks if nb.stem == key or nb.stem.split("_", 1)[0] == key]
    if len(matches) != 1:
        listing = "\n  ".join(nb.stem for nb in notebooks) or "(none)"
        raise SystemExit(f"no single lesson matches {lesson!r} in {folder}; lessons:\n  {listing}")
    return matches[0]


def _cell_source_head(cell) -> str:
    first = next((line for line in cell.source.splitlines() if line.strip()), "")
    return first[:70]


def execute_notebook(src: pathlib.Path, dst: pathlib.Path, *, timeout: int = 1800,
                     progress: bool = True):
    """Execute ``src`` headless with nbclient, save it to ``dst``, return the notebook.

    Raises ``nbclient.exceptions.CellExecutionError`` with the failing cell's
    index attached as ``cell_index`` when a cell fails.
    """
    import nbformat
    from nbclient import NotebookClient
    from tqdm.auto import tqdm

    nb = nbformat.read(src, as_version=4)
    code_cells = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    bar = tqdm(total=len(code_cells), unit="cell", disable=not progress, desc=src.stem)
    state = {"index": None}

    def on_start(cell, cell_index):
        state["index"] = cell_index
        if cell.cell_type != "code":
            return
        bar.set_postfix_str(_cell_source_head(cell)[:40])

    def on_executed(cell, cell_index, execute_reply):
        bar.update(1)

    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(src.parent)}},
                            on_cell_start=on_start, on_cell_executed=on_executed)
    dst.parent.mkdir(parents=True, exist_ok=True)
    try:
        client.execute()
    except Exception as exc:
        exc.cell_index = state["index"]
        raise
    finally:
        bar.close()
        nbformat.write(nb, dst)
    return nb


def _text_outputs(cell) -> str:
    parts = []
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream":
            parts.append(out.get("text", ""))
        elif "data" in out and "text/plain" in out["data"]:
            parts.append(out["data"]["text/plain"] + "\n")
    return "".join(parts).rstrip()


def lesson_results(nb) -> str:
    """Text outputs of the cells tagged ``results`` (else of the last code cell with output)."""
    tagged = [c for c in nb.cells if "results" in c.get("metadata", {}).get("tags", [])]
    if not tagged:
        with_output = [c for c in nb.cells if c.cell_type == "code" and _text_outputs(c)]
        tagged = with_output[-1:]
    return "\n".join(_text_outputs(c) for c in tagged if _text_outputs(c))


def cmd_run(args: argparse.Namespace) -> int:
    from course_utils import config

    if args.profile:
        if args.profile not in config.PROFILES:
            raise SystemExit(f"--profile must be one of {config.PROFILES}, got {args.profile!r}")
        os.environ[config.PROFILE_ENV] = args.profile
    _quiet_tensorflow()
    src = find_lesson(args.lesson)
    out_dir = pathlib.Path(args.output_dir)
    dst = out_dir / src.name
    print(f"Running {src} in the '{config.profile_name()}' profile -> {dst}")
    start = time.perf_counter()
    try:
        nb = execute_notebook(src, dst, timeout=args.timeout, progress=not args.quiet)
    except Exception as exc:
        index = getattr(exc, "cell_index", None)
        print(f"\nFAILED in cell {index} of {src.name}:", file=sys.stderr)
        if index is not None:
            import nbformat

            cell = nbformat.read(dst, as_version=4).cells[index]
            print("  " + "\n  ".join(cell.source.splitlines()[:8]), file=sys.stderr)
        message = str(exc).strip().splitlines()
        print("\n".join(message[-15:]), file=sys.stderr)
        print(f"\nThe partly executed notebook is in {dst}.", file=sys.stderr)
        return 1
    elapsed = time.perf_counter() - start
    print(f"\nDone in {elapsed:.1f} s. Executed notebook: {dst}")
    results = lesson_results(nb)
    if results:
        print("\nResults\n-------\n" + results)
    return 0


# ---------------------------------------------------------------- main
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="course", description="The Keras 3 CNN course.")
    sub = parser.add_subparsers(dest="command", required=True)

    doctor = sub.add_parser("doctor", help="report the environment; non-zero exit if broken")
    doctor.set_defaults(func=cmd_doctor)

    data = sub.add_parser("data", help="datasets: list, verify or path")
    data.add_argument("action", choices=["list", "verify", "path"])
    data.add_argument("names", nargs="*", help="datasets to verify (default: all file datasets)")
    data.set_defaults(func=cmd_data)

    run = sub.add_parser("run", help="execute a lesson notebook headless into build/")
    run.add_argument("lesson", help="lesson number (01), notebook stem, or path")
    run.add_argument("--profile", help="fast, cpu or gpu (default: automatic)")
    run.add_argument("--output-dir", default="build", help="where the executed notebook goes")
    run.add_argument("--timeout", type=int, default=1800, help="seconds allowed per cell")
    run.add_argument("--quiet", action="store_true", help="no progress bar")
    run.set_defaults(func=cmd_run)
    return parser


def main(argv: list[str] | None = None) -> int:
    _quiet_tensorflow()
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
