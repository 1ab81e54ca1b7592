"""The engine behind a check's buttons (workshop.attempts), as plain Python: the order of
options per learner, and one call per click that grades, writes and says what to show."""

from __future__ import annotations

import pytest

from workshop import attempts
from workshop.attempts import Status
from workshop.check_model import (
    MULTIPLE_CHOICE,
    PREDICT_THEN_RUN,
    SINGLE_CHOICE,
    Check,
    FollowUp,
    Option,
    Outcome,
)
from workshop.errors import ProgressStoreError
from workshop.learners import new_code
from workshop.progress import ProgressStore

OPTIONS = tuple(Option(key, f"Option {key}", "" if key == "a" else f"Not {key}.")
                for key in "abcdef")
SINGLE = Check("pick", "stage", SINGLE_CHOICE, "Pick one.", OPTIONS, "a", hints=("h1", "h2"))
MULTIPLE = Check("many", "stage", MULTIPLE_CHOICE, "Pick some.", OPTIONS, ("a", "b"))
FOLLOW = FollowUp("Why the gap?", (Option("why", "Because"), Option("no", "Not so", "No.")),
                  "why")
PREDICT = Check("guess", "stage", PREDICT_THEN_RUN, "Predict.", answer=10.0, tolerance=1.0,
                hints=("h",), follow_up=FOLLOW)


class FailingStore:
    """A progress store whose every write fails, as a locked or full disk would."""

    def __init__(self, real):
        self.real = real

    def progress_for(self, code):
        return self.real.progress_for(code)

    def _fail(self, *args, **kwargs):
        raise ProgressStoreError("database is locked")

    record_attempt = record_hint = record_reveal = _fail


@pytest.fixture
def store(tmp_path):
    return ProgressStore(tmp_path)


# --- the order of options ---------------------------------------------------------------

def test_each_learner_has_an_order_of_their_own_and_keeps_it():
    """Same learner, same check: same order, every time. Different learners: other orders
    (over several checks, since two may share one order by chance)."""
    codes = [new_code() for _ in range(6)]
    checks = [Check(f"check-{n}", "stage", SINGLE_CHOICE, "?", OPTIONS, "a") for n in range(5)]
    for code in codes:
        for check in checks:
            order = attempts.option_order(check, code)
            assert sorted(order) == sorted(check.option_keys)
            assert attempts.option_order(check, code) == order
    orders = {tuple(attempts.option_order(check, code) for check in checks) for code in codes}
    assert len(orders) == len(codes)


def test_the_order_does_not_follow_the_file():
    """Over many learners the right option lands in every position, about equally."""
    positions = [attempts.option_order(SINGLE, new_code()).index("a") for _ in range(600)]
    counts = [positions.count(position) for position in range(len(OPTIONS))]
    assert min(counts) > 600 / len(OPTIONS) / 2, counts
    reordered = Check("pick", "stage", SINGLE_CHOICE, "Pick one.", OPTIONS[::-1], "a")
    assert attempts.option_order(reordered, "ABCD1234") == attempts.option_order(SINGLE,
                                                                                 "ABCD1234")


# --- submit -------------------------------------------------------------------------------

def test_submit_grades_records_and_returns_the_feedback(store):
    code = new_code()
    wrong = attempts.submit(store, code, SINGLE, "c", seconds=3)
    assert (wrong.status, wrong.outcome, wrong.feedback) == (Status.SAVED, Outcome.FAILED,
                                                              "Not c.")
    right = attempts.submit(store, code, SINGLE, "a")
    assert right.saved and right.outcome is Outcome.PASSED
    record = store.progress_for(code)["pick"]
    assert (record.outcome, record.attempts) == ("passed", 2)


def test_an_answer_that_cannot_be_graded_is_not_attempted_and_records_nothing(store):
    code = new_code()
    for answer in (None, "", "nope", []):
        result = attempts.submit(store, code, MULTIPLE, answer)
        assert result.status is Status.NOT_ATTEMPTED and result.outcome is Outcome.NOT_ATTEMPTED
        assert result.feedback
    assert store.progress_for(code) == {}


def test_a_failed_write_is_not_saved_and_gives_no_feedback(store):
    """The store fails: the learner is told 'Not saved' and nothing is recorded; no 'right'."""
    code = new_code()
    result = attempts.submit(FailingStore(store), code, SINGLE, "a")
    assert result.status is Status.NOT_SAVED and not result.saved
    assert result.outcome is Outcome.NOT_ATTEMPTED
    assert result.feedback.startswith("Not saved")
    assert store.progress_for(code) == {}
    hint = attempts.take_hint(FailingStore(store), code, SINGLE, 0)
    assert (hint.status, hint.shown) == (Status.NOT_SAVED, 0)
    assert attempts.reveal(FailingStore(store), code, SINGLE).status is Status.NOT_SAVED
    assert store.progress_for(code) == {}


# --- hints and reveal ---------------------------------------------------------------------

def test_hints_are_counted_until_the_last_and_never_after_a_pass(store):
    code = new_code()
    first = attempts.take_hint(store, code, SINGLE, 0)
    assert (first.status, first.shown) == (Status.SAVED, 1)
    attempts.submit(store, code, SINGLE, "a")
    after_pass = attempts.take_hint(store, code, SINGLE, 1)
    assert (after_pass.status, after_pass.shown) == (Status.NOT_ATTEMPTED, 1)
    assert store.progress_for(code)["pick"].hints_used == 1


def test_reveal_closes_the_check_but_never_undoes_a_pass(store):
    code, other = new_code(), new_code()
    assert attempts.reveal(store, code, SINGLE).outcome is Outcome.REVEALED
    attempts.submit(store, other, SINGLE, "a")
    assert attempts.reveal(store, other, SINGLE).outcome is Outcome.PASSED


# --- a wrong prediction is not a dead end ---------------------------------------------------

def test_a_missed_prediction_can_still_pass_through_its_follow_up(store):
    code = new_code()
    assert not attempts.follow_up_open(PREDICT, store.progress_for(code).get("guess"))
    early = attempts.submit_follow_up(store, code, PREDICT, "why")
    assert early.status is Status.NOT_ATTEMPTED  # no prediction yet: nothing to follow up
    missed = attempts.submit(store, code, PREDICT, 20.0, actual=10.0)
    assert missed.outcome is Outcome.FAILED and "above" in missed.feedback
    again = attempts.submit(store, code, PREDICT, 10.0, actual=10.0)
    assert again.status is Status.NOT_ATTEMPTED  # a prediction counts once
    assert attempts.follow_up_open(PREDICT, store.progress_for(code)["guess"])
    wrong = attempts.submit_follow_up(store, code, PREDICT, "no")
    assert wrong.outcome is Outcome.FAILED and wrong.feedback == "No."
    right = attempts.submit_follow_up(store, code, PREDICT, "why")
    assert right.outcome is Outcome.PASSED
    record = store.progress_for(code)["guess"]
    assert (record.outcome, record.attempts) == ("passed", 3)
    assert not attempts.follow_up_open(PREDICT, record)


def test_a_close_prediction_passes_at_once(store):
    code = new_code()
    assert attempts.submit(store, code, PREDICT, 10.5, actual=10.0).outcome is Outcome.PASSED
    assert not attempts.follow_up_open(PREDICT, store.progress_for(code)["guess"])


def test_outcome_reads_stored_values_records_and_nothing():
    assert Outcome.of("passed") is Outcome.PASSED
    assert Outcome.of(None) is Outcome.NOT_ATTEMPTED
    assert Outcome.of("") is Outcome.NOT_ATTEMPTED
    assert Outcome.of("bogus") is Outcome.NOT_ATTEMPTED
    assert Outcome.of(Outcome.REVEALED).finished and not Outcome.FAILED.finished
    assert Outcome.FAILED.label == "not passed yet"
