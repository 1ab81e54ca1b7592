"""Small Streamlit building blocks shared by every stage's demo."""

from __future__ import annotations

import functools
import inspect
import re
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


# Session-state key: the ids of the checks a demo button still waits for on this page
# (``check_widgets`` reruns the whole app when one of them is committed, to unlock it).
WAITING_KEY = "predict-first-waiting"
_LEAD = re.compile(r'^\s*Predict before you press "[^"]*" in the demo\.\s*')
_MARKUP = re.compile(r"[*`_\[\]]")
FIRST_WORDS = 6


def check_anchor(check_id: str) -> str:
    """The HTML id of a check's box on its stage page (a demo's button links to it)."""
    return f"check-{check_id}"


def _committed(check_id: str) -> bool:
    """Whether the learner has committed an answer to the check (or finished it)."""
    from workshop.check_model import Outcome
    from workshop.ui import session

    progress = session.get_store().progress_for(session.learner_code()).get(check_id)
    return int(getattr(progress, "attempts", 0) or 0) > 0 or Outcome.of(progress).finished


def _check_place(check_id: str) -> tuple[str, str]:
    """How to name a check: ("check 2 “The first words of its prompt…”", the verb)."""
    from workshop.content.loader import LESSONS_DIR
    from workshop.ui.lesson_view import served_this_run

    course = served_this_run(LESSONS_DIR).course
    for stage in getattr(course, "stages", ()):
        for number, check in enumerate(stage.checks, 1):
            if check.id == check_id:
                words = _MARKUP.sub("", _LEAD.sub("", check.prompt)).split()
                first = " ".join(words[:FIRST_WORDS]) + ("…" if len(words) > FIRST_WORDS else "")
                verb = ("commit your prediction in" if str(check.kind) == "predict_then_run"
                        else "answer")
                return f"check {number} “{first}”", verb
    return "the check", "answer"


def unlocked_by(label: str, *, key: str, check_id: str | tuple[str, ...]) -> bool:
    """Whether a demo button may be drawn: its check (each of them) has a committed answer.

    When not, the button is drawn here disabled ("🔒 label — commit your prediction in
    check n … below first") with a link to the check, and the check's id is noted so that
    committing it reruns the whole app (``check_widgets``), which unlocks the button. The
    caller draws the working button (same ``key``) when this returns True; use it for a
    button that stays after a press, :func:`predict_first` for a figure opened once.

    Args:
        label: the button's text, which the check's prompt names.
        key: the button's widget key.
        check_id: the id of the check (or checks) whose prediction the button gives away.

    Returns:
        True when every check has a committed answer (nothing drawn).
    """
    check_ids = (check_id,) if isinstance(check_id, str) else tuple(check_id)
    waiting = st.session_state.setdefault(WAITING_KEY, set())
    open_ids = [item for item in check_ids if not _committed(item)]
    waiting.difference_update(check_ids)
    if not open_ids:
        return True
    waiting.update(open_ids)
    place, verb = _check_place(open_ids[0])
    st.button(f"🔒 {label} — {verb} {place} below first", key=key, disabled=True)
    st.markdown(f"[Go to {place.split(' “')[0]} below ↓](#{check_anchor(open_ids[0])})")
    return False


def predict_first(label: str, *, key: str, state_key: str, check_id: str | tuple[str, ...]
                  ) -> bool:
    """Keep a figure that a check asks the learner to predict behind a button.

    Until the check (each of them, for a tuple) has a committed answer in the progress store
    (an attempt, or finished by a reveal), the button is drawn disabled, saying which
    check below to answer first, with a link to it. Then it works; once pressed, it goes
    away and the figure stays open for the rest of the session (under ``state_key``,
    which survives a visit to another page).

    Args:
        label: the button's text, which the check's prompt names ("Predict before you press …").
        key: the button's widget key (prefixed with the stage id).
        state_key: the session-state key remembering it was pressed (prefixed likewise).
        check_id: the id of the check (or checks) whose prediction the figure gives away.

    Returns:
        True when the figure may be shown.
    """
    if st.session_state.get(state_key):
        return True
    if not unlocked_by(label, key=key, check_id=check_id):
        return False
    slot = st.empty()  # cleared on the run that opens the figure: the button goes away
    if slot.button(label, key=key, type="primary"):
        st.session_state[state_key] = True
        slot.empty()
        return True
    return False


def span(values, fmt: str = ".2f") -> str:
    """The range of some numbers for a chart's description: "0.74 to 0.77" (or "0.75").

    Missing values (None, NaN) are left out; ``fmt`` is a format spec (".1%").
    """
    numbers = [float(value) for value in values if value is not None and value == value]
    if not numbers:
        return "none"
    low, high = format(min(numbers), fmt), format(max(numbers), fmt)
    return low if low == high else f"{low} to {high}"


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
    view size altair's default theme adds is dropped, as ``st.altair_chart`` does. Its
    datasets are kept as the Arrow bytes Streamlit sends (:func:`_arrow_datasets`), so a
    cached spec is not converted again on every draw either.

    Every chart says what it shows in a sentence built from its data (Vega-Lite's
    top-level ``description``, which a screen reader announces instead of "Vega
    visualization"): a chart without one is refused. The sentence is made where the chart
    is, from the same cached inputs, so a cached spec never carries another run's summary.

    Args:
        chart: an altair chart whose data is inline, with ``.properties(description=…)``.

    Returns:
        The spec (a dict of plain values; each dataset as Arrow IPC bytes).

    Raises:
        ValueError: the chart has no description.
    """
    spec = chart.to_dict()
    if not str(spec.get("description") or "").strip():
        raise ValueError("Every chart needs a description: chart.properties(description=...).")
    _arrow_datasets(spec)
    view = spec.get("config", {}).get("view", {})
    for key in ("continuousWidth", "continuousHeight"):
        view.pop(key, None)
    if "config" in spec and not view:
        spec["config"].pop("view", None)
        if not spec["config"]:
            del spec["config"]
    return spec


def _arrow_datasets(spec: dict) -> None:
    """Replace each named dataset's rows by the Arrow IPC bytes Streamlit would send.

    ``st.vega_lite_chart`` converts a dataset's rows to Arrow on every draw (a few
    milliseconds a chart), and passes bytes through as they are: converted here, once, with
    Streamlit's own function, a cached spec sends exactly the same bytes at no cost.
    """
    from streamlit import dataframe_util
    from streamlit.elements.vega_charts import _is_geojson_or_topojson_payload as geometry

    datasets = spec.get("datasets") or {}
    for name, rows in datasets.items():
        if isinstance(rows, list) and not geometry(rows):  # geometry stays in the spec
            datasets[name] = dataframe_util.convert_anything_to_arrow_bytes(rows)


def arrow_table(frame: pd.DataFrame):
    """A table for ``st.dataframe``, converted to Arrow once: keep it in a per-process cache.

    ``st.dataframe`` converts a pandas DataFrame to Arrow on every draw (milliseconds, in
    Python, for a small table) and sends a ``pyarrow.Table`` as it is. The conversion here
    is Streamlit's own (``dataframe_util.convert_pandas_df_to_arrow_table``), so the learner
    sees the same table.

    Returns:
        A ``pyarrow.Table``.
    """
    from streamlit import dataframe_util

    return dataframe_util.convert_pandas_df_to_arrow_table(frame)
