"""The instructor's room view as plain figures.

Who is here, how far the room got, which checks are hard, and who is stuck.

Pure functions over the rows ``ProgressStore`` returns (``Learner``, ``CheckProgress``,
``Event``); no database access, no Streamlit. Every result is a list of frozen dataclasses
that ``as_records`` turns into rows for a table or an altair chart. Times are aware UTC
``datetime``s (a naive one is read as UTC); the caller passes ``now``.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from workshop.check_model import Outcome
from workshop.progress import (
    ATTEMPT_FAILED,
    ATTEMPT_PASSED,
    CheckProgress,
    Event,
    Learner,
)

DEFAULT_WINDOW = timedelta(minutes=10)
STUCK_FAILURES = 3
# Characters of an anonymous learner's resume code the room view shows. Two let a learner
# recognise their row ("K7…") and leave 31**6 (8.9e8) codes to guess: about 14 years at
# the room-wide one failed resume try per second (workshop.throttle). Four left 31**4,
# under 4 hours at the 72 tries per second the issue measured.
CODE_PREFIX = 2


@dataclass(frozen=True)
class ActiveLearner:
    """A learner seen within the window; ``minutes_ago`` is never negative."""

    code: str
    label: str
    last_seen: datetime
    minutes_ago: float


@dataclass(frozen=True)
class StageCompletion:
    """How many of ``learners`` passed or revealed every check of a stage.

    ``share`` is ``complete / learners``, or ``None`` when it is undefined (no learners,
    or a stage without checks).
    """

    stage_id: str
    checks: int
    learners: int
    complete: int
    share: float | None


@dataclass(frozen=True)
class CheckFigures:
    """How the room did on one check.

    ``learners_seen``: learners with any record on it (attempt, hint or reveal);
    ``learners_attempted``: at least one graded submission; ``pass_rate``: share of
    attempters whose outcome is passed; ``median_attempts``: over attempters;
    ``hint_share``: share of learners seen who used at least one hint. Rates are ``None``
    when their denominator is 0.
    """

    stage_id: str
    check_id: str
    learners_seen: int
    learners_attempted: int
    learners_passed: int
    learners_revealed: int
    pass_rate: float | None
    median_attempts: float | None
    hint_share: float | None


@dataclass(frozen=True)
class StuckLearner:
    """A learner who looks stuck on a check.

    They failed it at least ``STUCK_FAILURES`` times, have not passed it, and failed it
    last within the window.
    """

    code: str
    label: str
    stage_id: str
    check_id: str
    failed_attempts: int
    last_failure_at: datetime
    minutes_since_failure: float


@dataclass(frozen=True)
class RecentEvent:
    """One recent event with the learner's label, newest first in ``recent_events``."""

    at: datetime
    minutes_ago: float
    code: str
    label: str
    stage_id: str
    check_id: str
    kind: str


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _minutes_between(earlier: datetime, later: datetime) -> float:
    return max(0.0, (_utc(later) - _utc(earlier)).total_seconds() / 60)


def learner_label(code: str, display_name: str | None = None) -> str:
    """What the instructor sees for a learner.

    Args:
        code: resume code.
        display_name: the learner's chosen name, if any.

    Returns:
        The display name, else the code's first two characters and an ellipsis
        (``"K7…"``): a learner recognises their row, and the rest of the code stays
        unguessable under the room-wide throttle (see ``CODE_PREFIX``).
    """
    if display_name:
        return display_name
    return code[:CODE_PREFIX] + "…"


def labels(learners: Iterable[Learner]) -> dict[str, str]:
    """Map every learner's code to ``learner_label``."""
    return {learner.code: learner_label(learner.code, learner.display_name)
            for learner in learners}


def _label(names: Mapping[str, str], code: str) -> str:
    return names.get(code) or learner_label(code)


def participants(learners: Iterable[Learner],
                 progress: Iterable[CheckProgress]) -> list[Learner]:
    """The learners who have recorded at least one action on a check, in the order given.

    An action is an attempt, a hint or a reveal (each leaves a progress row).

    Every browser session that opens the app gets a learner — the instructor's own
    session, a second tab, a page opened by mistake — so the room counts only these.

    Args:
        learners: rows from ``ProgressStore.all_learners()``.
        progress: rows from ``ProgressStore.all_progress()``.

    Returns:
        The learners with at least one progress row.
    """
    acted = {row.learner_code for row in progress}
    return [learner for learner in learners if learner.code in acted]


def active_learners(learners: Iterable[Learner], now: datetime,
                    window: timedelta = DEFAULT_WINDOW) -> list[ActiveLearner]:
    """Learners last seen within ``window`` before ``now`` (the edge counts as active).

    Args:
        learners: rows from ``ProgressStore.all_learners()``.
        now: the current time.
        window: how far back counts as "here".

    Returns:
        ``ActiveLearner`` rows, most recently seen first.
    """
    cutoff = _utc(now) - window
    active = []
    for learner in learners:
        seen = _utc(learner.last_seen or learner.created_at)
        if seen >= cutoff:
            active.append(ActiveLearner(learner.code,
                                        learner_label(learner.code, learner.display_name),
                                        seen, _minutes_between(seen, now)))
    return sorted(active, key=lambda row: (row.minutes_ago, row.label))


def _done(progress: Iterable[CheckProgress]) -> set[tuple[str, str]]:
    return {(row.learner_code, row.check_id) for row in progress
            if Outcome.of(row.outcome).finished}


def stage_completion(learners: Iterable[Learner], progress: Iterable[CheckProgress],
                     stage_checks: Mapping[str, Sequence[str]]) -> list[StageCompletion]:
    """Share of learners who passed or revealed every check of each stage.

    Args:
        learners: the learners to count (e.g. all, or only the active ones).
        progress: rows from ``ProgressStore.all_progress()``.
        stage_checks: stage id → its check ids, in course order.

    Returns:
        One ``StageCompletion`` per stage, in the order of ``stage_checks``.
    """
    codes = [learner.code for learner in learners]
    done = _done(progress)
    rows = []
    for stage_id, check_ids in stage_checks.items():
        complete = sum(
            1 for code in codes if all((code, check) in done for check in check_ids)
        ) if check_ids else 0
        share = complete / len(codes) if codes and check_ids else None
        rows.append(StageCompletion(stage_id, len(check_ids), len(codes), complete, share))
    return rows


def check_figures(progress: Iterable[CheckProgress],
                  stage_checks: Mapping[str, Sequence[str]],
                  learners: Iterable[Learner] | None = None) -> list[CheckFigures]:
    """Attempts, pass rate, median attempts and hint use for every check.

    Args:
        progress: rows from ``ProgressStore.all_progress()``.
        stage_checks: stage id → its check ids, in course order (checks not listed
            here, e.g. removed from the course, are left out).
        learners: count only these learners; ``None`` counts everyone in ``progress``.

    Returns:
        One ``CheckFigures`` per check, in course order.
    """
    allowed = None if learners is None else {learner.code for learner in learners}
    by_check: dict[str, list[CheckProgress]] = defaultdict(list)
    for row in progress:
        if allowed is None or row.learner_code in allowed:
            by_check[row.check_id].append(row)
    figures = []
    for stage_id, check_ids in stage_checks.items():
        for check_id in check_ids:
            rows = by_check.get(check_id, [])
            attempted = [row for row in rows if row.attempts > 0]
            passed = sum(1 for row in attempted if Outcome.of(row.outcome) is Outcome.PASSED)
            figures.append(CheckFigures(
                stage_id=stage_id,
                check_id=check_id,
                learners_seen=len(rows),
                learners_attempted=len(attempted),
                learners_passed=passed,
                learners_revealed=sum(1 for row in rows
                                      if Outcome.of(row.outcome) is Outcome.REVEALED),
                pass_rate=passed / len(attempted) if attempted else None,
                median_attempts=(float(statistics.median(row.attempts for row in attempted))
                                 if attempted else None),
                hint_share=(sum(1 for row in rows if row.hints_used > 0) / len(rows)
                            if rows else None),
            ))
    return figures


def stuck_learners(learners: Iterable[Learner], progress: Iterable[CheckProgress],
                   events: Iterable[Event], now: datetime,
                   window: timedelta = DEFAULT_WINDOW,
                   min_failures: int = STUCK_FAILURES) -> list[StuckLearner]:
    """Learners who keep failing a check right now.

    Stuck means: at least ``min_failures`` failed attempts on a check, no pass on it
    (neither a pass event nor a passed outcome), and the last failure at or after
    ``now - window``.

    Args:
        learners: rows from ``all_learners()`` (for labels; unknown codes get a short code).
        progress: rows from ``all_progress()`` (a passed outcome clears stuck even if the
            pass event is not in ``events``).
        events: every event of the session, e.g. ``events_since(workshop_start)``;
            failures are counted from them.
        now: the current time.
        window: how recent the last failure must be.
        min_failures: failures that make a learner stuck.

    Returns:
        ``StuckLearner`` rows, most failures first.
    """
    names = labels(learners)
    passed = {(row.learner_code, row.check_id) for row in progress
              if Outcome.of(row.outcome) is Outcome.PASSED}
    failures: dict[tuple[str, str], list[Event]] = defaultdict(list)
    for event in events:
        key = (event.learner_code, event.check_id)
        if event.kind == ATTEMPT_PASSED:
            passed.add(key)
        elif event.kind == ATTEMPT_FAILED:
            failures[key].append(event)
    cutoff = _utc(now) - window
    stuck = []
    for (code, check_id), failed in failures.items():
        if (code, check_id) in passed or len(failed) < min_failures:
            continue
        last = max(failed, key=lambda event: (_utc(event.at), event.id))
        if _utc(last.at) < cutoff:
            continue
        stuck.append(StuckLearner(code, _label(names, code), last.stage_id, check_id,
                                  len(failed), _utc(last.at),
                                  _minutes_between(last.at, now)))
    return sorted(stuck, key=lambda row: (-row.failed_attempts,
                                          row.minutes_since_failure, row.label))


def recent_events(learners: Iterable[Learner], events: Iterable[Event], now: datetime,
                  window: timedelta = DEFAULT_WINDOW, limit: int = 20) -> list[RecentEvent]:
    """The latest events within ``window``, newest first, at most ``limit`` of them.

    Args:
        learners: rows from ``all_learners()`` (for labels).
        events: rows from ``events_since(...)``.
        now: the current time.
        window: how far back to look (the edge is included).
        limit: maximum number of rows.

    Returns:
        ``RecentEvent`` rows.
    """
    names = labels(learners)
    cutoff = _utc(now) - window
    recent = [event for event in events if _utc(event.at) >= cutoff]
    recent.sort(key=lambda event: (_utc(event.at), event.id), reverse=True)
    return [RecentEvent(_utc(event.at), _minutes_between(event.at, now),
                        event.learner_code, _label(names, event.learner_code),
                        event.stage_id, event.check_id, event.kind)
            for event in recent[:max(0, limit)]]


def as_records(rows: Iterable[Any]) -> list[dict[str, Any]]:
    """Dataclass rows as plain dicts, ready for ``pandas.DataFrame`` or altair."""
    return [asdict(row) for row in rows]
