"""The one +++ front-matter parser (lesson.md and welcome.md)."""

from __future__ import annotations

import tomllib

import pytest

from workshop.content import Welcome, frontmatter, parse_front_matter


def test_front_matter_and_body_are_split_with_their_line_numbers():
    """The TOML between the +++ lines, and the body with the line it starts at."""
    parts = frontmatter.split('+++\ntitle = "T"\nn = 1\n+++\n\n## A\ntext\n')
    assert parts.status == frontmatter.PRESENT
    assert (parts.front, parts.front_line) == ('title = "T"\nn = 1', 2)
    assert (parts.body, parts.body_line) == ("\n## A\ntext", 5)


def test_fences_may_carry_surrounding_spaces():
    """A fence is a line holding only +++, give or take spaces."""
    parts = frontmatter.split("+++  \nx = 1\n  +++\nbody")
    assert (parts.status, parts.front, parts.body) == (frontmatter.PRESENT, "x = 1", "body")


@pytest.mark.parametrize("text, status", [
    ("## Hello\n\nText.", frontmatter.ABSENT),
    ("", frontmatter.ABSENT),
    ("title = 1\n+++\n", frontmatter.ABSENT),
    ("+++\ntitle = 1\n\n## Hello", frontmatter.UNCLOSED),
])
def test_without_complete_front_matter_the_whole_text_is_the_body(text, status):
    """No opening fence, or no closing one: no front matter, and the body is the file."""
    parts = frontmatter.split(text)
    assert (parts.status, parts.front, parts.body_line) == (status, None, 1)
    assert parts.body == "\n".join(text.splitlines())


def test_parse_reads_the_toml():
    """parse() gives the fields as a dict (empty without front matter) and the body."""
    assert parse_front_matter('+++\ntitle = "T"\ntags = ["a"]\n+++\nBody') == (
        {"title": "T", "tags": ["a"]}, "Body")
    assert parse_front_matter("Just text") == ({}, "Just text")


def test_parse_raises_on_malformed_toml():
    """The caller decides what a syntax error means (a problem for the loader)."""
    with pytest.raises(tomllib.TOMLDecodeError):
        parse_front_matter("+++\ntitle = T\n+++\n")


def test_welcome_falls_back_to_the_course_title():
    """Welcome.of: the front matter's title, else the given one; the body is stripped."""
    assert Welcome.of({}, "\n\nHi\n", "Course") == Welcome("Course", "Hi", {})
    assert Welcome.of({"title": "Own"}, "", "Course").title == "Own"
    assert Welcome.of({"title": ""}, "", "Course").title == "Course"
