"""Learner progress, shared safely by many sessions, threads and processes.

One store that many Streamlit sessions, threads and processes share safely, and that
survives a server restart.

- ``model`` — the records (``Learner``, ``CheckProgress``, ``Event``), outcome and
  event-kind strings, and the outcome precedence rules;
- ``backend`` — ``ProgressBackend``, the small interface the store talks to;
- ``sqlite`` / ``sqlite_file`` — the default backend: one SQLite file (pooled connections,
  WAL, retries on lock, schema version, a damaged file moved aside);
  ``sqlite_schema`` its tables and upgrade, ``sqlite_salvage`` the damage check and the
  copy of every readable row into a fresh store;
- ``postgres`` — the backend for a room on several machines: PostgreSQL, chosen by
  ``WORKSHOP_DATABASE_URL`` (the database's clock, writes in commit order, retries);
  ``postgres_schema`` its tables and upgrade, ``postgres_pool`` its connections;
- ``store`` — ``ProgressStore``, the public API.

Names and resume codes are pure functions in ``workshop.learners``; they are re-exported
here, as is every name this package offered when it was one module.
"""

from workshop.errors import ProgressStoreError
from workshop.learners import (
    CODE_ALPHABET,
    CODE_LENGTH,
    DISPLAY_NAME_MAX,
    clean_display_name,
    new_code,
    normalise_code,
)
from workshop.progress.backend import ProgressBackend
from workshop.progress.model import (
    ATTEMPT_FAILED,
    ATTEMPT_PASSED,
    EVENT_KINDS,
    FAILED,
    HINT,
    NOT_ATTEMPTED,
    OUTCOMES,
    PASSED,
    REVEAL,
    REVEALED,
    SCHEMA_VERSION,
    CheckProgress,
    Event,
    HashReport,
    Learner,
    LearnerExport,
    ProgressChange,
    outcome_after_attempt,
    outcome_after_reveal,
)
from workshop.progress.postgres import PostgresBackend
from workshop.progress.sqlite import STORE_FILENAME, SQLiteBackend
from workshop.progress.store import ProgressStore, default_data_dir
from workshop.settings import DATA_DIR_ENV, DATABASE_URL_ENV, DEFAULT_DATA_DIR

__all__ = [
    "ATTEMPT_FAILED",
    "ATTEMPT_PASSED",
    "CODE_ALPHABET",
    "CODE_LENGTH",
    "DATABASE_URL_ENV",
    "DATA_DIR_ENV",
    "DEFAULT_DATA_DIR",
    "DISPLAY_NAME_MAX",
    "EVENT_KINDS",
    "FAILED",
    "HINT",
    "NOT_ATTEMPTED",
    "OUTCOMES",
    "PASSED",
    "REVEAL",
    "REVEALED",
    "SCHEMA_VERSION",
    "STORE_FILENAME",
    "CheckProgress",
    "Event",
    "HashReport",
    "Learner",
    "LearnerExport",
    "PostgresBackend",
    "ProgressBackend",
    "ProgressChange",
    "ProgressStore",
    "ProgressStoreError",
    "SQLiteBackend",
    "clean_display_name",
    "default_data_dir",
    "new_code",
    "normalise_code",
    "outcome_after_attempt",
    "outcome_after_reveal",
]
