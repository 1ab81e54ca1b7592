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
"""

from __future__ import annotations

import functools
import json
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from case_study import codes, pipelines
from case_study.data import load_german_credit
from case_study.errors import CaseStudyError
from case_study.hashing import sha256_bytes

# --- the monitoring section of the design card -------------------------------------------

BINS = 10
# An empty bin makes PSI's log undefined (ln 0). A share of 0 — in the baseline or in a
# batch — is replaced by this small share before the log is taken. The choice matters: one
# empty batch bin where the baseline had 10% adds about (0.1 - 0.0001) * ln(0.1 / 0.0001)
# ≈ 0.69 to the PSI, so small batches with empty bins read as large shifts.
PSI_EPSILON = 1e-4
# The usual PSI conventions (Yurdakul & Naranjo): < 0.10 little change, 0.10–0.25
# moderate, > 0.25 significant. They carry no false-alarm rate of their own (see
# false_alarm_study).
PSI_WARN = 0.10
PSI_ALERT = 0.25
KS_ALPHA = 0.01

N_MONTHS = 12
DEFAULT_BATCH_SIZE = 500
STREAM_SEED = 2019
# Labels (did the applicant repay?) arrive one month after the decision in this story.
LABEL_DELAY_MONTHS = 1
UNSEEN = "(unseen)"
# The feature the single-feature false-alarm study uses: 10 quantile bins, as in the
# formula (1/n + 1/m)·χ²(B−1).
FALSE_ALARM_FEATURE = "credit_amount"
FALSE_ALARM_DRAWS = 400
FALSE_ALARM_SEED = 7


class MonitoringError(CaseStudyError):
    """A baseline profile or monitoring log is unreadable or does not fit the data."""


@dataclass(frozen=True)
class MonitoringPolicy:
    """Alert thresholds, fixed in the design card before deployment (not after a scare).

    ``psi_warn``/``psi_alert`` apply to every feature and to the prediction distribution;
    ``ks_alpha`` is the monthly KS significance level, shared between the numeric features
    (Bonferroni: each feature alerts below ks_alpha / number of numeric features);
    ``approval_change`` is the absolute change in approval rate that warns;
    ``auc_drop`` the fall in ROC AUC, ``cost_rise`` the relative rise in expected cost per
    applicant that alert once labels arrive.
    """

    psi_warn: float = PSI_WARN
    psi_alert: float = PSI_ALERT
    ks_alpha: float = KS_ALPHA
    approval_change: float = 0.10
    auc_drop: float = 0.05
    cost_rise: float = 0.20


DEFAULT_POLICY = MonitoringPolicy()


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


# --- the baseline profile, recorded at training time -------------------------------------


@dataclass(frozen=True)
class FeatureProfile:
    """One feature's (or the prediction's) distribution at training time.

    numeric: ``edges`` are the interior bin edges (bins are right-closed: x ≤ edge), so
    there are len(edges) + 1 bins; ``reference`` keeps the training values for the KS test.
    categorical: ``categories`` as seen in training plus the ``(unseen)`` bucket.
    ``shares`` are the training shares per bin, in order.
    """

    name: str
    kind: str
    shares: tuple[float, ...]
    edges: tuple[float, ...] = ()
    categories: tuple[str, ...] = ()
    reference: tuple[float, ...] = ()

    def shares_of(self, values) -> np.ndarray:
        """The share of ``values`` that falls in each of this profile's bins."""
        return np.bincount(self.bin_index(values), minlength=len(self.shares)) / max(len(values), 1)

    def bin_index(self, values) -> np.ndarray:
        """The bin number of every value (categories never seen in training → ``(unseen)``)."""
        if self.kind == "numeric":
            array = np.asarray(values, dtype=float)
            return np.searchsorted(np.asarray(self.edges, dtype=float), array, side="left")
        known = np.asarray(self.categories, dtype=str)
        order = np.argsort(known)
        text = np.asarray(values, dtype=str)
        position = np.clip(np.searchsorted(known[order], text), 0, len(known) - 1)
        index = order[position]
        # A category never seen in training is counted in the (unseen) bin.
        return np.where(known[index] == text, index, self.categories.index(UNSEEN)).astype(np.int64)


@dataclass(frozen=True)
class BaselineProfile:
    """What production will be compared with, recorded when the model is trained.

    ``features`` one FeatureProfile per input column (training rows); ``prediction`` the
    distribution of P(bad) on the held-out rows; ``approval_rate`` the held-out share with
    P(bad) ≤ ``threshold``; ``metrics`` the held-out labelled metrics; ``model_sha256``
    ties the baseline to the model it describes.
    """

    model_sha256: str
    seed: int | None
    n_train: int
    n_holdout: int
    threshold: float
    approval_rate: float
    metrics: dict
    features: tuple[FeatureProfile, ...]
    prediction: FeatureProfile
    bins: int = BINS
    psi_epsilon: float = PSI_EPSILON

    def feature(self, name: str) -> FeatureProfile:
        """The profile of feature ``name``."""
        for profile in self.features:
            if profile.name == name:
                return profile
        raise MonitoringError(
            f"The baseline has no feature '{name}'; it records {[p.name for p in self.features]}. "
            "Record a new baseline from the model that uses this feature."
        )

    def to_dict(self) -> dict:
        """A JSON-serialisable dict (lists, not tuples) that from_dict reads back."""
        return json.loads(json.dumps(asdict(self)))

    @classmethod
    def from_dict(cls, data: dict) -> BaselineProfile:
        """Rebuild a baseline from to_dict's output; MonitoringError names a missing field."""
        try:
            return cls(
                model_sha256=data["model_sha256"],
                seed=data["seed"],
                n_train=int(data["n_train"]),
                n_holdout=int(data["n_holdout"]),
                threshold=float(data["threshold"]),
                approval_rate=float(data["approval_rate"]),
                metrics=dict(data["metrics"]),
                features=tuple(_feature_from_dict(f) for f in data["features"]),
                prediction=_feature_from_dict(data["prediction"]),
                bins=int(data.get("bins", BINS)),
                psi_epsilon=float(data.get("psi_epsilon", PSI_EPSILON)),
            )
        except (KeyError, TypeError, ValueError) as error:
            raise MonitoringError(
                f"The baseline profile is incomplete or malformed ({type(error).__name__}: {error}). "
                "Expected the fields written by BaselineProfile.to_dict(); record the baseline again "
                "from the training run."
            ) from None

    def sha256(self) -> str:
        """Fingerprint of the baseline (canonical JSON), cited by every log line."""
        return sha256_bytes(json.dumps(self.to_dict(), sort_keys=True).encode())


def _feature_from_dict(data: dict) -> FeatureProfile:
    return FeatureProfile(
        name=data["name"],
        kind=data["kind"],
        shares=tuple(float(s) for s in data["shares"]),
        edges=tuple(float(e) for e in data.get("edges", ())),
        categories=tuple(str(c) for c in data.get("categories", ())),
        reference=tuple(float(r) for r in data.get("reference", ())),
    )


def quantile_edges(values, bins: int = BINS) -> tuple[float, ...]:
    """Interior bin edges at the training quantiles, so each bin holds about 1/bins of it.

    Repeated quantiles (few distinct values) collapse to one edge, and an edge at the
    maximum is dropped, so no bin is empty in training. Returns a sorted tuple.
    """
    array = np.asarray(values, dtype=float)
    # "inverted_cdf" picks observed values as edges; interpolated edges could fall between
    # two observed values and leave a bin empty.
    inner = np.unique(np.quantile(array, np.linspace(0.0, 1.0, bins + 1), method="inverted_cdf")[1:-1])
    return tuple(float(e) for e in inner[inner < array.max()])


def _numeric_profile(name: str, values, bins: int, keep_reference: bool) -> FeatureProfile:
    edges = quantile_edges(values, bins)
    draft = FeatureProfile(name=name, kind="numeric", shares=(0.0,) * (len(edges) + 1), edges=edges)
    shares = tuple(round(float(s), 6) for s in draft.shares_of(values))
    reference = tuple(float(v) for v in np.sort(np.asarray(values, dtype=float))) if keep_reference else ()
    return FeatureProfile(name=name, kind="numeric", shares=shares, edges=edges, reference=reference)


def _categorical_profile(name: str, values) -> FeatureProfile:
    series = pd.Series(values, dtype="str")
    categories = tuple(sorted(series.unique())) + (UNSEEN,)
    draft = FeatureProfile(name=name, kind="categorical", shares=(0.0,) * len(categories), categories=categories)
    shares = tuple(round(float(s), 6) for s in draft.shares_of(series.to_list()))
    return FeatureProfile(name=name, kind="categorical", shares=shares, categories=categories)


def baseline_profile(run: pipelines.TrainingRun, frame: pd.DataFrame, bins: int = BINS) -> BaselineProfile:
    """Record the baseline at training time.

    Parameters: ``run`` a TrainingRun (its ``test_index`` marks the held-out rows);
    ``frame`` the decoded data the run was trained on; ``bins`` quantile bins per numeric
    feature and for P(bad).
    Returns a BaselineProfile: feature distributions from the training rows, the P(bad)
    distribution, approval rate and labelled metrics from the held-out rows.
    """
    missing = sorted(set(codes.NUMERIC_COLUMNS + codes.CATEGORICAL_COLUMNS) - set(frame.columns))
    if missing:
        raise MonitoringError(
            f"The frame lacks the model's input columns {missing}. Pass the decoded loan data "
            "(case_study.data.load_german_credit())."
        )
    train = frame.drop(index=run.test_index)
    profiles = []
    for name in codes.COLUMNS[:-1]:
        if name in codes.NUMERIC_COLUMNS:
            profiles.append(_numeric_profile(name, train[name].to_numpy(), bins, keep_reference=True))
        else:
            profiles.append(_categorical_profile(name, train[name]))
    p_bad = np.asarray(run.test_predictions, dtype=float)
    return BaselineProfile(
        model_sha256=run.model_sha256,
        seed=run.seed,
        n_train=len(train),
        n_holdout=len(p_bad),
        threshold=pipelines.COST_THRESHOLD,
        approval_rate=round(approval_rate(p_bad), 6),
        metrics=dict(run.metrics),
        features=tuple(profiles),
        prediction=_numeric_profile("P(bad)", p_bad, bins, keep_reference=False),
        bins=bins,
        psi_epsilon=PSI_EPSILON,
    )


# --- drift metrics ------------------------------------------------------------------------


def psi(expected, actual, epsilon: float = PSI_EPSILON) -> float:
    """Population Stability Index: Σ (actual − expected) · ln(actual / expected) over bins.

    ``expected``/``actual`` are shares per bin (each summing to 1); a share of 0 is
    replaced by ``epsilon`` (see PSI_EPSILON). Returns a float ≥ 0.
    """
    e = np.clip(np.asarray(expected, dtype=float), epsilon, None)
    a = np.clip(np.asarray(actual, dtype=float), epsilon, None)
    if e.shape != a.shape:
        raise MonitoringError(
            f"PSI needs the same bins on both sides: expected {e.shape[0]} shares, found {a.shape[0]}. "
            "Bin the batch with the baseline's own edges (FeatureProfile.shares_of)."
        )
    return float(np.sum((a - e) * np.log(a / e)))


def feature_psi(profile: FeatureProfile, values, epsilon: float = PSI_EPSILON) -> float:
    """PSI of ``values`` against the baseline ``profile``, binned with the baseline's bins."""
    return psi(profile.shares, profile.shares_of(values), epsilon)


def ks_pvalue(profile: FeatureProfile, values) -> float:
    """Two-sample KS test p-value: training values (``profile.reference``) vs ``values``."""
    if not profile.reference:
        raise MonitoringError(
            f"The baseline for '{profile.name}' keeps no reference sample, so no KS test is possible. "
            "Record the baseline with baseline_profile(), which keeps the training values."
        )
    # The asymptotic p-value: the exact one costs far more at these sample sizes and differs
    # little; either is only approximate for features with many tied values.
    sample = np.asarray(values, dtype=float)
    return float(stats.ks_2samp(np.asarray(profile.reference), sample, method="asymp").pvalue)


def approval_rate(p_bad, threshold: float = pipelines.COST_THRESHOLD) -> float:
    """Share of applicants approved: P(bad) at or below the cost threshold (1 / (1 + 5))."""
    p = np.asarray(p_bad, dtype=float)
    return float(np.mean(p <= threshold)) if len(p) else float("nan")


def labelled_metrics(y_true, p_bad) -> dict:
    """ROC AUC (None when the batch holds one class only), accuracy and expected cost."""
    y = np.asarray(y_true)
    p = np.asarray(p_bad, dtype=float)
    if len(np.unique(y)) < 2:
        return {
            "roc_auc": None,
            "accuracy": round(float(np.mean((p > 0.5) == y)), 6),
            "expected_cost": round(pipelines.expected_cost(y, p), 6),
        }
    return pipelines.score(y, p)


# --- the production stream ----------------------------------------------------------------


@dataclass(frozen=True)
class MonthlyBatch:
    """One month of production: the applicants' features and, later, their outcomes
    (``y`` = 1 for bad)."""

    month: int
    scenario: str
    features: pd.DataFrame = field(repr=False, compare=False)
    y: np.ndarray = field(repr=False, compare=False)

    @property
    def n(self) -> int:
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


def predict_batches(model, batches) -> list[np.ndarray]:
    """P(bad) for every batch, with one call to the model (faster than one per month)."""
    if not batches:
        return []
    together = pd.concat([b.features for b in batches], ignore_index=True)
    p_bad = model.predict_proba(together)[:, 1]
    bounds = np.cumsum([0] + [b.n for b in batches])
    return [p_bad[lo:hi] for lo, hi in zip(bounds[:-1], bounds[1:])]


# --- the irreproducible side --------------------------------------------------------------


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


# --- the reproducible side: compare every batch with the baseline -------------------------


@dataclass(frozen=True)
class MonthRecord:
    """One line of the monitoring log: how month ``month``'s batch compares with the baseline.

    ``labelled`` holds the metrics of the batch whose labels arrived this month
    (``labelled["for_month"]``), or None while they are outstanding.
    ``alerts`` is a list of {"level", "check", "detail"} dicts.
    """

    month: int
    scenario: str
    n: int
    baseline_sha256: str
    psi: dict
    max_psi: float
    max_psi_feature: str
    ks_pvalue: dict
    prediction_psi: float
    approval_rate: float
    labelled: dict | None
    alerts: list

    def to_dict(self) -> dict:
        """The JSON-serialisable log line."""
        return asdict(self)


def _p_text(p: float) -> str:
    # p-values are logged to six decimals; below that, say so rather than print "0".
    return "< 1e-06" if p < 1e-6 else f"= {p:.2g}"


def _input_alerts(psi_by_feature, ks_by_feature, policy):
    alerts = []
    for name, value in psi_by_feature.items():
        if value > policy.psi_alert:
            alerts.append({"level": "alert", "check": f"PSI {name}", "detail": f"{value:.3f} > {policy.psi_alert:.2f}"})
        elif value > policy.psi_warn:
            alerts.append({"level": "warn", "check": f"PSI {name}", "detail": f"{value:.3f} > {policy.psi_warn:.2f}"})
    # One KS test per numeric feature every month: split alpha between them (Bonferroni),
    # or some feature "shifts" by chance most months.
    per_test = policy.ks_alpha / max(len(ks_by_feature), 1)
    for name, p in ks_by_feature.items():
        if p < per_test:
            alerts.append(
                {"level": "warn", "check": f"KS {name}", "detail": f"p {_p_text(p)} (limit {policy.ks_alpha}/{len(ks_by_feature)})"}
            )
    return alerts


def _output_alerts(prediction_psi, rate, baseline, policy):
    alerts = []
    if prediction_psi > policy.psi_alert:
        alerts.append({"level": "alert", "check": "prediction PSI", "detail": f"{prediction_psi:.3f} > {policy.psi_alert:.2f}"})
    elif prediction_psi > policy.psi_warn:
        alerts.append({"level": "warn", "check": "prediction PSI", "detail": f"{prediction_psi:.3f} > {policy.psi_warn:.2f}"})
    if abs(rate - baseline.approval_rate) > policy.approval_change:
        alerts.append(
            {
                "level": "warn",
                "check": "approval rate",
                "detail": f"{rate:.1%} vs baseline {baseline.approval_rate:.1%} (limit ±{policy.approval_change:.0%})",
            }
        )
    return alerts


def _label_alerts(labelled, baseline, policy):
    alerts = []
    month = labelled["for_month"]
    auc, base_auc = labelled["roc_auc"], baseline.metrics["roc_auc"]
    if auc is not None and auc < base_auc - policy.auc_drop:
        alerts.append(
            {"level": "alert", "check": f"ROC AUC (month {month})", "detail": f"{auc:.3f} < baseline {base_auc:.3f} - {policy.auc_drop}"}
        )
    cost, base_cost = labelled["expected_cost"], baseline.metrics["expected_cost"]
    if cost > base_cost * (1 + policy.cost_rise):
        alerts.append(
            {
                "level": "alert",
                "check": f"expected cost (month {month})",
                "detail": f"{cost:.3f} > baseline {base_cost:.3f} + {policy.cost_rise:.0%}",
            }
        )
    return alerts


def monitor_stream(
    baseline: BaselineProfile,
    model,
    batches,
    policy: MonitoringPolicy = DEFAULT_POLICY,
    label_delay: int = LABEL_DELAY_MONTHS,
    predictions=None,
) -> list[MonthRecord]:
    """Compare every batch with the baseline, as each month closes.

    Parameters: ``baseline`` from baseline_profile; ``model`` the deployed model (its
    fingerprint must match the baseline's — it is not re-checked here, the caller passes
    the run that recorded it); ``batches`` from monthly_batches; ``policy`` the design
    card's thresholds; ``label_delay`` months until a batch's outcomes are known;
    ``predictions`` P(bad) per batch if already computed (predict_batches).
    Returns one MonthRecord per batch, in order.
    """
    p_by_month = predictions if predictions is not None else predict_batches(model, batches)
    fingerprint = baseline.sha256()
    records = []
    for index, (batch, p_bad) in enumerate(zip(batches, p_by_month)):
        psi_by_feature = {
            profile.name: round(feature_psi(profile, batch.features[profile.name].to_numpy(), baseline.psi_epsilon), 6)
            for profile in baseline.features
        }
        ks_by_feature = {
            profile.name: round(ks_pvalue(profile, batch.features[profile.name].to_numpy()), 6)
            for profile in baseline.features
            if profile.kind == "numeric"
        }
        worst = max(psi_by_feature, key=psi_by_feature.get)
        prediction_psi = round(feature_psi(baseline.prediction, p_bad, baseline.psi_epsilon), 6)
        rate = round(approval_rate(p_bad, baseline.threshold), 6)
        alerts = _input_alerts(psi_by_feature, ks_by_feature, policy)
        alerts += _output_alerts(prediction_psi, rate, baseline, policy)
        labelled = None
        if index - label_delay >= 0:
            earlier, earlier_p = batches[index - label_delay], p_by_month[index - label_delay]
            labelled = {"for_month": earlier.month, "n": earlier.n, **labelled_metrics(earlier.y, earlier_p)}
            alerts += _label_alerts(labelled, baseline, policy)
        records.append(
            MonthRecord(
                month=batch.month,
                scenario=batch.scenario,
                n=batch.n,
                baseline_sha256=fingerprint,
                psi=psi_by_feature,
                max_psi=psi_by_feature[worst],
                max_psi_feature=worst,
                ks_pvalue=ks_by_feature,
                prediction_psi=prediction_psi,
                approval_rate=rate,
                labelled=labelled,
                alerts=alerts,
            )
        )
    return records


# --- the monitoring log -------------------------------------------------------------------


def _log_line(record) -> str:
    data = record.to_dict() if hasattr(record, "to_dict") else dict(record)
    return json.dumps(data, sort_keys=True, allow_nan=False)


def write_monitoring_log(records, path: Path) -> Path:
    """Append one JSON line per record to the log at ``path`` (created with its folder).

    ``records`` are MonthRecords or plain dicts. Returns ``path``. Appending — never
    rewriting — keeps every earlier month exactly as it was logged.
    """
    path = Path(path)
    lines = [_log_line(r) for r in records]
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as handle:
        for line in lines:
            handle.write(line + "\n")
    return path


def read_monitoring_log(path: Path) -> list[dict]:
    """Read the log back as a list of dicts, one per non-empty line.

    Raises MonitoringError naming the line number when a line is not a JSON object with a
    ``month``, and when the file is missing.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise MonitoringError(
            f"No monitoring log at {path}. Run the monitoring once (write_monitoring_log) before reading it."
        ) from None
    entries = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
        except json.JSONDecodeError as error:
            raise MonitoringError(
                f"Line {number} of the monitoring log {path} is not valid JSON ({error.msg}, column "
                f"{error.colno}): {line[:60]!r}. Expected one JSON object per line. The lines before "
                "it are intact; restore this line from a backup or remove it and note the gap."
            ) from None
        if not isinstance(entry, dict) or "month" not in entry:
            raise MonitoringError(
                f"Line {number} of the monitoring log {path} is not a monitoring record: expected a "
                f"JSON object with a 'month', found {line[:60]!r}. Remove the line or restore it from a backup."
            )
        entries.append(entry)
    return entries


# --- the whole stage, with defaults -------------------------------------------------------


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
    """Train the reproducible model, record its baseline, run the monthly stream, monitor it
    both ways and write the monitoring log to a temporary file and read it back.

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
    rows = [{"month": r.month, "feature": name, "psi": value} for r in records for name, value in r.psi.items()]
    return pd.DataFrame(rows)


def labelled_frame(records) -> pd.DataFrame:
    """Labelled performance as it arrived: ``for_month``, ``known_in_month``, ``roc_auc``,
    ``expected_cost``, ``n``."""
    rows = [
        {
            "for_month": r.labelled["for_month"],
            "known_in_month": r.month,
            "roc_auc": r.labelled["roc_auc"],
            "expected_cost": r.labelled["expected_cost"],
            "n": r.labelled["n"],
        }
        for r in records
        if r.labelled is not None
    ]
    return pd.DataFrame(rows, columns=["for_month", "known_in_month", "roc_auc", "expected_cost", "n"])


def alerts_frame(records) -> pd.DataFrame:
    """Every alert of every month: ``month``, ``level``, ``check``, ``detail``."""
    rows = [{"month": r.month, **alert} for r in records for alert in r.alerts]
    return pd.DataFrame(rows, columns=["month", "level", "check", "detail"])


# --- how often does PSI cry wolf? ---------------------------------------------------------


@dataclass(frozen=True)
class FalseAlarmPool:
    """The training rows the baseline describes, binned once with the baseline's own bins
    (one column per feature): the one population both sides of a no-shift draw come from."""

    bin_index: np.ndarray = field(repr=False)
    baseline_shares: tuple[np.ndarray, ...] = field(repr=False)
    feature_names: tuple[str, ...]
    n_train: int


def false_alarm_pool(baseline: BaselineProfile, frame: pd.DataFrame, run: pipelines.TrainingRun) -> FalseAlarmPool:
    """Bin the baseline's training rows once, so thousands of unshifted draws cost little.

    Parameters: ``baseline`` recorded from ``run`` on ``frame`` (baseline_profile).
    Returns a FalseAlarmPool. Raises MonitoringError when the training rows (``frame``
    without ``run.test_index``) are not the ones the baseline was built from.
    """
    train = frame.drop(index=run.test_index, errors="ignore")
    if len(train) != baseline.n_train or len(train) + len(run.test_index) != len(frame):
        raise MonitoringError(
            f"The baseline was built from {baseline.n_train} training rows, but this frame and run leave "
            f"{len(train)}. Pass the frame and run the baseline was recorded from."
        )
    columns = [profile.bin_index(train[profile.name].to_numpy()) for profile in baseline.features]
    return FalseAlarmPool(
        bin_index=np.column_stack(columns),
        baseline_shares=tuple(np.asarray(p.shares, dtype=float) for p in baseline.features),
        feature_names=tuple(p.name for p in baseline.features),
        n_train=len(train),
    )


def _shares_per_draw(bin_index: np.ndarray, rows: np.ndarray, bins: int) -> np.ndarray:
    """Bin shares of every draw at once: one bincount over (draw, bin) codes."""
    draws, size = rows.shape
    codes_ = bin_index[rows] + np.arange(draws)[:, None] * bins
    return np.bincount(codes_.ravel(), minlength=draws * bins).reshape(draws, bins) / size


def unshifted_psi(pool: FalseAlarmPool, batch_size: int, draws: int, seed: int, epsilon: float = PSI_EPSILON) -> np.ndarray:
    """PSI of ``draws`` no-shift comparisons of a batch of ``batch_size`` applicants.

    Why both sides are drawn: the formula PSI ≈ (1/n + 1/m)·χ²(B−1) describes two
    independent samples of one population — a training sample of m rows, from which the
    baseline is computed, and a production batch of n. So each draw resamples, with
    replacement and from the training rows the baseline was built on, a stand-in training
    sample of m = ``pool.n_train`` rows and a batch of n rows, bins both with the baseline's
    own bins, and takes their PSI. (Drawing batches from the held-out rows instead would add
    the fixed difference between those rows and the training rows to every batch, and the
    simulated false-alarm share would sit above the formula for that reason alone.)
    Returns an array (draws × features): every draw's PSI for every feature.
    """
    return unshifted_psi_by_size(pool, (batch_size,), draws, seed, epsilon)[int(batch_size)]


def unshifted_psi_by_size(
    pool: FalseAlarmPool, batch_sizes, draws: int, seed: int, epsilon: float = PSI_EPSILON
) -> dict[int, np.ndarray]:
    """:func:`unshifted_psi` for several batch sizes at once, with the same ``seed``.

    The stand-in training samples are drawn first and are the same for every size, so they
    are binned once. Returns {batch size: array (draws × features)}.
    """
    rng = np.random.default_rng(seed)
    m = pool.bin_index.shape[0]
    reference_rows = rng.integers(0, m, size=(draws, m))
    after_reference = rng.bit_generator.state
    n_bins = [len(shares) for shares in pool.baseline_shares]
    reference = [
        np.clip(_shares_per_draw(pool.bin_index[:, j], reference_rows, bins), epsilon, None)
        for j, bins in enumerate(n_bins)
    ]
    out = {}
    for size in batch_sizes:
        # Each size continues from the same point of the one stream, as if drawn alone.
        rng.bit_generator.state = after_reference
        batch_rows = rng.integers(0, m, size=(draws, int(size)))
        psi_values = np.empty((draws, len(n_bins)))
        for j, bins in enumerate(n_bins):
            a = np.clip(_shares_per_draw(pool.bin_index[:, j], batch_rows, bins), epsilon, None)
            e = reference[j]
            psi_values[:, j] = np.sum((a - e) * np.log(a / e), axis=1)
        out[int(size)] = psi_values
    return out


def theoretical_false_alarm_share(batch_size: int, n_train: int, threshold: float, bins: int = BINS) -> float:
    """P(PSI > threshold) under no shift if PSI ≈ (1/n + 1/m)·χ²(B−1) (Yurdakul & Naranjo)."""
    scale = 1.0 / batch_size + 1.0 / n_train
    return float(stats.chi2.sf(threshold / scale, bins - 1))


@dataclass(frozen=True)
class FalseAlarmSamples:
    """PSI of many unshifted batches per batch size: ``psi[n]`` is an array (draws × features)."""

    feature_names: tuple[str, ...]
    n_bins: tuple[int, ...]
    n_train: int
    draws: int
    seed: int
    psi: dict = field(repr=False, compare=False)


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


def summarise_false_alarms(
    samples: FalseAlarmSamples, threshold: float = PSI_WARN, feature: str = FALSE_ALARM_FEATURE
) -> pd.DataFrame:
    """How often the sampled unshifted batches pass ``threshold``, by batch size.

    Returns a DataFrame: ``batch_size``, ``share_feature`` (``feature``'s PSI > threshold),
    ``share_any`` (any feature's), ``share_formula`` (the χ² formula for that feature's
    number of bins), ``psi_95`` (95th percentile of that feature's PSI: the threshold with
    a 5% false-alarm rate).
    """
    if feature not in samples.feature_names:
        raise MonitoringError(
            f"No feature '{feature}' in the false-alarm samples; expected one of {list(samples.feature_names)}."
        )
    column = samples.feature_names.index(feature)
    rows = []
    for size, values in samples.psi.items():
        rows.append(
            {
                "batch_size": size,
                "share_feature": float(np.mean(values[:, column] > threshold)),
                "share_any": float(np.mean(values.max(axis=1) > threshold)),
                "share_formula": theoretical_false_alarm_share(size, samples.n_train, threshold, samples.n_bins[column]),
                "psi_95": float(np.quantile(values[:, column], 0.95)),
            }
        )
    return pd.DataFrame(rows)


def false_alarm_study(
    batch_sizes=(50, 100, 200, 300, 400, 600, 800, 1000),
    threshold: float = PSI_WARN,
    draws: int = FALSE_ALARM_DRAWS,
    seed: int = FALSE_ALARM_SEED,
    feature: str = FALSE_ALARM_FEATURE,
    model_seed: int = pipelines.DEFAULT_SEED,
) -> pd.DataFrame:
    """How often unshifted batches raise a PSI alarm, by batch size: false_alarm_samples
    then summarise_false_alarms (see both for the parameters and the columns)."""
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
    input_months = [r.month for r in records if any(a["check"].startswith("PSI ") and a["level"] == "alert" for a in r.alerts)]
    label_months = sorted(
        {r.labelled["for_month"] for r in records if any(a["check"].startswith(("ROC AUC", "expected cost")) for a in r.alerts)}
    )
    outcome = [r for r in records if r.scenario == "outcome change"]
    lowest = min(records, key=lambda r: r.approval_rate)
    study_100 = false_alarm_study(batch_sizes=(100,))
    rows = [
        ("baseline recorded at training", "none", f"{len(study.baseline.features)} features + P(bad) + metrics ({study.baseline.sha256()[:12]})"),
        ("approval rate, month 1 → month 12", f"{rates.iloc[0]:.1%} → {rates.iloc[-1]:.1%}", f"{records[0].approval_rate:.1%} → {records[-1].approval_rate:.1%}"),
        (
            "lowest monthly approval rate",
            f"{rates.min():.1%} (why? unknown)",
            f"{lowest.approval_rate:.1%} in month {lowest.month}: {lowest.max_psi_feature} PSI {lowest.max_psi:.2f}",
        ),
        (f"months with an input-shift alert (PSI > {PSI_ALERT:.2f})", "cannot tell", ", ".join(map(str, input_months)) or "none"),
        (
            "largest feature PSI in the outcome-change months",
            "not measured",
            f"{max(r.max_psi for r in outcome):.3f}" if outcome else "n/a",
        ),
        ("months whose labelled performance alerted", "never measured", ", ".join(map(str, label_months)) or "none"),
        ("monitoring log lines", "0", str(study.log_entries)),
        (
            f"unshifted batches of 100 alarming at PSI {PSI_WARN:.2f} ({FALSE_ALARM_FEATURE})",
            f"{study_100['share_feature'].iloc[0]:.0%} ({PSI_WARN:.2f} used for any batch size)",
            f"threshold for 5% false alarms at n=100: {study_100['psi_95'].iloc[0]:.3f}",
        ),
    ]
    return pd.DataFrame(rows, columns=["figure", "irreproducible", "reproducible"])
