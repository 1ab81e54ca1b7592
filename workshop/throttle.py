"""Slowing down code guessing for the whole room, not per browser session.

A new browser session (a new websocket) used to start with a clean slate, so a script found
a 4-digit instructor code in under two minutes. Failed tries now go into the progress
store (``ProgressStore.record_failure``), which every process of a room shares, and each
try first asks how long to wait:

- **Per client** (the address ``st.context`` reports, else ``unknown``): 1 s, 2 s, 4 s …
  up to 5 minutes after each failure in a 15-minute window (for resume codes, after 5
  free failures: learners mistype).
- **Room-wide**: after 10 failures in the window, at most one failure per second, whoever
  makes it, so many clients (or a spoofed address per try) still get at most 3,600
  guesses an hour. (The first few go unslowed, so a typo followed at once by the right
  code is not made to wait.)

While a wait is running the typed code is not compared at all. Each failure is logged
(logger ``workshop.throttle``, WARNING) with the client and the counts, never the code.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from workshop.progress.model import INSTRUCTOR_SCOPE, RESUME_SCOPE, RecentFailures

log = logging.getLogger(__name__)


class FailureStore(Protocol):
    """What the throttle needs from ``ProgressStore``."""

    def record_failure(self, scope: str, key: str | None = None) -> None:
        """Log one failed attempt."""

    def recent_failures(self, scope: str, window: timedelta,
                        key: str | None = None) -> RecentFailures:
        """Failed attempts in the last ``window``."""


@dataclass(frozen=True)
class Policy:
    """How fast one kind of code may be guessed.

    Attributes:
        scope: ``instructor`` or ``resume`` (the store keeps them apart).
        free_failures: failures per client in ``window`` before any wait.
        first_wait: seconds to wait after the first failure beyond the free ones.
        max_wait: the longest wait per client, in seconds.
        room_interval: seconds after any failure in the room before the next try, once
            the room has had ``room_free_failures`` in the window.
        room_free_failures: failures in the room in ``window`` before that interval applies.
        window: how far back failures count.
    """

    scope: str
    free_failures: int = 3
    first_wait: float = 1.0
    max_wait: float = 300.0
    room_interval: float = 1.0
    room_free_failures: int = 10
    window: timedelta = timedelta(minutes=15)

    def client_wait(self, failures: int) -> float:
        """The wait after a client's ``failures``-th failure in the window."""
        beyond = failures - self.free_failures
        if beyond <= 0:
            return 0.0
        return min(self.first_wait * 2 ** min(beyond - 1, 32), self.max_wait)

    def wait_seconds(self, client: RecentFailures, room: RecentFailures) -> float:
        """Seconds until the next try is allowed (0: now), from the two counts."""
        waits = [0.0]
        if client.seconds_since_last is not None:
            waits.append(self.client_wait(client.count) - client.seconds_since_last)
        if room.seconds_since_last is not None and room.count >= self.room_free_failures:
            waits.append(self.room_interval - room.seconds_since_last)
        return max(waits)


INSTRUCTOR = Policy(INSTRUCTOR_SCOPE, free_failures=0)
# Learners mistype their code more often than instructors do; the room-wide ceiling is
# what bounds guessing.
RESUME = Policy(RESUME_SCOPE, free_failures=5)


def seconds_to_wait(store: FailureStore, policy: Policy, key: str | None) -> float:
    """How long ``key`` must wait before its next try (0: it may try now)."""
    client = store.recent_failures(policy.scope, policy.window, key=key or "unknown")
    room = store.recent_failures(policy.scope, policy.window)
    return policy.wait_seconds(client, room)


def record_failure(store: FailureStore, policy: Policy, key: str | None) -> float:
    """Record and log one failed try; returns the wait it now imposes on ``key``."""
    store.record_failure(policy.scope, key or "unknown")
    client = store.recent_failures(policy.scope, policy.window, key=key or "unknown")
    room = store.recent_failures(policy.scope, policy.window)
    log.warning("Failed %s code attempt from %s: %d from this client and %d in the room "
                "in the last %d min.", policy.scope, key or "an unknown client",
                client.count, room.count, policy.window.total_seconds() // 60)
    return policy.wait_seconds(client, room)
