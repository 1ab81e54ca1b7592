"""Stage 3 demo, last part: two models compared over 30 split seeds, read after 1, 5 and 30.

Nothing trains when the page opens: the learner presses the button, and the comparison
(:func:`case_study.model_comparison.compare_models`, deterministic) is computed once per
server process and shared by every learner, as is its chart.
"""

from __future__ import annotations

import math

import altair as alt
import pandas as pd
import streamlit as st

from case_study import model_comparison as mc
from workshop.ui.widgets import (
    BLUE,
    GREY,
    RED,
    friendly_errors,
    inline_data,
    show_source,
    vega_spec,
)

SHOWN_KEY = "model-comparison-shown"
BUTTON_LABEL = f"Compare them over {len(mc.COMPARISON_SEEDS)} split seeds"


@st.cache_data(show_spinner=False, max_entries=1)
def _comparison() -> mc.ModelComparison:
    return mc.compare_models()


def _interval(low: float, high: float) -> str:
    if math.isnan(low):
        return "none: one run has no spread"
    return f"{low:+.4f} to {high:+.4f}"


def summary_table(comparison: mc.ModelComparison) -> pd.DataFrame:
    """One row per run count: what a team that stopped there would have seen.

    Args:
        comparison: the computed comparison.

    Returns:
        A DataFrame to show as it is: runs, apparent winner, mean difference, wins and both
        95% intervals, as text.
    """
    rows = []
    for s in comparison.summaries:
        rows.append({
            "Runs": s.n_runs,
            "Apparent winner": s.winner,
            "Mean difference (ROC AUC)": f"{s.mean_difference:+.4f}",
            f"Runs won by {comparison.first}": f"{s.first_wins} of {s.n_runs}",
            "95% paired t interval": _interval(s.paired_low, s.paired_high),
            "95% corrected interval": _interval(s.corrected_low, s.corrected_high),
        })
    return pd.DataFrame(rows)


def _chart(comparison: mc.ModelComparison) -> alt.LayerChart:
    """Each run's difference (dots), the running mean (line), the corrected interval (band)."""
    runs = comparison.runs[["run", "split_seed", "difference", "running_mean",
                            "corrected_low", "corrected_high"]]
    base = alt.Chart(inline_data(runs))
    x = alt.X("run:Q", title="runs so far (split seeds 0, 1, 2, …)", axis=alt.Axis(tickMinStep=1))
    band = base.mark_area(opacity=0.2, color=BLUE).encode(
        x=x, y=alt.Y("corrected_low:Q", title=f"ROC AUC, {comparison.first} minus the other"),
        y2=alt.Y2("corrected_high:Q"),
    )
    line = base.mark_line(color=BLUE, strokeWidth=2).encode(x=x, y=alt.Y("running_mean:Q"))
    dots = base.mark_point(filled=True, size=50, color=RED, shape="diamond").encode(
        x=x, y=alt.Y("difference:Q"),
        tooltip=[alt.Tooltip("run:Q"), alt.Tooltip("split_seed:Q"),
                 alt.Tooltip("difference:Q", format="+.4f"),
                 alt.Tooltip("running_mean:Q", title="mean so far", format="+.4f")],
    )
    zero = alt.Chart(inline_data(pd.DataFrame({"zero": [0.0]}))).mark_rule(
        color=GREY, strokeDash=[4, 4]).encode(y=alt.Y("zero:Q"))
    last = comparison.summaries[-1]
    return (band + line + dots + zero).properties(
        height=260,
        description=(
            f"The ROC AUC difference, {comparison.first} minus {comparison.second}, in each of "
            f"{comparison.n_runs} runs (red diamonds, "
            f"{runs['difference'].min():+.4f} to {runs['difference'].max():+.4f}); the mean "
            f"so far (blue line) ends at {last.mean_difference:+.4f}, inside a corrected 95% "
            f"interval (blue band) of {_interval(last.corrected_low, last.corrected_high)}; "
            "the dashed line is no difference."
        ),
    )


@st.cache_data(show_spinner=False, max_entries=1)
def _chart_spec() -> dict:
    return vega_spec(_chart(_comparison()))


def _verdict(comparison: mc.ModelComparison) -> str:
    one, last = comparison.summaries[0], comparison.summaries[-1]
    across = ("excludes" if last.corrected_excludes_zero else "includes")
    return (
        f"One run crowned **{one.winner}** by {abs(one.mean_difference):.4f}. After "
        f"{last.n_runs} runs the mean difference is {last.mean_difference:+.4f}; the paired t "
        f"interval ({_interval(last.paired_low, last.paired_high)}) treats the runs as "
        "independent, but they share most of their training rows, so the corrected interval "
        f"({_interval(last.corrected_low, last.corrected_high)}) is wider, and it {across} "
        "no difference."
    )


def render_comparison() -> None:
    """Draw the comparison section: the question, the button, then the table and the chart."""
    st.markdown("#### Comparing two models: how many runs?")
    first, second = mc.COMPARED
    st.write(
        f"Does leaving age, sex and foreign-worker status out cost the loan model anything? "
        f"Stage 1's logistic regression on **{first.feature_set}** against the same model on "
        f"**{second.feature_set}**: both trained and scored on the same split, for each of "
        f"{len(mc.COMPARISON_SEEDS)} split seeds. Which one wins, and by how much, after "
        f"{', '.join(str(n) for n in mc.RUN_COUNTS[:-1])} and {mc.RUN_COUNTS[-1]} runs?"
    )
    if st.button(BUTTON_LABEL, key="model-comparison-run"):
        st.session_state[SHOWN_KEY] = True
    if not st.session_state.get(SHOWN_KEY):
        return
    with friendly_errors("The model comparison"), st.spinner("Training both models per seed…"):
        comparison = _comparison()
        st.dataframe(summary_table(comparison), hide_index=True)
        st.vega_lite_chart(spec=_chart_spec(), width="stretch")
        st.markdown(_verdict(comparison))
        st.caption(f"Report it like this: {comparison.report}.")
    show_source(mc.paired_aucs, label="Show the code of the paired runs")
