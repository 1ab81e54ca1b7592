"""The progress store's public API: persistence, outcome rules, counters, export, many
learners at once, hostile names through the store, a server killed mid-workshop.

Every promise that is not about SQLite's file is proven on both backends: the tests that
take ``store_factory`` run once on SQLite and once on a real PostgreSQL server (skipped
where PostgreSQL is absent, required in CI)."""

from __future__ import annotations

import enum
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import PROJECT_ROOT
from workshop.learners import clean_display_name
from workshop.progress import STORE_FILENAME, ProgressStore, ProgressStoreError
from workshop.progress.model import SCHEMA_VERSION

T0 = datetime(2025, 3, 1, 9, 0, 0, tzinfo=UTC)


def open_store(target: str, **options) -> ProgressStore:
    """A store on ``target``: a ``postgresql://`` URL, else a data folder (SQLite)."""
    if target.startswith("postgresql://"):
        return ProgressStore(database_url=target, **options)
    return ProgressStore(target, database_url="", **options)


@pytest.fixture(params=["sqlite", "postgres"])
def store_target(request, tmp_path) -> str:
    """Where this test's store lives: a folder (SQLite) or a fresh PostgreSQL database."""
    if request.param == "postgres":
        return request.getfixturevalue("postgres_url")
    return str(tmp_path)


@pytest.fixture
def store_factory(store_target):
    """Opens a store on this test's target; call it again to "restart the server"."""
    return lambda **options: open_store(store_target, **options)


class Clock:
    """A settable clock for the store's ``now=``."""

    def __init__(self, start: datetime = T0) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)



# ---------------------------------------------------------------------------------------
# Where the store lives, and that it survives a restart
# ---------------------------------------------------------------------------------------


def test_default_store_lives_in_workshop_data_dir(private_workshop_data_dir):
    """An app started with WORKSHOP_DATA_DIR keeps its progress in that folder."""
    store = ProgressStore()
    assert store.path == private_workshop_data_dir / STORE_FILENAME
    assert store.path.is_file()


def test_without_the_variable_the_store_goes_under_home(monkeypatch, tmp_path):
    """With no WORKSHOP_DATA_DIR, progress goes to ~/.local/share/reproducible-ml-workshop."""
    monkeypatch.delenv("WORKSHOP_DATA_DIR")
    monkeypatch.setenv("HOME", str(tmp_path))
    store = ProgressStore()
    assert store.path == tmp_path / ".local/share/reproducible-ml-workshop" / STORE_FILENAME
    assert store.path.is_file()


def test_progress_survives_a_server_restart(store_factory):
    """A learner who comes back after the server restarted finds everything they did."""
    first = store_factory()
    learner = first.create_learner("Ann")
    first.record_attempt(learner.code, "design", "design-split", "failed", seconds=12.5)
    first.record_hint(learner.code, "design", "design-split")
    first.record_attempt(learner.code, "design", "design-split", "passed", seconds=30)
    first.record_reveal(learner.code, "model", "model-seed")
    first.close()
    del first

    restarted = store_factory()
    assert restarted.warnings == []
    back = restarted.get_learner(learner.code)
    assert (back.code, back.display_name, back.created_at) == (
        learner.code, "Ann", learner.created_at)
    progress = restarted.progress_for(learner.code.lower().replace("-", " "))
    assert set(progress) == {"design-split", "model-seed"}
    split = progress["design-split"]
    assert (split.outcome, split.attempts, split.hints_used, split.seconds) == (
        "passed", 2, 1, 42.5)
    assert progress["model-seed"].outcome == "revealed"
    assert [e.kind for e in restarted.events_since()] == [
        "attempt_failed", "hint", "attempt_passed", "reveal"]



# ---------------------------------------------------------------------------------------
# Outcome rules and counters
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("steps", "outcome", "attempts", "hints"),
    [
        (["failed"], "failed", 1, 0),
        (["failed", "passed"], "passed", 2, 0),
        (["passed", "failed", "failed"], "passed", 3, 0),
        (["failed", "reveal"], "revealed", 1, 0),
        (["passed", "reveal"], "passed", 1, 0),
        (["reveal", "passed"], "revealed", 1, 0),
        (["reveal", "failed"], "revealed", 1, 0),
        (["hint"], "not_attempted", 0, 1),
        (["hint", "hint", "failed", "hint", "passed"], "passed", 2, 3),
    ],
)
def test_outcome_precedence(store_factory, steps, outcome, attempts, hints):
    """A pass is never downgraded, a reveal sticks unless already passed, and every
    submission and hint is counted."""
    store = store_factory()
    code = store.create_learner().code
    for step in steps:
        if step == "hint":
            store.record_hint(code, "why", "why-q1")
        elif step == "reveal":
            store.record_reveal(code, "why", "why-q1")
        else:
            store.record_attempt(code, "why", "why-q1", step)
    row = store.progress_for(code)["why-q1"]
    assert (row.outcome, row.attempts, row.hints_used) == (outcome, attempts, hints)
    assert len(store.events_since()) == len(steps)


def test_seconds_accumulate_and_bad_values_count_as_zero(store_factory):
    """Time on a check adds up; a clock glitch (negative, NaN, junk) never subtracts."""
    store = store_factory()
    code = store.create_learner().code
    for seconds in (10, 2.5, -30, float("nan"), float("inf"), "junk", None, 0.25):
        store.record_attempt(code, "why", "why-q1", "failed", seconds=seconds)
    row = store.progress_for(code)["why-q1"]
    assert row.seconds == 12.75
    assert row.attempts == 8


def test_outcome_enum_is_accepted_and_bad_outcomes_refused(store_factory):
    """The UI may pass workshop.checks.Outcome members; only passed/failed are attempts."""

    class Outcome(enum.StrEnum):  # same shape as workshop.checks.Outcome
        PASSED = "passed"
        REVEALED = "revealed"

    store = store_factory()
    code = store.create_learner().code
    assert store.record_attempt(code, "why", "why-q1", Outcome.PASSED).outcome == "passed"
    for bad in (Outcome.REVEALED, "not_attempted", "PASSED", None):
        with pytest.raises(ProgressStoreError, match="outcome"):
            store.record_attempt(code, "why", "why-q2", bad)
    assert store.progress_for(code).keys() == {"why-q1"}


def test_check_moved_to_another_stage_follows_it(store_factory):
    """If a check is moved between stages, its row reports the newest stage id."""
    store = store_factory()
    code = store.create_learner().code
    store.record_attempt(code, "data", "q", "failed")
    assert store.record_attempt(code, "model", "q", "failed").stage_id == "model"


def test_events_and_timestamps_follow_the_injected_clock(store_factory):
    """Every record is stamped in UTC by the store's clock; events_since filters by it."""
    clock = Clock()
    store = store_factory(now=clock)
    code = store.create_learner().code
    store.record_attempt(code, "why", "q1", "failed")
    clock.advance(minutes=5)
    store.record_hint(code, "why", "q1")
    clock.advance(minutes=5)
    store.record_attempt(code, "why", "q1", "passed")

    row = store.progress_for(code)["q1"]
    assert row.first_at == T0
    assert row.updated_at == T0 + timedelta(minutes=10)
    assert store.get_learner(code).last_seen == T0 + timedelta(minutes=10)
    assert [e.kind for e in store.events_since(T0 + timedelta(minutes=5))] == [
        "hint", "attempt_passed"]
    naive = (T0 + timedelta(minutes=5, seconds=1)).replace(tzinfo=None)
    assert [e.kind for e in store.events_since(naive)] == ["attempt_passed"]
    assert store.events_since(T0)[0].at == T0


def test_learners_resume_touch_and_unknown_codes(store_factory):
    """A code typed in any spelling resumes; a junk code is refused, an unknown valid one
    is simply not found."""
    clock = Clock()
    store = store_factory(now=clock)
    learner = store.create_learner()
    assert learner.display_name is None
    assert store.get_learner(learner.code.lower()) == learner
    assert store.get_learner("not a code") is None
    unknown = "2222-2222" if learner.code != "2222-2222" else "3333-3333"
    assert store.get_learner(unknown) is None
    assert store.progress_for("junk") == {}
    clock.advance(minutes=3)
    store.touch(learner.code)
    assert store.get_learner(learner.code).last_seen == T0 + timedelta(minutes=3)
    with pytest.raises(ProgressStoreError, match="resume code"):
        store.record_attempt("OOOO-0000", "why", "q1", "failed")
    with pytest.raises(ProgressStoreError, match="check_id"):
        store.record_attempt(learner.code, "why", "", "failed")
    assert store.set_display_name(learner.code, "  Bo  ") == "Bo"
    assert store.set_display_name(learner.code, "\n") is None
    assert store.get_learner(learner.code).display_name is None


def test_export_json_holds_the_learner_and_all_their_progress(store_factory):
    """A learner can download everything stored about them, nothing about anyone else."""
    clock = Clock()
    store = store_factory(now=clock)
    ann = store.create_learner("Ann 🦊")
    other = store.create_learner("Bo")
    store.record_attempt(ann.code, "why", "q1", "failed", seconds=3)
    store.record_attempt(ann.code, "why", "q1", "passed", seconds=4)
    store.record_hint(ann.code, "data", "q2")
    store.record_attempt(other.code, "why", "q1", "failed")

    document = json.loads(store.export_json(ann.code.lower()))
    assert document["schema_version"] == SCHEMA_VERSION
    assert document["learner"]["code"] == ann.code
    assert document["learner"]["display_name"] == "Ann 🦊"
    assert document["learner"]["created_at"] == T0.isoformat()
    by_check = {row["check_id"]: row for row in document["progress"]}
    assert by_check["q1"]["outcome"] == "passed"
    assert by_check["q1"]["attempts"] == 2
    assert by_check["q1"]["seconds"] == 7.0
    assert by_check["q2"]["hints_used"] == 1
    assert [e["kind"] for e in document["events"]] == ["attempt_failed", "attempt_passed",
                                                        "hint"]
    assert {e["learner_code"] for e in document["events"]} == {ann.code}
    with pytest.raises(ProgressStoreError, match="no learner|none"):
        store.export_json("2222-3333" if ann.code != "2222-3333" else "3333-2222")


# ---------------------------------------------------------------------------------------
# Many learners at once
# ---------------------------------------------------------------------------------------

LEARNERS = 50
FAILS, HINTS = 3, 2


def _one_learners_session(store: ProgressStore, index: int) -> None:
    """What one learner does: 3 fails, 2 hints, a pass on q1; a reveal on q2."""
    code = store.create_learner(f"learner {index}").code
    for _ in range(FAILS):
        store.record_attempt(code, "model", "q1", "failed", seconds=1.0)
    for _ in range(HINTS):
        store.record_hint(code, "model", "q1")
    store.record_attempt(code, "model", "q1", "passed", seconds=0.5)
    store.record_reveal(code, "model", "q2")


def _assert_nothing_lost(store: ProgressStore) -> None:
    learners = store.all_learners()
    assert len(learners) == LEARNERS
    assert {learner.display_name for learner in learners} == {
        f"learner {i}" for i in range(LEARNERS)}
    rows = store.all_progress()
    assert len(rows) == 2 * LEARNERS
    q1 = [row for row in rows if row.check_id == "q1"]
    assert len(q1) == LEARNERS
    assert all((r.outcome, r.attempts, r.hints_used, r.seconds) == (
        "passed", FAILS + 1, HINTS, FAILS * 1.0 + 0.5) for r in q1)
    assert sum(r.attempts for r in rows) == LEARNERS * (FAILS + 1)
    assert all(r.outcome == "revealed" for r in rows if r.check_id == "q2")
    kinds = [e.kind for e in store.events_since()]
    assert len(kinds) == LEARNERS * (FAILS + HINTS + 2)
    assert kinds.count("attempt_failed") == LEARNERS * FAILS
    assert kinds.count("hint") == LEARNERS * HINTS
    assert kinds.count("attempt_passed") == LEARNERS
    assert kinds.count("reveal") == LEARNERS


def test_fifty_learners_in_threads_lose_nothing(store_factory):
    """Fifty sessions of one Streamlit server writing through one store object at once
    lose no attempt, hint or reveal."""
    store = store_factory()
    start = threading.Barrier(LEARNERS)
    errors: list[BaseException] = []

    def session(index: int) -> None:
        try:
            start.wait()
            _one_learners_session(store, index)
        except BaseException as exc:  # surfaced below, with the thread's error
            errors.append(exc)

    threads = [threading.Thread(target=session, args=(i,)) for i in range(LEARNERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    _assert_nothing_lost(store)


def test_one_learner_in_many_tabs_loses_no_attempt(store_factory):
    """A learner clicking in twenty tabs at once has every attempt and hint counted on the
    same check."""
    store = store_factory()
    code = store.create_learner().code
    tabs, clicks = 20, 5
    start = threading.Barrier(tabs)
    errors: list[BaseException] = []

    def tab() -> None:
        try:
            start.wait()
            for _ in range(clicks):
                store.record_attempt(code, "data", "q1", "failed", seconds=0.25)
            store.record_hint(code, "data", "q1")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=tab) for _ in range(tabs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    row = store.progress_for(code)["q1"]
    assert (row.attempts, row.hints_used, row.seconds) == (tabs * clicks, tabs,
                                                           tabs * clicks * 0.25)
    assert len(store.events_since()) == tabs * (clicks + 1)


def _process_session(target: str, index: int, start) -> None:
    start.wait()
    # Each process opens its own store on the shared target, as separate servers would.
    _one_learners_session(open_store(target), index)


@pytest.mark.slow
def test_fifty_learners_in_separate_processes_lose_nothing(store_target):
    """Fifty processes opening a brand-new store together and writing at once lose
    nothing."""
    context = multiprocessing.get_context("fork")
    start = context.Barrier(LEARNERS)
    processes = [context.Process(target=_process_session, args=(store_target, i, start))
                 for i in range(LEARNERS)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=60)
    assert [p.exitcode for p in processes] == [0] * LEARNERS
    _assert_nothing_lost(open_store(store_target))

# ---------------------------------------------------------------------------------------
# Hostile names through the store
# ---------------------------------------------------------------------------------------


FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"  # 7 code points


def test_hostile_names_round_trip_through_the_store(store_factory):
    """Names full of SQL, HTML, emoji and control characters come back exactly as cleaned,
    and the tables are still there afterwards."""
    store = store_factory()
    raws = ["Robert'); DROP TABLE learners;--", "<b>x</b>\x00", FAMILY * 9,
            "\u202eRTL", "x" * 10_000, "' OR 1=1 --", "\\'; --"]
    codes = {store.create_learner(raw).code: clean_display_name(raw) for raw in raws}
    restarted = store_factory()
    assert {learner.code: learner.display_name for learner in restarted.all_learners()} == codes
    assert all(len(name) <= 40 for name in codes.values())
    code = next(iter(codes))
    restarted.record_attempt(code, "why", "q'); DROP TABLE progress;--", "failed")
    assert list(restarted.progress_for(code)) == ["q'); DROP TABLE progress;--"]



# ---------------------------------------------------------------------------------------
# A server killed mid-workshop
# ---------------------------------------------------------------------------------------

_WRITER = """
import sys
from tests.test_workshop_progress_store import open_store
store = open_store(sys.argv[1])
code = store.create_learner("killed").code
print(code, flush=True)
for number in range(100_000):
    store.record_attempt(code, "why", f"q{number}", "failed")
    print(number, flush=True)  # acknowledged: record_attempt returned
"""


@pytest.mark.slow
def test_no_acknowledged_write_is_lost_when_the_server_is_killed(store_target):
    """kill -9 in the middle of a stream of writes: every write that returned is there
    after a restart, and the store opens without a warning."""
    writer = subprocess.Popen([sys.executable, "-c", _WRITER, store_target],
                              stdout=subprocess.PIPE, text=True, cwd=PROJECT_ROOT)
    code = writer.stdout.readline().strip()
    acknowledged = -1
    while acknowledged < 200:
        acknowledged = int(writer.stdout.readline())
    os.kill(writer.pid, signal.SIGKILL)
    writer.wait(timeout=10)
    # Writes acknowledged after we stopped reading are also kept; count them too.
    acknowledged = max([acknowledged, *map(int, writer.stdout.read().split())])
    restarted = open_store(store_target)
    assert restarted.warnings == []
    kept = restarted.progress_for(code)
    assert {f"q{number}" for number in range(acknowledged + 1)} <= set(kept)
    assert len(restarted.events_since()) >= acknowledged + 1


def test_failed_code_attempts_are_shared_by_every_process_of_the_room(store_factory):
    """Finding 2 and 4 need one count for the whole room: two stores on one target (two
    processes) see each other's failed attempts, per client and in total, within a window;
    the guessed code is never stored, only who guessed and when."""
    clock = Clock()
    one, other = store_factory(now=clock), store_factory(now=clock)
    one.record_failure("instructor", "10.0.0.7")
    clock.advance(seconds=10)
    other.record_failure("instructor", "10.0.0.8")
    other.record_failure("resume", None)
    clock.advance(seconds=5)
    window = timedelta(minutes=15)
    room = one.recent_failures("instructor", window)
    assert (room.count, room.seconds_since_last) == (2, pytest.approx(5))
    assert other.recent_failures("instructor", window, key="10.0.0.7").count == 1
    assert one.recent_failures("instructor", window, key="10.0.0.9").count == 0
    assert one.recent_failures("instructor", window, key="10.0.0.9").seconds_since_last is None
    assert one.recent_failures("resume", window).count == 1
    assert one.failures_since("instructor", T0 + timedelta(seconds=5)) == 1
    clock.advance(minutes=20)
    assert one.recent_failures("instructor", window).count == 0
    with pytest.raises(ProgressStoreError, match="scope"):
        one.record_failure("admin", "10.0.0.7")


def test_policy_ticks_persist_with_progress_and_are_exported(store_factory):
    """Policy ticks survive a restart, follow the resume code, and are in the export."""
    store = store_factory()
    code = store.create_learner("Ann").code
    store.set_policy_tick(code, "pin-versions", True)
    store.set_policy_tick(code, "seed-everything", True)
    store.set_policy_tick(code, "seed-everything", False)
    restarted = store_factory()
    assert restarted.policy_ticks(code.lower()) == {"pin-versions": True,
                                                    "seed-everything": False}
    assert restarted.policy_ticks("not a code") == {}
    exported = json.loads(restarted.export_json(code))
    assert exported["policy_ticks"] == {"pin-versions": True, "seed-everything": False}
    assert exported["schema_version"] == SCHEMA_VERSION
    unknown = "ABCD-EFGH"
    restarted.set_policy_tick(unknown, "pin-versions", True)  # registered, like touch
    assert restarted.get_learner(unknown) is not None
    with pytest.raises(ProgressStoreError):
        restarted.set_policy_tick(code, "", True)


def test_hash_reports_latest_wins_and_survive_a_restart(store_factory):
    """One row per learner: a second report replaces the first; every learner is counted
    once; the hash is stored in lower case; a bad report is refused with a message."""
    from workshop.progress import HashReport

    clock = Clock()
    store = store_factory(now=clock)
    ann, bob = store.create_learner("Ann").code, store.create_learner("Bob").code
    store.report_hash(ann, HashReport("A" * 64, "Linux", "3.12", "2.1", "openblas 0.3"))
    clock.advance(seconds=1)
    store.report_hash(bob, HashReport("b" * 64))
    clock.advance(seconds=1)
    store.report_hash(ann.lower(), HashReport("c" * 64, "macOS", "3.11", "2.0", None))
    reports = store_factory(now=clock).hash_reports()
    assert [(r.learner_code, r.prediction_sha256, r.platform, r.blas) for r in reports] == [
        (bob, "b" * 64, None, None), (ann, "c" * 64, "macOS", None)]
    assert all(report.reported_at is not None for report in reports)
    exported = json.loads(store.export_json(ann))["hash_report"]
    assert (exported["learner_code"], exported["prediction_sha256"], exported["python"]) == (
        ann, "c" * 64, "3.11")
    assert exported["reported_at"] == reports[1].reported_at.isoformat()
    assert json.loads(store.export_json(store.create_learner().code))["hash_report"] is None
    for bad in ("not a report", HashReport("z" * 64), HashReport("a" * 63)):
        with pytest.raises(ProgressStoreError, match="64 hexadecimal"):
            store.report_hash(ann, bad)
    with pytest.raises(ProgressStoreError, match="resume code"):
        store.report_hash("nope", HashReport("a" * 64))
    assert len(store.hash_reports()) == 2
