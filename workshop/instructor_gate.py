"""The instructor gate: the code that unlocks instructor mode, and a slow guess.

Which code is configured (read through ``workshop.settings``: the environment, else the
secrets file), whether it is long enough (``weak_code_problem``: at least 10 characters,
else instructor mode stays locked and a ``strong_code`` is suggested), a constant-time
check of a typed code, and the throttle that makes guessing slow: ``try_code_shared`` asks
``workshop.throttle`` (failures kept in the progress store, shared by every session and
process of the room). ``Throttle``/``try_code`` are the older per-session throttle. No
Streamlit here: the UI asks this module what to do.
"""

from __future__ import annotations

import hmac
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from workshop import settings, throttle
from workshop.throttle import FailureStore

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


# --- the room-wide throttle and the code's strength ------------------------------------------

MIN_CODE_LENGTH = 10


def weak_code_problem(code: str | None) -> str | None:
    """Why the configured instructor code is too weak to open instructor mode, or None.

    A code shorter than ``MIN_CODE_LENGTH`` (10) characters is refused: even at the room's
    one guess per second, 4 digits fall in under 3 hours.

    Args:
        code: the configured code (None: instructor mode is off, nothing to judge).

    Returns:
        A message naming the setting, or None when the code is long enough.
    """
    if code is None or len(code.strip()) >= MIN_CODE_LENGTH:
        return None
    return (f"Instructor mode is locked: the instructor code ({ENV_VAR}, or instructor_code "
            f"in .streamlit/secrets.toml) is {len(code.strip())} characters long, and at "
            f"least {MIN_CODE_LENGTH} are needed so that it cannot be guessed.")


def strong_code() -> str:
    """A fresh random code to suggest: 16 URL-safe characters (96 bits, ``secrets``)."""
    return secrets.token_urlsafe(12)


def try_code_shared(given: str | None, expected: str | None, store: FailureStore,
                    key: str | None) -> Attempt:
    """Try a typed code against the configured one under the room-wide throttle.

    Args:
        given: what was typed.
        expected: the configured code (None or too short: nothing unlocks).
        store: the progress store every process of the room shares.
        key: who is trying (a client address), or None if unknown.

    Returns:
        An Attempt (its ``throttle`` is a fresh per-session one, unused). While the room
        or this client must wait, the code is not compared (``checked`` False). A wrong
        code is recorded and logged without its text.
    """
    wait = throttle.seconds_to_wait(store, throttle.INSTRUCTOR, key)
    if wait > 0:
        return Attempt(unlocked=False, throttle=Throttle(), wait_seconds=wait, checked=False)
    if weak_code_problem(expected) is None and check_code(given, expected):
        return Attempt(unlocked=True, throttle=Throttle(), wait_seconds=0.0, checked=True)
    wait = throttle.record_failure(store, throttle.INSTRUCTOR, key)
    return Attempt(unlocked=False, throttle=Throttle(), wait_seconds=wait, checked=True)
