"""From the instructor page to the room's screen, in a real Chromium: the page's links open
the projector view of a chosen stage (``/projector?stage=<id>``) and the join panel
(``/join``) in the same browser session, which stays unlocked there (no code asked again)."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from .helpers import CONTENT_STAGES, LOAD_TIMEOUT, main, open_app, settle, sidebar
from .test_accessibility import unlock


def test_instructor_page_links_open_the_projector_view_and_the_join_panel(server, context,
                                                                           watch):
    page = context.new_page()
    seen = watch(page)
    open_app(page, server["url"])
    sidebar(page).get_by_role("link", name="Instructor", exact=True).click()
    unlock(page, server["instructor_code"])
    stage = CONTENT_STAGES[2]  # not the first: the link carries the stage chosen
    main(page).get_by_role("link", name=f"Projector: {stage.number} · {stage.nav_title}",
                           exact=True).click()
    # The app adds the learner's resume code to every address (&code=…).
    page.wait_for_url(re.compile(rf"/projector\?stage={re.escape(stage.id)}(&|$)"),
                      timeout=LOAD_TIMEOUT)
    expect(main(page).get_by_role("heading", name=f"Stage {stage.number} · {stage.title}",
                                  level=1)).to_be_visible(timeout=LOAD_TIMEOUT)
    expect(main(page).get_by_label("Instructor code")).to_have_count(0)
    # Streamlit keeps the sidebar's pane after a link inside the app: it must not show.
    expect(page.locator('[data-testid="stSidebar"]')).to_be_hidden()
    assert main(page).bounding_box()["x"] < 50, "the projected page starts at the left edge"
    settle(page)

    page.go_back()
    expect(main(page).get_by_role("heading", name="Instructor", level=1)).to_be_visible(
        timeout=LOAD_TIMEOUT)
    main(page).get_by_role("link", name="Join panel", exact=True).click()
    page.wait_for_url(re.compile(r"/join(\?|$)"), timeout=LOAD_TIMEOUT)
    expect(main(page).get_by_role("heading", name="Join the workshop", level=1)).to_be_visible(
        timeout=LOAD_TIMEOUT)
    expect(main(page).get_by_label("Instructor code")).to_have_count(0)
    expect(page.locator('[data-testid="stSidebar"]')).to_be_hidden()
    settle(page)
    seen.assert_clean("the instructor's links to the room's screen")
