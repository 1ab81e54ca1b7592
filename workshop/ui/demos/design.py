"""Stage 1 demo: twenty variants, the best test score announced, next to a design card.

Left, the best test score announced; right, a design card, cross-validation and a locked
holdout opened once; then the optimism gap over split seeds, on real and shuffled labels.
Every chart's spec is cached by its real inputs (``widgets.vega_spec``).
"""

from __future__ import annotations

import textwrap

import altair as alt
import pandas as pd
import streamlit as st

from case_study import optimism, paths, prevalence
from case_study import stage1_design as s1
from case_study.pipelines import DEFAULT_SEED
from workshop.ui.demos import design_tables
from workshop.ui.widgets import (
    GREEN,
    GREY,
    RED,
    friendly_errors,
    inline_data,
    predict_first,
    show_source,
    side_by_side,
    span,
    vega_spec,
)

# The raw files this demo reads: the stage page re-verifies them before every draw.
DATA_FILES = (paths.GERMAN_CREDIT,)

OPEN_HOLDOUT_KEY = "design-open-holdout"
HOLDOUT_OPENED_KEY = "design-holdout-opened"
# The checks "design-predict-holdout" and "design-predict-shuffled" name this button.
OPEN_HOLDOUT_LABEL = "Open the locked holdout"
RUN_AGAIN_KEY = "design-run-again"
RUNS_KEY = "design-unrecorded-runs"
CHECK_PLAN_KEY = "design-check-team-plan"
PLAN_CHECKED_KEY = "design-team-plan-checked"
# The check "design-vague-plan" names this button in its prompt.
CHECK_PLAN_LABEL = "Run check_plan on the team's plan"
# An axis title longer than this many characters goes on two lines (half-page charts).
TITLE_CHARS = 28


@st.cache_data(show_spinner=False, max_entries=8)
def _forking(seed: int) -> s1.ForkingPaths:
    return s1.forking_paths(seed)


@st.cache_data(show_spinner=False, max_entries=4)
def _optimism(seeds: tuple[int, ...]) -> pd.DataFrame:
    return s1.optimism_over_seeds(seeds)


@st.cache_data(show_spinner=False, max_entries=4)
def _optimism_summary(seeds: tuple[int, ...]) -> pd.DataFrame:
    return s1.summarise_optimism(_optimism(seeds))


def _summary_table(summary: pd.DataFrame) -> pd.DataFrame:
    """Each mean with its 95% interval, one row per kind of labels (display strings)."""
    return pd.DataFrame(
        {
            "labels": summary["labels"],
            "split seeds": summary["runs"],
            **{
                title: [
                    s1.mean_and_interval(row, measure, signed=measure == "optimism_gap")
                    for _, row in summary.iterrows()
                ]
                for measure, title in optimism.MEASURES.items()
            },
            "gap on single seeds": [
                f"{row.min_optimism_gap:+.3f} to {row.max_optimism_gap:+.3f}"
                for row in summary.itertuples()
            ],
            "holdout above chance": [
                f"{row.holdout_above_chance} of {row.runs} seeds" for row in summary.itertuples()
            ],
        }
    )


def _variant_dots(
    scores: pd.DataFrame,
    value: str,
    title: str,
    chosen: str,
    colour: str,
    baseline: float | None = None,
    ascending: bool = False,
) -> alt.Chart:
    """One dot per variant on a zoomed axis, the chosen one coloured.

    Bars from zero would hide differences of a few hundredths.
    """
    shown = scores.assign(
        chosen=scores["variant"] == chosen,
        label=scores["variant"].str.replace("logistic regression, ", "", regex=False),
    ).sort_values(value, ascending=ascending)
    values = list(shown[value]) + ([baseline] if baseline is not None else [])
    domain = [round(min(values) - 0.01, 2), round(max(values) + 0.01, 2)]
    pick = shown[shown["chosen"]]
    text = (
        f"{title} of {len(shown)} variants, {span(shown[value], '.3f')}"
        + (f"; the chosen one (a diamond), {pick['label'].iloc[0]}, "
           f"{pick[value].iloc[0]:.3f}" if len(pick) else "")
        + (f"; dashed line: the baseline, {baseline:.3f}." if baseline is not None else ".")
    )
    dots = (
        alt.Chart(inline_data(shown))
        .mark_point(size=110, opacity=0.9, filled=True)
        .encode(
            # A long title on two lines: one line wider than a column's chart is cut off.
            x=alt.X(f"{value}:Q", title=textwrap.wrap(title, TITLE_CHARS),
                    scale=alt.Scale(domain=domain)),
            y=alt.Y("label:N", sort=None, title=None, axis=alt.Axis(labelLimit=220)),
            color=alt.Color(
                "chosen:N", legend=None, scale=alt.Scale(domain=[False, True], range=[GREY, colour])
            ),
            # A second channel besides colour: the chosen variant is a diamond.
            shape=_chosen_shape("chosen"),
            tooltip=[alt.Tooltip("variant:N"), alt.Tooltip(f"{value}:Q", format=".3f")],
        )
        .properties(height=450, description=text)
    )
    if baseline is None:
        return dots
    rule = (
        alt.Chart(inline_data(pd.DataFrame({"baseline": [baseline]})))
        .mark_rule(strokeDash=[4, 4])
        .encode(x=alt.X("baseline:Q"))
    )
    return (dots + rule).properties(description=text)


def _chosen_shape(field: str, legend: alt.Legend | None = None) -> alt.Shape:
    """Circles, and a diamond for the one variant picked (``field`` is True)."""
    return alt.Shape(f"{field}:N", legend=legend,
                     scale=alt.Scale(domain=[False, True], range=["circle", "diamond"]))


def _left(run: s1.ForkingPaths, holdout_open: bool) -> None:
    st.markdown("**The team's plan**, one sentence and a habit:")
    design_tables.draw_card(s1.VAGUE_PLAN)
    st.vega_lite_chart(spec=_variant_specs(run.seed)["test"], width="stretch")
    st.metric(
        "Announced: best test ROC AUC of 20",
        f"{run.irreproducible_reported_auc:.3f}",
        help=run.irreproducible_choice,
    )
    if holdout_open:
        st.metric(
            "The same variant on the locked holdout",
            f"{run.irreproducible_holdout_auc:.3f}",
            f"{-run.optimism_gap:+.3f} — the optimism gap",
            delta_color="off",
        )
    if st.button(
        "Run again on a split nobody recorded",
        key=RUN_AGAIN_KEY,
        help="The team's procedure on a fresh, unrecorded split (~0.1 s)",
    ):
        with friendly_errors("The unrecorded run"):
            again = s1.irreproducible_run_again()
            st.session_state[RUNS_KEY].append(
                {
                    "run": len(st.session_state[RUNS_KEY]) + 1,
                    "announced_auc": again.irreproducible_reported_auc,
                    "variant": again.irreproducible_choice,
                }
            )
    runs = pd.DataFrame(st.session_state[RUNS_KEY])
    if not runs.empty:
        st.vega_lite_chart(spec=_unrecorded_spec(runs), width="stretch")
        st.caption(
            "Each click announces another number, and nobody can say which split produced it."
        )
    show_source(s1.irreproducible_run_again, label="Show the code: the unrecorded run")


@st.cache_data(show_spinner=False, max_entries=8)
def _variant_specs(seed: int) -> dict[str, dict]:
    """Both columns' variant charts: pure functions of the seeded run, validated once."""
    run = _forking(seed)
    test = _variant_dots(
        run.scores, "test_auc", "ROC AUC on the test set", run.irreproducible_choice, RED
    )
    cv = _variant_dots(
        run.scores,
        "cv_expected_cost",
        "expected cost per applicant, 5-fold CV (lower is better)",
        str(run.reproducible_choice),
        GREEN,
        baseline=run.baseline_holdout_expected_cost,
        ascending=True,
    )
    return {"test": vega_spec(test), "cv": vega_spec(cv)}


# The learner's unrecorded runs: the spec depends only on the runs shown.
@st.cache_data(show_spinner=False, max_entries=64)
def _unrecorded_spec(runs: pd.DataFrame) -> dict:
    chart = (
        alt.Chart(inline_data(runs))
        .mark_circle(size=90, color=RED)
        .encode(
            x=alt.X(
                "announced_auc:Q",
                title="announced ROC AUC, unrecorded splits",
                scale=alt.Scale(zero=False),
            ),
            y=alt.Y("run:O", title="run"),
            tooltip=[
                alt.Tooltip("run:O"),
                alt.Tooltip("announced_auc:Q", format=".3f"),
                alt.Tooltip("variant:N"),
            ],
        )
        .properties(
            height=120,
            description=f"Announced ROC AUC of {len(runs)} runs on unrecorded splits, "
            f"{span(runs['announced_auc'], '.3f')}.",
        )
    )
    return vega_spec(chart)


def _right(run: s1.ForkingPaths, holdout_open: bool) -> None:
    st.markdown("**The design card**, written before modelling:")
    design_tables.draw_card(s1.REPRODUCIBLE_CARD)
    gaps = s1.check_plan(s1.REPRODUCIBLE_CARD)
    st.caption(
        f"check_plan(REPRODUCIBLE_CARD): {len(gaps)} gaps. Metric: "
        f"{s1.METRICS[s1.REPRODUCIBLE_CARD.metric]}."
    )
    st.vega_lite_chart(spec=_variant_specs(run.seed)["cv"], width="stretch")
    folds = run.reproducible_cv_fold_costs
    st.metric(
        "Chosen on CV expected cost",
        f"{run.reproducible_cv_expected_cost:.3f}",
        f"{len(folds)} folds, range {min(folds):.3f}–{max(folds):.3f}",
        delta_color="off",
        help=str(run.reproducible_choice),
    )
    st.caption("Dashed line: the cheaper constant policy (the card's baseline).")
    if holdout_open:
        threshold = s1.REPRODUCIBLE_CARD.success_threshold
        met = run.reproducible_holdout_expected_cost <= threshold
        # Lower cost is better: the card's threshold is a ceiling, so no arrow (an up arrow
        # beside "met" read as "above the threshold").
        st.metric(
            "Locked holdout, opened once: expected cost",
            f"{run.reproducible_holdout_expected_cost:.3f}",
            f"card's ceiling {threshold:g}: {'met' if met else 'not met'} (lower is better)",
            delta_color="off",
            delta_arrow="off",
        )
        st.metric("… and its ROC AUC", f"{run.reproducible_holdout_auc:.3f}")
    show_source(s1.check_plan, label="Show the code: check_plan")


def _test_vs_holdout(run: s1.ForkingPaths) -> alt.LayerChart:
    shown = run.scores.assign(announced=run.scores["variant"] == run.irreproducible_choice)
    low = float(min(shown["test_auc"].min(), shown["holdout_auc"].min())) - 0.01
    high = float(max(shown["test_auc"].max(), shown["holdout_auc"].max())) + 0.01
    points = (
        alt.Chart(inline_data(shown))
        .mark_point(size=90, filled=True)
        .encode(
            x=alt.X(
                "test_auc:Q",
                title="ROC AUC on the test set (used to choose)",
                scale=alt.Scale(domain=[low, high]),
            ),
            y=alt.Y(
                "holdout_auc:Q",
                title="ROC AUC on the locked holdout",
                scale=alt.Scale(domain=[low, high]),
            ),
            color=alt.Color(
                "announced:N",
                title="announced",
                scale=alt.Scale(domain=[False, True], range=[GREY, RED]),
            ),
            shape=_chosen_shape("announced", alt.Legend(title="announced")),
            tooltip=[
                alt.Tooltip("variant:N"),
                alt.Tooltip("test_auc:Q", format=".3f"),
                alt.Tooltip("holdout_auc:Q", format=".3f"),
            ],
        )
    )
    diagonal = (
        alt.Chart(inline_data(pd.DataFrame({"x": [low, high], "y": [low, high]})))
        .mark_line(strokeDash=[4, 4])
        .encode(x=alt.X("x:Q"), y=alt.Y("y:Q"))
    )
    announced = shown[shown["announced"]]
    return (points + diagonal).properties(
        height=320,
        description=(
            f"ROC AUC of {len(shown)} variants on the test set against the locked holdout"
            + (f"; the announced one (a red diamond) {announced['test_auc'].iloc[0]:.3f} on "
               f"the test set, {announced['holdout_auc'].iloc[0]:.3f} on the holdout"
               if len(announced) else "")
            + "; dashed line: equal scores."
        ),
    )


def _over_seeds(table: pd.DataFrame) -> alt.Chart:
    long = table.melt(
        id_vars=["labels", "seed", "chosen"],
        value_vars=["best_test_auc", "holdout_auc"],
        var_name="scored_on",
        value_name="roc_auc",
    )
    long["scored_on"] = long["scored_on"].map(
        {"best_test_auc": "test set (announced)", "holdout_auc": "locked holdout"}
    )
    return (
        alt.Chart(inline_data(long))
        .mark_line(point=True)
        .encode(
            x=alt.X("seed:O", title="split seed"),
            y=alt.Y(
                "roc_auc:Q", title="ROC AUC of the announced variant", scale=alt.Scale(zero=False)
            ),
            color=alt.Color("scored_on:N", title=None, scale=alt.Scale(range=[GREY, RED])),
            strokeDash=alt.StrokeDash(
                "scored_on:N", title=None, scale=alt.Scale(range=[[1, 0], [6, 3]])
            ),
            column=alt.Column("labels:N", title=None),
            tooltip=[
                alt.Tooltip("labels:N"),
                alt.Tooltip("seed:O"),
                alt.Tooltip("chosen:N"),
                alt.Tooltip("scored_on:N"),
                alt.Tooltip("roc_auc:Q", format=".3f"),
            ],
        )
        .properties(height=240, width=260, description=_over_seeds_text(table))
    )


def _over_seeds_text(table: pd.DataFrame) -> str:
    """The optimism chart in a sentence: mean test and holdout ROC AUC per kind of labels."""
    means = table.groupby("labels", sort=False)[["best_test_auc", "holdout_auc"]].mean()
    return (
        f"ROC AUC of the announced variant on {table['seed'].nunique()} split seeds, on the "
        "test set (announced, red, dashed) and on the locked holdout (grey, solid). Means: "
        + "; ".join(f"{labels} labels {row.best_test_auc:.3f} announced, "
                    f"{row.holdout_auc:.3f} on the holdout" for labels, row in means.iterrows())
        + "."
    )


@st.cache_data(show_spinner=False, max_entries=8)
def _holdout_spec(seed: int) -> dict:
    return vega_spec(_test_vs_holdout(_forking(seed)))


@st.cache_data(show_spinner=False, max_entries=4)
def _over_seeds_spec(seeds: tuple[int, ...]) -> dict:
    return vega_spec(_over_seeds(_optimism(seeds)))


def _holdout_section(run: s1.ForkingPaths) -> None:
    st.markdown("#### Test set against locked holdout, every variant")
    st.vega_lite_chart(spec=_holdout_spec(run.seed), width="stretch")
    st.caption(
        "Points below the dashed line did worse on the holdout than on the test set they were "
        "chosen on."
    )
    st.markdown(
        f"#### The optimism gap over {len(s1.SPLIT_SEEDS)} split seeds, real and shuffled labels"
    )
    with st.spinner(f"Running the team's procedure on {2 * len(s1.SPLIT_SEEDS)} splits…"):
        summary = _optimism_summary(s1.SPLIT_SEEDS)
    st.vega_lite_chart(spec=_over_seeds_spec(s1.SPLIT_SEEDS), width="stretch")
    st.table(_summary_table(summary).set_index("labels"))  # a table wraps long values
    for sentence in s1.describe_optimism(summary):
        st.markdown(f"- {sentence}")
    st.caption(
        f"Mean over the split seeds ± a {optimism.CONFIDENCE:.0%} Student t confidence "
        f"interval. The {s1.N_APPLICANTS:,} rows stay the same and each seed draws its own "
        "split, so the interval is for the mean over splits of this data, not over other "
        "samples of applicants. On shuffled labels there is nothing to find: whatever the "
        "announced test score shows above 0.5 is what choosing the best of twenty produces on "
        "its own."
    )


def _prevalence_section() -> None:
    st.markdown("#### The sample's share of bad credits is not the bank's")
    st.caption(
        "The rows are a stratified sample of credits the bank granted, bad credits heavily "
        "oversampled; the documented real share is about "
        f"{prevalence.DOCUMENTED_PREVALENCE:.0%} (UCI page for South German Credit). The "
        "threshold 1/6, the baseline and every expected cost above assume the sample's share. "
        "The same figures at the documented share, for the reproducible loan model of Stages 3–5 "
        f"(seed {DEFAULT_SEED}) on its hold-out rows, reweighted to that share:"
    )
    design_tables.draw_prevalence(DEFAULT_SEED)
    show_source(prevalence.prior_correct, label="Show the code: the prior correction")


def render() -> None:
    """Draw Stage 1: best-of-N on the test set vs a design card, CV and a locked holdout."""
    with friendly_errors("The Stage 1 demo"):
        if RUNS_KEY not in st.session_state:
            st.session_state[RUNS_KEY] = []
        run = _forking(DEFAULT_SEED)
        # A button, not a toggle: the holdout is opened once, and stays open for the session
        # (a toggle's state is dropped when the learner visits another page).
        holdout_open = predict_first(
            OPEN_HOLDOUT_LABEL,
            key=OPEN_HOLDOUT_KEY,
            state_key=HOLDOUT_OPENED_KEY,
            check_id=("design-predict-holdout", "design-predict-shuffled"),
        )
        left, right = side_by_side(
            f"A one-line plan: no seed, no locked holdout, no baseline. {len(s1.VARIANTS)} "
            f"variants, each scored on the test set (split seed {run.seed}); the best one is "
            "announced.",
            f"A design card first. The same {len(s1.VARIANTS)} variants chosen by "
            f"{s1.CV_FOLDS}-fold "
            "cross-validation inside the development data; the locked holdout opened once.",
        )
        with left:
            _left(run, holdout_open)
        with right:
            _right(run, holdout_open)
        show_source(s1.run_both_teams, label="Show the code: both teams' procedures")
        show_source(s1.build_pipeline, label="Show the code: one variant's Pipeline")

        # check_plan lists exactly the fields the check on the team's plan asks for.
        if predict_first(
            CHECK_PLAN_LABEL,
            key=CHECK_PLAN_KEY,
            state_key=PLAN_CHECKED_KEY,
            check_id="design-vague-plan",
        ):
            for gap in s1.check_plan(s1.VAGUE_PLAN):
                st.markdown(f"- **{gap.field}** — {gap.problem}")

        _prevalence_section()
        if holdout_open:
            _holdout_section(run)
        else:
            st.info(
                "The locked holdout is still closed. Make your predictions in the checks, then "
                "open it above."
            )
