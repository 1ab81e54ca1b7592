"""Run a piece of test code in a thread of its own, returning its result or raising its error.

Why: the browser tests keep one Playwright (and so one running asyncio event loop) in the
main thread for the whole session, and neither ``asyncio.run`` nor Playwright's sync API may
start inside a running loop. A new thread has no loop.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def run_in_own_thread(work: Callable[[], T], timeout: float = 600.0) -> T:
    """Call ``work()`` in a new thread and wait for it; its exception is raised here."""
    outcome: dict[str, object] = {}

    def target() -> None:
        try:
            outcome["value"] = work()
        except BaseException as error:  # re-raised in the caller's thread
            outcome["error"] = error

    thread = threading.Thread(target=target, name="test-own-thread", daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        raise TimeoutError(f"the test's work did not finish within {timeout} s")
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["value"]  # type: ignore[return-value]
