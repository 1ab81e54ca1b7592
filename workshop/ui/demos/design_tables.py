"""Stage 1's tables: the two plans as cards, and the costs at the documented prevalence.

``st.table`` converts a DataFrame to Arrow on every draw; these tables depend only on
constants and on the case study's cached figures, so each is converted once per process
(``widgets.arrow_table``) and drawn from Arrow. The index and the header are shown, as
``st.table`` shows them for these DataFrames; both are said explicitly, because for Arrow
``st.table`` would otherwise convert back to pandas on every draw to find out.
"""

from __future__ import annotations

import functools
from dataclasses import asdict, fields

import pandas as pd
import streamlit as st

from case_study import prevalence
from case_study import stage1_design as s1
from workshop.ui.widgets import arrow_table


def card_table(card: s1.DesignCard) -> pd.DataFrame:
    """A plan as rows of ``field`` and ``value`` (``(none)`` where it says nothing)."""
    values = asdict(card)
    return pd.DataFrame(
        {
            "field": [f.name for f in fields(card)],
            "value": [
                "(none)" if values[f.name] in ("", None) else str(values[f.name])
                for f in fields(card)
            ],
        }
    )


@functools.lru_cache(maxsize=4)
def _card_arrow(card: s1.DesignCard):
    return arrow_table(card_table(card).set_index("field"))


def draw_card(card: s1.DesignCard) -> None:
    """A plan as a table (a table wraps long values), one row per field."""
    st.table(_card_arrow(card), hide_index=False, hide_header=False)


@st.cache_data(show_spinner=False, max_entries=2)
def _prevalence(seed: int) -> pd.DataFrame:
    return prevalence.prevalence_table(seed)


def prevalence_frame(table: pd.DataFrame) -> pd.DataFrame:
    """The prevalence figures as display strings, one column per prevalence."""
    columns = {}
    for row in table.itertuples():
        columns[f"{row.prevalence:.0%} bad"] = [
            f"{row.baseline_policy}: {row.baseline_cost:.3f}",
            f"{row.cutoff_on_model_p_bad:.3f}",
            f"{row.decline_rate:.1%} declined, cost {row.expected_cost:.3f}",
            f"{row.as_trained_decline_rate:.1%} declined, cost {row.as_trained_expected_cost:.3f}",
        ]
    index = [
        "cheaper constant policy: expected cost per applicant",
        "decline above this P(bad) as the model outputs it (1/6 after correction)",
        "model, P(bad) prior-corrected to this share, declined above 1/6",
        "model, P(bad) as trained on the sample, declined above 1/6",
    ]
    return pd.DataFrame(columns, index=pd.Index(index, name="figure"))


@functools.lru_cache(maxsize=2)
def _prevalence_arrow(seed: int):
    return arrow_table(prevalence_frame(_prevalence(seed)))


def draw_prevalence(seed: int) -> None:
    """The costs at each prevalence for the reproducible model of this seed, as a table."""
    st.table(_prevalence_arrow(seed), hide_index=False, hide_header=False)
