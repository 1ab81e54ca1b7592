"""Salvaging a damaged store whose b-tree hands rows back out of rowid order.

A truncated store once made the salvage loop forever: pages past the cut parsed as a leaf
of rowids already read, the read went back to them, failed at the same place, resumed
before the rows it had read and met them again, copying the same events into the fresh
store on every round (it looked like an INSERT that never returned). These tests damage
a real store's events b-tree the same way, deterministically, and bound the salvage with
a timeout so that a regression fails instead of hanging.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from itertools import islice
from pathlib import Path

from tests.threads import run_in_own_thread
from workshop.progress import STORE_FILENAME, ProgressStore
from workshop.progress.sqlite_salvage import readable_rows

EVENTS = 600
_INTERIOR_TABLE, _LEAF_TABLE = 0x05, 0x0D


def _varint(data: bytes, at: int) -> int:
    value = 0
    for index in range(9):
        byte = data[at + index]
        if index == 8:
            return (value << 8) | byte
        value = (value << 7) | (byte & 0x7F)
        if byte < 0x80:
            return value
    raise AssertionError("unreachable")


def _leaves(path: Path) -> tuple[int, list[tuple[int, int]]]:
    """The page size and the events table's leaves as (page number, highest rowid)."""
    with sqlite3.connect(path) as conn:
        root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'events'"
                            ).fetchone()[0]
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        last = conn.execute("SELECT max(id) FROM events").fetchone()[0]
    conn.close()
    data = path.read_bytes()
    page = data[(root - 1) * page_size:root * page_size]
    assert page[0] == _INTERIOR_TABLE, "the events table should span several leaves"
    cells = int.from_bytes(page[3:5], "big")
    leaves = []
    for index in range(cells):
        at = int.from_bytes(page[12 + 2 * index:14 + 2 * index], "big")
        leaves.append((int.from_bytes(page[at:at + 4], "big"), _varint(page, at + 4)))
    leaves.append((int.from_bytes(page[8:12], "big"), last))
    for number, _ in leaves:
        assert data[(number - 1) * page_size] == _LEAF_TABLE
    return page_size, leaves


def _store_with_misplaced_leaf(folder: Path) -> tuple[Path, set[int]]:
    """A stopped store whose events leaf 3 holds a copy of leaf 1 and leaf 4 is zeroed.

    Returns the file and the event ids a salvage can still read (every id but those of
    leaves 3 and 4).
    """
    store = ProgressStore(folder)
    code = store.create_learner("Ann").code
    store.close()
    path = folder / STORE_FILENAME
    start = datetime(2025, 3, 1, 9, tzinfo=UTC)
    with sqlite3.connect(path) as conn:
        conn.executemany(
            "INSERT INTO events (learner_code, stage_id, check_id, kind, at) "
            "VALUES (?, 'why', ?, 'attempt_failed', ?)",
            [(code, f"q{index % 3}",
              (start + timedelta(seconds=index)).isoformat(timespec="microseconds"))
             for index in range(EVENTS)])
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    page_size, leaves = _leaves(path)
    assert len(leaves) >= 5
    data = bytearray(path.read_bytes())

    def span(number: int) -> slice:
        return slice((number - 1) * page_size, number * page_size)

    data[span(leaves[2][0])] = data[span(leaves[0][0])]
    data[span(leaves[3][0])] = bytes(page_size)
    path.write_bytes(bytes(data))
    lost = range(leaves[1][1] + 1, leaves[3][1] + 1)
    return path, set(range(1, EVENTS + 1)) - set(lost)


def test_a_read_that_meets_rows_out_of_order_ends_and_returns_each_row_once(tmp_path):
    """The read goes past the misplaced copy of leaf 1 and the zeroed leaf to the rest."""
    path, readable = _store_with_misplaced_leaf(tmp_path)
    conn = sqlite3.connect(path)
    try:
        # Bounded: the old read cycled forever, yielding the first leaves again and again.
        ids = [row[0] for row in islice(readable_rows(conn, "events", "id"), 10 * EVENTS)]
    finally:
        conn.close()
    assert len(ids) == len(set(ids)), "a rowid was returned twice"
    assert set(ids) == readable


def test_a_store_damaged_so_is_salvaged_at_start_without_hanging(tmp_path):
    """Opening the damaged store moves it aside and copies every readable event, once."""
    _, readable = _store_with_misplaced_leaf(tmp_path)

    def reopen() -> ProgressStore:
        return ProgressStore(tmp_path)

    store = run_in_own_thread(reopen, timeout=60)
    assert len(store.warnings) == 1 and "moved aside" in store.warnings[0]
    events = store.events_since()
    assert len(events) == len(readable)
    assert {event.id for event in events} == readable
