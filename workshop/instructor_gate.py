"""The instructor gate: the code that unlocks instructor mode, and a slow guess.

Which code is configured (read through ``workshop.settings``: the environment, else the
secrets file), a constant-time check of a typed code, and a throttle that makes guessing
slow. Pure value logic, no Streamlit: the UI keeps one ``Throttle`` per browser session in
session state and asks this module what to do.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from workshop import settings

ENV_VAR = settings.INSTRUCTOR_CODE_ENV
FIRST_WAIT_SECONDS = 1.0
MAX_WAIT_SECONDS = 60.0

Clock = Callable[[], float]


def configured_code(
    secret: str | None = None,
    environ: Mapping[str, str] | None = None,
    files: tuple[Path, ...] = settings.SECRETS_FILES,
) -> str | None:
    """The instructor code, or None when instructor mode is switched off.

    Args:
        secret: a code a caller already holds (it comes after the environment and before
            the secrets files), if any.
        environ: the environment to read (default ``os.environ``); tests pass a dict.
        files: the Streamlit secrets files to read ``instructor_code`` from.

    Returns:
        ``WORKSHOP_INSTRUCTOR_CODE`` when set and not blank, else ``secret`` when not
        blank, else ``instructor_code`` from the secrets files, else None (all as
        ``workshop.settings.instructor_code`` reads them). Surrounding whitespace is
        dropped, so a code pasted with a trailing newline still works.
    """
    from_environment = settings.instructor_code(environ, files=())
    if from_environment:
        return from_environment
    if isinstance(secret, str) and secret.strip():
        return secret.strip()
    return settings.instructor_code({}, files=files)


def check_code(given: str | None, expected: str | None) -> bool:
    """Whether a typed code matches the configured one, compared in constant time.

    :param given: what the instructor typed (surrounding whitespace ignored).
    :param expected: the configured code; None or blank never matches anything.
    :return: True only for an exact match. ``hmac.compare_digest`` takes as long for a
        nearly-right guess as for a wrong one, so timing tells an attacker nothing.
    """
    if not expected or not expected.strip() or given is None:
        return False
    return hmac.compare_digest(
        given.strip().encode("utf-8"), expected.strip().encode("utf-8")
    )


def wait_after(failures: int) -> float:
    """Seconds to wait after ``failures`` wrong codes in a row: 0, 1, 2, 4, … capped at 60.

    :param failures: wrong codes in a row (0 means none).
    :return: the wait in seconds.
    """
    if failures <= 0:
        return 0.0
    # Cap the exponent too, so a huge count cannot overflow the float.
    return min(FIRST_WAIT_SECONDS * 2 ** min(failures - 1, 32), MAX_WAIT_SECONDS)


@dataclass(frozen=True)
class Throttle:
    """Wrong codes in a row for one browser session and when the next try is allowed.

    A frozen value: every method returns a new Throttle, so the UI stores it in session
    state and replaces it, and a test can drive it with a fake clock.
    """

    failures: int = 0
    locked_until: float = 0.0

    def seconds_left(self, now: float) -> float:
        """Seconds until the next try is allowed (0 when it is allowed now).

        :param now: the current time of the clock the UI uses (``time.monotonic``).
        :return: the wait left, never negative.
        """
        return max(0.0, self.locked_until - now)

    def after_failure(self, now: float) -> Throttle:
        """The throttle after one more wrong code at time ``now``.

        :param now: when the wrong code was submitted.
        :return: a Throttle whose wait is double the previous one (capped at 60 s).
        """
        failures = self.failures + 1
        return replace(self, failures=failures, locked_until=now + wait_after(failures))

    def after_success(self) -> Throttle:
        """The throttle after the right code: no failures, no wait."""
        return Throttle()


@dataclass(frozen=True)
class Attempt:
    """What became of one try at the code: unlocked or not, the new throttle, the wait."""

    unlocked: bool
    throttle: Throttle
    wait_seconds: float
    checked: bool


def try_code(
    given: str | None,
    expected: str | None,
    throttle: Throttle,
    clock: Clock = time.monotonic,
) -> Attempt:
    """Try a typed code against the configured one, respecting the throttle.

    :param given: what the instructor typed.
    :param expected: the configured code (None: instructor mode is off, nothing unlocks).
    :param throttle: this session's throttle.
    :param clock: a function returning the current time in seconds (injectable for tests).
    :return: an Attempt. While the throttle still makes the session wait, the code is not
        compared at all (``checked`` False) and the wait left is returned, so hammering the
        button guesses nothing. A wrong code doubles the next wait; the right code clears it.
    """
    now = clock()
    left = throttle.seconds_left(now)
    if left > 0:
        return Attempt(unlocked=False, throttle=throttle, wait_seconds=left, checked=False)
    if check_code(given, expected):
        return Attempt(
            unlocked=True, throttle=throttle.after_success(), wait_seconds=0.0, checked=True
        )
    after = throttle.after_failure(now)
    return Attempt(
        unlocked=False, throttle=after, wait_seconds=after.seconds_left(now), checked=True
    )
