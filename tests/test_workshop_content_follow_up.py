"""A predict-then-run check's [check.follow_up], and fair options (workshop.content.follow_up,
workshop.content.option_stats): read, checked, and reported with their place."""

from __future__ import annotations

import pytest

from tests.test_workshop_content_support import errors_of, private_course
from workshop.content import load_course, validate_course
from workshop.content.option_stats import position_summary

PRACTICE_CHECKS = "01-practice/checks.toml"
ANCHOR = 'references = ["beta-docs"]\n\n[[check]]\nid = "practice-hands-on"'
FOLLOW_UP = '''references = ["beta-docs"]

  [check.follow_up]
  prompt = "Why was the prediction off?"
  answer = "sum"

    [[check.follow_up.options]]
    key = "sum"
    text = "The sum was divided by the count"

    [[check.follow_up.options]]
    key = "median"
    text = "The middle value was taken instead"
    {feedback}

[[check]]
id = "practice-hands-on"'''


@pytest.fixture
def lessons(tmp_path, monkeypatch):
    yield from private_course(tmp_path, monkeypatch)


def _write(lessons, feedback='feedback = "The mean is not the middle value."'):
    path = lessons / PRACTICE_CHECKS
    text = path.read_text(encoding="utf-8")
    assert ANCHOR in text
    path.write_text(text.replace(ANCHOR, FOLLOW_UP.format(feedback=feedback)), encoding="utf-8")


def test_a_follow_up_is_read_into_the_check(lessons):
    _write(lessons)
    assert not validate_course(lessons)
    check = load_course(lessons).check("practice-predict")
    assert check.follow_up.answer == "sum"
    assert [option.key for option in check.follow_up.options] == ["sum", "median"]


def test_a_wrong_follow_up_option_without_feedback_is_an_error(lessons):
    _write(lessons, feedback="")
    problems = errors_of(lessons)
    assert any("follow_up" in problem.location and "no feedback" in problem.message
               for problem in problems), problems


def test_a_follow_up_on_another_kind_is_a_warning(lessons):
    path = lessons / "00-intro" / "checks.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('answer = "seed"', 'answer = "seed"\nfollow_up = "?"', 1),
                    encoding="utf-8")
    problems = validate_course(lessons)
    assert any("'follow_up' is not used by single_choice" in problem.message
               for problem in problems), problems


def test_a_right_option_much_longer_than_the_others_is_a_warning(lessons):
    path = lessons / "00-intro" / "checks.toml"
    text = path.read_text(encoding="utf-8")
    course = load_course(lessons)
    check = next(check for check in course.checks if check.kind == "single_choice")
    right = check.option(check.answer).text
    path.write_text(text.replace(f'text = "{right}"',
                                 f'text = "{right}, explained at great length for the reader"',
                                 1), encoding="utf-8")
    problems = validate_course(lessons)
    assert any("as long as the median wrong option" in problem.message
               and problem.severity == "warning" for problem in problems), problems


def test_the_summary_says_where_the_right_answers_sit(lessons):
    lines = position_summary(load_course(lessons).checks)
    assert lines and lines[0].startswith("Right answers of ")
    assert "first by chance" in lines[0]
