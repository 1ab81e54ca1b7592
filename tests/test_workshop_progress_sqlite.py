"""The SQLite backend: WAL and schema version, a newer app's store, an unwritable folder,
locked stores, damaged stores moved aside, pooled connections."""

from __future__ import annotations

import hashlib
import sqlite3
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from case_study.errors import CaseStudyError
from tests.test_workshop_progress_store import Clock
from workshop.errors import WorkshopError
from workshop.progress import STORE_FILENAME, ProgressStore, ProgressStoreError
from workshop.progress.model import SCHEMA_VERSION


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()



# ---------------------------------------------------------------------------------------
# The file: WAL, schema version, folder
# ---------------------------------------------------------------------------------------


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
    newer = f"schema version {SCHEMA_VERSION + 1}.*left untouched"
    with pytest.raises(ProgressStoreError, match=newer):
        ProgressStore(tmp_path)
    assert sha(store.path) == before
    assert not list(tmp_path.glob("*.corrupt-*"))


def test_unwritable_data_dir_gives_a_clear_error(tmp_path):
    """A data folder that cannot be created explains which setting to change."""
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(ProgressStoreError, match="WORKSHOP_DATA_DIR") as caught:
        ProgressStore(blocker / "data")
    # One exception family per package: the UI's edge catches WorkshopError, so this never
    # reaches a learner as a traceback.
    assert isinstance(caught.value, WorkshopError)
    assert not isinstance(caught.value, CaseStudyError)



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
    "text file": lambda folder: b"These are my notes, not a database.\n" * 50,
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

    clock = Clock(datetime(2025, 3, 1, 9, 30, 15, tzinfo=UTC))
    store = ProgressStore(folder, now=clock)

    moved = folder / f"{STORE_FILENAME}.corrupt-20250301T093015Z"
    assert moved.read_bytes() == damaged
    assert len(store.warnings) == 1
    assert str(moved) in store.warnings[0]
    assert "nothing was deleted" in store.warnings[0]
    # What could still be read was copied in: only the truncated store had any.
    salvaged = [learner.display_name for learner in store.all_learners()]
    assert salvaged == (["Ann"] if kind == "truncated database" else [])
    assert len(store.learner_notices) == 1 and str(folder) not in store.learner_notices[0]
    code = store.create_learner("Bob").code
    store.record_attempt(code, "why", "q1", "passed")
    assert code in {learner.code for learner in ProgressStore(folder).all_learners()}


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
    assert [learner.code for learner in store.all_learners()] == [code]


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

