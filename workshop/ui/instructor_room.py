"""Instructor mode, the room view, read fresh from the shared store every few seconds.

Who is here, how far the room got, which checks are hard and who looks stuck.

The figures are ``workshop.room`` (pure); this module only lays them out. It is drawn only
for a session that has unlocked instructor mode (``workshop.ui.instructor_page``).

Every table goes through ``workshop.csv_safe.neutralise_frame`` before ``st.dataframe``:
its toolbar offers "Download as CSV", and a learner's display name such as
``=HYPERLINK(...)`` must open in a spreadsheet as text, not as a formula.
"""

from __future__ import annotations

import math
from datetime import timedelta

import pandas as pd
import streamlit as st

from workshop import csv_safe, room
from workshop.ui import room_charts, session
from workshop.ui.hash_experiment import render_room as render_hashes
from workshop.ui.instructor_agenda import now as current_time
from workshop.ui.instructor_agenda import stage_names

ROOM_SCOPE_KEY = "instructor-room-scope"
ROOM_REFRESH_SECONDS = 5
# Events older than this are not read for the room view: a room's session is at most a day.
EVENTS_LOOKBACK = timedelta(hours=12)
ACTIVE_ONLY, EVERYONE = "Active in the last 10 minutes", "Everyone in the store"
LEARNERS_LABEL = "Learners with progress"


# --- the room view --------------------------------------------------------------------------

def _stage_checks(course) -> dict[str, list[str]]:
    return {stage.id: [check.id for check in stage.checks] for stage in course.stages
            if stage.checks}


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _percent(value: float | None) -> str:
    return "—" if _missing(value) else f"{value:.0%}"


def render_room(course) -> None:
    """Who is here, how far the room got, which checks are hard, who is stuck."""
    st.radio("Count", (ACTIVE_ONLY, EVERYONE), key=ROOM_SCOPE_KEY, horizontal=True)
    render_room_figures(course)


@st.fragment(run_every=ROOM_REFRESH_SECONDS)
def render_room_figures(course) -> None:
    """The room's figures, read fresh from the shared store every few seconds."""
    store = session.get_store()
    now = current_time()
    everyone = store.all_learners()
    progress = store.all_progress()
    events = store.events_since(now - EVENTS_LOOKBACK)
    # Every browser session gets a learner when it opens the app, this instructor's own
    # included: the room counts only learners who have done something on a check.
    learners = room.participants(everyone, progress)
    active = room.active_learners(learners, now)
    active_codes = {row.code for row in active}
    scope = st.session_state.get(ROOM_SCOPE_KEY, ACTIVE_ONLY)
    counted = [learner for learner in learners
               if scope == EVERYONE or learner.code in active_codes]
    stuck = room.stuck_learners(everyone, progress, events, now)
    st.caption(f"Updated {now.astimezone():%H:%M:%S}; refreshes every "
               f"{ROOM_REFRESH_SECONDS} s.")

    here, total, stuck_count = st.columns(3)
    here.metric("Active in the last 10 minutes", len(active))
    total.metric(LEARNERS_LABEL, len(learners))
    stuck_count.metric("Look stuck", len(stuck))
    waiting = len(everyone) - len(learners)
    st.caption(
        "Counted: learners who have answered a check, asked for a hint or revealed an answer "
        "— not sessions that only opened the app, such as an instructor's own"
        + (f" ({waiting} right now)." if waiting else "."))
    if not counted:
        # The tables below still show every check, at zero, so a first answer appears in place.
        st.info("No learners to count yet. Learners appear here once they answer a check, "
                "ask for a hint or reveal an answer.")

    names = stage_names(course)
    stage_checks = _stage_checks(course)
    completion = room.stage_completion(counted, progress, stage_checks)
    figures = room.check_figures(progress, stage_checks, counted)

    st.subheader("Completion per stage")
    completion_frame = pd.DataFrame([
        {"stage": names.get(row.stage_id, row.stage_id), "complete": row.complete,
         "learners": row.learners, "share": row.share or 0.0}
        for row in completion])
    st.altair_chart(room_charts.completion_chart(completion_frame,
                                                 list(completion_frame["stage"])))

    st.subheader("Checks")
    check_frame = pd.DataFrame([
        {"stage": names.get(row.stage_id, row.stage_id), "check": row.check_id,
         "attempted": row.learners_attempted, "passed": row.learners_passed,
         "revealed": row.learners_revealed,
         "pass rate": row.pass_rate, "median attempts": row.median_attempts,
         "hint use": row.hint_share}
        for row in figures])
    tried = check_frame[check_frame["attempted"] > 0]
    if not tried.empty:
        st.altair_chart(room_charts.pass_rate_chart(tried, list(check_frame["check"])))
    shown = check_frame.assign(**{
        "pass rate": check_frame["pass rate"].map(_percent),
        "hint use": check_frame["hint use"].map(_percent),
        "median attempts": check_frame["median attempts"].map(
            lambda value: "—" if _missing(value) else f"{value:g}"),
    })
    st.dataframe(csv_safe.neutralise_frame(shown), hide_index=True)

    st.subheader("Who looks stuck")
    st.caption(f"{room.STUCK_FAILURES} or more failed tries on a check, no pass yet, the last "
               "one within 10 minutes.")
    if stuck:
        # st.dataframe shows names as plain text, never as HTML or Markdown; its CSV
        # download gets them neutralised (a name may look like a spreadsheet formula).
        st.dataframe(csv_safe.neutralise_frame(pd.DataFrame([
            {"learner": row.label, "stage": names.get(row.stage_id, row.stage_id),
             "check": row.check_id, "failed tries": row.failed_attempts,
             "minutes since": round(row.minutes_since_failure, 1)} for row in stuck])),
            hide_index=True)
    else:
        st.text("Nobody right now.")

    st.subheader("Active learners")
    if active:
        st.dataframe(csv_safe.neutralise_frame(pd.DataFrame([
            {"learner": row.label, "last seen (min ago)": round(row.minutes_ago, 1)}
            for row in active])), hide_index=True)
    else:
        st.text("Nobody in the last 10 minutes.")
    render_hashes(store.hash_reports())

