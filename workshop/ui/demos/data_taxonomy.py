"""Stage 2 demo, part (c): group leakage and an illegitimate feature, on derived variants.

Every score comes from :mod:`case_study.leakage_types`, computed when a learner presses the
button and cached per process (the case study's own cache and ``st.cache_data``): opening
the page trains nothing, and the second learner to press the button waits for nothing.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from case_study import leakage_types as lt
from workshop.ui.widgets import GREEN, GREY, RED, inline_data, show_source, side_by_side, vega_spec

RUN_KEY = "data-run-taxonomy"
SHOWN_KEY = "data-taxonomy-shown"
RUN_LABEL = "Run the group leak and the illegitimate feature on every seed"

# Wrong in red and dashed, right in green and solid, the shipped data's reference in grey.
STYLE = {
    "random_split": (RED, [6, 3]),
    "grouped_split": (GREEN, [1, 0]),
    "one_row": (GREY, [2, 2]),
    "with_collections": (RED, [6, 3]),
    "without_collections": (GREEN, [1, 0]),
}


@st.cache_data(show_spinner=False, max_entries=4)
def _taxonomy(seeds: tuple[int, ...]) -> pd.DataFrame:
    return lt.taxonomy_over_seeds(seeds)


@st.cache_data(show_spinner=False, max_entries=4)
def _single_columns(seed: int) -> pd.DataFrame:
    return lt.single_column_aucs(seed)


def _chart(table: pd.DataFrame) -> alt.Chart:
    labels = [label for _, label in lt.EVALUATIONS.values()]
    return (
        alt.Chart(inline_data(table))
        .mark_line(point=True)
        .encode(
            x=alt.X("seed:O", title="split seed"),
            y=alt.Y("roc_auc:Q", title="ROC AUC on the test rows", scale=alt.Scale(zero=False)),
            color=alt.Color(
                "label:N",
                title=None,
                sort=labels,
                scale=alt.Scale(domain=labels, range=[c for c, _ in STYLE.values()]),
                legend=alt.Legend(orient="bottom", columns=1, labelLimit=320),
            ),
            # A second channel besides colour: wrong dashed, right solid, reference dotted.
            strokeDash=alt.StrokeDash(
                "label:N",
                title=None,
                sort=labels,
                scale=alt.Scale(domain=labels, range=[d for _, d in STYLE.values()]),
                legend=alt.Legend(orient="bottom", columns=1, labelLimit=320),
            ),
            column=alt.Column("panel:N", title=None, sort=sorted(set(table["panel"]))),
            tooltip=[
                alt.Tooltip("label:N"),
                alt.Tooltip("seed:O"),
                alt.Tooltip("roc_auc:Q", format=".4f"),
            ],
        )
        .properties(height=220, width=260, description=_chart_text(table))
    )


def _chart_text(table: pd.DataFrame) -> str:
    """The chart in a sentence: each evaluation's mean ROC AUC over the seeds."""
    means = table.groupby("label", sort=False)["roc_auc"].mean()
    return (
        f"ROC AUC on {table['seed'].nunique()} split seeds, by evaluation: "
        + "; ".join(f"{label} {value:.3f} on average" for label, value in means.items())
        + "."
    )


@st.cache_data(show_spinner=False, max_entries=4)
def _chart_spec(seeds: tuple[int, ...]) -> dict:
    return vega_spec(_chart(_taxonomy(seeds)))


def _explain() -> tuple:
    st.markdown("#### (c) The rest of the taxonomy: group leakage and an illegitimate feature")
    st.write(
        "The shipped file has no applicant ids and no column recorded after the decision, so "
        "both leaks run on **derived variants** of it, built by the case study and labelled "
        "as such:"
    )
    st.markdown(
        f"- **Repeat applications** (group leakage, L3.2): each credit becomes {lt.REPEATS} "
        f"applications by the same applicant with the same outcome, the amount varied by up "
        f"to ±{lt.AMOUNT_JITTER:.0%} and the duration by up to ±{lt.DURATION_JITTER_MONTHS} "
        "months, so no two rows are identical.\n"
        f"- **`{lt.ILLEGITIMATE_COLUMN}`** (illegitimate feature, L2): a simulated flag from "
        "the debt-collection team, set only after a borrower falls behind. In the simulation "
        f"a bad credit reaches collections with probability {lt.COLLECTIONS_IF_BAD:.0%}, a "
        f"good one with {lt.COLLECTIONS_IF_GOOD:.0%} (these are inputs, not facts)."
    )
    left, right = side_by_side(
        "Wrong: split rows as if each were a different person; use every column you have.",
        "Right: split by applicant; use only what is known when the application comes in.",
    )
    with left:
        show_source(lt.random_split_on_repeats, label="Show the code: random split")
        show_source(lt.with_illegitimate_feature, label="Show the code: with the column")
    with right:
        show_source(lt.grouped_split_on_repeats, label="Show the code: split by applicant")
        show_source(lt.one_row_per_applicant, label="Show the code: without the column")
    show_source(lt.repeat_applications, label="Show the code: how the repeat applications are made")
    show_source(lt.collections_column, label="Show the code: how the column is simulated")
    return left, right


def _results(left, right) -> None:
    seeds = lt.LEAKAGE_SEEDS
    with st.spinner("Training a forest four ways on every seed (once for the whole server)…"):
        table = _taxonomy(seeds)
    summary = lt.summarise_taxonomy(table)
    n = summary["seeds"]
    left.metric(
        "Repeat applications, random split: mean ROC AUC",
        f"{summary['random_split']:.3f}",
        f"higher than by applicant in {summary['group_higher_in']} of {n} seeds",
        delta_color="off",
    )
    right.metric(
        "Repeat applications, split by applicant: mean ROC AUC", f"{summary['grouped_split']:.3f}"
    )
    left.metric(
        f"With {lt.ILLEGITIMATE_COLUMN}: mean ROC AUC", f"{summary['with_collections']:.3f}"
    )
    right.metric(
        f"Without {lt.ILLEGITIMATE_COLUMN}: mean ROC AUC", f"{summary['without_collections']:.3f}"
    )
    st.vega_lite_chart(spec=_chart_spec(seeds), width="stretch")
    st.markdown(
        f"The random split gains **{summary['group_gap']:+.3f}** ROC AUC over the split by "
        f"applicant (mean of {n} seeds); the split by applicant lands near the shipped data's "
        f"own score, one row per applicant ({summary['one_row']:.3f}). The simulated column "
        f"adds **{summary['illegitimate_gap']:+.3f}**, and it would be gone at decision time."
    )
    columns = _single_columns(seeds[0]).head(5)
    st.markdown(
        "A check that needs no model: how well does each column **alone** separate bad from good "
        "credits? A column far ahead of every genuine one deserves the question: when is it "
        "recorded?"
    )
    st.dataframe(
        columns.rename(columns={"auc": "ROC AUC of the column alone"}),
        hide_index=True,
        width="stretch",
    )


def render() -> None:
    """Draw part (c): the derived variants explained, then the scores behind a button."""
    left, right = _explain()
    if st.button(RUN_LABEL, key=RUN_KEY):
        st.session_state[SHOWN_KEY] = True
    if not st.session_state.get(SHOWN_KEY):
        st.caption(
            "Nothing is trained until you press the button; the results are then kept for "
            "everyone on this server."
        )
        return
    _results(left, right)
