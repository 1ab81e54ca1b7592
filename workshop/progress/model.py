"""What the progress store keeps, independent of any database.

The records (``Learner``, ``CheckProgress``, ``Event``), the outcome and event-kind
strings, the outcome precedence rules, and ``ProgressChange``: one write a backend applies
in a single transaction. Outcome values are the four strings of ``workshop.check_model.Outcome``
(a ``str`` enum, so either form may be passed in): ``passed``, ``failed``,
``not_attempted``, ``revealed``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from workshop.check_model import Outcome
from workshop.errors import ProgressStoreError

# The layout of the stored tables; every backend writes and checks the same number.
# 2 added ``failed_attempts`` and ``policy_ticks``; 3 added ``hash_reports``. A store of
# version 1 or 2 is upgraded in place.
SCHEMA_VERSION = 3

# What a failed code attempt was for (``ProgressStore.record_failure``).
INSTRUCTOR_SCOPE = "instructor"
RESUME_SCOPE = "resume"
FAILURE_SCOPES = (INSTRUCTOR_SCOPE, RESUME_SCOPE)
# Failed attempts older than this are deleted as new ones are recorded.
FAILURE_RETENTION_HOURS = 24

# The stored outcome strings are the values of the one vocabulary, check_model.Outcome.
PASSED = Outcome.PASSED.value
FAILED = Outcome.FAILED.value
NOT_ATTEMPTED = Outcome.NOT_ATTEMPTED.value
REVEALED = Outcome.REVEALED.value
OUTCOMES = tuple(outcome.value for outcome in Outcome)

ATTEMPT_PASSED = "attempt_passed"
ATTEMPT_FAILED = "attempt_failed"
HINT = "hint"
REVEAL = "reveal"
EVENT_KINDS = (ATTEMPT_PASSED, ATTEMPT_FAILED, HINT, REVEAL)


@dataclass(frozen=True)
class Learner:
    """One anonymous learner: resume code, optional display name, UTC timestamps."""

    code: str
    display_name: str | None
    created_at: datetime
    last_seen: datetime | None = None


@dataclass(frozen=True)
class CheckProgress:
    """One learner's state on one check (outcome, counters, UTC timestamps)."""

    learner_code: str
    stage_id: str
    check_id: str
    outcome: str
    attempts: int
    hints_used: int
    seconds: float
    updated_at: datetime
    first_at: datetime | None = None


@dataclass(frozen=True)
class Event:
    """One thing a learner did on a check; ``kind`` is one of ``EVENT_KINDS``."""

    id: int
    learner_code: str
    stage_id: str
    check_id: str
    kind: str
    at: datetime


@dataclass(frozen=True)
class ProgressChange:
    """One record on one check, applied by a backend in a single transaction.

    The backend reads the stored outcome (``not_attempted`` if none), stores
    ``outcome_after(previous)``, adds the counters, and appends one event of ``kind``.
    The code and ids are already validated.
    """

    learner_code: str
    stage_id: str
    check_id: str
    kind: str
    outcome_after: Callable[[str], str]
    attempts: int = 0
    hints_used: int = 0
    seconds: float = 0.0


@dataclass(frozen=True)
class RecentFailures:
    """Failed code attempts within a window, as the store's own clock sees them.

    ``seconds_since_last`` is None when there was none; measured on the clock the
    attempts were recorded with, so app machines whose clocks disagree still agree.
    """

    count: int
    seconds_since_last: float | None


@dataclass(frozen=True)
class HashReport:
    """One prediction hash a learner got on their own machine, and where they got it.

    ``platform``, ``python``, ``numpy`` and ``blas`` are None when the learner pasted a
    bare hash; ``learner_code`` and ``reported_at`` are filled in by the store.
    """

    prediction_sha256: str
    platform: str | None = None
    python: str | None = None
    numpy: str | None = None
    blas: str | None = None
    learner_code: str | None = None
    reported_at: datetime | None = None


@dataclass(frozen=True)
class LearnerExport:
    """Everything stored about one learner, read in one transaction.

    ``learner`` is None when no learner has the code.
    """

    learner: Learner | None
    progress: list[CheckProgress]
    events: list[Event]
    policy_ticks: dict[str, bool] = field(default_factory=dict)
    hash_report: HashReport | None = None


def outcome_value(outcome: object) -> str:
    """The plain outcome string of ``outcome`` (a string or an ``Outcome`` member).

    Raises:
        ProgressStoreError: it is not one of ``OUTCOMES``.
    """
    # workshop.checks.Outcome is a str enum; its .value is the plain string.
    value = getattr(outcome, "value", outcome)
    if value not in OUTCOMES:
        raise ProgressStoreError(
            f"Expected an outcome among {', '.join(OUTCOMES)}; got {outcome!r}. "
            "Pass the Outcome returned by workshop.checks.grade."
        )
    return value


def outcome_after_attempt(previous: str, attempt: str) -> str:
    """Outcome of a check after one graded submission.

    A pass is never downgraded, and a revealed check stays ``revealed`` (the learner saw
    the answer before passing); otherwise the attempt's own outcome counts.

    Args:
        previous: the stored outcome (``not_attempted`` if none).
        attempt: ``passed`` or ``failed``.

    Returns:
        The outcome to store.
    """
    if previous in (PASSED, REVEALED):
        return previous
    return attempt


def outcome_after_reveal(previous: str) -> str:
    """Outcome after the learner reveals the answer: ``revealed`` unless already passed."""
    return PASSED if previous == PASSED else REVEALED


def clean_seconds(seconds: object) -> float:
    """Seconds as a float; negative, non-finite or non-numeric values count as 0."""
    try:
        value = float(seconds)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0.0
    return value if math.isfinite(value) and value > 0 else 0.0


def utc(moment: datetime) -> datetime:
    """``moment`` in UTC; a naive time (from a test clock) is taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def system_now() -> datetime:
    """The current time, in UTC (the store's default clock)."""
    return datetime.now(UTC)
