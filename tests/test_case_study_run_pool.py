"""The pool of real runs the server shares: runs are real trainings, filling is single
flight across threads, and each run says whom it was made for."""

from __future__ import annotations

import threading
import time

import pytest

from case_study import run_pool
from case_study.run_pool import LEARNER, SERVER, RunPool


def _counting_pool(seconds: float = 0.05, capacity: int = 200):
    calls = []
    lock = threading.Lock()

    def train():
        time.sleep(seconds)  # long enough for every thread to arrive during the flight
        with lock:
            calls.append(threading.current_thread().name)
            return len(calls)

    return RunPool(train, name="test", capacity=capacity), calls


def test_unseeded_runs_from_the_stage3_pool_are_real_and_distinct():
    """Each pooled Stage 3 run is a real unseeded training: new model hash every time."""
    from case_study import stage3_model as s3

    pool = RunPool(s3._server_unseeded_run, name="stage 3, test")
    runs = pool.ensure(3)
    assert [r.number for r in runs] == [1, 2, 3]
    assert pool.trainings == 3
    assert len({r.value.model_sha256 for r in runs}) == 3
    assert all(r.made_for == SERVER and r.value.pipeline == "irreproducible" for r in runs)
    assert pool.ensure(3) == runs  # already there: nothing trained
    assert pool.trainings == 3


def test_many_threads_asking_for_the_first_runs_train_them_once():
    """200 learners arriving at a fresh server together: one flight trains, all get its runs."""
    pool, calls = _counting_pool()
    results, errors = [], []
    start = threading.Barrier(50)

    def learner():
        start.wait()
        try:
            results.append([r.number for r in pool.ensure(3)])
        except Exception as error:  # noqa: BLE001
            errors.append(error)

    threads = [threading.Thread(target=learner) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(calls) == 3 and pool.trainings == 3
    assert len(set(calls)) == 1  # one thread did all the training
    assert results == [[1, 2, 3]] * 50


def test_a_failed_flight_fails_its_waiters_without_each_retraining():
    """If the one training fails, everyone waiting on it gets the error; the next caller
    after the flight tries again."""
    attempts = []

    def broken():
        attempts.append(1)
        time.sleep(0.05)
        raise RuntimeError("the data file changed")

    pool = RunPool(broken, name="broken")
    errors = []
    start = threading.Barrier(10)

    def learner():
        start.wait()
        try:
            pool.ensure(1)
        except RuntimeError as error:
            errors.append(str(error))

    threads = [threading.Thread(target=learner) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == ["the data file changed"] * 10
    assert len(attempts) < 10  # the waiters did not each train
    with pytest.raises(RuntimeError):
        pool.ensure(1)


def test_runs_say_whom_they_were_made_for_and_when():
    """Runs the pool trains are the server's; runs added for a learner are the learner's."""
    pool, _ = _counting_pool(seconds=0)
    (server,) = pool.ensure(1)
    mine = pool.add("learner's run", made_for=LEARNER, seconds=0.2)
    assert (server.made_for, mine.made_for) == (SERVER, LEARNER)
    assert mine.number == 2 and mine.seconds == 0.2
    assert pool.latest(5) == [server, mine]
    assert pool.latest(1) == [mine]
    assert len(mine.made_at_text) == 8 and mine.made_at_text.count(":") == 2
    with pytest.raises(ValueError):
        pool.add("x", made_for="somebody")


def test_the_pool_keeps_only_its_latest_runs():
    pool, _ = _counting_pool(seconds=0, capacity=3)
    for value in range(5):
        pool.add(value)
    assert [r.value for r in pool.latest(10)] == [2, 3, 4]
    assert pool.ensure(5) == pool.latest(3)  # asking beyond the capacity trains nothing
    assert pool.trainings == 0


def test_a_background_fill_starts_once_and_trains_what_is_missing():
    pool, calls = _counting_pool(seconds=0.02)
    thread = pool.fill_in_background(2)
    assert thread is not None
    assert pool.fill_in_background(2) is None  # already filling
    thread.join()
    assert len(pool) == 2 and len(calls) == 2
    assert pool.fill_in_background(2) is None  # nothing missing


def test_the_stage_pools_are_plain_python():
    """The pools live in the case study, which never imports Streamlit or the workshop."""
    source = run_pool.__file__
    text = open(source, encoding="utf-8").read()
    assert "streamlit" not in text and "workshop" not in text
