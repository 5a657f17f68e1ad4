"""The ``course`` command: ``doctor``, ``data list|verify|path`` and ``run LESSON``.

The work is done elsewhere: :mod:`course_utils.doctor` (the report and checks),
:mod:`course_utils.data` and :mod:`course_utils.lessons` (finding and executing lessons).
"""

from __future__ import annotations

import argparse
import os
import pathlib
import sys
import time

def _quiet_tensorflow() -> None:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")


# ---------------------------------------------------------------- doctor
def cmd_doctor(args: argparse.Namespace) -> int:
    from course_utils import doctor

    print(doctor.format_report())
    print()
    failed = 0
    for what, ok, advice in doctor.checks():
        print(f"[{'ok' if ok else 'FAIL'}] {what}")
        if not ok:
            failed += 1
            print(f"       fix: {advice}")
    notes = doctor.notes()
    for note in notes:
        print(f"[note] {note}")
    if failed:
        print(f"\n{failed} problem(s) found.")
        return 1
    print("\nAll checks passed" + (" (see the note above about data)." if notes else "."))
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
    # verify: one rule with or without names: exit 1 unless every dataset checked has a
    # complete form on disk and no copy of it is corrupt
    names = args.names or list(data.FILE_DATASETS)
    unknown = [n for n in names if n not in data.FORMS]
    if unknown:
        print(f"unknown dataset(s) {', '.join(map(repr, unknown))}; expected some of "
              f"{', '.join(data.FORMS)}")
        return 1
    corrupt, missing = [], []
    for name in names:
        report = data.verify(name, full=args.full)
        for form, relpath, result in report:
            print(f"{name:<14} {form:<28} {relpath:<44} {result}")
        if any(result.startswith("CORRUPT") for _, _, result in report):
            corrupt.append(name)
        elif not any(result.startswith("ok") for _, _, result in report):
            missing.append(name)
    ok = len(names) - len(corrupt) - len(missing)
    print(f"\n{ok} of {len(names)} dataset(s) complete and intact"
          + (f"; corrupt: {', '.join(corrupt)}" if corrupt else "")
          + (f"; not on this machine: {', '.join(missing)} (`course data path` says what to "
             "put where)" if missing else ""))
    return 1 if corrupt or missing else 0


# ---------------------------------------------------------------- run
def cmd_run(args: argparse.Namespace) -> int:
    from course_utils import config, lessons

    if args.profile:
        try:
            os.environ[config.PROFILE_ENV] = config.normalize_profile(args.profile, "--profile")
        except ValueError as exc:
            raise SystemExit(str(exc)) from None
    try:
        profile = config.profile_name()
    except ValueError as exc:  # a bad COURSE_PROFILE: one line, not a traceback
        raise SystemExit(f"{exc} Unset it or pass --profile.") from None
    _quiet_tensorflow()
    src = lessons.find_lesson(args.lesson)
    out_dir = pathlib.Path(args.output_dir)
    dst = out_dir / src.name
    try:
        lessons.refuse_to_overwrite(src, dst)
    except ValueError as exc:
        raise SystemExit(str(exc)) from None
    print(f"Running {src} in the '{profile}' profile -> {dst}")
    start = time.perf_counter()
    try:
        nb = lessons.execute_notebook(src, dst, timeout=args.timeout, progress=not args.quiet)
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
    notes = lessons.data_notes(nb)
    if notes:
        print("\nData used\n---------\n" + "\n".join(notes))
    results = lessons.lesson_results(nb, profile)
    if results:
        print("\nResults\n-------\n" + results)
    return 0


def cmd_slides(args: argparse.Namespace) -> int:
    from course_utils import slides

    if args.execute:
        _quiet_tensorflow()
    for lesson in args.lessons:
        deck = slides.build_slides(lesson, args.output_dir, execute=args.execute, profile=args.profile)
        print(f"{deck.path}: {deck.slides} slides{' with the outputs of a run' if deck.executed else ''}; "
              f"open it in a browser (works offline: assets in {deck.path.parent / 'assets'}).")
    return 0


def cmd_student(args: argparse.Namespace) -> int:
    from course_utils import student

    try:
        copies = student.student_copies(args.lessons or None, args.output_dir)
    except ValueError as exc:
        raise SystemExit(str(exc)) from None
    for copy in copies:
        removed = f", {copy.removed_cells} instructor cell(s) removed" if copy.removed_cells else ""
        print(f"{copy.path}: {len(copy.exercises)} exercise(s) emptied{removed}")
    print(f"{len(copies)} student cop{'y' if len(copies) == 1 else 'ies'} in {args.output_dir}/ "
          "(solutions replaced by stubs that raise NotImplementedError; outputs cleared).")
    return 0


def cmd_models(args: argparse.Namespace) -> int:
    from course_utils import registry

    try:
        print(registry.model_table(args.task))
    except ValueError as exc:
        raise SystemExit(str(exc)) from None
    return 0


# ---------------------------------------------------------------- main
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="course", description="The Keras 3 CNN course.")
    sub = parser.add_subparsers(dest="command", required=True)

    doctor = sub.add_parser("doctor", help="report the environment; non-zero exit if broken")
    doctor.set_defaults(func=cmd_doctor)

    data = sub.add_parser(
        "data", help="datasets: list, verify or path",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="list    every dataset and where it was found (nothing is read or hashed)\n"
                    "verify  hash the files of the named datasets (default: every file dataset)\n"
                    "        against the course's hashes and manifests; exit 1 if one is corrupt\n"
                    "        or has no complete copy on this machine\n"
                    "path    the folders searched, in order, and the files expected in them")
    data.add_argument("action", choices=["list", "verify", "path"])
    data.add_argument("names", nargs="*", help="datasets to verify (default: all file datasets)")
    data.add_argument("--full", action="store_true",
                      help="verify: re-hash every file of an unpacked copy, not only those "
                           "changed since the last check")
    data.set_defaults(func=cmd_data)

    run = sub.add_parser("run", help="execute a lesson notebook headless into build/")
    run.add_argument("lesson", help="lesson number (01), notebook stem, or path")
    run.add_argument("--profile", help="fast, cpu or gpu (default: automatic)")
    run.add_argument("--output-dir", default="build", help="where the executed notebook goes")
    run.add_argument("--timeout", type=int, default=1800, help="seconds allowed per cell")
    run.add_argument("--quiet", action="store_true", help="no progress bar")
    run.set_defaults(func=cmd_run)

    slides = sub.add_parser("slides", help="build reveal.js lecture slides of lessons, offline")
    slides.add_argument("lessons", nargs="+", help="lesson numbers or names")
    slides.add_argument("--execute", action="store_true", help="run the lesson first to show outputs")
    slides.add_argument("--profile", help="profile of the run with --execute (default: fast)")
    slides.add_argument("--output-dir", default="build/slides", help="where the decks go")
    slides.set_defaults(func=cmd_slides)

    models = sub.add_parser("models", help="every registered network: paper, input, parameters")
    models.add_argument("--task", choices=["classify", "classify-only", "generate"],
                        help="only the networks of one kind (default: all)")
    models.set_defaults(func=cmd_models)

    student = sub.add_parser("student", help="write student copies of the lessons (no solutions)")
    student.add_argument("lessons", nargs="*", help="lesson numbers or names (default: every lesson)")
    student.add_argument("--output-dir", default="build/student", help="where the copies go")
    student.set_defaults(func=cmd_student)
    return parser


def main(argv: list[str] | None = None) -> int:
    _quiet_tensorflow()
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
