"""The router and the check fragments queue for the process run slots (ui/run_slot.py)."""

from __future__ import annotations

import threading
import time

from tests.ui.helpers import new_app, open_page
from workshop import settings
from workshop.run_gate import RunGate
from workshop.ui import run_slot

WAIT = 60.0


def test_the_gate_is_made_once_per_process_with_the_configured_slots(monkeypatch):
    monkeypatch.setattr(run_slot, "_gate", None)
    monkeypatch.setenv(settings.RUN_SLOTS_ENV, "3")
    gate = run_slot.gate()
    assert gate.capacity == 3 and gate.max_wait == run_slot.MAX_WAIT_SECONDS
    assert run_slot.gate() is gate


def test_a_page_run_waits_for_a_free_slot_and_gives_it_back(monkeypatch):
    gate = RunGate(capacity=1, max_wait=WAIT)
    monkeypatch.setattr(run_slot, "_gate", gate)
    at = new_app()
    finished = threading.Event()

    def open_stage() -> None:
        open_page(at, "model")
        finished.set()

    with gate.slot():  # another learner's run holds the only slot
        runner = threading.Thread(target=open_stage, daemon=True)
        runner.start()
        deadline = time.monotonic() + WAIT
        while gate.queued == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert gate.queued == 1  # the page's run is waiting, in line
        time.sleep(0.2)
        assert not finished.is_set()
    runner.join(WAIT)
    assert finished.is_set() and not at.exception
    assert at.title[0].value.startswith("Stage 3")  # the whole page, checks included, drew
    assert at.button(key="model-seed-shopping-submit").label == "Submit"
    assert gate.in_use == 0 and gate.queued == 0 and gate.timed_out == 0
