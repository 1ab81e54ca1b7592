"""Findings 2 and 4 of "Safe by default": code guessing is slowed down for the whole room.

The issue measured 45 instructor-code guesses per second (a 4-digit code found in 110 s)
and 72-76 resume-code guesses per second, because the slow-down lived in each browser
session and a new websocket started fresh. Failures now live in the progress store, which
every session and process of a room shares; these tests drive the throttle with a fake
clock on a real store, as a script opening a new session per guess would."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest

from workshop import throttle
from workshop.instructor_gate import try_code_shared
from workshop.learners import CODE_ALPHABET, CODE_LENGTH
from workshop.progress import ProgressStore
from workshop.progress.model import RecentFailures
from workshop.room import CODE_PREFIX

T0 = datetime(2025, 3, 1, 9, 0, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def room(tmp_path):
    clock = Clock()
    return ProgressStore(tmp_path, now=clock), clock


def test_the_policy_waits_per_client_and_for_the_room():
    policy = throttle.Policy("instructor", free_failures=3, first_wait=1, max_wait=300,
                             room_interval=1, room_free_failures=10)
    assert [policy.client_wait(n) for n in range(0, 14)] == [
        0, 0, 0, 0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 300]
    assert policy.client_wait(10_000) == 300
    nobody = RecentFailures(0, None)
    assert policy.wait_seconds(nobody, nobody) == 0
    # Someone else failed 0.25 s ago, the room's 10th: everyone waits out the second.
    assert policy.wait_seconds(nobody, RecentFailures(10, 0.25)) == pytest.approx(0.75)
    assert policy.wait_seconds(nobody, RecentFailures(9, 0.25)) == 0  # a typo is free
    assert policy.wait_seconds(RecentFailures(6, 3.0), RecentFailures(9, 3.0)) == 1.0


def _brute_force(store, clock, seconds: float, guesses_per_second: float,
                 code: str, clients: int = 1) -> tuple[int, bool]:
    """A script that opens a new session per guess (no session state survives) and
    rotates over ``clients`` addresses; returns (codes actually compared, unlocked)."""
    compared, step, guess = 0, 1 / guesses_per_second, 0
    for tick in range(int(seconds * guesses_per_second)):
        attempt = try_code_shared(f"{guess:04d}", code, store, f"10.0.0.{tick % clients}")
        if attempt.checked:
            compared += 1
            guess += 1
        if attempt.unlocked:
            return compared, True
        clock.advance(step)
    return compared, False


def test_the_issues_brute_force_now_gets_one_guess_a_second_at_most(room):
    """The reproduction: 45 guesses/s from fresh sessions. In the 110 s that found a
    4-digit code before, at most 110 codes (after 10 free ones) are compared now,
    however many clients."""
    store, clock = room
    compared, unlocked = _brute_force(store, clock, 110, 45, "9999-not-reached", clients=50)
    assert not unlocked
    assert compared <= 10 + 111
    # One client alone is slowed much further by its own doubling wait.
    lone_clock = Clock()
    lone_store = ProgressStore(store.data_dir / "other", now=lone_clock)
    lone, _ = _brute_force(lone_store, lone_clock, 110, 45, "9999-not-reached")
    assert lone <= 8  # waits of 1, 2, 4, 8, 16, 32, 64 s after each failure


def test_a_new_session_and_another_process_do_not_reset_the_wait(room, tmp_path):
    """The wait is in the store: another ProgressStore on the same folder (another
    process of `workshop serve`) sees it, and so does any new session."""
    store, clock = room
    for _ in range(2):  # waits of 1 s, then 2 s
        try_code_shared("wrong", "the-real-code-123", store, "10.0.0.9")
        clock.advance(1.01)
    other_process = ProgressStore(tmp_path, now=clock)
    assert throttle.seconds_to_wait(other_process, throttle.INSTRUCTOR, "10.0.0.9") > 0
    attempt = try_code_shared("the-real-code-123", "the-real-code-123", other_process,
                              "10.0.0.9")
    assert not attempt.checked and not attempt.unlocked
    clock.advance(attempt.wait_seconds)
    assert try_code_shared("the-real-code-123", "the-real-code-123", other_process,
                           "10.0.0.9").unlocked


def test_failures_are_logged_without_the_code(room, caplog):
    store, clock = room
    with caplog.at_level(logging.WARNING, logger="workshop.throttle"):
        try_code_shared("s3cret-guess-text", "the-real-code-123", store, "10.0.0.9")
    assert "Failed instructor code attempt from 10.0.0.9" in caplog.text
    assert "s3cret-guess-text" not in caplog.text
    assert "the-real-code-123" not in caplog.text


def test_what_the_ceiling_means_for_the_codes():
    """The figures docs/SECURITY.md gives: at one failed guess per second for the room,
    a 10-character instructor code and the hidden part of a resume code."""
    year = 365 * 24 * 3600
    ceiling = 1 / throttle.INSTRUCTOR.room_interval
    assert ceiling == 1 / throttle.RESUME.room_interval == 1.0
    four_digits = 10**4 / 2 / ceiling
    assert four_digits < 3 * 3600  # why codes under 10 characters are refused
    ten_lowercase = 26**10 / 2 / ceiling
    assert ten_lowercase > 2_000_000 * year
    hidden = len(CODE_ALPHABET) ** (CODE_LENGTH - CODE_PREFIX)
    assert hidden == 31**6
    assert hidden / 2 / ceiling > 14 * year  # one learner, knowing the shown characters
    assert len(CODE_ALPHABET) ** CODE_LENGTH / 100 / ceiling > 250 * year  # any of 100
