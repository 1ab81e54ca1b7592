"""The instructor gate: which code is configured, a constant-time compare, and a throttle
whose wait doubles after every wrong code up to a cap."""

from __future__ import annotations

import hmac

import pytest

from workshop import instructor_gate as instructor
from workshop.instructor_gate import (
    ENV_VAR,
    MAX_WAIT_SECONDS,
    Throttle,
    check_code,
    configured_code,
    try_code,
    wait_after,
)


class FakeClock:
    """A clock a test moves by hand."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_no_code_configured_means_none(monkeypatch):
    """A learner's laptop with no code set has no instructor mode at all."""
    monkeypatch.delenv(ENV_VAR, raising=False)
    assert configured_code() is None
    assert configured_code(environ={}) is None
    assert configured_code(secret="   ", environ={ENV_VAR: ""}) is None


def test_code_comes_from_environment_then_secrets(monkeypatch):
    """The instructor sets the code in the environment or in Streamlit secrets."""
    monkeypatch.setenv(ENV_VAR, "  room-42\n")
    assert configured_code() == "room-42"
    assert configured_code(secret="from-secrets") == "room-42"
    assert configured_code(secret="from-secrets", environ={}) == "from-secrets"


def test_check_code_uses_constant_time_compare(monkeypatch):
    """A guess that is nearly right takes as long to reject as one that is far off."""
    calls = []
    real_compare = hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return real_compare(a, b)

    monkeypatch.setattr(instructor.hmac, "compare_digest", spy)
    assert check_code("open-sesame", "open-sesame") is True
    assert check_code("open-sesamE", "open-sesame") is False
    assert calls == [
        (b"open-sesame", b"open-sesame"),
        (b"open-sesamE", b"open-sesame"),
    ]


def test_check_code_never_matches_when_no_code_is_configured():
    """An empty or missing configured code unlocks nothing, not even an empty guess."""
    assert check_code("", None) is False
    assert check_code("", "") is False
    assert check_code(None, "code") is False
    assert check_code(" code ", "code") is True


def test_wait_doubles_after_each_wrong_code_and_is_capped():
    """Guessing gets slow fast: 1 s, 2 s, 4 s … never more than a minute."""
    assert [wait_after(n) for n in range(0, 9)] == [0, 1, 2, 4, 8, 16, 32, 60, 60]
    assert wait_after(10_000) == MAX_WAIT_SECONDS


def test_throttle_refuses_to_check_while_waiting_and_doubles_on_failure():
    """Hammering the button during the wait guesses nothing; each wrong try waits longer."""
    clock = FakeClock()
    throttle = Throttle()
    waits = []
    for _ in range(4):
        attempt = try_code("wrong", "right", throttle, clock)
        assert attempt.checked and not attempt.unlocked
        waits.append(attempt.wait_seconds)
        throttle = attempt.throttle
        # The right code during the wait is not even compared.
        early = try_code("right", "right", throttle, clock)
        assert not early.checked and not early.unlocked
        assert early.wait_seconds == pytest.approx(attempt.wait_seconds)
        clock.now += attempt.wait_seconds
    assert waits == [1, 2, 4, 8]
    attempt = try_code("right", "right", throttle, clock)
    assert attempt.unlocked and attempt.throttle == Throttle()


def test_throttle_wait_is_capped_at_sixty_seconds():
    """After many wrong codes the wait stays at one minute."""
    clock = FakeClock()
    throttle = Throttle()
    for _ in range(12):
        attempt = try_code("wrong", "right", throttle, clock)
        throttle = attempt.throttle
        clock.now += attempt.wait_seconds
    assert attempt.wait_seconds == MAX_WAIT_SECONDS
    assert throttle.seconds_left(clock.now - 1) == pytest.approx(1)


def test_code_comes_from_the_secrets_file_through_settings(tmp_path):
    """With no environment variable and no secret given, the secrets file is read (the one
    place that reads it is workshop.settings)."""
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('instructor_code = " from-file "\n', encoding="utf-8")
    assert configured_code(environ={}, files=(secrets,)) == "from-file"
    assert configured_code(secret="given", environ={}, files=(secrets,)) == "given"
    assert configured_code(environ={ENV_VAR: "env"}, files=(secrets,)) == "env"
    assert configured_code(environ={}, files=(tmp_path / "missing.toml",)) is None


# --- finding 2: the code's strength ----------------------------------------------------------

def test_a_code_shorter_than_ten_characters_is_refused_with_the_setting_named():
    from workshop.instructor_gate import MIN_CODE_LENGTH, strong_code, weak_code_problem

    assert MIN_CODE_LENGTH == 10
    problem = weak_code_problem("1234")
    assert problem and ENV_VAR in problem and "4 characters" in problem
    assert "1234" not in problem  # the message never repeats the code
    assert weak_code_problem(" 123456789 ") is not None
    assert weak_code_problem("1234567890") is None
    assert weak_code_problem(None) is None
    suggestions = {strong_code() for _ in range(20)}
    assert len(suggestions) == 20  # fresh every time
    assert all(len(code) == 16 and weak_code_problem(code) is None for code in suggestions)


def test_a_short_code_never_unlocks_even_when_typed_right(tmp_path):
    from workshop.instructor_gate import try_code_shared
    from workshop.progress import ProgressStore

    attempt = try_code_shared("1234", "1234", ProgressStore(tmp_path), "10.0.0.1")
    assert not attempt.unlocked


def test_serve_prints_a_loud_warning_with_a_strong_code(monkeypatch):
    from workshop.serve import instructor_code_warning

    assert instructor_code_warning({ENV_VAR: "a-long-enough-code"}) is None
    warning = instructor_code_warning({ENV_VAR: "1234"})
    assert warning.startswith("WARNING:") and f"{ENV_VAR}=" in warning
    suggested = warning.rsplit(f"{ENV_VAR}=", 1)[1].strip()
    assert len(suggested) == 16
