"""Stage 3 demo: both columns draw, "Run again" adds a fresh point, the seeded run stays put,
seed shopping and the fresh-process comparison appear on demand."""

from __future__ import annotations

import json

import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

from tests.ui.demo_helpers import assert_locked, commit


def _demo():
    from workshop.ui.demos import model

    model.render()


def _new_demo() -> AppTest:
    return AppTest.from_function(_demo, default_timeout=120).run()


def _chart_rows(at: AppTest, index: int) -> list[dict]:
    """The rows behind the index-th chart, decoded from the Arrow dataset Streamlit sends."""
    chart = at.get("vega_lite_chart")[index].proto
    spec = json.loads(chart.spec)
    name = (spec["layer"][0] if "layer" in spec else spec)["data"][
        "name"
    ]  # a layered chart: its first layer
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
    """Seed shopping stays hidden until asked for (so learners can predict first), then
    shows 20 seeds."""
    at = _new_demo()
    assert not any("claims" in m.label for m in at.metric)
    assert_locked(at, "model-seed-shopping", "Try 20 split seeds", "model-best-seed-gap")
    commit(at, "model-best-seed-gap").button(key="model-seed-shopping").click().run()
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


@pytest.fixture
def count_trainings(monkeypatch):
    """Count every model fit in this process (every training goes through Pipeline.fit)."""
    from sklearn.pipeline import Pipeline

    fits = []
    real_fit = Pipeline.fit

    def counting_fit(self, *args, **kwargs):
        fits.append(type(self.steps[-1][1]).__name__)
        return real_fit(self, *args, **kwargs)

    monkeypatch.setattr(Pipeline, "fit", counting_fit)
    return fits


def _warm_server():
    """The server after its warm-up: the pool holds its first runs, the caches are full."""
    from case_study import stage3_model as s3

    s3.warm_pool()
    assert not _new_demo().exception


def test_a_new_learner_on_a_warm_server_trains_nothing(count_trainings):
    """Opening Stage 3 shows the server's latest real unseeded runs without training any."""
    from case_study import stage3_model as s3
    from workshop.ui.demos import model

    _warm_server()
    count_trainings.clear()
    at = _new_demo()
    assert not at.exception
    assert count_trainings == []
    shown = _chart_rows(at, 0)
    pooled = s3.UNSEEDED_POOL.latest(model.INITIAL_UNSEEDED_RUNS)
    assert [row["model_sha256"] for row in shown] == [p.value.model_sha256 for p in pooled]
    assert {row["made_by"] for row in shown} == {model.BY_SERVER}
    assert len({row["model_sha256"] for row in shown}) == len(shown)  # real, distinct runs


def test_the_page_says_which_runs_are_the_servers_and_which_are_yours(count_trainings):
    """Before "Run again" every run is the server's; after it, the new run is the learner's,
    trained once for them and given to the pool for later learners."""
    from case_study import run_pool
    from case_study import stage3_model as s3
    from workshop.ui.demos import model

    _warm_server()
    at = _new_demo()
    (unseeded,) = [
        m.value for m in at.markdown if "Runs 1–3: earlier runs by this server" in m.value
    ]
    assert "None yours yet" in unseeded
    (seeded,) = [m.value for m in at.markdown if "Run 1: earlier run by this server" in m.value]
    assert "trained once by this server and kept" in seeded
    count_trainings.clear()
    at.button(key="model-run-again").click().run()
    assert not at.exception
    assert count_trainings == ["RandomForestClassifier"]  # exactly one new run, for this learner
    rows = _chart_rows(at, 0)
    assert [row["made_by"] for row in rows] == [model.BY_SERVER] * 3 + [model.BY_YOU]
    (unseeded,) = [
        m.value for m in at.markdown if "Runs 1–3: earlier runs by this server" in m.value
    ]
    assert "Run 4: yours" in unseeded and "None yours yet" not in unseeded
    (latest,) = s3.UNSEEDED_POOL.latest(1)
    assert (latest.value.model_sha256, latest.made_for) == (
        rows[-1]["model_sha256"],
        run_pool.LEARNER,
    )
    # A later learner starts with that run among the server's earlier runs.
    later = _chart_rows(_new_demo(), 0)
    assert later[-1]["model_sha256"] == rows[-1]["model_sha256"]
    assert later[-1]["made_by"] == model.BY_SERVER


def test_a_fresh_server_trains_its_first_runs_once(monkeypatch, count_trainings):
    """On a fresh server (pool empty), the first learner's page trains the first runs once;
    the next learner trains nothing."""
    from case_study import stage3_model as s3
    from case_study.run_pool import RunPool
    from workshop.ui.demos import model

    fresh = RunPool(s3._server_unseeded_run, name="fresh server")
    monkeypatch.setattr(s3, "UNSEEDED_POOL", fresh)
    _new_demo()  # fills the seeded cache too, if this test runs first
    assert fresh.trainings == model.INITIAL_UNSEEDED_RUNS
    count_trainings.clear()
    at = _new_demo()
    assert not at.exception and count_trainings == []
    assert fresh.trainings == model.INITIAL_UNSEEDED_RUNS
