"""The Stage 4 demo: the pickle alone, the manifest and its rebuild, one changed field, the
model card."""

from __future__ import annotations

import json

import pandas as pd
import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

TIMEOUT = 120


def legacy_demo():
    from workshop.ui.demos.legacy import render

    render()


@pytest.fixture
def at() -> AppTest:
    app = AppTest.from_function(legacy_demo, default_timeout=TIMEOUT)
    app.run()
    assert not app.exception
    return app


def texts(app: AppTest) -> str:
    return "\n".join(m.value for m in app.markdown)


def test_demo_shows_the_pickle_and_its_unanswered_questions(at):
    """Left: model_final_v2.pkl, and the questions it cannot answer."""
    shown = texts(at)
    assert "model_final_v2.pkl" in shown
    assert "not at all" in shown
    (questions,) = at.table
    assert questions.value["the pickle alone"].str.startswith("✗ unknown").any()


def test_demo_shows_the_manifest(at):
    """Right: the run manifest, as JSON, with its hashes."""
    (manifest_element,) = at.json
    manifest = json.loads(manifest_element.value)
    assert manifest["pipeline"] == "reproducible"
    assert len(manifest["model_sha256"]) == 64


def test_rebuild_from_manifest_shows_every_hash_matching(at):
    """Pressing "Rebuild from manifest" retrains and reports every field matching."""
    at.button(key="legacy-rebuild").click().run()
    assert not at.exception
    assert any(s.value.startswith("✓ All") for s in at.success), [e.value for e in at.error]


def test_changing_one_field_shows_a_field_level_diff(at):
    """Change n_estimators, rebuild: the diff names that field and the hashes it moved."""
    at.selectbox(key="legacy-change-field").set_value("params.n_estimators").run()
    at.number_input(key="legacy-change-value-params.n_estimators").set_value(30).run()
    at.button(key="legacy-change-run").click().run()
    assert not at.exception
    diff = at.dataframe[-1].value
    assert diff["field"].iloc[0] == "params.n_estimators"
    assert list(diff.loc[0, ["recorded", "rebuilt"]]) == ["100", "30"]
    assert "model_sha256" in set(diff["field"])


def test_retraining_the_pickle_gives_another_model(at):
    """The team's way, run again, does not give model_final_v2.pkl back."""
    at.button(key="legacy-retrain").click().run()
    assert not at.exception
    assert "Retrain 1:" in texts(at) and "✗ differs" in texts(at)


def test_model_card_charts_group_intervals_and_states_the_attribute_9_caveat(at):
    """The card's chart carries group sizes and intervals; the attribute-9 caveat is shown."""
    from case_study import codes

    (chart,) = at.get("vega_lite_chart")
    spec = json.loads(chart.proto.spec)
    assert spec["facet"]["row"]["field"] == "factor"  # age band, foreign worker, attribute 9
    interval = spec["spec"]["layer"][0]["encoding"]
    assert (interval["x"]["field"], interval["x2"]["field"]) == ("accuracy_low", "accuracy_high")
    # Streamlit ships the chart's data as Arrow beside the spec.
    groups = pd.concat(pa.ipc.open_stream(d.data.data).read_all().to_pandas() for d in chart.proto.datasets)
    assert {"accuracy_low", "accuracy_high", "n"} <= set(groups.columns)
    assert (groups["flag"] == "too small to trust").any()
    assert any(codes.ATTRIBUTE_9_CAVEAT in w.value for w in at.warning)
