"""Stage 0 demo: recompute Papers with Code's "median of 196 stars" from their own CSV.

The learner picks the filters and presses Recompute (after predicting the unfiltered median
in the check below); the figure then recomputes with every change of filter. Below, the
headline without the step it never states next to the same headline with it, and every
forking path — also shown only once the learner has pressed Recompute, since each of them
gives the predicted number away.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from case_study import paths
from case_study import stage0_why as s0
from workshop.ui.widgets import (
    GREEN,
    GREY,
    friendly_errors,
    inline_data,
    predict_first,
    show_source,
    side_by_side,
    span,
    vega_spec,
)

# The raw files this demo reads: the stage page re-verifies them before every draw.
DATA_FILES = (paths.CODE_CHECKLIST,)

PYTHON_KEY = "why-python-only"
ITEMS_KEY = "why-required-items"
RECOMPUTE_KEY = "why-recompute"
RECOMPUTED_KEY = "why-recomputed"
# The check "why-warmup-predict" names this button in its prompt.
RECOMPUTE_LABEL = "Recompute"
NOT_YET = f"Appears once you press {RECOMPUTE_LABEL} above."


@st.cache_data(show_spinner=False, max_entries=64)
def _summary(python_only: bool, required: tuple[str, ...]) -> s0.StarsSummary:
    return s0.summarise_stars(python_only, required)


@st.cache_data(show_spinner=False, max_entries=1)
def _combinations() -> pd.DataFrame:
    return s0.all_filter_combinations()


def _stars(value: float | None) -> str:
    return "—" if value is None else f"{value:,.1f}"


def _show_summary(summary: s0.StarsSummary) -> None:
    """Count, median and mean, and how the median compares with the published claim."""
    # Two narrow metrics side by side, the median (with its delta) on a row of its own:
    # three in a half-width column cut their values off.
    count, mean = st.columns(2)
    count.metric(
        "Repositories matching",
        f"{summary.count} of {summary.n_considered}",
        help="Repositories left after the language filter that have every required item.",
    )
    mean.metric("Mean stars", _stars(summary.mean_stars))
    if summary.median_stars is None:
        st.metric("Median stars", "—")
    else:
        st.metric(
            "Median stars",
            _stars(summary.median_stars),
            f"{summary.difference:+,.1f} vs the published {summary.published_median}",
            delta_color="off",
        )
    if summary.reproduces_claim:
        st.success(f"The published median of {summary.published_median} stars comes back.")
    else:
        st.warning(f"That is not the published median of {summary.published_median} stars.")


def _learner_recomputation() -> bool:
    """The learner's filters and, once Recompute was pressed, their figure.

    Returns True when the recomputations may be shown.
    """
    with st.container(border=True):
        st.markdown("#### Your recomputation")
        st.caption(
            "Papers with Code: NeurIPS 2019 repositories with all five checklist items had a "
            f"median of {s0.PUBLISHED_MEDIAN_STARS} stars. Their CSV, verified by its SHA-256, "
            "is loaded below. Choose the filters."
        )
        python_only = st.checkbox("Python repositories only", value=False, key=PYTHON_KEY)
        required = st.multiselect(
            "Checklist items a repository must have",
            options=list(s0.CHECKLIST_ITEMS),
            default=list(s0.CHECKLIST_ITEMS),
            format_func=lambda item: s0.ITEM_LABELS[item],
            key=ITEMS_KEY,
        )
        recomputed = predict_first(
            RECOMPUTE_LABEL,
            key=RECOMPUTE_KEY,
            state_key=RECOMPUTED_KEY,
            check_id="why-warmup-predict",
        )
        if recomputed:
            with friendly_errors("The recomputation"):
                _show_summary(_summary(bool(python_only), tuple(required)))
            st.caption("The figure recomputes whenever you change a filter.")
        return recomputed


def _forking_paths_chart(table: pd.DataFrame) -> alt.Chart:
    shown = table.assign(
        language=table["python_only"].map({True: "Python only", False: "every language"}),
        filters=table["required"].map(
            lambda r: (
                "all five"
                if r.count(",") == len(s0.CHECKLIST_ITEMS) - 1
                else "all but " + next(i for i in s0.CHECKLIST_ITEMS if i not in r.split(", "))
            )
        ),
    )
    return (
        alt.Chart(inline_data(shown))
        .mark_bar()
        .encode(
            # Streamlit's chart theme cuts axis labels at 100 px ("all but pretraine…").
            y=alt.Y("filters:N", title=None, sort=None, axis=alt.Axis(labelLimit=240)),
            x=alt.X("median_stars:Q", title="median stars"),
            color=alt.Color(
                "reproduces_claim:N",
                title="published figure back?",
                scale=alt.Scale(domain=[False, True], range=[GREY, GREEN]),
            ),
            row=alt.Row("language:N", title=None),
            tooltip=[
                alt.Tooltip("language:N"),
                alt.Tooltip("filters:N"),
                alt.Tooltip("count:Q"),
                alt.Tooltip("median_stars:Q"),
            ],
        )
        .properties(height=150, description=_forking_paths_text(shown))
    )


def _forking_paths_text(shown: pd.DataFrame) -> str:
    """The forking-paths chart in a sentence: the medians, and which paths give the claim."""
    back = shown[shown["reproduces_claim"].astype(bool)]
    paths_back = "; ".join(f"{row.language}, {row.filters}" for row in back.itertuples())
    return (
        f"Median GitHub stars for {len(shown)} filter combinations, "
        f"{span(shown['median_stars'], '.1f')}. "
        + (f"The published figure comes back for: {paths_back}." if len(back)
           else "No combination gives the published figure back.")
    )


@st.cache_data(show_spinner=False, max_entries=1)
def _forking_paths_spec() -> dict:
    # A pure function of the verified CSV: built and validated once, not on every click.
    return vega_spec(_forking_paths_chart(_combinations()))


def render() -> None:
    """Draw Stage 0: the learner's recomputation, the headline, every forking path.

    The headline is shown with and without the unstated filter.
    """
    with friendly_errors("The Stage 0 demo"):
        recomputed = _learner_recomputation()

        left, right = side_by_side(
            "The headline as a reader meets it: all five items, no other filter stated.",
            "The same recomputation with the step the authors' notebook applies, written as code.",
        )
        with left:
            if recomputed:
                _show_summary(_summary(False, s0.CHECKLIST_ITEMS))
            st.caption("summarise_stars(python_only=False)" if recomputed else NOT_YET)
        with right:
            if recomputed:
                _show_summary(_summary(True, s0.CHECKLIST_ITEMS))
            st.caption("summarise_stars(python_only=True)" if recomputed else NOT_YET)
        show_source(s0.summarise_stars, label="Show the code that computes both")

        st.markdown("#### Every forking path")
        st.write(
            "The language filter times the five items, each dropped in turn. Which rows give the "
            "published figure back — and over how many repositories?"
        )
        if not recomputed:
            st.caption(NOT_YET)
            return
        table = _combinations()
        st.vega_lite_chart(spec=_forking_paths_spec(), width="stretch")
        st.dataframe(table, hide_index=True, width="stretch")
