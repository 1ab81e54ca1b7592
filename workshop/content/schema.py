"""A declarative description of every lessons file, and one reader for all of them.

Each TOML table is described by a :class:`Table`: its fields in reading order, each with a
type, whether it is required, its default, and the words its fix text uses. :func:`read`
checks a parsed table against one and returns the values, recording a
:class:`~workshop.content.model.Problem` (with file, line, field and fix) for each mistake
instead of stopping at the first. Nested tables (``[[agenda]]``, ``[[check.options]]``) and
fields with rules of their own (a check's answer) are declared too, so unknown keys are
found, but the caller reads them at their turn.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workshop import checks as kinds
from workshop.content.model import ERROR, WARNING
from workshop.content.where import Context, Where, did_you_mean, show

STR = "text"
STR_LIST = "list of text"
INT = "whole number"
BOOL = "true or false"
TABLES = "tables"
CUSTOM = "custom"  # read by the caller: the rules are its own


@dataclass(frozen=True)
class Field:
    """One field of a table.

    Args:
        name: the TOML key.
        type: ``STR``, ``STR_LIST``, ``INT``, ``BOOL``, ``TABLES`` or ``CUSTOM``.
        required: whether a missing field is an error.
        default: the value of a missing optional field.
        what: how the fix text describes the value (``add id = "..." (<what>)``).
        minimum: the least whole number, or the fewest list items.
        check: run on a value read without problems; returns the value to keep (None to
            drop it), recording its own problems.
    """

    name: str
    type: str = STR
    required: bool = True
    default: Any = None
    what: str = "text"
    minimum: int = 0
    check: Callable[[Where, Any], Any] | None = None


@dataclass(frozen=True)
class Table:
    """A TOML table: what the messages call it, and its fields in reading order.

    ``keys`` lists the field names as the unknown-field fix shows them, when that order is
    not the reading order.
    """

    what: str
    fields: tuple[Field, ...]
    keys: tuple[str, ...] = ()

    @property
    def allowed(self) -> tuple[str, ...]:
        """Every key the table takes, in the order messages list them."""
        return self.keys or tuple(field.name for field in self.fields)

    def field(self, name: str) -> Field:
        """The field called ``name``."""
        return next(field for field in self.fields if field.name == name)


# ------------------------------------------------------------------- one field each


def get_str(where: Where, table: dict, key: str, required: bool = True,
            what: str = "text") -> str | None:
    """A text field: None when missing (an error if required) or not non-empty text."""
    value = table.get(key)
    if value is None:
        if required:
            where.add(key, f"missing {key!r}", f'add {key} = "..." ({what})')
        return None
    if not isinstance(value, str) or (required and not value.strip()):
        where.add(key, f"{key!r} must be non-empty text, found {show(value)}",
                  f'write {key} = "..." ({what})')
        return None
    return value


def get_str_list(where: Where, table: dict, key: str, minimum: int = 1,
                 required: bool = True) -> tuple[str, ...] | None:
    """A list of non-empty strings with at least ``minimum`` items (``()`` if optional)."""
    value = table.get(key)
    if value is None:
        if required:
            where.add(key, f"missing {key!r}",
                      f'add {key} = ["...", ...] with at least {minimum} item(s)')
            return None
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        where.add(key, f"{key!r} must be a list of non-empty strings, found {show(value)}",
                  f'write {key} = ["...", "..."]')
        return None
    if len(value) < minimum:
        where.add(key, f"{key!r} has {len(value)} item(s); at least {minimum} needed",
                  f'add items to {key} = ["...", ...]')
        return None
    return tuple(value)


def get_int(where: Where, table: dict, key: str, minimum: int = 0,
            required: bool = True, default: int | None = None) -> int | None:
    """A whole number >= ``minimum`` (``default`` when missing and optional)."""
    value = table.get(key)
    if value is None:
        if required:
            where.add(key, f"missing {key!r}", f"add {key} = <whole number >= {minimum}>")
        return default
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        where.add(key, f"{key!r} must be a whole number >= {minimum}, found {show(value)}",
                  f"write {key} = <whole number >= {minimum}> (no quotes, no decimals)")
        return None
    return value


def get_bool(where: Where, table: dict, key: str, default: bool = False) -> bool | None:
    """``true`` or ``false`` (``default`` when missing)."""
    value = table.get(key, default)
    if not isinstance(value, bool):
        where.add(key, f"{key!r} must be true or false, found {show(value)}",
                  f"write {key} = true or {key} = false")
        return None
    return value


def get_number(value: Any) -> float | None:
    """A finite int or float as a float, else None (booleans are not numbers)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def get_tables(where: Where, table: dict, key: str, required: bool = False) -> list[dict]:
    """The ``[[key]]`` tables (``[]`` when missing, an error if required, or malformed)."""
    value = table.get(key)
    if value is None:
        if required:
            where.add(key, f"no [[{key}]] tables", f"add at least one [[{key}]] table")
        return []
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        where.add(key, f"{key!r} must be a list of tables, found {show(value)}",
                  f"write each entry as a [[{key}]] table")
        return []
    return value


def unknown_keys(where: Where, table: dict, allowed, what: str) -> None:
    """A warning for each key of ``table`` that is not in ``allowed``."""
    for key in table:
        if key not in allowed:
            where.add(key, f"unknown field {key!r} in {what}{did_you_mean(key, allowed)}",
                      f"remove it or rename it; {what} takes: {', '.join(allowed)}", WARNING)


# ------------------------------------------------------------------ a whole table


def _read_field(where: Where, data: dict, spec: Field) -> Any:
    if spec.type == STR:
        value = get_str(where, data, spec.name, spec.required, spec.what)
        if value is None and not spec.required:
            return spec.default  # an optional text field falls back, problem or not
        return value
    if spec.type == STR_LIST:
        return get_str_list(where, data, spec.name, spec.minimum, spec.required)
    if spec.type == INT:
        return get_int(where, data, spec.name, spec.minimum, spec.required, spec.default)
    if spec.type == BOOL:
        return get_bool(where, data, spec.name, bool(spec.default))
    raise ValueError(f"{spec.name}: a {spec.type} field is read by its caller")


def read(where: Where, data: dict, table: Table) -> dict[str, Any]:
    """Check ``data`` against ``table``: unknown keys, then each plain field in order.

    Args:
        where: the table's place, for problems.
        data: the parsed TOML table.
        table: its description.

    Returns:
        Each plain field's value by name: None for one with a problem (recorded) or a
        missing required one; the default for a missing optional one. ``TABLES`` and
        ``CUSTOM`` fields are left to the caller.
    """
    unknown_keys(where, data, table.allowed, table.what)
    values: dict[str, Any] = {}
    for spec in table.fields:
        if spec.type in (TABLES, CUSTOM):
            continue
        value = _read_field(where, data, spec)
        if value is not None and spec.check is not None:
            value = spec.check(where, value)
        values[spec.name] = value
    return values


def items(where: Where, data: dict, table: Table, name: str) -> list[dict]:
    """The nested ``[[name]]`` tables of ``data``, as ``table`` declares them."""
    return get_tables(where, data, name, table.field(name).required)


def build(cls: type, values: dict[str, Any], *names: str):
    """``cls(*values)`` for ``names`` (default: all), or None when one of them is None."""
    args = [values[name] for name in (names or values)]
    return None if None in args else cls(*args)


# ---------------------------------------------------------------------- whole files


def read_text(ctx: Context, path: Path, what: str, fix: str,
              severity: str = ERROR) -> str | None:
    """A file's text (UTF-8, BOM allowed), or None after recording why it cannot be read."""
    if not path.is_file():
        ctx.add(path, "file", f"{what} is missing", fix, severity)
        return None
    try:
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as error:
        ctx.add(path, f"byte {error.start}", "the file is not UTF-8 text",
                "save the file as UTF-8 (most editors: 'Save with encoding')", severity)
    except OSError as error:
        ctx.add(path, "file", f"the file cannot be read ({error.strerror})",
                "check the file's permissions", severity)
    return None


_TOML_LINE = re.compile(r"\(at line (\d+), column (\d+)\)")


def parse_toml(ctx: Context, path: Path, text: str, line_offset: int = 0,
               severity: str = ERROR) -> dict | None:
    """Parsed TOML, or None after recording the syntax error at its line in the file.

    ``line_offset`` is added to the line tomllib reports (front matter starts at line 2).
    """
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        match = _TOML_LINE.search(message)
        location = f"line {int(match.group(1)) + line_offset}" if match else "file"
        ctx.add(path, location, f"malformed TOML: {_TOML_LINE.sub('', message).strip()}"
                + (f" (column {match.group(2)})" if match else ""),
                "fix the TOML syntax on that line: quote strings, close brackets and "
                "triple quotes, one key = value per line", severity)
        return None


# ------------------------------------------------------------- the files, declared

# Stage ids are URL paths and widget-key prefixes; check ids and option keys are widget keys.
ID = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
SOURCE_ID = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
FOLDER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def _check_id(where: Where, value: str) -> str:
    if not ID.match(value):
        where.add("id", f"check id {value!r} is not a simple id",
                  "use lowercase letters, digits, '-' and '_', e.g. model-seed-shopping")
    return value


def _check_kind(where: Where, value: str) -> str | None:
    if value not in kinds.KINDS:
        where.add("kind", f"unknown kind {value!r}{did_you_mean(value, kinds.KINDS)}",
                  f"use one of: {', '.join(kinds.KINDS)}")
        return None
    return value


# lessons/sources.toml
SOURCES = Table("sources.toml", (Field("source", TABLES),))
SOURCE = Table("a [[source]]", (
    Field("id", what="a short id such as gundersen2018"),
    Field("citation", what="the full citation"),
    Field("where", required=False, default=""),
))

# lessons/course.toml
COURSE = Table("course.toml", (
    Field("title", what="the course title"),
    Field("agenda", TABLES),
    Field("stage", TABLES),
))
AGENDA = Table("an [[agenda]]", (
    Field("id", what="e.g. tutorial"),
    Field("title", what="e.g. 90-minute tutorial"),
    Field("minutes", INT, minimum=1),
    Field("buffer_minutes", INT, required=False, default=0),
))
STAGE = Table("a [[stage]]", (
    Field("id", what="e.g. design; it is the page's URL path"),
    Field("number", INT),
    Field("folder", what="the lesson folder, e.g. 01-design"),
    Field("title", what="the stage's title"),
    Field("nav_title", what="a short title for the sidebar"),
    Field("minutes", CUSTOM),  # minutes.<agenda id> = STAGE_MINUTES, one per agenda
))
STAGE_MINUTES = Table("a stage's minutes", (Field("teaching", INT), Field("exercise", INT)))

# lessons/<folder>/lesson.md: the front matter
FRONT_MATTER = Table("the front matter", (
    Field("title", what="the lesson's title"),
    Field("questions", STR_LIST, minimum=1),
    Field("objectives", STR_LIST, minimum=1),
    Field("keypoints", STR_LIST, minimum=1),
    Field("presenter_notes", what="notes for the presenter"),
    Field("checklist", TABLES, required=False),
    Field("tools", TABLES, required=False),
    Field("metrics", TABLES, required=False),
))
CHECKLIST = Table("a [[checklist]] entry", (
    Field("item"),
    Field("why"),
    Field("tools", STR_LIST, required=False),
))
TOOL = Table("a [[tools]] entry", (
    Field("name"),
    Field("use", what="what the tool is for"),
    Field("shown_here", BOOL, default=False),
    Field("url", required=False, default=""),
))
METRIC = Table("a [[metrics]] entry", (Field("name"), Field("description")))

# lessons/<folder>/checks.toml
CHECKS = Table("checks.toml", (Field("check", TABLES, required=False),))
CHECK = Table("a [[check]]", (
    Field("id", what="unique in the course, e.g. model-seed-shopping", check=_check_id),
    Field("kind", what=f"one of {', '.join(kinds.KINDS)}", check=_check_kind),
    Field("prompt", what="the question"),
    Field("hints", STR_LIST, minimum=1),
    Field("explanation", what="shown after a pass or a reveal: why the answer is right"),
    Field("references", STR_LIST, minimum=1),
    Field("unit", required=False, default=""),
    Field("options", TABLES, required=False),  # OPTION tables; how many depends on the kind
    Field("answer", CUSTOM),  # its form depends on the kind: see answers.py
    Field("tolerance", CUSTOM),  # numeric kinds only
    Field("compute", CUSTOM),  # predict_then_run only: "module:function"
    Field("grader", CUSTOM),  # hands_on only: "module:function"
    Field("follow_up", CUSTOM),  # predict_then_run only: follow_up.py
), keys=("id", "kind", "prompt", "options", "answer", "tolerance", "unit", "hints",
         "explanation", "references", "compute", "grader", "follow_up"))
OPTION = Table("a [[check.options]]", (
    Field("key", what="a short key, e.g. seed"),
    Field("text", what="what the learner sees"),
    Field("feedback", required=False, default=""),
))
# Fields only some kinds use (a warning elsewhere), and the fewest options per kind.
KIND_ONLY = {"tolerance": kinds.NUMERIC_KINDS, "compute": {kinds.PREDICT_THEN_RUN},
             "grader": {kinds.HANDS_ON}, "options": kinds.OPTION_KINDS,
             "follow_up": {kinds.PREDICT_THEN_RUN}}
MIN_OPTIONS = {kinds.SINGLE_CHOICE: 2, kinds.MULTIPLE_CHOICE: 2, kinds.ORDERING: 2,
               kinds.HANDS_ON: 1}
