"""Every page, in a real browser: it draws without a traceback, asks nothing of any host but
127.0.0.1, logs no console error, and leaves a full-page screenshot for a person to look at
(tests/browser/screenshots/, git-ignored)."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from workshop.ui.pages import APP_NAME

from .helpers import (
    CONTENT_STAGES,
    LOAD_TIMEOUT,
    full_page_screenshot,
    go_to_stage,
    main,
    open_app,
    open_room_tab,
    settle,
    sidebar,
)

STAGES = CONTENT_STAGES


def _drawn_without_errors(page, where: str) -> None:
    """No traceback, and no st.error box: on a new learner's page nothing has failed yet."""
    expect(
        main(page).locator('[data-testid="stException"]'), f"a traceback on {where}"
    ).to_have_count(0)
    expect(
        main(page).locator('[data-testid="stAlertContentError"]'), f"an error box on {where}"
    ).to_have_count(0)


def test_every_page_draws_offline_without_console_errors_and_is_screenshotted(
        server, make_context, watch, screenshot_dir):
    """A person opens the welcome page, every stage, the wrap-up and the instructor's room
    view: each draws, stays on this machine, logs no error, and is saved as a screenshot."""
    page = make_context().new_page()
    seen = watch(page)
    shots = []

    open_app(page, server["url"])
    expect(main(page).get_by_role("heading", level=1)).to_be_visible()
    _drawn_without_errors(page, "the welcome page")
    seen.assert_clean("the welcome page")
    shots.append(full_page_screenshot(page, screenshot_dir / "00-welcome.png"))

    expect(page).to_have_title(f"Welcome · {APP_NAME}")
    for stage in STAGES:
        go_to_stage(page, stage)
        where = f"the Stage {stage.number} page (/{stage.id})"
        # Each page names the browser tab after itself (workshop/ui/pages.py).
        expect(page).to_have_title(f"{stage.number} · {stage.nav_title} · {APP_NAME}")
        _drawn_without_errors(page, where)
        seen.assert_clean(where)
        name = f"{stage.number + 1:02d}-stage-{stage.number}-{stage.id}.png"
        shots.append(full_page_screenshot(page, screenshot_dir / name))

    sidebar(page).get_by_role("link", name=re.compile(r"^Wrap-up")).click()
    page.wait_for_url(re.compile(r"/wrap-up(\?|$)"), timeout=LOAD_TIMEOUT)
    expect(main(page).get_by_role("heading", name=re.compile("^Wrap-up"), level=1)).to_be_visible(
        timeout=LOAD_TIMEOUT)
    settle(page)
    _drawn_without_errors(page, "the wrap-up page")
    seen.assert_clean("the wrap-up page")
    shots.append(full_page_screenshot(page, screenshot_dir / f"{len(STAGES) + 1:02d}-wrap-up.png"))

    open_room_tab(page, server["instructor_code"])
    _drawn_without_errors(page, "the instructor's room view")
    seen.assert_clean("the instructor's room view")
    shots.append(
        full_page_screenshot(page, screenshot_dir / f"{len(STAGES) + 2:02d}-instructor-room.png")
    )

    for shot in shots:
        assert shot.stat().st_size > 10_000, f"{shot.name} looks empty"
