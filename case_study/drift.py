"""The baseline profile recorded at training time, and the drift metrics that compare with it.

:func:`baseline_profile` records, when the model is trained, each input feature's
distribution (quantile bins for numbers, categories plus an ``(unseen)`` bucket), the
distribution of P(bad) on the held-out rows, the approval rate and the labelled metrics.
:func:`psi` / :func:`feature_psi` (Population Stability Index), :func:`ks_pvalue`
(two-sample Kolmogorov–Smirnov), :func:`approval_rate` and :func:`labelled_metrics`
compare a production batch with it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from scipy import stats

from case_study import codes, pipelines
from case_study.errors import MonitoringError
from case_study.hashing import sha256_bytes

BINS = 10
# An empty bin makes PSI's log undefined (ln 0). A share of 0 — in the baseline or in a
# batch — is replaced by this small share before the log is taken. The choice matters: one
# empty batch bin where the baseline had 10% adds about (0.1 - 0.0001) * ln(0.1 / 0.0001)
# ≈ 0.69 to the PSI, so small batches with empty bins read as large shifts.
PSI_EPSILON = 1e-4
UNSEEN = "(unseen)"


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
                f"The baseline profile is incomplete or malformed ({type(error).__name__}: "
                f"{error}). "
                "Expected the fields written by BaselineProfile.to_dict(); record the baseline "
                "again "
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
    inner = np.unique(
        np.quantile(array, np.linspace(0.0, 1.0, bins + 1), method="inverted_cdf")[1:-1]
    )
    return tuple(float(e) for e in inner[inner < array.max()])


def _numeric_profile(name: str, values, bins: int, keep_reference: bool) -> FeatureProfile:
    edges = quantile_edges(values, bins)
    draft = FeatureProfile(name=name, kind="numeric", shares=(0.0,) * (len(edges) + 1), edges=edges)
    shares = tuple(round(float(s), 6) for s in draft.shares_of(values))
    reference = (
        tuple(float(v) for v in np.sort(np.asarray(values, dtype=float))) if keep_reference else ()
    )
    return FeatureProfile(
        name=name, kind="numeric", shares=shares, edges=edges, reference=reference
    )


def _categorical_profile(name: str, values) -> FeatureProfile:
    series = pd.Series(values, dtype="str")
    categories = tuple(sorted(series.unique())) + (UNSEEN,)
    draft = FeatureProfile(
        name=name, kind="categorical", shares=(0.0,) * len(categories), categories=categories
    )
    shares = tuple(round(float(s), 6) for s in draft.shares_of(series.to_list()))
    return FeatureProfile(name=name, kind="categorical", shares=shares, categories=categories)


def baseline_profile(
    run: pipelines.TrainingRun, frame: pd.DataFrame, bins: int = BINS
) -> BaselineProfile:
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
            profiles.append(
                _numeric_profile(name, train[name].to_numpy(), bins, keep_reference=True)
            )
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
            f"PSI needs the same bins on both sides: expected {e.shape[0]} shares, found "
            f"{a.shape[0]}. "
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
            f"The baseline for '{profile.name}' keeps no reference sample, so no KS test is "
            "possible. "
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
