"""The look for everyone (workshop/ui/theme.py, .streamlit/config.toml): every colour pair
passes WCAG 2.1 AA, the config holds the colours the module checks, the stylesheet carries
the focus outline, the anchor fix, the narrow-screen layout and the code colours, and the
Altair theme gives every chart dark text of at least 13 px without changing what a kept
spec draws."""

from __future__ import annotations

import json
import tomllib

import pytest
from streamlit.testing.v1 import AppTest

from tests.ui.helpers import PROJECT_ROOT
from workshop.ui import theme

CONFIG = tomllib.loads((PROJECT_ROOT / ".streamlit" / "config.toml").read_text())["theme"]


def test_contrast_ratio_matches_wcag_reference_values():
    assert theme.contrast_ratio("#000000", "#ffffff") == pytest.approx(21)
    assert theme.contrast_ratio("#ffffff", "#ffffff") == pytest.approx(1)
    assert theme.contrast_ratio("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)
    assert theme.contrast_ratio("#fff", "#777") == theme.contrast_ratio("#777777", "#ffffff")
    # Streamlit's old caption grey, as axe measured it: 3.88:1.
    assert theme.contrast_ratio("#828180", "#ffffff") == pytest.approx(3.88, abs=0.01)


def test_blend_is_what_the_eye_sees():
    assert theme.blend("#000000", "#ffffff", 0.6) == "#666666"
    assert theme.blend("#2f2d2b", "#ffffff", 0.6) == "#828180"  # the old caption


@pytest.mark.parametrize(("name", "foreground", "background", "needed"), theme.CONTRAST_PAIRS,
                         ids=[pair[0] for pair in theme.CONTRAST_PAIRS])
def test_every_colour_pair_passes(name, foreground, background, needed):
    ratio = theme.pair_ratio(foreground, background)
    assert ratio >= needed, f"{name}: {ratio:.2f}:1 < {needed}:1"


def test_config_toml_holds_the_colours_the_module_checks():
    assert CONFIG["textColor"] == theme.TEXT
    assert CONFIG["codeTextColor"] == theme.CODE_TEXT
    assert CONFIG["codeBackgroundColor"] == theme.CODE_BACKGROUND
    assert CONFIG["base"] == "light"


def test_stylesheet_has_focus_anchors_code_colours_and_the_narrow_layout():
    css = theme.STYLESHEET
    assert css.startswith("<style>") and css.endswith("</style>")
    assert f"outline: 3px solid {theme.FOCUS}" in css and ":focus-visible" in css
    assert '[data-testid="stHeaderActionElements"] a[href^="#"] { display: none' in css
    for colour in (*theme.CODE_TOKENS.values(), *theme.JSON_VALUES.values()):
        assert colour in css
    assert "@media (max-width: 640px)" in css and "flex-wrap: nowrap" in css
    assert '[data-testid="stExpandSidebarButton"]::after' in css
    assert "{{" not in css and "}}" not in css  # the f-string braces all resolved
    assert css.count("{") == css.count("}")


def test_chart_config_text_is_dark_and_at_least_13_px():
    config = theme.chart_config()
    for part in ("axis", "legend", "header"):
        assert config[part]["labelColor"] == config[part]["titleColor"] == theme.CHART_TEXT
        assert config[part]["labelFontSize"] >= 13 and config[part]["titleFontSize"] >= 13
    assert config["title"]["fontSize"] >= 16
    assert "view" not in config  # Streamlit sizes charts to their column


def test_chart_theme_is_registered_and_charts_carry_it():
    import altair as alt
    import pandas as pd

    theme.enable_chart_theme()
    theme.enable_chart_theme()  # idempotent
    assert alt.theme.active == theme.CHART_THEME
    spec = alt.Chart(pd.DataFrame({"x": [1, 2]})).mark_point().encode(x="x:Q").to_dict()
    assert spec["config"]["axis"]["labelColor"] == theme.CHART_TEXT
    assert spec["config"]["axis"]["labelFontSize"] == theme.CHART_LABEL_PX


def test_only_the_welcome_page_skips_the_chart_theme():
    page = type("Page", (), {})
    for url_path, draws in (("", False), ("welcome", False), ("data", True),
                            ("instructor", True), ("projector", True)):
        page.url_path = url_path
        assert theme.page_draws_charts(page) is draws, url_path


def _both_ways_themed():
    import altair as alt
    import pandas as pd
    import streamlit as st

    from workshop.ui import theme
    from workshop.ui.widgets import inline_data, vega_spec

    theme.enable_chart_theme()
    frame = pd.DataFrame({"month": [1, 2, 3], "rate": [0.5, 0.6, 0.75]})

    def chart(data):
        # Every kept spec carries a text summary (widgets.vega_spec requires one).
        return (alt.Chart(data).mark_line().encode(x=alt.X("month:Q"), y=alt.Y("rate:Q"))
                .properties(description="Rate by month, 0.50 to 0.75."))

    st.altair_chart(chart(frame), width="stretch")
    st.vega_lite_chart(spec=vega_spec(chart(inline_data(frame))), width="stretch")


def test_with_the_theme_a_kept_spec_still_draws_what_altair_chart_draws():
    """Streamlit keeps an active non-default Altair theme; both ways carry the same config."""
    at = AppTest.from_function(_both_ways_themed, default_timeout=60).run()
    assert not at.exception
    drawn, kept = (json.loads(element.proto.spec) for element in at.get("vega_lite_chart"))
    assert drawn["config"] == kept["config"]
    assert drawn["config"]["axis"]["labelColor"] == theme.CHART_TEXT


def test_apply_adds_the_stylesheet_once_per_run():
    def page():
        from workshop.ui import theme

        theme.apply()

    at = AppTest.from_function(page, default_timeout=30).run()
    assert not at.exception
    assert [markdown.value for markdown in at.markdown] == [theme.STYLESHEET]
