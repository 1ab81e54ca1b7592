"""Monitoring a deployed model: every production batch compared with the training baseline.

The thresholds are written down before deployment (:class:`MonitoringPolicy`);
:func:`monitor_stream` compares each monthly batch with the baseline profile
(:mod:`case_study.drift`: PSI per feature, a KS test per numeric feature, prediction drift,
the approval rate, labelled performance once the labels arrive) and returns one
:class:`MonthRecord` per month, with its alerts; :func:`write_monitoring_log` appends the
records to a JSON-lines log and :func:`read_monitoring_log` reads it back.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from case_study.drift import (
    BaselineProfile,
    approval_rate,
    feature_psi,
    ks_pvalue,
    labelled_metrics,
)
from case_study.errors import MonitoringError

# The usual PSI conventions (Yurdakul & Naranjo): < 0.10 little change, 0.10–0.25
# moderate, > 0.25 significant. They carry no false-alarm rate of their own (see
# false_alarm_study).
PSI_WARN = 0.10
PSI_ALERT = 0.25
KS_ALPHA = 0.01
# Labels (did the borrower repay?) arrive months after the decision: a credit runs for
# months to years before it can be called good or bad. Three months is the story's delay;
# a real bank waits longer.
LABEL_DELAY_MONTHS = 3


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


def predict_batches(model, batches) -> list[np.ndarray]:
    """P(bad) for every batch, with one call to the model (faster than one per month)."""
    if not batches:
        return []
    together = pd.concat([b.features for b in batches], ignore_index=True)
    p_bad = model.predict_proba(together)[:, 1]
    bounds = np.cumsum([0] + [b.n for b in batches])
    return [p_bad[lo:hi] for lo, hi in zip(bounds[:-1], bounds[1:], strict=True)]


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
            alerts.append(
                {
                    "level": "alert",
                    "check": f"PSI {name}",
                    "detail": f"{value:.3f} > {policy.psi_alert:.2f}",
                }
            )
        elif value > policy.psi_warn:
            alerts.append(
                {
                    "level": "warn",
                    "check": f"PSI {name}",
                    "detail": f"{value:.3f} > {policy.psi_warn:.2f}",
                }
            )
    # One KS test per numeric feature every month: split alpha between them (Bonferroni),
    # or some feature "shifts" by chance most months.
    per_test = policy.ks_alpha / max(len(ks_by_feature), 1)
    for name, p in ks_by_feature.items():
        if p < per_test:
            alerts.append(
                {
                    "level": "warn",
                    "check": f"KS {name}",
                    "detail": f"p {_p_text(p)} (limit {policy.ks_alpha}/{len(ks_by_feature)})",
                }
            )
    return alerts


def _output_alerts(prediction_psi, rate, baseline, policy):
    alerts = []
    if prediction_psi > policy.psi_alert:
        alerts.append(
            {
                "level": "alert",
                "check": "prediction PSI",
                "detail": f"{prediction_psi:.3f} > {policy.psi_alert:.2f}",
            }
        )
    elif prediction_psi > policy.psi_warn:
        alerts.append(
            {
                "level": "warn",
                "check": "prediction PSI",
                "detail": f"{prediction_psi:.3f} > {policy.psi_warn:.2f}",
            }
        )
    if abs(rate - baseline.approval_rate) > policy.approval_change:
        alerts.append(
            {
                "level": "warn",
                "check": "approval rate",
                "detail": (
                    f"{rate:.1%} vs baseline {baseline.approval_rate:.1%} "
                    f"(limit ±{policy.approval_change:.0%})"
                ),
            }
        )
    return alerts


def _label_alerts(labelled, baseline, policy):
    alerts = []
    month = labelled["for_month"]
    auc, base_auc = labelled["roc_auc"], baseline.metrics["roc_auc"]
    if auc is not None and auc < base_auc - policy.auc_drop:
        alerts.append(
            {
                "level": "alert",
                "check": f"ROC AUC (month {month})",
                "detail": f"{auc:.3f} < baseline {base_auc:.3f} - {policy.auc_drop}",
            }
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


def approved_only_metrics(y_true, p_bad, threshold: float) -> dict:
    """Labelled performance on the applicants the model approved: the only labels a bank sees.

    Args:
        y_true: 1 = bad, for every applicant of the month (what a simulation knows).
        p_bad: the model's P(bad) for the same applicants.
        threshold: decline above this P(bad).

    Returns:
        ``n`` approved, ``bad_rate`` among them (None when none was approved), and
        ``roc_auc`` among them (None with fewer than two classes).
    """
    approved = np.asarray(p_bad, dtype=float) <= threshold
    y = np.asarray(y_true)[approved]
    if len(y) == 0:
        return {"n": 0, "bad_rate": None, "roc_auc": None}
    metrics = labelled_metrics(y, np.asarray(p_bad, dtype=float)[approved])
    bad_rate = round(float(np.mean(y)), 6)
    return {"n": int(len(y)), "bad_rate": bad_rate, "roc_auc": metrics["roc_auc"]}


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
    for index, (batch, p_bad) in enumerate(zip(batches, p_by_month, strict=False)):
        psi_by_feature = {
            profile.name: round(
                feature_psi(profile, batch.features[profile.name].to_numpy(), baseline.psi_epsilon),
                6,
            )
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
            labelled = {
                "for_month": earlier.month,
                "n": earlier.n,
                **labelled_metrics(earlier.y, earlier_p),
                "approved": approved_only_metrics(earlier.y, earlier_p, baseline.threshold),
            }
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
            f"No monitoring log at {path}. Run the monitoring once (write_monitoring_log) before "
            "reading it."
        ) from None
    entries = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
        except json.JSONDecodeError as error:
            raise MonitoringError(
                f"Line {number} of the monitoring log {path} is not valid JSON ({error.msg}, "
                "column "
                f"{error.colno}): {line[:60]!r}. Expected one JSON object per line. The lines "
                "before "
                "it are intact; restore this line from a backup or remove it and note the gap."
            ) from None
        if not isinstance(entry, dict) or "month" not in entry:
            raise MonitoringError(
                f"Line {number} of the monitoring log {path} is not a monitoring record: expected "
                "a "
                f"JSON object with a 'month', found {line[:60]!r}. Remove the line or restore it "
                "from a backup."
            )
        entries.append(entry)
    return entries
