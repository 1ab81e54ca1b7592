"""The run gate: a few holders at a time, the rest served in arrival order."""

from __future__ import annotations

import threading
import time

import pytest

from workshop.run_gate import RunGate

WAIT = 5.0  # the longest any step here waits for a thread


def _wait_until(condition, timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.005)


def _holder(gate: RunGate, name: str, order: list, release: threading.Event,
            urgent: bool = False) -> threading.Thread:
    """A thread that takes a slot, notes its name, and holds the slot until ``release``."""

    def run() -> None:
        with gate.slot(urgent):
            order.append(name)
            release.wait(WAIT)

    thread = threading.Thread(target=run, name=name, daemon=True)
    thread.start()
    return thread


def test_at_most_capacity_hold_a_slot_and_the_rest_are_served_in_arrival_order():
    gate = RunGate(capacity=2, max_wait=WAIT)
    order: list[str] = []
    releases = {name: threading.Event() for name in "abcde"}
    threads = {}
    for count, name in enumerate("abcde", 1):
        threads[name] = _holder(gate, name, order, releases[name])
        # Each arrives only once the one before is holding or queued: a known arrival order.
        _wait_until(lambda count=count: gate.in_use + gate.queued == count)
    assert order == ["a", "b"] and gate.in_use == 2 and gate.queued == 3
    releases["b"].set()
    _wait_until(lambda: order == ["a", "b", "c"])
    releases["a"].set()
    _wait_until(lambda: order == ["a", "b", "c", "d"])
    releases["c"].set()
    releases["d"].set()
    releases["e"].set()
    for thread in threads.values():
        thread.join(WAIT)
    assert order == ["a", "b", "c", "d", "e"]
    assert gate.in_use == 0 and gate.queued == 0 and gate.waited == 3


def test_urgent_runs_go_ahead_of_page_loads_and_keep_their_own_order():
    gate = RunGate(capacity=1, max_wait=WAIT)
    order: list[str] = []
    release = threading.Event()
    first = _holder(gate, "first", order, release)
    _wait_until(lambda: gate.in_use == 1)
    arrivals = [("page-1", False), ("press-1", True), ("page-2", False), ("press-2", True)]
    threads = []
    for count, (name, urgent) in enumerate(arrivals, 1):
        threads.append(_holder(gate, name, order, release, urgent=urgent))
        _wait_until(lambda count=count: gate.queued == count)
    release.set()
    for thread in (first, *threads):
        thread.join(WAIT)
    assert order == ["first", "press-1", "press-2", "page-1", "page-2"]


def test_a_nested_slot_in_one_thread_takes_no_second_slot():
    gate = RunGate(capacity=1, max_wait=0.2)
    with gate.slot():
        with gate.slot():  # a check's fragment inside the page's run
            assert gate.in_use == 1
        assert gate.in_use == 1
    assert gate.in_use == 0 and gate.waited == 0 and gate.timed_out == 0


def test_the_slot_is_given_back_when_the_run_raises():
    gate = RunGate(capacity=1, max_wait=0.2)
    with pytest.raises(RuntimeError), gate.slot():
        raise RuntimeError("a rerun or a stop is an exception too")
    assert gate.in_use == 0
    with gate.slot():  # free at once: no wait
        pass
    assert gate.waited == 0


def test_a_run_that_waits_too_long_goes_ahead_without_a_slot_and_frees_nothing():
    gate = RunGate(capacity=1, max_wait=0.1)
    release = threading.Event()
    stuck = _holder(gate, "stuck", [], release)
    _wait_until(lambda: gate.in_use == 1)
    started = time.monotonic()
    with gate.slot():
        assert time.monotonic() - started >= 0.1
        assert gate.in_use == 1  # still only the stuck run's
    assert gate.timed_out == 1 and gate.in_use == 1 and gate.queued == 0
    release.set()
    stuck.join(WAIT)
    assert gate.in_use == 0


def test_released_lets_a_waiting_run_in_while_this_one_waits_on_other_processes():
    gate = RunGate(capacity=1, max_wait=WAIT)
    order: list[str] = []
    release = threading.Event()
    with gate.slot():
        waiter = _holder(gate, "waiter", order, release)
        _wait_until(lambda: gate.queued == 1)
        with gate.released():
            _wait_until(lambda: order == ["waiter"])  # it got the slot we gave up
            release.set()
        # Back in the slot once the waiter is done.
        assert gate.in_use == 1
    waiter.join(WAIT)
    assert gate.in_use == 0 and gate.queued == 0


def test_released_outside_a_slot_does_nothing():
    gate = RunGate(capacity=1, max_wait=0.1)
    with gate.released():
        assert gate.in_use == 0
    assert gate.in_use == 0


def test_capacity_is_at_least_one():
    assert RunGate(capacity=0, max_wait=1).capacity == 1
