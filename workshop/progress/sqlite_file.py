"""One SQLite progress file that many threads and processes share safely.

``SQLiteFile`` owns everything about the file itself: a small pool of idle connections
(one thread at a time, never shared mid-transaction), WAL mode, SQLite's busy timeout plus
a jittered retry while another writer holds the lock (never a dropped write), the schema
and its version (``sqlite_schema``; an older store is upgraded in place), and recovery.
Every transaction checks the file's header and size just before it commits
(``sqlite_salvage.header_damage``), so damage done while the server runs is found by the
next click, not at the next restart. A damaged file is moved aside with its
``-wal``/``-shm``/``-journal`` files, never deleted; a fresh store is started and every row
that can still be read from the damaged one is copied into it (``sqlite_salvage.salvage``),
with details for the instructor in ``warnings`` and a short notice for learners in
``notices``. It knows nothing about learners; the queries are in
``workshop.progress.sqlite``.
"""

from __future__ import annotations

import logging
import os
import random
import sqlite3
import threading
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TypeVar

from workshop.errors import ProgressStoreError
from workshop.progress.model import SCHEMA_VERSION, utc
from workshop.progress.sqlite_salvage import (
    HEADER,
    NOTICE_FRESH,
    NOTICE_KEPT,
    Salvaged,
    header_damage,
    move_aside,
    read_header,
    salvage,
)
from workshop.progress.sqlite_schema import create_or_upgrade
from workshop.settings import DATA_DIR_ENV

_T = TypeVar("_T")
log = logging.getLogger(__name__)

# Idle connections kept for reuse: opening one (and setting its pragmas) cost about a tenth
# of a page run, paid on every read. More threads than this at once simply open more.
_POOL_SIZE = 16

_SQLITE_HEADER = HEADER
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


class _Damaged(Exception):
    """Internal: a transaction found the file damaged or replaced; recover and retry."""



class SQLiteFile:
    """The SQLite file at ``path``: pooled connections, retried locks, recovery.

    Args:
        path: the store file; its folder is created if missing.
        now: clock returning a ``datetime`` (UTC assumed if naive), used to name a damaged
            file that is moved aside.
        busy_timeout: seconds SQLite itself waits for another writer's lock.
        lock_timeout: total seconds to keep retrying a locked store before giving up
            with ``ProgressStoreError`` (the write is never silently dropped).

    Raises:
        ProgressStoreError: the folder cannot be created or written, or the store was
            written by a newer version of the workshop (the file is left untouched).
    """

    def __init__(self, path: Path, *, now: Callable[[], datetime], busy_timeout: float,
                 lock_timeout: float) -> None:
        self.path = path
        self.data_dir = path.parent
        self.warnings: list[str] = []
        # One short, path-free message for learners per entry in ``warnings``.
        self.notices: list[str] = []
        self.noticed_at: list[float] = []  # time.time() of each notice
        self._now = now
        self._page_size: int | None = None
        # Writes of this process, and a recovery, take turns: a recovery never moves the
        # file aside under a write that is about to commit to it.
        self._write_lock = threading.RLock()
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
            found = read_header(self.path)  # never open and close it: that drops locks
        except OSError as exc:
            raise _Corrupt(f"it cannot be read: {exc}") from exc
        if found is None:
            return
        header = found[0][:len(_SQLITE_HEADER)]
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

    def _initialise(self, fill: Callable[[sqlite3.Connection], None] | None = None) -> None:
        """Create or upgrade the tables, then run ``fill(conn)`` in the same transaction."""

        def work() -> None:
            conn = self._connect()
            try:
                # journal_mode is stored in the file; WAL lets readers and one writer
                # work at the same time, so the instructor's view never blocks learners.
                conn.execute("PRAGMA journal_mode = WAL")
                conn.execute("BEGIN IMMEDIATE")
                try:
                    create_or_upgrade(conn)
                    if fill is not None:
                        fill(conn)
                    conn.execute("COMMIT")
                except BaseException:
                    conn.rollback()
                    raise
            finally:
                conn.close()

        self._retry_busy(work, "set up the tables")

    def _open_or_recover(self, reason: str | None = None) -> None:
        """Inspect; move a damaged file aside, start afresh and copy its readable rows in.

        Never deletes anything: the damaged file (and its -wal) stay beside the store.
        """
        for _ in range(3):
            moved_to: Path | None = None
            try:
                if reason is None:
                    self._retry_busy(self._inspect, "check the file")
                else:
                    raise _Corrupt(reason)
            except _Corrupt as corrupt:
                reason = None
                moved_to = self._moved_aside(corrupt.args[0])
                if moved_to is None:
                    continue  # another process moved it first: inspect what is there now
            except sqlite3.Error as exc:
                raise self._error("read the tables", exc) from exc
            salvaged = Salvaged()

            def fill(conn: sqlite3.Connection, source: Path | None = moved_to,
                     into: Salvaged = salvaged) -> None:
                if source is not None:
                    into.counts = salvage(source, conn, self._page_size).counts

            try:
                self._initialise(fill)
            except sqlite3.Error as exc:
                if _classify(exc) == "corrupt":
                    reason = str(exc)
                    continue
                raise self._error("set up the tables", exc) from exc
            if moved_to is not None:
                self._tell(moved_to, salvaged)
            self._hold_open()
            return
        raise ProgressStoreError(
            f"Expected a usable progress store at {self.path}, but it kept changing or "
            f"failing while being opened. Set {DATA_DIR_ENV} to an empty folder."
        )

    def _moved_aside(self, reason: str) -> Path | None:
        """Move the damaged file aside; None if another process already did."""
        try:
            moved_to = self._move_aside()
        except (FileNotFoundError, FileExistsError):
            return None
        except OSError as exc:
            raise ProgressStoreError(
                f"The progress store {self.path} is unreadable ({reason}) and could not "
                f"be moved aside: {exc}. Move it away by hand, or set {DATA_DIR_ENV} to "
                "another folder."
            ) from exc
        self._damage_reason = reason
        log.error("The progress store %s is damaged (%s); moved aside to %s.",
                  self.path, reason, moved_to)
        return moved_to

    def _tell(self, moved_to: Path, salvaged: Salvaged) -> None:
        """Record what happened: details for the instructor, a short notice for learners."""
        copied = (f"Every row that could still be read was copied into it "
                  f"({salvaged.describe()})." if salvaged.total else
                  "No rows could be read from it, so earlier progress is only in the moved "
                  "file.")
        self.warnings.append(
            f"The progress store {self.path} could not be read ({self._damage_reason}). "
            f"It was moved aside to {moved_to} (nothing was deleted) and a fresh store was "
            f"started. {copied}"
        )
        self.notices.append(NOTICE_KEPT if salvaged.total else NOTICE_FRESH)
        self.noticed_at.append(time.time())
        log.warning("Progress store recovered into %s: %s.", self.path, salvaged.describe())

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
            self._page_size = conn.execute("PRAGMA page_size").fetchone()[0]
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
        """An idle pooled connection to the current file, else a new one.

        Returned with the generation and file identity to give it back under.
        """
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
        return move_aside(self.path, utc(self._now()).strftime("%Y%m%dT%H%M%SZ"))

    def _error(self, what: str, exc: BaseException) -> ProgressStoreError:
        return ProgressStoreError(
            f"Expected to {what} in the progress store {self.path}, but SQLite said: {exc}. "
            f"Check that the folder is writable and has free space, or set {DATA_DIR_ENV} "
            "to another folder."
        )

    def _recover(self, reason: str) -> None:
        # One thread recovers, with this process's writes held back; the others find the
        # fresh store when they retry.
        with self._write_lock:
            damage = header_damage(self.path)
            if damage is not None:
                self._open_or_recover(damage)
                return
            try:
                self._retry_busy(self._inspect, "check the file")
            except _Corrupt:
                self._open_or_recover(reason)
                return
            self._initialise()  # the file is fine now; make sure the tables exist
            self._hold_open()

    def _damage(self) -> str | None:
        """Why the file is damaged, from its header and size, or None.

        A file shorter than its header says is checked again a few times first: another
        process's checkpoint writes page 1 (the new size) before the pages that grow it.
        """
        reason = header_damage(self.path)
        for pause in (0.01, 0.05, 0.2):
            if reason is None or "truncated" not in reason:
                return reason
            time.sleep(pause)
            reason = header_damage(self.path)
        return reason

    def _attempt(self, work: Callable[[sqlite3.Connection], _T], write: bool) -> _T:
        """One try of a transaction; ``_Damaged`` if the file is damaged or was replaced."""
        conn, generation, identity = self._borrow()
        try:
            conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                result = work(conn)
                # Checked before COMMIT, holding the write lock: nothing is acknowledged
                # that was written into a damaged file, or one moved aside meanwhile.
                if self._identity() != identity:
                    raise _Damaged(None)
                damage = self._damage()
                if damage is not None:
                    raise _Damaged(damage)
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

    def transact(self, work: Callable[[sqlite3.Connection], _T], what: str,
                 write: bool = True) -> _T:
        """Run ``work(conn)`` in one transaction on a pooled connection, with retries.

        Each transaction checks the file's header and size before it commits (about ten
        microseconds); damage found then, or reported by SQLite, moves the file aside,
        copies every readable row into a fresh store and runs the transaction again there.
        """
        recoveries = 0
        while True:
            try:
                if not write:
                    return self._retry_busy(lambda: self._attempt(work, write), what)
                if not self._write_lock.acquire(timeout=self.lock_timeout):
                    raise ProgressStoreError(
                        f"Expected to {what} in the progress store {self.path}, but this "
                        f"server's other writes kept it busy for {self.lock_timeout:g} s. "
                        "Nothing was saved; try again."
                    )
                try:
                    return self._retry_busy(lambda: self._attempt(work, write), what)
                finally:
                    self._write_lock.release()
            except _Damaged as damaged:
                reason = damaged.args[0]
            except sqlite3.Error as exc:
                if _classify(exc) not in ("corrupt", "schema") or recoveries >= 2:
                    raise self._error(what, exc) from exc
                reason = str(exc)
            if recoveries >= 2:
                raise ProgressStoreError(
                    f"Expected to {what} in the progress store {self.path}, but it kept "
                    f"being damaged or replaced ({reason}). Nothing was saved; check the "
                    f"disk, or set {DATA_DIR_ENV} to another folder."
                )
            recoveries += 1
            if reason is not None:
                # Damaged while the app ran: move it aside, keep every readable row, carry
                # on (the learner row is re-created by the write) rather than fail.
                self._recover(reason)
