"""Command line: ``workshop validate [LESSONS_DIR]``, ``workshop serve``, ``workshop audit PATH``.

Also ``python -m workshop …``; ``workshop --version`` prints the version.

``validate`` exit codes: 0 the lessons are valid (warnings may be printed), 1 there are
problems (each printed as ``file:location: message — fix``), 2 the folder does not exist or
the command line is wrong. Never a traceback.

``serve`` exit codes: 0 stopped by Ctrl-C or SIGTERM, 1 it could not start or every process
died, 2 the command line is wrong, the port is taken or HAProxy is missing.

``audit`` exit codes: 0 nothing missing, 1 checklist items missing, 2 the folder cannot be
audited (see ``workshop.audit.cli``).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from workshop import __version__
from workshop.content import LESSONS_DIR, validate_course

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        # `workshop` when run as the console script, else as `python -m workshop`.
        prog="workshop" if Path(sys.argv[0]).name == "workshop" else "python -m workshop",
        description="Tools for the Reproducible ML Workshop: check lesson content, serve a "
                    "room, audit your own project against the course's checklists.",
    )
    parser.add_argument("--version", action="version", version=f"workshop {__version__}")
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
    _add_serve(commands)
    from workshop.audit.cli import add_arguments as add_audit_arguments

    add_audit_arguments(commands.add_parser(
        "audit", help="statically audit an ML project folder against the course's checklists",
        description="Statically audit an ML project folder against the course's five "
                    "checklists; nothing in it is run or imported. Exit 0 when nothing is "
                    "missing, 1 when items are missing, 2 when the folder cannot be audited."))
    return parser


def _add_serve(commands: argparse._SubParsersAction) -> None:
    from workshop.serve import DEFAULT_ADDRESS, DEFAULT_PORT, default_processes

    serve = commands.add_parser(
        "serve",
        help="serve a room: N Streamlit processes behind HAProxy on one port",
        description="Serve the app to a room from one machine: start N Streamlit processes "
                    "on internal ports and HAProxy (Debian's haproxy package) in front, "
                    "cookie-sticky, websockets passed through, health-checked. Every process "
                    "shares one progress store. Prints the URL once everything answers; "
                    "Ctrl-C or SIGTERM stops everything it started. A process that dies is "
                    "taken out of rotation and its learners resume on another with their "
                    "code. With --processes 1 it runs a single Streamlit on the port "
                    "directly, without HAProxy. Exit 0 when stopped, 1 when it could not "
                    "start, 2 when the port is taken or HAProxy is missing.",
    )
    serve.add_argument("--processes", type=_positive, default=default_processes(),
                       metavar="N", help="Streamlit processes, one core each (default: one "
                                         f"per core, here {default_processes()}); 1 runs "
                                         "without HAProxy")
    serve.add_argument("--port", type=_port, default=DEFAULT_PORT, metavar="P",
                       help=f"the port learners open (default: {DEFAULT_PORT})")
    serve.add_argument("--address", default=DEFAULT_ADDRESS, metavar="ADDRESS",
                       help=f"the address to listen on (default: {DEFAULT_ADDRESS}; "
                            "0.0.0.0 for the room's network)")
    serve.add_argument("--data-dir", type=Path, metavar="D",
                       help="the progress folder every process shares (sets "
                            "WORKSHOP_DATA_DIR; default: as configured)")


def _positive(text: str) -> int:
    value = _integer(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def _port(text: str) -> int:
    value = _integer(text)
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"must be a port from 1 to 65535, not {value}")
    return value


def _integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, not {text!r}") from None


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
    from workshop.content.option_stats import position_summary

    course = load_course(lessons_dir)
    for line in position_summary(course.checks):
        print(line)
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
    if args.command == "serve":
        from workshop.serve import ServeOptions, serve

        return serve(ServeOptions(processes=args.processes, port=args.port,
                                  address=args.address, data_dir=args.data_dir))
    if args.command == "audit":
        from workshop.audit.cli import run as run_audit

        return run_audit(args)
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
