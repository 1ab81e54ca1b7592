"""``python -m workshop.audit PATH [--format markdown|json]`` (and ``workshop audit``).

Exit codes: 0 nothing missing (found or cannot tell), 1 at least one item missing, 2 the
input is unusable (not a folder, unreadable, empty) or the command line is wrong. Never a
traceback for a bad folder; the report goes to standard output, errors to standard error.
"""

from __future__ import annotations

import argparse
import sys

from workshop.audit.items import run_audit
from workshop.audit.report import exit_code, to_json, to_markdown
from workshop.audit.walk import UnusableFolder

EXIT_USAGE = 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the audit's arguments (``PATH``, ``--format``) to a parser or subparser."""
    parser.add_argument("path", metavar="PATH", help="the project folder to audit")
    parser.add_argument("--format", choices=("markdown", "json"), default="markdown",
                        help="report format (default: markdown)")


def parser() -> argparse.ArgumentParser:
    """The audit's own command-line parser."""
    result = argparse.ArgumentParser(
        prog="workshop audit",
        description="Statically audit an ML project folder against the course's checklists: "
                    "nothing in it is run or imported. Exit 0 when nothing is missing, 1 "
                    "when items are missing, 2 when the folder cannot be audited.")
    add_arguments(result)
    return result


def run(args: argparse.Namespace) -> int:
    """Audit ``args.path`` and print the report in ``args.format``; return the exit code."""
    try:
        audit = run_audit(args.path)
    except UnusableFolder as error:
        print(f"workshop audit: {error}", file=sys.stderr)
        return EXIT_USAGE
    print(to_json(audit) if args.format == "json" else to_markdown(audit))
    return exit_code(audit)


def main(argv: list[str] | None = None) -> int:
    """Run the audit command line.

    Args:
        argv: the arguments after the program name (default: ``sys.argv[1:]``).

    Returns:
        The exit code: 0, 1 or 2 (see the module docstring).
    """
    try:
        args = parser().parse_args(argv)
    except SystemExit as stop:
        return stop.code if isinstance(stop.code, int) else EXIT_USAGE
    return run(args)
