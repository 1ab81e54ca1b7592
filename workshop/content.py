"""Load and validate ``lessons/`` into frozen dataclasses (the Carpentries way: content is data).

``validate_course`` reads every file and returns every problem it finds — not just the
first — each as a :class:`Problem` with the file, where in it, what is wrong and how to fix
it. ``load_course`` returns the :class:`Course`, or raises ``ContentError`` listing them.

Loading runs on every page, so it stays cheap: standard-library ``tomllib`` only, functions
named by checks are found by reading their module's source with ``ast`` (never importing
it, so no scikit-learn), and results are cached until a file involved changes (checked by
``os.stat``, and by content for files edited moments ago).
"""

from __future__ import annotations

import ast
import difflib
import hashlib
import importlib.util
import math
import os
import re
import threading
import time
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from case_study import paths
from workshop import checks as kinds
from workshop.checks import Check, Option
from workshop.errors import (CheckFunctionError, ContentError, UnknownAgendaError,
                             UnknownCheckError, UnknownStageError)

LESSONS_DIR = paths.LESSONS_DIR
COURSE_FILE = "course.toml"
SOURCES_FILE = "sources.toml"
LESSON_FILE = "lesson.md"
CHECKS_FILE = "checks.toml"

FRONT_MATTER_FENCE = "+++"
REQUIRED_SECTIONS = ("Principle", "What goes wrong", "The fix", "Further reading")
REQUIRED_FRONT_MATTER = ("title", "questions", "objectives", "keypoints", "presenter_notes")

ERROR = "error"
WARNING = "warning"

# Stage ids are URL paths and widget-key prefixes; check ids and option keys are widget keys.
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_SOURCE_ID = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
_FOLDER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_TOML_LINE = re.compile(r"\(at line (\d+), column (\d+)\)")


# ------------------------------------------------------------------------- the course


@dataclass(frozen=True)
class Problem:
    """One thing wrong in the lessons: which file, where in it, what, and how to fix it.

    ``severity`` is ``"error"`` (the course does not load) or ``"warning"`` (it loads, but
    something is probably not what the author meant, such as an unlisted lesson folder).
    """

    file: str
    location: str
    message: str
    fix: str
    severity: str = ERROR

    @property
    def is_error(self) -> bool:
        """True for an error, False for a warning."""
        return self.severity == ERROR

    def describe(self, file: str | None = None) -> str:
        """``file:location: message — fix`` (``file`` overrides how the file is shown)."""
        file = self.file if file is None else file
        where = f"{file}:{self.location}" if self.location else file
        label = "warning: " if self.severity == WARNING else ""
        return f"{where}: {label}{self.message} — {self.fix}"

    def __str__(self) -> str:
        return self.describe()


@dataclass(frozen=True)
class Timing:
    """Minutes a stage gets in one agenda: teaching and exercise."""

    teaching: int
    exercise: int

    @property
    def total(self) -> int:
        """Teaching plus exercise minutes."""
        return self.teaching + self.exercise


@dataclass(frozen=True)
class Agenda:
    """One way to run the course (talk, tutorial, workshop) and its length in minutes."""

    id: str
    title: str
    minutes: int
    buffer_minutes: int = 0


@dataclass(frozen=True)
class Source:
    """A citable source from ``lessons/sources.toml``."""

    id: str
    citation: str
    where: str = ""


@dataclass(frozen=True)
class ChecklistItem:
    """One item of a stage's checklist, why it matters, and the tools that help."""

    item: str
    why: str
    tools: tuple[str, ...] = ()


@dataclass(frozen=True)
class Tool:
    """A suggested technical tool; ``shown_here`` says whether the app demonstrates it."""

    name: str
    use: str
    shown_here: bool = False
    url: str = ""


@dataclass(frozen=True)
class Metric:
    """A metric a team can track for this stage."""

    name: str
    description: str


@dataclass(frozen=True)
class Lesson:
    """A stage's ``lesson.md``: front matter fields and the body's ``## `` sections in order.

    ``sources`` are the sources the lesson cites, in order of first citation.
    """

    title: str
    questions: tuple[str, ...]
    objectives: tuple[str, ...]
    keypoints: tuple[str, ...]
    presenter_notes: str
    sections: dict[str, str]
    checklist: tuple[ChecklistItem, ...] = ()
    tools: tuple[Tool, ...] = ()
    metrics: tuple[Metric, ...] = ()
    sources: tuple[Source, ...] = ()


@dataclass(frozen=True)
class Stage:
    """One stage of the course: its place, timings per agenda, lesson and checks."""

    id: str
    number: int
    title: str
    nav_title: str
    folder: str
    minutes: dict[str, Timing]
    lesson: Lesson
    checks: tuple[Check, ...] = ()

    def timing(self, agenda_id: str) -> Timing:
        """The stage's minutes in one agenda; raises UnknownAgendaError for an unknown id."""
        try:
            return self.minutes[agenda_id]
        except KeyError:
            raise UnknownAgendaError(
                f"Stage {self.id!r} has no timing for agenda {agenda_id!r}; it has "
                f"{', '.join(self.minutes) or 'none'}."
            ) from None


@dataclass(frozen=True)
class Course:
    """The whole course: title, agendas, stages in order, and every citable source."""

    title: str
    agendas: tuple[Agenda, ...]
    stages: tuple[Stage, ...]
    sources: dict[str, Source] = field(default_factory=dict)

    @property
    def checks(self) -> tuple[Check, ...]:
        """Every check of every stage, in course order."""
        return tuple(check for stage in self.stages for check in stage.checks)

    def stage(self, stage_id: str) -> Stage:
        """The stage with this id; raises UnknownStageError (naming the known ids) otherwise."""
        for stage in self.stages:
            if stage.id == stage_id:
                return stage
        raise UnknownStageError(
            f"There is no stage {stage_id!r} in the course; the stages are "
            f"{', '.join(s.id for s in self.stages)}."
        )

    def check(self, check_id: str) -> Check:
        """The check with this id; raises UnknownCheckError otherwise."""
        for check in self.checks:
            if check.id == check_id:
                return check
        raise UnknownCheckError(
            f"There is no check {check_id!r} in the course ({len(self.checks)} checks). "
            "Check ids are the `id` fields in lessons/*/checks.toml."
        )

    def agenda(self, agenda_id: str) -> Agenda:
        """The agenda with this id; raises UnknownAgendaError otherwise."""
        for agenda in self.agendas:
            if agenda.id == agenda_id:
                return agenda
        raise UnknownAgendaError(
            f"There is no agenda {agenda_id!r}; the agendas are "
            f"{', '.join(a.id for a in self.agendas)}."
        )

    def citation(self, reference: str) -> str:
        """A check reference made readable: a bare source id becomes its full citation,
        and ``[id]`` inside text is followed by the citation in parentheses."""
        if reference.strip() in self.sources:
            return self.sources[reference.strip()].citation

        def expand(match: re.Match) -> str:
            known = [self.sources[i].citation for i in _split_ids(match.group(1))
                     if i in self.sources]
            return f"{match.group(0)} ({'; '.join(known)})" if known else match.group(0)

        return _CITATION.sub(expand, reference)


# ---------------------------------------------------------------- figures and citations

_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
_CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1")
_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_URL = re.compile(r"<[a-z]+://[^>]*>|\b[a-z]+://\S+|<!--.*?-->")
_TASK_MARKER = re.compile(r"^(\s*(?:[-*+]|\d+[.)])\s+)\[[ xX]\]")
_CITATION = re.compile(
    r"(?<![\w!\\\[])\[([a-z0-9][a-z0-9._-]*(?:\s*[,;]\s*[a-z0-9][a-z0-9._-]*)*)\](?![(:\]])"
)
_NUMBER = re.compile(r"(?<![\w.,])(\d+(?:,\d{3})*(?:\.\d+)*)(?!\w)(\s?(?:%|per ?cent\b))?")


def _split_ids(group: str) -> list[str]:
    return [part.strip() for part in re.split(r"[,;]", group) if part.strip()]


def _scannable(line: str) -> str:
    # Code, link targets and task-list boxes are not prose: no citations or figures there.
    line = _TASK_MARKER.sub(r"\1", line)
    line = _CODE_SPAN.sub(" ", line)
    # A link keeps its text (a figure there still counts) but is no citation.
    line = _LINK.sub(r"\1", _IMAGE.sub(" ", line))
    return _URL.sub(" ", line)


def _prose_lines(text: str) -> Iterator[tuple[int, str]]:
    """(1-based line number, line) for each line outside fenced code blocks."""
    fence = None
    for number, line in enumerate(text.splitlines(), 1):
        match = _FENCE.match(line)
        if match:
            marker = match.group(1)
            if fence is None:
                fence = marker
            elif marker[0] == fence[0] and len(marker) >= len(fence):
                fence = None
            continue
        if fence is None:
            yield number, line


def citations(text: str) -> list[str]:
    """Every ``[source-id]`` cited in a text (outside code), in order, with repeats.

    Args:
        text: Markdown text; ``[a, b]`` cites two ids.

    Returns:
        The cited ids.
    """
    found = []
    for _, line in _prose_lines(text):
        for match in _CITATION.finditer(_scannable(line)):
            found.extend(_split_ids(match.group(1)))
    return found


def figures(line: str) -> list[str]:
    """The figures a line of prose states: percentages, decimals, numbers of 3+ digits.

    Code spans, link targets and version strings such as ``1.9.1`` are not figures; nor are
    numbers glued to letters (``sha256``, ``L1.2``, ``v2``).

    Args:
        line: one line of Markdown.

    Returns:
        The figures as written, in order.
    """
    found = []
    for match in _NUMBER.finditer(_CITATION.sub(" ", _scannable(line))):
        number, percent = match.group(1), match.group(2)
        dots = number.count(".")
        if percent or dots == 1 or (dots == 0 and len(number.replace(",", "")) >= 3):
            found.append(match.group(0).strip())
    return found


def uncited_figures(text: str) -> list[tuple[int, str]]:
    """Lines that state a figure but cite no ``[source-id]`` on the same line.

    Args:
        text: Markdown text (a lesson body, or one front-matter string).

    Returns:
        ``(line number within text, first figure on that line)`` for each such line.
    """
    found = []
    for number, line in _prose_lines(text):
        stated = figures(line)
        if stated and not _CITATION.search(_scannable(line)):
            found.append((number, stated[0]))
    return found


# ------------------------------------------------------------------------- validation


@dataclass
class _Context:
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
        name = file if isinstance(file, str) else self.rel(file)
        self.problems.append(Problem(name, location, message, fix, severity))

    @property
    def error_count(self) -> int:
        return sum(1 for problem in self.problems if problem.is_error)


@dataclass
class _Where:
    """Where one TOML table sits in a file, so a problem can name the line of the field.

    ``lines`` are the file's lines; ``start``..``end`` (1-based, end exclusive) is the part
    holding this table's own keys, searched for ``name =`` when a field is named.
    """

    ctx: _Context
    file: Path
    label: str = ""
    line: int | None = None
    lines: tuple[str, ...] = ()
    start: int = 0
    end: int = 0

    def line_of(self, name: str) -> int | None:
        key = name.split("[")[0]
        if key and self.lines:
            pattern = re.compile(r"^\s*" + re.escape(key) + r"\s*[=.]")
            for number in range(max(self.start, 1), min(self.end, len(self.lines) + 1)):
                if pattern.match(self.lines[number - 1]):
                    return number
        return self.line

    def at(self, name: str = "") -> str:
        line = self.line_of(name) if name else self.line
        return ", ".join(part for part in (f"line {line}" if line else "", self.label, name)
                         if part)

    def sub(self, label: str, key: str = "", **table) -> _Where:
        """A nested table: found by ``key`` in this one, or at ``table``'s line and range."""
        joined = ", ".join(part for part in (self.label, label) if part)
        if table:
            return _Where(self.ctx, self.file, joined, lines=self.lines, **table)
        return _Where(self.ctx, self.file, joined, self.line_of(key) if key else self.line)

    def add(self, name: str, message: str, fix: str, severity: str = ERROR) -> None:
        self.ctx.add(self.file, self.at(name), message, fix, severity)


def _did_you_mean(word: str, choices) -> str:
    close = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return f' (did you mean "{close[0]}"?)' if close else ""


def _read_text(ctx: _Context, path: Path, what: str, fix: str) -> str | None:
    if not path.is_file():
        ctx.add(path, "file", f"{what} is missing", fix)
        return None
    try:
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as error:
        ctx.add(path, f"byte {error.start}", "the file is not UTF-8 text",
                "save the file as UTF-8 (most editors: 'Save with encoding')")
    except OSError as error:
        ctx.add(path, "file", f"the file cannot be read ({error.strerror})",
                "check the file's permissions")
    return None


def _parse_toml(ctx: _Context, path: Path, text: str, line_offset: int = 0) -> dict | None:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        match = _TOML_LINE.search(message)
        location = f"line {int(match.group(1)) + line_offset}" if match else "file"
        ctx.add(path, location, f"malformed TOML: {_TOML_LINE.sub('', message).strip()}"
                + (f" (column {match.group(2)})" if match else ""),
                "fix the TOML syntax on that line: quote strings, close brackets and "
                "triple quotes, one key = value per line")
        return None


# A TOML table header ([name] or [[name]]), not a line of a multi-line array.
_HEADER = re.compile(r"^\s*\[\[?\s*[A-Za-z0-9_.\"' -]+\s*\]\]?\s*(#.*)?$")


def _table_lines(lines: tuple[str, ...], name: str, start: int = 1,
                 end: int | None = None) -> list[int]:
    """Line numbers of the ``[[name]]`` headers between ``start`` and ``end``."""
    pattern = re.compile(r"^\s*\[\[\s*" + re.escape(name) + r"\s*\]\]\s*(#.*)?$")
    stop = len(lines) + 1 if end is None else end
    return [number for number in range(start, stop) if pattern.match(lines[number - 1])]


def _next_header(lines: tuple[str, ...], after: int) -> int:
    for number in range(after + 1, len(lines) + 1):
        if _HEADER.match(lines[number - 1]):
            return number
    return len(lines) + 1


def _top_where(ctx: _Context, path: Path, lines: tuple[str, ...], label: str = "",
               offset: int = 0) -> _Where:
    """The file's top-level keys: from its first line to its first table header."""
    return _Where(ctx, path, label, None, lines, 1 + offset,
                  _next_header(lines, offset) if lines else 0)


def _table_where(where: _Where, name: str, index: int, count: int, end: int) -> _Where:
    """The ``index``-th ``[[name]]`` table inside ``where``'s part of the file."""
    headers = _table_lines(where.lines, name, where.start or 1, end)
    if len(headers) != count:
        return where.sub(f"{name}[{index}]")
    line = headers[index]
    return where.sub(f"{name}[{index}]", line=line, start=line + 1,
                     end=min(_next_header(where.lines, line), end))


def _next_check(where: _Where) -> int:
    """The line of the next ``[[check]]`` after this one (or past the end of the file)."""
    later = _table_lines(where.lines, "check", (where.line or 0) + 1)
    return later[0] if later else len(where.lines) + 1


def _item_where(ctx: _Context, path: Path, kind: str, index: int, item: Any,
                lines: tuple[str, ...], headers: list[int], count: int) -> _Where:
    label = item.get("id") if isinstance(item, dict) else None
    name = f'{kind} "{label}"' if isinstance(label, str) and label else f"{kind} #{index + 1}"
    if len(headers) != count:  # written some other way (inline arrays): no line numbers
        return _Where(ctx, path, name)
    line = headers[index]
    return _Where(ctx, path, name, line, lines, line + 1, _next_header(lines, line))


def _unknown_keys(where: _Where, table: dict, allowed, what: str) -> None:
    for key in table:
        if key not in allowed:
            where.add(key, f"unknown field {key!r} in {what}{_did_you_mean(key, allowed)}",
                      f"remove it or rename it; {what} takes: {', '.join(allowed)}", WARNING)


def _get_str(where: _Where, table: dict, key: str, required: bool = True,
             what: str = "text") -> str | None:
    value = table.get(key)
    if value is None:
        if required:
            where.add(key, f"missing {key!r}", f'add {key} = "..." ({what})')
        return None
    if not isinstance(value, str) or (required and not value.strip()):
        where.add(key, f"{key!r} must be non-empty text, found {_show(value)}",
                  f'write {key} = "..." ({what})')
        return None
    return value


def _get_str_list(where: _Where, table: dict, key: str, minimum: int = 1,
                  required: bool = True) -> tuple[str, ...] | None:
    value = table.get(key)
    if value is None:
        if required:
            where.add(key, f"missing {key!r}",
                      f'add {key} = ["...", ...] with at least {minimum} item(s)')
            return None
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        where.add(key, f"{key!r} must be a list of non-empty strings, found {_show(value)}",
                  f'write {key} = ["...", "..."]')
        return None
    if len(value) < minimum:
        where.add(key, f"{key!r} has {len(value)} item(s); at least {minimum} needed",
                  f'add items to {key} = ["...", ...]')
        return None
    return tuple(value)


def _get_int(where: _Where, table: dict, key: str, minimum: int = 0,
             required: bool = True, default: int | None = None) -> int | None:
    value = table.get(key)
    if value is None:
        if required:
            where.add(key, f"missing {key!r}", f"add {key} = <whole number >= {minimum}>")
        return default
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        where.add(key, f"{key!r} must be a whole number >= {minimum}, found {_show(value)}",
                  f"write {key} = <whole number >= {minimum}> (no quotes, no decimals)")
        return None
    return value


def _get_number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _get_tables(where: _Where, table: dict, key: str, required: bool = False) -> list[dict]:
    value = table.get(key)
    if value is None:
        if required:
            where.add(key, f"no [[{key}]] tables", f"add at least one [[{key}]] table")
        return []
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        where.add(key, f"{key!r} must be a list of tables, found {_show(value)}",
                  f"write each entry as a [[{key}]] table")
        return []
    return value


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:59] + "…"


# -------------------------------------------------------------------- sources.toml


def _read_sources(ctx: _Context) -> None:
    path = ctx.lessons_dir / SOURCES_FILE
    text = _read_text(ctx, path, "sources.toml (the list of citable sources)",
                      "create lessons/sources.toml with one [[source]] table (id, citation) "
                      "per source a lesson may cite")
    if text is None:
        return
    data = _parse_toml(ctx, path, text)
    if data is None:
        return
    ctx.sources_readable = True
    lines = tuple(text.splitlines())
    top = _top_where(ctx, path, lines)
    _unknown_keys(top, data, ("source",), "sources.toml")
    items = _get_tables(top, data, "source", required=True)
    headers = _table_lines(lines, "source")
    for index, item in enumerate(items):
        where = _item_where(ctx, path, "source", index, item, lines, headers, len(items))
        _unknown_keys(where, item, ("id", "citation", "where"), "a [[source]]")
        source_id = _get_str(where, item, "id", what="a short id such as gundersen2018")
        citation = _get_str(where, item, "citation", what="the full citation")
        found = _get_str(where, item, "where", required=False) or ""
        if source_id is None:
            continue
        if not _SOURCE_ID.match(source_id):
            where.add("id", f"source id {source_id!r} has characters a citation cannot use",
                      "use lowercase letters, digits, '-', '_' or '.', e.g. pineau2021")
            continue
        if source_id in ctx.sources:
            where.add("id", f"duplicate source id {source_id!r}",
                      "give every source its own id")
            continue
        if citation is not None:
            ctx.sources[source_id] = Source(source_id, citation, found)


def _example_source(ctx: _Context) -> str:
    return next(iter(ctx.sources), "source-id")


def _check_citations(where: _Where, name: str, text: str, ctx: _Context) -> None:
    if not ctx.sources_readable:
        return  # sources.toml itself is broken: reported once, not for every citation
    for cited in citations(text):
        if cited not in ctx.sources:
            where.add(name, f"cites [{cited}], which is not in lessons/sources.toml"
                      f"{_did_you_mean(cited, ctx.sources)}",
                      "cite an id listed in lessons/sources.toml, or add the source there "
                      "(only sources checked against REFERENCES.md)")


# --------------------------------------------------------------------- course.toml


@dataclass
class _StageSpec:
    id: str
    number: int | None
    title: str | None
    nav_title: str | None
    folder: str | None
    minutes: dict[str, Timing]
    where: _Where


def _read_course_file(ctx: _Context):
    path = ctx.lessons_dir / COURSE_FILE
    text = _read_text(ctx, path, "course.toml (the course's order and timings)",
                      "create lessons/course.toml with a title, [[agenda]] and [[stage]] tables "
                      "(see lessons/README.md)")
    if text is None:
        return None
    data = _parse_toml(ctx, path, text)
    if data is None:
        return None
    lines = tuple(text.splitlines())
    top = _top_where(ctx, path, lines)
    _unknown_keys(top, data, ("title", "agenda", "stage"), "course.toml")
    title = _get_str(top, data, "title", what="the course title")

    agendas: list[Agenda] = []
    items = _get_tables(top, data, "agenda", required=True)
    headers = _table_lines(lines, "agenda")
    agenda_wheres = {}
    for index, item in enumerate(items):
        where = _item_where(ctx, path, "agenda", index, item, lines, headers, len(items))
        _unknown_keys(where, item, ("id", "title", "minutes", "buffer_minutes"), "an [[agenda]]")
        agenda_id = _get_str(where, item, "id", what="e.g. tutorial")
        agenda_title = _get_str(where, item, "title", what="e.g. 90-minute tutorial")
        minutes = _get_int(where, item, "minutes", minimum=1)
        buffer = _get_int(where, item, "buffer_minutes", required=False, default=0)
        if agenda_id is not None and not _ID.match(agenda_id):
            where.add("id", f"agenda id {agenda_id!r} is not a simple id",
                      "use lowercase letters, digits and '-', e.g. tutorial")
            continue
        if agenda_id is not None and agenda_id in agenda_wheres:
            where.add("id", f"duplicate agenda id {agenda_id!r}", "give every agenda its own id")
            continue
        if None in (agenda_id, agenda_title, minutes, buffer):
            continue
        agendas.append(Agenda(agenda_id, agenda_title, minutes, buffer))
        agenda_wheres[agenda_id] = where
    agenda_ids = [agenda.id for agenda in agendas]

    specs: list[_StageSpec] = []
    items = _get_tables(top, data, "stage", required=True)
    headers = _table_lines(lines, "stage")
    seen_ids, seen_folders = set(), set()
    for index, item in enumerate(items):
        where = _item_where(ctx, path, "stage", index, item, lines, headers, len(items))
        _unknown_keys(where, item, ("id", "number", "folder", "title", "nav_title", "minutes"),
                      "a [[stage]]")
        stage_id = _get_str(where, item, "id", what="e.g. design; it is the page's URL path")
        number = _get_int(where, item, "number", minimum=0)
        folder = _get_str(where, item, "folder", what="the lesson folder, e.g. 01-design")
        stage_title = _get_str(where, item, "title", what="the stage's title")
        nav_title = _get_str(where, item, "nav_title", what="a short title for the sidebar")
        if stage_id is not None and not _ID.match(stage_id):
            where.add("id", f"stage id {stage_id!r} cannot be a URL path",
                      "use lowercase letters, digits and '-', e.g. wrap-up")
            stage_id = None
        if stage_id in seen_ids:
            where.add("id", f"duplicate stage id {stage_id!r}", "give every stage its own id")
            stage_id = None
        if folder is not None and not _FOLDER.match(folder):
            where.add("folder", f"folder {folder!r} must be a plain folder name inside lessons/",
                      'write folder = "03-model" (no slashes, no "..")')
            folder = None
        if folder in seen_folders:
            where.add("folder", f"folder {folder!r} is used by two stages",
                      "give every stage its own folder")
            folder = None
        seen_ids.add(stage_id)
        seen_folders.add(folder)
        minutes = _read_stage_minutes(where, item, agenda_ids)
        if stage_id is None:
            continue
        specs.append(_StageSpec(stage_id, number, stage_title, nav_title, folder, minutes, where))

    previous = None
    for spec in specs:
        if spec.number is None:
            continue
        if previous is not None and spec.number <= previous.number:
            spec.where.add("number",
                           f"stage numbers are out of order: {spec.id!r} has number "
                           f"{spec.number} after {previous.id!r} with {previous.number}",
                           "list the stages in course order and number them upwards "
                           "(0, 1, 2, …)")
        previous = spec

    for agenda in agendas:
        timed = [spec for spec in specs if agenda.id in spec.minutes]
        if len(timed) != len(specs):
            continue  # a stage without this agenda's timing is reported already
        stage_minutes = sum(spec.minutes[agenda.id].total for spec in timed)
        total = stage_minutes + agenda.buffer_minutes
        if total != agenda.minutes:
            gap = agenda.minutes - total
            agenda_wheres[agenda.id].add(
                "minutes",
                f"the timings do not add up: stages take {stage_minutes} min + "
                f"buffer_minutes {agenda.buffer_minutes} = {total} min, but the agenda "
                f"says minutes = {agenda.minutes}",
                f"{'add' if gap > 0 else 'remove'} {abs(gap)} min across the stages' "
                f"minutes.{agenda.id} (teaching/exercise) or buffer_minutes, or change "
                "minutes",
            )
    return title, agendas, specs


def _read_stage_minutes(where: _Where, item: dict, agenda_ids: list[str]) -> dict[str, Timing]:
    minutes = item.get("minutes")
    example = "minutes.tutorial = { teaching = 5, exercise = 5 }"
    if not isinstance(minutes, dict):
        where.add("minutes", "missing per-agenda minutes" if minutes is None
                  else f"'minutes' must be a table, found {_show(minutes)}",
                  f"add one line per agenda, e.g. {example}")
        return {}
    timings = {}
    for agenda_id, value in minutes.items():
        if agenda_id not in agenda_ids:
            where.add(f"minutes.{agenda_id}", f"unknown agenda {agenda_id!r}"
                      f"{_did_you_mean(agenda_id, agenda_ids)}",
                      f"use one of the [[agenda]] ids: {', '.join(agenda_ids)}")
            continue
        sub = where.sub(f"minutes.{agenda_id}", key=f"minutes.{agenda_id}")
        if not isinstance(value, dict):
            sub.add("", f"must be a table of teaching and exercise minutes, found {_show(value)}",
                    f"write {example}")
            continue
        _unknown_keys(sub, value, ("teaching", "exercise"), "a stage's minutes")
        teaching = _get_int(sub, value, "teaching")
        exercise = _get_int(sub, value, "exercise")
        if teaching is not None and exercise is not None:
            timings[agenda_id] = Timing(teaching, exercise)
    for agenda_id in agenda_ids:
        if agenda_id not in minutes:
            where.add(f"minutes.{agenda_id}", f"no timing for agenda {agenda_id!r}",
                      f"add minutes.{agenda_id} = {{ teaching = 5, exercise = 5 }}")
    return timings


# ----------------------------------------------------------------------- lesson.md


def _split_front_matter(ctx: _Context, path: Path, text: str):
    """(front matter TOML, line of its first line, body, line of the body's first line)."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != FRONT_MATTER_FENCE:
        ctx.add(path, "line 1", "lesson.md does not start with TOML front matter",
                "start the file with a line +++, the front matter (title, questions, …), "
                "and another line +++")
        return None
    for index in range(1, len(lines)):
        if lines[index].strip() == FRONT_MATTER_FENCE:
            return ("\n".join(lines[1:index]), 2, "\n".join(lines[index + 1:]), index + 2)
    ctx.add(path, "line 1", "the front matter is never closed",
            "end the front matter with a line containing only +++")
    return None


def _split_sections(ctx: _Context, path: Path, body: str, first_line: int) -> dict[str, str]:
    sections: dict[str, list[str]] = {}
    current = None
    preamble_line = None
    fence = None
    for number, line in enumerate(body.splitlines(), first_line):
        match = _FENCE.match(line)
        if match:
            marker = match.group(1)
            if fence is None:
                fence = marker
            elif marker[0] == fence[0] and len(marker) >= len(fence):
                fence = None
        elif fence is None and line.startswith("## "):
            name = line[3:].strip().rstrip("#").strip()
            if name in sections:
                ctx.add(path, f"line {number}", f"the section '## {name}' appears twice",
                        "merge the two sections or rename one")
            current = name
            sections.setdefault(name, [])
            continue
        if current is None:
            if line.strip() and preamble_line is None:
                preamble_line = number
        else:
            sections[current].append(line)
    if preamble_line is not None:
        ctx.add(path, f"line {preamble_line}", "text before the first '## ' section is not shown",
                "move it under a '## ' section (the title belongs in the front matter)", WARNING)
    result = {name: "\n".join(lines).strip("\n") for name, lines in sections.items()}
    for name in REQUIRED_SECTIONS:
        if name not in result:
            ctx.add(path, "body", f"missing section '## {name}'"
                    f"{_did_you_mean(name, [n for n in result if n not in REQUIRED_SECTIONS])}",
                    f"add a line '## {name}' followed by its text; every lesson needs "
                    f"{', '.join(REQUIRED_SECTIONS)}")
        elif not result[name].strip():
            ctx.add(path, "body", f"the section '## {name}' is empty", "write its text")
    return result


_FRONT_MATTER_KEYS = REQUIRED_FRONT_MATTER + ("checklist", "tools", "metrics")


def _front_matter_strings(data: Any, name: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(data, str):
        yield name, data
    elif isinstance(data, dict):
        for key, value in data.items():
            yield from _front_matter_strings(value, f"{name}.{key}" if name else key)
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _front_matter_strings(value, f"{name}[{index}]")


def _read_lesson(ctx: _Context, folder: Path) -> Lesson | None:
    path = folder / LESSON_FILE
    text = _read_text(ctx, path, "lesson.md", f"create {ctx.rel(path)} with front matter and "
                      f"the sections {', '.join(REQUIRED_SECTIONS)} (see lessons/README.md)")
    if text is None:
        return None
    split = _split_front_matter(ctx, path, text)
    if split is None:
        return None
    front_text, front_line, body, body_line = split
    before = ctx.error_count
    sections = _split_sections(ctx, path, body, body_line)
    for number, figure in uncited_figures(body):
        ctx.add(path, f"line {number + body_line - 1}",
                f"the figure {figure} has no [source-id] citation on this line",
                f"cite its source from lessons/sources.toml on the same line, e.g. "
                f"[{_example_source(ctx)}]; numbers the case study computes belong in the "
                "demo, not typed into the lesson")
    for number, line in _prose_lines(body):
        _check_citations(_Where(ctx, path, line=number + body_line - 1), "", line, ctx)

    data = _parse_toml(ctx, path, front_text, line_offset=front_line - 1)
    if data is None:
        return None
    all_lines = tuple(text.splitlines())
    # The front matter's own keys: from its first line to its first [[table]].
    where = _Where(ctx, path, "front matter", None, all_lines, front_line,
                   min(_next_header(all_lines, front_line - 1), body_line - 1))
    _unknown_keys(where, data, _FRONT_MATTER_KEYS, "the front matter")
    title = _get_str(where, data, "title", what="the lesson's title")
    questions = _get_str_list(where, data, "questions")
    objectives = _get_str_list(where, data, "objectives")
    keypoints = _get_str_list(where, data, "keypoints")
    notes = _get_str(where, data, "presenter_notes", what="notes for the presenter")
    for name, value in _front_matter_strings(data):
        _check_citations(where, name, value, ctx)
        for _, figure in uncited_figures(value):
            where.add(name, f"the figure {figure} has no [source-id] citation on its line",
                      f"cite its source from lessons/sources.toml on the same line, e.g. "
                      f"[{_example_source(ctx)}]")

    checklist = []
    items = _get_tables(where, data, "checklist")
    for index, item in enumerate(items):
        sub = _table_where(where, "checklist", index, len(items), body_line - 1)
        _unknown_keys(sub, item, ("item", "why", "tools"), "a [[checklist]] entry")
        entry = (_get_str(sub, item, "item"), _get_str(sub, item, "why"),
                 _get_str_list(sub, item, "tools", minimum=0, required=False))
        if None not in entry:
            checklist.append(ChecklistItem(*entry))
    tools = []
    items = _get_tables(where, data, "tools")
    for index, item in enumerate(items):
        sub = _table_where(where, "tools", index, len(items), body_line - 1)
        _unknown_keys(sub, item, ("name", "use", "shown_here", "url"), "a [[tools]] entry")
        name = _get_str(sub, item, "name")
        use = _get_str(sub, item, "use", what="what the tool is for")
        shown = item.get("shown_here", False)
        if not isinstance(shown, bool):
            sub.add("shown_here", f"'shown_here' must be true or false, found {_show(shown)}",
                    "write shown_here = true or shown_here = false")
            shown = None
        url = _get_str(sub, item, "url", required=False) or ""
        if None not in (name, use, shown):
            tools.append(Tool(name, use, shown, url))
    tool_names = {tool.name for tool in tools}
    for index, entry in enumerate(checklist):
        for name in entry.tools:
            if name not in tool_names:
                where.add(f"checklist[{index}].tools",
                          f"tool {name!r} is not among this lesson's [[tools]]"
                          f"{_did_you_mean(name, tool_names)}",
                          "add a [[tools]] entry with that name, or fix the spelling", WARNING)
    metrics = []
    items = _get_tables(where, data, "metrics")
    for index, item in enumerate(items):
        sub = _table_where(where, "metrics", index, len(items), body_line - 1)
        _unknown_keys(sub, item, ("name", "description"), "a [[metrics]] entry")
        entry = (_get_str(sub, item, "name"), _get_str(sub, item, "description"))
        if None not in entry:
            metrics.append(Metric(*entry))

    if ctx.error_count > before or None in (title, questions, objectives, keypoints, notes):
        return None
    cited = []
    for source_id in citations(front_text) + citations(body):
        if source_id in ctx.sources and ctx.sources[source_id] not in cited:
            cited.append(ctx.sources[source_id])
    return Lesson(title, questions, objectives, keypoints, notes, sections, tuple(checklist),
                  tuple(tools), tuple(metrics), tuple(cited))


# ---------------------------------------------------------------------- checks.toml

_CHECK_KEYS = ("id", "kind", "prompt", "options", "answer", "tolerance", "unit", "hints",
               "explanation", "references", "compute", "grader")
_KIND_ONLY = {"tolerance": kinds.NUMERIC_KINDS, "compute": {kinds.PREDICT_THEN_RUN},
              "grader": {kinds.HANDS_ON}, "options": kinds.OPTION_KINDS}
_MIN_OPTIONS = {kinds.SINGLE_CHOICE: 2, kinds.MULTIPLE_CHOICE: 2, kinds.ORDERING: 2,
                kinds.HANDS_ON: 1}


def _read_checks(ctx: _Context, folder: Path, stage_id: str,
                 seen: dict[str, str]) -> tuple[Check, ...] | None:
    path = folder / CHECKS_FILE
    if not path.exists():
        return ()  # a stage without checks is allowed (README: "checks.toml is optional")
    text = _read_text(ctx, path, "checks.toml", "")
    if text is None:
        return None
    data = _parse_toml(ctx, path, text)
    if data is None:
        return None
    lines = tuple(text.splitlines())
    top = _top_where(ctx, path, lines)
    _unknown_keys(top, data, ("check",), "checks.toml")
    items = _get_tables(top, data, "check")
    headers = _table_lines(lines, "check")
    result = []
    for index, item in enumerate(items):
        where = _item_where(ctx, path, "check", index, item, lines, headers, len(items))
        check = _read_check(ctx, where, item, stage_id)
        check_id = item.get("id")
        if isinstance(check_id, str) and check_id:
            if check_id in seen:
                where.add("id", f"duplicate check id {check_id!r} (also in {seen[check_id]})",
                          "check ids must be unique across the whole course (progress is "
                          "stored by id): rename one")
                check = None
            else:
                seen[check_id] = f"{ctx.rel(path)}" + (f" line {headers[index]}"
                                                        if len(headers) == len(items) else "")
        if check is not None:
            result.append(check)
    return tuple(result)


def _read_check(ctx: _Context, where: _Where, item: dict, stage_id: str) -> Check | None:
    before = ctx.error_count
    _unknown_keys(where, item, _CHECK_KEYS, "a [[check]]")
    check_id = _get_str(where, item, "id", what="unique in the course, e.g. model-seed-shopping")
    if check_id is not None and not _ID.match(check_id):
        where.add("id", f"check id {check_id!r} is not a simple id",
                  "use lowercase letters, digits, '-' and '_', e.g. model-seed-shopping")
    kind = _get_str(where, item, "kind", what=f"one of {', '.join(kinds.KINDS)}")
    if kind is not None and kind not in kinds.KINDS:
        where.add("kind", f"unknown kind {kind!r}{_did_you_mean(kind, kinds.KINDS)}",
                  f"use one of: {', '.join(kinds.KINDS)}")
        kind = None
    prompt = _get_str(where, item, "prompt", what="the question")
    hints = _get_str_list(where, item, "hints", minimum=1)
    explanation = _get_str(where, item, "explanation",
                           what="shown after a pass or a reveal: why the answer is right")
    references = _get_str_list(where, item, "references", minimum=1)
    unit = _get_str(where, item, "unit", required=False) or ""
    for name in ("prompt", "explanation"):
        if isinstance(item.get(name), str):
            _check_citations(where, name, item[name], ctx)
    for index, hint in enumerate(hints or ()):
        _check_citations(where, f"hints[{index}]", hint, ctx)
    for index, reference in enumerate(references or ()):
        _check_reference(ctx, where, f"references[{index}]", reference)

    if kind is not None:
        for name, allowed in _KIND_ONLY.items():
            if name in item and kind not in allowed:
                where.add(name, f"{name!r} is not used by {kind} checks",
                          f"remove it (it is used by: {', '.join(sorted(allowed))})", WARNING)
    options, option_wheres = _read_options(ctx, where, item, kind)
    answer = _read_answer(where, item, kind, options, option_wheres)
    tolerance = None
    if kind in kinds.NUMERIC_KINDS:
        raw = item.get("tolerance")
        tolerance = _get_number(raw)
        if raw is None:
            where.add("tolerance", f"missing 'tolerance' ({kind} checks accept answers within it)",
                      "add tolerance = <number >= 0>, e.g. tolerance = 0.05")
        elif tolerance is None or tolerance < 0:
            where.add("tolerance", f"'tolerance' must be a number >= 0, found {_show(raw)}",
                      "write tolerance = 0.05 (no quotes)")
            tolerance = None
    compute = (_read_function(ctx, where, item, "compute")
               if kind == kinds.PREDICT_THEN_RUN else None)
    grader = _read_function(ctx, where, item, "grader") if kind == kinds.HANDS_ON else None
    if ctx.error_count > before or None in (check_id, kind, prompt, hints, explanation,
                                            references, answer):
        return None
    return Check(check_id, stage_id, kind, prompt, options or (), answer, tolerance, unit,
                 hints, explanation, references, compute, grader)


def _check_reference(ctx: _Context, where: _Where, name: str, reference: str) -> None:
    if not ctx.sources_readable:
        return
    if reference.strip() in ctx.sources:
        return
    if not citations(reference):
        where.add(name, f"reference {_show(reference)} names no source"
                  f"{_did_you_mean(reference.strip(), ctx.sources)}",
                  "use a source id from lessons/sources.toml (e.g. \"pineau-checklist\"), or "
                  "text that cites one as [id]")
        return
    _check_citations(where, name, reference, ctx)


def _read_options(ctx: _Context, where: _Where, item: dict, kind: str | None):
    raw = _get_tables(where, item, "options")
    if kind not in kinds.OPTION_KINDS:
        return (), {}
    minimum = _MIN_OPTIONS[kind]
    if len(raw) < minimum:
        where.add("options", f"{kind} checks need at least {minimum} [[check.options]], "
                  f"found {len(raw)}",
                  'add [[check.options]] tables with key, text and feedback')
    options, keys, wheres = [], set(), {}
    # This check's [[check.options]] headers lie between its own header and the next check.
    end = _next_check(where)
    headers = _table_lines(where.lines, "check.options", where.line or 1, end) if where.line else []
    for index, table in enumerate(raw):
        label = table.get("key")
        name = f'option "{label}"' if isinstance(label, str) and label else f"options[{index}]"
        if len(headers) == len(raw):
            line = headers[index]
            sub = where.sub(name, line=line, start=line + 1,
                            end=_next_header(where.lines, line))
        else:
            sub = where.sub(name)
        _unknown_keys(sub, table, ("key", "text", "feedback"), "a [[check.options]]")
        key = _get_str(sub, table, "key", what="a short key, e.g. seed")
        text = _get_str(sub, table, "text", what="what the learner sees")
        feedback = _get_str(sub, table, "feedback", required=False) or ""
        if key is None or text is None:
            continue
        if key in keys:
            sub.add("key", f"duplicate option key {key!r}", "give every option its own key")
            continue
        keys.add(key)
        options.append(Option(key, text, feedback))
        wheres[key] = sub
        for field_name in ("text", "feedback"):
            _check_citations(sub, field_name, getattr(options[-1], field_name), ctx)
    return tuple(options), wheres


def _read_answer(where: _Where, item: dict, kind: str | None, options: tuple[Option, ...],
                 option_wheres: dict[str, _Where]):
    if "answer" not in item:
        where.add("answer", "missing 'answer' (the reference answer the tests check)",
                  _ANSWER_FORMS.get(kind, "add answer = ..."))
        return None
    raw = item["answer"]
    if kind is None:
        return None
    keys = [option.key for option in options]
    form = _ANSWER_FORMS[kind]
    if kind in kinds.NUMERIC_KINDS:
        value = _get_number(raw)
        if value is None:
            where.add("answer", f"the answer must be a finite number, found {_show(raw)}", form)
        return value
    if kind == kinds.SINGLE_CHOICE:
        if not isinstance(raw, str):
            where.add("answer", f"the answer must be one option key, found {_show(raw)}", form)
            return None
        if raw not in keys:
            where.add("answer", f"the answer {raw!r} is not among the options"
                      f"{_did_you_mean(raw, keys)}",
                      f"use one of the option keys: {', '.join(keys)}")
            return None
        _require_feedback(option_wheres, options, {raw})
        return raw
    if not isinstance(raw, list) or not all(isinstance(value, str) for value in raw):
        where.add("answer", f"the answer must be a list of option keys, found {_show(raw)}", form)
        return None
    unknown = [value for value in raw if value not in keys]
    duplicates = sorted({value for value in raw if raw.count(value) > 1})
    if kind == kinds.ORDERING:
        if unknown or duplicates or len(raw) != len(keys):
            missing = [key for key in keys if key not in raw]
            details = "; ".join(part for part in (
                f"unknown {unknown}" if unknown else "",
                f"repeated {duplicates}" if duplicates else "",
                f"missing {missing}" if missing else "") if part)
            where.add("answer", f"the ordering answer is not a permutation of the option keys "
                      f"({details})", "list every option key exactly once, in the right order")
            return None
        return tuple(raw)
    if unknown:
        where.add("answer", f"the answer names keys that are not options: {unknown}"
                  f"{_did_you_mean(unknown[0], keys)}",
                  f"use option keys only: {', '.join(keys)}")
        return None
    if duplicates:
        where.add("answer", f"the answer repeats {duplicates}", "list each key once")
        return None
    if kind == kinds.MULTIPLE_CHOICE:
        if not raw:
            where.add("answer", "the answer is empty", "list at least one right option key")
            return None
        _require_feedback(option_wheres, options, set(raw))
    return tuple(raw)


def _require_feedback(wheres: dict[str, _Where], options: tuple[Option, ...],
                      right: set[str]) -> None:
    for option in options:
        if option.key not in right and not option.feedback.strip():
            wheres[option.key].add("feedback", "a wrong option has no feedback",
                      'add feedback = "..." saying why this option does not fit (without '
                      "giving the right answer away)")


_ANSWER_FORMS = {
    kinds.SINGLE_CHOICE: 'write answer = "<option key>"',
    kinds.MULTIPLE_CHOICE: 'write answer = ["<key>", "<key>"] (the right options)',
    kinds.NUMERIC: "write answer = <number> (no quotes)",
    kinds.ORDERING: 'write answer = ["<first key>", "<second key>", ...] (every option once)',
    kinds.PREDICT_THEN_RUN: "write answer = <number> (agrees with the computation within "
                            "tolerance)",
    kinds.HANDS_ON: 'write answer = ["<key>", ...] (the options that make it pass)',
}


def _read_function(ctx: _Context, where: _Where, item: dict, name: str) -> str | None:
    spec = item.get(name)
    signature = "def f() -> float" if name == "compute" else "def f(answer) -> dict"
    if spec is None:
        where.add(name, f"missing {name!r} (the function this check runs)",
                  f'add {name} = "case_study.<module>:<function>", a function {signature}')
        return None
    try:
        module, function = kinds.parse_function_spec(spec)
    except CheckFunctionError as error:
        where.add(name, str(error), f'write {name} = "case_study.<module>:<function>"')
        return None
    problem = _function_problem(ctx, module, function, name)
    if problem:
        where.add(name, problem, f"fix the name in {name}, or define {signature} at the top "
                  f"level of {module}")
        return None
    return spec


@dataclass(frozen=True)
class _Signature:
    """What the validator needs to know about a top-level function's parameters."""

    positional: int
    required: int
    required_keyword: int
    varargs: bool


def _function_problem(ctx: _Context, module: str, function: str, role: str) -> str | None:
    """Why ``module:function`` is not usable as a compute/grader, read from source (no import)."""
    if module not in ctx.module_cache:
        ctx.module_cache[module] = _module_functions(ctx, module)
    found = ctx.module_cache[module]
    if isinstance(found, str):
        return found
    signature = found.get(function)
    if signature is None:
        return (f"{module} defines no top-level function {function!r}"
                f"{_did_you_mean(function, found)}")
    required = signature.required + signature.required_keyword
    if role == "compute" and required:
        return (f"{module}:{function} takes {required} required argument(s); a compute "
                "function takes none")
    if role == "grader" and (signature.required_keyword or signature.required > 1
                             or (signature.positional == 0 and not signature.varargs)):
        return f"{module}:{function} must take exactly one argument (the learner's answer)"
    return None


# Parsing a stage module with ast costs tens of milliseconds: keep each file's summary until
# its bytes change.
_SIGNATURES: dict[str, tuple[str, dict[str, _Signature] | str]] = {}


def _module_functions(ctx: _Context, module: str) -> dict[str, _Signature] | str:
    """The top-level functions a module defines, or why they cannot be known."""
    try:
        spec = importlib.util.find_spec(module)  # imports parent packages only, never `module`
    except Exception:
        spec = None
    origin = getattr(spec, "origin", None)
    if spec is None or not origin or not origin.endswith(".py"):
        return f"the module {module} does not exist (no {module.replace('.', '/')}.py)"
    ctx.module_files.setdefault(origin, None)
    try:
        source = Path(origin).read_bytes()
    except OSError as error:
        return f"the module {module} cannot be read ({error.strerror})"
    digest = _digest_bytes(source)
    ctx.module_files[origin] = digest
    cached = _SIGNATURES.get(origin)
    if cached is not None and cached[0] == digest:
        return cached[1]
    try:
        tree = ast.parse(source, filename=origin)
    except SyntaxError as error:
        summary: dict[str, _Signature] | str = (
            f"the module {module} has a syntax error at line {error.lineno}")
    else:
        summary = {}
        for node in tree.body:
            if isinstance(node, ast.FunctionDef):
                args = node.args
                positional = len(args.posonlyargs) + len(args.args)
                summary[node.name] = _Signature(
                    positional, positional - len(args.defaults),
                    sum(1 for default in args.kw_defaults if default is None),
                    args.vararg is not None)
    _SIGNATURES[origin] = (digest, summary)
    return summary


# --------------------------------------------------------------------- the whole run


def _build(lessons_dir: Path) -> tuple[Course | None, list[Problem], dict[str, str | None]]:
    ctx = _Context(lessons_dir)
    if not lessons_dir.is_dir():
        ctx.add(lessons_dir.as_posix(), "", "the lessons folder does not exist",
                "pass the folder that holds course.toml (default: the project's lessons/)")
        return None, ctx.problems, {}
    importlib.invalidate_caches()  # a module added since the last run must be found
    _read_sources(ctx)
    read = _read_course_file(ctx)
    if read is None:
        return None, ctx.problems, ctx.module_files
    title, agendas, specs = read
    stages, seen_checks, listed = [], {}, set()
    for spec in specs:
        if spec.folder is None:
            continue
        listed.add(spec.folder)
        folder = lessons_dir / spec.folder
        if not folder.is_dir():
            spec.where.add("folder", f"stage {spec.id!r} names the folder "
                           f"{ctx.rel(folder)}/, which does not exist",
                           f"create {ctx.rel(folder)}/ with lesson.md (and checks.toml), or fix "
                           "the folder name")
            continue
        lesson = _read_lesson(ctx, folder)
        stage_checks = _read_checks(ctx, folder, spec.id, seen_checks)
        if None in (lesson, stage_checks, spec.number, spec.title, spec.nav_title):
            continue
        stages.append(Stage(spec.id, spec.number, spec.title, spec.nav_title, spec.folder,
                            spec.minutes, lesson, stage_checks))
    for entry in sorted(lessons_dir.iterdir()):
        if (entry.is_dir() and entry.name not in listed and not entry.name.startswith((".", "_"))
                and ((entry / LESSON_FILE).exists() or (entry / CHECKS_FILE).exists())):
            ctx.add(f"{ctx.rel(entry)}/", "folder",
                    "this lesson folder is not listed in course.toml, so the app does not "
                    "show it",
                    f'add a [[stage]] with folder = "{entry.name}" to course.toml, or move '
                    "the folder out of lessons/", WARNING)
    if ctx.error_count:
        return None, ctx.problems, ctx.module_files
    course = Course(title, tuple(agendas), tuple(stages), dict(ctx.sources))
    return course, ctx.problems, ctx.module_files


# Loading runs on every page, so telling "nothing changed" must cost next to nothing: one
# os.stat per lesson file and per module a check names (size, mtime_ns, ctime_ns, inode,
# device), found in one scan of the lessons folder, and no file reads.
#
# Stat alone can miss an edit: timestamps only advance once per filesystem tick (a few ms on
# ext4, up to 2 s on FAT), so a same-size rewrite within the tick of our read looks
# unchanged (git's "racily clean" files). A file whose newer timestamp was that recent when
# the cache entry was last verified is therefore compared by content as well; once it is
# old enough, stat suffices again. ctime counts too: tools that restore an old mtime
# (cp -p, rsync -t) cannot set it.
_RACY_NS = 3_000_000_000
_PACKAGES = ("case_study", "workshop")


@dataclass
class _Entry:
    """One folder's cached result and what it was built from."""

    lesson_stats: dict[str, tuple | None]
    listing: tuple[str, ...]
    module_stats: dict[str, tuple | None]
    package_listings: tuple
    digests: dict[str, str | None]  # files too recent for stat alone -> content digest
    verified_ns: int  # wall clock just before the files were last found unchanged
    course: Course | None
    problems: tuple[Problem, ...]


_CACHE: dict[str, _Entry] = {}
_CACHE_LOCK = threading.Lock()


def _digest_bytes(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _digest_file(path: str) -> str | None:
    try:
        return _digest_bytes(Path(path).read_bytes())
    except OSError:
        return None


def _stat(path: str) -> tuple | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino, info.st_dev)


def _recent(stat: tuple | None, since_ns: int) -> bool:
    """Whether a file's newest timestamp is too close to ``since_ns`` for stat alone."""
    return stat is not None and max(stat[1], stat[2]) >= since_ns - _RACY_NS


def _scan_lessons(lessons_dir: Path) -> tuple[dict[str, tuple | None], tuple[str, ...]]:
    """The stat of every .toml/.md file in the lessons folder and its stage folders, and
    the names of every entry there (so an added or removed file or folder counts)."""
    if not lessons_dir.is_dir():
        return {}, ("missing",)
    stats: dict[str, tuple | None] = {}
    listing: list[str] = []
    stack = [lessons_dir]
    while stack:
        folder = stack.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            listing.append(f"{folder}\0unreadable")
            continue
        for entry in entries:
            listing.append(entry.path)
            if entry.is_dir() and folder == lessons_dir:
                stack.append(Path(entry.path))
            elif entry.is_file() and entry.name.endswith((".toml", ".md")):
                stats[entry.path] = _stat(entry.path)
    return stats, tuple(listing)


def _package_listings() -> tuple:
    # A module added to an allowed package changes which names resolve.
    listings = []
    for package in _PACKAGES:
        try:
            listings.append(tuple(sorted(os.listdir(paths.PROJECT_ROOT / package))))
        except OSError:
            listings.append(None)
    return tuple(listings)


def _unchanged(entry: _Entry, lesson_stats: dict, listing: tuple, now_ns: int) -> bool:
    """Whether every watched file and folder is as the cached course was built from."""
    if lesson_stats != entry.lesson_stats or listing != entry.listing:
        return False
    module_stats = {path: _stat(path) for path in entry.module_stats}
    if module_stats != entry.module_stats or _package_listings() != entry.package_listings:
        return False
    recent = [path for path, stat in (*lesson_stats.items(), *module_stats.items())
              if _recent(stat, entry.verified_ns)]
    if any(_digest_file(path) != entry.digests.get(path) for path in recent):
        return False
    if recent:
        # Content confirmed as of ``now_ns``: an edit from now on moves the timestamps.
        with _CACHE_LOCK:
            entry.verified_ns = max(entry.verified_ns, now_ns)
    return True


def _cached_build(lessons_dir) -> tuple[Course | None, tuple[Problem, ...]]:
    folder = Path(lessons_dir).resolve()
    key = str(folder)
    # Taken before any stat or read: whatever changes after it gets a newer timestamp.
    now_ns = time.time_ns()
    lesson_stats, listing = _scan_lessons(folder)
    with _CACHE_LOCK:
        hit = _CACHE.get(key)
    if hit is not None and _unchanged(hit, lesson_stats, listing, now_ns):
        return hit.course, hit.problems
    # Recorded before the build reads anything, so an edit during the build is seen next
    # time; modules are known only after it, so theirs are the digests the build read.
    digests = {path: _digest_file(path) for path, stat in lesson_stats.items()
               if _recent(stat, now_ns)}
    package_listings = _package_listings()
    course, problems, module_files = _build(folder)
    module_stats = {path: _stat(path) for path in sorted(module_files)}
    digests.update({path: module_files[path] for path, stat in module_stats.items()
                    if _recent(stat, now_ns)})
    entry = _Entry(lesson_stats, listing, module_stats, package_listings, digests, now_ns,
                   course, tuple(problems))
    with _CACHE_LOCK:
        _CACHE[key] = entry
    return course, entry.problems


def validate_course(lessons_dir: Path | str = LESSONS_DIR) -> list[Problem]:
    """Check a lessons folder and return every problem found (errors and warnings).

    Args:
        lessons_dir: the folder holding ``course.toml``, ``sources.toml`` and one folder
            per stage (default: the project's ``lessons/``).

    Returns:
        Every :class:`Problem`, in file order; empty when the course is clean. Problems
        with ``severity == "warning"`` do not stop the course from loading.
    """
    return list(_cached_build(lessons_dir)[1])


def load_course(lessons_dir: Path | str = LESSONS_DIR) -> Course:
    """Load the course (cached until a lesson or check module changes; cheap on every page).

    Args:
        lessons_dir: the folder holding ``course.toml`` (default: the project's ``lessons/``).

    Returns:
        The :class:`Course`. Warnings (see ``validate_course``) do not stop it loading.

    Raises:
        ContentError: the lessons have at least one error; ``.problems`` lists them all.
    """
    course, problems = _cached_build(lessons_dir)
    if course is None:
        raise ContentError([problem for problem in problems if problem.is_error],
                           lessons_dir=Path(lessons_dir))
    return course
