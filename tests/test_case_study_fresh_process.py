"""Fresh processes: at most two comparisons at once, clear errors when a worker cannot run."""

from __future__ import annotations

import sys
import threading
import time

import pytest

from case_study import errors, fresh_process, stage3_model


def _free_slots() -> int:
    """How many fresh-process comparisons could start right now (taken back at once)."""
    taken = 0
    while taken < fresh_process.MAX_CONCURRENT_COMPARISONS + 1 and (
        fresh_process._COMPARISON_SLOTS.acquire(timeout=0)
    ):
        taken += 1
    for _ in range(taken):
        fresh_process._COMPARISON_SLOTS.release()
    return taken


def test_a_busy_server_makes_a_comparison_wait_then_says_try_again(monkeypatch):
    """With every slot taken, a comparison waits its bounded time and then says so plainly."""
    monkeypatch.setattr(
        fresh_process.subprocess,
        "Popen",
        lambda *a, **k: pytest.fail("started a process while busy"),
    )
    held = [
        fresh_process._COMPARISON_SLOTS.acquire(timeout=5)
        for _ in range(fresh_process.MAX_CONCURRENT_COMPARISONS)
    ]
    try:
        assert all(held)
        started = time.perf_counter()
        with pytest.raises(
            errors.FreshProcessError, match="The server is busy, try again in a moment"
        ):
            fresh_process.train_in_fresh_processes(stage3_model.REPRODUCIBLE, wait=0.2)
        assert 0.2 <= time.perf_counter() - started < 2
    finally:
        for _ in held:
            fresh_process._COMPARISON_SLOTS.release()
    assert _free_slots() == fresh_process.MAX_CONCURRENT_COMPARISONS


def test_a_process_that_cannot_start_is_a_fresh_process_error(monkeypatch, tmp_path):
    """Out of processes (or no interpreter): a FreshProcessError, and the slot is given back."""
    monkeypatch.setattr(
        fresh_process, "worker_command",
        lambda practices, seed, worker_module: [str(tmp_path / "no-such-python")],
    )
    with pytest.raises(errors.FreshProcessError, match="Could not start a fresh Python process"):
        fresh_process.train_in_fresh_processes(stage3_model.REPRODUCIBLE)
    assert _free_slots() == fresh_process.MAX_CONCURRENT_COMPARISONS


_COUNTING_WORKER = r"""
import json, os, pathlib, sys, time
folder = pathlib.Path(sys.argv[1])
me = folder / f"{os.getpid()}.live"
me.touch()
time.sleep(1.0)
with open(folder / "live-counts.log", "a") as log:
    log.write(f"{len(list(folder.glob('*.live')))}\n")
me.unlink()
print(json.dumps({"model_sha256": "0" * 64, "predictions_sha256": "0" * 64, "roc_auc": 0.5,
                  "feature_order_head": [], "version_mismatches": None, "seconds": 1.0}))
"""


@pytest.mark.slow
def test_a_room_clicking_at_once_runs_at_most_two_pairs_of_processes(monkeypatch, tmp_path):
    """Four learners press "run" together: never more than two comparisons (four processes) live."""
    monkeypatch.setattr(
        fresh_process, "worker_command",
        lambda practices, seed, worker_module: [
            sys.executable,
            "-c",
            _COUNTING_WORKER,
            str(tmp_path),
        ],
    )
    errors = []

    def learner():
        try:
            assert fresh_process.train_in_fresh_processes(
                stage3_model.REPRODUCIBLE, wait=60
            ).hashes_match
        except BaseException as error:  # reported below, in the test's own thread
            errors.append(error)

    threads = [threading.Thread(target=learner) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    counts = [int(line) for line in (tmp_path / "live-counts.log").read_text().split()]
    assert len(counts) == 8  # every learner's two processes ran
    assert max(counts) <= 2 * fresh_process.MAX_CONCURRENT_COMPARISONS
    assert max(counts) > 2  # and two comparisons did run side by side
    assert _free_slots() == fresh_process.MAX_CONCURRENT_COMPARISONS
