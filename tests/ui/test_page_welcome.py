"""The welcome text (lessons/welcome.md) follows the lessons' rule: every figure cites a
listed source on its own line, and the page says the case study is our own."""

from __future__ import annotations

import tomllib

from workshop.content import citations, uncited_figures
from workshop.ui.welcome import parse_welcome
from tests.ui.helpers import PROJECT_ROOT

WELCOME = PROJECT_ROOT / "lessons" / "welcome.md"
SOURCES = PROJECT_ROOT / "lessons" / "sources.toml"


def _welcome():
    return parse_welcome(WELCOME.read_text(encoding="utf-8"), fallback_title="?")


def test_every_figure_on_the_welcome_page_cites_a_listed_source():
    """No number reaches the welcome page without its source on the same line."""
    text = _welcome()
    known = {source["id"] for source in tomllib.loads(SOURCES.read_text(encoding="utf-8"))["source"]}
    assert uncited_figures(text.body) == []
    cited = citations(text.body)
    assert cited and set(cited) <= known


def test_the_welcome_page_credits_the_talk_and_says_the_case_study_is_ours():
    """The talk is cited, and the page says its case study was never published."""
    text = _welcome()
    line = next(line for line in text.body.splitlines() if "never published" in line)
    assert "[gupta2019]" in line and "our own" in line
    assert text.title and text.meta.get("start_label")


def test_front_matter_is_optional_and_a_missing_title_falls_back():
    """A team's welcome.md without front matter still works, titled by the course."""
    parsed = parse_welcome("## Hello\n\nText.", fallback_title="Our course")
    assert (parsed.title, parsed.body, parsed.meta) == ("Our course", "## Hello\n\nText.", {})
