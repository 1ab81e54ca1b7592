"""The engine behind a check's buttons: one call per click, which grades, writes and answers.

``submit``, ``submit_follow_up``, ``take_hint`` and ``reveal`` each take the progress store,
the learner's code and the check, do what the click means (grade, record in the store) and
return what the learner should see. The widget code collects the answer and draws what comes
back; it decides nothing.

Rules kept here, so that every screen obeys them alike:

- an answer that cannot be graded (nothing chosen, not a number) is *not attempted*:
  nothing is recorded, the learner is told what to do;
- feedback is returned only after the write succeeded: when the store fails
  (``ProgressStoreError``: locked, disk full) the click comes back ``NOT_SAVED`` with
  :data:`NOT_SAVED_MESSAGE`, nothing is recorded, and the answer stays on screen;
- a prediction counts once: a predict-then-run check takes one prediction; when it misses,
  the check's follow-up question (:attr:`Check.follow_up`) can still earn the pass;
- a hint is not taken (nor counted) once the check is passed or revealed;
- options are shown in an order of the learner's own (:func:`option_order`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from workshop import checks
from workshop.check_model import PREDICT_THEN_RUN, Check, Outcome
from workshop.errors import ProgressStoreError

__all__ = [
    "NOT_SAVED_MESSAGE", "Attempt", "HintTaken", "Status", "follow_up_open", "option_order",
    "reveal", "submit", "submit_follow_up", "take_hint",
]

NOT_SAVED_MESSAGE = ("Not saved — your progress could not be written just now, so nothing was "
                     "recorded. Your answer is still here: try again in a moment.")
ALREADY_COMMITTED = ("Your prediction is already committed; a second one would not be a "
                     "prediction. Answer the question about the gap below instead.")


class Status(StrEnum):
    """What became of a click."""

    SAVED = "saved"
    NOT_ATTEMPTED = "not_attempted"
    NOT_SAVED = "not_saved"


@dataclass(frozen=True)
class Attempt:
    """What a Submit or Reveal click gave, for the screen.

    Attributes:
        status: saved, not attempted (nothing to grade: ``feedback`` says what to do) or not
            saved (the store failed: ``feedback`` is :data:`NOT_SAVED_MESSAGE`).
        outcome: the grade of this answer (``NOT_ATTEMPTED`` unless saved); for a reveal,
            the check's outcome after it.
        feedback: what to tell the learner.
        details: the grader's details (e.g. how far off a prediction was).
        progress: the check's stored progress after the write, when saved.
    """

    status: Status
    outcome: Outcome
    feedback: str
    details: dict = field(default_factory=dict)
    progress: Any = None

    @property
    def saved(self) -> bool:
        """True when the click was recorded."""
        return self.status is Status.SAVED


@dataclass(frozen=True)
class HintTaken:
    """What a Hint click gave: how many hints to show now, and whether it was recorded."""

    status: Status
    shown: int
    message: str = ""


def option_order(check: Check, code: str) -> tuple[str, ...]:
    """The order in which this learner sees a check's options: shuffled, theirs alone.

    Derived from a hash of the learner's code, the check id and each option key, so it is
    the same on every reload, process and server (no storage, not Python's salted
    ``hash``), differs between learners, and does not depend on the file's order.

    Args:
        check: a check with options.
        code: the learner's resume code.

    Returns:
        The option keys, in this learner's order.
    """
    def rank(key: str) -> str:
        return hashlib.sha256(f"{code}\x1f{check.id}\x1f{key}".encode()).hexdigest()

    return tuple(sorted(check.option_keys, key=rank))


def _stored(store, code: str, check: Check):
    return store.progress_for(code).get(check.id)


def follow_up_open(check: Check, progress) -> bool:
    """Whether a predict-then-run check's follow-up may be answered now.

    It may after a committed prediction that missed (stored ``failed``), while the check is
    neither passed nor revealed.
    """
    return (check.kind == PREDICT_THEN_RUN and check.follow_up is not None
            and Outcome.of(progress) is Outcome.FAILED)


def _not_saved(error: ProgressStoreError | None = None) -> Attempt:
    return Attempt(Status.NOT_SAVED, Outcome.NOT_ATTEMPTED, NOT_SAVED_MESSAGE,
                   {"error": str(error)} if error else {})


def _record(store, code: str, check: Check, result: checks.Result, seconds: float) -> Attempt:
    if result.outcome not in (Outcome.PASSED, Outcome.FAILED):
        return Attempt(Status.NOT_ATTEMPTED, Outcome.NOT_ATTEMPTED, result.feedback,
                       dict(result.details or {}))
    try:
        progress = store.record_attempt(code, check.stage_id, check.id, result.outcome,
                                        seconds=seconds)
    except ProgressStoreError as error:
        return _not_saved(error)
    return Attempt(Status.SAVED, result.outcome, result.feedback, dict(result.details or {}),
                   progress)


def submit(store, code: str, check: Check, answer: Any, *, actual: Any = None,
           seconds: float = 0.0) -> Attempt:
    """A press on Submit: grade the answer, record it, say what to show.

    Args:
        store: the ``ProgressStore``.
        code: the learner's resume code.
        check: the check answered.
        answer: what the learner entered (see :func:`workshop.checks.grade`).
        actual: for predict-then-run, the computed value (computed here when None); for
            hands-on, the grader's report (the grader is run here when None).
        seconds: time spent since the last record on this check.

    Returns:
        The :class:`Attempt`. Not attempted (nothing recorded) for an answer that cannot be
        graded, or a second prediction; not saved when the store failed.

    Raises:
        GradingError: the check cannot be graded (a content error, not the learner's).
        CheckFunctionError: its compute or grader function failed.
    """
    if check.kind == PREDICT_THEN_RUN:
        progress = _stored(store, code, check)
        if progress is not None and int(getattr(progress, "attempts", 0) or 0) > 0:
            return Attempt(Status.NOT_ATTEMPTED, Outcome.NOT_ATTEMPTED, ALREADY_COMMITTED)
        if actual is None:
            probe = checks.grade(check, answer, actual=0.0)
            if probe.outcome is Outcome.NOT_ATTEMPTED:  # not a number: run nothing
                return _record(store, code, check, probe, seconds)
            actual = checks.compute_actual(check)
    if check.kind == checks.HANDS_ON and actual is None:
        result = checks.run_hands_on(check, answer)
    else:
        result = checks.grade(check, answer, actual=actual)
    return _record(store, code, check, result, seconds)


def submit_follow_up(store, code: str, check: Check, answer: Any, *,
                     seconds: float = 0.0) -> Attempt:
    """A press on the follow-up's Submit, after a missed prediction.

    A right answer passes the check (the store keeps the pass); a wrong one is one more
    failed attempt, with that option's feedback.

    Args:
        store: the ``ProgressStore``.
        code: the learner's resume code.
        check: a predict-then-run check with a ``follow_up``.
        answer: the option key chosen.
        seconds: time spent since the last record on this check.

    Returns:
        The :class:`Attempt`; not attempted when the follow-up is not open (no missed
        prediction yet, or the check is already finished).
    """
    if not follow_up_open(check, _stored(store, code, check)):
        return Attempt(Status.NOT_ATTEMPTED, Outcome.NOT_ATTEMPTED,
                       "Commit a prediction first; this question is about its gap.")
    result = checks.grade(checks.follow_up_check(check), answer)
    return _record(store, code, check, result, seconds)


def take_hint(store, code: str, check: Check, shown: int, progress=None) -> HintTaken:
    """A press on Hint: record one more hint and say how many to show.

    Args:
        store: the ``ProgressStore``.
        code: the learner's resume code.
        check: the check.
        shown: how many hints the learner sees now.
        progress: the check's stored progress (read from the store when None).

    Returns:
        The :class:`HintTaken`. Nothing is recorded once the check is passed or revealed, or
        when every hint is shown; not saved when the store failed (``shown`` unchanged).
    """
    progress = progress if progress is not None else _stored(store, code, check)
    if Outcome.of(progress).finished or shown >= len(check.hints):
        return HintTaken(Status.NOT_ATTEMPTED, shown)
    try:
        store.record_hint(code, check.stage_id, check.id)
    except ProgressStoreError:
        return HintTaken(Status.NOT_SAVED, shown, NOT_SAVED_MESSAGE)
    return HintTaken(Status.SAVED, shown + 1)


def reveal(store, code: str, check: Check) -> Attempt:
    """A press on Reveal: record it; the check is then revealed, unless it was passed.

    Returns:
        The :class:`Attempt` whose outcome is the check's outcome after the reveal; not
        saved when the store failed.
    """
    try:
        progress = store.record_reveal(code, check.stage_id, check.id)
    except ProgressStoreError as error:
        return _not_saved(error)
    return Attempt(Status.SAVED, Outcome.of(progress), "", {}, progress)
