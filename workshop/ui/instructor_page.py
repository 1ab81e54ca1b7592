"""Instructor mode for a live tutorial: a locked page, and four tabs behind it.

With the right code the page opens the agenda with a running clock, the presenter notes,
a projector view of each stage's demo and a live room view; above the tabs, links to the
pages for the room's screen (the join panel, each stage's projector view).

The gate is ``workshop.instructor_gate`` (pure; the code is read by ``workshop.settings``);
the tabs are ``instructor_agenda`` (agenda, notes, projector) and ``instructor_room``.
Nothing from the progress store is read before the session has unlocked instructor mode,
so a wrong code shows no learner, no count, nothing.

When an edit has broken the lesson files, learners keep the last good course and this page
lists every problem above the tabs (:func:`render_course_problems`); when no course has
loaded at all, the same list is drawn, after unlocking, where the router stopped
(:func:`render_offline_problems`).
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import streamlit as st

from case_study.errors import CaseStudyError
from workshop import settings
from workshop.errors import WorkshopError
from workshop.instructor_gate import (
    ENV_VAR,
    Throttle,
    strong_code,
    try_code_shared,
    weak_code_problem,
)
from workshop.ui import instructor_agenda, instructor_room, lesson_view, pages, session

UNLOCKED_KEY = "instructor-unlocked"
THROTTLE_KEY = "instructor-throttle"
TAB_KEY = "instructor-tab"
TABS = ("Agenda", "Presenter notes", "Projector", "Room")
SCREEN_LINKS_KEY = "instructor-screen-links"


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
    weak = weak_code_problem(code)
    if weak:  # refused before anything is compared: a short code can be guessed
        st.error(f"{weak} Restart the app with a longer one, for example this random code "
                 f"made for this page view only:\n\n`{ENV_VAR}={strong_code()}`")
        return
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
    # Throttled for the whole room (every session and process), not this session only.
    attempt = try_code_shared(given, code, session.get_store(), session.client_key())
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


# --- broken lesson files ------------------------------------------------------------------

def render_course_problems() -> None:
    """The lesson files' problems, prominently, while learners are kept on the last good course."""
    served = lesson_view.served_course()
    if not served.stale:
        return
    loaded = time.strftime("%H:%M:%S", time.localtime(served.loaded_at))
    lines = [f"**The lesson files have {len(served.problems)} problem(s).** Learners still see "
             f"the last version that loaded (at {loaded}) and are not shown this list. Fix "
             "the files: the course updates as soon as they load again. Run "
             f"`{lesson_view.VALIDATE_COMMAND}` to check them all at once.", ""]
    st.error("\n".join(lines + lesson_view.problem_lines(served.problems)))


def render_offline_problems(problems, folder: Path) -> None:
    """No course has loaded: the unlock form in place, then the full problem list."""
    code = instructor_code()
    if code is None:
        return
    if is_unlocked():
        st.subheader("Instructor: why the course cannot be shown")
        lesson_view.show_content_error(lesson_view.ContentError(problems, lessons_dir=folder),
                                       folder)
        return
    with st.expander("Instructor: unlock to see the problems"):
        render_lock(code)


# --- the page -----------------------------------------------------------------------------

def render_screen_links(course) -> None:
    """Links to the pages for the room's screen: the join panel, each stage's projector view.

    ``/join`` and ``/projector?stage=<id>`` have no sidebar and nothing of the room on them.
    They open in this browser session, so it stays unlocked there.
    """
    from workshop.ui import projector  # imported here: it imports this module

    join, projector_page = pages.join_page(), pages.projector_page()
    if join is None or projector_page is None:
        return
    with st.container(key=SCREEN_LINKS_KEY, horizontal=True, vertical_alignment="center"):
        st.markdown("**For the room's screen:**", width="content")
        st.page_link(join, label="Join panel")
        for stage in projector.projectable_stages(course):
            st.page_link(projector_page, label=f"Projector: {pages.stage_title(stage)}",
                         query_params={projector.STAGE_PARAM: stage.id})


def render_unlocked(course) -> None:
    """The links for the room's screen, then the four tabs (only the open tab runs)."""
    title_col, lock_col = st.columns([5, 1])
    title_col.title("Instructor")
    lock_col.button("Lock", key="instructor-lock", on_click=_lock)
    render_screen_links(course)
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


def passes_gate() -> bool:
    """Whether this session may see an instructor page; draws the gate's answer if not.

    Used by every instructor-only page (this one, the projector, the join panel): with
    instructor mode off it says how to turn it on; while locked it draws the code form.
    """
    code = instructor_code()
    if code is None:
        # Normally unreachable (the pages are only registered with a code), but a stale
        # link must not open anything.
        st.error("Instructor mode is off on this server. Set WORKSHOP_INSTRUCTOR_CODE and "
                 "restart the app to turn it on.")
        return False
    if not is_unlocked():
        render_lock(code)
        return False
    return True


def render() -> None:
    """The instructor page: locked until this session enters the configured code."""
    if not passes_gate():
        return
    course = lesson_view.current_course()
    if course is None:
        return
    render_course_problems()
    session.render_store_details()
    render_unlocked(course)
