"""The progress backend for a room served by several machines: PostgreSQL (psycopg 3).

``PostgresBackend`` keeps the SQLite backend's tables (``meta``, ``learners``, ``progress``,
``events``, ``failed_attempts``, ``policy_ticks``, ``hash_reports``; same columns, same
rules) in native types (created or upgraded by ``postgres_schema``); ``ProgressStore``
chooses it when ``WORKSHOP_DATABASE_URL=postgresql://…`` is set.

- **Time** comes from the database's clock (``clock_timestamp()``) inside the write
  transaction: app machines' clocks disagree, the server's is the one they all share.
- **Order.** Each write takes one transaction-scoped advisory lock before it reads the
  clock, so writes commit one at a time (as SQLite's ``BEGIN IMMEDIATE`` makes them):
  stored times and event ids follow commit order, and a room view reading
  ``events_since`` never misses a late commit. The lock is held for two round trips and
  the commit, about a millisecond on one network.
- **Exact counters.** ``INSERT … ON CONFLICT … DO UPDATE`` adds the counters and applies
  the outcome rule on the locked row (``outcome_after``, a pure function of four outcomes,
  is evaluated for each beforehand), so counts stay exact even without that lock.
- **Durability.** A write returns after ``COMMIT`` did, with ``synchronous_commit`` on
  (switched on if the server has it off): it survives ``kill -9`` and a server crash.
- **Retries.** Serialization failures, deadlocks, a restarting server and lost connections
  are retried with jitter until ``retry_timeout``; a connection lost during ``COMMIT`` is
  settled by asking the server (``pg_xact_status``), so a click never counts twice.
- **Secrets.** The password never appears in a message, ``location`` or ``repr``.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import psycopg

from workshop.errors import ProgressStoreError
from workshop.progress.model import (
    ATTEMPT_FAILED,
    ATTEMPT_PASSED,
    FAILURE_RETENTION_HOURS,
    HINT,
    OUTCOMES,
    REVEAL,
    SCHEMA_VERSION,
    CheckProgress,
    Event,
    HashReport,
    Learner,
    LearnerExport,
    ProgressChange,
    RecentFailures,
    utc,
)
from workshop.progress.postgres_pool import Pool as _Pool
from workshop.progress.postgres_pool import close as _close
from workshop.progress.postgres_pool import parse_url as _parse_url
from workshop.progress.postgres_schema import set_up
from workshop.progress.sqlite import _HASH_COLUMNS, _HASH_UPSERT
from workshop.settings import DATABASE_URL_ENV

_T = TypeVar("_T")

# Key of the transaction-scoped advisory lock that serialises writes (the schema's is in
# ``postgres_schema``).
_WRITE_LOCK = 0x57_4B_53_50_01
# SQLSTATEs worth retrying: connection exceptions (08…), serialization failure, deadlock,
# server shutting down, starting or ending idle sessions (57P0x), too many connections.
_RETRY_STATES = ("08", "40001", "40P01", "57P0", "53300")
_APPLICATION = "reproducible-ml-workshop"
_RECORDING = {ATTEMPT_PASSED: "record an attempt", ATTEMPT_FAILED: "record an attempt",
              HINT: "record a hint", REVEAL: "record a reveal"}

# Simple-query protocol (no parameters), so BEGIN and the lock are one round trip.
_BEGIN_WRITE = (f"BEGIN; SELECT pg_current_xact_id()::text, clock_timestamp() "
                f"FROM pg_advisory_xact_lock({_WRITE_LOCK})")
# Texts sort bytewise ("C"), as SQLite sorts them, whatever the database's collation.
_LEARNER_COLUMNS = "SELECT code, display_name, created_at, last_seen FROM learners "
_PROGRESS_COLUMNS = ("SELECT learner_code, stage_id, check_id, outcome, attempts, "
                     "hints_used, seconds, first_at, updated_at FROM progress ")
_PROGRESS_ORDER = 'ORDER BY first_at, check_id COLLATE "C"'
_EVENT_COLUMNS = "SELECT id, learner_code, stage_id, check_id, kind, at FROM events "
_SEEN = ("INSERT INTO learners (code, display_name, created_at, last_seen) "
         "VALUES (%(code)s, NULL, %(at)s, %(at)s) "
         "ON CONFLICT (code) DO UPDATE SET last_seen = excluded.last_seen")
# One statement: register the learner, upsert the check's row, log the event. Both child
# rows select from ``seen``, so the learner row exists before they are inserted.
_RECORD = f"""
WITH seen AS ({_SEEN} RETURNING code),
stored AS (
    INSERT INTO progress AS p (learner_code, stage_id, check_id, outcome, attempts,
                               hints_used, seconds, first_at, updated_at)
    SELECT code, %(stage)s, %(check)s, %(after_not_attempted)s, %(attempts)s, %(hints)s,
           %(seconds)s, %(at)s, %(at)s FROM seen
    ON CONFLICT (learner_code, check_id) DO UPDATE SET
        stage_id = excluded.stage_id,
        outcome = CASE p.outcome WHEN 'passed' THEN %(after_passed)s
            WHEN 'failed' THEN %(after_failed)s WHEN 'revealed' THEN %(after_revealed)s
            ELSE %(after_not_attempted)s END,
        attempts = p.attempts + excluded.attempts,
        hints_used = p.hints_used + excluded.hints_used,
        seconds = p.seconds + excluded.seconds, updated_at = excluded.updated_at
    RETURNING learner_code, stage_id, check_id, outcome, attempts, hints_used, seconds,
              first_at, updated_at),
logged AS (
    INSERT INTO events (learner_code, stage_id, check_id, kind, at)
    SELECT code, %(stage)s, %(check)s, %(kind)s, %(at)s FROM seen)
SELECT * FROM stored
"""


def _learner_row(row: tuple) -> Learner:
    code, name, created_at, last_seen = row
    return Learner(code, name, utc(created_at), utc(last_seen))


def _progress_row(row: tuple) -> CheckProgress:
    code, stage_id, check_id, outcome, attempts, hints, seconds, first_at, updated_at = row
    return CheckProgress(code, stage_id, check_id, outcome, attempts, hints,
                         float(seconds), utc(updated_at), utc(first_at))


def _event_row(row: tuple) -> Event:
    event_id, code, stage_id, check_id, kind, at = row
    return Event(event_id, code, stage_id, check_id, kind, utc(at))


def _hash_row(row: tuple) -> HashReport:
    return HashReport(*row[1:6], learner_code=row[0], reported_at=utc(row[6]))


def _retryable(exc: psycopg.Error) -> bool:
    state = exc.sqlstate
    if state is None:  # raised by libpq itself: connection refused, lost, timed out
        return isinstance(exc, psycopg.OperationalError)
    return state.startswith(_RETRY_STATES)


def _unreachable(exc: psycopg.Error) -> bool:
    state = exc.sqlstate
    return state is None or state.startswith(("08", "57P"))


class PostgresBackend:
    """Progress in a PostgreSQL database; implements ``ProgressBackend``.

    Args:
        url: ``postgresql://user:password@host:port/database``; the database must exist
            and the user may create tables in it (the tables are created on first use).
        clock: where stored times come from; ``None`` (the default) is the database's
            own clock, the one every app machine shares. Tests inject one.
        retry_timeout: total seconds to keep retrying a write or read that failed for a
            passing reason (server restarting, connection lost, serialization failure)
            before giving up with ``ProgressStoreError`` (never silently).
        connect_timeout: seconds to wait for one connection to open.

    Raises:
        ProgressStoreError: the URL is not a PostgreSQL URL, the server cannot be reached
            within ``retry_timeout``, the database holds other tables of the same names,
            or it was written by a newer version of the workshop (left untouched).
    """

    def __init__(self, url: str, *, clock: Callable[[], datetime] | None = None,
                 retry_timeout: float = 30.0, connect_timeout: float = 5.0) -> None:
        params = _parse_url(url)
        self._url = url
        self._password = params.get("password", "")
        host = params.get("host") or params.get("hostaddr") or "localhost"
        self.where = f"{host}:{params.get('port', '5432')}/{params.get('dbname', '')}"
        user = f"{params['user']}@" if params.get("user") else ""
        self.location = f"postgresql://{user}{self.where}"
        self.warnings: list[str] = []
        self.notices: list[str] = []
        self._clock = clock
        self.retry_timeout = retry_timeout
        self.connect_timeout = connect_timeout
        self._pool = _Pool(self._connect)
        self._run(self._set_up, "set up the tables")

    def __repr__(self) -> str:
        return f"PostgresBackend({self.location!r})"

    # -- connections, transactions, retries ------------------------------------------------

    def _connect(self) -> psycopg.Connection:
        conn = psycopg.connect(self._url, autocommit=True, application_name=_APPLICATION,
                               connect_timeout=max(1, round(self.connect_timeout)))
        try:
            # "off" could lose the last acknowledged writes in a server crash; every other
            # value (on, local, remote_write, remote_apply) keeps them.
            if conn.execute("SHOW synchronous_commit").fetchone()[0] == "off":
                conn.execute("SET synchronous_commit = on")
        except BaseException:
            _close(conn)
            raise
        return conn

    def _hide(self, text: object) -> str:
        text = str(text).strip()
        return text.replace(self._password, "***") if self._password else text

    def _error(self, what: str, exc: psycopg.Error) -> ProgressStoreError:
        detail = self._hide(exc) or type(exc).__name__
        if _unreachable(exc):
            return ProgressStoreError(
                f"Expected to {what}, but cannot reach PostgreSQL at {self.where} "
                f"(password hidden): {detail}. Nothing was saved; check that the server "
                f"is running and reachable from this machine, and that {DATABASE_URL_ENV} "
                "names it (postgresql://user:password@host:port/database)."
            )
        return ProgressStoreError(
            f"Expected to {what} in PostgreSQL at {self.where} (password hidden), but it "
            f"said: {detail}. Nothing was saved; check that the user in "
            f"{DATABASE_URL_ENV} may create, read and write tables in that database."
        )

    def _retrying(self, attempt: Callable[[], _T], what: str) -> _T:
        """Run ``attempt`` until it stops failing for a passing reason or time runs out."""
        deadline = time.monotonic() + self.retry_timeout
        delay = 0.01
        while True:
            try:
                return attempt()
            except psycopg.Error as exc:
                remaining = deadline - time.monotonic()
                if not _retryable(exc) or remaining <= 0:
                    raise self._error(what, exc) from None
                if _unreachable(exc):
                    self._pool.clear()  # the idle ones most likely died with it
                # Jitter so the sessions that collided do not retry in lockstep.
                time.sleep(min(remaining, delay * random.uniform(0.5, 1.5)))
                delay = min(delay * 2, 0.5)

    def _run(self, work: Callable[[psycopg.Connection], _T], what: str,
             begin: str | None = None) -> _T:
        """Run ``work(conn)`` on a pooled connection (in ``begin`` … COMMIT if given)."""

        def attempt() -> _T:
            conn = self._pool.borrow()
            try:
                if begin:
                    conn.execute(begin)
                result = work(conn)
                if begin:
                    conn.execute("COMMIT")
            except BaseException:
                _close(conn)
                raise
            self._pool.give_back(conn)
            return result

        return self._retrying(attempt, what)

    def _write(self, work: Callable[[psycopg.Connection, datetime], _T], what: str) -> _T:
        """Run ``work(conn, at)`` in one write transaction, ``at`` read under the lock."""

        def attempt() -> _T:
            conn = self._pool.borrow()
            try:
                cursor = conn.execute(_BEGIN_WRITE)
                cursor.nextset()
                xid, server_now = cursor.fetchone()
                result = work(conn, utc(server_now if self._clock is None else self._clock()))
            except BaseException:
                _close(conn)
                raise
            self._commit(conn, xid)
            self._pool.give_back(conn)
            return result

        return self._retrying(attempt, what)

    def _commit(self, conn: psycopg.Connection, xid: str) -> None:
        """COMMIT; if the connection is lost meanwhile, ask whether it committed anyway."""
        try:
            conn.execute("COMMIT")
        except psycopg.OperationalError:
            _close(conn)
            if self._committed(xid):
                return  # saved; only the answer was lost (a retry would count it twice)
            raise  # not saved: retried as a whole
        except BaseException:
            _close(conn)
            raise

    def _committed(self, xid: str) -> bool:
        """Whether transaction ``xid`` committed, asked on a fresh connection."""
        deadline = time.monotonic() + self.retry_timeout
        while True:
            try:
                status = self._run(
                    lambda conn: conn.execute("SELECT pg_xact_status(%s::xid8)",
                                              (xid,)).fetchone()[0],
                    "check whether a write was saved")
            except ProgressStoreError as error:
                raise ProgressStoreError(
                    f"The connection to PostgreSQL at {self.where} was lost while a write "
                    f"was committing, and whether it was saved cannot be told: {error}"
                ) from None
            if status != "in progress" or time.monotonic() > deadline:
                return status == "committed"
            time.sleep(0.05)

    def _set_up(self, conn: psycopg.Connection) -> None:
        """Create the tables once, or upgrade version 1; refuse a newer or foreign schema."""
        set_up(conn, self._foreign)

    def _foreign(self, found: str) -> ProgressStoreError:
        return ProgressStoreError(
            f"The progress database {self.location} has {found}, but this version of the "
            f"workshop only knows schema version {SCHEMA_VERSION}. It was left untouched. "
            f"Update the workshop app on every machine, or set {DATABASE_URL_ENV} to "
            "another (empty) database."
        )

    # -- writes ---------------------------------------------------------------------------

    def add_learner(self, code: str, display_name: str | None) -> Learner | None:
        """Insert a new learner; ``None`` (nothing written) if the code is taken."""

        def work(conn: psycopg.Connection, at: datetime) -> Learner | None:
            row = conn.execute(
                "INSERT INTO learners (code, display_name, created_at, last_seen) "
                "VALUES (%s, %s, %s, %s) ON CONFLICT (code) DO NOTHING RETURNING code",
                (code, display_name, at, at)).fetchone()
            return None if row is None else Learner(code, display_name, at, at)

        return self._write(work, "create a learner")

    def set_display_name(self, code: str, display_name: str | None) -> None:
        """Set a learner's display name, registering the code if it is unknown."""
        self._write(lambda conn, at: conn.execute(
            "INSERT INTO learners (code, display_name, created_at, last_seen) "
            "VALUES (%(code)s, %(name)s, %(at)s, %(at)s) ON CONFLICT (code) DO UPDATE "
            "SET last_seen = excluded.last_seen, display_name = excluded.display_name",
            {"code": code, "at": at, "name": display_name}), "save the display name")

    def touch(self, code: str) -> None:
        """Mark the learner as seen now, registering the code if it is unknown."""
        self._write(lambda conn, at: conn.execute(_SEEN, {"code": code, "at": at}),
                    "mark the learner as seen")

    def record(self, change: ProgressChange) -> CheckProgress:
        """Apply one change to a check and log its event; returns the stored row.

        ``change.outcome_after`` is evaluated for each of the four outcomes beforehand and
        the database applies the one for the outcome it finds on the locked row.
        """
        parameters = {f"after_{outcome}": change.outcome_after(outcome)
                      for outcome in OUTCOMES}
        parameters.update(code=change.learner_code, stage=change.stage_id,
                          check=change.check_id, kind=change.kind, attempts=change.attempts,
                          hints=change.hints_used, seconds=change.seconds)

        def work(conn: psycopg.Connection, at: datetime) -> CheckProgress:
            return _progress_row(conn.execute(_RECORD, {**parameters, "at": at}).fetchone())

        return self._write(work, _RECORDING[change.kind])

    def record_failure(self, scope: str, client: str) -> None:
        """Log one failed code attempt; forget the scope's attempts older than a day."""

        def work(conn: psycopg.Connection, at: datetime) -> None:
            conn.execute("DELETE FROM failed_attempts WHERE scope = %s AND at < %s",
                         (scope, at - timedelta(hours=FAILURE_RETENTION_HOURS)))
            conn.execute("INSERT INTO failed_attempts (scope, client, at) VALUES (%s, %s, %s)",
                         (scope, client, at))

        self._write(work, "record a failed code attempt")

    def set_policy_tick(self, code: str, item_key: str, ticked: bool) -> None:
        """Store one policy tick, registering the code if it is unknown."""

        def work(conn: psycopg.Connection, at: datetime) -> None:
            conn.execute(_SEEN, {"code": code, "at": at})
            conn.execute(
                "INSERT INTO policy_ticks (learner_code, item_key, ticked, updated_at) "
                "VALUES (%s, %s, %s, %s) ON CONFLICT (learner_code, item_key) DO UPDATE SET "
                "ticked = excluded.ticked, updated_at = excluded.updated_at",
                (code, item_key, ticked, at))

        self._write(work, "save a policy tick")

    def report_hash(self, code: str, report: HashReport) -> None:
        """Store a learner's prediction hash, replacing their earlier one."""

        def work(conn: psycopg.Connection, at: datetime) -> None:
            conn.execute(_SEEN, {"code": code, "at": at})
            conn.execute(_HASH_UPSERT, (code, report.prediction_sha256, report.platform,
                                        report.python, report.numpy, report.blas, at))

        self._write(work, "save a hash report")

    def hash_reports(self) -> list[HashReport]:
        """Every learner's latest hash report, oldest first."""
        rows = self._rows(_HASH_COLUMNS + ' COLLATE "C"', (), "read hash reports")
        return [_hash_row(row) for row in rows]

    # -- reads ----------------------------------------------------------------------------

    def failures(self, scope: str, window: timedelta,
                 client: str | None) -> RecentFailures:
        """Failed attempts of ``scope`` in the last ``window`` (of one client if given).

        "Now" is the database's clock (or the injected one): the clock the attempts were
        stored with, whichever machine asks.
        """
        now = None if self._clock is None else utc(self._clock())
        where = "scope = %(scope)s AND at >= clock.n - %(window)s"
        if client is not None:
            where += " AND client = %(client)s"
        sql = ("WITH clock AS (SELECT coalesce(%(now)s::timestamptz, clock_timestamp()) AS n) "
               f"SELECT (SELECT count(*) FROM failed_attempts WHERE {where}), "
               f"(SELECT max(at) FROM failed_attempts WHERE {where}), clock.n FROM clock")
        count, latest, server_now = self._rows(sql, {
            "now": now, "scope": scope, "window": window, "client": client},
            "read failed code attempts")[0]
        since = None if latest is None else (server_now - latest).total_seconds()
        return RecentFailures(count, since)

    def policy_ticks(self, code: str) -> dict[str, bool]:
        """One learner's policy ticks by item key."""
        rows = self._rows('SELECT item_key, ticked FROM policy_ticks WHERE learner_code = %s '
                          'ORDER BY item_key COLLATE "C"', (code,), "read policy ticks")
        return dict(rows)

    def _rows(self, sql: str, parameters: tuple | dict, what: str) -> list[tuple]:
        return self._run(lambda conn: conn.execute(sql, parameters).fetchall(), what)

    def learner(self, code: str) -> Learner | None:
        """The learner with this canonical code, or ``None``."""
        rows = self._rows(_LEARNER_COLUMNS + "WHERE code = %s", (code,), "read a learner")
        return _learner_row(rows[0]) if rows else None

    def progress_for(self, code: str) -> list[CheckProgress]:
        """One learner's progress rows, in the order they were first touched."""
        rows = self._rows(_PROGRESS_COLUMNS + "WHERE learner_code = %s " + _PROGRESS_ORDER,
                          (code,), "read progress")
        return [_progress_row(row) for row in rows]

    def all_learners(self) -> list[Learner]:
        """Every learner, oldest first."""
        rows = self._rows(_LEARNER_COLUMNS + 'ORDER BY created_at, code COLLATE "C"', (),
                          "read learners")
        return [_learner_row(row) for row in rows]

    def all_progress(self) -> list[CheckProgress]:
        """Every progress row, by learner, then in the order first touched."""
        rows = self._rows(_PROGRESS_COLUMNS + 'ORDER BY learner_code COLLATE "C", first_at, '
                          'check_id COLLATE "C"', (), "read progress")
        return [_progress_row(row) for row in rows]

    def events_since(self, since: datetime | None) -> list[Event]:
        """Events at or after ``since`` (all if ``None``), oldest first."""
        cutoff = datetime.min.replace(tzinfo=UTC) if since is None else utc(since)
        rows = self._rows(_EVENT_COLUMNS + "WHERE at >= %s ORDER BY at, id", (cutoff,),
                          "read events")
        return [_event_row(row) for row in rows]

    def export(self, code: str) -> LearnerExport:
        """One learner's row, progress, events, policy ticks and hash report, in one snapshot."""

        def work(conn: psycopg.Connection) -> LearnerExport:
            learner = conn.execute(_LEARNER_COLUMNS + "WHERE code = %s", (code,)).fetchone()
            progress = conn.execute(_PROGRESS_COLUMNS + "WHERE learner_code = %s "
                                    + _PROGRESS_ORDER, (code,)).fetchall()
            events = conn.execute(_EVENT_COLUMNS + "WHERE learner_code = %s ORDER BY at, id",
                                  (code,)).fetchall()
            ticks = conn.execute("SELECT item_key, ticked FROM policy_ticks WHERE "
                                 'learner_code = %s ORDER BY item_key COLLATE "C"',
                                 (code,)).fetchall()
            report = conn.execute(_HASH_COLUMNS.replace(
                "ORDER BY", "WHERE learner_code = %s ORDER BY"), (code,)).fetchone()
            return LearnerExport(
                None if learner is None else _learner_row(learner),
                [_progress_row(row) for row in progress],
                [_event_row(row) for row in events],
                dict(ticks),
                None if report is None else _hash_row(report),
            )

        return self._run(work, "export progress",
                         begin="BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")

    def close(self) -> None:
        """Close the idle connections (optional; the backend stays usable)."""
        self._pool.clear()
