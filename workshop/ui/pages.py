"""The page registry: every page of the app, built in one place.

The router (``app.py``), the sidebar and the "Next stage" buttons all ask this module, so
they agree on the pages. Each page is an ``st.Page`` of a function of its own, with its own
title (the browser tab shows it) and its own URL path: ``/`` (welcome), one per stage id
(``/design``, ``/model``, …), ``/wrap-up``, and, when an instructor code is configured,
``/instructor``, ``/projector`` (``?stage=<id>``: one stage's demo, large) and ``/join``
(the room's address and its QR code); the last two are projected and have no sidebar.
A stage's function carries its stage id, so nothing travels through session state. The
page modules are imported when their page runs, not before: the welcome page stays light,
and this module imports none of them (they import it, for ``go_to``).
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable

import streamlit as st

from workshop import settings
from workshop.ui import session

APP_NAME = "Reproducible ML Workshop"
WELCOME_ID = "welcome"
WRAP_UP_ID = "wrap-up"
INSTRUCTOR_ID = "instructor"
PROJECTOR_ID = "projector"
JOIN_ID = "join"
# Pages for the room's screen: no sidebar (the learner's progress and resume code).
PROJECTED_IDS = frozenset({PROJECTOR_ID, JOIN_ID})


def content_stages(course) -> list:
    """The stages that get a stage page: every course stage except the wrap-up."""
    return [stage for stage in course.stages if stage.id != WRAP_UP_ID]


def wrap_up_stage(course):
    """The course's wrap-up stage (its lesson and checks go on the wrap-up page), or None."""
    return next((stage for stage in course.stages if stage.id == WRAP_UP_ID), None)


def stage_title(stage) -> str:
    """A stage's short title: ``"N · nav_title"``."""
    return f"{stage.number} · {stage.nav_title}"


def browser_title(name: str) -> str:
    """A page's title as the browser tab shows it: ``"1 · Design · Reproducible ML …"``."""
    return f"{name} · {APP_NAME}"


def page_function(module: str, name: str, *args: str) -> Callable[[], None]:
    """A function of its own that draws a page: ``workshop.ui.<module>.render(*args)``.

    Streamlit tells pages apart by their URL paths; each function still gets its own
    ``__name__`` (``name``), so a page's function says which page it is.
    """
    def draw() -> None:
        importlib.import_module(f"workshop.ui.{module}").render(*args)

    draw.__name__ = draw.__qualname__ = name
    return draw


def _function_name(page_id: str) -> str:
    return re.sub(r"\W", "_", page_id.replace("-", "_"))


def welcome_page() -> st.Page:
    """The welcome page (the app's default page, at ``/``)."""
    return st.Page(page_function("welcome", "welcome_page"), title=browser_title("Welcome"),
                   url_path=WELCOME_ID, default=True)


def stage_page(stage) -> st.Page:
    """The page of one stage, at the stage id, drawing that stage."""
    draw = page_function("stage_page", f"stage_{_function_name(stage.id)}", stage.id)
    return st.Page(draw, title=browser_title(stage_title(stage)), url_path=stage.id)


def wrap_up_page() -> st.Page:
    """The wrap-up page: the learner's results and the team policy."""
    return st.Page(page_function("wrap_up", "wrap_up_page"), title=browser_title("Wrap-up"),
                   url_path=WRAP_UP_ID)


def instructor_page() -> st.Page | None:
    """The instructor's page, or None when no instructor code is configured."""
    if settings.instructor_code() is None:
        return None
    return st.Page(page_function("instructor_page", "instructor_page"),
                   title=browser_title("Instructor"), url_path=INSTRUCTOR_ID)


def projector_page() -> st.Page | None:
    """The projector view (``/projector?stage=<id>``), or None without an instructor code."""
    if settings.instructor_code() is None:
        return None
    return st.Page(page_function("projector", "projector_page"),
                   title=browser_title("Projector"), url_path=PROJECTOR_ID)


def join_page() -> st.Page | None:
    """The room's join panel (``/join``), or None without an instructor code."""
    if settings.instructor_code() is None:
        return None
    return st.Page(page_function("join", "join_page"), title=browser_title("Join"),
                   url_path=JOIN_ID)


def has_sidebar(page: st.Page) -> bool:
    """Whether the router draws the sidebar with this page (not on projected pages)."""
    return page.url_path not in PROJECTED_IDS


def build_pages(course) -> dict[str, st.Page]:
    """Every page of the app, keyed by page id, in navigation order.

    Args:
        course: the loaded course.

    Returns:
        ``{"welcome": …, <each stage id>: …, "wrap-up": …}``, and ``"instructor"``,
        ``"projector"`` and ``"join"`` when an instructor code is configured.
    """
    pages: dict[str, st.Page] = {WELCOME_ID: welcome_page()}
    for stage in content_stages(course):
        pages[stage.id] = stage_page(stage)
    pages[WRAP_UP_ID] = wrap_up_page()
    for page_id, page in ((INSTRUCTOR_ID, instructor_page()),
                          (PROJECTOR_ID, projector_page()), (JOIN_ID, join_page())):
        if page is not None:
            pages[page_id] = page
    return pages


def page_for(course, page_id: str) -> st.Page:
    """The page with this id (a stage id, ``"welcome"`` or ``"wrap-up"``).

    For links and ``st.switch_page``: Streamlit matches it to the registered page by its
    URL path.
    """
    if page_id == WELCOME_ID:
        return welcome_page()
    if page_id == WRAP_UP_ID:
        return wrap_up_page()
    return stage_page(course.stage(page_id))


def go_to(course, page_id: str) -> None:
    """Switch to a page, keeping the resume code in the address."""
    st.switch_page(page_for(course, page_id),
                   query_params={session.QUERY_KEY: session.learner_code()})
