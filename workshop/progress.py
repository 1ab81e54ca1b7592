"""Learner progress: one SQLite file that many Streamlit sessions, threads and processes
share safely, and that survives a server restart.

The store is anonymous: a learner is a resume code (``K7M4-X9QP``) and an optional
display name. Every write runs in its own short ``BEGIN IMMEDIATE`` transaction on a
connection borrowed from a small pool of idle ones (one thread at a time, never shared
mid-transaction), so one ``ProgressStore`` object may be used from any thread; a lock held
by another writer is waited for (SQLite's busy timeout) and then retried, never dropped.
A store that is not readable as a workshop store is moved aside, never deleted, and a
fresh one is started, with a message in ``store.warnings``.

Outcome values are the four strings of ``workshop.checks.Outcome`` (a ``str`` enum, so
either form may be passed in): ``passed``, ``failed``, ``not_attempted``, ``revealed``.
"""

from __future__ import annotations

import json
import math
import os
import random
import re
import secrets
import sqlite3
import threading
import time
import unicodedata
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TypeVar

from case_study.errors import CaseStudyError
from workshop.errors import WorkshopError

SCHEMA_VERSION = 1
STORE_FILENAME = "progress.sqlite3"
DATA_DIR_ENV = "WORKSHOP_DATA_DIR"
DEFAULT_DATA_DIR = Path("~/.local/share/reproducible-ml-workshop")

PASSED = "passed"
FAILED = "failed"
NOT_ATTEMPTED = "not_attempted"
REVEALED = "revealed"
OUTCOMES = (PASSED, FAILED, NOT_ATTEMPTED, REVEALED)

ATTEMPT_PASSED = "attempt_passed"
ATTEMPT_FAILED = "attempt_failed"
HINT = "hint"
REVEAL = "reveal"
EVENT_KINDS = (ATTEMPT_PASSED, ATTEMPT_FAILED, HINT, REVEAL)
_RECORDING = {ATTEMPT_PASSED: "record an attempt", ATTEMPT_FAILED: "record an attempt",
              HINT: "record a hint", REVEAL: "record a reveal"}

# No 0/O, 1/I/L: a code read aloud or copied from a projector cannot be mistyped into
# another valid code. 31 symbols ** 8 = 8.5e11, about 40 bits.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8
DISPLAY_NAME_MAX = 40
# Combining marks kept per character: enough for any real script, not for "Zalgo" text
# that would spill over the instructor's table.
_MAX_MARKS_PER_CHARACTER = 4

_T = TypeVar("_T")

# Idle connections kept for reuse: opening one (and setting its pragmas) cost about a tenth
# of a page run, paid on every read. More threads than this at once simply open more.
_POOL_SIZE = 16


class ProgressStoreError(WorkshopError, CaseStudyError):
    """The progress store cannot be opened, read or written; the message says what to do."""


@dataclass(frozen=True)
class Learner:
    """One anonymous learner: resume code, optional display name, UTC timestamps."""

    code: str
    display_name: str | None
    created_at: datetime
    last_seen: datetime | None = None


@dataclass(frozen=True)
class CheckProgress:
    """One learner's state on one check (outcome, counters, UTC timestamps)."""

    learner_code: str
    stage_id: str
    check_id: str
    outcome: str
    attempts: int
    hints_used: int
    seconds: float
    updated_at: datetime
    first_at: datetime | None = None


@dataclass(frozen=True)
class Event:
    """One thing a learner did on a check; ``kind`` is one of ``EVENT_KINDS``."""

    id: int
    learner_code: str
    stage_id: str
    check_id: str
    kind: str
    at: datetime


# ---------------------------------------------------------------------------------------
# Pure helpers: codes, names, outcome precedence, timestamps
# ---------------------------------------------------------------------------------------


def new_code() -> str:
    """Return a fresh random resume code such as ``K7M4-X9QP`` (from ``secrets``)."""
    symbols = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return f"{symbols[:4]}-{symbols[4:]}"


_CODE_SEPARATORS = re.compile(r"[\s\-_\u2010-\u2015\u2212]+")


def normalise_code(text: object) -> str | None:
    """Turn what a learner typed into the canonical ``XXXX-XXXX`` code.

    Args:
        text: anything; lower case, spaces, a missing or odd dash and full-width
            characters are accepted.
    Returns:
        The canonical code, or ``None`` when ``text`` cannot be a code (wrong length,
        a symbol outside the alphabet such as 0, O, 1, I or L, not a string).
    """
    if not isinstance(text, str) or len(text) > 64:
        return None
    folded = unicodedata.normalize("NFKC", text)
    symbols = _CODE_SEPARATORS.sub("", folded).upper()
    if len(symbols) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in symbols):
        return None
    return f"{symbols[:4]}-{symbols[4:]}"


# Format characters that glue emoji and scripts together; every other format character
# (bidi overrides that reorder the instructor's table, invisible spaces) is dropped.
_KEPT_FORMAT = {"\u200c", "\u200d"}


def _is_tag(ch: str) -> bool:
    return "\U000e0020" <= ch <= "\U000e007f"


def _is_regional_indicator(ch: str) -> bool:
    return "\U0001f1e6" <= ch <= "\U0001f1ff"


def _attaches(ch: str, previous: str) -> bool:
    """True if ``ch`` belongs to the same user-perceived character as ``previous``."""
    return (
        unicodedata.category(ch) in ("Mn", "Mc", "Me")
        or ch in _KEPT_FORMAT
        or previous == "\u200d"  # the character a zero-width joiner glues on
        or "\ufe00" <= ch <= "\ufe0f"  # variation selectors (text/emoji style)
        or "\U0001f3fb" <= ch <= "\U0001f3ff"  # skin-tone modifiers
        or _is_tag(ch)  # subdivision flags
    )


def _clusters(text: str) -> list[str]:
    """Split ``text`` into grapheme-ish clusters (base character + what attaches to it)."""
    clusters: list[str] = []
    for ch in text:
        last = clusters[-1] if clusters else ""
        # A flag is exactly two regional indicators; a third one starts the next flag.
        flag_half = len(last) == 1 and _is_regional_indicator(last) \
            and _is_regional_indicator(ch)
        if last and (flag_half or _attaches(ch, last[-1])):
            clusters[-1] = last + ch
        else:
            clusters.append(ch)
    return clusters


def _trim_marks(cluster: str) -> str:
    kept, marks = [], 0
    for ch in cluster:
        if unicodedata.category(ch) in ("Mn", "Mc", "Me"):
            marks += 1
            if marks > _MAX_MARKS_PER_CHARACTER:
                continue
        kept.append(ch)
    return "".join(kept)


def clean_display_name(text: object) -> str | None:
    """Make any input safe to store and show as a learner's display name.

    Control characters, bidi overrides, lone surrogates and other invisible format
    characters are removed, runs of whitespace become one space, and the result is cut to
    at most ``DISPLAY_NAME_MAX`` (40) code points without splitting a character (an
    emoji with its modifiers, a letter with its accents). HTML and Markdown are kept as
    text: the UI escapes on display, the store only ever binds it as a parameter.

    Args:
        text: anything (``None``, bytes, a 10 kB string, ...).
    Returns:
        The cleaned name, or ``None`` when nothing visible is left.
    """
    if text is None:
        return None
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    elif not isinstance(text, str):
        text = str(text)
    # Bound the work: nobody's name needs more than this before cleaning.
    text = text[:100_000]
    text = " ".join(text.split())  # also turns \n, \t, U+2028 ... into single spaces
    kept = []
    for ch in text:
        category = unicodedata.category(ch)
        if category in ("Cc", "Cs"):
            continue
        if category == "Cf" and ch not in _KEPT_FORMAT and not _is_tag(ch):
            continue
        kept.append(ch)
    text = " ".join("".join(kept).split())
    # Joiners at the edges glue to nothing.
    text = text.strip("".join(_KEPT_FORMAT) + " ")
    result, length = [], 0
    for cluster in _clusters(text):
        cluster = _trim_marks(cluster)
        if length + len(cluster) > DISPLAY_NAME_MAX:
            break
        result.append(cluster)
        length += len(cluster)
    name = "".join(result).strip("".join(_KEPT_FORMAT) + " ")
    visible = any(
        unicodedata.category(ch)[0] not in ("M", "C", "Z") for ch in name
    )
    return name if visible else None


def _outcome_value(outcome: object) -> str:
    # workshop.checks.Outcome is a str enum; its .value is the plain string.
    value = getattr(outcome, "value", outcome)
    if value not in OUTCOMES:
        raise ProgressStoreError(
            f"Expected an outcome among {', '.join(OUTCOMES)}; got {outcome!r}. "
            "Pass the Outcome returned by workshop.checks.grade."
        )
    return value


def outcome_after_attempt(previous: str, attempt: str) -> str:
    """Outcome of a check after one graded submission.

    A pass is never downgraded, and a revealed check stays ``revealed`` (the learner saw
    the answer before passing); otherwise the attempt's own outcome counts.

    Args:
        previous: the stored outcome (``not_attempted`` if none).
        attempt: ``passed`` or ``failed``.
    Returns:
        The outcome to store.
    """
    if previous in (PASSED, REVEALED):
        return previous
    return attempt


def outcome_after_reveal(previous: str) -> str:
    """Outcome after the learner reveals the answer: ``revealed`` unless already passed."""
    return PASSED if previous == PASSED else REVEALED


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:  # a naive time from a test clock means UTC
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def _iso(moment: datetime) -> str:
    # Fixed width (always microseconds, always +00:00) so text order is time order in SQL.
    return _utc(moment).isoformat(timespec="microseconds")


def _parse(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def _system_now() -> datetime:
    return datetime.now(timezone.utc)


def default_data_dir() -> Path:
    """The data folder: ``$WORKSHOP_DATA_DIR`` if set, else ``~/.local/share/...``."""
    configured = os.environ.get(DATA_DIR_ENV, "").strip()
    return Path(configured or DEFAULT_DATA_DIR).expanduser()


# ---------------------------------------------------------------------------------------
# SQLite plumbing
# ---------------------------------------------------------------------------------------

_SCHEMA = (
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
)

_SQLITE_HEADER = b"SQLite format 3\x00"
_SQLITE_BUSY, _SQLITE_LOCKED, _SQLITE_CORRUPT, _SQLITE_NOTADB = 5, 6, 11, 26


def _classify(exc: sqlite3.Error) -> str:
    """'busy' (retry later), 'corrupt' (move aside), 'schema' (tables gone) or 'other'."""
    code = getattr(exc, "sqlite_errorcode", None)
    primary = None if code is None else code & 0xFF
    message = str(exc).lower()
    if primary in (_SQLITE_BUSY, _SQLITE_LOCKED) or "locked" in message or "busy" in message:
        return "busy"
    if primary in (_SQLITE_CORRUPT, _SQLITE_NOTADB) or "malformed" in message \
            or "not a database" in message:
        return "corrupt"
    if "no such table" in message:
        return "schema"
    return "other"


class _Corrupt(Exception):
    """Internal: the file on disk is not a usable workshop store (reason in args[0])."""


class ProgressStore:
    """Learner progress in ``<data_dir>/progress.sqlite3``, safe across threads/processes.

    Args:
        data_dir: folder for the store; default ``$WORKSHOP_DATA_DIR``, else
            ``~/.local/share/reproducible-ml-workshop``. Created if missing.
        now: clock returning a ``datetime`` (UTC assumed if naive); injectable for tests.
        busy_timeout: seconds SQLite itself waits for another writer's lock.
        lock_timeout: total seconds to keep retrying a locked store before giving up
            with ``ProgressStoreError`` (the write is never silently dropped).
    Raises:
        ProgressStoreError: the folder cannot be created or written, or the store was
            written by a newer version of the workshop (the file is left untouched).
    """

    def __init__(
        self,
        data_dir: str | os.PathLike[str] | None = None,
        *,
        now: Callable[[], datetime] | None = None,
        busy_timeout: float = 5.0,
        lock_timeout: float = 30.0,
    ) -> None:
        folder = Path(data_dir).expanduser() if data_dir is not None else default_data_dir()
        self.data_dir = folder.absolute()
        self.path = self.data_dir / STORE_FILENAME
        self.warnings: list[str] = []
        self._now = now or _system_now
        self.busy_timeout = busy_timeout
        self.lock_timeout = lock_timeout
        self._recover_lock = threading.Lock()
        self._keeper: sqlite3.Connection | None = None
        # Idle connections as (generation, file identity, connection). A connection is
        # reused only while the generation is unchanged (bumped when the file is moved
        # aside, re-opened or closed) and the path still names the file it was opened on
        # (another process may have moved a damaged store aside).
        self._pool: list[tuple[int, tuple[int, int], sqlite3.Connection]] = []
        self._pool_lock = threading.Lock()
        self._generation = 0
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ProgressStoreError(
                f"Expected to create the progress folder {self.data_dir}, but {exc}. "
                f"Set {DATA_DIR_ENV} to a folder this user can write."
            ) from exc
        self._open_or_recover()

    # -- opening, checking, recovering ---------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        # isolation_level=None: we issue BEGIN/COMMIT ourselves; timeout= is SQLite's
        # busy timeout, so a briefly locked store is waited for inside SQLite first.
        # check_same_thread=False: a pooled connection may serve another thread next time;
        # the pool hands it to one thread at a time.
        conn = sqlite3.connect(self.path, timeout=self.busy_timeout, isolation_level=None,
                               check_same_thread=False)
        # NORMAL is durable across a crashed or restarted app in WAL mode; only a power
        # cut can lose the last commits, and it avoids an fsync per learner click.
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        return conn

    def _retry_busy(self, work: Callable[[], _T], what: str) -> _T:
        """Run ``work`` until it stops failing with 'database is locked' or time runs out."""
        deadline = time.monotonic() + self.lock_timeout
        delay = 0.005
        while True:
            try:
                return work()
            except sqlite3.Error as exc:
                if _classify(exc) != "busy":
                    raise
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise ProgressStoreError(
                        f"Expected to {what} in the progress store {self.path}, but it "
                        f"stayed locked by another process for {self.lock_timeout:g} s. "
                        "Nothing was saved; try again, and if it persists stop any other "
                        "program that has the file open."
                    ) from exc
                # Jitter so many sessions that collided do not retry in lockstep.
                time.sleep(min(remaining, delay * random.uniform(0.5, 1.5)))
                delay = min(delay * 2, 0.2)

    def _inspect(self) -> None:
        """Check the file on disk; raise ``_Corrupt`` if it must be moved aside."""
        try:
            with open(self.path, "rb") as handle:
                header = handle.read(len(_SQLITE_HEADER))
        except FileNotFoundError:
            return
        except OSError as exc:
            raise _Corrupt(f"it cannot be read: {exc}") from exc
        if header and header != _SQLITE_HEADER:
            # Decided before SQLite opens it: SQLite would delete a -wal file next to a
            # file it cannot parse, and that file belongs to the damaged store.
            raise _Corrupt("it does not start with the SQLite file header")
        # Read-only: checking must never checkpoint a WAL into, or otherwise change, a
        # file that may turn out to be damaged and has to be kept as it is.
        conn = sqlite3.connect(self.path.as_uri() + "?mode=ro", uri=True,
                               timeout=self.busy_timeout, isolation_level=None)
        try:
            try:
                rows = conn.execute("PRAGMA quick_check").fetchall()
                if [row[0] for row in rows] != ["ok"]:
                    raise _Corrupt(f"SQLite's integrity check reported: {rows[0][0]}")
                tables = {
                    row[0]
                    for row in conn.execute(
                        "SELECT name FROM sqlite_master WHERE type = 'table'"
                    )
                }
                if not tables:
                    return  # an empty database (or a zero-byte file): initialise it
                if "meta" not in tables:
                    raise _Corrupt(
                        "it is a SQLite database but not a workshop progress store "
                        f"(tables: {', '.join(sorted(tables))})"
                    )
                row = conn.execute(
                    "SELECT value FROM meta WHERE key = ?", ("schema_version",)
                ).fetchone()
            except sqlite3.Error as exc:
                if _classify(exc) == "corrupt":
                    raise _Corrupt(str(exc)) from exc
                raise
        finally:
            conn.close()
        try:
            version = int(row[0]) if row is not None else None
        except (TypeError, ValueError):
            version = None
        if version is None or version < 1:
            raise _Corrupt(f"its schema version is missing or invalid ({row!r})")
        if version > SCHEMA_VERSION:
            raise ProgressStoreError(
                f"The progress store {self.path} has schema version {version}, but this "
                f"version of the workshop only knows version {SCHEMA_VERSION}. The file "
                "was left untouched. Update the workshop app, or set "
                f"{DATA_DIR_ENV} to another folder."
            )

    def _initialise(self) -> None:
        def work() -> None:
            conn = self._connect()
            try:
                # journal_mode is stored in the file; WAL lets readers and one writer
                # work at the same time, so the instructor's view never blocks learners.
                conn.execute("PRAGMA journal_mode = WAL")
                conn.execute("BEGIN IMMEDIATE")
                try:
                    for statement in _SCHEMA:
                        conn.execute(statement)
                    conn.execute(
                        "INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)",
                        ("schema_version", str(SCHEMA_VERSION)),
                    )
                    conn.execute("COMMIT")
                except BaseException:
                    conn.rollback()
                    raise
            finally:
                conn.close()

        self._retry_busy(work, "set up the tables")

    def _open_or_recover(self, reason: str | None = None) -> None:
        """Inspect, move a damaged file aside, and initialise; never deletes anything."""
        for _ in range(3):
            try:
                if reason is None:
                    self._retry_busy(self._inspect, "check the file")
                else:
                    raise _Corrupt(reason)
            except _Corrupt as corrupt:
                reason = None
                try:
                    moved_to = self._move_aside()
                except (FileNotFoundError, FileExistsError):
                    continue  # another process moved it first: inspect what is there now
                except OSError as exc:
                    raise ProgressStoreError(
                        f"The progress store {self.path} is unreadable "
                        f"({corrupt.args[0]}) and could not be moved aside: {exc}. Move "
                        f"it away by hand, or set {DATA_DIR_ENV} to another folder."
                    ) from exc
                self.warnings.append(
                    f"The progress store {self.path} could not be read "
                    f"({corrupt.args[0]}). It was moved aside to {moved_to} (nothing was "
                    "deleted) and a fresh, empty store was started; earlier progress is "
                    "only in the moved file."
                )
            except sqlite3.Error as exc:
                raise self._error("read the tables", exc) from exc
            try:
                self._initialise()
            except sqlite3.Error as exc:
                if _classify(exc) == "corrupt":
                    reason = str(exc)
                    continue
                raise self._error("set up the tables", exc) from exc
            self._hold_open()
            return
        raise ProgressStoreError(
            f"Expected a usable progress store at {self.path}, but it kept changing or "
            f"failing while being opened. Set {DATA_DIR_ENV} to an empty folder."
        )

    def _hold_open(self) -> None:
        """Keep one idle connection open for the store's lifetime.

        When the last connection to a WAL database closes, SQLite checkpoints and deletes
        the WAL with an fsync, which made every one-connection-per-write ~20 ms; one idle
        connection keeps each write well under a millisecond. It never runs a query after
        this, so sharing it across threads is safe.
        """
        self._release()
        conn = sqlite3.connect(self.path, timeout=self.busy_timeout, isolation_level=None,
                               check_same_thread=False)
        try:
            conn.execute("SELECT count(*) FROM meta").fetchone()
        except sqlite3.Error:
            conn.close()  # only a speed-up: the store works without it
            return
        self._keeper = conn

    def _release(self) -> None:
        keeper, self._keeper = self._keeper, None
        if keeper is not None:
            keeper.close()
        with self._pool_lock:
            # Connections lent out now are closed when they come back (stale generation).
            self._generation += 1
            idle, self._pool = self._pool, []
        for _, _, conn in idle:
            conn.close()

    def _identity(self) -> tuple[int, int] | None:
        """(device, inode) of the file at ``self.path`` now, or None if there is none."""
        try:
            info = os.stat(self.path)
        except OSError:
            return None
        return info.st_dev, info.st_ino

    def _borrow(self) -> tuple[sqlite3.Connection, int, tuple[int, int] | None]:
        """An idle pooled connection to the current file, else a new one; with the
        generation and file identity to give it back under."""
        identity = self._identity()
        stale = []
        borrowed = None
        with self._pool_lock:
            generation = self._generation
            while self._pool:
                entry = self._pool.pop()
                if identity is not None and entry[:2] == (generation, identity):
                    borrowed = entry[2]
                    break
                stale.append(entry[2])
        for conn in stale:
            conn.close()
        return (borrowed or self._connect()), generation, identity

    def _give_back(self, conn: sqlite3.Connection, generation: int,
                   identity: tuple[int, int] | None) -> None:
        with self._pool_lock:
            if (identity is not None and generation == self._generation
                    and len(self._pool) < _POOL_SIZE):
                self._pool.append((generation, identity, conn))
                return
        conn.close()

    def close(self) -> None:
        """Close the store's idle connections (optional; the store stays usable)."""
        self._release()

    def _move_aside(self) -> Path:
        """Rename the store (and its -wal/-shm/-journal files) to a new, unused name."""
        self._release()  # our own handle must not keep pointing at the moved file
        stamp = _utc(self._now()).strftime("%Y%m%dT%H%M%SZ")
        suffixes = ("", "-wal", "-shm", "-journal")
        base = self.data_dir / f"{STORE_FILENAME}.corrupt-{stamp}"
        number = 1
        while any(Path(f"{base}{s}").exists() for s in suffixes):
            number += 1
            base = self.data_dir / f"{STORE_FILENAME}.corrupt-{stamp}-{number}"
        for suffix in suffixes:
            source = Path(f"{self.path}{suffix}")
            if suffix and not source.exists():
                continue
            _rename_no_overwrite(source, Path(f"{base}{suffix}"))
        return base

    def _error(self, what: str, exc: BaseException) -> ProgressStoreError:
        return ProgressStoreError(
            f"Expected to {what} in the progress store {self.path}, but SQLite said: {exc}. "
            f"Check that the folder is writable and has free space, or set {DATA_DIR_ENV} "
            "to another folder."
        )

    def _recover(self, reason: str) -> None:
        # One thread recovers; the others find the fresh store when they retry.
        with self._recover_lock:
            try:
                self._retry_busy(self._inspect, "check the file")
            except _Corrupt:
                self._open_or_recover(reason)
                return
            self._initialise()  # the file is fine now; make sure the tables exist
            self._hold_open()

    def _transact(self, work: Callable[[sqlite3.Connection], _T], what: str,
                  write: bool = True) -> _T:
        """Run ``work(conn)`` in one transaction on a pooled connection, with retries."""

        def attempt() -> _T:
            conn, generation, identity = self._borrow()
            try:
                conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
                try:
                    result = work(conn)
                    conn.execute("COMMIT")
                except BaseException:
                    if conn.in_transaction:
                        conn.rollback()
                    raise
            except BaseException:
                # After any failure the connection is not trusted again: closed, not pooled.
                conn.close()
                raise
            self._give_back(conn, generation, identity)
            return result

        recovered = False
        while True:
            try:
                return self._retry_busy(attempt, what)
            except sqlite3.Error as exc:
                kind = _classify(exc)
                if kind in ("corrupt", "schema") and not recovered:
                    # Damaged while the app ran: move it aside and carry on (the learner
                    # row is re-created by the write), rather than fail every click.
                    recovered = True
                    self._recover(str(exc))
                    continue
                raise self._error(what, exc) from exc

    # -- writes ---------------------------------------------------------------------------

    def _stamp(self) -> str:
        return _iso(self._now())

    @staticmethod
    def _valid_code(code: object) -> str:
        canonical = normalise_code(code)
        if canonical is None:
            raise ProgressStoreError(
                f"Expected a resume code like K7M4-X9QP; got {code!r}. Use the code "
                "returned by create_learner or normalise_code."
            )
        return canonical

    @staticmethod
    def _seen(conn: sqlite3.Connection, code: str, at: str) -> None:
        # Writes register an unknown code, so a learner whose store was reset (moved
        # aside) can keep saving instead of failing on every click.
        conn.execute(
            "INSERT INTO learners (code, display_name, created_at, last_seen) "
            "VALUES (?, NULL, ?, ?) "
            "ON CONFLICT (code) DO UPDATE SET last_seen = excluded.last_seen",
            (code, at, at),
        )

    def create_learner(self, display_name: object = None) -> Learner:
        """Create an anonymous learner with a fresh resume code.

        Args:
            display_name: optional; cleaned with ``clean_display_name``.
        Returns:
            The new ``Learner``.
        """
        name = clean_display_name(display_name)

        def work(conn: sqlite3.Connection) -> Learner:
            at = self._stamp()
            while True:
                code = new_code()
                cursor = conn.execute(
                    "INSERT OR IGNORE INTO learners (code, display_name, created_at, "
                    "last_seen) VALUES (?, ?, ?, ?)",
                    (code, name, at, at),
                )
                if cursor.rowcount == 1:  # 0 only on a (1 in 10^11) code collision
                    return Learner(code, name, _parse(at), _parse(at))

        return self._transact(work, "create a learner")

    def set_display_name(self, code: str, name: object) -> str | None:
        """Set (or clear, with ``None``/blank) a learner's display name.

        Args:
            code: the learner's resume code.
            name: any text; cleaned with ``clean_display_name``.
        Returns:
            The name as stored.
        """
        code = self._valid_code(code)
        cleaned = clean_display_name(name)

        def work(conn: sqlite3.Connection) -> str | None:
            at = self._stamp()
            self._seen(conn, code, at)
            conn.execute(
                "UPDATE learners SET display_name = ? WHERE code = ?", (cleaned, code)
            )
            return cleaned

        return self._transact(work, "save the display name")

    def touch(self, code: str) -> None:
        """Mark the learner as seen now (e.g. on opening a page), for the room view."""
        code = self._valid_code(code)
        self._transact(lambda conn: self._seen(conn, code, self._stamp()),
                       "mark the learner as seen")

    def _record(self, code: str, stage_id: str, check_id: str, kind: str,
                update: Callable[[str], str], attempts: int, hints: int,
                seconds: float) -> CheckProgress:
        code = self._valid_code(code)
        for label, value in (("stage_id", stage_id), ("check_id", check_id)):
            if not isinstance(value, str) or not value:
                raise ProgressStoreError(
                    f"Expected a non-empty {label} string; got {value!r}. Pass the ids "
                    "from lessons/ (stage.id, check.id)."
                )

        def work(conn: sqlite3.Connection) -> CheckProgress:
            at = self._stamp()
            self._seen(conn, code, at)
            row = conn.execute(
                "SELECT outcome FROM progress WHERE learner_code = ? AND check_id = ?",
                (code, check_id),
            ).fetchone()
            outcome = update(row[0] if row else NOT_ATTEMPTED)
            conn.execute(
                "INSERT INTO progress (learner_code, stage_id, check_id, outcome, "
                "attempts, hints_used, seconds, first_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (learner_code, check_id) DO UPDATE SET "
                "stage_id = excluded.stage_id, outcome = excluded.outcome, "
                "attempts = attempts + excluded.attempts, "
                "hints_used = hints_used + excluded.hints_used, "
                "seconds = seconds + excluded.seconds, updated_at = excluded.updated_at",
                (code, stage_id, check_id, outcome, attempts, hints, seconds, at, at),
            )
            conn.execute(
                "INSERT INTO events (learner_code, stage_id, check_id, kind, at) "
                "VALUES (?, ?, ?, ?, ?)",
                (code, stage_id, check_id, kind, at),
            )
            stored = conn.execute(
                "SELECT learner_code, stage_id, check_id, outcome, attempts, hints_used, "
                "seconds, first_at, updated_at FROM progress "
                "WHERE learner_code = ? AND check_id = ?",
                (code, check_id),
            ).fetchone()
            return _progress_row(stored)

        return self._transact(work, _RECORDING[kind])

    def record_attempt(self, code: str, stage_id: str, check_id: str, outcome: object,
                       seconds: float = 0.0) -> CheckProgress:
        """Record one graded submission.

        Args:
            code: the learner's resume code (an unknown but valid code is registered).
            stage_id, check_id: ids from ``lessons/``.
            outcome: ``passed`` or ``failed`` (string or ``Outcome``).
            seconds: time the learner spent since the last record; negative or
                non-finite values count as 0.
        Returns:
            The check's ``CheckProgress`` after the attempt (a pass is never downgraded;
            a revealed check stays revealed).
        """
        value = _outcome_value(outcome)
        if value not in (PASSED, FAILED):
            raise ProgressStoreError(
                f"Expected an attempt outcome of passed or failed; got {value!r}. "
                "Use record_reveal for a revealed answer."
            )
        kind = ATTEMPT_PASSED if value == PASSED else ATTEMPT_FAILED
        return self._record(code, stage_id, check_id, kind,
                            lambda previous: outcome_after_attempt(previous, value),
                            attempts=1, hints=0, seconds=_clean_seconds(seconds))

    def record_hint(self, code: str, stage_id: str, check_id: str) -> CheckProgress:
        """Count one hint shown to the learner; returns the check's ``CheckProgress``."""
        return self._record(code, stage_id, check_id, HINT, lambda previous: previous,
                            attempts=0, hints=1, seconds=0.0)

    def record_reveal(self, code: str, stage_id: str, check_id: str) -> CheckProgress:
        """Record that the answer was revealed (``revealed`` unless already passed)."""
        return self._record(code, stage_id, check_id, REVEAL, outcome_after_reveal,
                            attempts=0, hints=0, seconds=0.0)

    # -- reads ----------------------------------------------------------------------------

    def _read(self, work: Callable[[sqlite3.Connection], _T], what: str) -> _T:
        return self._transact(work, what, write=False)

    def get_learner(self, code: object) -> Learner | None:
        """The learner with this resume code (any accepted spelling), or ``None``."""
        canonical = normalise_code(code)
        if canonical is None:
            return None
        row = self._read(
            lambda conn: conn.execute(
                "SELECT code, display_name, created_at, last_seen FROM learners "
                "WHERE code = ?", (canonical,)
            ).fetchone(),
            "read a learner",
        )
        return None if row is None else _learner_row(row)

    def progress_for(self, code: object) -> dict[str, CheckProgress]:
        """All of one learner's check progress, keyed by check id ({} if unknown)."""
        canonical = normalise_code(code)
        if canonical is None:
            return {}
        rows = self._read(
            lambda conn: conn.execute(
                "SELECT learner_code, stage_id, check_id, outcome, attempts, hints_used, "
                "seconds, first_at, updated_at FROM progress "
                "WHERE learner_code = ? ORDER BY first_at, check_id",
                (canonical,),
            ).fetchall(),
            "read progress",
        )
        return {row[2]: _progress_row(row) for row in rows}

    def all_learners(self) -> list[Learner]:
        """Every learner, oldest first."""
        rows = self._read(
            lambda conn: conn.execute(
                "SELECT code, display_name, created_at, last_seen FROM learners "
                "ORDER BY created_at, code"
            ).fetchall(),
            "read learners",
        )
        return [_learner_row(row) for row in rows]

    def all_progress(self) -> list[CheckProgress]:
        """Every learner's progress on every check they touched."""
        rows = self._read(
            lambda conn: conn.execute(
                "SELECT learner_code, stage_id, check_id, outcome, attempts, hints_used, "
                "seconds, first_at, updated_at FROM progress "
                "ORDER BY learner_code, first_at, check_id"
            ).fetchall(),
            "read progress",
        )
        return [_progress_row(row) for row in rows]

    def events_since(self, since: datetime | None = None) -> list[Event]:
        """Events at or after ``since`` (all events if ``None``), oldest first.

        Args:
            since: a ``datetime`` (UTC assumed if naive).
        Returns:
            A list of ``Event``.
        """
        # Every stored timestamp sorts after "", so None means "from the beginning".
        cutoff = "" if since is None else _iso(since)
        rows = self._read(
            lambda conn: conn.execute(
                "SELECT id, learner_code, stage_id, check_id, kind, at FROM events "
                "WHERE at >= ? ORDER BY at, id", (cutoff,)
            ).fetchall(),
            "read events",
        )
        return [_event_row(row) for row in rows]

    def export_json(self, code: object) -> str:
        """Everything stored about one learner, as a JSON document they can keep.

        Args:
            code: the learner's resume code.
        Returns:
            JSON text with ``schema_version``, ``exported_at``, ``learner``,
            ``progress`` and ``events``.
        Raises:
            ProgressStoreError: no learner has this code.
        """
        canonical = self._valid_code(code)

        def work(conn: sqlite3.Connection) -> tuple[Any, list, list]:
            learner = conn.execute(
                "SELECT code, display_name, created_at, last_seen FROM learners "
                "WHERE code = ?", (canonical,)
            ).fetchone()
            progress = conn.execute(
                "SELECT learner_code, stage_id, check_id, outcome, attempts, hints_used, "
                "seconds, first_at, updated_at FROM progress "
                "WHERE learner_code = ? ORDER BY first_at, check_id",
                (canonical,),
            ).fetchall()
            events = conn.execute(
                "SELECT id, learner_code, stage_id, check_id, kind, at FROM events "
                "WHERE learner_code = ? ORDER BY at, id", (canonical,)
            ).fetchall()
            return learner, progress, events

        learner, progress, events = self._read(work, "export progress")
        if learner is None:
            raise ProgressStoreError(
                f"Expected a learner with code {canonical}, but there is none in "
                f"{self.path}. Check the code."
            )

        def plain(record: object) -> dict:
            return {key: value.isoformat() if isinstance(value, datetime) else value
                    for key, value in asdict(record).items()}

        document = {
            "schema_version": SCHEMA_VERSION,
            "exported_at": self._stamp(),
            "learner": plain(_learner_row(learner)),
            "progress": [plain(_progress_row(row)) for row in progress],
            "events": [plain(_event_row(row)) for row in events],
        }
        return json.dumps(document, ensure_ascii=False, indent=2)


def _clean_seconds(seconds: object) -> float:
    try:
        value = float(seconds)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0.0
    return value if math.isfinite(value) and value > 0 else 0.0


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


def _rename_no_overwrite(source: Path, target: Path) -> None:
    """Move ``source`` to ``target``, failing rather than replacing an existing file."""
    try:
        os.link(source, target)  # atomic, and refuses an existing target
    except (FileExistsError, FileNotFoundError):
        raise
    except OSError:
        if target.exists():  # filesystem without hard links: check, then rename
            raise FileExistsError(target) from None
        os.rename(source, target)
        return
    os.unlink(source)
