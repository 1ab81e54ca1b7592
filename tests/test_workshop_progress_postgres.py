"""The PostgreSQL backend on a real server: the choice by WORKSHOP_DATABASE_URL, the schema
and its version, the database's clock and commit order, exact counts under concurrent
processes and threads, a lost COMMIT answer, a crashed and restarted server, an unreachable
one (password never shown), and the same room and export as SQLite.

The store's own promises (outcome rules, restarts, 50 learners, kill -9) run on both
backends in tests/test_workshop_progress_store.py. The server is a throwaway cluster
(tests/postgres_server.py); these tests skip where PostgreSQL is absent, and fail instead
with WORKSHOP_REQUIRE_SERVERS=1 (CI).
"""

from __future__ import annotations

import inspect
import json
import multiprocessing
import socket
import threading
import time
import traceback
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from tests.test_workshop_progress_store import Clock
from workshop import room
from workshop.learners import new_code
from workshop.progress import (
    SCHEMA_VERSION,
    PostgresBackend,
    ProgressBackend,
    ProgressStore,
    ProgressStoreError,
)
from workshop.progress import postgres as postgres_module
from workshop.progress.model import HINT, NOT_ATTEMPTED, HashReport, ProgressChange

SECRET = "s3cret-Pa55word"


def _sql(url: str, query: str, parameters: tuple = ()) -> list[tuple]:
    with psycopg.connect(url, autocommit=True) as conn:
        cursor = conn.execute(query, parameters)
        return cursor.fetchall() if cursor.description else []


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# ---------------------------------------------------------------------------------------
# Which backend, and the interface
# ---------------------------------------------------------------------------------------


def test_postgres_backend_has_every_protocol_method_with_its_signature():
    """The store may call every ProgressBackend operation on PostgresBackend."""
    for name, member in vars(ProgressBackend).items():
        if callable(member) and not name.startswith("_"):
            implemented = inspect.signature(getattr(PostgresBackend, name))
            assert list(implemented.parameters) == list(
                inspect.signature(member).parameters), name


def test_the_database_url_chooses_postgres(monkeypatch, postgres_url, private_workshop_data_dir):
    """With WORKSHOP_DATABASE_URL set every process of every machine uses PostgreSQL, even
    where a data folder is passed (the app passes one); no SQLite file is made."""
    monkeypatch.setenv("WORKSHOP_DATABASE_URL", postgres_url)
    for store in (ProgressStore(), ProgressStore(private_workshop_data_dir)):
        assert isinstance(store._backend, PostgresBackend)
        assert (store.path, store.data_dir) == (None, None)
        assert store.location == postgres_url
        assert store.warnings == []
    code = ProgressStore().create_learner("Ann").code
    assert ProgressStore(private_workshop_data_dir).get_learner(code).display_name == "Ann"
    assert not private_workshop_data_dir.exists()
    assert _sql(postgres_url, "SELECT display_name FROM learners") == [("Ann",)]


def test_backend_operations(postgres_url):
    """A taken code is refused without a write; export of an unknown code has no learner;
    the outcome rule is asked about the stored outcome."""
    backend: ProgressBackend = PostgresBackend(postgres_url, clock=lambda: Clock().now)
    assert backend.warnings == []
    first = backend.add_learner("2222-3333", "Ann")
    assert (first.code, first.display_name, first.created_at) == (
        "2222-3333", "Ann", Clock().now)
    assert backend.add_learner("2222-3333", "Bo") is None
    assert [learner.display_name for learner in backend.all_learners()] == ["Ann"]
    seen: list[str] = []

    def keep(previous: str) -> str:
        seen.append(previous)
        return previous

    row = backend.record(ProgressChange("2222-3333", "why", "q1", HINT, keep, hints_used=1))
    assert NOT_ATTEMPTED in seen
    assert (row.outcome, row.hints_used, row.updated_at) == (NOT_ATTEMPTED, 1, Clock().now)
    backend.set_display_name("4444-5555", "Cy")  # an unknown code is registered
    assert backend.learner("4444-5555").display_name == "Cy"
    exported = backend.export("6666-7777")
    assert (exported.learner, exported.progress, exported.events) == (None, [], [])
    assert [event.kind for event in backend.export("2222-3333").events] == [HINT]
    backend.close()
    assert backend.learner("2222-3333").code == "2222-3333"  # still usable after close


# ---------------------------------------------------------------------------------------
# Schema and version
# ---------------------------------------------------------------------------------------


def test_schema_has_native_types_and_its_version(postgres_url):
    """Same tables as SQLite, with timestamptz, double precision and an identity id; the
    schema version row is written once, however often the store is opened."""
    for _ in range(3):
        ProgressStore(database_url=postgres_url).create_learner()
    columns = dict(_sql(postgres_url,
                        "SELECT table_name || '.' || column_name, data_type "
                        "FROM information_schema.columns WHERE table_schema = 'public'"))
    assert columns["learners.created_at"] == "timestamp with time zone"
    assert columns["events.at"] == "timestamp with time zone"
    assert columns["progress.seconds"] == "double precision"
    assert columns["events.id"] == "bigint"
    assert {name.split(".")[0] for name in columns} == {"meta", "learners", "progress",
                                                         "events", "failed_attempts",
                                                         "policy_ticks", "hash_reports"}
    assert _sql(postgres_url, "SELECT key, value FROM meta") == [
        ("schema_version", str(SCHEMA_VERSION))]


def test_a_newer_schema_is_refused_and_left_untouched(postgres_url):
    """A database written by a newer workshop stops an older app with a clear error."""
    ProgressStore(database_url=postgres_url).create_learner("Ann")
    _sql(postgres_url, "UPDATE meta SET value = %s", (str(SCHEMA_VERSION + 1),))
    newer = f"schema version {SCHEMA_VERSION + 1}.*left untouched"
    with pytest.raises(ProgressStoreError, match=newer):
        ProgressStore(database_url=postgres_url)
    assert _sql(postgres_url, "SELECT value FROM meta") == [(str(SCHEMA_VERSION + 1),)]
    assert _sql(postgres_url, "SELECT display_name FROM learners") == [("Ann",)]


@pytest.mark.parametrize("version", [1, 2])
def test_an_older_database_is_upgraded_in_place_keeping_its_rows(postgres_url, version):
    """A database of version 1 or 2 (no hash_reports; v1 without ticks and failed attempts
    either) opens, keeps its learners and ticks, gets the new tables and version 3."""
    store = ProgressStore(database_url=postgres_url)
    code = store.create_learner("Ann").code
    store.set_policy_tick(code, "pin-versions", True)
    store.close()
    dropped = ["hash_reports"] + (["failed_attempts", "policy_ticks"] if version == 1 else [])
    _sql(postgres_url, f"DROP TABLE {', '.join(dropped)}")
    _sql(postgres_url, "UPDATE meta SET value = %s", (str(version),))
    upgraded = ProgressStore(database_url=postgres_url)
    assert upgraded.get_learner(code).display_name == "Ann"
    assert upgraded.policy_ticks(code) == ({"pin-versions": True} if version == 2 else {})
    upgraded.report_hash(code, HashReport("a" * 64, "Linux"))
    assert [report.learner_code for report in upgraded.hash_reports()] == [code]
    assert _sql(postgres_url, "SELECT value FROM meta") == [(str(SCHEMA_VERSION),)]


def test_a_database_with_other_tables_of_those_names_is_refused(postgres_url):
    """Another application's ``learners`` table is never written to or altered."""
    _sql(postgres_url, "CREATE TABLE learners (id integer)")
    with pytest.raises(ProgressStoreError, match="learners but no meta table"):
        ProgressStore(database_url=postgres_url)
    assert _sql(postgres_url, "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = 'public'") == [("learners",)]


# ---------------------------------------------------------------------------------------
# Time: the database's clock, in commit order
# ---------------------------------------------------------------------------------------


def test_stored_times_come_from_the_database_clock(monkeypatch, postgres_url):
    """An app machine whose clock is wrong still stores the database server's time."""
    monkeypatch.setattr("workshop.progress.store.system_now",
                        lambda: datetime(2000, 1, 1, tzinfo=UTC))
    store = ProgressStore(database_url=postgres_url)
    (before,), = _sql(postgres_url, "SELECT clock_timestamp()")
    learner = store.create_learner()
    row = store.record_attempt(learner.code, "why", "q1", "failed")
    (after,), = _sql(postgres_url, "SELECT clock_timestamp()")
    assert before <= learner.created_at < row.updated_at <= after
    assert store.events_since()[0].at == row.updated_at
    assert store.events_since(before - timedelta(days=1)) == store.events_since()


def test_stored_times_and_event_ids_follow_commit_order(postgres_url):
    """Two "machines" with four sessions each: event ids and times rise together, so a
    room view that reads events after a time never misses a write committed later."""
    machines = [ProgressStore(database_url=postgres_url) for _ in range(2)]
    codes = [machines[0].create_learner().code for _ in range(8)]
    errors: list[BaseException] = []

    def session(index: int) -> None:
        try:
            for number in range(25):
                machines[index % 2].record_attempt(codes[index], "why", f"q{number}",
                                                   "failed")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=session, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    events = machines[1].events_since()
    assert len(events) == 200
    by_id = sorted(events, key=lambda event: event.id)
    assert [event.at for event in by_id] == sorted(event.at for event in events)
    assert events == by_id  # events_since orders by time: the same order


# ---------------------------------------------------------------------------------------
# Concurrent writers: exact counts
# ---------------------------------------------------------------------------------------

PROCESSES, FAILS, HINTS = 4, 60, 10


def _hammer(url: str, code: str, index: int, start) -> None:
    store = ProgressStore(database_url=url)
    start.wait()
    for number in range(FAILS):
        store.record_attempt(code, "data", "q1", "failed", seconds=0.25)
        if number % 6 == 0:
            store.record_hint(code, "data", "q1")
        if index == 0 and number == FAILS // 2:
            store.record_attempt(code, "data", "q1", "passed", seconds=0.25)


@pytest.mark.slow
def test_processes_hammering_one_check_count_exactly(postgres_url):
    """Four processes (four app machines) clicking on the same learner's same check at
    once: every attempt, hint and second is counted, and the pass is never downgraded."""
    store = ProgressStore(database_url=postgres_url)
    code = store.create_learner().code
    store.close()
    context = multiprocessing.get_context("fork")
    start = context.Barrier(PROCESSES)
    processes = [context.Process(target=_hammer, args=(postgres_url, code, i, start))
                 for i in range(PROCESSES)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=120)
    assert [p.exitcode for p in processes] == [0] * PROCESSES
    row = store.progress_for(code)["q1"]
    assert (row.outcome, row.attempts, row.hints_used, row.seconds) == (
        "passed", PROCESSES * FAILS + 1, PROCESSES * HINTS, (PROCESSES * FAILS + 1) * 0.25)
    kinds = [event.kind for event in store.events_since()]
    assert len(kinds) == PROCESSES * (FAILS + HINTS) + 1
    assert kinds.count("hint") == PROCESSES * HINTS


def test_counts_stay_exact_even_without_the_write_lock(monkeypatch, postgres_url):
    """The counters are added by the database on the locked row: with the commit-order
    lock taken out, sixteen threads on one check still lose nothing."""
    monkeypatch.setattr(postgres_module, "_BEGIN_WRITE",
                        "BEGIN; SELECT pg_current_xact_id()::text, clock_timestamp()")
    store = ProgressStore(database_url=postgres_url)
    code = store.create_learner().code
    start = threading.Barrier(16)
    errors: list[BaseException] = []

    def tab() -> None:
        try:
            start.wait()
            for _ in range(20):
                store.record_attempt(code, "data", "q1", "failed", seconds=0.5)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=tab) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    row = store.progress_for(code)["q1"]
    assert (row.attempts, row.seconds) == (320, 160.0)
    assert len(store.events_since()) == 320


# ---------------------------------------------------------------------------------------
# Failures: a lost COMMIT answer, a crashed server, an unreachable one
# ---------------------------------------------------------------------------------------


class _Connection:
    """A pooled connection whose COMMIT goes wrong once, in one of two ways."""

    def __init__(self, conn: psycopg.Connection, url: str, fault: str) -> None:
        self._conn, self._url, self._fault = conn, url, fault

    def execute(self, query, *args):
        if query != "COMMIT":
            return self._conn.execute(query, *args)
        if self._fault == "answer lost":  # committed; the reply never arrives
            self._conn.execute(query)
            self._conn.close()
            raise psycopg.OperationalError("server closed the connection unexpectedly")
        # "killed": the server ends the session before it commits
        _sql(self._url, "SELECT pg_terminate_backend(%s, 5000)",
             (self._conn.info.backend_pid,))
        return self._conn.execute(query, *args)

    def __getattr__(self, name):
        return getattr(self._conn, name)


@pytest.mark.parametrize("fault", ["answer lost", "killed"])
def test_a_commit_whose_outcome_is_unknown_is_counted_once(monkeypatch, postgres_url, fault):
    """The connection breaks at COMMIT: the backend asks the server whether it committed,
    returns if it did and retries if not, so the click counts exactly once either way."""
    store = ProgressStore(database_url=postgres_url)
    code = store.create_learner().code
    pool = store._backend._pool
    borrow = pool.borrow
    faults = [fault]
    monkeypatch.setattr(pool, "borrow", lambda: _Connection(borrow(), postgres_url,
                                                            faults.pop()) if faults
                        else borrow())
    committed = store._backend._committed
    answers: list[bool] = []
    monkeypatch.setattr(store._backend, "_committed",
                        lambda xid: answers.append(committed(xid)) or answers[-1])
    row = store.record_attempt(code, "why", "q1", "failed", seconds=2)
    assert faults == []
    assert answers == [fault == "answer lost"]  # the server was asked, and it knew
    assert (row.attempts, row.seconds) == (1, 2.0)
    assert store.progress_for(code)["q1"].attempts == 1
    assert len(store.events_since()) == 1


@pytest.mark.slow
def test_acknowledged_writes_survive_a_server_crash_and_the_app_reconnects(postgres_server,
                                                                          postgres_url):
    """The server is killed (``immediate``: no shutdown checkpoint) and restarted while the
    app runs: every acknowledged write is there, and a write made while it was down waits
    for it and is saved once."""
    store = ProgressStore(database_url=postgres_url)
    code = store.create_learner().code
    for number in range(100):
        store.record_attempt(code, "why", f"q{number}", "failed")
    postgres_server.stop("immediate")
    restart = threading.Timer(1.0, postgres_server.start)
    restart.start()
    try:
        store.record_hint(code, "why", "q0")  # pooled connection dead, server down
    finally:
        restart.join()
    kept = store.progress_for(code)
    assert set(kept) == {f"q{number}" for number in range(100)}
    assert kept["q0"].hints_used == 1
    assert len(store.events_since()) == 101


def test_an_unreachable_server_is_a_clear_error_without_the_password(monkeypatch):
    """No server at the address: a message naming host, port and database, saying what to
    do, with the password hidden everywhere (message, traceback, location)."""
    port = _free_port()
    url = f"postgresql://workshop:{SECRET}@127.0.0.1:{port}/room"
    started = time.monotonic()
    with pytest.raises(ProgressStoreError) as caught:
        ProgressStore(database_url=url, lock_timeout=0.5)
    assert time.monotonic() - started < 15
    message = str(caught.value)
    assert f"cannot reach PostgreSQL at 127.0.0.1:{port}/room (password hidden)" in message
    assert "WORKSHOP_DATABASE_URL" in message
    assert SECRET not in "".join(traceback.format_exception(caught.value))
    monkeypatch.setenv("WORKSHOP_DATABASE_URL", url)
    with pytest.raises(ProgressStoreError, match="cannot reach PostgreSQL"):
        ProgressStore(lock_timeout=0.2)


@pytest.mark.parametrize("url", [f"mysql://root:{SECRET}@db/room",
                                 f"postgresql://root:{SECRET}@db:notaport/room",
                                 f"host=db password={SECRET}"])
def test_a_url_that_is_not_postgres_is_refused_without_echoing_it(url):
    """A mistyped variable is refused at once, and its text (maybe a password) not shown."""
    with pytest.raises(ProgressStoreError, match="WORKSHOP_DATABASE_URL") as caught:
        ProgressStore(database_url=url)
    assert SECRET not in "".join(traceback.format_exception(caught.value))


def test_the_location_and_repr_hide_the_password(postgres_server):
    """Messages and logs name the database by host, port and name only."""
    url = postgres_server.url().replace("@", f":{SECRET}@", 1)  # trust auth ignores it
    store = ProgressStore(database_url=url)
    assert SECRET not in store.location
    assert SECRET not in repr(store._backend)
    assert store.location == postgres_server.url()


# ---------------------------------------------------------------------------------------
# The same room on both backends
# ---------------------------------------------------------------------------------------


def _run_the_room(store: ProgressStore, clock: Clock) -> list[str]:
    codes = [store.create_learner(f"learner {i}").code for i in range(4)]
    for minute in range(12):
        clock.advance(minutes=1)
        code = codes[minute % 4]
        store.record_attempt(code, "why", "why-q1", "failed", seconds=20)
        if minute % 3 == 0:
            store.record_hint(code, "why", "why-q1")
        if minute in (7, 10):
            store.record_attempt(code, "why", "why-q1", "passed", seconds=5)
    store.record_reveal(codes[2], "data", "data-q1")
    store.touch(codes[3])
    return codes


def test_room_view_and_export_are_identical_on_sqlite_and_postgres(monkeypatch, tmp_path,
                                                                   postgres_url):
    """The same clicks at the same times give the same rows, the same instructor room
    view, and byte-identical exports on both backends."""
    codes = [new_code() for _ in range(4)]
    results = []
    for options in ({"data_dir": tmp_path, "database_url": ""},
                    {"database_url": postgres_url}):
        feed = iter(codes)
        monkeypatch.setattr("workshop.progress.store.new_code", lambda feed=feed: next(feed))
        clock = Clock()
        store = ProgressStore(now=clock, **options)
        _run_the_room(store, clock)
        learners, progress = store.all_learners(), store.all_progress()
        events = store.events_since(Clock().now)
        stages = {"why": ["why-q1"], "data": ["data-q1"]}
        results.append({
            "rows": (learners, progress, events),
            "active": room.active_learners(learners, clock.now),
            "completion": room.stage_completion(learners, progress, stages),
            "checks": room.check_figures(progress, stages),
            "stuck": room.stuck_learners(learners, progress, events, clock.now),
            "recent": room.recent_events(learners, events, clock.now),
            "exports": [json.loads(store.export_json(code)) for code in codes],
        })
    sqlite, postgres = results
    assert sqlite["rows"][2] and sqlite["stuck"]  # the room has something to show
    for key in sqlite:
        assert sqlite[key] == postgres[key], key
