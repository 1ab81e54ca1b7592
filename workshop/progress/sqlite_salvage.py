"""Spotting a damaged SQLite store cheaply, and saving every row that can still be read.

``header_damage`` reads the first 100 bytes and the size of the file (a few microseconds):
the 16-byte magic text, a valid page size, and a file at least as long as the pages its
header records. That catches a zeroed or overwritten header and a truncated file while the
server runs, before SQLite itself notices (a connection that has page 1 cached keeps
writing into a file no new connection can open).

``salvage`` copies the rows of a damaged store into a fresh one: it works on a scratch copy
of the damaged file and its ``-wal`` (so writes acknowledged after the damage, still in the
WAL, are read too), puts a valid header on the copy if the damaged one is unusable, and
reads each table in rowid order, skipping past ranges it cannot read. Python's ``sqlite3``
has no ``.recover``; this gets back every row reachable through the table's b-tree.

A damaged b-tree can hand rows back out of rowid order (a page cut off, zero-filled or
overwritten by another page still parses as a leaf of rowids already passed). The read
never moves backwards because of them, and never returns a rowid twice: once it resumed
from before rows it had read, re-read them, met the same misplaced page and failed at
the same place again, forever, copying the same events into the fresh store each time.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import sqlite3
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

HEADER = b"SQLite format 3\x00"
HEADER_SIZE = 100
_PAGE_SIZES = (4096, 1024, 2048, 8192, 16384, 32768, 65536, 512)
_LARGEST_ROWID = 2**62

log = logging.getLogger(__name__)

# Short, path-free messages for learners, beside each detailed message for the instructor.
NOTICE_KEPT = ("The progress storage had a problem and was repaired; your saved progress "
               "was kept.")
NOTICE_FRESH = ("The progress storage had a problem and was started afresh. If earlier "
                "progress is missing, tell the instructor.")


def _page_size(raw: bytes) -> int | None:
    size = int.from_bytes(raw, "big")
    size = 65536 if size == 1 else size
    return size if 512 <= size <= 65536 and size & (size - 1) == 0 else None


# POSIX drops every lock a process holds on a file when it closes *any* descriptor of that
# file, SQLite's locks included ("How To Corrupt An SQLite Database File", 2.2): another
# process could then think it is alone and delete the WAL that connections here still
# write to. So the store file is only ever read through one descriptor per file, opened
# once and never closed while the file exists.
_READERS: dict[tuple[int, int], int] = {}
_READERS_LOCK = threading.Lock()
_SPARE: list[int] = []  # opened in a race, never closed either


def _reader(path: Path) -> tuple[int, os.stat_result] | None:
    """A kept descriptor of the file now at ``path`` and its stat; None if there is none."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return None
    key = (info.st_dev, info.st_ino)
    with _READERS_LOCK:
        fd = _READERS.get(key)
        if fd is None:
            fd = os.open(path, os.O_RDONLY)
            opened = os.fstat(fd)
            key = (opened.st_dev, opened.st_ino)  # the file may have been replaced
            if key in _READERS:  # replaced meanwhile by a file already kept: keep both
                _SPARE.append(fd)
                fd = _READERS[key]
            else:
                _forget_deleted()
                _READERS[key] = fd
    return fd, os.fstat(fd)


def _forget_deleted() -> None:
    """Close the kept descriptors of files that were deleted (no name refers to them)."""
    for key, fd in list(_READERS.items()):
        if os.fstat(fd).st_nlink == 0:
            os.close(fd)
            del _READERS[key]


def read_header(path: Path) -> tuple[bytes, int] | None:
    """The first 100 bytes of the file at ``path`` and its size; None if it is missing."""
    found = _reader(path)
    if found is None:
        return None
    fd, info = found
    return os.pread(fd, HEADER_SIZE, 0), info.st_size


def header_damage(path: Path) -> str | None:
    """Why the file at ``path`` is damaged, judged from its header and size; None if fine.

    A missing or empty file is not damaged (a new store). Only reads 100 bytes.
    """
    try:
        found = read_header(path)
    except OSError as exc:
        return f"it cannot be read: {exc}"
    if found is None or found[1] == 0:
        return None
    header, size = found
    if len(header) < HEADER_SIZE or header[:16] != HEADER:
        return "it no longer starts with the SQLite file header"
    page_size = _page_size(header[16:18])
    if page_size is None:
        return "its header records an impossible page size"
    pages = int.from_bytes(header[28:32], "big")
    # The page count is valid only while the change counter equals "version-valid-for".
    if pages and header[24:28] == header[92:96] and size < pages * page_size:
        return (f"it is {size} bytes long, shorter than the {pages} pages of {page_size} "
                "bytes its header records (it was truncated)")
    return None


def _copy_file(source: Path, target: Path) -> None:
    """Copy ``source`` through its kept descriptor (see ``_READERS``), never closing one."""
    found = _reader(source)
    if found is None:
        raise FileNotFoundError(source)
    fd, info = found
    with open(target, "wb") as out:
        offset = 0
        while offset < info.st_size:
            chunk = os.pread(fd, 1 << 20, offset)
            if not chunk:
                break
            out.write(chunk)
            offset += len(chunk)


def _version_number() -> bytes:
    major, minor, patch = sqlite3.sqlite_version_info
    return (major * 1_000_000 + minor * 1000 + patch).to_bytes(4, "big")


def _header(page_size: int, wal: bool) -> bytes:
    header = bytearray(HEADER_SIZE)
    header[:16] = HEADER
    header[16:18] = (1 if page_size == 65536 else page_size).to_bytes(2, "big")
    header[18] = header[19] = 2 if wal else 1
    header[21:24] = bytes((64, 32, 32))  # payload fractions, fixed by the file format
    header[24:28] = (1).to_bytes(4, "big")  # change counter; "version-valid-for" stays 0,
    header[44:48] = (4).to_bytes(4, "big")  # so the page count comes from the file size
    header[56:60] = (1).to_bytes(4, "big")  # UTF-8
    header[96:100] = _version_number()
    return bytes(header)


def _tables(conn: sqlite3.Connection) -> set[str]:
    return {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def _candidate_page_sizes(copy: Path, wal: Path, known: int | None) -> list[int]:
    sizes = [known] if known else []
    with contextlib.suppress(OSError):
        with open(wal, "rb") as handle:
            handle.seek(8)
            found = int.from_bytes(handle.read(4), "big")
        if 512 <= found <= 65536 and found & (found - 1) == 0:
            sizes.append(found)
    return sizes + [size for size in _PAGE_SIZES if size not in sizes]


def _open_copy(copy: Path, known_page_size: int | None) -> sqlite3.Connection | None:
    """A connection to the scratch copy that can read its tables, repairing the header."""
    wal = Path(f"{copy}-wal")
    with open(copy, "rb") as handle:
        original = handle.read(HEADER_SIZE)
    if original[:16] == HEADER and _page_size(original[16:18]):
        headers = [original]
    else:
        headers = [_header(size, wal.exists())
                   for size in _candidate_page_sizes(copy, wal, known_page_size)]
    for header in headers:
        with open(copy, "r+b") as handle:
            handle.write(header)
        _pad(copy, header)
        conn = sqlite3.connect(copy, isolation_level=None)
        try:
            # Tolerate schema rows whose table lies beyond a truncated end: those tables
            # fail to read and are skipped, the others are read.
            conn.execute("PRAGMA writable_schema = ON")
            if "learners" in _tables(conn):
                return conn
        except sqlite3.DatabaseError:
            pass
        conn.close()
    return None


def _pad(copy: Path, header: bytes) -> None:
    """Zero-fill a truncated copy to whole pages, and to the page count its header records.

    SQLite refuses a schema whose tables start beyond the end of the file; pages that
    were cut off then read as empty (unreadable) pages instead.
    """
    page_size = _page_size(header[16:18]) or 4096
    size = copy.stat().st_size
    recorded = int.from_bytes(header[28:32], "big") if header[24:28] == header[92:96] else 0
    wanted = max(-(-size // page_size) * page_size, recorded * page_size)
    if wanted > size:
        os.truncate(copy, wanted)


def readable_rows(conn: sqlite3.Connection, table: str, columns: str) -> Iterator[tuple]:
    """Every row of ``table`` that can be read, in rowid order, skipping unreadable ranges.

    After a read fails, later rowids are probed at doubling distances until one can be
    read, then the first readable one is narrowed down by bisection, and the read resumes
    there (at it, not after the rowid before it: that seek can land in the damaged page).
    A rowid is returned at most once, and a read never resumes before the highest rowid
    seen so far (a damaged page may return rowids out of order), so it always ends.
    """
    start = -_LARGEST_ROWID  # where the next read starts; it only ever moves forwards
    while True:
        try:
            for row in conn.execute(f"SELECT rowid, {columns} FROM {table} "  # noqa: S608
                                    "WHERE rowid >= ? ORDER BY rowid", (start,)):
                if row[0] < start:
                    # Out of order: a misplaced or stale page (rows already read, or
                    # garbage). An intact b-tree never goes backwards; skip it.
                    continue
                start = row[0] + 1
                yield row[1:]
            return
        except sqlite3.DatabaseError:
            # The row at ``start`` (or the first one after it) could not be read.
            resume = _next_readable(conn, table, start - 1)
            if resume is None:
                return
            start = resume


def _first_at_or_after(conn: sqlite3.Connection, table: str, rowid: int) -> int | None:
    """The first rowid >= ``rowid``, None if there is none; raises if it cannot be read.

    A smaller rowid (a damaged page read out of order) counts as unreadable, so that a
    resumed read always moves forwards.
    """
    row = conn.execute(f"SELECT rowid FROM {table} WHERE rowid >= ? "  # noqa: S608
                       "ORDER BY rowid LIMIT 1", (rowid,)).fetchone()
    if row is not None and row[0] < rowid:
        raise sqlite3.DatabaseError(f"rowid {row[0]} found where {rowid} or more was sought")
    return None if row is None else row[0]


def _next_readable(conn: sqlite3.Connection, table: str, after: int) -> int | None:
    """A readable rowid beyond ``after + 1`` (the row that failed is skipped), or None."""
    failed, step = max(after, -1) + 1, 1
    while True:
        probe = failed + step
        if probe > _LARGEST_ROWID:
            return None
        try:
            found = _first_at_or_after(conn, table, probe)
            break
        except sqlite3.DatabaseError:
            failed, step = probe, step * 2
    if found is None:
        return None
    low, high = failed, probe  # low fails, high reads: find the first start that reads
    while high - low > 1:
        middle = (low + high) // 2
        try:
            candidate = _first_at_or_after(conn, table, middle)
        except sqlite3.DatabaseError:
            low = middle
            continue
        high, found = middle, candidate if candidate is not None else found
    return found


@dataclass
class Salvaged:
    """How many rows of each table were copied into the fresh store."""

    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        """Rows copied, over every table."""
        return sum(self.counts.values())

    def describe(self) -> str:
        """``"2 learners, 5 progress rows, 9 events"`` (tables with rows only)."""
        names = {"learners": "learners", "progress": "progress rows", "events": "events",
                 "failed_attempts": "failed code attempts", "policy_ticks": "policy ticks",
                 "hash_reports": "hash reports"}
        parts = [f"{count} {names.get(table, table)}" for table, count in self.counts.items()
                 if count]
        return ", ".join(parts) or "no rows"


# What to read from each table, and how to write a row into the fresh store (which may
# already hold rows another process wrote since: merged, never overwritten).
_COPIES: dict[str, tuple[str, str]] = {
    "learners": (
        "code, display_name, created_at, last_seen",
        "INSERT INTO learners (code, display_name, created_at, last_seen) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (code) DO UPDATE SET "
        "display_name = coalesce(learners.display_name, excluded.display_name), "
        "created_at = min(learners.created_at, excluded.created_at), "
        "last_seen = max(learners.last_seen, excluded.last_seen)"),
    "progress": (
        "learner_code, stage_id, check_id, outcome, attempts, hints_used, seconds, first_at, "
        "updated_at",
        # The fresh row holds only what happened after the damage: add the counters, and
        # apply the outcome rules with the salvaged outcome as the earlier one.
        "INSERT INTO progress AS p (learner_code, stage_id, check_id, outcome, attempts, "
        "hints_used, seconds, first_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (learner_code, check_id) DO UPDATE SET "
        "outcome = CASE WHEN excluded.outcome IN ('passed', 'revealed') "
        "OR p.outcome = 'not_attempted' THEN excluded.outcome ELSE p.outcome END, "
        "attempts = p.attempts + excluded.attempts, "
        "hints_used = p.hints_used + excluded.hints_used, "
        "seconds = p.seconds + excluded.seconds, "
        "first_at = min(p.first_at, excluded.first_at)"),
    "events": (
        "id, learner_code, stage_id, check_id, kind, at",
        "INSERT INTO events (id, learner_code, stage_id, check_id, kind, at) "
        "VALUES (CASE WHEN EXISTS (SELECT 1 FROM events WHERE id = ?1) THEN NULL ELSE ?1 END,"
        " ?2, ?3, ?4, ?5, ?6)"),
    "failed_attempts": (
        "scope, client, at",
        "INSERT INTO failed_attempts (scope, client, at) VALUES (?, ?, ?)"),
    "policy_ticks": (
        "learner_code, item_key, ticked, updated_at",
        "INSERT INTO policy_ticks (learner_code, item_key, ticked, updated_at) "
        "VALUES (?, ?, ?, ?) ON CONFLICT (learner_code, item_key) DO UPDATE SET "
        "ticked = excluded.ticked, updated_at = excluded.updated_at "
        "WHERE excluded.updated_at > policy_ticks.updated_at"),
    "hash_reports": (
        "learner_code, prediction_sha256, platform, python, numpy, blas, reported_at",
        "INSERT INTO hash_reports (learner_code, prediction_sha256, platform, python, numpy, "
        "blas, reported_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (learner_code) DO NOTHING"),
}
# A salvaged row whose learner row was lost still needs one (foreign keys).
_LEARNER_FOR = ("INSERT OR IGNORE INTO learners (code, display_name, created_at, last_seen) "
                "VALUES (?, NULL, ?, ?)")
_LEARNER_AT = {"progress": (0, 7, 8), "events": (1, 5, 5), "policy_ticks": (0, 3, 3),
               "hash_reports": (0, 6, 6)}


_TIMES = frozenset({"created_at", "last_seen", "first_at", "updated_at", "at"})


def _sound(names: list[str], row: tuple) -> bool:
    """Whether a salvaged row's values are whole: no NUL in a text, every time parses.

    A row read from a page that was partly overwritten or cut off can hold garbage that
    the table's constraints do not catch.
    """
    for name, value in zip(names, row, strict=True):
        if isinstance(value, bytes) or (isinstance(value, str) and "\x00" in value):
            return False
        if name in _TIMES:
            try:
                datetime.fromisoformat(value)
            except (TypeError, ValueError):
                return False
    return True


def _copy_table(source: sqlite3.Connection, target: sqlite3.Connection, table: str) -> int:
    columns, insert = _COPIES[table]
    names = [name.strip() for name in columns.split(",")]
    copied = 0
    for row in readable_rows(source, table, columns):
        if not _sound(names, row):
            continue
        try:
            target.execute("SAVEPOINT salvage_row")
            if table in _LEARNER_AT:
                code, created, seen = (row[i] for i in _LEARNER_AT[table])
                target.execute(_LEARNER_FOR, (code, created, seen))
            target.execute(insert, row)
            target.execute("RELEASE salvage_row")
            copied += 1
        except sqlite3.Error:  # a damaged value (wrong type, broken constraint): skip it
            target.execute("ROLLBACK TO salvage_row")
            target.execute("RELEASE salvage_row")
    return copied


def salvage(damaged: Path, target: sqlite3.Connection,
            page_size: int | None = None) -> Salvaged:
    """Copy every readable row of the damaged store at ``damaged`` into ``target``.

    Args:
        damaged: the damaged file (moved aside); its ``-wal`` beside it is read too. Both
            are left untouched: the work is done on a scratch copy.
        target: a connection to the fresh store, inside the caller's write transaction.
        page_size: the store's page size when it was last healthy, if known (used when
            the damaged header no longer says it).

    Returns:
        The number of rows copied per table (none if nothing could be read).
    """
    result = Salvaged()
    try:
        with tempfile.TemporaryDirectory(prefix=".salvage-", dir=damaged.parent) as scratch:
            copy = Path(scratch) / "damaged.sqlite3"
            _copy_file(damaged, copy)
            if Path(f"{damaged}-wal").exists():
                shutil.copyfile(f"{damaged}-wal", f"{copy}-wal")
            source = _open_copy(copy, page_size)
            if source is None:
                return result
            try:
                _copy_tables(source, target, result)
            finally:
                source.close()
    except (OSError, sqlite3.Error) as exc:  # whatever was copied before stays copied
        log.warning("Salvaging rows from %s stopped early: %s", damaged, exc)
    return result


def _copy_tables(source: sqlite3.Connection, target: sqlite3.Connection,
                 result: Salvaged) -> None:
    present = _tables(source)
    for table in _COPIES:
        if table in present:
            result.counts[table] = _copy_table(source, target, table)


def move_aside(path: Path, stamp: str) -> Path:
    """Rename ``path`` and its -wal/-shm/-journal files to ``<name>.corrupt-<stamp>[-N]``.

    Never overwrites: a second damaged store found in the same second gets ``-2``.

    Raises:
        FileNotFoundError: the store is gone (another process moved it first).
        FileExistsError: another process took the name at the same moment.
    """
    suffixes = ("", "-wal", "-shm", "-journal")
    base = path.parent / f"{path.name}.corrupt-{stamp}"
    number = 1
    while any(Path(f"{base}{suffix}").exists() for suffix in suffixes):
        number += 1
        base = path.parent / f"{path.name}.corrupt-{stamp}-{number}"
    for suffix in suffixes:
        source = Path(f"{path}{suffix}")
        if suffix and not source.exists():
            continue
        _rename_no_overwrite(source, Path(f"{base}{suffix}"))
    return base


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
