"""Finding 3 of "Safe by default": a SQLite store damaged while the server runs.

The issue's reproduction: after the first 100 bytes are zeroed, or the file is truncated
so that SQL can still read some of it, the app kept acknowledging writes, and the next
restart moved the whole store aside, writes after the damage included. Now every
transaction checks the header and size before it commits; damage found moves the file
aside (kept, never deleted), every readable row is copied into a fresh store, and the
server keeps serving. A version 1 store opens and is upgraded in place."""

from __future__ import annotations

import os
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from workshop.progress import STORE_FILENAME, ProgressStore
from workshop.progress import sqlite_file as sqlite_file_module
from workshop.progress.model import SCHEMA_VERSION, HashReport
from workshop.progress.sqlite_file import NOTICE_KEPT
from workshop.progress.sqlite_salvage import header_damage

T0 = datetime(2025, 3, 1, 9, 0, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        self.now += timedelta(milliseconds=1)
        return self.now


def _room(store: ProgressStore, learners: int, attempts: int) -> list[str]:
    codes = [store.create_learner(f"learner {index}").code for index in range(learners)]
    for round_ in range(attempts):
        for code in codes:
            store.record_attempt(code, "why", f"q{round_ % 3}", "failed")
    return codes


def _moved(folder: Path) -> list[Path]:
    return sorted(path for path in folder.glob(f"{STORE_FILENAME}.corrupt-*")
                  if not path.name.endswith(("-wal", "-shm", "-journal")))


def _zero_header(path: Path) -> None:
    with open(path, "r+b") as handle:
        handle.write(b"\x00" * 100)


def test_the_header_check_sees_a_zeroed_header_and_a_truncation(tmp_path):
    store = ProgressStore(tmp_path)
    _room(store, 5, 40)
    store.close()  # everything checkpointed into the main file
    assert header_damage(store.path) is None
    data = store.path.read_bytes()
    os.truncate(store.path, len(data) * 3 // 4)
    assert "truncated" in header_damage(store.path)
    store.path.write_bytes(data)
    _zero_header(store.path)
    assert "header" in header_damage(store.path)
    assert header_damage(tmp_path / "missing") is None


def test_a_zeroed_header_while_running_is_caught_and_every_row_kept(tmp_path):
    """The issue's first reproduction: zero the 100-byte header while the store runs. The
    next write notices, the store is repaired in place, and every row written before and
    after the damage is in the store the next restart opens."""
    store = ProgressStore(tmp_path, now=Clock())
    codes = _room(store, 4, 10)
    assert store.progress_for(codes[0])["q0"].attempts == 4  # connections pooled and warm
    _zero_header(store.path)

    for code in codes:  # after the damage: the first of these finds it
        store.record_attempt(code, "why", "q0", "passed")
    store.set_display_name(codes[0], "Ann")

    moved = _moved(tmp_path)
    assert len(moved) == 1 and moved[0].read_bytes()[:100] == b"\x00" * 100
    assert len(store.warnings) == 1 and str(moved[0]) in store.warnings[0]
    assert "4 learners" in store.warnings[0]
    assert store.learner_notices == [NOTICE_KEPT]
    store.close()

    restarted = ProgressStore(tmp_path)
    assert restarted.warnings == []  # the restart finds a healthy store
    assert len(restarted.all_learners()) == 4
    assert len(restarted.events_since()) == 4 * 10 + 4
    for code in codes:
        progress = restarted.progress_for(code)
        assert progress["q0"].attempts == 5 and progress["q0"].outcome == "passed"
        assert progress["q1"].attempts == 3
    assert restarted.get_learner(codes[0]).display_name == "Ann"


def test_writes_acknowledged_before_the_damage_was_noticed_are_kept(tmp_path, monkeypatch):
    """Damage the check cannot see at once (here: the check switched off for a while, as
    for damage inside the file) still loses no acknowledged write: the salvage reads the
    damaged file's WAL, where those writes are."""
    store = ProgressStore(tmp_path, now=Clock())
    codes = _room(store, 3, 5)
    store.progress_for(codes[0])
    _zero_header(store.path)
    monkeypatch.setattr(sqlite_file_module, "header_damage", lambda path: None)
    for code in codes:  # acknowledged into a file whose header is gone
        store.record_attempt(code, "model", "m1", "passed")
    monkeypatch.undo()
    store.record_hint(codes[0], "model", "m1")  # this one notices

    assert len(_moved(tmp_path)) == 1
    store.close()
    restarted = ProgressStore(tmp_path)
    for code in codes:
        assert restarted.progress_for(code)["m1"].outcome == "passed"
    assert restarted.progress_for(codes[0])["m1"].hints_used == 1
    assert len(restarted.events_since()) == 3 * 5 + 3 + 1


def test_a_truncated_store_while_running_keeps_every_readable_row(tmp_path):
    """The issue's second reproduction: truncate the file so SQL can still read some of
    it. The next write notices; the rows still readable, and every write after, are kept."""
    first = ProgressStore(tmp_path, now=Clock())
    codes = _room(first, 6, 60)
    first.close()
    store = ProgressStore(tmp_path, now=Clock())
    assert store.progress_for(codes[0])["q0"].attempts == 20
    size = store.path.stat().st_size
    os.truncate(store.path, size - size // 8)

    late = store.create_learner("late").code
    for code in [*codes, late]:
        store.record_attempt(code, "model", "m1", "passed")

    assert len(_moved(tmp_path)) == 1
    assert "truncated" in store.warnings[0]
    store.close()
    restarted = ProgressStore(tmp_path)
    assert restarted.warnings == []
    # The learners' and progress tables were not cut off; the events table partly was.
    assert {learner.code for learner in restarted.all_learners()} == {*codes, late}
    for code in codes:
        assert restarted.progress_for(code)["q0"].attempts == 20
    for code in [*codes, late]:
        assert restarted.progress_for(code)["m1"].outcome == "passed"
    events = restarted.events_since()
    assert [event.check_id for event in events].count("m1") == 7  # every write after
    assert len(events) > 7


def test_a_version_1_store_is_upgraded_in_place(tmp_path):
    """A store written before failed attempts and policy ticks opens, keeps its rows, and
    gets the new tables; the file is not moved aside."""
    path = tmp_path / STORE_FILENAME
    conn = sqlite3.connect(path)
    conn.executescript("""
        PRAGMA journal_mode = WAL;
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE learners (code TEXT PRIMARY KEY, display_name TEXT,
            created_at TEXT NOT NULL, last_seen TEXT NOT NULL);
        CREATE TABLE progress (learner_code TEXT NOT NULL REFERENCES learners(code),
            stage_id TEXT NOT NULL, check_id TEXT NOT NULL, outcome TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0, hints_used INTEGER NOT NULL DEFAULT 0,
            seconds REAL NOT NULL DEFAULT 0, first_at TEXT NOT NULL,
            updated_at TEXT NOT NULL, PRIMARY KEY (learner_code, check_id));
        CREATE TABLE events (id INTEGER PRIMARY KEY AUTOINCREMENT,
            learner_code TEXT NOT NULL, stage_id TEXT NOT NULL, check_id TEXT NOT NULL,
            kind TEXT NOT NULL, at TEXT NOT NULL);
        INSERT INTO meta VALUES ('schema_version', '1');
        INSERT INTO learners VALUES ('K7M4-X9QP', 'Ann', '2025-03-01T09:00:00.000000+00:00',
                                     '2025-03-01T09:00:00.000000+00:00');
    """)
    conn.close()
    store = ProgressStore(tmp_path)
    assert store.warnings == [] and _moved(tmp_path) == []
    assert store.get_learner("K7M4-X9QP").display_name == "Ann"
    store.set_policy_tick("K7M4-X9QP", "pin-versions", True)
    store.record_failure("resume", "10.0.0.7")
    store.report_hash("K7M4-X9QP", HashReport("a" * 64))
    assert store.hash_reports()[0].prediction_sha256 == "a" * 64
    with sqlite3.connect(path) as check:
        assert check.execute("SELECT value FROM meta").fetchone() == (str(SCHEMA_VERSION),)


def test_a_version_2_store_is_upgraded_to_3_keeping_its_rows(tmp_path):
    """A store written before hash reports opens, keeps its learners, progress and ticks,
    and gets the hash_reports table; the file is not moved aside."""
    store = ProgressStore(tmp_path)
    code = store.create_learner("Ann").code
    store.record_attempt(code, "model", "m1", "passed")
    store.set_policy_tick(code, "pin-versions", True)
    store.close()
    with sqlite3.connect(store.path) as conn:
        conn.execute("DROP TABLE hash_reports")
        conn.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")
    conn.close()
    upgraded = ProgressStore(tmp_path)
    assert upgraded.warnings == [] and _moved(tmp_path) == []
    assert upgraded.get_learner(code).display_name == "Ann"
    assert upgraded.progress_for(code)["m1"].outcome == "passed"
    assert upgraded.policy_ticks(code) == {"pin-versions": True}
    upgraded.report_hash(code, HashReport("B" * 64, "Linux", "3.12", "2.1", None))
    assert [(r.learner_code, r.prediction_sha256) for r in upgraded.hash_reports()] == [
        (code, "b" * 64)]
    with sqlite3.connect(upgraded.path) as check:
        assert check.execute("SELECT value FROM meta").fetchone() == (str(SCHEMA_VERSION),)


@pytest.mark.parametrize("damage", ["zeroed header", "truncated"])
def test_a_store_damaged_while_stopped_keeps_its_readable_rows_at_start(tmp_path, damage):
    """Damage found at start is handled the same way: moved aside, readable rows kept."""
    store = ProgressStore(tmp_path)
    codes = _room(store, 3, 30)
    store.close()
    if damage == "zeroed header":
        _zero_header(store.path)
    else:
        os.truncate(store.path, store.path.stat().st_size * 7 // 8)
    reopened = ProgressStore(tmp_path)
    assert len(_moved(tmp_path)) == 1 and len(reopened.warnings) == 1
    assert {learner.code for learner in reopened.all_learners()} == set(codes)
    if damage == "zeroed header":  # nothing was lost at all
        assert len(reopened.events_since()) == 90
