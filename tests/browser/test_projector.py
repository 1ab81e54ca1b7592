"""The room's screen and a phone, in a real Chromium, with screenshots to look at.

- Projector (1280 × 720): ``/projector?stage=<id>`` shows the stage's demo right under a
  slim bar (within the first 200 px), large, with no sidebar and nothing of the room: no
  learner's name, no room view, no instructor tabs.
- Join panel: the room's address in large type and as a QR code (inline SVG, named), and
  on a loopback-only server, the warning that the room cannot reach it and how to serve.
- Phone (390 × 844): the sidebar's toggle is on screen and labelled; it opens the sidebar
  with the resume code; a demo's two sides stay side by side.
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from .helpers import (
    CONTENT_STAGES,
    LOAD_TIMEOUT,
    STEP_TIMEOUT,
    main,
    open_app,
    resume_code,
    settle,
    sidebar,
    wait_for_charts,
)
from .test_accessibility import unlock

PROJECTOR_VIEWPORT = {"width": 1280, "height": 720}
PHONE_VIEWPORT = {"width": 390, "height": 844}
LEARNER_NAME = "Ada Projector-Test"


def _name_a_learner(make_context, url: str) -> None:
    """A learner elsewhere gives a display name (the room view would list it)."""
    page = make_context().new_page()
    open_app(page, url)
    field = sidebar(page).get_by_role("textbox", name="Display name (optional)")
    field.fill(LEARNER_NAME)
    field.press("Enter")
    expect(sidebar(page).get_by_text(f"Hello, {LEARNER_NAME}", exact=True)).to_be_visible(
        timeout=STEP_TIMEOUT)


def _open_projector(page: Page, server, stage) -> None:
    page.goto(f"{server['url']}/projector?stage={stage.id}")
    unlock(page, server["instructor_code"])
    expect(main(page).get_by_role("heading", name=f"Stage {stage.number} · {stage.title}",
                                  level=1)).to_be_visible(timeout=LOAD_TIMEOUT)
    # Every demo shows its two sides ("Irreproducible", "Reproducible") once it has run.
    demo = main(page).locator(".st-key-projector-demo")
    expect(demo.get_by_role("heading", name="Reproducible", exact=True).first).to_be_visible(
        timeout=LOAD_TIMEOUT)
    _wait_until_drawn(page, demo)


def _wait_until_drawn(page: Page, demo, quiet_ms: int = 1500, rounds: int = 40) -> None:
    """Until the demo has no spinner and its element count held still for ``quiet_ms``
    (cached steps draw in bursts); then every chart has drawn its marks."""
    elements = demo.locator('[data-testid="stElementContainer"]')
    previous = -1
    for _ in range(rounds):
        expect(main(page).locator('[data-testid="stSpinner"]')).to_have_count(
            0, timeout=LOAD_TIMEOUT)
        settle(page)
        count = elements.count()
        if count == previous:
            break
        previous = count
        page.wait_for_timeout(quiet_ms)
    wait_for_charts(page)


def test_projector_shows_only_the_demo_large_and_nothing_of_the_room(
        server, browser, make_context, watch, screenshot_dir):
    """At 1280 × 720 each stage's demo starts within 200 px, large, with no learner name."""
    _name_a_learner(make_context, server["url"])
    context = browser.new_context(viewport=PROJECTOR_VIEWPORT)
    try:
        page = context.new_page()
        seen = watch(page)
        for stage in CONTENT_STAGES:
            _open_projector(page, server, stage)
            demo = main(page).locator(".st-key-projector-demo")
            box = demo.bounding_box()
            assert box is not None and box["y"] <= 200, f"the demo of {stage.id} starts at {box}"
            first_child = demo.locator('[data-testid="stElementContainer"]').first.bounding_box()
            assert first_child is not None and first_child["y"] <= 200, stage.id
            expect(page.locator('[data-testid="stSidebar"]')).to_have_count(0)
            text = page.locator("body").inner_text()
            assert LEARNER_NAME not in text
            assert "Learners with progress" not in text
            expect(main(page).get_by_role("tab", name="Room")).to_have_count(0)
            # Large: the first paragraph (a caption: 14 px) drawn at ≥ 19 px (× 1.4).
            paragraph = demo.locator("p").first
            height = paragraph.evaluate("e => parseFloat(getComputedStyle(e).fontSize) *"
                                        " (e.closest('.st-key-projector-demo').currentCSSZoom"
                                        " || 1)")
            assert height >= 19, f"text on the projector of {stage.id} is {height} px"
            page.screenshot(path=str(screenshot_dir / f"projector-{stage.number}-{stage.id}.png"))
        seen.assert_clean("the projector view")
    finally:
        context.close()


def test_the_chart_text_on_the_projector_is_large(server, browser):
    """Chart axis labels: 13 px in the theme, × 1.4 on the projector: ≥ 17 px on screen."""
    context = browser.new_context(viewport=PROJECTOR_VIEWPORT)
    try:
        page = context.new_page()
        stage = next(stage for stage in CONTENT_STAGES if stage.id == "deployment")
        _open_projector(page, server, stage)
        label = main(page).locator('[data-testid="stVegaLiteChart"] svg g.role-axis-label text'
                                   ).first
        expect(label).to_be_visible(timeout=LOAD_TIMEOUT)
        size = label.evaluate("e => parseFloat(e.getAttribute('font-size') ||"
                              " getComputedStyle(e).fontSize)")
        assert size >= 13, f"chart labels are {size} px in the theme"
        on_screen = label.bounding_box()["height"]
        assert on_screen >= 17, f"chart labels are {on_screen:.1f} px tall on the projector"
    finally:
        context.close()


def test_join_panel_shows_the_address_large_and_as_a_qr_code(server, browser, screenshot_dir):
    """The app's root address in large type, its QR code, and (the test server listens on
    127.0.0.1 only) the warning with the command that serves the room's network."""
    context = browser.new_context(viewport=PROJECTOR_VIEWPORT)
    try:
        page = context.new_page()
        page.goto(f"{server['url']}/join")
        unlock(page, server["instructor_code"])
        expect(main(page).get_by_role("heading", name="Join the workshop", level=1)).to_be_visible(
            timeout=LOAD_TIMEOUT)
        address = f"{server['url']}/"
        shown = main(page).locator(".st-key-join-address")
        expect(shown).to_have_text(address, timeout=STEP_TIMEOUT)
        assert shown.locator("p").evaluate("e => parseFloat(getComputedStyle(e).fontSize)") >= 32
        qr = main(page).get_by_role("img", name=f"QR code for {address}", exact=True)
        expect(qr).to_be_visible()
        assert qr.bounding_box()["width"] >= 250
        expect(main(page).get_by_text(re.compile(r"python -m workshop serve --address 0\.0\.0\.0"))
               ).to_be_visible()
        page.screenshot(path=str(screenshot_dir / "join.png"))
    finally:
        context.close()


def test_on_a_phone_the_sidebar_toggle_is_labelled_and_opens_the_resume_code(
        server, browser, screenshot_dir):
    """At 390 px the sidebar starts closed; its toggle is on screen with a visible label,
    opens the sidebar with the resume code, and a demo's two sides stay side by side."""
    context = browser.new_context(viewport=PHONE_VIEWPORT, is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        stage = next(stage for stage in CONTENT_STAGES if stage.id == "deployment")
        page.goto(f"{server['url']}/{stage.id}")
        left = main(page).get_by_role("heading", name="Irreproducible", exact=True).first
        right = main(page).get_by_role("heading", name="Reproducible", exact=True).first
        expect(right).to_be_visible(timeout=LOAD_TIMEOUT)
        settle(page)
        left_box, right_box = left.bounding_box(), right.bounding_box()
        assert abs(left_box["y"] - right_box["y"]) < 10, (left_box, right_box)
        assert right_box["x"] > left_box["x"] + left_box["width"]
        page.screenshot(path=str(screenshot_dir / "phone-stage-top.png"))
        right.scroll_into_view_if_needed()
        page.screenshot(path=str(screenshot_dir / "phone-side-by-side.png"))

        toggle = page.get_by_role("button", name="Expand sidebar")
        expect(toggle).to_be_visible()
        toggle_box = toggle.bounding_box()
        assert toggle_box["y"] + toggle_box["height"] <= PHONE_VIEWPORT["height"]
        assert toggle_box["width"] >= 44 and toggle_box["height"] >= 24, toggle_box
        label = toggle.evaluate("e => getComputedStyle(e, '::after').content")
        assert "Expand sidebar" in label and "resume code" in label, label
        toggle.click()
        assert resume_code(page)
        expect(sidebar(page).locator('[data-testid="stCode"]').first).to_be_in_viewport()
        page.screenshot(path=str(screenshot_dir / "phone-sidebar-open.png"))
    finally:
        context.close()
