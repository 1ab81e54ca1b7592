"""The SQLite store's tables, and the upgrade of an older store in place.

Version 1 had ``meta``, ``learners``, ``progress`` and ``events``. Version 2 adds
``failed_attempts`` (wrong instructor and resume codes, for the room-wide throttle in
``workshop.throttle``) and ``policy_ticks`` (a learner's ticks on the team policy).
Version 3 adds ``hash_reports`` (the prediction hash each learner got on their own
machine, one row per learner, the latest kept). The upgrade only adds tables, so it runs
in the same transaction that checks them, and a store of version 1 or 2 opens and is
upgraded in place; a newer version is refused by the caller.
"""

from __future__ import annotations

import sqlite3

from workshop.progress.model import SCHEMA_VERSION

TABLES = ("meta", "learners", "progress", "events", "failed_attempts", "policy_ticks",
          "hash_reports")

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS learners (
        code TEXT PRIMARY KEY,
        display_name TEXT,
        created_at TEXT NOT NULL,
        last_seen TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS progress (
        learner_code TEXT NOT NULL REFERENCES learners(code),
        stage_id TEXT NOT NULL,
        check_id TEXT NOT NULL,
        outcome TEXT NOT NULL
            CHECK (outcome IN ('passed', 'failed', 'not_attempted', 'revealed')),
        attempts INTEGER NOT NULL DEFAULT 0,
        hints_used INTEGER NOT NULL DEFAULT 0,
        seconds REAL NOT NULL DEFAULT 0,
        first_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (learner_code, check_id))""",
    """CREATE TABLE IF NOT EXISTS events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        learner_code TEXT NOT NULL REFERENCES learners(code),
        stage_id TEXT NOT NULL,
        check_id TEXT NOT NULL,
        kind TEXT NOT NULL
            CHECK (kind IN ('attempt_passed', 'attempt_failed', 'hint', 'reveal')),
        at TEXT NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS events_at ON events (at)",
    "CREATE INDEX IF NOT EXISTS events_learner_check ON events (learner_code, check_id)",
    # Version 2.
    """CREATE TABLE IF NOT EXISTS failed_attempts (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        scope TEXT NOT NULL,
        client TEXT NOT NULL,
        at TEXT NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS failed_attempts_scope_at ON failed_attempts (scope, at)",
    """CREATE TABLE IF NOT EXISTS policy_ticks (
        learner_code TEXT NOT NULL REFERENCES learners(code),
        item_key TEXT NOT NULL,
        ticked INTEGER NOT NULL CHECK (ticked IN (0, 1)),
        updated_at TEXT NOT NULL,
        PRIMARY KEY (learner_code, item_key))""",
    # Version 3.
    """CREATE TABLE IF NOT EXISTS hash_reports (
        learner_code TEXT PRIMARY KEY REFERENCES learners(code),
        prediction_sha256 TEXT NOT NULL,
        platform TEXT,
        python TEXT,
        numpy TEXT,
        blas TEXT,
        reported_at TEXT NOT NULL)""",
)


def create_or_upgrade(conn: sqlite3.Connection) -> None:
    """Create the missing tables and set the schema version (inside the caller's transaction).

    A store of an older version gets the new tables and its version raised; the caller
    has already refused a store of a newer version.
    """
    for statement in SCHEMA:
        conn.execute(statement)
    conn.execute("INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)",
                 ("schema_version", str(SCHEMA_VERSION)))
    conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version' "
                 "AND CAST(value AS INTEGER) < ?", (str(SCHEMA_VERSION), SCHEMA_VERSION))
