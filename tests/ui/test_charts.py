"""Charts stay cheap to draw without changing what the browser receives: a spec kept by
``widgets.vega_spec`` draws exactly what ``st.altair_chart`` draws, and no chart channel is
given as a bare string (altair 6 rebuilds its whole class table for each one). Every chart
a learner meets says what it shows in a sentence (its ``description``, announced by a screen
reader), and a chart that tells series apart by colour has a second channel too."""

from __future__ import annotations

import ast
import json

import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

from tests.ui.helpers import PROJECT_ROOT, new_app, open_page
from workshop.content import load_course

UI = PROJECT_ROOT / "workshop" / "ui"


def _both_ways():
    import altair as alt
    import pandas as pd
    import streamlit as st

    from workshop.ui.widgets import inline_data, vega_spec

    frame = pd.DataFrame({"month": [1, 2, 3], "rate": [0.5, None, 0.75], "group": ["a", "b", None]})

    def chart(data):
        line = (
            alt.Chart(data)
            .mark_line(point=True)
            .encode(
                x=alt.X("month:Q"),
                y=alt.Y("rate:Q", axis=alt.Axis(format="%")),
                color=alt.Color("group:N"),
                tooltip=[alt.Tooltip("month:Q"), alt.Tooltip("rate:Q")],
            )
        )
        rule = alt.Chart(data).mark_rule(color="grey").encode(y=alt.Y("mean(rate):Q"))
        return (line + rule).properties(height=200, description="Rate by month, 50% to 75%.")

    st.altair_chart(chart(frame), width="stretch")
    st.vega_lite_chart(spec=vega_spec(chart(inline_data(frame))), width="stretch")


def _drawn(element) -> tuple[str, list]:
    """A chart element as (spec with dataset names numbered, decoded datasets)."""
    spec = element.proto.spec
    tables = []
    for number, dataset in enumerate(element.proto.datasets):
        spec = spec.replace(f'"{dataset.name}"', f'"dataset-{number}"')
        table = pa.ipc.open_stream(dataset.data.data).read_all()
        tables.append(
            sorted(
                (name, str(table.schema.field(name).type), table.column(name).to_pylist())
                for name in table.column_names
                if not name.startswith("__index")
            )
        )
    return spec, tables


def test_a_kept_spec_draws_exactly_what_altair_chart_draws():
    """The deployment, legacy and why demos keep their charts as specs; a learner's browser
    gets the same spec and the same data (missing values included) either way."""
    at = AppTest.from_function(_both_ways, default_timeout=60).run()
    assert not at.exception
    drawn, kept = at.get("vega_lite_chart")
    (drawn_spec, drawn_data), (kept_spec, kept_data) = _drawn(drawn), _drawn(kept)
    assert json.loads(kept_spec) == json.loads(drawn_spec)
    assert kept_data == drawn_data and kept_data


def test_no_chart_channel_is_a_bare_string():
    """``encode(x="a:Q")`` makes altair rebuild its schema class table (~5 ms a channel, on
    every page run); channel objects such as ``alt.X("a:Q")`` cost next to nothing."""
    bare = []
    for path in sorted(UI.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "encode":
                for keyword in node.keywords:
                    values = (
                        keyword.value.elts
                        if isinstance(keyword.value, (ast.List, ast.Tuple))
                        else [keyword.value]
                    )
                    bare += [
                        f"{path.relative_to(PROJECT_ROOT)}:{value.lineno} {keyword.arg}"
                        for value in values
                        if isinstance(value, (ast.Constant, ast.JoinedStr))
                    ]
    assert bare == []


# --- every chart says what it shows; colour is never the only channel ----------------------

COURSE = load_course()
STAGES = [stage for stage in COURSE.stages if stage.id != "wrap-up"]
# The charts that separate series by colour, by stage: (colour field, the second channel).
SECOND_CHANNEL = {
    "data": ("version", "strokeDash"),  # the leakage chart: fitted before or inside
    "design": ("chosen", "shape"),  # the chosen variant among twenty
    "deployment": ("series", "strokeDash"),  # PSI per feature
}


def _encodings(spec):
    """Every ``encoding`` in a Vega-Lite spec, layers and facets included."""
    if isinstance(spec, dict):
        if isinstance(spec.get("encoding"), dict):
            yield spec["encoding"]
        for value in spec.values():
            yield from _encodings(value)
    elif isinstance(spec, list):
        for value in spec:
            yield from _encodings(value)


def _every_chart(stage) -> list[dict]:
    """The Vega-Lite specs of a stage page once every demo button is unlocked and pressed."""
    at = new_app()
    at.run()
    at = open_page(at, stage.id)
    for check in stage.checks:  # finished checks unlock every demo button
        at.button(key=f"{check.id}-reveal").click().run()
    pressed = set()
    for _ in range(6):  # the demo's buttons, each once (one may open another)
        buttons = [button for button in at.button
                   if not button.disabled and button.key not in pressed
                   and button.key.split("-")[0] == stage.id
                   and not button.key.startswith(tuple(check.id for check in stage.checks))
                   and not button.key.endswith("-page")]  # Previous / Next stage
        if not buttons:
            break
        pressed.add(buttons[0].key)
        buttons[0].click().run()
    assert not at.exception
    return [json.loads(chart.proto.spec) for chart in at.get("vega_lite_chart")]


@pytest.mark.parametrize("stage", STAGES, ids=[stage.id for stage in STAGES])
def test_every_chart_has_a_description_and_colour_is_not_the_only_channel(stage):
    """Each chart on a stage page is announced with a summary of its data, not just "Vega
    visualization"; the charts that tell series apart by colour also do so by shape or dash."""
    specs = _every_chart(stage)
    assert specs or stage.id not in SECOND_CHANNEL
    for spec in specs:
        assert str(spec.get("description") or "").strip(), spec.get("mark")
        assert any(ch.isdigit() for ch in spec["description"]), spec["description"]
    if stage.id in SECOND_CHANNEL:
        field, channel = SECOND_CHANNEL[stage.id]
        coloured = [encoding for spec in specs for encoding in _encodings(spec)
                    if encoding.get("color", {}).get("field") == field]
        assert coloured, f"no chart coloured by {field} on /{stage.id}"
        for encoding in coloured:
            assert encoding.get(channel, {}).get("field") == field, encoding


def test_the_wrap_up_chart_has_a_description():
    """The wrap-up's results chart says how many checks have which outcome."""
    at = open_page(new_app().run(), "wrap-up")
    (chart,) = at.get("vega_lite_chart")
    description = json.loads(chart.proto.spec)["description"]
    assert description.startswith(f"Your {len(COURSE.checks)} checks")
    assert "not attempted" in description
