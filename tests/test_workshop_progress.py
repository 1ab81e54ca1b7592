"""Learner progress: persistence, outcome rules, concurrency, damaged and locked stores,
hostile names and resume codes."""

from __future__ import annotations

import enum
import hashlib
import json
import multiprocessing
import sqlite3
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from case_study.errors import CaseStudyError
from workshop.errors import WorkshopError
from workshop.progress import (
    CODE_ALPHABET,
    SCHEMA_VERSION,
    STORE_FILENAME,
    ProgressStore,
    ProgressStoreError,
    clean_display_name,
    new_code,
    normalise_code,
    outcome_after_attempt,
    outcome_after_reveal,
)

T0 = datetime(2025, 3, 1, 9, 0, 0, tzinfo=timezone.utc)


class Clock:
    """A settable clock for the store's ``now=``."""

    def __init__(self, start: datetime = T0) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


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


def test_progress_survives_a_server_restart(tmp_path):
    """A learner who comes back after the server restarted finds everything they did."""
    first = ProgressStore(tmp_path)
    learner = first.create_learner("Ann")
    first.record_attempt(learner.code, "design", "design-split", "failed", seconds=12.5)
    first.record_hint(learner.code, "design", "design-split")
    first.record_attempt(learner.code, "design", "design-split", "passed", seconds=30)
    first.record_reveal(learner.code, "model", "model-seed")
    first.close()
    del first

    restarted = ProgressStore(tmp_path)
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


def test_store_is_wal_and_records_its_schema_version(tmp_path):
    """The file says which schema wrote it, and uses WAL so readers never block writers."""
    store = ProgressStore(tmp_path)
    with sqlite3.connect(store.path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert conn.execute(
            "SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == (
            str(SCHEMA_VERSION),)
        tables = {row[0] for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"meta", "learners", "progress", "events"} <= tables


def test_store_written_by_a_newer_app_is_refused_and_left_untouched(tmp_path):
    """Opening a newer app's store with an older app stops with a clear error; the file
    keeps its exact bytes."""
    store = ProgressStore(tmp_path)
    store.create_learner("Ann")
    store.close()
    with sqlite3.connect(store.path) as conn:
        conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'",
                     (str(SCHEMA_VERSION + 1),))
    conn.close()
    before = sha(store.path)
    with pytest.raises(ProgressStoreError, match="schema version 2.*left untouched"):
        ProgressStore(tmp_path)
    assert sha(store.path) == before
    assert not list(tmp_path.glob("*.corrupt-*"))


def test_unwritable_data_dir_gives_a_clear_error(tmp_path):
    """A data folder that cannot be created explains which setting to change."""
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(ProgressStoreError, match="WORKSHOP_DATA_DIR") as caught:
        ProgressStore(blocker / "data")
    # The UI's edge catches either family, so this never reaches a learner as a traceback.
    assert isinstance(caught.value, WorkshopError)
    assert isinstance(caught.value, CaseStudyError)


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
def test_outcome_precedence(tmp_path, steps, outcome, attempts, hints):
    """A pass is never downgraded, a reveal sticks unless already passed, and every
    submission and hint is counted."""
    store = ProgressStore(tmp_path)
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


def test_pure_precedence_functions():
    """The precedence rules hold for every previous outcome."""
    assert outcome_after_attempt("not_attempted", "failed") == "failed"
    assert outcome_after_attempt("failed", "passed") == "passed"
    assert outcome_after_attempt("passed", "failed") == "passed"
    assert outcome_after_attempt("revealed", "passed") == "revealed"
    assert outcome_after_reveal("passed") == "passed"
    for previous in ("not_attempted", "failed", "revealed"):
        assert outcome_after_reveal(previous) == "revealed"


def test_seconds_accumulate_and_bad_values_count_as_zero(tmp_path):
    """Time on a check adds up; a clock glitch (negative, NaN, junk) never subtracts."""
    store = ProgressStore(tmp_path)
    code = store.create_learner().code
    for seconds in (10, 2.5, -30, float("nan"), float("inf"), "junk", None, 0.25):
        store.record_attempt(code, "why", "why-q1", "failed", seconds=seconds)
    row = store.progress_for(code)["why-q1"]
    assert row.seconds == 12.75
    assert row.attempts == 8


def test_outcome_enum_is_accepted_and_bad_outcomes_refused(tmp_path):
    """The UI may pass workshop.checks.Outcome members; only passed/failed are attempts."""

    class Outcome(str, enum.Enum):  # same shape as workshop.checks.Outcome
        PASSED = "passed"
        REVEALED = "revealed"

    store = ProgressStore(tmp_path)
    code = store.create_learner().code
    assert store.record_attempt(code, "why", "why-q1", Outcome.PASSED).outcome == "passed"
    for bad in (Outcome.REVEALED, "not_attempted", "PASSED", None):
        with pytest.raises(ProgressStoreError, match="outcome"):
            store.record_attempt(code, "why", "why-q2", bad)
    assert store.progress_for(code).keys() == {"why-q1"}


def test_check_moved_to_another_stage_follows_it(tmp_path):
    """If a check is moved between stages, its row reports the newest stage id."""
    store = ProgressStore(tmp_path)
    code = store.create_learner().code
    store.record_attempt(code, "data", "q", "failed")
    assert store.record_attempt(code, "model", "q", "failed").stage_id == "model"


def test_events_and_timestamps_follow_the_injected_clock(tmp_path):
    """Every record is stamped in UTC by the store's clock; events_since filters by it."""
    clock = Clock()
    store = ProgressStore(tmp_path, now=clock)
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


def test_learners_resume_touch_and_unknown_codes(tmp_path):
    """A code typed in any spelling resumes; a junk code is refused, an unknown valid one
    is simply not found."""
    clock = Clock()
    store = ProgressStore(tmp_path, now=clock)
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


def test_export_json_holds_the_learner_and_all_their_progress(tmp_path):
    """A learner can download everything stored about them, nothing about anyone else."""
    clock = Clock()
    store = ProgressStore(tmp_path, now=clock)
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
    assert {l.display_name for l in learners} == {f"learner {i}" for i in range(LEARNERS)}
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


def test_fifty_learners_in_threads_lose_nothing(tmp_path):
    """Fifty sessions of one Streamlit server writing through one store object at once
    lose no attempt, hint or reveal."""
    store = ProgressStore(tmp_path)
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


def test_one_learner_in_many_tabs_loses_no_attempt(tmp_path):
    """A learner clicking in twenty tabs at once has every attempt and hint counted on the
    same check."""
    store = ProgressStore(tmp_path)
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


def _process_session(data_dir: str, index: int, start) -> None:
    start.wait()
    # Each process opens its own store on the shared folder, as separate servers would.
    _one_learners_session(ProgressStore(data_dir), index)


@pytest.mark.slow
def test_fifty_learners_in_separate_processes_lose_nothing(tmp_path):
    """Fifty processes opening a brand-new store folder together and writing at once
    lose nothing."""
    context = multiprocessing.get_context("fork")
    start = context.Barrier(LEARNERS)
    processes = [context.Process(target=_process_session, args=(str(tmp_path), i, start))
                 for i in range(LEARNERS)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=60)
    assert [p.exitcode for p in processes] == [0] * LEARNERS
    store = ProgressStore(tmp_path)
    assert store.warnings == []
    _assert_nothing_lost(store)


# ---------------------------------------------------------------------------------------
# Locked and damaged stores
# ---------------------------------------------------------------------------------------


def _hold_exclusive_lock(path: Path, seconds: float, locked: threading.Event) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN EXCLUSIVE")
    conn.execute("INSERT INTO meta (key, value) VALUES ('held', 'yes')")
    locked.set()
    time.sleep(seconds)
    conn.execute("COMMIT")
    conn.close()


def test_a_briefly_locked_store_is_retried_not_lost(tmp_path):
    """While another program holds the store locked for longer than SQLite's own wait,
    the learner's attempt is retried and saved once the lock is gone."""
    store = ProgressStore(tmp_path, busy_timeout=0.05, lock_timeout=10)
    code = store.create_learner().code
    locked = threading.Event()
    holder = threading.Thread(target=_hold_exclusive_lock, args=(store.path, 0.5, locked))
    holder.start()
    assert locked.wait(5)
    began = time.monotonic()
    row = store.record_attempt(code, "why", "q1", "passed")
    waited = time.monotonic() - began
    holder.join()
    # SQLite alone would have given up after 0.05 s; only the retry loop waits this long.
    assert waited >= 0.3
    assert (row.outcome, row.attempts) == ("passed", 1)
    assert [e.kind for e in store.events_since()] == ["attempt_passed"]


def test_a_store_locked_too_long_fails_loudly_and_saves_nothing_partial(tmp_path):
    """If the lock never goes away in time, the UI gets a clear error instead of a silent
    loss, and no half-written record is left behind."""
    store = ProgressStore(tmp_path, busy_timeout=0.02, lock_timeout=0.2)
    code = store.create_learner().code
    locked = threading.Event()
    holder = threading.Thread(target=_hold_exclusive_lock, args=(store.path, 0.8, locked))
    holder.start()
    assert locked.wait(5)
    with pytest.raises(ProgressStoreError,
                       match="record an attempt in the .* stayed locked.*Nothing was saved"):
        store.record_attempt(code, "why", "q1", "failed")
    holder.join()
    assert store.progress_for(code) == {}
    assert store.events_since() == []
    assert store.record_attempt(code, "why", "q1", "failed").attempts == 1


def _truncated_database(folder: Path) -> bytes:
    store = ProgressStore(folder)
    code = store.create_learner("Ann").code
    for _ in range(200):  # enough pages that half the file loses real data
        store.record_attempt(code, "why", "q1", "failed")
    store.close()
    data = (folder / STORE_FILENAME).read_bytes()
    assert not (folder / f"{STORE_FILENAME}-wal").exists()  # all in the main file
    return data[: len(data) // 2]


def _other_apps_database(folder: Path) -> bytes:
    """Valid SQLite, but not a workshop store."""
    scratch = folder / "other.db"
    with sqlite3.connect(scratch) as conn:
        conn.execute("CREATE TABLE photos (id INTEGER PRIMARY KEY, name TEXT)")
        conn.execute("INSERT INTO photos (name) VALUES ('cat.jpg')")
    conn.close()
    data = scratch.read_bytes()
    scratch.unlink()
    return data


CORRUPTIONS = {
    "garbage bytes": lambda folder: bytes(range(256)) * 64,
    "text file": lambda folder: "These are my notes, not a database.\n".encode() * 50,
    "truncated database": _truncated_database,
    "another app's database": _other_apps_database,
}


@pytest.mark.parametrize("kind", list(CORRUPTIONS))
def test_unreadable_store_is_moved_aside_and_a_fresh_one_works(tmp_path, kind):
    """A damaged store never stops the workshop: it is moved aside byte for byte, the
    instructor is told where it went, and learners carry on in a fresh store."""
    folder = tmp_path / "data"
    folder.mkdir()
    damaged = CORRUPTIONS[kind](folder)
    for leftover in folder.glob(f"{STORE_FILENAME}*"):
        leftover.unlink()
    (folder / STORE_FILENAME).write_bytes(damaged)

    clock = Clock(datetime(2025, 3, 1, 9, 30, 15, tzinfo=timezone.utc))
    store = ProgressStore(folder, now=clock)

    moved = folder / f"{STORE_FILENAME}.corrupt-20250301T093015Z"
    assert moved.read_bytes() == damaged
    assert len(store.warnings) == 1
    assert str(moved) in store.warnings[0]
    assert "nothing was deleted" in store.warnings[0]
    code = store.create_learner("Ann").code
    store.record_attempt(code, "why", "q1", "passed")
    assert [l.code for l in ProgressStore(folder).all_learners()] == [code]


def test_second_corruption_in_the_same_second_never_overwrites_the_first(tmp_path):
    """Two damaged stores found in the same second both survive under distinct names."""
    clock = Clock()
    first, second = b"first damaged store" * 10, b"second damaged store" * 10
    tmp_path.joinpath(STORE_FILENAME).write_bytes(first)
    ProgressStore(tmp_path, now=clock).close()
    for leftover in tmp_path.glob(f"{STORE_FILENAME}-*"):
        leftover.unlink()
    tmp_path.joinpath(STORE_FILENAME).write_bytes(second)
    store = ProgressStore(tmp_path, now=clock)
    stamp = "20250301T090000Z"
    assert tmp_path.joinpath(f"{STORE_FILENAME}.corrupt-{stamp}").read_bytes() == first
    assert tmp_path.joinpath(f"{STORE_FILENAME}.corrupt-{stamp}-2").read_bytes() == second
    assert f"corrupt-{stamp}-2" in store.warnings[0]


def test_stale_wal_is_moved_with_the_damaged_store(tmp_path):
    """A damaged store's -wal file goes with it, so it cannot leak into the fresh store."""
    tmp_path.joinpath(STORE_FILENAME).write_bytes(b"x" * 5000)
    wal = tmp_path.joinpath(f"{STORE_FILENAME}-wal")
    wal.write_bytes(b"w" * 3000)
    ProgressStore(tmp_path, now=Clock())
    moved = tmp_path / f"{STORE_FILENAME}.corrupt-20250301T090000Z"
    assert moved.read_bytes() == b"x" * 5000
    assert Path(f"{moved}-wal").read_bytes() == b"w" * 3000


def test_store_damaged_while_the_app_runs_recovers_on_the_next_write(tmp_path):
    """If the file is replaced by junk mid-workshop, the next click still saves, and the
    junk is kept aside with a warning."""
    clock = Clock()
    store = ProgressStore(tmp_path, now=clock)
    code = store.create_learner("Ann").code
    store.close()
    junk = tmp_path / "junk"
    junk.write_bytes(b"\x00garbage" * 600)
    for sidecar in tmp_path.glob(f"{STORE_FILENAME}-*"):
        sidecar.unlink()
    junk.replace(store.path)
    clock.advance(minutes=1)
    row = store.record_attempt(code, "why", "q1", "failed")
    assert row.attempts == 1
    moved = tmp_path / f"{STORE_FILENAME}.corrupt-20250301T090100Z"
    assert moved.read_bytes() == b"\x00garbage" * 600
    assert len(store.warnings) == 1 and str(moved) in store.warnings[0]
    assert [l.code for l in store.all_learners()] == [code]


def test_reads_reuse_connections_instead_of_opening_one_each(tmp_path, monkeypatch):
    """Every page run reads the store: after the first, reads open no new SQLite
    connection (opening one cost a tenth of a page run)."""
    store = ProgressStore(tmp_path)
    code = store.create_learner("Ann").code
    store.record_attempt(code, "why", "q1", "failed")
    opened: list[object] = []
    connect = sqlite3.connect
    monkeypatch.setattr(sqlite3, "connect", lambda *a, **k: opened.append(a) or connect(*a, **k))
    for _ in range(20):
        assert store.progress_for(code)["q1"].attempts == 1
        assert store.get_learner(code).display_name == "Ann"
    store.record_attempt(code, "why", "q1", "passed")
    assert opened == []


def test_store_replaced_while_connections_are_pooled_is_noticed(tmp_path):
    """If the file is replaced by junk while the app holds idle connections to the old
    one, the next click still does not write into the old file: the junk is moved aside
    and the attempt lands in the fresh store that every new reader sees."""
    clock = Clock()
    store = ProgressStore(tmp_path, now=clock)
    code = store.create_learner("Ann").code
    assert store.progress_for(code) == {}  # a read: now an idle connection is pooled
    junk = tmp_path / "junk"
    junk.write_bytes(b"\x00garbage" * 600)
    for sidecar in tmp_path.glob(f"{STORE_FILENAME}-*"):
        sidecar.unlink()
    junk.replace(store.path)
    clock.advance(minutes=1)
    row = store.record_attempt(code, "why", "q1", "failed")
    assert row.attempts == 1
    moved = tmp_path / f"{STORE_FILENAME}.corrupt-20250301T090100Z"
    assert moved.read_bytes() == b"\x00garbage" * 600
    fresh = ProgressStore(tmp_path)
    assert fresh.progress_for(code)["q1"].attempts == 1
    store.close()
    fresh.close()


# ---------------------------------------------------------------------------------------
# Display names and resume codes
# ---------------------------------------------------------------------------------------

FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"  # 7 code points


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, None),
        ("", None),
        ("   \n\t\r  ", None),
        ("\u200b\u200d\u202e\x00", None),
        ("  Ada   Lovelace \n", "Ada Lovelace"),
        ("<script>alert(1)</script>", "<script>alert(1)</script>"),
        ("**bold** [x](javascript:alert(1)) <img src=x onerror=alert(1)>",
         "**bold** [x](javascript:alert(1)) <img s"),
        ("Robert'); DROP TABLE learners;--", "Robert'); DROP TABLE learners;--"),
        ("A\x00B\x07C\x1b[31mD\x7f", "ABC[31mD"),
        ("line\nbreak\u2028sep", "line break sep"),
        ("\u05e9\u05dc\u05d5\u05dd\u202eevil\u202c\u200f", "\u05e9\u05dc\u05d5\u05dd" + "evil"),
        ("\u0645\u0631\u062d\u0628\u0627", "\u0645\u0631\u062d\u0628\u0627"),
        ("a" * 10_000, "a" * 40),
        ("a" * 39 + "\U0001f44d\U0001f3fd", "a" * 39),
        ("a" * 33 + FAMILY + "b", "a" * 33 + FAMILY),
        ("a" * 34 + FAMILY, "a" * 34),
        ("e\u0301" * 30, "e\u0301" * 20),
        ("Z" + "\u0336" * 200 + "algo", "Z" + "\u0336" * 4 + "algo"),
        ("\ud83d lone", "lone"),
        ("\U0001f1e9\U0001f1ea\U0001f1eb\U0001f1f7", "\U0001f1e9\U0001f1ea\U0001f1eb\U0001f1f7"),
        (b"bytes \xff name", "bytes \ufffd name"),
        (42, "42"),
    ],
)
def test_hostile_display_names_are_cleaned(raw, expected):
    """Whatever a learner types as a name, the store keeps a short, visible, safe string."""
    cleaned = clean_display_name(raw)
    assert cleaned == expected
    if cleaned is not None:
        assert len(cleaned) <= 40
        cleaned.encode("utf-8")  # no lone surrogates left


def test_hostile_names_round_trip_through_the_store(tmp_path):
    """Names full of SQL, HTML, emoji and control characters come back exactly as cleaned,
    and the tables are still there afterwards."""
    store = ProgressStore(tmp_path)
    raws = ["Robert'); DROP TABLE learners;--", "<b>x</b>\x00", FAMILY * 9,
            "\u202eRTL", "x" * 10_000, "' OR 1=1 --", "\\'; --"]
    codes = {store.create_learner(raw).code: clean_display_name(raw) for raw in raws}
    restarted = ProgressStore(tmp_path)
    assert {l.code: l.display_name for l in restarted.all_learners()} == codes
    assert all(len(name) <= 40 for name in codes.values())
    code = next(iter(codes))
    restarted.record_attempt(code, "why", "q'); DROP TABLE progress;--", "failed")
    assert list(restarted.progress_for(code)) == ["q'); DROP TABLE progress;--"]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("K7M4-X9QP", "K7M4-X9QP"),
        ("k7m4-x9qp", "K7M4-X9QP"),
        ("k7m4x9qp", "K7M4-X9QP"),
        ("  k7m4 x9qp  ", "K7M4-X9QP"),
        ("k 7 m 4 - x 9 q p", "K7M4-X9QP"),
        ("K7M4\u2013X9QP", "K7M4-X9QP"),  # en dash from a word processor
        ("\uff2b\uff17\uff2d\uff14\uff38\uff19\uff31\uff30", "K7M4-X9QP"),  # full width
        ("K7M4-X9Q", None),
        ("K7M4-X9QPZ", None),
        ("O7M4-X9QP", None),
        ("07M4-X9QP", None),
        ("17M4-X9QP", None),
        ("I7M4-X9QP", None),
        ("L7M4-X9QP", None),
        ("K7M4.X9QP", None),
        ("K7M4-X9Q\u00e9", None),
        ("", None),
        ("-", None),
        (None, None),
        (12345678, None),
        ("K" * 10_000, None),
    ],
)
def test_normalise_code(typed, expected):
    """Codes typed with lower case, spaces or a missing dash resume; anything else is
    rejected rather than guessed."""
    assert normalise_code(typed) == expected


def test_new_codes_are_canonical_and_unambiguous():
    """Fresh codes look like K7M4-X9QP, avoid 0/O/1/I/L, and do not repeat."""
    codes = {new_code() for _ in range(2000)}
    assert len(codes) == 2000
    for code in codes:
        assert normalise_code(code) == code
        assert len(code) == 9 and code[4] == "-"
    assert not set("0O1IL") & set(CODE_ALPHABET)
    assert len(CODE_ALPHABET) ** 8 > 2**39
