"""Charts stay cheap to draw without changing what the browser receives: a spec kept by
``widgets.vega_spec`` draws exactly what ``st.altair_chart`` draws, and no chart channel is
given as a bare string (altair 6 rebuilds its whole class table for each one)."""

from __future__ import annotations

import ast
import json

import pyarrow as pa
from streamlit.testing.v1 import AppTest

from tests.ui.helpers import PROJECT_ROOT

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
        return (line + rule).properties(height=200)

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
