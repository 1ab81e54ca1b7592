"""The process's run gate (``workshop/run_gate.py``), for the router and the check fragments.

One gate per server process, made on first use with ``settings.run_slots()`` slots. The
router holds a slot for a whole page run; a check's fragment holds one for a press on that
check (a fragment rerun skips the router); the fresh-process demos give theirs up while
they wait for their child processes.
"""

from __future__ import annotations

import threading

from workshop import settings
from workshop.run_gate import RunGate

# The longest a run queues before it goes ahead anyway, in seconds. A burst of 200
# learners on two processes queues for about 1-2 s; a run stuck far longer than that must
# not hold the room up.
MAX_WAIT_SECONDS = 10.0

_gate: RunGate | None = None
_lock = threading.Lock()


def gate() -> RunGate:
    """This process's gate."""
    global _gate
    with _lock:
        if _gate is None:
            _gate = RunGate(settings.run_slots(), MAX_WAIT_SECONDS)
        return _gate


def slot(urgent: bool = False):
    """Hold one of the process's run slots for a ``with`` block (re-entrant).

    Args:
        urgent: a run that only answers a press on a check: it queues ahead of page loads.
    """
    return gate().slot(urgent)


def released():
    """Give this run's slot up for a ``with`` block that only waits on other processes."""
    return gate().released()
