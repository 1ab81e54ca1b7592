"""Small Streamlit building blocks shared by every stage's demo."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import altair as alt
import pandas as pd
import streamlit as st

from case_study.errors import CaseStudyError
from workshop.ui.last_resort import show_unexpected
from workshop.ui.theme import MARK_GREY

IRREPRODUCIBLE_TITLE = "Irreproducible"
REPRODUCIBLE_TITLE = "Reproducible"

# One palette for every demo's charts: red marks the irreproducible side (or what was
# announced), green the reproducible side, grey what is there only for comparison. The grey
# is the theme's (5.3:1 on white; the old #9e9e9e was 2.7:1, under WCAG's 3:1 for marks).
RED, GREEN = "#d62728", "#2ca02c"
GREY = MARK_GREY
BLUE = "#1f77b4"


@st.cache_data(show_spinner=False, max_entries=1)
def loan_data() -> pd.DataFrame:
    """The verified, decoded German Credit data (``case_study.data.load_german_credit``).

    Read and checked once per server; each caller gets its own copy (``st.cache_data``).

    Returns:
        The 1,000 × 21 DataFrame with the target column ``risk``.
    """
    from case_study.data import load_german_credit  # only the demos that train need it

    return load_german_credit()


def side_by_side(left_caption: str, right_caption: str):
    """Two bordered columns headed Irreproducible and Reproducible; returns (left, right)."""
    left, right = st.columns(2, gap="medium")
    left_box = left.container(border=True)
    right_box = right.container(border=True)
    left_box.subheader(IRREPRODUCIBLE_TITLE)
    left_box.caption(left_caption)
    right_box.subheader(REPRODUCIBLE_TITLE)
    right_box.caption(right_caption)
    return left_box, right_box


@functools.lru_cache(maxsize=256)
def _source_of(function: Callable) -> str:
    # Read from the file once per function and process: inspect re-tokenises the whole
    # module on every call, and the loaded function cannot change under a running server.
    return inspect.getsource(function)


def show_source(function: Callable, label: str = "Show the code") -> None:
    """Show a case-study function's real source (read from the file, never a copy)."""
    with st.expander(label):
        st.code(_source_of(function), language="python")


@contextmanager
def friendly_errors(what: str) -> Iterator[None]:
    """Turn a case-study error into an ``st.error`` that says what to do, not a traceback.

    Any other error becomes a one-line ``st.error`` (its traceback goes to the server's log).
    """
    try:
        yield
    except CaseStudyError as error:
        st.error(f"{what} could not run. {error}")
    except (
        Exception
    ) as error:  # the last resort: the page goes on (st.rerun/st.stop are not Exceptions)
        show_unexpected(what, error)


def predict_first(label: str, *, key: str, state_key: str, before: str) -> bool:
    """Keep a figure that a check asks the learner to predict behind a button.

    Until the button is pressed, a caption (``before``: which check to answer first) and the
    button are shown; once pressed, the figure stays open for the rest of the session (under
    ``state_key``, which survives a visit to another page) and the button goes away.

    Args:
        label: the button's text, which the check's prompt names ("Predict before you press …").
        key: the button's widget key (prefixed with the stage id).
        state_key: the session-state key remembering it was pressed (prefixed likewise).
        before: the caption shown above the button.

    Returns:
        True when the figure may be shown.
    """
    if st.session_state.get(state_key):
        return True
    caption = st.empty()  # above the button, left empty on the run that opens the figure
    if st.button(label, key=key, type="primary"):
        st.session_state[state_key] = True
        return True
    caption.caption(before)
    return False


def short_hash(digest: str, length: int = 12) -> str:
    """A digest cut for display, in monospace."""
    return f"`{digest[:length]}…`"


def inline_data(frame: pd.DataFrame) -> dict:
    """A chart's data as inline values (``{"values": [...]}``, NaN as null).

    For a chart that :func:`vega_spec` converts.
    """
    return alt.to_values(frame)


def vega_spec(chart: alt.TopLevelMixin) -> dict:
    """An altair chart's Vega-Lite spec as plain data, validated by altair once.

    To keep in ``st.cache_data`` and draw with ``st.vega_lite_chart``.

    Why: ``st.altair_chart`` converts and validates the chart on every run (tens of
    milliseconds a chart); a chart drawn from cached results needs that only once. Its data
    must be inline (:func:`inline_data`): converting then never consults altair's global
    data transformer, which Streamlit switches while it draws other sessions' charts. The
    view size altair's default theme adds is dropped, as ``st.altair_chart`` does.

    Args:
        chart: an altair chart whose data is inline.

    Returns:
        The spec (a dict of plain values, datasets included).
    """
    spec = chart.to_dict()
    view = spec.get("config", {}).get("view", {})
    for key in ("continuousWidth", "continuousHeight"):
        view.pop(key, None)
    if "config" in spec and not view:
        spec["config"].pop("view", None)
        if not spec["config"]:
            del spec["config"]
    return spec
