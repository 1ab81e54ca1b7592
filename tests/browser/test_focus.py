"""Where the keyboard's focus is, in a real Chromium: visible, unlike "current page", and
never on a heading's anchor link.

- A sidebar link reached with Tab has a 3 px outline; the current page's link, shaded by
  Streamlit, has none while the focus is elsewhere: the two look different.
- Tabbing through a whole stage page never stops on a heading's anchor link (``#…``).
"""

from __future__ import annotations

from playwright.sync_api import Page

from workshop.ui.theme import FOCUS

from .helpers import CONTENT_STAGES, go_to_stage, open_app, stage_link

# Enough presses to pass every control of a stage page (the sidebar, the lesson, the
# demo's buttons, every check's widgets); the loop stops when the focus wraps around.
MAX_TABS = 250

_FOCUSED = """() => {
    const e = document.activeElement;
    if (!e || e === document.body) return null;
    const style = getComputedStyle(e);
    return {tag: e.tagName, href: e.getAttribute('href') || '',
            current: e.getAttribute('aria-current') || '',
            inSidebar: !!e.closest('[data-testid="stSidebar"]'),
            inHeading: !!e.closest('[data-testid="stHeaderActionElements"], h1, h2, h3, h4,'
                                   + ' h5, h6'),
            outline: `${style.outlineStyle} ${style.outlineWidth} ${style.outlineColor}`,
            key: e.outerHTML.slice(0, 120)};
}"""


def _rgb(colour: str) -> str:
    digits = colour.lstrip("#")
    red, green, blue = (int(digits[index:index + 2], 16) for index in (0, 2, 4))
    return f"rgb({red}, {green}, {blue})"


def _tab_through(page: Page) -> list[dict]:
    """Press Tab from the top of the page until the focus comes round; what had it."""
    page.locator("body").focus()
    seen: list[dict] = []
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        focused = page.evaluate(_FOCUSED)
        if focused is None or (seen and focused["key"] == seen[0]["key"]):
            break
        seen.append(focused)
    return seen


def test_focus_is_visible_unlike_the_current_page_and_skips_heading_anchors(server, context):
    page = context.new_page()
    open_app(page, server["url"])
    stage = CONTENT_STAGES[1]
    go_to_stage(page, stage)
    stops = _tab_through(page)
    assert len(stops) > 10, stops

    anchors = [stop for stop in stops if stop["href"].startswith("#") and stop["inHeading"]]
    assert anchors == [], f"heading anchors take tab stops: {anchors}"

    focused_links = [stop for stop in stops if stop["inSidebar"] and stop["tag"] == "A"]
    assert focused_links, "Tab never reached the sidebar's links"
    for stop in focused_links:
        assert stop["outline"] == f"solid 3px {_rgb(FOCUS)}", stop

    # The current page's link, with the focus elsewhere: shaded by Streamlit, no outline.
    current = stage_link(page, stage)
    page.locator("body").focus()
    look = current.evaluate(
        "e => { const s = getComputedStyle(e);"
        " return {outline: `${s.outlineStyle} ${s.outlineWidth}`, shade: s.backgroundColor}; }")
    assert not look["outline"].startswith("solid 3px"), look
    assert look["shade"] not in ("rgba(0, 0, 0, 0)", "transparent"), look
