"""Stage 3 demo: the loan model trained without seeds (a new ROC AUC every run) next to the
seeded one (one point), seed shopping, and the same training in two fresh processes."""

from __future__ import annotations

from dataclasses import asdict

import altair as alt
import pandas as pd
import streamlit as st

from case_study import paths, pipelines
from case_study import stage3_model as s3
from workshop.ui.widgets import (BLUE, GREEN, RED, friendly_errors, loan_data, predict_first, short_hash,
                                 show_source, side_by_side)

# The raw files this demo reads: the stage page re-verifies them before every draw.
DATA_FILES = (paths.GERMAN_CREDIT,)

# Fresh unseeded runs on first view: about 0.2 s each, so the page stays under a second.
INITIAL_UNSEEDED_RUNS = 3
MORE_RUNS = 5

UNSEEDED_KEY = "model-unseeded-runs"
SEEDED_KEY = "model-seeded-runs"
SHOPPING_KEY = "model-shopping-shown"
# The check "model-best-seed-gap" names this button in its prompt.
SHOPPING_LABEL = "Try 20 split seeds"
FRESH_KEY = "model-fresh-results"

FRESH_VERSIONS: dict[str, tuple[str, s3.Practices]] = {
    "irreproducible": ("As the team did it: no seeds, defaults, columns from a set", s3.IRREPRODUCIBLE),
    "seeds-only": ("Every seed fixed, but columns still from a set", s3.SEEDS_ONLY),
    "reproducible": ("Reproducible: seeds, sorted columns, explicit parameters, versions checked", s3.REPRODUCIBLE),
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


def _add_unseeded_runs(count: int) -> None:
    runs = st.session_state[UNSEEDED_KEY]
    frame = loan_data()
    for _ in range(count):
        runs.append(asdict(s3.one_more_unseeded_run(frame, run_number=len(runs) + 1)))


def _add_seeded_run() -> None:
    # Trained afresh (not from the cache): the point is that it lands on the same spot.
    runs = st.session_state[SEEDED_KEY]
    point = s3.seeded_runs(1, loan_data()).iloc[0].to_dict()
    point["run"] = len(runs) + 1
    runs.append(point)


def _auc_domain(*frames: pd.DataFrame) -> list[float]:
    values = pd.concat([f["roc_auc"] for f in frames])
    low, high = float(values.min()), float(values.max())
    return [round(low - 0.01, 2), round(high + 0.01, 2)]


def _runs_chart(runs: pd.DataFrame, domain: list[float], colour: str) -> alt.Chart:
    """One dot per run: x is the ROC AUC on the same axis in both columns, y the run number."""
    return (
        alt.Chart(runs)
        .mark_circle(size=90, opacity=0.75, color=colour)
        .encode(
            x=alt.X("roc_auc:Q", title="ROC AUC (hold-out)", scale=alt.Scale(domain=domain)),
            y=alt.Y("run:Q", title="run", axis=alt.Axis(tickMinStep=1)),
            tooltip=[alt.Tooltip("run"), alt.Tooltip("roc_auc:Q", format=".4f"), alt.Tooltip("model_sha256"), alt.Tooltip("seconds")],
        )
        .properties(height=200)
    )


def _hash_summary(runs: pd.DataFrame) -> str:
    summary = s3.summarise_runs(runs)
    return (
        f"{summary.n} run{'s' if summary.n != 1 else ''} · ROC AUC {summary.min_auc:.4f}–{summary.max_auc:.4f} "
        f"(spread {summary.spread:.4f}) · {summary.distinct_model_hashes} distinct model hash"
        f"{'es' if summary.distinct_model_hashes != 1 else ''}"
    )


def _unseeded_column(domain_runs: pd.DataFrame, seeded: pd.DataFrame) -> None:
    chart_slot = st.container()
    again, more = st.columns(2)
    if again.button("Run again", key="model-run-again", help="Train once more without seeds (~0.2 s)"):
        with friendly_errors("The unseeded run"):
            _add_unseeded_runs(1)
    if more.button(f"Run {MORE_RUNS} more", key="model-run-more"):
        with st.spinner(f"Training {MORE_RUNS} unseeded models…"), friendly_errors("The unseeded runs"):
            _add_unseeded_runs(MORE_RUNS)
    runs = s3.runs_frame(st.session_state[UNSEEDED_KEY])
    with chart_slot:
        st.altair_chart(_runs_chart(runs, _auc_domain(runs, seeded), RED), width="stretch")
        last = runs.iloc[-1]
        st.caption(_hash_summary(runs))
        st.markdown(
            f"Last run: ROC AUC **{last.roc_auc:.4f}**, model {short_hash(last.model_sha256)} "
            f"({last.seconds:.2f} s)"
        )


def _seeded_column(unseeded: pd.DataFrame) -> None:
    chart_slot = st.container()
    if st.button("Run the seeded version again", key="model-run-again-seeded"):
        with friendly_errors("The seeded run"):
            _add_seeded_run()
    runs = s3.runs_frame(st.session_state[SEEDED_KEY])
    with chart_slot:
        st.altair_chart(_runs_chart(runs, _auc_domain(unseeded, runs), GREEN), width="stretch")
        st.caption(_hash_summary(runs))
        hashes = sorted(set(runs["model_sha256"]))
        verdict = " = ".join(short_hash(h) for h in runs["model_sha256"].iloc[-2:])
        st.markdown(f"Model {verdict} {'✓' if len(hashes) == 1 else '✗'}")
    with friendly_errors("The version check"):
        mismatches = _environment_mismatches()
        if mismatches:
            listed = ", ".join(f"{m['package']} {m['installed']} (pinned {m['pinned']})" for m in mismatches)
            st.warning(f"Installed versions differ from requirements.txt: {listed}. Results may differ.")
        else:
            st.caption(f"Pinned versions checked: {', '.join(s3.DIRECT_PINS)} match requirements.txt ✓")


def _seed_shopping_section() -> None:
    st.markdown("#### Seed shopping")
    st.write(
        "A logistic regression, every parameter explicit, trained once per split seed 0–19. "
        "Each run is reproducible on its own — but which one would you report?"
    )
    if not predict_first(
        SHOPPING_LABEL, key="model-seed-shopping", state_key=SHOPPING_KEY,
        before="Predict first: a check below asks how far the best seed lies above the median. Commit "
               f"your prediction there, then press {SHOPPING_LABEL}.",
    ):
        return
    with friendly_errors("Seed shopping"):
        shopping = _seed_shopping(s3.SHOPPING_SEEDS)
        points = (
            alt.Chart(shopping.runs)
            .mark_circle(size=90)
            .encode(
                x=alt.X("split_seed:O", title="split seed"),
                y=alt.Y("roc_auc:Q", title="ROC AUC (hold-out)", scale=alt.Scale(zero=False)),
                color=alt.Color(
                    "is_best:N", title="best seed",
                    scale=alt.Scale(domain=[False, True], range=[BLUE, RED]),
                ),
                tooltip=[alt.Tooltip("split_seed"), alt.Tooltip("roc_auc:Q", format=".4f")],
            )
        )
        median = alt.Chart(pd.DataFrame({"median": [shopping.median_auc]})).mark_rule(strokeDash=[4, 4]).encode(
            y=alt.Y("median:Q")
        )
        st.altair_chart((points + median).properties(height=220), width="stretch")
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
    for column, process in zip(columns, result["results"]):
        with column.container(border=True):
            st.markdown(f"Process with `PYTHONHASHSEED={process['python_hash_seed']}`")
            st.markdown(f"model {short_hash(process['model_sha256'])}")
            st.markdown(f"predictions {short_hash(process['predictions_sha256'])}")
            st.caption(f"ROC AUC {process['roc_auc']:.4f} · columns: {', '.join(process['feature_order_head'][:3])}, …")
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
                comparison = s3.train_in_fresh_processes(FRESH_VERSIONS[version][1])
                status.update(label=f"Done in {comparison.wall_seconds:.1f} s", state="complete")
            results[version] = asdict(comparison)
    for shown in FRESH_VERSIONS:
        if shown in results:
            _show_comparison(shown, results[shown])


def render() -> None:
    """Draw Stage 3: unseeded vs seeded runs, seed shopping, fresh processes, the code."""
    with friendly_errors("The Stage 3 demo"):
        if UNSEEDED_KEY not in st.session_state:
            st.session_state[UNSEEDED_KEY] = []
            _add_unseeded_runs(INITIAL_UNSEEDED_RUNS)
        if SEEDED_KEY not in st.session_state:
            st.session_state[SEEDED_KEY] = [_seeded_run(pipelines.DEFAULT_SEED)]

        left, right = side_by_side(
            "No seeds, library defaults, column lists from a set: every run a new model.",
            f"One seed ({pipelines.DEFAULT_SEED}) for every random component, explicit parameters, "
            "sorted columns, versions checked.",
        )
        unseeded = s3.runs_frame(st.session_state[UNSEEDED_KEY])
        seeded = s3.runs_frame(st.session_state[SEEDED_KEY])
        with left:
            _unseeded_column(unseeded, seeded)
            show_source(pipelines.train_irreproducible)
        with right:
            _seeded_column(s3.runs_frame(st.session_state[UNSEEDED_KEY]))
            show_source(pipelines.train_reproducible)

        _seed_shopping_section()
        _fresh_process_section()
        show_source(s3.train_with_practices, label="Show the switchboard: every practice, on or off")
