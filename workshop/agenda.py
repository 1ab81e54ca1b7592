"""Where the room should be: the planned stage, minutes after the start of a session.

The session is a talk, a tutorial or a workshop.

Pure arithmetic over an agenda's ordered stage timings ``[(stage_id, minutes)]`` (each
stage's teaching + exercise minutes) and an optional buffer at the end. A stage occupies
the half-open interval ``[start, end)``: at exactly its end the next stage begins.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from workshop.errors import AgendaError

__all__ = [
    "BEFORE_START", "BUFFER", "FINISHED", "RUNNING", "AgendaError", "AgendaPosition",
    "PlannedStage", "elapsed_minutes", "plan", "stage_timings", "where_we_should_be",
]

BEFORE_START = "before_start"
RUNNING = "running"
BUFFER = "buffer"
FINISHED = "finished"


@dataclass(frozen=True)
class PlannedStage:
    """A stage's planned slot, in minutes from the start."""

    stage_id: str
    minutes: float
    start_minute: float
    end_minute: float


@dataclass(frozen=True)
class AgendaPosition:
    """Where the room should be after ``elapsed_minutes``.

    ``status`` is ``before_start``, ``running``, ``buffer`` (all stages done, buffer
    time left) or ``finished``. ``stage_id`` is the stage to be in (the first stage before
    the start; ``None`` in the buffer and after the end). ``minutes_into_stage`` and
    ``minutes_left_in_stage`` refer to that stage, or to the buffer in ``buffer``.
    ``minutes_until_start`` and ``minutes_over`` are 0 unless before the start or past
    the planned end (buffer included).
    """

    status: str
    stage_id: str | None
    next_stage_id: str | None
    minutes_into_stage: float
    minutes_left_in_stage: float
    elapsed_minutes: float
    planned_minutes: float
    minutes_until_start: float
    minutes_over: float
    plan: tuple[PlannedStage, ...]


def _minutes(value: object, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) \
            or not math.isfinite(value) or value < 0:
        raise AgendaError(
            f"Expected {what} to be a finite number of minutes >= 0; got {value!r}. "
            "Fix the minutes in lessons/course.toml."
        )
    return float(value)


def plan(timings: Sequence[tuple[str, float]]) -> tuple[PlannedStage, ...]:
    """Planned start and end of every stage, back to back from minute 0.

    Args:
        timings: ``[(stage_id, minutes), ...]`` in agenda order.

    Returns:
        One ``PlannedStage`` per stage.

    Raises:
        AgendaError: no stages, a repeated stage id, or minutes that are not >= 0.
    """
    if not timings:
        raise AgendaError("Expected at least one (stage_id, minutes) pair; got none.")
    seen: set[str] = set()
    planned, start = [], 0.0
    for stage_id, minutes in timings:
        if stage_id in seen:
            raise AgendaError(
                f"Expected each stage once in an agenda; {stage_id!r} appears twice."
            )
        seen.add(stage_id)
        length = _minutes(minutes, f"the minutes of stage {stage_id!r}")
        planned.append(PlannedStage(stage_id, length, start, start + length))
        start += length
    return tuple(planned)


def where_we_should_be(timings: Sequence[tuple[str, float]], elapsed_minutes: float,
                       buffer_minutes: float = 0.0) -> AgendaPosition:
    """The stage the room should be in after ``elapsed_minutes``.

    Args:
        timings: ``[(stage_id, minutes), ...]`` in agenda order (teaching + exercise).
        elapsed_minutes: minutes since the planned start (negative before it).
        buffer_minutes: spare minutes planned after the last stage.

    Returns:
        An ``AgendaPosition``. Stages with 0 minutes are never current.

    Raises:
        AgendaError: unusable timings, buffer, or a non-finite ``elapsed_minutes``.
    """
    stages = plan(timings)
    buffer = _minutes(buffer_minutes, "the buffer")
    if isinstance(elapsed_minutes, bool) or not isinstance(elapsed_minutes, (int, float)) \
            or not math.isfinite(elapsed_minutes):
        raise AgendaError(f"Expected elapsed minutes as a finite number; got "
                          f"{elapsed_minutes!r}.")
    elapsed = float(elapsed_minutes)
    stages_end = stages[-1].end_minute
    total = stages_end + buffer

    def position(status: str, stage_id: str | None, next_id: str | None, into: float,
                 left: float, until: float = 0.0, over: float = 0.0) -> AgendaPosition:
        return AgendaPosition(status, stage_id, next_id, into, left, elapsed, total,
                              until, over, stages)

    timed = [stage for stage in stages if stage.minutes > 0]
    if elapsed < 0:
        first = timed[0] if timed else stages[0]
        return position(BEFORE_START, first.stage_id, _after(timed, first), 0.0,
                        first.minutes, until=-elapsed)
    for stage in timed:
        if stage.start_minute <= elapsed < stage.end_minute:
            return position(RUNNING, stage.stage_id, _after(timed, stage),
                            elapsed - stage.start_minute, stage.end_minute - elapsed)
    if elapsed < total:
        return position(BUFFER, None, None, elapsed - stages_end, total - elapsed)
    return position(FINISHED, None, None, 0.0, 0.0, over=elapsed - total)


def _after(timed: list[PlannedStage], stage: PlannedStage) -> str | None:
    later = [other for other in timed if other.start_minute >= stage.end_minute
             and other.stage_id != stage.stage_id]
    return later[0].stage_id if later else None


def stage_timings(stages: Iterable[object], agenda_id: str) -> list[tuple[str, float]]:
    """``[(stage_id, teaching + exercise)]`` for one agenda, from ``Course.stages``.

    Args:
        stages: objects with ``id`` and ``minutes`` (agenda id → object with ``teaching``
            and ``exercise``), as ``workshop.content.Stage``.
        agenda_id: ``talk``, ``tutorial``, ``workshop``, ...

    Returns:
        The timings in course order.

    Raises:
        AgendaError: a stage has no minutes for this agenda.
    """
    timings = []
    for stage in stages:
        timing = getattr(stage, "minutes", {}).get(agenda_id)
        if timing is None:
            raise AgendaError(
                f"Expected stage {getattr(stage, 'id', stage)!r} to have minutes for the "
                f"{agenda_id!r} agenda; it has none. Add minutes.{agenda_id} to it in "
                "lessons/course.toml."
            )
        timings.append((stage.id, timing.teaching + timing.exercise))
    return timings


def elapsed_minutes(start: datetime, now: datetime) -> float:
    """Minutes from ``start`` to ``now`` (negative if ``now`` is earlier)."""
    return (now - start).total_seconds() / 60
