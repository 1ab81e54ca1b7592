"""Stage 4, rebuilding the environment: the same numbers in four fresh processes.

Behind a button (fresh processes cost seconds; opening the page starts none). The result
is cached per server process and per setting (``st.cache_data``), so a room pressing the
button together starts four processes once per setting, not four per learner; the page
says when this server ran it.
"""

from __future__ import annotations

from datetime import UTC, datetime

import altair as alt
import pandas as pd
import streamlit as st

from case_study import nondeterminism as nd
from case_study import numerics_worker, pins
from workshop.ui import run_slot
from workshop.ui.widgets import (
    BLUE,
    GREEN,
    RED,
    friendly_errors,
    inline_data,
    short_hash,
    show_source,
    vega_spec,
)

RUN_LABEL = "Run in four fresh processes"
RUN_KEY = "legacy-numerics-run"
CHOSEN_KEY = "legacy-numerics-chosen"
THREADS_KEY = "legacy-numerics-threads"
BLOCK_KEY = "legacy-numerics-block"
# How each comparison is named on the page, and its colour in the chart.
SHORT = {
    "repeat": "same environment, run again",
    "threads": "another BLAS thread count",
    "order": "another summation order",
}
COLOURS = {"repeat": GREEN, "threads": BLUE, "order": RED}


@st.cache_data(show_spinner=False, max_entries=len(nd.THREAD_CHOICES) * len(nd.BLOCK_CHOICES))
def _comparison(threads: int, block: int) -> tuple[nd.NumericsComparison, str]:
    """The four processes for these settings, run once per server; and when they ran."""
    comparison = nd.compare_numerics(threads=threads, block=block)
    return comparison, datetime.now(UTC).strftime("%H:%M:%S UTC")


@st.cache_data(show_spinner=False, max_entries=1)
def _lock_file() -> dict:
    """The project's requirements.txt as a lock file: exact pins, hashes, installed versions."""
    text = pins.REQUIREMENTS.read_text(encoding="utf-8")
    return {
        "pinned": len(pins.read_pins()),
        "hashed": text.count("--hash="),
        "mismatches": [m.package for m in pins.environment_mismatches()],
    }


def _power(value: float) -> str:
    """A tolerance as people write it: 1e-9, not 1e-09."""
    mantissa, exponent = f"{value:.0e}".split("e")
    return f"{mantissa}e{int(exponent)}"


def _blas_words(run: nd.ProcessRun) -> str:
    if not run.blas:
        return "no BLAS library seen by threadpoolctl"
    pool = run.blas[0]
    return (
        f"{pool.get('internal_api', '?')} {pool.get('version', '')}, kernels for "
        f"{pool.get('architecture', '?')}, {pool.get('num_threads', '?')} thread(s)"
    )


def _sentence(comparison: nd.NumericsComparison, name: str) -> str:
    """What one comparison found, in words, every figure from the run."""
    found = comparison.of(name)
    differing = [d for d in found if not d.identical]
    run = comparison.run(name)
    if name == "threads":
        setting = (f"asked for {run.threads_requested} threads instead of "
                   f"{comparison.run('reference').threads_requested}; used: {_blas_words(run)}")
    elif name == "order":
        setting = f"every product summed {comparison.block} terms at a time"
    else:
        setting = "the same settings as the reference"
    if not differing:
        return (f"**{SHORT[name]}** ({setting}): all {len(found)} results identical, "
                "bit for bit.")
    worst = max(differing, key=lambda d: d.max_rel_diff)
    p_bad = next(d for d in found if d.result == "scorecard_p_bad")
    inside = sum(d.within_tolerance for d in found)
    return (
        f"**{SHORT[name]}** ({setting}): {len(differing)} of {len(found)} results differ in "
        f"their last bits; the largest difference is {worst.max_rel_diff:.1e} of the result's "
        f"size ({worst.max_ulps:,.0f} units in the last place, {comparison.titles[worst.result]}"
        f"). {inside} of {len(found)} within the stated tolerance; {p_bad.decisions_flipped} of "
        f"the {p_bad.n_values:,} loan decisions at P(bad) > 1/6 flipped."
    )


def _chart_frame(comparison: nd.NumericsComparison) -> pd.DataFrame:
    table = comparison.table()
    table["comparison"] = table["comparison"].map(SHORT)
    table["verdict"] = [
        "identical" if same else f"{different:,} of {values:,} values differ"
        for same, different, values in zip(
            table["identical"], table["different"], table["values"], strict=True
        )
    ]
    return table[["comparison", "result", "max_ulps", "max_rel_diff", "verdict"]]


def _chart_text(frame: pd.DataFrame) -> str:
    """The chart in a sentence: per comparison, how many results are identical, the largest gap."""
    parts = []
    for comparison, rows in frame.groupby("comparison", sort=False):
        same = int((rows["max_ulps"] == 0).sum())
        parts.append(
            f"{comparison}: {same} of {len(rows)} results identical, largest difference "
            f"{rows['max_ulps'].max():,.0f} units in the last place"
        )
    return ("Largest difference from the reference process per result, in units in the last "
            "place (0 means bit for bit identical). " + "; ".join(parts) + ".")


@st.cache_data(show_spinner=False, max_entries=len(nd.THREAD_CHOICES) * len(nd.BLOCK_CHOICES))
def _chart_spec(threads: int, block: int) -> dict:
    frame = _chart_frame(_comparison(threads, block)[0])
    order = [SHORT[name] for name in nd.COMPARISONS]
    chart = (
        alt.Chart(inline_data(frame))
        .mark_point(filled=True, size=90)
        .encode(
            x=alt.X("max_ulps:Q", scale=alt.Scale(type="symlog"),
                    title="largest difference, units in the last place (0 = identical)"),
            y=alt.Y("result:N", title=None, sort=None, axis=alt.Axis(labelLimit=320)),
            yOffset=alt.YOffset("comparison:N", sort=order),
            color=alt.Color("comparison:N", sort=order,
                            scale=alt.Scale(domain=order,
                                            range=[COLOURS[n] for n in nd.COMPARISONS]),
                            legend=alt.Legend(title=None, orient="bottom")),
            shape=alt.Shape("comparison:N", sort=order,
                            legend=alt.Legend(title=None, orient="bottom")),
            tooltip=[alt.Tooltip("comparison:N"), alt.Tooltip("result:N"),
                     alt.Tooltip("verdict:N"), alt.Tooltip("max_ulps:Q", format=",.0f"),
                     alt.Tooltip("max_rel_diff:Q", format=".1e")],
        )
        .properties(width=460, height=alt.Step(16), description=_chart_text(frame))
    )
    return vega_spec(chart)


def _table(comparison: nd.NumericsComparison) -> pd.DataFrame:
    table = comparison.table()
    return pd.DataFrame({
        "changed": table["comparison"].map(SHORT),
        "result": table["result"],
        "values differing": [f"{d:,} of {v:,}" for d, v in zip(table["different"],
                                                                table["values"], strict=True)],
        "largest |difference|": [f"{x:.1e}" for x in table["max_abs_diff"]],
        "relative to size": [f"{x:.1e}" for x in table["max_rel_diff"]],
        f"within {_power(comparison.rtol)}": table["within_tolerance"].map({True: "✓", False: "✗"}),
        "decisions flipped": [
            "" if pd.isna(x) else f"{int(x)}" for x in table["decisions_flipped"]
        ],
    })


def _processes(comparison: nd.NumericsComparison) -> pd.DataFrame:
    return pd.DataFrame({
        "process": [r.name for r in comparison.runs],
        "threads asked": [r.threads_requested for r in comparison.runs],
        "BLAS as found": [_blas_words(r) for r in comparison.runs],
        "sums": [r.order for r in comparison.runs],
        "P(bad) sha256": [r.sha256["scorecard_p_bad"][:16] + "…" for r in comparison.runs],
        "seconds": [f"{r.seconds:.2f}" for r in comparison.runs],
    })


def _show(comparison: nd.NumericsComparison, made_at: str) -> None:
    if not comparison.inputs_match:
        st.error("The four processes did not read the same inputs; run the comparison again.")
        return
    reference = comparison.run("reference")
    st.caption(
        f"Run by this server at {made_at} for these settings, in {comparison.wall_seconds:.1f} s; "
        "everyone pressing the button with the same settings sees this run. Every process "
        f"read the same inputs (loan data sha256 {short_hash(reference.input_sha256['design'])})."
    )
    for name in nd.COMPARISONS:
        st.markdown("- " + _sentence(comparison, name))
    st.vega_lite_chart(spec=_chart_spec(comparison.threads, comparison.block))
    st.dataframe(_table(comparison), hide_index=True, width="stretch")
    st.caption(
        f"Stated before comparing: every value within {_power(comparison.rtol)} of its result's "
        "largest value, and no loan decision changed. A bitwise match is checked by hash; a "
        "match within tolerance needs the tolerance written down first."
    )
    with st.expander("The four processes"):
        st.dataframe(_processes(comparison), hide_index=True, width="stretch")


def _lock_file_line() -> None:
    lock = _lock_file()
    mismatched = ", ".join(lock["mismatches"]) or "none"
    st.markdown(
        f"This project's `requirements.txt` pins **{lock['pinned']}** packages with `==` and "
        f"carries **{lock['hashed']}** archive hashes; installed versions that differ from the "
        f"pins right now: **{mismatched}** (`case_study.pins`, checked at run time)."
    )


def render_environment() -> None:
    """Draw "Rebuilding the environment": the lock file's state, then the four processes."""
    st.subheader("Rebuilding the environment: nondeterminism beyond seeds")
    with friendly_errors("Reading requirements.txt"):
        _lock_file_line()
    st.write(
        "Same inputs, same code, same seed: four fresh Python processes compute a loan "
        "scorecard, a long dot product and a matrix product. One runs again unchanged, one "
        "with another BLAS thread count, one adding the same numbers in another order."
    )
    left, right = st.columns(2)
    threads = left.selectbox("Threads for the second process", nd.THREAD_CHOICES,
                             key=THREADS_KEY)
    block = right.selectbox("Terms per partial sum (another order)", nd.BLOCK_CHOICES,
                            index=nd.BLOCK_CHOICES.index(nd.DEFAULT_BLOCK), key=BLOCK_KEY)
    if st.button(RUN_LABEL, key=RUN_KEY):
        st.session_state[CHOSEN_KEY] = {"threads": int(threads), "block": int(block)}
    chosen = st.session_state.get(CHOSEN_KEY)
    if not chosen:
        st.caption("Starts four Python processes on this server: a few seconds.")
    else:
        with friendly_errors("The fresh-process comparison"):
            # The run only waits for its child processes: others may use its run slot.
            with st.spinner("Four fresh Python processes are computing…"), run_slot.released():
                comparison, made_at = _comparison(chosen["threads"], chosen["block"])
            _show(comparison, made_at)
    show_source(nd.compare_numerics, "Show how the processes are started and compared")
    show_source(numerics_worker.fit_scorecard, "Show what each process computes")
