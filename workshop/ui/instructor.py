"""Instructor mode for a live tutorial: a locked page that, with the right code, opens the
agenda with a running clock, the presenter notes, a projector view of each stage's demo and
a live room view.

The gate is ``workshop.instructor`` (pure); the room figures are ``workshop.room`` (pure);
where the room should be is ``workshop.agenda`` (pure). This module only lays them out.
Nothing from the progress store is read before the session has unlocked instructor mode,
so a wrong code shows no learner, no count, nothing.
"""

from __future__ import annotations

import importlib.util
import math
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import altair as alt
import pandas as pd
import streamlit as st

from case_study.errors import CaseStudyError
from workshop import agenda as agenda_engine
from workshop import room
from workshop.errors import WorkshopError
from workshop.instructor import Throttle, configured_code, try_code
from workshop.ui import lesson_view, session, sidebar, stage_page

UNLOCKED_KEY = "instructor-unlocked"
THROTTLE_KEY = "instructor-throttle"
TAB_KEY = "instructor-tab"
AGENDA_KEY = "instructor-agenda"
NOTES_STAGE_KEY = "instructor-notes-stage"
PROJECTOR_STAGE_KEY = "instructor-projector-stage"
PROJECTOR_SIDEBAR_KEY = "instructor-projector-hide-sidebar"
ROOM_SCOPE_KEY = "instructor-room-scope"
SECRET_NAME = "instructor_code"

TABS = ("Agenda", "Presenter notes", "Projector", "Room")
ROOM_REFRESH_SECONDS = 5
CLOCK_REFRESH_SECONDS = 1
# Events older than this are not read for the room view: a room's session is at most a day.
EVENTS_LOOKBACK = timedelta(hours=12)
ACTIVE_ONLY, EVERYONE = "Active in the last 10 minutes", "Everyone in the store"
LEARNERS_LABEL = "Learners with progress"

# Bigger type for a projector, scoped to the projector container (its key becomes the
# CSS class ``st-key-instructor-projector``); no outside fonts, only sizes.
PROJECTOR_CSS = """
<style>
.st-key-instructor-projector p, .st-key-instructor-projector li,
.st-key-instructor-projector td, .st-key-instructor-projector th,
.st-key-instructor-projector label { font-size: 1.35rem; line-height: 1.5; }
.st-key-instructor-projector h2 { font-size: 2.4rem; }
.st-key-instructor-projector h3 { font-size: 1.9rem; }
.st-key-instructor-projector code { font-size: 1.1rem; }
</style>
"""
HIDE_SIDEBAR_CSS = """
<style>
section[data-testid="stSidebar"], div[data-testid="stSidebarCollapsedControl"]
{ display: none; }
</style>
"""


# --- the gate ------------------------------------------------------------------------------

def instructor_code() -> str | None:
    """The configured instructor code: ``WORKSHOP_INSTRUCTOR_CODE``, else the
    ``instructor_code`` entry of Streamlit secrets, else None (instructor mode off)."""
    try:
        secret = st.secrets.get(SECRET_NAME)
    except Exception:  # noqa: BLE001 — no secrets file at all is the usual case
        secret = None
    return configured_code(secret if isinstance(secret, str) else None)


def is_unlocked() -> bool:
    """Whether this browser session has entered the right code."""
    return st.session_state.get(UNLOCKED_KEY) is True


def _wait_text(seconds: float) -> str:
    whole = max(1, math.ceil(seconds))
    return f"Wait {whole} s before the next try."


def render_lock(code: str) -> None:
    """The locked page: a password field and nothing about the room."""
    st.title("Instructor")
    st.caption("Enter the instructor code to open the agenda, presenter notes, projector "
               "view and room view.")
    throttle = st.session_state.get(THROTTLE_KEY)
    if not isinstance(throttle, Throttle):
        throttle = Throttle()
    with st.form("instructor-unlock-form", clear_on_submit=True):
        given = st.text_input("Instructor code", type="password", key="instructor-code-input",
                              autocomplete="off")
        submitted = st.form_submit_button("Unlock")
    if not submitted:
        left = throttle.seconds_left(time.monotonic())
        if left > 0:
            st.warning(_wait_text(left))
        return
    attempt = try_code(given, code, throttle, time.monotonic)
    st.session_state[THROTTLE_KEY] = attempt.throttle
    if attempt.unlocked:
        st.session_state[UNLOCKED_KEY] = True
        st.rerun()
    if attempt.checked:
        st.error("Wrong code.")
    else:
        st.error("Too many wrong codes: this try was not checked.")
    st.warning(_wait_text(attempt.wait_seconds))


def _lock() -> None:
    st.session_state[UNLOCKED_KEY] = False


# --- the agenda clock (shared by every instructor session of this server) ---------------------

@dataclass
class RoomClock:
    """When the instructor pressed Start, and for which agenda. One per server and data
    folder, so the projector laptop and the instructor's phone show the same clock."""

    agenda_id: str | None = None
    started_at: datetime | None = None

    def __post_init__(self) -> None:
        self.lock = threading.Lock()

    def start(self, agenda_id: str, now: datetime) -> None:
        with self.lock:
            self.agenda_id, self.started_at = agenda_id, now

    def reset(self) -> None:
        with self.lock:
            self.agenda_id, self.started_at = None, None

    def read(self) -> tuple[str | None, datetime | None]:
        with self.lock:
            return self.agenda_id, self.started_at


@st.cache_resource(show_spinner=False)
def _clock_for(data_dir: str) -> RoomClock:
    del data_dir  # the key: another data folder is another room
    return RoomClock()


def room_clock() -> RoomClock:
    """The agenda clock of this server's room."""
    return _clock_for(str(session.get_store().data_dir))


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _clock_text(minutes: float) -> str:
    seconds = int(max(0.0, minutes) * 60)
    hours, rest = divmod(seconds, 3600)
    minutes_seconds = f"{rest // 60:02d}:{rest % 60:02d}"
    return f"{hours}:{minutes_seconds}" if hours else minutes_seconds


def _stage_names(course) -> dict[str, str]:
    return {stage.id: f"{stage.number} · {stage.title}" for stage in course.stages}


# --- tabs -----------------------------------------------------------------------------------

def _agenda_table(course, agenda) -> pd.DataFrame:
    timings = agenda_engine.stage_timings(course.stages, agenda.id)
    planned = agenda_engine.plan(timings)
    rows = []
    for stage, slot in zip(course.stages, planned):
        timing = stage.minutes[agenda.id]
        rows.append({
            "stage": f"{stage.number} · {stage.title}",
            "teaching (min)": timing.teaching,
            "exercise (min)": timing.exercise,
            "total (min)": slot.minutes,
            "starts at": _clock_text(slot.start_minute),
            "ends at": _clock_text(slot.end_minute),
        })
    return pd.DataFrame(rows)


def render_agenda(course) -> None:
    """Pick the format, see the plan, start the clock, see where the room should be."""
    agendas = {agenda.id: agenda for agenda in course.agendas}
    clock = room_clock()
    running_id, _ = clock.read()
    if AGENDA_KEY not in st.session_state and running_id in agendas:
        st.session_state[AGENDA_KEY] = running_id
    agenda_id = st.selectbox(
        "Format", list(agendas), key=AGENDA_KEY,
        format_func=lambda key: f"{agendas[key].title} ({agendas[key].minutes} min)")
    agenda = agendas[agenda_id]
    try:
        table = _agenda_table(course, agenda)
    except (CaseStudyError, WorkshopError) as error:
        st.error(f"The agenda could not be planned. {error}")
        return
    st.dataframe(table, hide_index=True)
    buffer = agenda.buffer_minutes or 0
    st.caption(f"Stages {table['total (min)'].sum():g} min + buffer {buffer:g} min = "
               f"{agenda.minutes} min planned.")

    start_col, reset_col, _ = st.columns([1, 1, 3])
    if start_col.button("Start the clock" if running_id is None else "Restart the clock",
                        key="instructor-agenda-start", type="primary"):
        clock.start(agenda.id, _now())
        st.rerun()
    if reset_col.button("Stop the clock", key="instructor-agenda-stop",
                        disabled=running_id is None):
        clock.reset()
        st.rerun()
    render_agenda_clock(course)


@st.fragment(run_every=CLOCK_REFRESH_SECONDS)
def render_agenda_clock(course) -> None:
    """The running clock and where the room should be now (redrawn every second)."""
    agenda_id, started_at = room_clock().read()
    agendas = {agenda.id: agenda for agenda in course.agendas}
    if started_at is None or agenda_id not in agendas:
        st.info("The clock is not running. Press Start when the session begins.")
        return
    agenda = agendas[agenda_id]
    elapsed = agenda_engine.elapsed_minutes(started_at, _now())
    try:
        position = agenda_engine.where_we_should_be(
            agenda_engine.stage_timings(course.stages, agenda.id), elapsed,
            agenda.buffer_minutes or 0)
    except (CaseStudyError, WorkshopError) as error:
        st.error(f"The agenda could not be planned. {error}")
        return
    names = _stage_names(course)
    if position.status == agenda_engine.RUNNING:
        now_text = names.get(position.stage_id, position.stage_id)
        left_label, left = "Left in this stage", position.minutes_left_in_stage
    elif position.status == agenda_engine.BUFFER:
        now_text = "Buffer: questions and catch-up"
        left_label, left = "Buffer left", position.minutes_left_in_stage
    else:
        now_text = "Finished"
        left_label, left = "Over time", position.minutes_over
    # A stage title is too long for a metric (it would be cut), so it gets a heading.
    st.caption("The room should be on")
    st.subheader(now_text)
    if position.status == agenda_engine.RUNNING and position.next_stage_id:
        st.caption(f"Next: {names.get(position.next_stage_id, position.next_stage_id)}")
    clock_col, left_col = st.columns(2)
    clock_col.metric(f"Since the start ({agenda.title})", _clock_text(elapsed))
    left_col.metric(left_label, _clock_text(left))
    share = min(1.0, elapsed / position.planned_minutes) if position.planned_minutes else 1.0
    st.progress(share, text=f"{_clock_text(elapsed)} of {_clock_text(position.planned_minutes)}")


def _current_stage_id(course) -> str | None:
    agenda_id, started_at = room_clock().read()
    agendas = {agenda.id: agenda for agenda in course.agendas}
    if started_at is None or agenda_id not in agendas:
        return None
    agenda = agendas[agenda_id]
    try:
        position = agenda_engine.where_we_should_be(
            agenda_engine.stage_timings(course.stages, agenda.id),
            agenda_engine.elapsed_minutes(started_at, _now()), agenda.buffer_minutes or 0)
    except (CaseStudyError, WorkshopError):
        return None
    return position.stage_id


def render_notes(course) -> None:
    """Presenter notes of each stage; the stage the room should be on comes first open."""
    current = _current_stage_id(course)
    for stage in course.stages:
        lesson = stage.lesson
        title = f"{stage.number} · {stage.title}"
        with st.expander(title + ("  (now)" if stage.id == current else ""),
                         expanded=stage.id == current):
            notes = (getattr(lesson, "presenter_notes", "") or "").strip()
            st.markdown(notes or "_No presenter notes for this stage._")
            keypoints = list(getattr(lesson, "keypoints", []) or [])
            if keypoints:
                st.markdown("**Key points**\n\n" + "\n".join(f"- {point}" for point in keypoints))


def render_projector(course) -> None:
    """One stage's side-by-side demo, large and without the checks or the sidebar."""
    stages = [stage for stage in sidebar.content_stages(course) if _has_demo(stage.id)]
    if not stages:
        st.info("No stage has a demo yet.")
        return
    names = {stage.id: f"{stage.number} · {stage.title}" for stage in stages}
    current = _current_stage_id(course)
    if PROJECTOR_STAGE_KEY not in st.session_state and current in names:
        st.session_state[PROJECTOR_STAGE_KEY] = current
    pick_col, hide_col = st.columns([3, 1])
    stage_id = pick_col.selectbox("Stage to project", list(names), key=PROJECTOR_STAGE_KEY,
                                  format_func=names.get)
    hide = hide_col.toggle("Hide the sidebar", value=True, key=PROJECTOR_SIDEBAR_KEY)
    # Our own constant CSS only (no learner text), so unsafe_allow_html cannot leak input.
    st.markdown(PROJECTOR_CSS + (HIDE_SIDEBAR_CSS if hide else ""), unsafe_allow_html=True)
    stage = next(stage for stage in stages if stage.id == stage_id)
    with st.container(key="instructor-projector"):
        st.header(f"Stage {stage.number} · {stage.title}")
        principle = (stage.lesson.sections or {}).get(lesson_view.PRINCIPLE, "")
        if principle:
            with st.expander("The principle", expanded=False):
                st.markdown(principle)
        try:
            stage_page.render_demo(stage.id)
        except WorkshopError as error:
            st.error(f"The demo of this stage could not run. {error}")


def _has_demo(stage_id: str) -> bool:
    name = stage_page.demo_module_name(stage_id)
    return name.rsplit(".", 1)[1].isidentifier() and importlib.util.find_spec(name) is not None


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
    now = _now()
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

    names = _stage_names(course)
    stage_checks = _stage_checks(course)
    completion = room.stage_completion(counted, progress, stage_checks)
    figures = room.check_figures(progress, stage_checks, counted)

    st.subheader("Completion per stage")
    completion_frame = pd.DataFrame([
        {"stage": names.get(row.stage_id, row.stage_id), "complete": row.complete,
         "learners": row.learners, "share": row.share or 0.0}
        for row in completion])
    st.altair_chart(_completion_chart(completion_frame, list(completion_frame["stage"])))

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
        st.altair_chart(_pass_rate_chart(tried, list(check_frame["check"])))
    shown = check_frame.assign(**{
        "pass rate": check_frame["pass rate"].map(_percent),
        "hint use": check_frame["hint use"].map(_percent),
        "median attempts": check_frame["median attempts"].map(
            lambda value: "—" if _missing(value) else f"{value:g}"),
    })
    st.dataframe(shown, hide_index=True)

    st.subheader("Who looks stuck")
    st.caption(f"{room.STUCK_FAILURES} or more failed tries on a check, no pass yet, the last "
               "one within 10 minutes.")
    if stuck:
        # st.dataframe shows names as plain text, never as HTML or Markdown.
        st.dataframe(pd.DataFrame([
            {"learner": row.label, "stage": names.get(row.stage_id, row.stage_id),
             "check": row.check_id, "failed tries": row.failed_attempts,
             "minutes since": round(row.minutes_since_failure, 1)} for row in stuck]),
            hide_index=True)
    else:
        st.text("Nobody right now.")

    st.subheader("Active learners")
    if active:
        st.dataframe(pd.DataFrame([
            {"learner": row.label, "last seen (min ago)": round(row.minutes_ago, 1)}
            for row in active]), hide_index=True)
    else:
        st.text("Nobody in the last 10 minutes.")


def _completion_chart(frame: pd.DataFrame, order: list[str]) -> alt.LayerChart:
    frame = frame.assign(count=[f"{row.complete} of {row.learners}"
                                for row in frame.itertuples()])
    base = alt.Chart(frame).encode(
        x=alt.X("share:Q", title="share of learners who finished the stage",
                scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%")),
        y=alt.Y("stage:N", sort=order, title=None, axis=alt.Axis(labelLimit=320)),
        tooltip=[alt.Tooltip("stage"), alt.Tooltip("complete"), alt.Tooltip("learners"),
                 alt.Tooltip("share:Q", format=".0%")],
    )
    # The count next to each bar: an empty bar still says "0 of 30".
    labels = base.mark_text(align="left", dx=4).encode(text=alt.Text("count:N"))
    return (base.mark_bar() + labels).properties(height=alt.Step(28))


def _pass_rate_chart(frame: pd.DataFrame, order: list[str]) -> alt.Chart:
    return alt.Chart(frame).mark_bar().encode(
        x=alt.X("pass rate:Q", title="pass rate (of learners who tried)",
                scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%")),
        y=alt.Y("check:N", sort=order, title=None, axis=alt.Axis(labelLimit=320)),
        color=alt.Color("stage:N", title="stage", legend=alt.Legend(orient="bottom",
                                                                    labelLimit=320)),
        tooltip=[alt.Tooltip("stage"), alt.Tooltip("check"), alt.Tooltip("attempted"), alt.Tooltip("passed"),
                 alt.Tooltip("pass rate:Q", format=".0%"), alt.Tooltip("median attempts"),
                 alt.Tooltip("hint use:Q", format=".0%")],
    ).properties(height=alt.Step(22))


# --- the page -----------------------------------------------------------------------------

def render_unlocked(course) -> None:
    """The four instructor tabs; only the open tab runs (the room view polls the store)."""
    title_col, lock_col = st.columns([5, 1])
    title_col.title("Instructor")
    lock_col.button("Lock", key="instructor-lock", on_click=_lock)
    tabs = st.tabs(list(TABS), key=TAB_KEY, on_change="rerun")
    drawers = (render_agenda, render_notes, render_projector, render_room)
    for tab, draw in zip(tabs, drawers):
        if tab.open:
            with tab:
                try:
                    draw(course)
                except (CaseStudyError, WorkshopError) as error:
                    st.error(f"This view could not be drawn. {error}")


def render() -> None:
    """The instructor page: locked until this session enters the configured code."""
    code = instructor_code()
    if code is None:
        # Normally unreachable (the page is only registered with a code), but a stale link
        # must not open anything.
        st.error("Instructor mode is off on this server. Set WORKSHOP_INSTRUCTOR_CODE and "
                 "restart the app to turn it on.")
        return
    if not is_unlocked():
        render_lock(code)
        return
    course = lesson_view.current_course()
    if course is None:
        return
    render_unlocked(course)
