"""The welcome text (lessons/welcome.md) follows the lessons' rule: every figure cites a
listed source on its own line, and the page says the case study is our own."""

from __future__ import annotations

import tomllib

from tests.ui.helpers import PROJECT_ROOT
from workshop.content import citations, uncited_figures
from workshop.ui.welcome import parse_welcome

WELCOME = PROJECT_ROOT / "lessons" / "welcome.md"
SOURCES = PROJECT_ROOT / "lessons" / "sources.toml"


def _welcome():
    return parse_welcome(WELCOME.read_text(encoding="utf-8"), fallback_title="?")


def test_every_figure_on_the_welcome_page_cites_a_listed_source():
    """No number reaches the welcome page without its source on the same line."""
    text = _welcome()
    sources = tomllib.loads(SOURCES.read_text(encoding="utf-8"))["source"]
    known = {source["id"] for source in sources}
    assert uncited_figures(text.body) == []
    cited = citations(text.body)
    assert cited and set(cited) <= known


def test_the_welcome_page_credits_the_talk_and_says_the_case_study_is_ours():
    """The talk is cited, and the page says we found no published version of its case study
    (an absence claim, worded as one)."""
    text = _welcome()
    line = next(line for line in text.body.splitlines() if "no published version" in line)
    assert "[gupta2019]" in line and "our own" in line
    assert text.title and text.meta.get("start_label")


def test_front_matter_is_optional_and_a_missing_title_falls_back():
    """A team's welcome.md without front matter still works, titled by the course."""
    parsed = parse_welcome("## Hello\n\nText.", fallback_title="Our course")
    assert (parsed.title, parsed.body, parsed.meta) == ("Our course", "## Hello\n\nText.", {})


def test_the_minutes_per_stage_table_lists_every_format_and_stage():
    """The welcome page's "Minutes per stage" table has a row per format and a column per
    stage, with the minutes course.toml gives."""
    from tests.ui.helpers import new_app
    from workshop.content import load_course
    from workshop.ui.lesson_view import lessons_dir
    from workshop.ui.welcome import agenda_rows

    at = new_app().run()
    assert not at.exception
    rows = agenda_rows(load_course(lessons_dir()))
    table = next(md.value for md in at.markdown if md.value.startswith("| Format |"))
    lines = table.splitlines()
    assert lines[0] == "| " + " | ".join(rows[0]) + " |"
    assert lines[1] == "|" + "---|" * len(rows[0])
    assert lines[2:] == ["| " + " | ".join(row.values()) + " |" for row in rows]


def test_markdown_table_cells_cannot_break_the_table():
    """A title with a pipe or a line break stays inside its cell."""
    from workshop.ui.welcome import markdown_table

    assert markdown_table([{"a|b": "x\ny|z"}]) == "| a\\|b |\n|---|\n| x y\\|z |"
    assert markdown_table([]) == ""
