"""The page registry (workshop/ui/pages.py): one st.Page of a function of its own per page,
each with its own URL path and its own title, and the browser tab named after the page."""

from __future__ import annotations

import streamlit as st
from streamlit.testing.v1 import AppTest

from tests.ui.helpers import current_page, new_app, open_page
from workshop.content import load_course
from workshop.ui import pages
from workshop.ui.lesson_view import lessons_dir

COURSE = load_course(lessons_dir())
STAGES = pages.content_stages(COURSE)


def _registry_script() -> None:
    """Run inside AppTest (st.Page needs a script run): record what the registry builds."""
    import streamlit as st

    from workshop.content import load_course
    from workshop.ui import pages
    from workshop.ui.lesson_view import lessons_dir

    built = pages.build_pages(load_course(lessons_dir()))
    st.session_state["built"] = [
        (page_id, page.title, page.url_path, page._page.__name__)
        for page_id, page in built.items()]


def test_every_page_has_its_own_function_url_path_and_title(monkeypatch):
    monkeypatch.setenv("WORKSHOP_INSTRUCTOR_CODE", "registry-test")
    at = AppTest.from_function(_registry_script, default_timeout=30).run()
    assert not at.exception
    built = at.session_state["built"]
    ids = [row[0] for row in built]
    assert ids == ["welcome", *(stage.id for stage in STAGES), "wrap-up", "instructor",
                   "projector", "join"]
    for column in (1, 2, 3):  # titles, URL paths, function names: no two pages share one
        values = [row[column] for row in built]
        assert len(set(values)) == len(values), values
    rows = {row[0]: row for row in built}
    assert rows["welcome"][2] == ""  # the default page lives at /
    for stage in STAGES:
        _, title, url_path, function = rows[stage.id]
        assert url_path == stage.id  # /design, /model, … as before
        assert title == f"{stage.number} · {stage.nav_title} · {pages.APP_NAME}"
        assert function.startswith("stage_")


def test_no_instructor_page_without_a_code(monkeypatch):
    monkeypatch.delenv("WORKSHOP_INSTRUCTOR_CODE", raising=False)
    at = AppTest.from_function(_registry_script, default_timeout=30).run()
    assert "instructor" not in [row[0] for row in at.session_state["built"]]


def test_the_browser_tab_shows_each_pages_own_title(monkeypatch):
    """app.py names the browser tab after the page shown: every stage's tab differs."""
    titles: list[str] = []
    real = st.set_page_config

    def spy(*args, **kwargs):
        if kwargs.get("page_title"):
            titles.append(kwargs["page_title"])
        return real(*args, **kwargs)

    monkeypatch.setattr(st, "set_page_config", spy)
    at = new_app().run()
    seen = {}
    for page_id in ["welcome", *(stage.id for stage in STAGES), "wrap-up"]:
        titles.clear()
        open_page(at, page_id)
        assert not at.exception, page_id
        assert titles == [current_page(at)["page_name"]], page_id
        seen[page_id] = titles[0]
    assert len(set(seen.values())) == len(seen), seen
    assert seen["design"] == f"1 · Design · {pages.APP_NAME}"


def test_the_stage_pages_keep_nothing_in_session_state_for_routing():
    at = new_app().run()
    for stage in STAGES[:2]:
        open_page(at, stage.id)
        assert not at.exception
        assert "stage_id" not in at.session_state
        assert [title.value for title in at.title] == [f"Stage {stage.number} · {stage.title}"]
