"""Instructor mode, the plan side: the agenda and its clock, presenter notes, projector.

The notes and the projector open on the stage the clock says the room should be on.

Where the room should be is ``workshop.agenda`` (pure); this module only lays it out. The
clock is shared by every instructor session of this server (a projector laptop and the
instructor's phone show the same one).
"""

from __future__ import annotations

import importlib.util
import threading
from dataclasses import dataclass
from datetime import UTC, datetime

import pandas as pd
import streamlit as st

from case_study.errors import CaseStudyError
from workshop import agenda as agenda_engine
from workshop.errors import WorkshopError
from workshop.ui import lesson_view, pages, session, stage_page

AGENDA_KEY = "instructor-agenda"
NOTES_STAGE_KEY = "instructor-notes-stage"
PROJECTOR_STAGE_KEY = "instructor-projector-stage"
PROJECTOR_SIDEBAR_KEY = "instructor-projector-hide-sidebar"
CLOCK_REFRESH_SECONDS = 1

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


# --- the agenda clock (shared by every instructor session of this server) ---------------------

@dataclass
class RoomClock:
    """When the instructor pressed Start, and for which agenda.

    One per server and data folder, so the projector laptop and the instructor's phone
    show the same clock.
    """

    agenda_id: str | None = None
    started_at: datetime | None = None

    def __post_init__(self) -> None:
        self.lock = threading.Lock()

    def start(self, agenda_id: str, now: datetime) -> None:
        """Start (or restart) the clock for an agenda at ``now``."""
        with self.lock:
            self.agenda_id, self.started_at = agenda_id, now

    def reset(self) -> None:
        """Stop the clock."""
        with self.lock:
            self.agenda_id, self.started_at = None, None

    def read(self) -> tuple[str | None, datetime | None]:
        """The running agenda's id and its start, or ``(None, None)``."""
        with self.lock:
            return self.agenda_id, self.started_at


@st.cache_resource(show_spinner=False)
def _clock_for(data_dir: str) -> RoomClock:
    del data_dir  # the key: another data folder is another room
    return RoomClock()


def room_clock() -> RoomClock:
    """The agenda clock of this server's room."""
    return _clock_for(str(session.get_store().data_dir))


def now() -> datetime:
    """The current time, in UTC."""
    return datetime.now(UTC)


def _clock_text(minutes: float) -> str:
    seconds = int(max(0.0, minutes) * 60)
    hours, rest = divmod(seconds, 3600)
    minutes_seconds = f"{rest // 60:02d}:{rest % 60:02d}"
    return f"{hours}:{minutes_seconds}" if hours else minutes_seconds


def stage_names(course) -> dict[str, str]:
    """Each stage id's display name, ``"N · title"``."""
    return {stage.id: f"{stage.number} · {stage.title}" for stage in course.stages}


# --- tabs -----------------------------------------------------------------------------------

def _agenda_table(course, agenda) -> pd.DataFrame:
    timings = agenda_engine.stage_timings(course.stages, agenda.id)
    planned = agenda_engine.plan(timings)
    rows = []
    for stage, slot in zip(course.stages, planned, strict=True):
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
        clock.start(agenda.id, now())
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
    elapsed = agenda_engine.elapsed_minutes(started_at, now())
    try:
        position = agenda_engine.where_we_should_be(
            agenda_engine.stage_timings(course.stages, agenda.id), elapsed,
            agenda.buffer_minutes or 0)
    except (CaseStudyError, WorkshopError) as error:
        st.error(f"The agenda could not be planned. {error}")
        return
    names = stage_names(course)
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
            agenda_engine.elapsed_minutes(started_at, now()), agenda.buffer_minutes or 0)
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
    stages = [stage for stage in pages.content_stages(course) if _has_demo(stage.id)]
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
