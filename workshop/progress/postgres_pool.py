"""PostgreSQL connections for the progress store: a small pool, and the database URL.

``Pool`` lends each idle connection to one thread at a time and drops any connection that
is not idle when it comes back; ``parse_url`` checks ``WORKSHOP_DATABASE_URL`` without
ever repeating it (it may hold a password).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable

import psycopg
from psycopg import pq
from psycopg.conninfo import conninfo_to_dict

from workshop.errors import ProgressStoreError
from workshop.settings import DATABASE_URL_ENV

# Idle connections kept for reuse (opening one costs a few round trips and a fork on the
# server); more threads than this at once simply open more.
POOL_SIZE = 8


def close(conn: psycopg.Connection) -> None:
    """Close ``conn``, ignoring errors (it may already be broken)."""
    # After any failure a connection is not trusted again; closing it rolls back.
    with contextlib.suppress(psycopg.Error):
        conn.close()


class Pool:
    """Idle connections for reuse, each lent to one thread at a time."""

    def __init__(self, connect: Callable[[], psycopg.Connection]) -> None:
        self._connect = connect
        self._idle: list[psycopg.Connection] = []
        self._lock = threading.Lock()

    def borrow(self) -> psycopg.Connection:
        """An idle connection, else a new one."""
        with self._lock:
            if self._idle:
                return self._idle.pop()
        return self._connect()

    def give_back(self, conn: psycopg.Connection) -> None:
        """Keep ``conn`` for reuse if it is idle and the pool has room; else close it."""
        if conn.closed or conn.info.transaction_status != pq.TransactionStatus.IDLE:
            close(conn)
            return
        with self._lock:
            if len(self._idle) < POOL_SIZE:
                self._idle.append(conn)
                return
        close(conn)

    def clear(self) -> None:
        """Close every idle connection."""
        with self._lock:
            idle, self._idle = self._idle, []
        for conn in idle:
            close(conn)


def parse_url(url: str) -> dict[str, str]:
    """The connection parameters of a PostgreSQL URL.

    Raises:
        ProgressStoreError: it is not a PostgreSQL URL (the text is not repeated).
    """
    try:
        params = conninfo_to_dict(url)
    except psycopg.Error:
        params = None
    ports = str((params or {}).get("port") or "5432").split(",")
    if (not url.startswith(("postgresql://", "postgres://")) or params is None
            or not all(port.isdigit() and 0 < int(port) < 65536 for port in ports)):
        # The text is not repeated: it may hold a password.
        raise ProgressStoreError(
            f"Expected {DATABASE_URL_ENV} to be a PostgreSQL URL like "
            "postgresql://user:password@host:5432/workshop, but it is not one (not shown: "
            "it may hold a password). Fix the variable, or unset it to use SQLite."
        )
    return {key: str(value) for key, value in params.items() if value is not None}
