"""One script run at a time in one server process, first come first served.

Streamlit runs each session's script in a thread of its own, and one process runs Python on
one core (the GIL). When a room arrives at once, a hundred runs share that core at the
same time, so every one of them takes about as long as the whole burst: the first learner
waits as long as the last. :class:`RunGate` queues the runs instead: :meth:`RunGate.slot`
around a script run waits for one of ``capacity`` slots, in the order the runs asked, so
each learner waits only for those who came before.

Measured on Stage 3 with 200 learners arriving over 5 s through ``workshop serve
--processes 2``, five rooms each, run back to back (the figures vary from room to room on
a 2-core machine): page load p95 3.1-5.0 s (median 4.2 s) with every run at once, 2.1-3.0 s
(median 2.5 s) with one slot per process (``scripts/load_room.py``; the README's table).

- A run that only answers a press (a check's fragment) is *urgent*: it goes ahead of the
  page loads waiting, behind other urgent ones. It is short, and its learner is already
  reading the page.
- The gate is re-entrant: a check's fragment inside a page run takes no second slot.
- No run waits longer than ``max_wait`` seconds: after that it goes ahead without a slot
  (a run that hangs must not stop the room).
- :meth:`RunGate.released` gives the slot up while a run only waits for other processes
  (the fresh-process demos), so that wait holds up no one else.

Plain Python (``threading``): the router and the check fragments call it through
``workshop/ui/run_slot.py``; the tests drive it with threads of their own.
"""

from __future__ import annotations

import collections
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class RunGate:
    """At most ``capacity`` holders at a time; the others wait in arrival order.

    Args:
        capacity: how many runs may hold a slot at once (at least 1).
        max_wait: the longest a run waits for a slot, in seconds, before it goes ahead
            without one.
    """

    def __init__(self, capacity: int, max_wait: float) -> None:
        self.capacity = max(1, int(capacity))
        self.max_wait = float(max_wait)
        self._lock = threading.Lock()
        self._free = self.capacity
        self._urgent: collections.deque[threading.Event] = collections.deque()
        self._waiting: collections.deque[threading.Event] = collections.deque()
        self._held = threading.local()  # per thread: depth of slot(), slot actually held
        self.waited = 0  # runs that had to queue (for benchmarks and tests)
        self.timed_out = 0  # runs that went ahead after max_wait without a slot

    def _acquire(self, urgent: bool = False) -> bool:
        """Wait for a slot in arrival order (urgent runs first); True when one was granted."""
        with self._lock:
            if self._free and not self._urgent and not self._waiting:
                self._free -= 1
                return True
            turn = threading.Event()
            line = self._urgent if urgent else self._waiting
            line.append(turn)
            self.waited += 1
        if turn.wait(self.max_wait):
            return True
        with self._lock:
            if turn.is_set():  # handed over just as the wait ran out
                return True
            line.remove(turn)
            self.timed_out += 1
            return False

    def _release(self) -> None:
        """Hand the slot to the longest-waiting urgent run, else the longest waiter, or free it."""
        with self._lock:
            if self._urgent:
                self._urgent.popleft().set()
            elif self._waiting:
                self._waiting.popleft().set()
            else:
                self._free += 1

    @contextmanager
    def slot(self, urgent: bool = False) -> Iterator[None]:
        """Hold a slot for the ``with`` block; nested calls in one thread take no second one.

        Args:
            urgent: queue ahead of the runs that are not (a press on a check).
        """
        depth = getattr(self._held, "depth", 0)
        if depth:
            self._held.depth = depth + 1
            try:
                yield
            finally:
                self._held.depth -= 1
            return
        self._held.holding = self._acquire(urgent)
        self._held.depth = 1
        try:
            yield
        finally:
            self._held.depth = 0
            if self._held.holding:
                self._held.holding = False
                self._release()

    @contextmanager
    def released(self) -> Iterator[None]:
        """Give this thread's slot up for the ``with`` block (a wait on other processes).

        Afterwards the thread queues for a slot again as an urgent run: it is half done,
        and finishing it first frees its memory and its learner soonest. Outside
        :meth:`slot`, or when the run went ahead without a slot, it does nothing.
        """
        if not getattr(self._held, "holding", False):
            yield
            return
        self._held.holding = False
        self._release()
        try:
            yield
        finally:
            self._held.holding = self._acquire(urgent=True)

    @property
    def in_use(self) -> int:
        """Slots held right now."""
        with self._lock:
            return self.capacity - self._free

    @property
    def queued(self) -> int:
        """Runs waiting for a slot right now."""
        with self._lock:
            return len(self._urgent) + len(self._waiting)
