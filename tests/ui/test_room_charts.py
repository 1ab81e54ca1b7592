"""The room view's charts say what they show: a sentence built from their data (Vega-Lite's
``description``, announced by a screen reader), and each bar's count as text."""

from __future__ import annotations

import json

import pandas as pd

from tests.ui.helpers import new_app, open_page
from workshop.content import load_course
from workshop.instructor_gate import ENV_VAR
from workshop.progress import ProgressStore
from workshop.ui import instructor_page as page
from workshop.ui import room_charts
from workshop.ui.lesson_view import lessons_dir

CODE = "room-charts-42"


def _completion() -> pd.DataFrame:
    return pd.DataFrame([
        {"stage": "0 · Why", "complete": 2, "learners": 5, "share": 0.4},
        {"stage": "1 · Design", "complete": 0, "learners": 5, "share": 0.0},
    ])


def _checks() -> pd.DataFrame:
    return pd.DataFrame([
        {"stage": "0 · Why", "check": "why-a", "attempted": 4, "passed": 3, "revealed": 0,
         "pass rate": 0.75, "median attempts": 1.0, "hint use": 0.25},
        {"stage": "1 · Design", "check": "design-b", "attempted": 2, "passed": 0,
         "revealed": 1, "pass rate": 0.0, "median attempts": 2.0, "hint use": 0.5},
    ])


def _layers(spec: dict) -> list[dict]:
    return spec.get("layer", [spec])


def test_completion_chart_says_each_stages_share_and_count():
    spec = room_charts.completion_chart(_completion(), ["0 · Why", "1 · Design"]).to_dict()
    assert spec["description"] == ("Share of the 5 learners counted who finished each stage: "
                                   "0 · Why 40% (2 of 5); 1 · Design 0% (0 of 5).")
    texts = [layer for layer in _layers(spec) if layer["mark"]["type"] == "text"]
    assert texts and texts[0]["encoding"]["text"]["field"] == "count"


def test_pass_rate_chart_lists_the_checks_tried_lowest_first_with_counts():
    spec = room_charts.pass_rate_chart(_checks(), ["why-a", "design-b"]).to_dict()
    assert spec["description"] == (
        "Pass rate of the 2 checks learners have tried, lowest first: "
        "design-b 0% (0 of 2 passed); why-a 75% (3 of 4 passed).")
    marks = {layer["mark"]["type"]: layer["encoding"] for layer in _layers(spec)}
    assert marks["bar"]["color"]["field"] == "stage"
    assert marks["text"]["text"]["field"] == "count"  # the count, not only the bar's colour


def test_descriptions_of_empty_frames_still_say_so():
    empty = _completion().iloc[0:0]
    assert "no stage" in room_charts.completion_text(empty)
    nobody = _completion().assign(complete=0, learners=0, share=0.0)
    assert room_charts.completion_text(nobody) == (
        "Share of learners who finished each stage: no learners counted yet, "
        "0 of 0 on each of the 2 stages.")
    assert "no learner has tried" in room_charts.pass_rate_text(_checks().iloc[0:0])


def test_the_room_tabs_charts_carry_their_descriptions(monkeypatch):
    """On the instructor's Room tab, with learners who answered, every chart drawn has a
    description with the room's own figures."""
    course = load_course(lessons_dir())
    check = course.checks[0]
    store = ProgressStore()
    for name, outcome in (("Ada", "passed"), ("Bo", "failed")):
        learner = store.create_learner(name)
        store.record_attempt(learner.code, check.stage_id, check.id, outcome)
    monkeypatch.setenv(ENV_VAR, CODE)
    at = open_page(new_app().run(), "instructor")
    at.text_input(key="instructor-code-input").input(CODE)
    at = next(button for button in at.button if button.label == "Unlock").click().run()
    at.session_state[page.TAB_KEY] = "Room"
    at = at.run()
    assert not at.exception
    descriptions = [json.loads(chart.proto.spec).get("description", "")
                    for chart in at.get("vega_lite_chart")]
    assert len(descriptions) == 2, descriptions
    completion, pass_rate = descriptions
    assert completion.startswith("Share of the 2 learners counted who finished each stage: ")
    assert f"{check.id} 50% (1 of 2 passed)" in pass_rate
