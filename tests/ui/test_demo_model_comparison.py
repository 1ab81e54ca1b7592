"""Stage 3's model comparison: nothing trains on page open; the button shows 1, 5 and 30 runs."""

from __future__ import annotations

import json

from streamlit.testing.v1 import AppTest

from case_study import model_comparison as mc


def _demo():
    from workshop.ui.demos import model_comparison

    model_comparison.render_comparison()


def test_opening_trains_nothing(monkeypatch):
    """Before the button, no comparison is computed and no table or chart is drawn."""
    calls = []
    monkeypatch.setattr(mc, "compare_models", lambda *a, **k: calls.append(1))
    at = AppTest.from_function(_demo, default_timeout=60).run()
    assert not at.exception
    assert calls == []
    assert not at.dataframe and not at.get("vega_lite_chart")
    assert at.button(key="model-comparison-run").label.startswith("Compare them over 30")


def test_button_shows_the_runs_table_chart_and_report():
    """Pressed: one row per 1, 5 and 30 runs, their winners and intervals, and the chart."""
    from workshop.ui.demos import model_comparison

    at = AppTest.from_function(_demo, default_timeout=120).run()
    at.button(key="model-comparison-run").click().run()
    assert not at.exception and not at.error
    comparison = mc.compare_models()
    table = at.dataframe[0].value
    assert list(table["Runs"]) == [1, 5, 30]
    assert list(table["Apparent winner"]) == [s.winner for s in comparison.summaries]
    assert table["95% corrected interval"].iloc[0].startswith("none")
    last = comparison.summaries[-1]
    assert f"{last.corrected_low:+.4f} to {last.corrected_high:+.4f}" in (
        table["95% corrected interval"].iloc[-1])
    spec = json.loads(at.get("vega_lite_chart")[0].proto.spec)
    assert f"{last.mean_difference:+.4f}" in spec["description"]
    assert any(comparison.report in c.value for c in at.caption)
    assert model_comparison.summary_table(comparison).shape[0] == 3


def test_the_result_stays_after_a_rerun():
    """Once shown, the comparison stays on the page when the learner does anything else."""
    at = AppTest.from_function(_demo, default_timeout=120).run()
    at.button(key="model-comparison-run").click().run()
    at.run()
    assert not at.exception
    assert len(at.dataframe) == 1
