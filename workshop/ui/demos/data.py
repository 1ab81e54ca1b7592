"""Stage 2 demo: a silent upstream update, and three leaks.

(a) The notebook's loader trains on a silently updated file without a word, the verified
loader refuses; (b) three leaks, fitted before the split vs inside the Pipeline, over several
split seeds.
"""

from __future__ import annotations

import functools

import altair as alt
import pandas as pd
import streamlit as st

from case_study import codes, paths
from case_study import data as case_data
from case_study import stage2_data as s2
from case_study.pipelines import DEFAULT_SEED
from workshop.ui.demos import data_taxonomy
from workshop.ui.widgets import (
    GREEN,
    GREY,
    RED,
    arrow_table,
    friendly_errors,
    inline_data,
    predict_first,
    short_hash,
    show_source,
    side_by_side,
    vega_spec,
)

# The raw files this demo reads: the stage page re-verifies them before every draw.
DATA_FILES = (paths.GERMAN_CREDIT,)

RUN_LEAKS_KEY = "data-run-leaks"
LEAKS_SHOWN_KEY = "data-leaks-shown"
# The check "data-predict-selection-gain" names this button in its prompt.
RUN_LEAKS_LABEL = "Run the three leaks on every seed"


@st.cache_data(show_spinner=False, max_entries=4)
def _upstream(seed: int) -> s2.UpstreamUpdate:
    return s2.cached_upstream_update(seed)


@st.cache_data(show_spinner=False, max_entries=4)
def _leakage(seeds: tuple[int, ...]) -> pd.DataFrame:
    return s2.leakage_over_seeds(seeds)


def _update_chart(update: s2.UpstreamUpdate) -> alt.Chart:
    """One dot per loader and file on a zoomed axis.

    The verified loader has no score for the updated file, because it refused to load it.
    """
    rows = pd.DataFrame(
        [
            {
                "run": "notebook loader · original file",
                "file": "original",
                "roc_auc": update.irreproducible_auc_original,
            },
            {
                "run": "notebook loader · after the update",
                "file": "updated",
                "roc_auc": update.irreproducible_auc_updated,
            },
            {
                "run": "verified loader · original file",
                "file": "original",
                "roc_auc": update.reproducible_auc_original,
            },
        ]
    )
    low, high = float(rows["roc_auc"].min()) - 0.01, float(rows["roc_auc"].max()) + 0.01
    return (
        alt.Chart(inline_data(rows))
        .mark_circle(size=160)
        .encode(
            x=alt.X(
                "roc_auc:Q",
                title="ROC AUC (same pipeline and seeds; the loaders differ)",
                scale=alt.Scale(domain=[round(low, 2), round(high, 2)]),
            ),
            y=alt.Y("run:N", title=None, sort=None, axis=alt.Axis(labelLimit=260)),
            color=alt.Color(
                "file:N",
                legend=None,
                scale=alt.Scale(domain=["original", "updated"], range=[GREY, RED]),
            ),
            tooltip=[alt.Tooltip("run:N"), alt.Tooltip("roc_auc:Q", format=".4f")],
        )
        .properties(
            height=140,
            description="ROC AUC of the same pipeline by loader and file: "
            + "; ".join(f"{row.run} {row.roc_auc:.3f}" for row in rows.itertuples())
            + ". The verified loader refused the updated file.",
        )
    )


# Chart specs: pure functions of the cached, seeded results, converted and validated once.
@st.cache_data(show_spinner=False, max_entries=4)
def _update_spec(seed: int) -> dict:
    return vega_spec(_update_chart(_upstream(seed)))


@st.cache_data(show_spinner=False, max_entries=4)
def _leakage_spec(seeds: tuple[int, ...]) -> dict:
    return vega_spec(_leakage_chart(_leakage(seeds)))


def _recoding_table(update: s2.UpstreamUpdate) -> pd.DataFrame:
    meanings = codes.CODE_MEANINGS[update.column]
    return pd.DataFrame(
        [
            {
                "code in the file before": old,
                "means (documentation)": meanings[old],
                "code after the update": new,
            }
            for old, new in sorted(update.recoding.items())
        ]
    )


@functools.lru_cache(maxsize=4)
def _recoding_arrow(seed: int):
    # Built and converted to Arrow once per process (st.dataframe converts a DataFrame on
    # every run); it depends only on the seeded update.
    return arrow_table(_recoding_table(_upstream(seed)))


def _upstream_section() -> None:
    st.markdown("#### (a) A silent upstream update")
    update = _upstream(DEFAULT_SEED)
    st.write(
        f"Upstream, someone renumbers the codes of `{update.column}` so that “no checking account” "
        "comes first. Every column, every code and every row is still there; only what the codes "
        "mean moved."
    )
    st.dataframe(_recoding_arrow(DEFAULT_SEED), hide_index=True, width="stretch")
    left, right = side_by_side(
        "The notebook's loader: reads whatever is at the path, decodes with its own typed-in "
        "table, no hash.",
        "The verified loader: every load checks the SHA-256 against data/manifest.json.",
    )
    with left:
        st.metric("ROC AUC on the original file", f"{update.irreproducible_auc_original:.3f}")
        st.metric(
            "… after the silent update",
            f"{update.irreproducible_auc_updated:.3f}",
            f"{update.irreproducible_change:+.3f}",
            delta_color="off",
        )
        said = "; ".join(update.irreproducible_warnings) or "nothing — no error, no warning"
        st.markdown(f"What the loader said: **{said}**")
        schema = update.schema_check_updated
        st.markdown(
            f"Schema check on the updated file (columns, dtypes, rows, documented codes): "
            f"**{'passed' if schema.passed else 'failed'}** — {schema.columns} columns, "
            f"{schema.rows} rows."
        )
        show_source(s2.load_irreproducible, label="Show the code: the notebook's loader")
        show_source(s2.schema_check, label="Show the code: the schema check")
    with right:
        st.metric("ROC AUC on the original file", f"{update.reproducible_auc_original:.3f}")
        st.markdown("On the updated file: **refused to load**.")
        st.code(update.reproducible_error, language=None, wrap_lines=True)
        st.markdown(
            f"Expected {short_hash(update.original_sha256)}, found "
            f"{short_hash(update.updated_sha256)}."
        )
        show_source(case_data.read_verified_bytes, label="Show the code: the verified loader")
        show_source(s2.recode_german_credit, label="Show the code: how the update was made")
    st.vega_lite_chart(spec=_update_spec(DEFAULT_SEED), width="stretch")
    st.caption(_update_caption(update))


def _update_caption(update: s2.UpstreamUpdate) -> str:
    """Why the two loaders differ even on the original file, and why one has no second score."""
    ranked = ", ".join(f"`{column}`" for column in s2.NOTEBOOK_RANKS)
    differ = (
        f"Even on the original file the two loaders score "
        f"{update.irreproducible_auc_original:.3f} and {update.reproducible_auc_original:.3f}: "
        f"the notebook's loader turns {ranked} into ranks, the verified loader keeps them as "
        "categories, one-hot encoded, so the same pipeline sees other columns. "
        if update.irreproducible_auc_original != update.reproducible_auc_original
        else ""
    )
    return differ + "The verified loader has no score on the updated file: it refused to load it."


def _leakage_chart(table: pd.DataFrame) -> alt.Chart:
    long = table.melt(
        id_vars=["leak", "title", "seed"],
        value_vars=["leaky_auc", "clean_auc"],
        var_name="version",
        value_name="roc_auc",
    )
    long["version"] = long["version"].map(
        {"leaky_auc": "fitted before the split", "clean_auc": "inside the Pipeline"}
    )
    return (
        alt.Chart(inline_data(long))
        .mark_line(point=True)
        .encode(
            x=alt.X("seed:O", title="split seed"),
            y=alt.Y("roc_auc:Q", title="ROC AUC on the test rows", scale=alt.Scale(zero=False)),
            color=alt.Color("version:N", title=None, scale=alt.Scale(range=[RED, GREEN])),
            # A second channel besides colour: the leaky version is dashed.
            strokeDash=alt.StrokeDash(
                "version:N", title=None, scale=alt.Scale(range=[[6, 3], [1, 0]])
            ),
            column=alt.Column("title:N", title=None, sort=[leak.title for leak in s2.LEAKS]),
            tooltip=[
                alt.Tooltip("title:N"),
                alt.Tooltip("seed:O"),
                alt.Tooltip("version:N"),
                alt.Tooltip("roc_auc:Q", format=".4f"),
            ],
        )
        .properties(height=220, width=200, description=_leakage_text(table))
    )


def _leakage_text(table: pd.DataFrame) -> str:
    """The leakage chart in a sentence: each step's mean ROC AUC, leaky and clean."""
    means = table.groupby("title", sort=False)[["leaky_auc", "clean_auc"]].mean()
    return (
        f"ROC AUC on {table['seed'].nunique()} split seeds, each step fitted before the "
        "split (red, dashed) and inside the Pipeline (green, solid). Mean ROC AUC: "
        + "; ".join(
            f"{title} {row.leaky_auc:.3f} leaky, {row.clean_auc:.3f} clean"
            for title, row in means.iterrows()
        )
        + "."
    )


def _leakage_section() -> None:
    st.markdown("#### (b) Leakage: fitted before the split, or inside the Pipeline")
    st.write(
        f"Three steps, each run the wrong way and the right way on {len(s2.LEAKAGE_SEEDS)} split "
        f"seeds. "
        f"For feature selection, {s2.NOISE_FEATURES} random columns are added, and "
        f"{s2.SELECTED_FEATURES} "
        "columns are kept."
    )
    left, right = side_by_side(
        "Wrong: each step fitted on all rows, then the split.",
        "Right: split first; each step fitted on the training rows only, inside the Pipeline.",
    )
    for leak in s2.LEAKS:
        with left:
            show_source(leak.leaky, label=f"Show the code: {leak.title}")
        with right:
            show_source(leak.clean, label=f"Show the code: {leak.title}, done right")
    if not predict_first(
        RUN_LEAKS_LABEL,
        key=RUN_LEAKS_KEY,
        state_key=LEAKS_SHOWN_KEY,
        check_id="data-predict-selection-gain",
    ):
        return
    with st.spinner("Training both versions of three pipelines on every seed…"):
        table = _leakage(s2.LEAKAGE_SEEDS)
    summary = s2.summarise_leakage(table).set_index("leak")
    for leak in s2.LEAKS:
        row = summary.loc[leak.key]
        left.metric(
            f"{leak.title}: mean ROC AUC",
            f"{row['mean_leaky_auc']:.3f}",
            f"higher in {row['leaky_higher_in']} of {row['seeds']} seeds",
            delta_color="off",
        )
        right.metric(f"{leak.title}, done right: mean ROC AUC", f"{row['mean_clean_auc']:.3f}")
    st.vega_lite_chart(spec=_leakage_spec(s2.LEAKAGE_SEEDS), width="stretch")
    st.dataframe(summary.reset_index(), hide_index=True, width="stretch")
    scaling = summary.loc["scaling"]
    st.caption(
        f"Scaling before the split moved the mean ROC AUC by {scaling['mean_difference']:+.4f}: a "
        f"leak, but a small one. "
        "Fit it inside the Pipeline anyway — the habit protects you when the step learns more."
    )


def render() -> None:
    """Draw Stage 2: the upstream update, three leaks, then two more (``data_taxonomy``)."""
    with friendly_errors("The Stage 2 demo"):
        _upstream_section()
    with friendly_errors("The leakage comparison"):
        _leakage_section()
    with friendly_errors("Group leakage and the illegitimate feature"):
        data_taxonomy.render()
