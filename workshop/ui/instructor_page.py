"""Instructor mode for a live tutorial: a locked page, and four tabs behind it.

With the right code the page opens the agenda with a running clock, the presenter notes,
a projector view of each stage's demo and a live room view.

The gate is ``workshop.instructor_gate`` (pure; the code is read by ``workshop.settings``);
the tabs are ``instructor_agenda`` (agenda, notes, projector) and ``instructor_room``.
Nothing from the progress store is read before the session has unlocked instructor mode,
so a wrong code shows no learner, no count, nothing.
"""

from __future__ import annotations

import math
import time

import streamlit as st

from case_study.errors import CaseStudyError
from workshop import settings
from workshop.errors import WorkshopError
from workshop.instructor_gate import Throttle, try_code
from workshop.ui import instructor_agenda, instructor_room, lesson_view

UNLOCKED_KEY = "instructor-unlocked"
THROTTLE_KEY = "instructor-throttle"
TAB_KEY = "instructor-tab"
TABS = ("Agenda", "Presenter notes", "Projector", "Room")


# --- the gate ------------------------------------------------------------------------------

def instructor_code() -> str | None:
    """The configured instructor code, or None (instructor mode off).

    ``WORKSHOP_INSTRUCTOR_CODE``, else ``instructor_code`` in the secrets file: read by
    ``workshop.settings``, the one module that reads settings.
    """
    return settings.instructor_code()


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


# --- the page -----------------------------------------------------------------------------

def render_unlocked(course) -> None:
    """The four instructor tabs; only the open tab runs (the room view polls the store)."""
    title_col, lock_col = st.columns([5, 1])
    title_col.title("Instructor")
    lock_col.button("Lock", key="instructor-lock", on_click=_lock)
    tabs = st.tabs(list(TABS), key=TAB_KEY, on_change="rerun")
    drawers = (instructor_agenda.render_agenda, instructor_agenda.render_notes,
               instructor_agenda.render_projector, instructor_room.render_room)
    for tab, draw in zip(tabs, drawers, strict=True):
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
