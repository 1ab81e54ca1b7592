"""Every page of the shipped course runs and shows what it promises: the welcome page, each
stage (principle, both demo columns, a chart, its checks, and every demo button a check's
prompt names), and the wrap-up."""

from __future__ import annotations

import importlib.util
import re

import pytest

from tests.ui.helpers import current_page, new_app, open_page
from workshop.content import load_course
from workshop.ui.lesson_view import lessons_dir
from workshop.ui.pages import APP_NAME
from workshop.ui.stage_page import demo_module_name

COURSE = load_course(lessons_dir())  # the same folder the app reads
STAGES = [stage for stage in COURSE.stages if stage.id != "wrap-up"]
# The stages whose demo the project ships; a stage a team adds may have none.
SHIPPED_DEMOS = {"why", "design", "data", "model", "legacy", "deployment"}
# How a check's prompt names the demo button that opens what it asks to predict.
PRESS = re.compile(r'press\s+"([^"]+)"')


def _named_buttons(stage) -> list[str]:
    """The demo buttons the stage's check prompts name, in order, each once."""
    return list(
        dict.fromkeys(label for check in stage.checks for label in PRESS.findall(check.prompt))
    )


def _texts(elements) -> list[str]:
    return [element.value for element in elements]


@pytest.fixture
def app():
    """A fresh session (each test has its own data folder); Streamlit's caches are shared."""
    at = new_app()
    at.run()
    return at


def test_welcome_page_says_what_this_is_and_how_long_each_format_takes(app):
    """The first page explains the course, cites the talk, lists the formats, offers a start."""
    at = open_page(app, "welcome")
    assert not at.exception
    body = " ".join(_texts(at.markdown))
    assert "[gupta2019]" in body and "our own" in body
    for agenda in COURSE.agendas:
        assert agenda.title in body
    assert at.button(key="welcome-start")
    assert current_page(at)["page_name"] == "Welcome · Reproducible ML Workshop"


@pytest.mark.parametrize("stage", STAGES, ids=[stage.id for stage in STAGES])
def test_stage_page_shows_principle_demo_lesson_tabs_and_checks(app, stage):
    """Each stage page: its title, 'Stage N of M', the principle, both demo columns and a
    chart (stages with a demo), Checklist · Tools · Metrics, and every check numbered."""
    at = open_page(app, stage.id)
    assert not at.exception, at.exception
    assert not _texts(at.error), _texts(at.error)
    assert "stage_id" not in at.session_state
    assert current_page(at)["url_pathname"] == stage.id
    assert current_page(at)["page_name"] == f"{stage.number} · {stage.nav_title} · {APP_NAME}"
    assert _texts(at.title) == [f"Stage {stage.number} · {stage.title}"]
    assert f"Stage {stage.number} of {max(s.number for s in STAGES)}" in _texts(at.caption)
    principle = stage.lesson.sections["Principle"].strip()
    assert principle in _texts(at.markdown)
    has_demo = importlib.util.find_spec(demo_module_name(stage.id)) is not None
    if stage.id in SHIPPED_DEMOS:
        assert has_demo, f"{demo_module_name(stage.id)} should exist (docs/ARCHITECTURE.md)"
    if has_demo:
        subheaders = _texts(at.subheader)
        assert "Irreproducible" in subheaders and "Reproducible" in subheaders
        # A figure a check asks to predict waits behind a button the check's prompt names.
        for check in stage.checks:
            if str(getattr(check.kind, "value", check.kind)) == "predict_then_run":
                assert PRESS.search(check.prompt), (
                    f"{check.id} should name the demo button to press"
                )
        predicted = {label for check in stage.checks if "Predict before" in check.prompt
                     for label in PRESS.findall(check.prompt)}
        for label in _named_buttons(stage):
            locked = [button for button in at.button if button.label.startswith(f"🔒 {label} — ")]
            # A button whose figure a check asks to predict waits for that prediction.
            assert locked or label not in predicted, f"{label!r} does not wait for its prediction"
            if locked:  # it waits for the checks that name it: answer them (Reveal) first
                assert locked[0].disabled
                for check in stage.checks:
                    if f'press "{label}"' in check.prompt.replace("\n", " "):
                        at.button(key=f"{check.id}-reveal").click().run()
            buttons = [button for button in at.button if button.label == label]
            assert buttons, f"no demo button {label!r} on /{stage.id}"
            assert not buttons[0].disabled
            buttons[0].click().run()
            assert not at.exception, at.exception
            assert not _texts(at.error), _texts(at.error)
        if stage.number >= 1:
            assert at.get("vega_lite_chart"), "stages 1–5 chart their demo"
    assert [tab.label for tab in at.tabs][:3] == ["Checklist", "Tools", "Metrics"]
    headings = [text for text in _texts(at.markdown) if text.startswith("##### Check")]
    # Each heading carries the anchor a demo button links to.
    assert headings == [f'##### Check {i} of {len(stage.checks)} <a id="check-{check.id}"></a>'
                        for i, check in enumerate(stage.checks, 1)]
    for check in stage.checks:
        assert at.button(key=f"{check.id}-hint")
        assert at.button(key=f"{check.id}-reveal")


def test_wrap_up_page_shows_results_chart_policy_and_export(app):
    """The wrap-up has the results table and chart, the policy ticks and both downloads."""
    at = open_page(app, "wrap-up")
    assert not at.exception
    table = at.dataframe[0].value
    assert list(table["Check"]) == [check.id for check in COURSE.checks]
    assert at.get("vega_lite_chart")
    policy_boxes = [box for box in at.checkbox if box.key.startswith("policy-item-")]
    assert len(policy_boxes) == sum(len(s.lesson.checklist) for s in COURSE.stages)
    labels = [button.proto.label for button in at.get("download_button")]
    assert labels == ["Download the policy (Markdown)", "Download my progress (JSON)",
                      "Download the case study (.zip)"]
