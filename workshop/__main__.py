"""Command line for team leads: ``python -m workshop validate [LESSONS_DIR]``.

Exit codes: 0 the lessons are valid (warnings may be printed), 1 there are problems (each
printed as ``file:location: message — fix``), 2 the folder does not exist or the command
line is wrong. Never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from workshop.content import LESSONS_DIR, validate_course

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m workshop",
        description="Tools for the Reproducible ML Workshop's lesson content.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    validate = commands.add_parser(
        "validate",
        help="check lessons/ and list every problem with its file, place and fix",
        description="Check a lessons folder (course.toml, sources.toml, every stage's "
                    "lesson.md and checks.toml) and list every problem as "
                    "'file:location: message — fix'. Exit 0 when valid, 1 when there are "
                    "problems, 2 when the folder does not exist.",
    )
    validate.add_argument("lessons_dir", nargs="?", metavar="LESSONS_DIR",
                          help=f"the folder holding course.toml (default: {_shown(LESSONS_DIR)})")
    return parser


def _shown(path: Path) -> str:
    """A path as the person typed it, or relative to where they stand when that is shorter."""
    try:
        relative = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)
    return relative if not relative.startswith("..") else str(path)


def validate(lessons_arg: str | None) -> int:
    """Validate a lessons folder and print the outcome.

    Args:
        lessons_arg: the folder as typed on the command line, or None for ``lessons/``.

    Returns:
        The exit code: 0 valid, 1 problems, 2 no such folder.
    """
    lessons_dir = Path(lessons_arg) if lessons_arg else LESSONS_DIR
    shown = lessons_arg if lessons_arg else _shown(LESSONS_DIR)
    if not lessons_dir.is_dir():
        what = "is not a folder" if lessons_dir.exists() else "does not exist"
        print(f"error: the lessons folder {shown} {what}. Pass the folder that holds "
              "course.toml, e.g. python -m workshop validate lessons", file=sys.stderr)
        return EXIT_USAGE
    problems = validate_course(lessons_dir)
    # Problem.file is relative to the lessons folder's parent; show it from where the user is.
    base = Path(shown).parent
    for problem in problems:
        print(problem.describe((base / problem.file).as_posix()))
    errors = [problem for problem in problems if problem.is_error]
    warnings = len(problems) - len(errors)
    warned = f", {warnings} warning{'s' if warnings != 1 else ''}" if warnings else ""
    if errors:
        print(f"FAILED: {len(errors)} problem{'s' if len(errors) != 1 else ''} in {shown}"
              f"{warned}. Fix each one above, then run this again.")
        return EXIT_PROBLEMS
    from workshop.content import load_course  # cached: no second read

    course = load_course(lessons_dir)
    print(f"OK: {shown} — {len(course.stages)} stages, {len(course.checks)} checks, "
          f"{len(course.agendas)} agendas{warned}.")
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code instead of raising."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # --help (0) or a usage error (2): argparse has printed it
        return int(exit_.code or 0)
    if args.command != "validate":
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        return validate(args.lessons_dir)
    except Exception as error:  # the promise is "never a traceback": say what broke instead
        print(f"error: the validator itself failed ({type(error).__name__}: {error}). "
              "Please report this with the lessons folder that caused it.", file=sys.stderr)
        return EXIT_PROBLEMS


if __name__ == "__main__":
    sys.exit(main())
