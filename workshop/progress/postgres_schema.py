"""The PostgreSQL store's tables, and the upgrade of an older database in place.

The same tables as the SQLite store (``workshop.progress.sqlite_schema``) in native types.
Version 2 added ``failed_attempts`` and ``policy_ticks``, version 3 ``hash_reports``; a
database of version 1 or 2 is upgraded in the transaction that checks it, under an
advisory lock so that two machines starting at once do it once. A newer version, or tables
of these names without a ``meta`` table, are refused and left untouched.
"""

from __future__ import annotations

from collections.abc import Callable

import psycopg

from workshop.progress.model import SCHEMA_VERSION

# Key of the transaction-scoped advisory lock that serialises schema setup.
SCHEMA_LOCK = 0x57_4B_53_50_02

TABLES = ("meta", "learners", "progress", "events", "failed_attempts", "policy_ticks",
          "hash_reports")
SCHEMA = (
    "CREATE TABLE IF NOT EXISTS meta (key text PRIMARY KEY, value text NOT NULL)",
    """CREATE TABLE IF NOT EXISTS learners (
        code text PRIMARY KEY, display_name text,
        created_at timestamptz NOT NULL, last_seen timestamptz NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS progress (
        learner_code text NOT NULL REFERENCES learners(code),
        stage_id text NOT NULL, check_id text NOT NULL,
        outcome text NOT NULL
            CHECK (outcome IN ('passed', 'failed', 'not_attempted', 'revealed')),
        attempts integer NOT NULL DEFAULT 0, hints_used integer NOT NULL DEFAULT 0,
        seconds double precision NOT NULL DEFAULT 0,
        first_at timestamptz NOT NULL, updated_at timestamptz NOT NULL,
        PRIMARY KEY (learner_code, check_id))""",
    """CREATE TABLE IF NOT EXISTS events (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        learner_code text NOT NULL REFERENCES learners(code),
        stage_id text NOT NULL, check_id text NOT NULL,
        kind text NOT NULL
            CHECK (kind IN ('attempt_passed', 'attempt_failed', 'hint', 'reveal')),
        at timestamptz NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS events_at ON events (at)",
    "CREATE INDEX IF NOT EXISTS events_learner_check ON events (learner_code, check_id)",
    # Version 2.
    """CREATE TABLE IF NOT EXISTS failed_attempts (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        scope text NOT NULL, client text NOT NULL, at timestamptz NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS failed_attempts_scope_at ON failed_attempts (scope, at)",
    """CREATE TABLE IF NOT EXISTS policy_ticks (
        learner_code text NOT NULL REFERENCES learners(code),
        item_key text NOT NULL, ticked boolean NOT NULL,
        updated_at timestamptz NOT NULL,
        PRIMARY KEY (learner_code, item_key))""",
    # Version 3.
    """CREATE TABLE IF NOT EXISTS hash_reports (
        learner_code text PRIMARY KEY REFERENCES learners(code),
        prediction_sha256 text NOT NULL, platform text, python text, numpy text, blas text,
        reported_at timestamptz NOT NULL)""",
)


def set_up(conn: psycopg.Connection, foreign: Callable[[str], Exception]) -> None:
    """Create the tables once, or upgrade an older version; refuse a newer or foreign one.

    Args:
        conn: an autocommit connection; the work runs in one transaction of its own.
        foreign: builds the error for a database this version must not touch, from a
            description of what was found.

    Raises:
        Exception: what ``foreign`` built (the transaction is rolled back by the caller
            closing the connection).
    """
    conn.execute(f"BEGIN; SELECT pg_advisory_xact_lock({SCHEMA_LOCK})")
    tables = {row[0] for row in conn.execute(
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_schema = current_schema() AND table_name = ANY(%s)",
        (list(TABLES),))}
    if "meta" in tables:
        row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        version = int(row[0]) if row and row[0].isdigit() else None
        if version is None or version > SCHEMA_VERSION or version < 1:
            raise foreign(f"schema version {row[0] if row else 'missing'}")
        if version == SCHEMA_VERSION:
            conn.execute("COMMIT")
            return
    elif tables:
        raise foreign(f"tables {', '.join(sorted(tables))} but no meta table")
    for statement in SCHEMA:
        conn.execute(statement)
    conn.execute("INSERT INTO meta (key, value) VALUES ('schema_version', %(v)s) "
                 "ON CONFLICT (key) DO UPDATE SET value = %(v)s", {"v": str(SCHEMA_VERSION)})
    conn.execute("COMMIT")
