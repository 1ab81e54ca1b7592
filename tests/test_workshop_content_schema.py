"""The declarative schema and its one reader: each malformed file is reported with its file,
line, field and fix; the generic reader on its own."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_workshop_content_support import (
    INTRO_LESSON,
    assert_reported,
    cases,
    edit,
    errors_of,
    private_course,
)
from workshop.content import Timing, schema
from workshop.content.where import Context, Where


@pytest.fixture
def lessons(tmp_path, monkeypatch):
    """A private copy of the valid fixture course, free to break."""
    yield from private_course(tmp_path, monkeypatch)


@pytest.mark.parametrize("change, file, location, message", cases(rules=False))
def test_validator_catches_each_malformed_file(lessons, change, file, location, message):
    """Each mistake in a file's form is reported with its file, place, message and fix."""
    assert_reported(lessons, change, file, location, message)

def test_toml_errors_point_at_the_line_in_the_file(lessons):
    """A syntax error deep in the front matter is reported at its line in lesson.md."""
    edit(lessons, INTRO_LESSON, 'name = "Spread across runs"', 'name = "Spread across runs')
    [problem] = errors_of(lessons)
    assert problem.location.startswith("line 20")
    lines = (lessons / INTRO_LESSON).read_text().splitlines()
    assert lines[19].startswith('name = "Spread across runs')


# ---------------------------------------------------------------- the generic reader

PLACE = Path("/x/lessons/things.toml")
LINES = ("[[thing]]", "size = -1", "colour = 3", "shiny = 1", "tags = []")
THING = schema.Table("a [[thing]]", (
    schema.Field("name", what="what it is called"),
    schema.Field("size", schema.INT, minimum=1),
    schema.Field("colour", required=False, default="grey"),
    schema.Field("shiny", schema.BOOL, default=False),
    schema.Field("tags", schema.STR_LIST, required=False),
    schema.Field("parts", schema.TABLES, required=False),
))


def _reader(data: dict, table: schema.Table = THING):
    ctx = Context(Path("/x/lessons"))
    where = Where(ctx, PLACE, 'thing "a"', 1, LINES, 2, len(LINES) + 1)
    return schema.read(where, data, table), ctx.problems


def test_the_reader_returns_values_and_defaults_without_problems():
    """Plain fields are read in order; missing optional ones take their default; nested
    tables are left to the caller."""
    values, problems = _reader({"name": "a", "size": 2, "parts": [{}]})
    assert values == {"name": "a", "size": 2, "colour": "grey", "shiny": False, "tags": ()}
    assert problems == []


def test_the_reader_reports_each_field_at_its_line_with_a_fix():
    """Every mistake is collected, each at the line its key is written on."""
    values, problems = _reader({"size": -1, "colour": 3, "shiny": 1, "tags": []})
    assert values == {"name": None, "size": None, "colour": "grey", "shiny": None, "tags": ()}
    assert [(p.location, p.message, p.fix) for p in problems] == [
        ('line 1, thing "a", name', "missing 'name'", 'add name = "..." (what it is called)'),
        ('line 2, thing "a", size', "'size' must be a whole number >= 1, found -1",
         "write size = <whole number >= 1> (no quotes, no decimals)"),
        ('line 3, thing "a", colour', "'colour' must be non-empty text, found 3",
         'write colour = "..." (text)'),
        ('line 4, thing "a", shiny', "'shiny' must be true or false, found 1",
         "write shiny = true or shiny = false"),
    ]
    assert all(p.file == "lessons/things.toml" and p.is_error for p in problems)


def test_unknown_keys_are_warnings_that_suggest_the_known_ones():
    """A typo names the closest field and every field the table takes, in declared order."""
    _, [problem] = _reader({"name": "a", "size": 1, "colur": "red"})
    assert problem.severity == "warning"
    assert problem.message == "unknown field 'colur' in a [[thing]] (did you mean \"colour\"?)"
    assert problem.fix == ("remove it or rename it; a [[thing]] takes: name, size, colour, "
                           "shiny, tags, parts")


def test_a_field_check_runs_on_valid_values_and_may_drop_them():
    """A field's own rule (an id's pattern, a known kind) runs right after it is read."""
    seen = []

    def no_x(where, value):
        seen.append(value)
        return None if value == "x" else value

    table = schema.Table("a [[thing]]", (schema.Field("name", check=no_x),))
    assert _reader({"name": "x"})[0] != _reader({"name": "x"}, table)[0]
    assert _reader({"name": "y"}, table)[0] == {"name": "y"}
    assert _reader({"name": 5}, table)[0] == {"name": None}
    assert seen == ["x", "y"]


def test_build_makes_the_dataclass_only_from_complete_values():
    """One missing value and there is nothing to build."""
    assert schema.build(Timing, {"teaching": 1, "exercise": 2}) == Timing(1, 2)
    assert schema.build(Timing, {"teaching": 1, "exercise": None}) is None


def test_the_declared_files_list_keys_in_the_documented_order():
    """The unknown-field fixes name the keys as lessons/README.md documents them."""
    assert schema.CHECK.allowed == ("id", "kind", "prompt", "options", "answer", "tolerance",
                                    "unit", "hints", "explanation", "references", "compute",
                                    "grader", "follow_up")
    assert schema.STAGE.allowed == ("id", "number", "folder", "title", "nav_title", "minutes")
    assert schema.FRONT_MATTER.allowed == ("title", "questions", "objectives", "keypoints",
                                           "presenter_notes", "checklist", "tools", "metrics")
    assert schema.TOOL.allowed == ("name", "use", "shown_here", "url")
