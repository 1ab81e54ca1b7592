"""Stage 3 demo: unseeded training (a new ROC AUC every run) next to seeded training.

Also seed shopping, and the same training in two fresh processes.

Opening the page trains nothing: the unseeded runs a learner first sees are the latest real
runs this server made (``case_study.stage3_model.UNSEEDED_POOL``, filled by the background
warm-up), labelled as the server's; "Run again" trains new ones, labelled as the learner's,
and adds them to the pool so later learners see them too.
"""

from __future__ import annotations

import functools
from dataclasses import asdict, fields

import altair as alt
import pandas as pd
import streamlit as st

from case_study import paths, pipelines, run_pool
from case_study import stage3_model as s3
from workshop.ui import run_slot
from workshop.ui.demos.model_comparison import render_comparison
from workshop.ui.widgets import (
    BLUE,
    GREEN,
    RED,
    friendly_errors,
    inline_data,
    loan_data,
    predict_first,
    short_hash,
    show_source,
    side_by_side,
    span,
    vega_spec,
)

# The raw files this demo reads: the stage page re-verifies them before every draw.
DATA_FILES = (paths.GERMAN_CREDIT,)

# The server's latest unseeded runs a learner sees on first view (from the pool, not trained).
INITIAL_UNSEEDED_RUNS = s3.SERVER_RUNS
MORE_RUNS = 5

UNSEEDED_KEY = "model-unseeded-runs"
SEEDED_KEY = "model-seeded-runs"
SHOPPING_KEY = "model-shopping-shown"
# The check "model-best-seed-gap" names this button in its prompt.
SHOPPING_LABEL = "Try 20 split seeds"
FRESH_KEY = "model-fresh-results"

# Who made a run, as the chart's legend and the captions say it.
BY_SERVER = "earlier run by this server"
BY_YOU = "yours"
FIRST_RUNS_SPINNER = (
    "The server is training its first unseeded runs (once, for every learner)…"
)

FRESH_VERSIONS: dict[str, tuple[str, s3.Practices]] = {
    "irreproducible": (
        "As the team did it: no seeds, defaults, columns from a set", s3.IRREPRODUCIBLE
    ),
    "seeds-only": ("Every seed fixed, but columns still from a set", s3.SEEDS_ONLY),
    "reproducible": (
        "Reproducible: seeds, sorted columns, explicit parameters, versions checked",
        s3.REPRODUCIBLE,
    ),
}


@st.cache_data(show_spinner=False, max_entries=4)
def _seeded_run(seed: int) -> dict:
    return s3.seeded_runs(1, loan_data(), seed=seed).iloc[0].to_dict()


@st.cache_data(show_spinner=False, max_entries=4)
def _seed_shopping(seeds: tuple[int, ...]) -> s3.SeedShopping:
    return s3.seed_shopping(loan_data(), seeds)


@st.cache_data(show_spinner=False, max_entries=2)
def _environment_mismatches() -> list[dict]:
    return [asdict(m) for m in s3.environment_mismatches()]


def _row(point: s3.RunPoint | dict, number: int, made_by: str, made_at: str) -> dict:
    """One run as this learner's chart shows it: numbered in the session, with its maker."""
    values = asdict(point) if isinstance(point, s3.RunPoint) else dict(point)
    return values | {"run": number, "made_by": made_by, "made_at": made_at}


def _server_row(pooled: run_pool.PooledRun, number: int) -> dict:
    return _row(pooled.value, number, BY_SERVER, pooled.made_at_text)


def _start_unseeded_runs() -> None:
    """A new learner's runs: the server's latest real runs, trained before they came."""
    ready = s3.UNSEEDED_POOL.latest(INITIAL_UNSEEDED_RUNS)
    if len(ready) < INITIAL_UNSEEDED_RUNS:
        # A fresh server whose warm-up has not finished: one flight trains them, every other
        # learner arriving now waits for the same runs rather than training more.
        with st.spinner(FIRST_RUNS_SPINNER):
            ready = s3.UNSEEDED_POOL.ensure(INITIAL_UNSEEDED_RUNS)
    st.session_state[UNSEEDED_KEY] = [
        _server_row(pooled, number) for number, pooled in enumerate(ready, start=1)
    ]


def _add_unseeded_runs(count: int) -> None:
    """Train ``count`` new unseeded runs for this learner, and give them to the pool."""
    runs = st.session_state[UNSEEDED_KEY]
    frame = loan_data()
    for _ in range(count):
        point = s3.one_more_unseeded_run(frame, run_number=len(runs) + 1)
        pooled = s3.UNSEEDED_POOL.add(point, made_for=run_pool.LEARNER, seconds=point.seconds)
        runs.append(_row(point, len(runs) + 1, BY_YOU, pooled.made_at_text))


def _add_seeded_run() -> None:
    # Trained afresh (not from the cache): the point is that it lands on the same spot.
    runs = st.session_state[SEEDED_KEY]
    point = s3.seeded_runs(1, loan_data()).iloc[0].to_dict()
    runs.append(_row(point, len(runs) + 1, BY_YOU, pd.Timestamp.now().strftime("%H:%M:%S")))


RUN_COLUMNS = (*(field.name for field in fields(s3.RunPoint)), "made_by", "made_at")


def _rows(key: str) -> tuple:
    """The session's runs under ``key`` as plain hashable values (a per-process cache key)."""
    return tuple(tuple(row[column] for column in RUN_COLUMNS) for row in st.session_state[key])


@functools.lru_cache(maxsize=256)
def _frame(rows: tuple) -> pd.DataFrame:
    # Shared by every learner shown the same runs: only read, never changed.
    return pd.DataFrame(list(rows), columns=list(RUN_COLUMNS))


def _auc_domain(*frames: pd.DataFrame) -> list[float]:
    values = pd.concat([f["roc_auc"] for f in frames])
    low, high = float(values.min()), float(values.max())
    return [round(low - 0.01, 2), round(high + 0.01, 2)]


def _runs_chart(runs: pd.DataFrame, domain: list[float], colour: str) -> alt.Chart:
    """One dot per run: x the ROC AUC on the same axis in both columns, y the run number.

    Circles are the server's earlier runs, diamonds the learner's own.
    """
    shown = runs[["run", "roc_auc", "model_sha256", "seconds", "made_by", "made_at"]]
    return (
        alt.Chart(inline_data(shown))
        .mark_point(size=90, opacity=0.75, filled=True, color=colour)
        .encode(
            x=alt.X("roc_auc:Q", title="ROC AUC (hold-out)", scale=alt.Scale(domain=domain)),
            y=alt.Y("run:Q", title="run", axis=alt.Axis(tickMinStep=1)),
            shape=alt.Shape(
                "made_by:N", title=None,
                scale=alt.Scale(domain=[BY_SERVER, BY_YOU], range=["circle", "diamond"]),
                legend=alt.Legend(orient="bottom"),
            ),
            tooltip=[
                alt.Tooltip("run:Q"), alt.Tooltip("roc_auc:Q", format=".4f"),
                alt.Tooltip("made_by:N"), alt.Tooltip("made_at:N"),
                alt.Tooltip("model_sha256:N"), alt.Tooltip("seconds:Q"),
            ],
        )
        .properties(height=200, description=_runs_text(shown))
    )


def _runs_text(runs: pd.DataFrame) -> str:
    """The runs chart in a sentence: how many runs, their ROC AUC, how many are the learner's."""
    yours = int((runs["made_by"] == BY_YOU).sum())
    plural = "s" if len(runs) != 1 else ""
    return (
        f"Hold-out ROC AUC of {len(runs)} run{plural}, {span(runs['roc_auc'], '.4f')}, "
        f"{runs['roc_auc'].round(6).nunique()} distinct; {yours} yours (diamonds), the rest "
        "the server's (circles)."
    )


# What a column draws depends only on the runs shown (and the other column's, for the shared
# axis): every new learner sees the same server runs, so the chart is converted and validated,
# and its captions written, once per process, not once per learner and run. Keyed by the runs
# as plain tuples (hashing them costs microseconds; hashing DataFrames for st.cache_data cost
# milliseconds); the spec is shared, and st.vega_lite_chart only reads it.
@functools.lru_cache(maxsize=256)
def _column_view(rows: tuple, other: tuple, colour: str, seeded: bool) -> tuple[dict, str, str]:
    """The chart spec, the hash summary and who made the runs, for one column's runs."""
    runs = _frame(rows)
    spec = vega_spec(_runs_chart(runs, _auc_domain(runs, _frame(other)), colour))
    return spec, _hash_summary(runs), who_made_them(runs, seeded=seeded)


def _draw_column(rows: tuple, other: tuple, colour: str, seeded: bool = False) -> None:
    spec, summary, makers = _column_view(rows, other, colour, seeded)
    st.vega_lite_chart(spec=spec, width="stretch")
    st.caption(summary)
    st.markdown(makers)


def _hash_summary(runs: pd.DataFrame) -> str:
    summary = s3.summarise_runs(runs)
    plural = "s" if summary.n != 1 else ""
    hashes = "es" if summary.distinct_model_hashes != 1 else ""
    return (
        f"{summary.n} run{plural} · ROC AUC {summary.min_auc:.4f}–{summary.max_auc:.4f} "
        f"(spread {summary.spread:.4f}) · {summary.distinct_model_hashes} distinct model hash"
        f"{hashes}"
    )


def _numbers(runs: pd.DataFrame) -> str:
    numbers = list(runs["run"])
    label = "Run" if len(numbers) == 1 else "Runs"
    span = f"{numbers[0]}" if len(numbers) == 1 else f"{numbers[0]}–{numbers[-1]}"
    return f"{label} {span}"


def who_made_them(runs: pd.DataFrame, seeded: bool = False) -> str:
    """Say which runs the server made before the learner came and which are the learner's.

    Args:
        runs: the session's runs, with ``made_by`` and ``made_at``.
        seeded: True for the seeded column (its first run is the server's cached training).

    Returns:
        Markdown, one line per maker.
    """
    server = runs[runs["made_by"] == BY_SERVER]
    yours = runs[runs["made_by"] == BY_YOU]
    lines = []
    if not server.empty:
        if seeded:
            what = "trained once by this server and kept: with its seed, every training gives it"
        else:
            times = sorted(set(server["made_at"]))
            when = times[0] if len(times) == 1 else f"{times[0]}–{times[-1]}"
            what = (f"real unseeded trainings this server made before you opened the page "
                    f"(at {when}), shown to every learner who opens it")
        maker = BY_SERVER if len(server) == 1 else BY_SERVER.replace("run", "runs", 1)
        lines.append(f"**{_numbers(server)}: {maker}** — {what}.")
    if yours.empty:
        lines.append("**None yours yet** — press the button below to train one of your own.")
    else:
        lines.append(f"**{_numbers(yours)}: {BY_YOU}** — trained just now, for you.")
    return "  \n".join(lines)


def _unseeded_column(seeded: tuple) -> None:
    chart_slot = st.container()
    again, more = st.columns(2)
    if again.button("Run again", key="model-run-again",
                    help="Train once more without seeds (~0.2 s)"):
        with friendly_errors("The unseeded run"):
            _add_unseeded_runs(1)
    if more.button(f"Run {MORE_RUNS} more", key="model-run-more"):
        with st.spinner(f"Training {MORE_RUNS} unseeded models…"), \
                friendly_errors("The unseeded runs"):
            _add_unseeded_runs(MORE_RUNS)
    with chart_slot:
        _draw_column(_rows(UNSEEDED_KEY), seeded, RED)
        last = st.session_state[UNSEEDED_KEY][-1]
        st.markdown(
            f"Last run ({last['made_by']}): ROC AUC **{last['roc_auc']:.4f}**, "
            f"model {short_hash(last['model_sha256'])} ({last['seconds']:.2f} s)"
        )


def _seeded_column(unseeded: tuple) -> None:
    chart_slot = st.container()
    if st.button("Run the seeded version again", key="model-run-again-seeded"):
        with friendly_errors("The seeded run"):
            _add_seeded_run()
    with chart_slot:
        _draw_column(_rows(SEEDED_KEY), unseeded, GREEN, seeded=True)
        hashes = [row["model_sha256"] for row in st.session_state[SEEDED_KEY]]
        verdict = " = ".join(short_hash(h) for h in hashes[-2:])
        st.markdown(f"Model {verdict} {'✓' if len(set(hashes)) == 1 else '✗'}")
    with friendly_errors("The version check"):
        mismatches = _environment_mismatches()
        if mismatches:
            listed = ", ".join(
                f"{m['package']} {m['installed']} (pinned {m['pinned']})" for m in mismatches
            )
            st.warning(
                f"Installed versions differ from requirements.txt: {listed}. Results may differ."
            )
        else:
            st.caption(
                f"Pinned versions checked: {', '.join(s3.DIRECT_PINS)} match requirements.txt ✓"
            )


def _shopping_chart(shopping: s3.SeedShopping) -> alt.LayerChart:
    points = (
        alt.Chart(inline_data(shopping.runs))
        .mark_point(size=90, filled=True)
        .encode(
            x=alt.X("split_seed:O", title="split seed"),
            y=alt.Y("roc_auc:Q", title="ROC AUC (hold-out)", scale=alt.Scale(zero=False)),
            color=alt.Color(
                "is_best:N", title="best seed",
                scale=alt.Scale(domain=[False, True], range=[BLUE, RED]),
            ),
            shape=alt.Shape(
                "is_best:N", title="best seed",
                scale=alt.Scale(domain=[False, True], range=["circle", "diamond"]),
            ),
            tooltip=[alt.Tooltip("split_seed:O"), alt.Tooltip("roc_auc:Q", format=".4f")],
        )
    )
    median = (
        alt.Chart(inline_data(pd.DataFrame({"median": [shopping.median_auc]})))
        .mark_rule(strokeDash=[4, 4])
        .encode(y=alt.Y("median:Q"))
    )
    return (points + median).properties(
        height=220,
        description=(
            f"Hold-out ROC AUC of {len(shopping.runs)} split seeds, "
            f"{span(shopping.runs['roc_auc'], '.3f')}; the best seed (a red diamond) "
            f"{shopping.best_auc:.3f}, the median {shopping.median_auc:.3f} (dashed line)."
        ),
    )


@st.cache_data(show_spinner=False, max_entries=4)
def _shopping_spec(seeds: tuple[int, ...]) -> dict:
    return vega_spec(_shopping_chart(_seed_shopping(seeds)))


def _seed_shopping_section() -> None:
    st.markdown("#### Seed shopping")
    st.write(
        "A logistic regression, every parameter explicit, trained once per split seed 0–19. "
        "Each run is reproducible on its own — but which one would you report?"
    )
    if not predict_first(
        SHOPPING_LABEL, key="model-seed-shopping", state_key=SHOPPING_KEY,
        check_id="model-best-seed-gap",
    ):
        return
    with friendly_errors("Seed shopping"):
        shopping = _seed_shopping(s3.SHOPPING_SEEDS)
        st.vega_lite_chart(spec=_shopping_spec(s3.SHOPPING_SEEDS), width="stretch")
        claim, honest = st.columns(2)
        claim.metric("A team reporting its best seed claims", f"{shopping.best_auc:.3f}",
                     f"+{shopping.gap:.3f} above the median", delta_color="off", delta_arrow="off")
        honest.metric(f"Median of {shopping.n_seeds} split seeds", f"{shopping.median_auc:.3f}",
                      f"spread {shopping.spread:.3f}", delta_color="off", delta_arrow="off")
        st.caption(f"Report it like this: {shopping.honest_report}.")


def _show_comparison(version: str, result: dict) -> None:
    label = FRESH_VERSIONS[version][0]
    matched = result["models_match"] and result["predictions_match"]
    st.markdown(f"**{label}** — {result['wall_seconds']:.1f} s for both processes")
    columns = st.columns(len(result["results"]))
    for column, process in zip(columns, result["results"], strict=True):
        with column.container(border=True):
            st.markdown(f"Process with `PYTHONHASHSEED={process['python_hash_seed']}`")
            st.markdown(f"model {short_hash(process['model_sha256'])}")
            st.markdown(f"predictions {short_hash(process['predictions_sha256'])}")
            head = ", ".join(process["feature_order_head"][:3])
            st.caption(f"ROC AUC {process['roc_auc']:.4f} · columns: {head}, …")
    if matched:
        st.success("Hashes match, byte for byte ✓")
    else:
        st.warning("Hashes differ ✗ — the same code gave another model in another process.")


def _fresh_process_section() -> None:
    st.markdown("#### Same code, two fresh processes")
    st.write(
        "Each click starts two new Python processes side by side, with different string-hash "
        "salts (`PYTHONHASHSEED` 1 and 2, as two runs on two days would have), trains, and "
        "compares the fingerprints."
    )
    version = st.radio(
        "Which version?", list(FRESH_VERSIONS), format_func=lambda v: FRESH_VERSIONS[v][0],
        key="model-fresh-version",
    )
    results = st.session_state.setdefault(FRESH_KEY, {})
    if st.button("Run in two fresh processes", key="model-fresh-run"):
        with friendly_errors("The fresh-process run"):
            with st.status("Starting two Python processes and training…", expanded=False) as status:
                with run_slot.released():  # it only waits for its child processes
                    comparison = s3.train_in_fresh_processes(FRESH_VERSIONS[version][1])
                status.update(label=f"Done in {comparison.wall_seconds:.1f} s", state="complete")
            results[version] = asdict(comparison)
    for shown in FRESH_VERSIONS:
        if shown in results:
            _show_comparison(shown, results[shown])


def render() -> None:
    """Draw Stage 3: unseeded vs seeded runs, seed shopping, two models, fresh processes."""
    with friendly_errors("The Stage 3 demo"):
        if UNSEEDED_KEY not in st.session_state:
            _start_unseeded_runs()
        if SEEDED_KEY not in st.session_state:
            # Trained once per server (st.cache_data): with its seed, every training gives it.
            st.session_state[SEEDED_KEY] = [
                _row(_seeded_run(pipelines.DEFAULT_SEED), 1, BY_SERVER, "")
            ]

        left, right = side_by_side(
            "No seeds, library defaults, column lists from a set: every run a new model.",
            f"One seed ({pipelines.DEFAULT_SEED}) for every random component, explicit parameters, "
            "sorted columns, versions checked.",
        )
        seeded = _rows(SEEDED_KEY)
        with left:
            _unseeded_column(seeded)
            show_source(pipelines.train_irreproducible)
        with right:
            _seeded_column(_rows(UNSEEDED_KEY))
            show_source(pipelines.train_reproducible)

        _seed_shopping_section()
        render_comparison()
        _fresh_process_section()
        show_source(s3.train_with_practices,
                    label="Show the switchboard: every practice, on or off")
