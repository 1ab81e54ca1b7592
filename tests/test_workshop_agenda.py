"""Where the room should be for an agenda and the minutes since the start."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from workshop.agenda import (
    AgendaError,
    PlannedStage,
    elapsed_minutes,
    plan,
    stage_timings,
    where_we_should_be,
)

# 5 + 10 + 0 + 15 = 30 minutes of stages, then a 5-minute buffer.
TIMINGS = [("why", 5), ("design", 10), ("skipped", 0), ("data", 15)]


def test_plan_puts_stages_back_to_back():
    """Each stage starts where the previous one ended."""
    assert plan(TIMINGS) == (
        PlannedStage("why", 5.0, 0.0, 5.0),
        PlannedStage("design", 10.0, 5.0, 15.0),
        PlannedStage("skipped", 0.0, 15.0, 15.0),
        PlannedStage("data", 15.0, 15.0, 30.0),
    )


@pytest.mark.parametrize(
    ("elapsed", "status", "stage", "into", "left", "next_stage"),
    [
        (-3, "before_start", "why", 0.0, 5.0, "design"),
        (0, "running", "why", 0.0, 5.0, "design"),
        (4.5, "running", "why", 4.5, 0.5, "design"),
        (5, "running", "design", 0.0, 10.0, "data"),  # a stage's end is the next's start
        (14.99, "running", "design", 9.99, 0.01, "data"),
        (15, "running", "data", 0.0, 15.0, None),  # the 0-minute stage is never current
        (29.5, "running", "data", 14.5, 0.5, None),
        (30, "buffer", None, 0.0, 5.0, None),
        (33, "buffer", None, 3.0, 2.0, None),
        (35, "finished", None, 0.0, 0.0, None),
        (50, "finished", None, 0.0, 0.0, None),
    ],
)
def test_where_we_should_be(elapsed, status, stage, into, left, next_stage):
    """The instructor sees the planned stage, minutes into it and minutes left, with the
    boundaries handing over to the next stage."""
    position = where_we_should_be(TIMINGS, elapsed, buffer_minutes=5)
    assert (position.status, position.stage_id, position.next_stage_id) == (
        status, stage, next_stage)
    assert position.minutes_into_stage == pytest.approx(into)
    assert position.minutes_left_in_stage == pytest.approx(left)
    assert position.elapsed_minutes == elapsed
    assert position.planned_minutes == 35.0
    assert position.plan == plan(TIMINGS)


def test_minutes_until_start_and_minutes_over():
    """Before the start it says how long to wait; after the end, how far over we are."""
    assert where_we_should_be(TIMINGS, -3, 5).minutes_until_start == 3.0
    assert where_we_should_be(TIMINGS, -3, 5).minutes_over == 0.0
    assert where_we_should_be(TIMINGS, 50, 5).minutes_over == 15.0
    assert where_we_should_be(TIMINGS, 50, 5).minutes_until_start == 0.0
    assert where_we_should_be(TIMINGS, 12, 5).minutes_over == 0.0


def test_without_a_buffer_the_end_of_the_last_stage_is_the_end():
    """With no buffer, minute 30 is already past the plan."""
    assert where_we_should_be(TIMINGS, 30).status == "finished"
    assert where_we_should_be(TIMINGS, 29.999).stage_id == "data"


def test_first_stage_of_zero_minutes_is_skipped_before_the_start():
    """A talk that skips its first stage starts with the first stage that has time."""
    position = where_we_should_be([("why", 0), ("design", 5)], -1)
    assert (position.status, position.stage_id) == ("before_start", "design")
    assert where_we_should_be([("why", 0), ("design", 5)], 0).stage_id == "design"


@pytest.mark.parametrize(
    "timings",
    [[], [("why", 5), ("why", 5)], [("why", -1)], [("why", float("nan"))],
     [("why", True)], [("why", "5")], [("why", float("inf"))]],
)
def test_unusable_timings_are_refused(timings):
    """Empty, repeated, negative or non-numeric timings raise AgendaError."""
    with pytest.raises(AgendaError):
        where_we_should_be(timings, 1)


@pytest.mark.parametrize("elapsed", [float("nan"), float("inf"), "3", None])
def test_unusable_elapsed_is_refused(elapsed):
    """Elapsed minutes must be a finite number."""
    with pytest.raises(AgendaError, match="elapsed"):
        where_we_should_be(TIMINGS, elapsed)


def test_negative_buffer_is_refused():
    """The buffer follows the same rules as stage minutes."""
    with pytest.raises(AgendaError, match="buffer"):
        where_we_should_be(TIMINGS, 1, buffer_minutes=-5)


def test_stage_timings_add_teaching_and_exercise():
    """The timings for an agenda come from each stage's teaching + exercise minutes."""
    stages = [
        SimpleNamespace(id="why", minutes={"talk": SimpleNamespace(teaching=3, exercise=0),
                                           "tutorial": SimpleNamespace(teaching=5,
                                                                       exercise=5)}),
        SimpleNamespace(id="model", minutes={"talk": SimpleNamespace(teaching=4, exercise=1),
                                             "tutorial": SimpleNamespace(teaching=10,
                                                                         exercise=20)}),
    ]
    assert stage_timings(stages, "talk") == [("why", 3), ("model", 5)]
    assert stage_timings(stages, "tutorial") == [("why", 10), ("model", 30)]
    with pytest.raises(AgendaError, match="workshop"):
        stage_timings(stages, "workshop")


def test_elapsed_minutes_between_times():
    """Elapsed minutes come from the start and the current time."""
    start = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
    assert elapsed_minutes(start, start + timedelta(minutes=7, seconds=30)) == 7.5
    assert elapsed_minutes(start, start - timedelta(minutes=2)) == -2.0


def test_agenda_errors_belong_to_the_workshop_family_only():
    """One exception family per package: an AgendaError is a WorkshopError, defined in
    workshop.errors, and no longer also a case-study error."""
    from case_study.errors import CaseStudyError
    from workshop import errors
    from workshop.errors import WorkshopError

    assert AgendaError is errors.AgendaError
    assert issubclass(AgendaError, WorkshopError)
    assert not issubclass(AgendaError, CaseStudyError)
