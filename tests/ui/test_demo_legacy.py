"""The Stage 4 demo: the pickle alone, the manifest and its rebuild, one changed field (only
values a rebuild accepts), the model card behind "Show the model card"."""

from __future__ import annotations

import json

import pandas as pd
import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

from tests.ui.demo_helpers import assert_locked, commit

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
    commit(at, "legacy-seed-change").button(key="legacy-change-run").click().run()
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


def test_the_model_card_stays_closed_until_shown_and_names_its_button(at):
    """Before the learner presses "Show the model card", no interval is on the page (a check
    asks to predict the under-25 one); a caption says to commit that prediction first."""
    from case_study.stage4_legacy import under_25_interval_width

    assert not at.get("vega_lite_chart")
    assert not at.get("download_button")
    assert_locked(at, "legacy-show-card", "Show the model card", "legacy-interval-under-25")
    assert f"{under_25_interval_width():.3f}" not in texts(at)
    commit(at, "legacy-interval-under-25").button(key="legacy-show-card").click().run()
    assert not at.exception
    assert len(at.get("vega_lite_chart")) == 1
    at.run()  # it stays open on later runs, and the button has gone
    assert len(at.get("vega_lite_chart")) == 1
    assert "legacy-show-card" not in [button.key for button in at.button]


def test_the_change_button_waits_for_the_seed_prediction_then_stays(at):
    """ "Rebuild with this change" (a check asks how many fields the seed change moves) is
    locked, naming and linking that check, until its prediction is committed; then it runs
    the change and stays, so another field can be changed and rebuilt too."""
    from case_study.stage4_legacy import fields_changed_by_seed

    assert_locked(at, "legacy-change-run", "Rebuild with this change", "legacy-seed-change")
    assert not any("compared fields differ" in m.value for m in at.markdown)
    commit(at, "legacy-seed-change")
    button = at.button(key="legacy-change-run")
    assert (button.label, button.disabled) == ("Rebuild with this change", False)
    button.click().run()  # the field starts at "seed"
    assert not at.exception
    assert f"**{int(fields_changed_by_seed())}** of" in texts(at)
    at.selectbox(key="legacy-change-field").set_value("params.max_depth").run()
    at.button(key="legacy-change-run").click().run()
    assert "`params.max_depth` → 5:" in texts(at)


@pytest.mark.parametrize(
    "field", ["seed", "params.n_estimators", "params.max_depth", "params.min_samples_leaf"]
)
def test_each_field_input_accepts_only_what_a_rebuild_accepts(at, field):
    """The number input of each field is bounded by the case study's own limits, so the
    learner cannot type a value the rebuild would refuse."""
    from case_study import stage4_legacy as s4

    at.selectbox(key="legacy-change-field").set_value(field).run()
    box = at.number_input(key=f"legacy-change-value-{field}")
    if field == "seed":
        expected = s4.SEED_LIMITS
    else:
        expected = s4.PARAM_LIMITS[field.removeprefix("params.")][:2]
    assert (box.min, box.max) == expected
    assert f"{expected[0]}–{expected[1]}" in box.label


def test_model_card_charts_group_intervals_and_states_the_attribute_9_caveat(at):
    """The card's chart carries, per group, the decline rate and the expected cost at
    P(bad) > 1/6 with sizes and the case study's Wilson-based intervals; the headline above
    it gives the overall figures; the attribute-9 caveat is shown."""
    from case_study import codes, data, pipelines
    from case_study import stage4_legacy as s4

    commit(at, "legacy-interval-under-25").button(key="legacy-show-card").click().run()
    (chart,) = at.get("vega_lite_chart")
    spec = json.loads(chart.proto.spec)
    # Rows: age band, foreign worker, attribute 9; columns: decline rate, expected cost.
    rows = [row["hconcat"] for row in spec["vconcat"]]
    assert [len(row) for row in rows] == [2, 2, 2]
    interval = rows[0][0]["layer"][0]["encoding"]
    assert (interval["x"]["field"], interval["x2"]["field"]) == ("low", "high")
    # Streamlit ships the chart's data as Arrow beside the spec, one dataset per cell.
    cells = {d.name: pa.ipc.open_stream(d.data.data).read_all().to_pandas()
             for d in chart.proto.datasets}
    shown = pd.concat(cells.values())
    # Each cell holds its own row's factor and its own column's metric, and says which.
    for factor, row in zip(("age band", "foreign worker", "attribute 9"), rows, strict=True):
        for metric, cell in zip(("decline rate", "expected cost per applicant"), row,
                                strict=True):
            assert cell["title"]["text"] == f"{factor}: {metric}"
            held = cells[(cell.get("data") or cell["layer"][0]["data"])["name"]]
            assert (set(held["factor"]), set(held["metric"])) == ({factor}, {metric})
    assert set(shown["metric"]) == {"decline rate", "expected cost per applicant"}
    assert (shown["flag"] == "too small to trust").any()
    # Every plotted interval is the case study's own, group by group.
    card = s4.model_card(
        pipelines.reproducible_run(pipelines.DEFAULT_SEED), data.load_german_credit()
    )
    groups = card.groups[card.groups["n"] > 0]
    rates = shown[shown["metric"] == "decline rate"].sort_values(["factor", "group"])
    assert sorted(rates["low"].round(6)) == sorted(groups["decline_rate_low"].round(6))
    assert sorted(rates["high"].round(6)) == sorted(groups["decline_rate_high"].round(6))
    assert any(card.headline in m.value for m in at.markdown)
    assert "1/6" in card.headline and "accuracy" not in card.headline
    assert any(codes.ATTRIBUTE_9_CAVEAT in w.value for w in at.warning)


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


def test_a_new_learner_on_a_warm_server_trains_nothing_and_is_told_whose_pickle_it_is(
    count_trainings,
):
    """Opening Stage 4 questions the server's latest real team pickle without training; the
    page says it is an earlier run by this server, and a retrain is the learner's own."""
    from case_study import stage4_legacy as s4

    s4.warm_pool()
    assert not AppTest.from_function(legacy_demo, default_timeout=TIMEOUT).run().exception
    count_trainings.clear()
    app = AppTest.from_function(legacy_demo, default_timeout=TIMEOUT).run()
    assert not app.exception
    assert count_trainings == []
    (latest,) = s4.TEAM_PICKLES.latest(1)
    assert latest.value.file_sha256[:12] in texts(app)
    assert any(
        "An earlier run by this server" in c.value and latest.made_at_text in c.value
        for c in app.caption
    )
    app.button(key="legacy-retrain").click().run()
    assert count_trainings == ["RandomForestClassifier"]  # exactly one, for this learner
    assert "Retrain 1: yours" in texts(app)


def test_a_fresh_server_makes_the_team_pickle_once(monkeypatch, count_trainings):
    """With no pickle made yet, the first learner's page trains it once; the next trains none."""
    from case_study import stage4_legacy as s4
    from case_study.run_pool import RunPool

    fresh = RunPool(s4.make_team_pickle, name="fresh server")
    monkeypatch.setattr(s4, "TEAM_PICKLES", fresh)
    assert not AppTest.from_function(legacy_demo, default_timeout=TIMEOUT).run().exception
    assert fresh.trainings == 1
    count_trainings.clear()
    assert not AppTest.from_function(legacy_demo, default_timeout=TIMEOUT).run().exception
    assert count_trainings == [] and fresh.trainings == 1
