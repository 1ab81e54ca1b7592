"""Navigation: the app's pages (built in one place so the router, the sidebar and the
"Next stage" buttons agree on them) and the sidebar that lists them with the learner's
progress marks, resume code and display name."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import streamlit as st

from workshop.ui import session

PROJECT_ROOT = Path(__file__).resolve().parents[2]
VIEWS = Path("workshop") / "ui" / "views"
WELCOME_VIEW, STAGE_VIEW, WRAP_UP_VIEW, INSTRUCTOR_VIEW = (
    "welcome.py", "stage.py", "wrap_up.py", "instructor.py")

WRAP_UP_ID = "wrap-up"
WELCOME_ID = "welcome"
INSTRUCTOR_ID = "instructor"

DONE, SOME, NONE = "✓", "◐", "·"
FINISHED_OUTCOMES = frozenset({"passed", "revealed"})


def content_stages(course) -> list:
    """The stages that get a stage page: every course stage except the wrap-up."""
    return [stage for stage in course.stages if stage.id != WRAP_UP_ID]


def wrap_up_stage(course):
    """The course's wrap-up stage (its lesson and checks go on the wrap-up page), or None."""
    return next((stage for stage in course.stages if stage.id == WRAP_UP_ID), None)


def stage_title(stage) -> str:
    """A stage's page title: ``"N · nav_title"``."""
    return f"{stage.number} · {stage.nav_title}"


def _view(root: Path, name: str) -> Path:
    return root / VIEWS / name


def welcome_page(root: Path = PROJECT_ROOT) -> st.Page:
    """The welcome page (the app's default page, at ``/``)."""
    return st.Page(_view(root, WELCOME_VIEW), title="Welcome", url_path=WELCOME_ID, default=True)


def stage_page(stage, root: Path = PROJECT_ROOT) -> st.Page:
    """The page of one stage: the shared stage view under the stage id as URL path."""
    return st.Page(_view(root, STAGE_VIEW), title=stage_title(stage), url_path=stage.id)


def wrap_up_page(root: Path = PROJECT_ROOT) -> st.Page:
    """The wrap-up page: the learner's results and the team policy."""
    return st.Page(_view(root, WRAP_UP_VIEW), title="Wrap-up", url_path=WRAP_UP_ID)


def instructor_page(root: Path = PROJECT_ROOT) -> st.Page | None:
    """The instructor's room view, when that view exists and an instructor code is set."""
    view = _view(root, INSTRUCTOR_VIEW)
    if not view.is_file():
        return None
    try:
        from workshop.instructor import configured_code
    except ImportError:
        return None
    try:
        secret = st.secrets.get("instructor_code")
    except Exception:  # noqa: BLE001 — no secrets file at all is the usual case
        secret = None
    if not configured_code(secret if isinstance(secret, str) else None):
        return None
    return st.Page(view, title="Instructor", url_path=INSTRUCTOR_ID)


def build_pages(course, root: Path = PROJECT_ROOT) -> dict[str, st.Page]:
    """Every page of the app, keyed by page id (welcome, each stage id, wrap-up, and
    instructor when configured), in navigation order.

    Args:
        course: the loaded course; root: the folder of ``app.py`` (views live under it).
    """
    pages: dict[str, st.Page] = {WELCOME_ID: welcome_page(root)}
    for stage in content_stages(course):
        pages[stage.id] = stage_page(stage, root)
    pages[WRAP_UP_ID] = wrap_up_page(root)
    instructor = instructor_page(root)
    if instructor is not None:
        pages[INSTRUCTOR_ID] = instructor
    return pages


def page_for(course, page_id: str) -> st.Page:
    """The page with this id (a stage id, ``"welcome"`` or ``"wrap-up"``), for links and
    ``st.switch_page``; Streamlit matches it to the registered page by its URL path."""
    if page_id == WELCOME_ID:
        return welcome_page()
    if page_id == WRAP_UP_ID:
        return wrap_up_page()
    return stage_page(course.stage(page_id))


def go_to(course, page_id: str) -> None:
    """Switch to a page, keeping the resume code in the address."""
    st.switch_page(page_for(course, page_id),
                   query_params={session.QUERY_KEY: session.learner_code()})


def stage_mark(check_ids, progress: Mapping) -> str:
    """✓ when every check is passed or revealed, ◐ when some are (or any was tried),
    · when none was touched; a stage without checks shows ·."""
    ids = list(check_ids)
    if not ids:
        return NONE
    outcomes = [_outcome(progress.get(check_id)) for check_id in ids]
    finished = sum(outcome in FINISHED_OUTCOMES for outcome in outcomes)
    if finished == len(ids):
        return DONE
    touched = any(outcome not in ("", "not_attempted") for outcome in outcomes)
    return SOME if finished or touched else NONE


def _outcome(record) -> str:
    if record is None:
        return ""
    outcome = getattr(record, "outcome", "")
    return str(getattr(outcome, "value", outcome))


def render(course, pages: Mapping[str, st.Page], code: str) -> None:
    """Draw the sidebar: the pages with progress marks, the resume code, the display name."""
    progress = session.get_store().progress_for(code)
    with st.sidebar:
        st.markdown(f"**{course.title}**")
        st.page_link(pages[WELCOME_ID], label="Welcome")
        for stage in content_stages(course):
            mark = stage_mark([check.id for check in stage.checks], progress)
            # "3 Model ✓", as in the design sketch; the em space keeps the mark apart.
            st.page_link(pages[stage.id], label=f"{stage.number} {stage.nav_title}\u2003{mark}")
        wrap_up = wrap_up_stage(course)
        wrap_mark = stage_mark([check.id for check in wrap_up.checks], progress) if wrap_up else ""
        st.page_link(pages[WRAP_UP_ID], label=f"Wrap-up\u2003{wrap_mark}".rstrip())
        if INSTRUCTOR_ID in pages:
            st.page_link(pages[INSTRUCTOR_ID], label="Instructor")
        st.divider()
        st.caption("Your resume code — keep it to carry on later or on another machine:")
        st.code(code, language=None)
        session.display_name_field(code)
        with st.expander("Resume with a code"):
            session.resume_form("sidebar")
