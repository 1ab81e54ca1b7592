"""Stage 4 demo: the team's hand-over (one pickle) next to a run manifest and a model card.

The manifest rebuilds the model field by field; the card headlines the decline rate and
the expected cost at the bank's threshold P(bad) > 1/6, overall and per group, with sizes and
Wilson intervals. Opening the page trains nothing: the pickle questioned is the latest real one this
server made the team's way (``case_study.stage4_legacy.TEAM_PICKLES``, filled by the
background warm-up), labelled as the server's; "Retrain it the way the team did" trains a
new model for the learner.
"""

from __future__ import annotations

import json
from dataclasses import asdict

import altair as alt
import pandas as pd
import streamlit as st

from case_study import codes, paths, pipelines
from case_study import stage4_legacy as s4
from case_study.intervals import wilson_interval
from workshop.ui.demos.legacy_environment import render_environment
from workshop.ui.widgets import (
    friendly_errors,
    inline_data,
    loan_data,
    predict_first,
    short_hash,
    show_source,
    side_by_side,
    span,
    unlocked_by,
    vega_spec,
)

# The raw files this demo reads: the stage page re-verifies them before every draw.
DATA_FILES = (paths.GERMAN_CREDIT,)

PICKLE_KEY = "legacy-pickle"
RETRAINS_KEY = "legacy-retrains"
REBUILT_KEY = "legacy-rebuilt"
CHANGE_KEY = "legacy-change"
CARD_KEY = "legacy-show-card"
CARD_SHOWN_KEY = "legacy-card-shown"
# Named in the prompts of the checks "legacy-seed-change" and "legacy-interval-under-25".
CHANGE_LABEL = "Rebuild with this change"
SEED_CHECK = "legacy-seed-change"
CARD_LABEL = "Show the model card"

# Fields a learner may change, with the value the control starts from.
CHANGEABLE: dict[str, int] = {
    "seed": pipelines.DEFAULT_SEED + 1,
    "params.n_estimators": 50,
    "params.max_depth": 5,
    "params.min_samples_leaf": 5,
}


def value_range(field: str) -> tuple[int, int]:
    """The whole numbers a rebuild accepts for a changeable field.

    The case study's own limits, SEED_LIMITS and PARAM_LIMITS, so the input cannot even take
    another value.
    """
    if field == "seed":
        return s4.SEED_LIMITS
    low, high, _ = s4.PARAM_LIMITS[field.removeprefix("params.")]
    return low, high


# Who made what, said on the page.
PICKLE_MADE_BY = (
    "An earlier run by this server: a real pickle it trained the team's way (no seeds) at "
    "{made_at}, before you opened the page; every learner opening it now questions the same "
    "file. The retrains below are yours: each trains a new model when you press the button."
)
RETRAIN_BY = "yours"
STATUS_MARK = {"unknown": "✗ unknown", "partly": "◐ partly", "yes": "✓ yes"}
FACTOR_TITLES = {
    "age_band": "age band",
    "foreign_worker": "foreign worker",
    "personal_status_sex": "attribute 9",
}


@st.cache_data(show_spinner=False, max_entries=4)
def _reproducible(seed: int) -> tuple[dict, s4.ModelCard]:
    """One seeded training: its manifest and its model card (a pure function of the seed)."""
    frame = loan_data()
    run = pipelines.reproducible_run(seed)  # shared with Stage 5 and the checks: read only
    return s4.build_run_manifest(run), s4.model_card(run, frame)


@st.cache_data(show_spinner=False, max_entries=8)
def _rebuild(manifest_json: str) -> list[dict]:
    return [
        asdict(d) | {"matches": d.matches}
        for d in s4.rebuild_from_manifest(json.loads(manifest_json))
    ]


@st.cache_data(show_spinner=False, max_entries=32)
def _changed(manifest_json: str, field: str, value: int) -> list[dict]:
    diffs = s4.rebuild_with_change(json.loads(manifest_json), field, value)
    return [asdict(d) | {"matches": d.matches} for d in diffs]


def _server_pickle(manifest: dict, card: s4.ModelCard) -> dict:
    """The latest real model_final_v2.pkl this server made the team's way, questioned.

    Trains only on a fresh server whose warm-up has not made one yet (once, for every learner
    arriving then).
    """
    ready = s4.TEAM_PICKLES.latest(1)
    if not ready:
        with st.spinner("The server is training the team's model (once, for every learner)…"):
            ready = s4.TEAM_PICKLES.ensure(1)
    pooled = ready[-1]
    made: s4.TeamPickle = pooled.value
    answers = s4.legacy_questions(None, manifest, card, from_pickle=made.from_pickle)
    return {
        "sha": made.file_sha256,
        "model_sha": made.model_sha256,
        "kib": made.kib,
        "made_at": pooled.made_at_text,
        "answers": [asdict(a) for a in answers],
    }


def _diff_frame(rows: list[dict]) -> pd.DataFrame:
    """The diff for reading: hashes cut to 16 characters so both columns fit."""
    table = s4.diff_table([s4.FieldDiff(r["field"], r["expected"], r["actual"]) for r in rows])
    for column in ("recorded", "found"):
        table[column] = [v[:16] + "…" if s4.is_sha256(v) else v for v in table[column]]
    return table.rename(columns={"found": "rebuilt"})


def _irreproducible(box, manifest: dict, card: s4.ModelCard) -> None:
    with box:
        if PICKLE_KEY not in st.session_state:
            with friendly_errors("Training the team's model"):
                st.session_state[PICKLE_KEY] = _server_pickle(manifest, card)
        legacy = st.session_state.get(PICKLE_KEY)
        if legacy is None:
            return
        st.markdown(
            f"**`{s4.LEGACY_PICKLE_NAME}`** · {legacy['kib']:.0f} KiB · "
            f"sha256 {short_hash(legacy['sha'])}"
        )
        st.caption(PICKLE_MADE_BY.format(made_at=legacy["made_at"]))
        _pickle_answers(legacy["answers"])
        _retrains(legacy)
        show_source(s4.interrogate_pickle, "Show how the pickle is questioned")


def _pickle_answers(answers: list[dict]) -> None:
    table = pd.DataFrame(
        {
            "question": [a["question"] for a in answers],
            "the pickle alone": [
                f"{STATUS_MARK[a['pickle_status']]}: {a['from_pickle']}" for a in answers
            ],
        }
    )
    st.table(table.set_index("question"))
    statuses = [a["pickle_status"] for a in answers]
    st.markdown(
        f"Answered from the pickle: **{statuses.count('yes')}** fully, "
        f"**{statuses.count('partly')}** partly, **{statuses.count('unknown')}** not at all, "
        f"of {len(statuses)} questions."
    )
    st.markdown("No model card: nobody knows how it does for any group.")


def _retrains(legacy: dict) -> None:
    """The learner's own retrains, the team's way, each compared with the pickle's model."""
    if st.button("Retrain it the way the team did", key="legacy-retrain"):
        with friendly_errors("Retraining"):
            run = pipelines.train_irreproducible(loan_data())
            st.session_state.setdefault(RETRAINS_KEY, []).append(
                {"sha": run.model_sha256, "roc_auc": run.metrics["roc_auc"]}
            )
    for number, retrain in enumerate(st.session_state.get(RETRAINS_KEY, []), start=1):
        mark = "✓ same" if retrain["sha"] == legacy["model_sha"] else "✗ differs"
        st.markdown(
            f"Retrain {number}: {RETRAIN_BY}, model sha256 {short_hash(retrain['sha'])} {mark} · "
            f"ROC AUC {retrain['roc_auc']:.3f} (the pickle's own score was never written down)"
        )


def _rebuild_section(manifest: dict) -> None:
    manifest_json = json.dumps(manifest, sort_keys=True)
    if st.button("Rebuild from manifest", key="legacy-rebuild", type="primary"):
        st.session_state[REBUILT_KEY] = True
    if not st.session_state.get(REBUILT_KEY):
        st.caption(
            "Retrains from the manifest alone — pipeline, seed, parameters; the data hash is "
            "checked first."
        )
        return
    rows = None
    with friendly_errors("The rebuild"):
        rows = _rebuild(manifest_json)
    if rows is None:
        return
    bad = [r for r in rows if not r["matches"]]
    model = next(r for r in rows if r["field"] == "model_sha256")
    if not bad:
        st.success(
            f"✓ All {len(rows)} compared fields match. model_sha256 "
            f"{short_hash(model['expected'])} = "
            f"{short_hash(model['actual'])}"
        )
    else:
        st.error(f"✗ {len(bad)} of {len(rows)} compared fields differ.")
        st.dataframe(_diff_frame(bad).drop(columns="match"), hide_index=True, width="stretch")
    with st.expander("Every compared field"):
        st.dataframe(_diff_frame(rows), hide_index=True, width="stretch")


def _change_section(manifest: dict) -> None:
    st.markdown("**Change one field, rebuild, and read the diff**")
    field = st.selectbox("Field", list(CHANGEABLE), key="legacy-change-field")
    low, high = value_range(field)
    value = int(
        st.number_input(
            f"New value of {field} ({low}–{high})",
            min_value=low,
            max_value=high,
            value=CHANGEABLE[field],
            step=1,
            key=f"legacy-change-value-{field}",
        )
    )
    # A check below asks how many fields the seed change moves: the button waits for its
    # prediction, then stays, so that other fields can be changed as often as the learner likes.
    if unlocked_by(CHANGE_LABEL, key="legacy-change-run", check_id=SEED_CHECK) and st.button(
        CHANGE_LABEL, key="legacy-change-run"
    ):
        st.session_state[CHANGE_KEY] = {"field": field, "value": value}
    change = st.session_state.get(CHANGE_KEY)
    if not change:
        return
    rows = None
    with friendly_errors("The rebuild with a change"):
        rows = _changed(json.dumps(manifest, sort_keys=True), change["field"], change["value"])
    if rows is None:
        return
    bad = [r for r in rows if not r["matches"]]
    st.markdown(
        f"`{change['field']}` → {change['value']}: **{len(bad)}** of {len(rows)} compared fields "
        f"differ "
        "from the recorded manifest."
    )
    if bad:
        st.dataframe(_diff_frame(bad).drop(columns="match"), hide_index=True, width="stretch")


def _reproducible_column(box, manifest: dict) -> None:
    with box:
        st.markdown("**`manifest.json`**, written beside the model at training time")
        st.json(manifest, expanded=1)
        _rebuild_section(manifest)
        _change_section(manifest)
        show_source(s4.build_run_manifest, "Show the code that writes the manifest")
        show_source(s4.rebuild_from_manifest, "Show the code that rebuilds from it")


# The card's two headline metrics, as the chart's columns.
METRIC_AXES = {
    "decline_rate": "decline rate",
    "expected_cost": "expected cost per applicant",
}


def _long_groups(groups: pd.DataFrame) -> pd.DataFrame:
    """One row per (group, metric): value, low, high, n and flag; empty groups left out."""
    present = groups[groups["n"] > 0]
    parts = []
    for name, title in METRIC_AXES.items():
        part = present[["factor", "group", "n", "too_small", "reason"]].copy()
        part["metric"] = title
        part["value"] = present[name]
        part["low"] = present[f"{name}_low"]
        part["high"] = present[f"{name}_high"]
        parts.append(part)
    table = pd.concat(parts, ignore_index=True)
    table["flag"] = table.pop("too_small").map({True: "too small to trust", False: "ok"})
    table["factor"] = table["factor"].map(FACTOR_TITLES)
    return table


def _group_cell(part: pd.DataFrame, title: str) -> alt.LayerChart:
    """One factor's groups for one metric: each group's value, its interval and its n."""
    base = alt.Chart(inline_data(part)).encode(
        y=alt.Y("group:N", title=None, sort=None, axis=alt.Axis(labelLimit=240)),
        color=alt.Color(
            "flag:N",
            scale=alt.Scale(domain=["ok", "too small to trust"], range=["#4e79a7", "#e15759"]),
            legend=alt.Legend(title=None, orient="bottom"),
        ),
        tooltip=[
            alt.Tooltip("group:N"),
            alt.Tooltip("metric:N"),
            alt.Tooltip("n:Q"),
            alt.Tooltip("value:Q", format=".3f"),
            alt.Tooltip("low:Q", format=".3f"),
            alt.Tooltip("high:Q", format=".3f"),
            alt.Tooltip("reason:N"),
        ],
    )
    bars = base.mark_rule(strokeWidth=2).encode(x=alt.X("low:Q", title=None), x2=alt.X2("high:Q"))
    points = base.mark_point(filled=True, size=60).encode(
        x=alt.X("value:Q"),
        # A second channel besides colour: a group too small to trust is a triangle.
        shape=alt.Shape(
            "flag:N",
            scale=alt.Scale(domain=["ok", "too small to trust"], range=["circle", "triangle"]),
            legend=alt.Legend(title=None, orient="bottom"),
        ),
    )
    labels = base.mark_text(align="left", dx=6, dy=-8, fontSize=10).encode(
        x=alt.X("value:Q"), text=alt.Text("n:Q", format="d")
    )
    return alt.layer(bars, points, labels).properties(
        width=260, height=alt.Step(26), title=alt.TitleParams(title, anchor="start")
    )


def _group_chart(groups: pd.DataFrame) -> alt.VConcatChart:
    """Decline rate and expected cost per group, each with its interval and n.

    One row per factor, one column per metric, each cell a chart of its own titled with both
    ("age band: decline rate"): a facet with independent scales and a set order drew cells
    under another row's and column's headers (foreign-worker costs under "attribute 9").
    """
    table = _long_groups(groups)
    rows = []
    for factor in FACTOR_TITLES.values():
        cells = [
            _group_cell(
                table[(table["factor"] == factor) & (table["metric"] == metric)],
                f"{factor}: {metric}",
            )
            for metric in METRIC_AXES.values()
        ]
        rows.append(alt.hconcat(*cells, spacing=24))
    level = int(s4.CONFIDENCE * 100)
    return alt.vconcat(
        *rows, title=f"at P(bad) > 1/6, with {level}% intervals (n beside each point)"
    ).properties(description=_group_text(table))


def _group_text(table: pd.DataFrame) -> str:
    """The model card's chart in a sentence: how many groups, which are too small to trust."""
    rates = table[table["metric"] == METRIC_AXES["decline_rate"]]
    costs = table[table["metric"] == METRIC_AXES["expected_cost"]]
    small = rates[rates["flag"] != "ok"]
    listed = "; ".join(
        f"{row.group} (n={row.n}, decline rate {row.low:.2f} to {row.high:.2f})"
        for row in small.itertuples()
    )
    return (
        f"Hold-out decline rate and expected cost per applicant at P(bad) > 1/6, with "
        f"{int(s4.CONFIDENCE * 100)}% Wilson-based intervals, for {len(rates)} groups of "
        f"{rates['factor'].nunique()} attributes: decline rates {span(rates['value'], '.2f')}, "
        f"expected costs {span(costs['value'], '.2f')}. "
        + (
            f"Too small to trust (triangles): {listed}."
            if len(small)
            else "Every group is large enough."
        )
    )


# The card's chart and Markdown are pure functions of the cached training: built (and the
# chart validated) once per seed, not on every click on the page.
@st.cache_data(show_spinner=False, max_entries=4)
def _card_chart_spec(seed: int) -> dict:
    return vega_spec(_group_chart(_reproducible(seed)[1].groups))


@st.cache_data(show_spinner=False, max_entries=4)
def _card_markdown(seed: int) -> str:
    return s4.render_model_card_markdown(_reproducible(seed)[1])


def _model_card_section(card: s4.ModelCard, seed: int) -> None:
    st.subheader("The model card (reproducible hand-over)")
    # The card shows every group's interval, the under-25 one included, which a check asks
    # the learner to predict.
    if not predict_first(
        CARD_LABEL,
        key=CARD_KEY,
        state_key=CARD_SHOWN_KEY,
        check_id="legacy-interval-under-25",
    ):
        return
    st.markdown(f"**Headline.** {card.headline}")
    st.caption(
        "The bank's own rule, not accuracy at 0.5: decline when P(bad) > 1/6, the threshold the "
        "5:1 cost matrix implies (Stage 1). By group, each with its size n (the label beside "
        f"the point) and a {int(s4.CONFIDENCE * 100)}% interval: a Wilson score interval for "
        "the decline rate, two Wilson intervals combined for the expected cost. Neither "
        "shrinks to zero width when a small group is all declined. "
        f"Red: fewer than {s4.MIN_GROUP_SIZE} applicants or a decline-rate interval wider "
        f"than {s4.MAX_INTERVAL_WIDTH}."
    )
    st.vega_lite_chart(spec=_card_chart_spec(seed))
    st.warning(codes.ATTRIBUTE_9_CAVEAT)
    st.warning(codes.CODING_DIRECTION_CAVEAT)
    if card.too_small:
        st.markdown(
            "**Too small to trust — do not quote alone:**\n"
            + "\n".join(f"- {g}" for g in card.too_small)
        )
    markdown = _card_markdown(seed)
    with st.expander("Read the whole model card"):
        st.markdown(markdown)
    st.download_button(
        "Download the model card (Markdown)",
        markdown,
        file_name="model_card.md",
        mime="text/markdown",
        key="legacy-card-download",
    )
    show_source(s4.decision_metrics, "Show how each group's figures and intervals are computed")
    show_source(wilson_interval, "Show the Wilson score interval")


def render() -> None:
    """Draw the legacy stage: the pickle alone next to the manifest, then the model card."""
    result = None
    with friendly_errors("Training the reproducible model"):
        result = _reproducible(pipelines.DEFAULT_SEED)
    if result is None:
        return
    manifest, card = result
    left, right = side_by_side(
        "A colleague left. The hand-over is one file on the shared drive.",
        "The same model handed over with a run manifest, a rebuild check and a model card.",
    )
    _irreproducible(left, manifest, card)
    _reproducible_column(right, manifest)
    _model_card_section(card, pipelines.DEFAULT_SEED)
    render_environment()
