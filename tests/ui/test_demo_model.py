"""Stage 3 demo: both columns draw, "Run again" adds a fresh point, the seeded run stays put,
seed shopping and the fresh-process comparison appear on demand."""

from __future__ import annotations

import json

import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest


def _demo():
    from workshop.ui.demos import model

    model.render()


def _new_demo() -> AppTest:
    return AppTest.from_function(_demo, default_timeout=120).run()


def _chart_rows(at: AppTest, index: int) -> list[dict]:
    """The rows behind the index-th chart, decoded from the Arrow dataset Streamlit sends."""
    chart = at.get("vega_lite_chart")[index].proto
    spec = json.loads(chart.spec)
    name = (spec["layer"][0] if "layer" in spec else spec)["data"]["name"]  # a layered chart: its first layer
    dataset = next(d for d in chart.datasets if d.name == name)
    return pa.ipc.open_stream(dataset.data.data).read_all().to_pylist()


def test_demo_renders_both_columns_with_charts():
    """A learner opening Stage 3 sees both columns, each with a chart, and no error."""
    from workshop.ui.demos import model

    at = _new_demo()
    assert not at.exception
    assert not at.error
    assert [s.value for s in at.subheader] == ["Irreproducible", "Reproducible"]
    assert len(at.get("vega_lite_chart")) == 2
    unseeded = _chart_rows(at, 0)
    assert len(unseeded) == model.INITIAL_UNSEEDED_RUNS >= 3
    assert len({row["roc_auc"] for row in unseeded}) > 1


def test_run_again_adds_a_fresh_point():
    """Each "Run again" click trains once more and puts one new point on the chart."""
    at = _new_demo()
    before = _chart_rows(at, 0)
    at.button(key="model-run-again").click().run()
    after = _chart_rows(at, 0)
    assert not at.exception
    assert len(after) == len(before) + 1
    assert after[:-1] == before
    assert after[-1]["run"] == len(after)
    assert after[-1]["model_sha256"] not in {row["model_sha256"] for row in before}


def test_seeded_run_again_lands_on_the_same_point():
    """Running the seeded version again adds a run with the same ROC AUC and model hash."""
    at = _new_demo()
    at.button(key="model-run-again-seeded").click().run()
    seeded = _chart_rows(at, 1)
    assert len(seeded) == 2
    assert len({row["roc_auc"] for row in seeded}) == 1
    assert len({row["model_sha256"] for row in seeded}) == 1


def test_seed_shopping_appears_on_demand():
    """Seed shopping stays hidden until asked for (so learners can predict first), then shows 20 seeds."""
    at = _new_demo()
    assert not any("claims" in m.label for m in at.metric)
    assert at.button(key="model-seed-shopping").label == "Try 20 split seeds"
    assert any("Predict first" in c.value and "Try 20 split seeds" in c.value for c in at.caption)
    at.button(key="model-seed-shopping").click().run()
    assert not at.exception
    assert len(at.get("vega_lite_chart")) == 3
    assert len(_chart_rows(at, 2)) == 20
    assert any("best seed" in m.label for m in at.metric)


@pytest.mark.slow
def test_fresh_processes_show_both_hashes_and_the_verdict():
    """Seeds only: two processes, two different hashes; reproducible: the same hash, ticked."""
    at = _new_demo()
    at.radio(key="model-fresh-version").set_value("seeds-only").run()
    at.button(key="model-fresh-run").click().run()
    assert not at.exception
    assert any("differ" in w.value for w in at.warning)
    at.radio(key="model-fresh-version").set_value("reproducible").run()
    at.button(key="model-fresh-run").click().run()
    assert any("match" in s.value for s in at.success)
    shown = " ".join(m.value for m in at.markdown)
    assert "PYTHONHASHSEED=1" in shown and "PYTHONHASHSEED=2" in shown


@pytest.mark.slow
def test_a_failing_worker_shows_an_error_not_a_traceback(monkeypatch):
    """If the fresh processes cannot run, the learner reads what went wrong, not a traceback."""
    from case_study import stage3_model

    monkeypatch.setattr(stage3_model, "WORKER_MODULE", "case_study.no_such_worker")
    at = _new_demo()
    at.button(key="model-fresh-run").click().run()
    assert not at.exception
    assert any("could not run" in e.value and "no_such_worker" in e.value for e in at.error)
