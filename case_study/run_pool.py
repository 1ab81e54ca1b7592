"""A process-wide pool of real runs this process has made: opening a page never trains.

Why: the irreproducible demos show runs of training code without seeds. Training them for
every learner who opens the page cost the server 0.2 s of CPU a run, and a room of learners
opening the page together queued behind each other. The runs stay real — every one was
trained by this process, unseeded, and is never replayed from a file — but a learner who
opens the page is shown the latest runs the server already made, labelled as such, and only
pays for training when they ask for a run of their own ("Run again"). Those runs are added
to the pool, so later learners see real variety, not the same few runs for ever.

:class:`RunPool` is thread-safe. :meth:`RunPool.ensure` is single-flight: when the pool has
fewer runs than asked for, exactly one caller trains the missing ones while every other
caller waits for that flight (and gets its error, if it fails) instead of training too.
Each run is a :class:`PooledRun`: its value, its number in this process, who it was made
for (:data:`SERVER` or :data:`LEARNER`), when, and how long training took.

Plain Python, no Streamlit: a stage module owns its pool (for example
``case_study.stage3_model.UNSEEDED_POOL``) and a UI decides how to label the runs.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")

# Who a run was made for: the server on its own (the warm-up, or the first page to need a
# run on a fresh server), or a learner who asked for one ("Run again").
SERVER = "server"
LEARNER = "learner"
MADE_FOR = (SERVER, LEARNER)


@dataclass(frozen=True)
class PooledRun(Generic[T]):
    """One real run this process made.

    Attributes:
        number: 1, 2, … in the order this pool received its runs.
        value: what the training returned (for example a ``RunPoint``).
        made_for: :data:`SERVER` or :data:`LEARNER`.
        made_at: when the run finished (``time.time()``).
        seconds: how long the training took (wall clock).
    """

    number: int
    value: T
    made_for: str
    made_at: float
    seconds: float

    @property
    def made_at_text(self) -> str:
        """The local time the run finished, as ``HH:MM:SS``."""
        return time.strftime("%H:%M:%S", time.localtime(self.made_at))


class RunPool(Generic[T]):
    """The latest runs of one training, shared by every session of this process.

    Args:
        train: trains once and returns the run's value; called without arguments, from
            whichever thread fills the pool.
        name: what the pool holds, for messages.
        capacity: how many of the latest runs are kept (older ones are dropped).
    """

    def __init__(self, train: Callable[[], T], *, name: str, capacity: int = 200) -> None:
        if capacity < 1:
            raise ValueError(f"A run pool keeps at least 1 run; got capacity={capacity}.")
        self.name = name
        self._train = train
        self._runs: deque[PooledRun[T]] = deque(maxlen=capacity)
        self._changed = threading.Condition(threading.Lock())
        self._numbered = 0
        self._trainings = 0
        self._filling = False
        self._flight = 0  # flights started so far; a failed one leaves its error here
        self._flight_errors: dict[int, BaseException] = {}
        self._background: threading.Thread | None = None

    def __len__(self) -> int:
        with self._changed:
            return len(self._runs)

    @property
    def trainings(self) -> int:
        """How many times the pool itself has trained (runs added with :meth:`add` aside)."""
        return self._trainings

    @property
    def filling(self) -> bool:
        """True while a flight is training runs for the pool."""
        return self._filling

    def latest(self, n: int) -> list[PooledRun[T]]:
        """The latest ``n`` runs (fewer if the pool has fewer), oldest first; never trains."""
        with self._changed:
            return self._latest(n)

    def _latest(self, n: int) -> list[PooledRun[T]]:
        return list(self._runs)[-n:] if n > 0 else []

    def add(self, value: T, made_for: str = LEARNER, seconds: float = 0.0) -> PooledRun[T]:
        """Record a run trained elsewhere (a learner's "Run again") so later learners see it.

        Args:
            value: the run.
            made_for: :data:`LEARNER` (default) or :data:`SERVER`.
            seconds: how long its training took.

        Returns:
            The run as the pool keeps it.
        """
        if made_for not in MADE_FOR:
            raise ValueError(f"made_for must be one of {MADE_FOR}; got {made_for!r}.")
        with self._changed:
            run = self._append(value, made_for, seconds)
            self._changed.notify_all()
            return run

    def _append(self, value: T, made_for: str, seconds: float) -> PooledRun[T]:
        self._numbered += 1
        run = PooledRun(self._numbered, value, made_for, time.time(), round(seconds, 4))
        self._runs.append(run)
        return run

    def ensure(self, n: int) -> list[PooledRun[T]]:
        """The latest ``n`` runs, training the missing ones first (single flight).

        When the pool already holds ``n`` runs this returns at once and trains nothing. When
        it holds fewer, one caller trains (as :data:`SERVER`) until it holds ``n``; every
        caller arriving meanwhile waits for that flight rather than training as well, and if
        the flight fails, each of them raises its error.

        Args:
            n: how many runs are needed (at most the pool's capacity).

        Returns:
            The latest ``n`` runs, oldest first.
        """
        n = min(n, self._runs.maxlen or n)
        with self._changed:
            while len(self._runs) < n and self._filling:
                waited_for = self._flight
                self._changed.wait()
                if waited_for in self._flight_errors and len(self._runs) < n:
                    raise self._flight_errors[waited_for]
            if len(self._runs) >= n:
                return self._latest(n)
            self._filling = True
            self._flight += 1
            flight = self._flight
        try:
            self._fill(n)
        except BaseException as error:
            with self._changed:
                self._flight_errors = {flight: error}
                raise
        finally:
            with self._changed:
                self._filling = False
                self._changed.notify_all()
        return self.latest(n)

    def _fill(self, n: int) -> None:
        while len(self) < n:
            started = time.perf_counter()
            value = self._train()
            seconds = time.perf_counter() - started
            with self._changed:
                self._trainings += 1
                self._append(value, SERVER, seconds)
                self._changed.notify_all()

    def fill_in_background(self, n: int) -> threading.Thread | None:
        """Start training up to ``n`` runs in a daemon thread.

        Nothing starts when the pool holds ``n`` runs already or a background fill is still
        running.

        Args:
            n: how many runs the pool should hold.

        Returns:
            The thread started (join it to wait), or None when nothing was started.
        """
        with self._changed:
            if len(self._runs) >= n or (self._background and self._background.is_alive()):
                return None
            self._background = threading.Thread(
                target=self._ensure_quietly, args=(n,), name=f"run-pool {self.name}", daemon=True
            )
            self._background.start()
            return self._background

    def _ensure_quietly(self, n: int) -> None:
        try:
            self.ensure(n)
        except Exception:  # noqa: BLE001 — the page that needs the runs raises it again
            return

    def clear(self) -> None:
        """Forget every run (for tests and benchmarks that need an empty pool)."""
        with self._changed:
            self._runs.clear()
            self._flight_errors = {}
