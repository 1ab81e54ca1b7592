"""``ProgressStore``: the public API for learner progress, over a ``ProgressBackend``.

The store is anonymous: a learner is a resume code (``K7M4-X9QP``) and an optional
display name. The store validates and cleans what callers pass (codes in any spelling,
hostile names, outcomes, junk seconds), applies the outcome rules, and leaves the database
work to its backend: by default one SQLite file in the data folder, safe across threads and
processes, where every write is its own short transaction, a lock held by another writer
is waited for and retried (never dropped), and a file found damaged (at start, or by the
check before each commit) is moved aside (never deleted) and every row that can still be
read is copied into a fresh store, with details for the instructor in
``store.instructor_details`` and a short notice for learners in ``store.learner_notices``;
with ``WORKSHOP_DATABASE_URL=postgresql://…`` a PostgreSQL database that several machines
share (``workshop.progress.postgres``). When no store can be opened at all (a read-only
data folder), ``ProgressStore.not_saving`` keeps the app usable on a throwaway store.

The store also keeps failed code attempts (``record_failure``, ``failures_since``) so that
every process of a room throttles guessing together (``workshop.throttle``), and each
learner's ticks on the team policy (``set_policy_tick``, ``policy_ticks``), and the
prediction hash each learner got on their own machine (``report_hash``, ``hash_reports``).
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime, timedelta
from pathlib import Path

from workshop import settings
from workshop.errors import ProgressStoreError
from workshop.learners import clean_display_name, new_code, normalise_code
from workshop.progress.backend import ProgressBackend
from workshop.progress.model import (
    ATTEMPT_FAILED,
    ATTEMPT_PASSED,
    FAILED,
    FAILURE_SCOPES,
    HINT,
    PASSED,
    REVEAL,
    SCHEMA_VERSION,
    CheckProgress,
    Event,
    HashReport,
    Learner,
    ProgressChange,
    RecentFailures,
    clean_seconds,
    outcome_after_attempt,
    outcome_after_reveal,
    outcome_value,
    system_now,
    utc,
)
from workshop.progress.postgres import PostgresBackend
from workshop.progress.sqlite import SQLiteBackend

log = logging.getLogger(__name__)
NOT_SAVING_NOTICE = ("Your progress is not being saved on this server right now: lessons and "
                     "demos work, but answers are forgotten when the server restarts. Tell "
                     "the instructor.")
POLICY_KEY_MAX = 200
# Longest environment text kept with a hash report (a platform string is ~60 characters).
REPORT_TEXT_MAX = 200
_HEX = frozenset("0123456789abcdef")


def default_data_dir() -> Path:
    """The data folder: ``$WORKSHOP_DATA_DIR`` if set, else ``~/.local/share/...``."""
    return settings.data_dir()


def _valid_code(code: object) -> str:
    canonical = normalise_code(code)
    if canonical is None:
        raise ProgressStoreError(
            f"Expected a resume code like K7M4-X9QP; got {code!r}. Use the code "
            "returned by create_learner or normalise_code."
        )
    return canonical


def _text(label: str, value: object, longest: int = 100) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > longest:
        raise ProgressStoreError(
            f"Expected {label} to be a non-empty string of at most {longest} characters; "
            f"got {value!r}."
        )
    return value.strip()


def _scope(scope: object) -> str:
    if scope not in FAILURE_SCOPES:
        raise ProgressStoreError(
            f"Expected a scope among {', '.join(FAILURE_SCOPES)}; got {scope!r}."
        )
    return str(scope)


def _key(key: object) -> str:
    # Whoever guessed (a client address); never the guessed code itself.
    return "unknown" if key is None else _text("key", key)


def _plain(record: object) -> dict:
    return {key: value.isoformat() if isinstance(value, datetime) else value
            for key, value in asdict(record).items()}


class ProgressStore:
    """Learner progress, safe across threads, processes and (with PostgreSQL) machines.

    Kept in ``<data_dir>/progress.sqlite3``, or in PostgreSQL when a database URL is given
    or ``$WORKSHOP_DATABASE_URL`` is set (then ``data_dir`` and ``path`` are None).

    Args:
        data_dir: folder for the SQLite store; default ``$WORKSHOP_DATA_DIR``, else
            ``~/.local/share/reproducible-ml-workshop``. Created if missing.
        database_url: ``postgresql://…`` to use PostgreSQL; default
            ``$WORKSHOP_DATABASE_URL``; ``""`` forces SQLite.
        now: clock returning a ``datetime`` (UTC assumed if naive); injectable for tests.
            Default: the system clock for SQLite, the database server's for PostgreSQL
            (the one clock every machine of a room shares).
        busy_timeout: seconds SQLite itself waits for another writer's lock.
        lock_timeout: total seconds to keep retrying a locked store (SQLite) or a
            passing failure such as a restarting server (PostgreSQL) before giving up
            with ``ProgressStoreError`` (the write is never silently dropped).

    Raises:
        ProgressStoreError: the folder cannot be created or written, the database cannot
            be reached, or the store was written by a newer version of the workshop (it
            is left untouched).
    """

    def __init__(
        self,
        data_dir: str | os.PathLike[str] | None = None,
        *,
        database_url: str | None = None,
        now: Callable[[], datetime] | None = None,
        busy_timeout: float = 5.0,
        lock_timeout: float = 30.0,
    ) -> None:
        url = settings.database_url() if database_url is None else database_url
        self._now = now or system_now
        self.busy_timeout = busy_timeout
        self.lock_timeout = lock_timeout
        self.data_dir: Path | None = None
        self.path: Path | None = None
        backend: ProgressBackend
        if url:
            backend = PostgresBackend(url, clock=now, retry_timeout=lock_timeout)
        else:
            folder = Path(data_dir).expanduser() if data_dir is not None else default_data_dir()
            backend = SQLiteBackend(folder.absolute(), now=self._now,
                                    busy_timeout=busy_timeout, lock_timeout=lock_timeout)
            self.data_dir, self.path = backend.data_dir, backend.path
        self._backend = backend
        # Where the progress lives, for messages: a file, or a URL without its password.
        self.location = backend.location
        # The backend's own lists: a store moved aside later still shows up here. Details
        # (paths, reasons) are for the instructor; each has a short notice for learners.
        self.warnings: list[str] = backend.warnings
        self.instructor_details: list[str] = backend.warnings
        self.learner_notices: list[str] = backend.notices
        self._noticed_at: list[float] = getattr(backend, "noticed_at", [])
        # False for the throwaway store of ``not_saving``: progress is lost at restart.
        self.saving = True

    @classmethod
    def not_saving(cls, problem: object, **options: object) -> ProgressStore:
        """A store in a new temporary folder, for when the real one cannot be opened.

        Lessons and demos keep working; learners are told their progress is not being
        saved (``learner_notices``) and the instructor why (``instructor_details``).

        Args:
            problem: why the real store could not be opened (shown to the instructor).
            **options: passed on to ``ProgressStore`` (``now=``, timeouts).

        Returns:
            The throwaway store, with ``saving`` False.
        """
        folder = tempfile.mkdtemp(prefix="workshop-progress-not-saved-")
        store = cls(folder, database_url="", **options)  # type: ignore[arg-type]
        store.saving = False
        log.error("Progress is NOT being saved: %s A throwaway store in %s is used until "
                  "the server restarts.", problem, folder)
        store.instructor_details.insert(0, (
            f"Progress is NOT being saved. {problem} Until the server is restarted with a "
            f"usable store, learners' progress lives in the throwaway folder {folder}, "
            "which is lost at restart."))
        store.learner_notices.insert(0, NOT_SAVING_NOTICE)
        store._noticed_at.insert(0, time.time())
        return store

    def old_notice_count(self, max_age: float) -> int:
        """How many of ``learner_notices`` (the first ones) are older than ``max_age`` s.

        A session that starts later skips those: a repair an hour ago is no news to it.
        """
        cutoff = time.time() - max_age
        return sum(1 for moment in self._noticed_at if moment < cutoff)

    def close(self) -> None:
        """Close the store's idle connections (optional; the store stays usable)."""
        self._backend.close()

    # -- writes ---------------------------------------------------------------------------

    def create_learner(self, display_name: object = None) -> Learner:
        """Create an anonymous learner with a fresh resume code.

        Args:
            display_name: optional; cleaned with ``clean_display_name``.

        Returns:
            The new ``Learner``.
        """
        name = clean_display_name(display_name)
        while True:
            learner = self._backend.add_learner(new_code(), name)
            if learner is not None:  # None only on a (1 in 10^11) code collision
                return learner

    def set_display_name(self, code: str, name: object) -> str | None:
        """Set (or clear, with ``None``/blank) a learner's display name.

        Args:
            code: the learner's resume code.
            name: any text; cleaned with ``clean_display_name``.

        Returns:
            The name as stored.
        """
        code = _valid_code(code)
        cleaned = clean_display_name(name)
        self._backend.set_display_name(code, cleaned)
        return cleaned

    def touch(self, code: str) -> None:
        """Mark the learner as seen now (e.g. on opening a page), for the room view."""
        self._backend.touch(_valid_code(code))

    def _record(self, code: str, stage_id: str, check_id: str, kind: str,
                update: Callable[[str], str], attempts: int, hints: int,
                seconds: float) -> CheckProgress:
        code = _valid_code(code)
        for label, value in (("stage_id", stage_id), ("check_id", check_id)):
            if not isinstance(value, str) or not value:
                raise ProgressStoreError(
                    f"Expected a non-empty {label} string; got {value!r}. Pass the ids "
                    "from lessons/ (stage.id, check.id)."
                )
        return self._backend.record(ProgressChange(
            code, stage_id, check_id, kind, update,
            attempts=attempts, hints_used=hints, seconds=seconds,
        ))

    def record_attempt(self, code: str, stage_id: str, check_id: str, outcome: object,
                       seconds: float = 0.0) -> CheckProgress:
        """Record one graded submission.

        Args:
            code: the learner's resume code (an unknown but valid code is registered).
            stage_id: the stage id from ``lessons/``.
            check_id: the check id from ``lessons/``.
            outcome: ``passed`` or ``failed`` (string or ``Outcome``).
            seconds: time the learner spent since the last record; negative or
                non-finite values count as 0.

        Returns:
            The check's ``CheckProgress`` after the attempt (a pass is never downgraded;
            a revealed check stays revealed).
        """
        value = outcome_value(outcome)
        if value not in (PASSED, FAILED):
            raise ProgressStoreError(
                f"Expected an attempt outcome of passed or failed; got {value!r}. "
                "Use record_reveal for a revealed answer."
            )
        kind = ATTEMPT_PASSED if value == PASSED else ATTEMPT_FAILED
        return self._record(code, stage_id, check_id, kind,
                            lambda previous: outcome_after_attempt(previous, value),
                            attempts=1, hints=0, seconds=clean_seconds(seconds))

    def record_hint(self, code: str, stage_id: str, check_id: str) -> CheckProgress:
        """Count one hint shown to the learner; returns the check's ``CheckProgress``."""
        return self._record(code, stage_id, check_id, HINT, lambda previous: previous,
                            attempts=0, hints=1, seconds=0.0)

    def record_reveal(self, code: str, stage_id: str, check_id: str) -> CheckProgress:
        """Record that the answer was revealed (``revealed`` unless already passed)."""
        return self._record(code, stage_id, check_id, REVEAL, outcome_after_reveal,
                            attempts=0, hints=0, seconds=0.0)

    def record_failure(self, scope: str, key: str | None = None) -> None:
        """Log one failed code attempt, shared by every process of the room.

        Args:
            scope: what was guessed: ``instructor`` or ``resume``.
            key: who guessed, e.g. the client's address; ``None`` for unknown.
        """
        self._backend.record_failure(_scope(scope), _key(key))

    def failures_since(self, scope: str, since: datetime, key: str | None = None) -> int:
        """Failed attempts of ``scope`` at or after ``since``, of one ``key`` if given."""
        window = max(timedelta(0), self.now() - utc(since))
        return self.recent_failures(scope, window, key).count

    def recent_failures(self, scope: str, window: timedelta,
                        key: str | None = None) -> RecentFailures:
        """Failed attempts of ``scope`` in the last ``window``, of one ``key`` if given.

        Returns:
            Their number and the seconds since the latest, both on the store's clock
            (PostgreSQL's, shared by every machine of the room).
        """
        return self._backend.failures(_scope(scope), window,
                                      None if key is None else _key(key))

    def now(self) -> datetime:
        """The time now on the store's default clock (UTC)."""
        return utc(self._now())

    def set_policy_tick(self, code: str, item_key: str, ticked: bool) -> None:
        """Save one tick of the team policy for a learner (kept with their progress).

        Args:
            code: the learner's resume code (an unknown but valid code is registered).
            item_key: which policy item, e.g. ``"pin-versions"`` (at most 200 characters).
            ticked: whether the item is ticked.
        """
        self._backend.set_policy_tick(_valid_code(code),
                                      _text("item_key", item_key, POLICY_KEY_MAX),
                                      bool(ticked))

    def policy_ticks(self, code: object) -> dict[str, bool]:
        """One learner's policy ticks, by item key ({} if none or unknown)."""
        canonical = normalise_code(code)
        return {} if canonical is None else self._backend.policy_ticks(canonical)

    def report_hash(self, code: str, report: HashReport) -> None:
        """Save the prediction hash a learner got on their machine (the latest one wins).

        Args:
            code: the learner's resume code (an unknown but valid code is registered).
            report: the hash (64 hexadecimal characters, any case) and, when known, the
                platform, Python, NumPy and BLAS it came from (each cut to 200 characters).

        Raises:
            ProgressStoreError: ``report`` is not a ``HashReport`` with a SHA-256.
        """
        digest = getattr(report, "prediction_sha256", None)
        digest = digest.strip().lower() if isinstance(digest, str) else ""
        if len(digest) != 64 or not set(digest) <= _HEX:
            raise ProgressStoreError(
                f"Expected a HashReport whose prediction_sha256 is 64 hexadecimal "
                f"characters; got {report!r}. Build it with workshop.hash_experiment.")

        def text(value: object) -> str | None:
            return value.strip()[:REPORT_TEXT_MAX] or None if isinstance(value, str) else None

        self._backend.report_hash(_valid_code(code), HashReport(
            digest, text(report.platform), text(report.python), text(report.numpy),
            text(report.blas)))

    def hash_reports(self) -> list[HashReport]:
        """Every learner's latest hash report, oldest first, with code and time."""
        return self._backend.hash_reports()

    # -- reads ----------------------------------------------------------------------------

    def get_learner(self, code: object) -> Learner | None:
        """The learner with this resume code (any accepted spelling), or ``None``."""
        canonical = normalise_code(code)
        return None if canonical is None else self._backend.learner(canonical)

    def progress_for(self, code: object) -> dict[str, CheckProgress]:
        """All of one learner's check progress, keyed by check id ({} if unknown)."""
        canonical = normalise_code(code)
        if canonical is None:
            return {}
        return {row.check_id: row for row in self._backend.progress_for(canonical)}

    def all_learners(self) -> list[Learner]:
        """Every learner, oldest first."""
        return self._backend.all_learners()

    def all_progress(self) -> list[CheckProgress]:
        """Every learner's progress on every check they touched."""
        return self._backend.all_progress()

    def events_since(self, since: datetime | None = None) -> list[Event]:
        """Events at or after ``since`` (all events if ``None``), oldest first.

        Args:
            since: a ``datetime`` (UTC assumed if naive).

        Returns:
            A list of ``Event``.
        """
        return self._backend.events_since(since)

    def export_json(self, code: object) -> str:
        """Everything stored about one learner, as a JSON document they can keep.

        Args:
            code: the learner's resume code.

        Returns:
            JSON text with ``schema_version``, ``exported_at``, ``learner``,
            ``progress``, ``events``, ``policy_ticks`` (item key to true/false) and
            ``hash_report`` (the prediction hash they reported, or null).

        Raises:
            ProgressStoreError: no learner has this code.
        """
        canonical = _valid_code(code)
        exported = self._backend.export(canonical)
        if exported.learner is None:
            raise ProgressStoreError(
                f"Expected a learner with code {canonical}, but there is none in "
                f"{self._backend.location}. Check the code."
            )
        document = {
            "schema_version": SCHEMA_VERSION,
            "exported_at": self._now_iso(),
            "learner": _plain(exported.learner),
            "progress": [_plain(row) for row in exported.progress],
            "events": [_plain(event) for event in exported.events],
            "policy_ticks": dict(exported.policy_ticks),
            "hash_report": (None if exported.hash_report is None
                            else _plain(exported.hash_report)),
        }
        return json.dumps(document, ensure_ascii=False, indent=2)

    def _now_iso(self) -> str:
        moment = self._now()
        return utc(moment).isoformat(timespec="microseconds")
