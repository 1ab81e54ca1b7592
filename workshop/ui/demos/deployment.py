"""Stage 5 demo: a year of production, watched with and without a baseline.

Also how often a PSI threshold cries wolf for a given batch size.
"""

from __future__ import annotations

import functools

import pandas as pd
import streamlit as st

from case_study import monitoring, paths, pipelines
from case_study import stage5_deployment as s5
from workshop.ui.demos import deployment_charts as charts
from workshop.ui.widgets import (
    REPRODUCIBLE_TITLE,
    arrow_table,
    friendly_errors,
    predict_first,
    short_hash,
    show_source,
    side_by_side,
    vega_spec,
)

# The raw files this demo reads: the stage page re-verifies them before every draw.
DATA_FILES = (paths.GERMAN_CREDIT,)

FALSE_ALARMS_KEY = "deployment-run-false-alarms"
FALSE_ALARMS_SHOWN_KEY = "deployment-false-alarms-shown"
# Named in the prompts of the checks "deployment-false-alarms" and "deployment-threshold".
FALSE_ALARMS_LABEL = "Run the false-alarm study"

# Batch sizes for the false-alarm curve; the slider's value is marked on it.
CURVE_SIZES = (50, 100, 150, 200, 300, 400, 500, 600, 800, 1000)
THRESHOLDS = (0.05, s5.PSI_WARN, 0.15, 0.20, s5.PSI_ALERT, 0.30)


@st.cache_data(show_spinner="Running a year of production…", max_entries=8)
def _study(batch_size: int, stream_seed: int, model_seed: int) -> s5.DeploymentStudy:
    return s5.run_deployment_study(
        batch_size=batch_size, stream_seed=stream_seed, model_seed=model_seed
    )


@st.cache_data(show_spinner="Drawing unshifted batches…", max_entries=32)
def _false_alarm_samples(
    batch_sizes: tuple[int, ...], draws: int, seed: int, model_seed: int
) -> s5.FalseAlarmSamples:
    # Drawn once per batch size; a new threshold only re-reads them (summarise_false_alarms).
    return s5.false_alarm_samples(batch_sizes, draws=draws, seed=seed, model_seed=model_seed)


def _false_alarms(batch_sizes: tuple[int, ...], threshold: float) -> pd.DataFrame:
    samples = _false_alarm_samples(
        batch_sizes, s5.FALSE_ALARM_DRAWS, s5.FALSE_ALARM_SEED, pipelines.DEFAULT_SEED
    )
    return s5.summarise_false_alarms(samples, threshold)


# The charts are pure functions of the cached study (or of the slider values), so each is
# built and validated once and kept as a Vega-Lite spec: drawing it is then cheap, where
# st.altair_chart would convert and validate all seven again on every click on the page.
# Kept once per process and handed out as is (st.vega_lite_chart copies a spec before it
# changes it): st.cache_data would hash the key and unpickle all six specs on each of the
# three calls of every page view.
@functools.lru_cache(maxsize=8)
def _study_charts(batch_size: int, stream_seed: int, model_seed: int) -> dict[str, dict]:
    study = _study(batch_size, stream_seed, model_seed)
    return {
        "approval": vega_spec(charts.approval_chart(study.without_baseline, None)),
        "psi": vega_spec(charts.psi_chart(study)),
        "prediction": vega_spec(charts.prediction_chart(study)),
        "approval_vs_baseline": vega_spec(
            charts.approval_chart(study.without_baseline, study.baseline.approval_rate)
        ),
        "roc_auc": vega_spec(charts.labelled_chart(study, "roc_auc", "ROC AUC")),
        "expected_cost": vega_spec(
            charts.labelled_chart(study, "expected_cost", "cost per applicant")
        ),
    }


@functools.lru_cache(maxsize=8)
def _baseline_sha256(batch_size: int, stream_seed: int, model_seed: int) -> str:
    return _study(batch_size, stream_seed, model_seed).baseline.sha256()


@st.cache_data(show_spinner=False, max_entries=64)
def _false_alarm_spec(batch_size: int, threshold: float) -> dict:
    return vega_spec(
        charts.false_alarm_chart(_false_alarms(CURVE_SIZES, threshold), batch_size, threshold)
    )


def _study_key(study: s5.DeploymentStudy) -> tuple[int, int, int]:
    return study.batch_size, study.stream_seed, study.model_seed


def _selective_labels_table(study: s5.DeploymentStudy) -> pd.DataFrame:
    """Per month of decisions: the all-applicant ROC AUC beside what the bank can label."""
    table = s5.labelled_frame(study.records)

    def fmt(value, pattern: str) -> str:
        return "–" if value is None or pd.isna(value) else format(value, pattern)

    return pd.DataFrame(
        {
            "month of the decisions": table["for_month"],
            "ROC AUC, every applicant (lab)": [fmt(v, ".3f") for v in table["roc_auc"]],
            "approved (labelled by the bank)": [
                f"{a} of {n}" for a, n in zip(table["approved_n"], table["n"], strict=True)
            ],
            "ROC AUC, approved only": [fmt(v, ".3f") for v in table["approved_roc_auc"]],
            "bad rate, approved only": [fmt(v, ".1%") for v in table["approved_bad_rate"]],
        }
    )


# The study's two tables depend only on its key: built and converted to Arrow once per
# process, not on every page run (st.dataframe converts a DataFrame each time it draws one).
@functools.lru_cache(maxsize=8)
def _study_tables(batch_size: int, stream_seed: int, model_seed: int) -> tuple:
    """(the selective-labels table, the alerts table or None when there were none)."""
    study = _study(batch_size, stream_seed, model_seed)
    alerts = s5.alerts_frame(study.records)
    return (arrow_table(_selective_labels_table(study)),
            None if alerts.empty else arrow_table(alerts))


def _selective_labels(study: s5.DeploymentStudy) -> None:
    st.markdown(
        "**Selective labels.** A bank learns the outcome only of the credits it granted: a "
        "declined applicant never repays or defaults. Computed on the approved applicants "
        "alone, the labelled figures are the ones the bank can actually monitor:"
    )
    st.dataframe(_study_tables(*_study_key(study))[0], hide_index=True, width="stretch")
    show_source(monitoring.approved_only_metrics, "Show the code: approved-only metrics")


def _stable_inputs_worse_labels(study: s5.DeploymentStudy) -> list[tuple[int, float]]:
    """(month, ROC AUC) of months whose labels alerted although their inputs stayed quiet."""
    by_month = {r.month: r for r in study.records}
    found = []
    for record in study.records:
        labelled = record.labelled
        if labelled is None or labelled["roc_auc"] is None:
            continue
        alerted = any(a["check"].startswith("ROC AUC") for a in record.alerts)
        decided = by_month[labelled["for_month"]]
        approval_normal = not any(a["check"] == "approval rate" for a in decided.alerts)
        if alerted and approval_normal and decided.max_psi < s5.PSI_WARN:
            found.append((labelled["for_month"], labelled["roc_auc"]))
    return found


def _irreproducible(left, study: s5.DeploymentStudy) -> None:
    table = study.without_baseline
    low = table.loc[table["approval_rate"].idxmin()]
    with left:
        st.markdown("**Approval rate per month** — the one figure anyone looks at.")
        st.vega_lite_chart(spec=_study_charts(*_study_key(study))["approval"], width="stretch")
        st.markdown(
            f"In month {int(low['month'])} only {low['approval_rate']:.1%} of applicants were "
            f"approved. "
            "**Why?** Were the applicants different, or the model, or the world? "
            "Nothing was recorded at training time, so there is nothing to compare with: "
            "the question cannot be answered from here."
        )
        st.markdown(
            "And in the months where the rate looks normal, nobody knows whether those approvals "
            "repaid — outcomes are never joined back to decisions."
        )
        st.metric("Monitoring log lines", 0)
        show_source(s5.monitor_without_baseline)


def _reproducible(right, study: s5.DeploymentStudy) -> None:
    """The same question as on the left, answered against the recorded baseline."""
    baseline = study.baseline
    charts = _study_charts(*_study_key(study))
    with right:
        st.markdown(
            f"Baseline {short_hash(_baseline_sha256(*_study_key(study)))} recorded from "
            f"{baseline.n_train} training rows "
            f"and {baseline.n_holdout} held-out rows, tied to model "
            f"{short_hash(baseline.model_sha256)}."
        )
        st.markdown("**Approval rate** against the baseline's (dashed).")
        st.vega_lite_chart(spec=charts["approval_vs_baseline"], width="stretch")
        lowest = min(study.records, key=lambda r: r.approval_rate)
        st.markdown(
            f"Month {lowest.month}, approval {lowest.approval_rate:.1%}: the comparison names "
            f"**{lowest.max_psi_feature}** (PSI {lowest.max_psi:.2f}) — the applicants changed, "
            f"and the "
            "model declines more of them."
        )
        st.markdown("**Prediction drift**: PSI of P(bad) against the baseline.")
        st.vega_lite_chart(spec=charts["prediction"], width="stretch")


def _baseline_only(study: s5.DeploymentStudy) -> None:
    """What only the reproducible side has, across the page's width.

    Drift per input, labelled performance, the alerts and the log: the irreproducible side
    has nothing to put beside them, so they do not sit in its column's neighbour.
    """
    baseline = study.baseline
    charts = _study_charts(*_study_key(study))
    with st.container(border=True):
        st.subheader(f"{REPRODUCIBLE_TITLE}: what only the baseline shows")
        st.caption(
            "The irreproducible side has none of this: nothing recorded at training to compare "
            "with, no outcomes joined back, no log."
        )
        st.markdown(
            "**Input drift: PSI per feature**, with the warn and alert levels fixed in the design "
            "card."
        )
        st.vega_lite_chart(spec=charts["psi"], width="stretch")
        st.markdown(
            f"**Labelled performance**, arriving {s5.LABEL_DELAY_MONTHS} months after the "
            "decisions (dashed: the baseline's held-out value). These charts score every "
            "applicant, as a lab with the whole stream labelled would report it."
        )
        auc_column, cost_column = st.columns(2, gap="medium")
        auc_column.vega_lite_chart(spec=charts["roc_auc"], width="stretch")
        cost_column.vega_lite_chart(spec=charts["expected_cost"], width="stretch")
        delay = s5.LABEL_DELAY_MONTHS
        st.caption(
            "The latest month's outcomes are not in yet."
            if delay == 1
            else f"The latest {delay} months' outcomes are not in yet."
        )
        _selective_labels(study)
        quiet_but_worse = _stable_inputs_worse_labels(study)
        if quiet_but_worse:
            months = ", ".join(str(m) for m, _ in quiet_but_worse)
            worst = min(auc for _, auc in quiet_but_worse)
            st.markdown(
                f"Months {months}: every input's PSI stayed below {s5.PSI_WARN:.2f} and the "
                f"approval rate "
                f"stayed within its limit, yet ROC AUC fell as low as {worst:.3f} (baseline "
                f"{baseline.metrics['roc_auc']:.3f}). Only the labels show it."
            )
        st.markdown("**Alerts**")
        alerts = _study_tables(*_study_key(study))[1]
        if alerts is None:
            st.caption("No alerts this year.")
        else:
            st.dataframe(alerts, hide_index=True, width="stretch")
        with st.expander(
            f"The monitoring log: {study.log_entries} JSON lines, appended and read back"
        ):
            st.code("\n".join(study.log_lines), language="json", wrap_lines=True)
        show_source(s5.baseline_profile, "Show the code: the baseline")
        show_source(s5.monitor_stream, "Show the code: monthly comparison")


def _false_alarm_figures(controls, chart, batch_size: int, threshold: float) -> None:
    point = _false_alarms((batch_size,), threshold).iloc[0]
    with controls:
        st.metric(
            f"False alarms on {s5.FALSE_ALARM_FEATURE}",
            f"{point['share_feature']:.1%}",
            help=f"Share of {s5.FALSE_ALARM_DRAWS} unshifted batches whose PSI exceeds the "
            f"threshold.",
        )
        st.metric("False alarms on any of the 20 features", f"{point['share_any']:.1%}")
        st.caption(
            f"Formula: {point['share_formula']:.1%}. For 5% false alarms on "
            f"{s5.FALSE_ALARM_FEATURE} "
            f"at this batch size, set the threshold near {point['psi_95']:.3f}."
        )
    with chart:
        st.vega_lite_chart(spec=_false_alarm_spec(batch_size, threshold), width="stretch")


def _false_alarm_section() -> None:
    with st.container(border=True):
        st.subheader("Which threshold for which batch size?")
        st.caption(
            "Batches drawn from the very applicants the baseline describes (the training rows), "
            "with no shift at all. "
            "Every alarm here is a false alarm."
        )
        controls, chart = st.columns([1, 2], gap="medium")
        with controls:
            batch_size = st.slider(
                "Applicants per batch",
                min_value=50,
                max_value=1000,
                value=100,
                step=50,
                key="deployment-batch-size",
            )
            threshold = st.select_slider(
                "PSI alert threshold",
                options=THRESHOLDS,
                value=s5.PSI_WARN,
                format_func=lambda t: f"{t:.2f}",
                key="deployment-threshold",
            )
            # The share at the default batch size and threshold, and the threshold for 5%, are
            # what two checks ask the learner to predict.
            shown = predict_first(
                FALSE_ALARMS_LABEL,
                key=FALSE_ALARMS_KEY,
                state_key=FALSE_ALARMS_SHOWN_KEY,
                check_id=("deployment-false-alarms", "deployment-threshold"),
            )
        if not shown:
            with chart:
                st.info(
                    f"The false alarms for every batch size appear here once you press "
                    f"{FALSE_ALARMS_LABEL}."
                )
        else:
            with friendly_errors("The false-alarm study"):
                _false_alarm_figures(controls, chart, batch_size, threshold)
        show_source(s5.unshifted_psi, "Show the code: unshifted batches")


def render() -> None:
    """Draw the deployment stage.

    A year without a baseline next to a year with one (the approval rate on both sides, then
    what only the baseline shows across the page), then the false-alarm study.
    """
    study = None
    with friendly_errors("The production year"):
        study = _study(s5.DEFAULT_BATCH_SIZE, s5.STREAM_SEED, pipelines.DEFAULT_SEED)
    if study is not None:
        st.caption(
            f"{s5.N_MONTHS} monthly batches of {study.batch_size} applicants, resampled from the "
            f"held-out rows "
            f"with seed {study.stream_seed}: the same stream on every run."
        )
        left, right = side_by_side(
            "Deployed with no recorded baseline. Each month the team counts approvals — and that "
            "is all.",
            "A baseline recorded at training; every monthly batch compared with it against "
            "thresholds "
            "fixed in advance; every comparison appended to a monitoring log.",
        )
        # One row the two sides share (the approval rate, and why it fell), then what only
        # the baseline gives, across the page: no column stands empty beside the other.
        _irreproducible(left, study)
        _reproducible(right, study)
        _baseline_only(study)
    _false_alarm_section()
