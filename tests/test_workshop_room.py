"""The instructor's room figures, computed from a store seeded with known progress."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

from workshop.progress import CheckProgress, Event, Learner, ProgressStore
from workshop.room import (
    ActiveLearner,
    StageCompletion,
    active_learners,
    as_records,
    check_figures,
    learner_label,
    participants,
    recent_events,
    stage_completion,
    stuck_learners,
)

NOW = datetime(2025, 3, 1, 10, 0, 0, tzinfo=UTC)
STAGES = {"why": ["why-a", "why-b"], "design": ["design-a"], "wrap-up": []}


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


def _seed(store: ProgressStore, clock: Clock, name: str | None, steps) -> str:
    """Replay one learner's steps; each step is (minutes before NOW, action, check)."""
    created = steps[0][0]
    clock.now = NOW - timedelta(minutes=created)
    code = store.create_learner(name).code
    for minutes_before, action, check in steps:
        clock.now = NOW - timedelta(minutes=minutes_before)
        stage = check.split("-")[0]
        if action == "hint":
            store.record_hint(code, stage, check)
        elif action == "reveal":
            store.record_reveal(code, stage, check)
        else:
            store.record_attempt(code, stage, check, action)
    return code


@pytest.fixture
def room(tmp_path):
    """Five learners with hand-written histories; returns (store, codes by name)."""
    clock = Clock()
    store = ProgressStore(tmp_path, now=clock)
    codes = {
        # Done with "why"; revealed design-a exactly 10 minutes ago (the window's edge).
        "ann": _seed(store, clock, "Ann", [
            (40, "passed", "why-a"),
            (39, "failed", "why-b"), (38.5, "hint", "why-b"), (38, "failed", "why-b"),
            (37, "passed", "why-b"),
            (10, "reveal", "design-a"),
        ]),
        # Three recent failures on why-a: stuck. Two on why-b: not (yet).
        "bob": _seed(store, clock, None, [
            (9, "failed", "why-a"), (8, "failed", "why-a"), (5, "failed", "why-a"),
            (4, "failed", "why-b"), (3, "failed", "why-b"),
            (2.5, "passed", "design-a"),
        ]),
        # Three failures then a pass on design-a: not stuck. Revealed why-a.
        "cat": _seed(store, clock, "Cat", [
            (20, "reveal", "why-a"),
            (19, "hint", "why-b"), (18.5, "hint", "why-b"), (18, "passed", "why-b"),
            (6, "failed", "design-a"), (5, "failed", "design-a"),
            (4, "failed", "design-a"), (2, "passed", "design-a"),
        ]),
        # Four failures, the last one second outside the window; last seen then too.
        "dan": _seed(store, clock, "Dan", [
            (14, "failed", "why-a"), (13, "failed", "why-a"), (12, "failed", "why-a"),
            (10 + 1 / 60, "failed", "why-a"),
        ]),
        # Two old failures and one a minute ago: three in all, the last recent: stuck.
        "eve": _seed(store, clock, None, [
            (55, "failed", "why-a"), (54, "failed", "why-a"), (1, "failed", "why-a"),
        ]),
    }
    return store, codes


def test_active_learners_window_edges(room):
    """Someone seen exactly 10 minutes ago still counts as here; a second more does not."""
    store, codes = room
    active = active_learners(store.all_learners(), NOW)
    assert [row.code for row in active] == [codes[n] for n in ("eve", "cat", "bob", "ann")]
    assert [row.minutes_ago for row in active] == [1.0, 2.0, 2.5, 10.0]
    assert [row.label for row in active] == [
        codes["eve"][:2] + "…", "Cat", codes["bob"][:2] + "…", "Ann"]
    assert isinstance(active[0], ActiveLearner)
    narrow = active_learners(store.all_learners(), NOW, window=timedelta(minutes=2))
    assert [row.label for row in narrow] == [codes["eve"][:2] + "…", "Cat"]
    assert active_learners(store.all_learners(), NOW, timedelta(minutes=10, seconds=1)
                           )[-1].label == "Dan"


def test_stage_completion_counts_passed_or_revealed(room):
    """A stage is complete for a learner who passed or revealed every one of its checks."""
    store, _ = room
    everyone = stage_completion(store.all_learners(), store.all_progress(), STAGES)
    assert everyone == [
        StageCompletion("why", 2, 5, 2, 0.4),        # Ann (passed both), Cat (revealed a)
        StageCompletion("design", 1, 5, 3, 0.6),     # Ann revealed, Bob and Cat passed
        StageCompletion("wrap-up", 0, 5, 0, None),   # nothing to complete
    ]
    here = [row.code for row in active_learners(store.all_learners(), NOW)]
    active = [learner for learner in store.all_learners() if learner.code in here]
    shares = [row.share for row in stage_completion(active, store.all_progress(), STAGES)]
    assert shares == [0.5, 0.75, None]
    assert stage_completion([], store.all_progress(), STAGES)[0].share is None


def test_check_figures_are_exact(room):
    """Attempts, pass rate, median attempts and hint use per check match the histories."""
    store, _ = room
    figures = {row.check_id: row for row in check_figures(store.all_progress(), STAGES)}
    assert list(figures) == ["why-a", "why-b", "design-a"]

    why_a = figures["why-a"]  # attempts: Ann 1, Bob 3, Dan 4, Eve 3; Cat only revealed
    assert (why_a.learners_seen, why_a.learners_attempted, why_a.learners_passed,
            why_a.learners_revealed) == (5, 4, 1, 1)
    assert why_a.pass_rate == 0.25
    assert why_a.median_attempts == 3.0
    assert why_a.hint_share == 0.0

    why_b = figures["why-b"]  # attempts: Ann 3 (1 hint), Bob 2, Cat 1 (2 hints)
    assert (why_b.learners_attempted, why_b.learners_passed) == (3, 2)
    assert why_b.pass_rate == pytest.approx(2 / 3)
    assert why_b.median_attempts == 2.0
    assert why_b.hint_share == pytest.approx(2 / 3)

    design = figures["design-a"]  # attempts: Bob 1, Cat 4; Ann revealed without trying
    assert (design.learners_seen, design.learners_attempted, design.learners_passed,
            design.learners_revealed) == (3, 2, 2, 1)
    assert design.pass_rate == 1.0
    assert design.median_attempts == 2.5  # even count: the mean of the middle two
    assert design.hint_share == 0.0


def test_check_figures_for_a_subset_and_an_untouched_check(room):
    """Figures can be restricted to some learners; a check nobody tried has no rates."""
    store, codes = room
    only_bob = [learner for learner in store.all_learners() if learner.code == codes["bob"]]
    rows = check_figures(store.all_progress(), {"why": ["why-a"], "data": ["data-x"]},
                         learners=only_bob)
    assert (rows[0].learners_attempted, rows[0].pass_rate, rows[0].median_attempts) == (
        1, 0.0, 3.0)
    assert (rows[1].learners_seen, rows[1].pass_rate, rows[1].median_attempts,
            rows[1].hint_share) == (0, None, None, None)


def test_stuck_learners_are_exactly_the_ones_failing_now(room):
    """Stuck: 3+ failures on a check, no pass, last failure in the window. Two failures,
    a later pass, or an old last failure are not stuck."""
    store, codes = room
    stuck = stuck_learners(store.all_learners(), store.all_progress(),
                           store.events_since(), NOW)
    assert [(row.code, row.check_id, row.failed_attempts, row.minutes_since_failure)
            for row in stuck] == [
        (codes["eve"], "why-a", 3, 1.0),
        (codes["bob"], "why-a", 3, 5.0),
    ]
    assert stuck[1].stage_id == "why"
    assert stuck[1].last_failure_at == NOW - timedelta(minutes=5)
    assert stuck[1].label == codes["bob"][:2] + "…"
    # Dan's fourth failure is 10 min 1 s old: a window one second wider catches him.
    wider = stuck_learners(store.all_learners(), store.all_progress(),
                           store.events_since(), NOW, window=timedelta(minutes=10, seconds=1))
    assert [row.code for row in wider] == [codes["dan"], codes["eve"], codes["bob"]]
    # With a threshold of 2, Bob's two failures on why-b count as well.
    two = stuck_learners(store.all_learners(), store.all_progress(), store.events_since(),
                         NOW, min_failures=2)
    assert {(row.code, row.check_id) for row in two} == {
        (codes["eve"], "why-a"), (codes["bob"], "why-a"), (codes["bob"], "why-b")}


def _event(event_id: int, code: str, kind: str, minutes_before: float) -> Event:
    return Event(event_id, code, "why", "q", kind, NOW - timedelta(minutes=minutes_before))


def test_stuck_edges_on_plain_rows():
    """Exactly at the window's edge counts; a microsecond earlier does not; a passed
    outcome clears stuck even when the pass event is outside the events given."""
    code = "K7M4-X9QP"
    fails = [_event(i, code, "attempt_failed", m) for i, m in enumerate((15, 12, 10), 1)]
    assert [row.failed_attempts for row in stuck_learners([], [], fails, NOW)] == [3]
    late = NOW + timedelta(microseconds=1)
    assert stuck_learners([], [], fails, late) == []
    assert stuck_learners([], [], fails[:2], NOW) == []
    passed = CheckProgress(code, "why", "q", "passed", 4, 0, 0.0, NOW)
    assert stuck_learners([], [passed], fails, NOW) == []
    revealed = CheckProgress(code, "why", "q", "revealed", 3, 0, 0.0, NOW)
    assert len(stuck_learners([], [revealed], fails, NOW)) == 1  # a reveal is no pass
    assert stuck_learners([], [], fails, NOW)[0].label == "K7…"


def test_recent_events_newest_first_with_labels(room):
    """The activity feed lists the last ten minutes, newest first, edge included."""
    store, codes = room
    recent = recent_events(store.all_learners(), store.events_since(), NOW, limit=100)
    # Ann's reveal (edge) + Bob 6 + Cat 4 + Eve 1; Dan's last failure is a second too old.
    assert len(recent) == 12
    assert recent[-1].label == "Ann" and recent[-1].kind == "reveal"
    top = recent_events(store.all_learners(), store.events_since(), NOW, limit=3)
    assert [(row.code, row.kind, row.minutes_ago) for row in top] == [
        (codes["eve"], "attempt_failed", 1.0),
        (codes["cat"], "attempt_passed", 2.0),
        (codes["bob"], "attempt_passed", 2.5),
    ]


def test_learner_label():
    """A learner without a name shows as the first four characters of their code."""
    assert learner_label("K7M4-X9QP") == "K7…"
    assert learner_label("K7M4-X9QP", "") == "K7…"
    assert learner_label("K7M4-X9QP", "Ann") == "Ann"


def test_figures_become_table_rows(room):
    """Every figure list turns into a DataFrame with one column per field, for tables and
    altair charts."""
    store, _ = room
    frame = pd.DataFrame(as_records(check_figures(store.all_progress(), STAGES)))
    assert list(frame.columns) == [
        "stage_id", "check_id", "learners_seen", "learners_attempted", "learners_passed",
        "learners_revealed", "pass_rate", "median_attempts", "hint_share"]
    assert frame["learners_attempted"].tolist() == [4, 3, 2]
    active = pd.DataFrame(as_records(active_learners(store.all_learners(), NOW)))
    assert active["minutes_ago"].max() == 10.0
    assert as_records([]) == []


def test_naive_times_are_read_as_utc():
    """A naive 'now' from a caller is treated as UTC rather than crashing the room view."""
    learner = Learner("K7M4-X9QP", None, NOW, NOW - timedelta(minutes=3))
    rows = active_learners([learner], NOW.replace(tzinfo=None))
    assert [row.minutes_ago for row in rows] == [3.0]


def test_only_learners_who_did_something_on_a_check_are_participants(room):
    """Sessions that only opened the app — the instructor's own, a stray tab — are not
    counted; a hint or a reveal alone is enough to count."""
    store, codes = room
    instructor = store.create_learner().code  # the router gives every session a learner
    named_only = store.create_learner("Just Looking").code
    hinted = store.create_learner().code
    store.record_hint(hinted, "why", "why-a")
    learners, progress = store.all_learners(), store.all_progress()
    counted = [learner.code for learner in participants(learners, progress)]
    assert counted == [learner.code for learner in learners
                       if learner.code not in (instructor, named_only)]
    assert set(counted) == set(codes.values()) | {hinted}
    assert participants(learners, []) == []
