"""Where a problem is: the run that collects problems, and places in a file.

A :class:`Where` names a TOML table's place in its file, so a problem about one field can
give the field's line (``line 12, check "seed-quiz", answer``).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workshop.content.model import ERROR, Problem, Source


@dataclass
class Context:
    """What one validation run collects: problems, sources, module files consulted."""

    lessons_dir: Path
    problems: list[Problem] = field(default_factory=list)
    sources: dict[str, Source] = field(default_factory=dict)
    sources_readable: bool = False
    # Each module file a check names -> digest of the bytes this run read (None: unread).
    module_files: dict[str, str | None] = field(default_factory=dict)
    module_cache: dict[str, Any] = field(default_factory=dict)

    def rel(self, path: Path) -> str:
        """A path as shown to people: relative to the lessons folder's parent."""
        try:
            return path.relative_to(self.lessons_dir.parent).as_posix()
        except ValueError:
            return path.as_posix()

    def add(self, file: Path | str, location: str, message: str, fix: str,
            severity: str = ERROR) -> None:
        """Record a problem in ``file`` (a path, or a name already shown as people see it)."""
        name = file if isinstance(file, str) else self.rel(file)
        self.problems.append(Problem(name, location, message, fix, severity))

    @property
    def error_count(self) -> int:
        """How many errors (not warnings) have been recorded so far."""
        return sum(1 for problem in self.problems if problem.is_error)


@dataclass
class Where:
    """Where one TOML table sits in a file, so a problem can name the line of the field.

    ``lines`` are the file's lines; ``start``..``end`` (1-based, end exclusive) is the part
    holding this table's own keys, searched for ``name =`` when a field is named.
    """

    ctx: Context
    file: Path
    label: str = ""
    line: int | None = None
    lines: tuple[str, ...] = ()
    start: int = 0
    end: int = 0

    def line_of(self, name: str) -> int | None:
        """The line where ``name =`` is written in this table, else the table's line."""
        key = name.split("[")[0]
        if key and self.lines:
            pattern = re.compile(r"^\s*" + re.escape(key) + r"\s*[=.]")
            for number in range(max(self.start, 1), min(self.end, len(self.lines) + 1)):
                if pattern.match(self.lines[number - 1]):
                    return number
        return self.line

    def at(self, name: str = "") -> str:
        """The location text for a field: ``line N, <label>, <name>`` (parts known)."""
        line = self.line_of(name) if name else self.line
        return ", ".join(part for part in (f"line {line}" if line else "", self.label, name)
                         if part)

    def sub(self, label: str, key: str = "", **table) -> Where:
        """A nested table: found by ``key`` in this one, or at ``table``'s line and range."""
        joined = ", ".join(part for part in (self.label, label) if part)
        if table:
            return Where(self.ctx, self.file, joined, lines=self.lines, **table)
        return Where(self.ctx, self.file, joined, self.line_of(key) if key else self.line)

    def add(self, name: str, message: str, fix: str, severity: str = ERROR) -> None:
        """Record a problem about field ``name`` of this table ("" for the table itself)."""
        self.ctx.add(self.file, self.at(name), message, fix, severity)


def did_you_mean(word: object, choices) -> str:
    """`` (did you mean "x"?)`` for the closest of ``choices``, or ""."""
    close = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return f' (did you mean "{close[0]}"?)' if close else ""


def show(value: Any) -> str:
    """A value as quoted in a message, cut to 60 characters."""
    text = repr(value)
    return text if len(text) <= 60 else text[:59] + "…"


# A TOML table header ([name] or [[name]]), not a line of a multi-line array.
_HEADER = re.compile(r"^\s*\[\[?\s*[A-Za-z0-9_.\"' -]+\s*\]\]?\s*(#.*)?$")


def table_lines(lines: tuple[str, ...], name: str, start: int = 1,
                end: int | None = None) -> list[int]:
    """Line numbers of the ``[[name]]`` headers between ``start`` and ``end``."""
    pattern = re.compile(r"^\s*\[\[\s*" + re.escape(name) + r"\s*\]\]\s*(#.*)?$")
    stop = len(lines) + 1 if end is None else end
    return [number for number in range(start, stop) if pattern.match(lines[number - 1])]


def next_header(lines: tuple[str, ...], after: int) -> int:
    """The line of the first table header after line ``after`` (or past the end)."""
    for number in range(after + 1, len(lines) + 1):
        if _HEADER.match(lines[number - 1]):
            return number
    return len(lines) + 1


def top_where(ctx: Context, path: Path, lines: tuple[str, ...], label: str = "",
              offset: int = 0) -> Where:
    """The file's top-level keys: from its first line to its first table header."""
    return Where(ctx, path, label, None, lines, 1 + offset,
                 next_header(lines, offset) if lines else 0)


def table_where(where: Where, name: str, index: int, count: int, end: int) -> Where:
    """The ``index``-th ``[[name]]`` table inside ``where``'s part of the file."""
    headers = table_lines(where.lines, name, where.start or 1, end)
    if len(headers) != count:
        return where.sub(f"{name}[{index}]")
    line = headers[index]
    return where.sub(f"{name}[{index}]", line=line, start=line + 1,
                     end=min(next_header(where.lines, line), end))


def item_where(ctx: Context, path: Path, kind: str, index: int, item: Any,
               lines: tuple[str, ...], headers: list[int], count: int) -> Where:
    """The ``index``-th of ``count`` top-level ``[[kind]]`` tables, labelled by its id."""
    label = item.get("id") if isinstance(item, dict) else None
    name = f'{kind} "{label}"' if isinstance(label, str) and label else f"{kind} #{index + 1}"
    if len(headers) != count:  # written some other way (inline arrays): no line numbers
        return Where(ctx, path, name)
    line = headers[index]
    return Where(ctx, path, name, line, lines, line + 1, next_header(lines, line))


def each_item(ctx: Context, path: Path, lines: tuple[str, ...], kind: str,
              items: list) -> Iterator[tuple[int, dict, Where]]:
    """``(index, table, where)`` for each top-level ``[[kind]]`` table of a file."""
    headers = table_lines(lines, kind)
    for index, item in enumerate(items):
        yield index, item, item_where(ctx, path, kind, index, item, lines, headers, len(items))


def option_where(where: Where, name: str, index: int, count: int) -> Where:
    """The ``index``-th of a check's ``count`` ``[[check.options]]`` tables."""
    # This check's [[check.options]] headers lie between its own header and the next check.
    later = table_lines(where.lines, "check", (where.line or 0) + 1)
    end = later[0] if later else len(where.lines) + 1
    headers = (table_lines(where.lines, "check.options", where.line or 1, end)
               if where.line else [])
    if len(headers) != count:
        return where.sub(name)
    line = headers[index]
    return where.sub(name, line=line, start=line + 1, end=next_header(where.lines, line))
