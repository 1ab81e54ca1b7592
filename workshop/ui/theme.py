"""How the app looks for everyone: contrast, keyboard focus, narrow screens and charts.

The colours Streamlit's theme options cover live in ``.streamlit/config.toml`` (a near-black
``textColor``, so that captions, which Streamlit draws in that colour at 60 % opacity, pass
4.5:1; the code block's colours). What no theme option covers is here, as one stylesheet
that :func:`apply` adds to every page run, and as an Altair theme for every chart:

- code tokens and ``st.json`` values, whose colours Streamlit fixes below 4.5:1;
- a focus outline that differs from the current page's highlight in the sidebar;
- heading anchor links taken out of the page (they were a third of a stage's tab stops);
- on narrow screens, the two sides of a demo kept side by side, and the sidebar's toggle
  labelled with what is behind it;
- chart text dark and at least 13 px; a chart's grey marks should use :data:`MARK_GREY`.

Every colour pair used here is listed in :data:`CONTRAST_PAIRS`; the tests check each one
with :func:`contrast_ratio`. Altair is imported only for pages that draw charts, so the
welcome page stays light.
"""

from __future__ import annotations

import threading

import streamlit as st

# --- colours -------------------------------------------------------------------------------

WHITE = "#ffffff"
# The theme's textColor (.streamlit/config.toml); captions are it at 60 % opacity.
TEXT = "#0a0a0a"
SIDEBAR_BACKGROUND = "#f8f8f7"  # Streamlit's light theme, unchanged
CODE_BACKGROUND = "#f1f1f0"  # codeBackgroundColor (.streamlit/config.toml)
CODE_TEXT = "#1a1a1a"  # codeTextColor
FOCUS = "#0b4fb0"  # the keyboard focus outline (7.6:1 on white, 7.1:1 on the sidebar)
CAPTION_OPACITY = 0.6  # Streamlit's fadedText60

# Code tokens (Prism classes Streamlit's code blocks use): every one ≥ 5:1 on the code
# background. Streamlit's own reach 2.2–3.9:1.
CODE_TOKENS = {
    ".token.comment, .token.prolog, .token.doctype, .token.cdata": "#5c5f66",
    ".token.punctuation": "#3d3d3d",
    ".token.attr-name, .token.property, .token.variable": "#005a8c",
    ".token.boolean, .token.constant, .token.symbol": "#0b6e2e",
    ".token.number, .token.regex": "#8a3b00",
    ".token.string, .token.char, .token.attr-value": "#0b6e2e",
    ".token.operator, .token.entity": "#7a3e00",
    ".token.url": "#5b2fa8",
    ".token.decorator, .token.atrule": "#7a3e00",
    ".token.keyword, .token.tag": "#0b4fb0",
    ".token.function, .token.class-name, .token.selector": "#6a2fb0",
    ".token.important, .token.deleted.line, .token.deleted.prefix": "#b00020",
    ".token.inserted.line, .token.inserted.prefix": "#0b6e2e",
    ".token.unchanged.line": "#5c5f66",
}

# ``st.json`` (react-json-view's light scheme) writes each value's colour inline; these are
# the scheme's colours as the browser reports them, each with a darker one of the same hue.
JSON_VALUES = {
    "rgb(203, 75, 22)": "#a13c0f",  # strings (was 4.0:1)
    "rgb(38, 139, 210)": "#1b65a0",  # integers (3.7:1)
    "rgb(133, 153, 0)": "#5c6b00",  # floats (3.0:1)
    "rgb(42, 161, 152)": "#146b64",  # booleans (3.0:1)
    "rgb(220, 50, 47)": "#b3261e",  # NaN (4.0:1)
    "rgb(211, 54, 130)": "#a8276a",  # dates (4.4:1)
    "rgb(108, 113, 196)": "#5257a8",  # regular expressions, functions (4.5:1)
    "rgb(147, 161, 161)": "#5e6b6b",  # null, undefined (2.6:1)
}

# Charts: text dark and ≥ 13 px, grid light (decoration), marks for comparison grey enough
# for 3:1 as a graphical object. Streamlit's own chart theme gives 12 px text at 3.7:1.
CHART_TEXT = "#262626"
CHART_GRID = "#e0e0e0"
MARK_GREY = "#6b6b6b"  # ``widgets.GREY``, 5.3:1 on white (#9e9e9e was 2.7:1)
CHART_LABEL_PX = 13
CHART_TITLE_PX = 14
CHART_HEADING_PX = 16
CHART_THEME = "workshop"

# Every foreground/background pair this module and config.toml choose, with the ratio it
# must reach: 4.5 for text, 3 for focus outlines and graphical objects.
CONTRAST_PAIRS: tuple[tuple[str, str, str, float], ...] = (
    ("body text", TEXT, WHITE, 4.5),
    ("caption", "caption", WHITE, 4.5),
    ("caption in the sidebar", "caption", SIDEBAR_BACKGROUND, 4.5),
    ("code text", CODE_TEXT, CODE_BACKGROUND, 4.5),
    *((f"code {selector.split(',')[0]}", colour, CODE_BACKGROUND, 4.5)
      for selector, colour in CODE_TOKENS.items()),
    *((f"json {was}", colour, WHITE, 4.5) for was, colour in JSON_VALUES.items()),
    ("chart text", CHART_TEXT, WHITE, 4.5),
    ("grey chart marks", MARK_GREY, WHITE, 3.0),
    ("focus outline", FOCUS, WHITE, 3.0),
    ("focus outline in the sidebar", FOCUS, SIDEBAR_BACKGROUND, 3.0),
)


def _channels(colour: str) -> tuple[int, int, int]:
    digits = colour.lstrip("#")
    if len(digits) == 3:
        digits = "".join(digit * 2 for digit in digits)
    return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16)


def relative_luminance(colour: str) -> float:
    """WCAG 2.1 relative luminance of an opaque ``#rrggbb`` (or ``#rgb``) colour."""
    def linear(channel: int) -> float:
        value = channel / 255
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (linear(channel) for channel in _channels(colour))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast_ratio(foreground: str, background: str) -> float:
    """WCAG 2.1 contrast ratio of two opaque colours, from 1 to 21."""
    lighter, darker = sorted((relative_luminance(foreground), relative_luminance(background)),
                             reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def blend(foreground: str, background: str, opacity: float) -> str:
    """``foreground`` at ``opacity`` over ``background``, as the opaque colour one sees."""
    mixed = (round(opacity * top + (1 - opacity) * bottom)
             for top, bottom in zip(_channels(foreground), _channels(background), strict=True))
    return "#" + "".join(f"{channel:02x}" for channel in mixed)


def caption_colour(background: str) -> str:
    """The colour a caption shows in over ``background`` (Streamlit's fadedText60)."""
    return blend(TEXT, background, CAPTION_OPACITY)


def pair_ratio(foreground: str, background: str) -> float:
    """The contrast of a :data:`CONTRAST_PAIRS` entry (``"caption"`` is the blended grey)."""
    if foreground == "caption":
        foreground = caption_colour(background)
    return contrast_ratio(foreground, background)


# --- the stylesheet --------------------------------------------------------------------------

_FOCUS_AND_HEADINGS = f"""
/* Keyboard focus: a thick outline, never only a background, so that a focused link in the
   sidebar looks unlike the current page's (which Streamlit shades). */
[data-testid="stApp"] :is(a, button, input, textarea, select, summary, [tabindex]):focus-visible {{
  outline: 3px solid {FOCUS} !important;
  outline-offset: 2px !important;
}}
[data-testid="stSidebar"] a[data-testid="stPageLink-NavLink"]:focus-visible {{
  outline-offset: -3px !important;
  text-decoration: underline;
}}
/* Code listings wrap instead of scrolling: a scrolling <pre> cannot take keyboard focus
   (axe: scrollable-region-focusable), and wrapped code reads on a phone and a projector. */
[data-testid="stCode"] pre {{ overflow: visible !important; }}
[data-testid="stCode"] pre code {{
  white-space: pre-wrap !important; overflow-wrap: anywhere;
}}
/* Heading anchor links: one tab stop per heading, nothing a learner needs. */
[data-testid="stHeaderActionElements"] a[href^="#"] {{ display: none !important; }}
"""

_CODE = "\n".join(
    f'[data-testid="stCode"] :is({selector}) {{ color: {colour} !important; }}'
    for selector, colour in CODE_TOKENS.items()
) + "\n" + "\n".join(
    f'[data-testid="stJson"] [style*="color: {was}"] {{ color: {colour} !important; }}'
    for was, colour in JSON_VALUES.items()
)

# Phones: Streamlit stacks columns below 641 px, which puts the two sides of a demo a
# screen apart. The side-by-side pair (``widgets.side_by_side``: a column headed
# "Irreproducible" beside one headed "Reproducible") stays two columns, in smaller type.
_NARROW = """
@media (max-width: 640px) {
  .stHorizontalBlock:has(h3[id^="irreproducible"]) {
    flex-wrap: nowrap !important; gap: 0.4rem !important;
  }
  .stHorizontalBlock:has(h3[id^="irreproducible"]) > [data-testid="stColumn"] {
    min-width: 0 !important; width: auto !important; flex: 1 1 0 !important;
  }
  .stHorizontalBlock:has(h3[id^="irreproducible"]) [data-testid="stVerticalBlock"] {
    gap: 0.5rem;
  }
  .stHorizontalBlock:has(h3[id^="irreproducible"]) :is(p, li, td, th, label, code) {
    font-size: 0.8rem !important; line-height: 1.35;
  }
  .stHorizontalBlock:has(h3[id^="irreproducible"]) h3 { font-size: 1.05rem !important; }
  .stHorizontalBlock:has(h3[id^="irreproducible"]) [data-testid="stMetricValue"] {
    font-size: 1.2rem !important;
  }
  .stHorizontalBlock:has(h3[id^="irreproducible"]) > [data-testid="stColumn"]
    [data-testid="stVerticalBlock"][height="auto"] { padding: 0; }
  /* The sidebar (progress, resume code) is collapsed on a phone: say what is behind it. */
  [data-testid="stExpandSidebarButton"] {
    width: auto !important; padding: 0.25rem 0.5rem !important; gap: 0.35rem;
    border: 1px solid currentColor !important; border-radius: 0.5rem;
  }
  [data-testid="stExpandSidebarButton"]::after {
    content: "Expand sidebar: progress, resume code" / "";
    font-size: 0.85rem; white-space: nowrap;
  }
}
"""

STYLESHEET = "<style>" + _FOCUS_AND_HEADINGS + _CODE + _NARROW + "</style>"


# --- the chart theme -------------------------------------------------------------------------

def chart_config(label_px: int = CHART_LABEL_PX, title_px: int = CHART_TITLE_PX) -> dict:
    """The Vega-Lite ``config`` of the workshop's charts: dark text, readable sizes.

    ``st.altair_chart`` and ``st.vega_lite_chart`` with Streamlit's theme lay their own
    defaults under a chart's config, and the chart's own values win, so these apply.
    No view size is set (Streamlit sizes charts to their column).

    Args:
        label_px: axis and legend label size.
        title_px: axis and legend title size.

    Returns:
        A dict for a chart's ``config``.
    """
    text = {"labelColor": CHART_TEXT, "titleColor": CHART_TEXT, "labelFontSize": label_px,
            "titleFontSize": title_px}
    return {
        "axis": {**text, "gridColor": CHART_GRID, "tickColor": CHART_TEXT,
                 "domainColor": CHART_TEXT},
        "legend": dict(text),
        "header": dict(text),
        "title": {"color": CHART_TEXT, "subtitleColor": CHART_TEXT,
                  "fontSize": max(CHART_HEADING_PX, title_px + 2),
                  "subtitleFontSize": title_px},
        "text": {"color": CHART_TEXT, "fontSize": label_px},
    }


_chart_lock = threading.Lock()


def enable_chart_theme() -> None:
    """Register the workshop's Altair theme and make it the active one (once a process).

    Charts made after this (``chart.to_dict()``, ``st.altair_chart``) carry
    :func:`chart_config`. Imports Altair, so only pages that draw charts call it.
    """
    import altair as alt

    if alt.theme.active == CHART_THEME:
        # Every page run after the first: nothing to do. ``alt.theme.names()`` reads every
        # installed package's entry points (about 10 ms a call), so it is asked only once.
        return
    with _chart_lock:
        if CHART_THEME not in alt.theme.names():
            @alt.theme.register(CHART_THEME, enable=False)
            def workshop_theme() -> alt.theme.ThemeConfig:
                return {"config": chart_config()}
        if alt.theme.active != CHART_THEME:
            alt.theme.enable(CHART_THEME)


def page_draws_charts(page) -> bool:
    """Whether a page may draw charts: every page but the welcome page (kept light)."""
    from workshop.ui.pages import WELCOME_ID

    return getattr(page, "url_path", "") not in ("", WELCOME_ID)


def apply(page=None) -> None:
    """Add the stylesheet to this page run; enable the chart theme where charts are drawn.

    Args:
        page: the page being shown (``st.navigation``'s choice); None draws no charts.
    """
    if page is not None and page_draws_charts(page):
        enable_chart_theme()
    # Our own constant CSS (no learner text). unsafe_allow_html cannot leak input.
    st.markdown(STYLESHEET, unsafe_allow_html=True)
