"""Stage 1 demo: both teams draw with charts; the holdout stays closed until opened (and then
stays open); "run again" adds an unrecorded split; check_plan lists the team plan's gaps on
demand, after a caption asks for the check's answer first."""

from __future__ import annotations

import json

import pyarrow as pa
from streamlit.testing.v1 import AppTest

from tests.ui.demo_helpers import assert_locked, commit

# The checks whose predictions the demo's button waits for.
HOLDOUT_CHECKS = ("design-predict-holdout", "design-predict-shuffled")


def _demo():
    from workshop.ui.demos import design

    design.render()


def _new_demo() -> AppTest:
    return AppTest.from_function(_demo, default_timeout=120).run()


def _labels(at: AppTest) -> list[str]:
    return [m.label for m in at.metric]


def _chart_rows(at: AppTest, index: int) -> list[dict]:
    chart = at.get("vega_lite_chart")[index].proto
    spec = json.loads(chart.spec)
    name = (spec["layer"][0] if "layer" in spec else spec)["data"]["name"]
    dataset = next(d for d in chart.datasets if d.name == name)
    return pa.ipc.open_stream(dataset.data.data).read_all().to_pylist()


def test_demo_renders_both_columns_with_a_chart_each_and_the_holdout_closed():
    """A learner opening Stage 1 sees both teams, twenty variants charted, and no holdout
    score yet."""
    at = _new_demo()
    assert not at.exception
    assert not at.error
    assert [s.value for s in at.subheader] == ["Irreproducible", "Reproducible"]
    assert len(at.get("vega_lite_chart")) == 2
    assert len(_chart_rows(at, 0)) == 20
    assert "Announced: best test ROC AUC of 20" in _labels(at)
    assert not any("holdout" in label for label in _labels(at))
    assert_locked(at, "design-open-holdout", "Open the locked holdout", "design-predict-holdout")


def test_opening_the_holdout_shows_the_gap_and_the_seed_charts():
    """Opening the locked holdout reveals both teams' holdout scores and the charts over seeds."""
    at = _new_demo()
    commit(at, *HOLDOUT_CHECKS).button(key="design-open-holdout").click().run()
    assert not at.exception
    assert "The same variant on the locked holdout" in _labels(at)
    assert "Locked holdout, opened once: expected cost" in _labels(at)
    assert len(at.get("vega_lite_chart")) == 4
    seeds = json.loads(at.get("vega_lite_chart")[3].proto.spec)
    assert "column" in seeds["encoding"]  # real and shuffled labels side by side


def test_the_opened_holdout_stays_open_on_later_runs():
    """Opened once, the holdout stays open for the session: the button is gone, the scores stay."""
    at = _new_demo()
    commit(at, *HOLDOUT_CHECKS).button(key="design-open-holdout").click().run()
    at.button(key="design-run-again").click().run()
    assert not at.exception
    assert at.session_state["design-holdout-opened"] is True
    assert "The same variant on the locked holdout" in _labels(at)
    assert "design-open-holdout" not in [button.key for button in at.button]


def test_run_again_announces_a_number_from_an_unrecorded_split():
    """Each click runs the team's procedure on a fresh split and adds its announced score."""
    at = _new_demo()
    at.button(key="design-run-again").click().run()
    at.button(key="design-run-again").click().run()
    assert not at.exception
    assert len(at.session_state["design-unrecorded-runs"]) == 2
    assert len(at.get("vega_lite_chart")) == 3


def test_check_plan_lists_the_team_plans_gaps_on_demand():
    """The gaps stay hidden (a check asks for them) until the learner runs check_plan."""
    at = _new_demo()
    shown = " ".join(m.value for m in at.markdown)
    assert "**success_threshold**" not in shown
    assert_locked(at, "design-check-team-plan", "Run check_plan on the team's plan",
                  "design-vague-plan")
    commit(at, "design-vague-plan").button(key="design-check-team-plan").click().run()
    shown = " ".join(m.value for m in at.markdown)
    for field in ("metric", "split", "seed", "baseline", "success_threshold", "summary"):
        assert f"**{field}**" in shown
    at.run()  # and they stay listed on later runs
    assert "**success_threshold**" in " ".join(m.value for m in at.markdown)


def test_the_prevalence_table_shows_the_case_studys_own_figures_at_the_documented_share():
    """The Stage 1 demo recomputes baseline, cut-off and expected cost at ~5% bad, and the
    figures on screen are prevalence.prevalence_table's own."""
    from case_study import prevalence
    from case_study.pipelines import DEFAULT_SEED

    at = _new_demo()
    assert not at.exception
    table = prevalence.prevalence_table(DEFAULT_SEED)
    documented = table[table["prevalence"] == prevalence.DOCUMENTED_PREVALENCE].iloc[0]
    shown = at.table[-1].value
    column = shown[f"{prevalence.DOCUMENTED_PREVALENCE:.0%} bad"].tolist()
    assert column[0] == f"approve everyone: {documented.baseline_cost:.3f}"
    assert column[1] == f"{documented.cutoff_on_model_p_bad:.3f}"
    assert f"cost {documented.expected_cost:.3f}" in column[2]
    assert f"cost {documented.as_trained_expected_cost:.3f}" in column[3]


def test_the_cost_threshold_is_drawn_without_an_up_arrow():
    """The holdout's expected cost is met against a ceiling: no arrow beside it."""
    at = _new_demo()
    commit(at, *HOLDOUT_CHECKS).button(key="design-open-holdout").click().run()
    metric = next(m for m in at.metric if m.label.startswith("Locked holdout"))
    assert "ceiling" in metric.proto.delta and "lower is better" in metric.proto.delta
    assert metric.proto.direction == metric.proto.MetricDirection.NONE


def test_the_gap_over_seeds_is_shown_as_means_with_intervals_and_sentences_they_back():
    """After opening the holdout: a table of each mean with its 95% interval over the demo's
    split seeds, and the sentences case_study.optimism writes from those intervals."""
    from case_study import stage1_design as s1

    at = _new_demo()
    commit(at, *HOLDOUT_CHECKS).button(key="design-open-holdout").click().run()
    assert not at.exception
    summary = s1.summarise_optimism(s1.optimism_over_seeds(s1.SPLIT_SEEDS))
    shown = next(t.value for t in at.table if "split seeds" in t.value.columns)
    assert list(shown.index) == ["real", "shuffled"]
    assert (shown["split seeds"] == len(s1.SPLIT_SEEDS)).all()
    real = summary.set_index("labels").loc["real"]
    assert s1.mean_and_interval(real, "optimism_gap", signed=True) in shown.loc["real"].tolist()
    markdown = " ".join(m.value for m in at.markdown)
    for sentence in s1.describe_optimism(summary):
        assert sentence in markdown
