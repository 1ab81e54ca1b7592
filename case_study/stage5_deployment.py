"""Stage 5 — Deployment performance tracking.

The loan model goes live and a new batch of applicants arrives every month.

* Irreproducible: the model was deployed with no recorded baseline. The only thing anyone
  can see is the approval rate, month after month; when it moves there is nothing to compare
  it with and no way to say why.
* Reproducible: a baseline profile is recorded at training time (feature distributions with
  their bins, the distribution of P(bad), the approval rate, the labelled metrics). Every
  monthly batch is compared with it — PSI per feature, a two-sample KS test for numeric
  features, prediction drift, labelled performance once the labels arrive — against
  thresholds written down in advance, and every comparison is appended to a monitoring log.

The production stream is deterministic: monthly batches resampled (one seeded numpy
Generator) from the reproducible run's held-out rows, with two controlled changes — an input
shift (more large loans) and, later, a change in the outcome that the inputs do not show
(applicants without a checking account start to default more).

The machinery is in its own modules, re-exported here under the old names:
:mod:`case_study.drift` (the baseline profile, PSI, KS), :mod:`case_study.monitoring` (the
policy, the monthly comparison, the log) and :mod:`case_study.false_alarms` (how often PSI
alarms under no shift). This module tells the story: the stream, the team without a
baseline (``# PITFALL:``) next to the team with one, and the headline figures.
"""

from __future__ import annotations

import functools
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from case_study import pipelines
from case_study.data import load_german_credit
from case_study.drift import (
    BINS,
    PSI_EPSILON,
    UNSEEN,
    BaselineProfile,
    FeatureProfile,
    approval_rate,
    baseline_profile,
    feature_psi,
    ks_pvalue,
    labelled_metrics,
    psi,
    quantile_edges,
)
from case_study.errors import MonitoringError
from case_study.false_alarms import (
    FALSE_ALARM_DRAWS,
    FALSE_ALARM_FEATURE,
    FALSE_ALARM_SEED,
    FalseAlarmPool,
    FalseAlarmSamples,
    false_alarm_pool,
    summarise_false_alarms,
    theoretical_false_alarm_share,
    unshifted_psi,
    unshifted_psi_by_size,
)
from case_study.monitoring import (
    DEFAULT_POLICY,
    KS_ALPHA,
    LABEL_DELAY_MONTHS,
    PSI_ALERT,
    PSI_WARN,
    MonitoringPolicy,
    MonthRecord,
    monitor_stream,
    predict_batches,
    read_monitoring_log,
    write_monitoring_log,
)

# fmt: off
__all__ = [
    # this module: the stream, the two sides, the study, the checks' computations
    "N_MONTHS", "DEFAULT_BATCH_SIZE", "STREAM_SEED", "ShiftSchedule", "DEFAULT_SCHEDULE",
    "MonthlyBatch", "monthly_batches", "monitor_without_baseline", "DeploymentStudy",
    "run_deployment_study", "records_frame", "labelled_frame", "alerts_frame",
    "false_alarm_samples", "false_alarm_study", "false_alarm_percent_batch_100",
    "psi_threshold_batch_100", "side_by_side",
    # re-exported: case_study.drift
    "BINS", "PSI_EPSILON", "UNSEEN", "BaselineProfile", "FeatureProfile", "approval_rate",
    "baseline_profile", "feature_psi", "ks_pvalue", "labelled_metrics", "psi",
    "quantile_edges",
    # re-exported: case_study.monitoring
    "DEFAULT_POLICY", "KS_ALPHA", "LABEL_DELAY_MONTHS", "PSI_ALERT", "PSI_WARN",
    "MonitoringPolicy", "MonthRecord", "monitor_stream", "predict_batches",
    "read_monitoring_log", "write_monitoring_log",
    # re-exported: case_study.false_alarms
    "FALSE_ALARM_DRAWS", "FALSE_ALARM_FEATURE", "FALSE_ALARM_SEED", "FalseAlarmPool",
    "FalseAlarmSamples", "false_alarm_pool", "summarise_false_alarms",
    "theoretical_false_alarm_share", "unshifted_psi", "unshifted_psi_by_size",
    # re-exported: case_study.errors
    "MonitoringError",
]
# fmt: on


N_MONTHS = 12
DEFAULT_BATCH_SIZE = 500
STREAM_SEED = 2019


@dataclass(frozen=True)
class ShiftSchedule:
    """What changes in the production stream, and when (months count from 1).

    Months ``input_from``…``input_to``: a campaign for large loans — applicants are
    resampled with weights exp(``input_strength`` · z), z the standardised log credit
    amount, so larger loans (and what goes with them) become more common.
    From ``outcome_from``: the inputs are unshifted, but a share ``flip_share`` of the
    *good* applicants in the stratum ``flip_column == flip_value`` turn bad — the outcome
    changes where the model is most confident, and nothing in the inputs shows it.
    """

    input_from: int = 5
    input_to: int = 8
    input_strength: float = 0.8
    outcome_from: int = 9
    flip_column: str = "checking_status"
    flip_value: str = "no checking account"
    flip_share: float = 0.35

    def scenario(self, month: int) -> str:
        """Name the change that applies in ``month``."""
        if self.input_from <= month <= self.input_to:
            return "input shift"
        if month >= self.outcome_from:
            return "outcome change"
        return "no shift"


DEFAULT_SCHEDULE = ShiftSchedule()


# --- the production stream ----------------------------------------------------------------


@dataclass(frozen=True)
class MonthlyBatch:
    """One month of production: the applicants' features and, later, their outcomes.

    ``y`` = 1 for bad.
    """

    month: int
    scenario: str
    features: pd.DataFrame = field(repr=False, compare=False)
    y: np.ndarray = field(repr=False, compare=False)

    @property
    def n(self) -> int:
        """Number of applicants in the month."""
        return len(self.y)


def monthly_batches(
    frame: pd.DataFrame,
    run: pipelines.TrainingRun,
    batch_size: int = DEFAULT_BATCH_SIZE,
    n_months: int = N_MONTHS,
    seed: int = STREAM_SEED,
    schedule: ShiftSchedule = DEFAULT_SCHEDULE,
) -> tuple[MonthlyBatch, ...]:
    """A deterministic stream of monthly production batches from held-out data.

    Parameters: ``frame`` the decoded data; ``run`` the reproducible TrainingRun whose
    held-out rows (``test_index``) are the pool — never a training row; ``batch_size``
    applicants per month (drawn with replacement); ``n_months``; ``seed`` the one seed of
    the one numpy Generator; ``schedule`` which shift applies when.
    Returns a tuple of MonthlyBatch, month 1 first. The same arguments give the same stream.
    """
    if batch_size < 1 or n_months < 1:
        raise MonitoringError(
            f"Expected a batch size and a number of months of at least 1, found {batch_size} and "
            f"{n_months}. Choose positive numbers."
        )
    pool = frame.loc[run.test_index].reset_index(drop=True)
    features, y_pool = pipelines.split_features_target(pool)
    log_amount = np.log(features["credit_amount"].to_numpy(dtype=float))
    z_amount = (log_amount - log_amount.mean()) / log_amount.std()
    shifted = np.exp(schedule.input_strength * z_amount)
    shifted /= shifted.sum()
    in_stratum = (features[schedule.flip_column] == schedule.flip_value).to_numpy()
    rng = np.random.default_rng(seed)
    batches = []
    for month in range(1, n_months + 1):
        scenario = schedule.scenario(month)
        weights = shifted if scenario == "input shift" else None
        rows = rng.choice(len(pool), size=batch_size, replace=True, p=weights)
        y = y_pool[rows].copy()
        # Drawn every month (not only when used), so the months before a change are the
        # same whatever the schedule says about later months.
        flips = rng.random(batch_size) < schedule.flip_share
        if scenario == "outcome change":
            y[(y == 0) & in_stratum[rows] & flips] = 1
        batches.append(
            MonthlyBatch(
                month=month,
                scenario=scenario,
                features=features.iloc[rows].reset_index(drop=True),
                y=y,
            )
        )
    return tuple(batches)


# --- Wrong: no baseline, only the approval rate ------------------------------------------


def monitor_without_baseline(run: pipelines.TrainingRun, batches, predictions=None) -> pd.DataFrame:
    """What the team can see: the approval rate per month, and nothing else.

    Parameters: ``run`` the deployed model's run; ``batches`` from monthly_batches;
    ``predictions`` P(bad) per batch if already computed (predict_batches).
    Returns a DataFrame with columns ``month``, ``n``, ``approval_rate``.
    """
    # PITFALL: no baseline profile was recorded when the model was trained, so there are no
    # feature bins, no prediction distribution and no reference metrics to compare with.
    # PITFALL: decisions are counted but outcomes are never joined back to them, so
    # accuracy and losses in production are never measured.
    # PITFALL: nothing is written down; next month's question "what was normal?" has no
    # answer but memory.
    p_by_month = predictions if predictions is not None else predict_batches(run.model, batches)
    return pd.DataFrame(
        {
            "month": [b.month for b in batches],
            "n": [b.n for b in batches],
            "approval_rate": [round(approval_rate(p), 6) for p in p_by_month],
        }
    )


# --- Right: a baseline, every batch compared with it, a monitoring log --------------------


@dataclass(frozen=True)
class DeploymentStudy:
    """Everything the demo shows for one stream: both sides, plus the log as written."""

    batch_size: int
    stream_seed: int
    model_seed: int
    baseline: BaselineProfile
    without_baseline: pd.DataFrame
    records: tuple[MonthRecord, ...]
    log_lines: tuple[str, ...]
    log_entries: int


@functools.lru_cache(maxsize=4)
def _trained(model_seed: int):
    # Deterministic, so one training per seed serves the study, the false-alarm study and
    # the checks' computations in the same process — the shared reproducible_run, which the
    # legacy stage uses too. Callers must not modify the frame or the run.
    frame = load_german_credit()
    return frame, pipelines.reproducible_run(model_seed)


def run_deployment_study(
    batch_size: int = DEFAULT_BATCH_SIZE,
    stream_seed: int = STREAM_SEED,
    model_seed: int = pipelines.DEFAULT_SEED,
    policy: MonitoringPolicy = DEFAULT_POLICY,
) -> DeploymentStudy:
    """Train the reproducible model, record its baseline and run the monthly stream.

    Monitor it both ways and write the monitoring log to a temporary file and read it
    back.

    Parameters: ``batch_size`` applicants per month; ``stream_seed`` the stream's seed;
    ``model_seed`` the training seed; ``policy`` the thresholds.
    Returns a DeploymentStudy. A pure function of its arguments.
    """
    frame, run = _trained(model_seed)
    baseline = baseline_profile(run, frame)
    batches = monthly_batches(frame, run, batch_size=batch_size, seed=stream_seed)
    # One prediction pass serves both sides: they watch the same deployed model.
    predictions = predict_batches(run.model, batches)
    records = monitor_stream(baseline, run.model, batches, policy, predictions=predictions)
    with tempfile.TemporaryDirectory(prefix="monitoring-") as folder:
        log_path = write_monitoring_log(records, Path(folder) / "monitoring.jsonl")
        entries = read_monitoring_log(log_path)
        lines = tuple(log_path.read_text(encoding="utf-8").splitlines())
    return DeploymentStudy(
        batch_size=batch_size,
        stream_seed=stream_seed,
        model_seed=model_seed,
        baseline=baseline,
        without_baseline=monitor_without_baseline(run, batches, predictions),
        records=tuple(records),
        log_lines=lines,
        log_entries=len(entries),
    )


def records_frame(records) -> pd.DataFrame:
    """Long table of PSI per feature per month (columns ``month``, ``feature``, ``psi``)."""
    rows = [
        {"month": r.month, "feature": name, "psi": value}
        for r in records
        for name, value in r.psi.items()
    ]
    return pd.DataFrame(rows)


def labelled_frame(records) -> pd.DataFrame:
    """Labelled performance as it arrived, per month of decisions.

    Columns: ``for_month``, ``known_in_month``, ``roc_auc``, ``expected_cost``, ``n`` over
    every applicant (what a lab reports), and ``approved_n``, ``approved_roc_auc``,
    ``approved_bad_rate`` over the approved ones (what a bank sees).
    """
    rows = [
        {
            "for_month": r.labelled["for_month"],
            "known_in_month": r.month,
            "roc_auc": r.labelled["roc_auc"],
            "expected_cost": r.labelled["expected_cost"],
            "n": r.labelled["n"],
            "approved_n": r.labelled["approved"]["n"],
            "approved_roc_auc": r.labelled["approved"]["roc_auc"],
            "approved_bad_rate": r.labelled["approved"]["bad_rate"],
        }
        for r in records
        if r.labelled is not None
    ]
    return pd.DataFrame(rows, columns=list(LABELLED_COLUMNS))


# What a lab would report (every applicant labelled) beside what a bank can see (approved only).
LABELLED_COLUMNS = (
    "for_month", "known_in_month", "roc_auc", "expected_cost", "n",
    "approved_n", "approved_roc_auc", "approved_bad_rate",
)


def alerts_frame(records) -> pd.DataFrame:
    """Every alert of every month: ``month``, ``level``, ``check``, ``detail``."""
    rows = [{"month": r.month, **alert} for r in records for alert in r.alerts]
    return pd.DataFrame(rows, columns=["month", "level", "check", "detail"])


# --- how often does PSI cry wolf? ---------------------------------------------------------


def false_alarm_samples(
    batch_sizes=(50, 100, 200, 300, 400, 600, 800, 1000),
    draws: int = FALSE_ALARM_DRAWS,
    seed: int = FALSE_ALARM_SEED,
    model_seed: int = pipelines.DEFAULT_SEED,
) -> FalseAlarmSamples:
    """Draw the unshifted batches once; any threshold can then be read off without redrawing.

    Parameters: ``batch_sizes`` to try; ``draws`` unshifted batches per size; ``seed``
    their one seed (the same for every size); ``model_seed`` which reproducible run's
    baseline (its bins and its training rows) to use. See unshifted_psi for how a no-shift
    draw is made. Returns FalseAlarmSamples.
    """
    frame, run = _trained(model_seed)
    baseline = baseline_profile(run, frame)
    pool = false_alarm_pool(baseline, frame, run)
    return FalseAlarmSamples(
        feature_names=pool.feature_names,
        n_bins=tuple(len(shares) for shares in pool.baseline_shares),
        n_train=pool.n_train,
        draws=draws,
        seed=seed,
        psi=unshifted_psi_by_size(pool, batch_sizes, draws, seed),
    )


def false_alarm_study(
    batch_sizes=(50, 100, 200, 300, 400, 600, 800, 1000),
    threshold: float = PSI_WARN,
    draws: int = FALSE_ALARM_DRAWS,
    seed: int = FALSE_ALARM_SEED,
    feature: str = FALSE_ALARM_FEATURE,
    model_seed: int = pipelines.DEFAULT_SEED,
) -> pd.DataFrame:
    """How often unshifted batches raise a PSI alarm, by batch size.

    Runs false_alarm_samples then summarise_false_alarms (see both for the parameters
    and the columns).
    """
    samples = false_alarm_samples(batch_sizes, draws=draws, seed=seed, model_seed=model_seed)
    return summarise_false_alarms(samples, threshold, feature)


# --- computations named by checks (predict-then-run) --------------------------------------


def false_alarm_percent_batch_100() -> float:
    """Percent of unshifted batches of 100 applicants whose credit_amount PSI exceeds 0.10."""
    study = false_alarm_study(batch_sizes=(100,), threshold=PSI_WARN)
    return round(100.0 * float(study["share_feature"].iloc[0]), 1)


def psi_threshold_batch_100() -> float:
    """The PSI level that only 5% of unshifted batches of 100 exceed on credit_amount."""
    study = false_alarm_study(batch_sizes=(100,), threshold=PSI_WARN)
    return round(float(study["psi_95"].iloc[0]), 3)


# --- the headline figures for the command line --------------------------------------------


def side_by_side() -> pd.DataFrame:
    """The stage's headline figures: columns ``figure``, ``irreproducible``, ``reproducible``."""
    study = run_deployment_study()
    records = study.records
    rates = study.without_baseline["approval_rate"]
    input_months = [
        r.month
        for r in records
        if any(a["check"].startswith("PSI ") and a["level"] == "alert" for a in r.alerts)
    ]
    label_months = sorted(
        {
            r.labelled["for_month"]
            for r in records
            if any(a["check"].startswith(("ROC AUC", "expected cost")) for a in r.alerts)
        }
    )
    outcome = [r for r in records if r.scenario == "outcome change"]
    lowest = min(records, key=lambda r: r.approval_rate)
    study_100 = false_alarm_study(batch_sizes=(100,))
    rows = [
        (
            "baseline recorded at training",
            "none",
            f"{len(study.baseline.features)} features + P(bad) + metrics "
            f"({study.baseline.sha256()[:12]})",
        ),
        (
            "approval rate, month 1 → month 12",
            f"{rates.iloc[0]:.1%} → {rates.iloc[-1]:.1%}",
            f"{records[0].approval_rate:.1%} → {records[-1].approval_rate:.1%}",
        ),
        (
            "lowest monthly approval rate",
            f"{rates.min():.1%} (why? unknown)",
            f"{lowest.approval_rate:.1%} in month {lowest.month}: {lowest.max_psi_feature} PSI "
            f"{lowest.max_psi:.2f}",
        ),
        (
            f"months with an input-shift alert (PSI > {PSI_ALERT:.2f})",
            "cannot tell",
            ", ".join(map(str, input_months)) or "none",
        ),
        (
            "largest feature PSI in the outcome-change months",
            "not measured",
            f"{max(r.max_psi for r in outcome):.3f}" if outcome else "n/a",
        ),
        (
            "months whose labelled performance alerted",
            "never measured",
            ", ".join(map(str, label_months)) or "none",
        ),
        ("monitoring log lines", "0", str(study.log_entries)),
        (
            f"unshifted batches of 100 alarming at PSI {PSI_WARN:.2f} ({FALSE_ALARM_FEATURE})",
            f"{study_100['share_feature'].iloc[0]:.0%} ({PSI_WARN:.2f} used for any batch size)",
            f"threshold for 5% false alarms at n=100: {study_100['psi_95'].iloc[0]:.3f}",
        ),
    ]
    return pd.DataFrame(rows, columns=["figure", "irreproducible", "reproducible"])
