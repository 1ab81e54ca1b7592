"""The sidebar: the pages with progress marks, the resume code and the display name.

The pages themselves are registered in ``workshop.ui.pages``; the names below that come
from there are kept here for modules that still look them up on the sidebar.
"""

from __future__ import annotations

from collections.abc import Mapping

import streamlit as st

from workshop.check_model import Outcome
from workshop.ui import session
from workshop.ui.pages import (  # noqa: F401 — re-exported for callers of sidebar.*
    INSTRUCTOR_ID,
    WELCOME_ID,
    WRAP_UP_ID,
    content_stages,
    go_to,
    stage_title,
    wrap_up_stage,
)

DONE, SOME, NONE = "✓", "◐", "·"
# What a link says for each mark: the state in words, so that a screen reader reads "done",
# not a glyph's name ("check mark", "circle with left half black"); the glyph follows.
MARK_WORDS = {DONE: "done ✓", SOME: "started ◐", NONE: "not started"}


def mark_label(mark: str) -> str:
    """The words a page link shows for a mark ("done ✓"); empty for no mark."""
    return MARK_WORDS.get(mark, "")


def stage_mark(check_ids, progress: Mapping) -> str:
    """A stage's progress mark in the sidebar.

    ✓ when every check is passed or revealed, ◐ when some are (or any was tried), · when
    none was touched; a stage without checks shows ·.
    """
    ids = list(check_ids)
    if not ids:
        return NONE
    outcomes = [Outcome.of(progress.get(check_id)) for check_id in ids]
    finished = sum(outcome.finished for outcome in outcomes)
    if finished == len(ids):
        return DONE
    touched = any(outcome is not Outcome.NOT_ATTEMPTED for outcome in outcomes)
    return SOME if finished or touched else NONE


def wrap_up_mark(course, progress: Mapping) -> str:
    """The wrap-up's mark in the sidebar.

    Its own checks' mark when it has checks; without any, ✓ once every check of the course
    is finished and no mark before (a bare "·" there would read as work left undone).
    """
    wrap_up = wrap_up_stage(course)
    if wrap_up is not None and wrap_up.checks:
        return stage_mark([check.id for check in wrap_up.checks], progress)
    every = [check.id for stage in course.stages for check in stage.checks]
    return DONE if every and stage_mark(every, progress) == DONE else ""


# The page links are a fragment of their own, keyed so that a check can rerun them with
# itself (``st.rerun([check_key, MARKS_FRAGMENT_KEY])``, workshop/ui/check_widgets.py): a
# check's press then redraws the marks without rerunning the page.
MARKS_FRAGMENT_KEY = "sidebar-marks"


@st.fragment(key=MARKS_FRAGMENT_KEY)
def render_page_links(course, pages: Mapping[str, st.Page], code: str) -> None:
    """The pages as links, each stage with its progress mark, read from the store now.

    A fragment: rerun after a check's Submit, Hint or Reveal, it reads the progress again
    (its arguments are those of the last full run; the marks are not).
    """
    progress = session.get_store().progress_for(code)
    # Every link carries the resume code: after a failover (`workshop serve`) the first run
    # on another process arrives through the link, and must find the same learner.
    keep = {"code": code}
    st.page_link(pages[WELCOME_ID], label="Welcome", query_params=keep)
    for stage in content_stages(course):
        mark = stage_mark([check.id for check in stage.checks], progress)
        # "3 Model — done ✓": the state in words (read aloud), then the design's glyph.
        st.page_link(pages[stage.id],
                     label=f"{stage.number} {stage.nav_title} — {mark_label(mark)}",
                     query_params=keep)
    wrap_mark = mark_label(wrap_up_mark(course, progress))
    st.page_link(pages[WRAP_UP_ID], label=f"Wrap-up — {wrap_mark}" if wrap_mark else "Wrap-up",
                 query_params=keep)
    if INSTRUCTOR_ID in pages:
        st.page_link(pages[INSTRUCTOR_ID], label="Instructor", query_params=keep)


def render(course, pages: Mapping[str, st.Page], code: str) -> None:
    """Draw the sidebar: the pages with progress marks, the resume code, the display name."""
    with st.sidebar:
        st.markdown(f"**{course.title}**")
        render_page_links(course, pages, code)
        st.divider()
        st.caption("Your resume code — keep it to carry on later or on another machine:")
        st.code(code, language=None)
        session.display_name_field(code)
        with st.expander("Resume with a code"):
            session.resume_form("sidebar")
