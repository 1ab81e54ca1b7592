"""The default progress backend: one SQLite file in the data folder.

``SQLiteBackend`` turns each ``ProgressBackend`` operation into SQL, run in one
transaction on ``SQLiteFile`` (pooling, WAL, retries on lock, schema version, recovery).
Timestamps are stored as fixed-width ISO text in UTC, so text order is time order.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from workshop.progress.model import (
    ATTEMPT_FAILED,
    ATTEMPT_PASSED,
    FAILURE_RETENTION_HOURS,
    HINT,
    NOT_ATTEMPTED,
    REVEAL,
    CheckProgress,
    Event,
    HashReport,
    Learner,
    LearnerExport,
    ProgressChange,
    RecentFailures,
    utc,
)
from workshop.progress.sqlite_file import SQLiteFile

STORE_FILENAME = "progress.sqlite3"

_RECORDING = {ATTEMPT_PASSED: "record an attempt", ATTEMPT_FAILED: "record an attempt",
              HINT: "record a hint", REVEAL: "record a reveal"}

_LEARNER_COLUMNS = "SELECT code, display_name, created_at, last_seen FROM learners "
_PROGRESS_COLUMNS = (
    "SELECT learner_code, stage_id, check_id, outcome, attempts, hints_used, "
    "seconds, first_at, updated_at FROM progress "
)
_EVENT_COLUMNS = "SELECT id, learner_code, stage_id, check_id, kind, at FROM events "
# Shared with the PostgreSQL backend (which keeps ``%s``; SQLite's ``?`` is swapped in).
_HASH_UPSERT = (
    "INSERT INTO hash_reports (learner_code, prediction_sha256, platform, python, numpy, "
    "blas, reported_at) VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (learner_code) "
    "DO UPDATE SET prediction_sha256 = excluded.prediction_sha256, "
    "platform = excluded.platform, python = excluded.python, numpy = excluded.numpy, "
    "blas = excluded.blas, reported_at = excluded.reported_at")
_HASH_COLUMNS = ("SELECT learner_code, prediction_sha256, platform, python, numpy, blas, "
                 "reported_at FROM hash_reports ORDER BY reported_at, learner_code")


def _hash_row(row: tuple) -> HashReport:
    return HashReport(*row[1:6], learner_code=row[0], reported_at=_parse(row[6]))


def _iso(moment: datetime) -> str:
    # Fixed width (always microseconds, always +00:00) so text order is time order in SQL.
    return utc(moment).isoformat(timespec="microseconds")


def _parse(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def _learner_row(row: tuple) -> Learner:
    code, name, created_at, last_seen = row
    return Learner(code, name, _parse(created_at), _parse(last_seen))


def _progress_row(row: tuple) -> CheckProgress:
    (code, stage_id, check_id, outcome, attempts, hints, seconds, first_at,
     updated_at) = row
    return CheckProgress(code, stage_id, check_id, outcome, attempts, hints,
                         float(seconds), _parse(updated_at), _parse(first_at))


def _event_row(row: tuple) -> Event:
    event_id, code, stage_id, check_id, kind, at = row
    return Event(event_id, code, stage_id, check_id, kind, _parse(at))


def _seen(conn: sqlite3.Connection, code: str, at: str) -> None:
    # Writes register an unknown code, so a learner whose store was reset (moved
    # aside) can keep saving instead of failing on every click.
    conn.execute(
        "INSERT INTO learners (code, display_name, created_at, last_seen) "
        "VALUES (?, NULL, ?, ?) "
        "ON CONFLICT (code) DO UPDATE SET last_seen = excluded.last_seen",
        (code, at, at),
    )


class SQLiteBackend:
    """Progress in ``<data_dir>/progress.sqlite3``; implements ``ProgressBackend``.

    Args:
        data_dir: an absolute folder for the store; created if missing.
        now: the clock every stored timestamp is read from (UTC assumed if naive).
        busy_timeout: seconds SQLite itself waits for another writer's lock.
        lock_timeout: total seconds to keep retrying a locked store.

    Raises:
        ProgressStoreError: the folder cannot be created or written, or the store was
            written by a newer version of the workshop (the file is left untouched).
    """

    def __init__(self, data_dir: str | os.PathLike[str], *, now: Callable[[], datetime],
                 busy_timeout: float = 5.0, lock_timeout: float = 30.0) -> None:
        self.data_dir = Path(data_dir)
        self.path = self.data_dir / STORE_FILENAME
        self._now = now
        self._file = SQLiteFile(self.path, now=now, busy_timeout=busy_timeout,
                                lock_timeout=lock_timeout)
        self.location = str(self.path)
        self.warnings = self._file.warnings
        self.notices = self._file.notices

    def _stamp(self) -> str:
        return _iso(self._now())

    # -- writes ---------------------------------------------------------------------------

    def add_learner(self, code: str, display_name: str | None) -> Learner | None:
        """Insert a new learner; ``None`` (nothing written) if the code is taken."""

        def work(conn: sqlite3.Connection) -> Learner | None:
            at = self._stamp()
            cursor = conn.execute(
                "INSERT OR IGNORE INTO learners (code, display_name, created_at, "
                "last_seen) VALUES (?, ?, ?, ?)",
                (code, display_name, at, at),
            )
            if cursor.rowcount != 1:  # only on a (1 in 10^11) code collision
                return None
            return Learner(code, display_name, _parse(at), _parse(at))

        return self._file.transact(work, "create a learner")

    def set_display_name(self, code: str, display_name: str | None) -> None:
        """Set a learner's display name, registering the code if it is unknown."""

        def work(conn: sqlite3.Connection) -> None:
            _seen(conn, code, self._stamp())
            conn.execute(
                "UPDATE learners SET display_name = ? WHERE code = ?", (display_name, code)
            )

        self._file.transact(work, "save the display name")

    def touch(self, code: str) -> None:
        """Mark the learner as seen now, registering the code if it is unknown."""
        self._file.transact(lambda conn: _seen(conn, code, self._stamp()),
                            "mark the learner as seen")

    def record(self, change: ProgressChange) -> CheckProgress:
        """Apply one change to a check and log its event; returns the stored row."""
        code, stage_id, check_id = change.learner_code, change.stage_id, change.check_id

        def work(conn: sqlite3.Connection) -> CheckProgress:
            at = self._stamp()
            _seen(conn, code, at)
            row = conn.execute(
                "SELECT outcome FROM progress WHERE learner_code = ? AND check_id = ?",
                (code, check_id),
            ).fetchone()
            outcome = change.outcome_after(row[0] if row else NOT_ATTEMPTED)
            conn.execute(
                "INSERT INTO progress (learner_code, stage_id, check_id, outcome, "
                "attempts, hints_used, seconds, first_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (learner_code, check_id) DO UPDATE SET "
                "stage_id = excluded.stage_id, outcome = excluded.outcome, "
                "attempts = attempts + excluded.attempts, "
                "hints_used = hints_used + excluded.hints_used, "
                "seconds = seconds + excluded.seconds, updated_at = excluded.updated_at",
                (code, stage_id, check_id, outcome, change.attempts, change.hints_used,
                 change.seconds, at, at),
            )
            conn.execute(
                "INSERT INTO events (learner_code, stage_id, check_id, kind, at) "
                "VALUES (?, ?, ?, ?, ?)",
                (code, stage_id, check_id, change.kind, at),
            )
            stored = conn.execute(
                _PROGRESS_COLUMNS + "WHERE learner_code = ? AND check_id = ?",
                (code, check_id),
            ).fetchone()
            return _progress_row(stored)

        return self._file.transact(work, _RECORDING[change.kind])

    def record_failure(self, scope: str, client: str) -> None:
        """Log one failed code attempt; forget the scope's attempts older than a day."""

        def work(conn: sqlite3.Connection) -> None:
            now = utc(self._now())
            conn.execute("DELETE FROM failed_attempts WHERE scope = ? AND at < ?",
                         (scope, _iso(now - timedelta(hours=FAILURE_RETENTION_HOURS))))
            conn.execute("INSERT INTO failed_attempts (scope, client, at) VALUES (?, ?, ?)",
                         (scope, client, _iso(now)))

        self._file.transact(work, "record a failed code attempt")

    def set_policy_tick(self, code: str, item_key: str, ticked: bool) -> None:
        """Store one policy tick, registering the code if it is unknown."""

        def work(conn: sqlite3.Connection) -> None:
            at = self._stamp()
            _seen(conn, code, at)
            conn.execute(
                "INSERT INTO policy_ticks (learner_code, item_key, ticked, updated_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (learner_code, item_key) DO UPDATE SET "
                "ticked = excluded.ticked, updated_at = excluded.updated_at",
                (code, item_key, int(ticked), at))

        self._file.transact(work, "save a policy tick")

    def report_hash(self, code: str, report: HashReport) -> None:
        """Store a learner's prediction hash, replacing their earlier one."""

        def work(conn: sqlite3.Connection) -> None:
            at = self._stamp()
            _seen(conn, code, at)
            conn.execute(_HASH_UPSERT.replace("%s", "?"), (
                code, report.prediction_sha256, report.platform, report.python,
                report.numpy, report.blas, at))

        self._file.transact(work, "save a hash report")

    def hash_reports(self) -> list[HashReport]:
        """Every learner's latest hash report, oldest first."""
        return [_hash_row(row) for row in self._rows(_HASH_COLUMNS, (), "read hash reports")]

    # -- reads ----------------------------------------------------------------------------

    def failures(self, scope: str, window: timedelta,
                 client: str | None) -> RecentFailures:
        """Failed attempts of ``scope`` in the last ``window`` (of one client if given)."""
        now = utc(self._now())
        sql = "SELECT count(*), max(at) FROM failed_attempts WHERE scope = ? AND at >= ?"
        parameters: tuple = (scope, _iso(now - window))
        if client is not None:
            sql, parameters = sql + " AND client = ?", parameters + (client,)
        count, latest = self._rows(sql, parameters, "read failed code attempts")[0]
        since = None if latest is None else (now - _parse(latest)).total_seconds()
        return RecentFailures(count, since)

    def policy_ticks(self, code: str) -> dict[str, bool]:
        """One learner's policy ticks by item key."""
        rows = self._rows("SELECT item_key, ticked FROM policy_ticks WHERE learner_code = ? "
                          "ORDER BY item_key", (code,), "read policy ticks")
        return {key: bool(ticked) for key, ticked in rows}

    def _rows(self, sql: str, parameters: tuple, what: str) -> list[tuple]:
        return self._file.transact(lambda conn: conn.execute(sql, parameters).fetchall(),
                                   what, write=False)

    def learner(self, code: str) -> Learner | None:
        """The learner with this canonical code, or ``None``."""
        rows = self._rows(_LEARNER_COLUMNS + "WHERE code = ?", (code,), "read a learner")
        return _learner_row(rows[0]) if rows else None

    def progress_for(self, code: str) -> list[CheckProgress]:
        """One learner's progress rows, in the order they were first touched."""
        rows = self._rows(_PROGRESS_COLUMNS + "WHERE learner_code = ? "
                          "ORDER BY first_at, check_id", (code,), "read progress")
        return [_progress_row(row) for row in rows]

    def all_learners(self) -> list[Learner]:
        """Every learner, oldest first."""
        rows = self._rows(_LEARNER_COLUMNS + "ORDER BY created_at, code", (), "read learners")
        return [_learner_row(row) for row in rows]

    def all_progress(self) -> list[CheckProgress]:
        """Every progress row, by learner, then in the order first touched."""
        rows = self._rows(_PROGRESS_COLUMNS + "ORDER BY learner_code, first_at, check_id",
                          (), "read progress")
        return [_progress_row(row) for row in rows]

    def events_since(self, since: datetime | None) -> list[Event]:
        """Events at or after ``since`` (all if ``None``), oldest first."""
        # Every stored timestamp sorts after "", so None means "from the beginning".
        cutoff = "" if since is None else _iso(since)
        rows = self._rows(_EVENT_COLUMNS + "WHERE at >= ? ORDER BY at, id", (cutoff,),
                          "read events")
        return [_event_row(row) for row in rows]

    def export(self, code: str) -> LearnerExport:
        """One learner's row, progress, events, ticks and hash report, in one transaction."""

        def work(conn: sqlite3.Connection) -> LearnerExport:
            learner = conn.execute(_LEARNER_COLUMNS + "WHERE code = ?", (code,)).fetchone()
            progress = conn.execute(
                _PROGRESS_COLUMNS + "WHERE learner_code = ? ORDER BY first_at, check_id",
                (code,),
            ).fetchall()
            events = conn.execute(
                _EVENT_COLUMNS + "WHERE learner_code = ? ORDER BY at, id", (code,)
            ).fetchall()
            ticks = conn.execute("SELECT item_key, ticked FROM policy_ticks "
                                 "WHERE learner_code = ? ORDER BY item_key", (code,)).fetchall()
            report = conn.execute(_HASH_COLUMNS.replace("ORDER BY", "WHERE learner_code = ? "
                                                        "ORDER BY"), (code,)).fetchone()
            return LearnerExport(
                None if learner is None else _learner_row(learner),
                [_progress_row(row) for row in progress],
                [_event_row(row) for row in events],
                {key: bool(ticked) for key, ticked in ticks},
                None if report is None else _hash_row(report),
            )

        return self._file.transact(work, "export progress", write=False)

    def close(self) -> None:
        """Close the idle connections (optional; the backend stays usable)."""
        self._file.close()
