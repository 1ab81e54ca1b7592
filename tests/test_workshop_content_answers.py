"""A check's reference answer is validated by its kind's own small function."""

from __future__ import annotations

from pathlib import Path

import pytest

from workshop.checks import KINDS, MULTIPLE_CHOICE, NUMERIC, ORDERING, SINGLE_CHOICE, Option
from workshop.content.answers import FORMS, READERS, read_answer
from workshop.content.where import Context, Where

OPTIONS = (Option("a", "A", ""), Option("b", "B", "Not b."), Option("c", "C", "Not c."))


def _read(kind, answer, options=OPTIONS):
    ctx = Context(Path("/x/lessons"))
    where = Where(ctx, Path("/x/lessons/s/checks.toml"), 'check "q"')
    wheres = {option.key: where.sub(f'option "{option.key}"') for option in options}
    item = {} if answer is None else {"answer": answer}
    return read_answer(where, item, kind, options, wheres), ctx.problems


def test_every_kind_has_a_reader_and_a_form():
    """A kind added to workshop.checks without an answer rule would fail here."""
    assert set(READERS) == set(FORMS) == set(KINDS)


@pytest.mark.parametrize("kind, raw, expected", [
    (SINGLE_CHOICE, "a", "a"),
    (MULTIPLE_CHOICE, ["a"], ("a",)),
    (ORDERING, ["c", "a", "b"], ("c", "a", "b")),
    (NUMERIC, 3, 3.0),
])
def test_valid_answers_are_normalised(kind, raw, expected):
    """Keys stay keys, lists become tuples, numbers become floats."""
    assert _read(kind, raw) == (expected, [])


@pytest.mark.parametrize("kind, raw, message", [
    (SINGLE_CHOICE, ["a"], "must be one option key"),
    (MULTIPLE_CHOICE, [], "the answer is empty"),
    (MULTIPLE_CHOICE, ["a", "a"], "the answer repeats ['a']"),
    (ORDERING, ["a", "b"], "(missing ['c'])"),
    (NUMERIC, float("nan"), "must be a finite number"),
    (NUMERIC, True, "must be a finite number"),
])
def test_malformed_answers_are_one_problem_at_the_answer(kind, raw, message):
    """Each wrong form gives one problem naming the answer field and the way to write it."""
    value, [problem] = _read(kind, raw)
    assert value is None
    assert problem.location == 'check "q", answer' and message in problem.message


def test_a_missing_answer_says_how_to_write_one_for_its_kind():
    """The fix is the kind's own form."""
    _, [problem] = _read(ORDERING, None)
    assert problem.message.startswith("missing 'answer'") and problem.fix == FORMS[ORDERING]


def test_a_wrong_option_without_feedback_is_named():
    """The right option needs no feedback; a wrong one does."""
    options = (Option("a", "A", ""), Option("b", "B", ""))
    value, [problem] = _read(SINGLE_CHOICE, "a", options)
    assert value == "a"
    assert problem.location == 'check "q", option "b", feedback'
