"""How often does PSI cry wolf? Unshifted batches, drawn many times, against the baseline.

Under no shift, PSI ≈ (1/n + 1/m)·χ²(B−1) for a batch of n rows, a training sample of m
rows and B bins (Yurdakul & Naranjo), so a fixed threshold such as 0.10 raises more false
alarms the smaller the batch. :func:`unshifted_psi_by_size` simulates it (both sides drawn
from the training rows the baseline was built on), :func:`theoretical_false_alarm_share`
gives the formula's answer, :func:`summarise_false_alarms` the share by batch size.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from case_study import pipelines
from case_study.drift import BINS, PSI_EPSILON, BaselineProfile
from case_study.errors import MonitoringError
from case_study.monitoring import PSI_WARN

# The feature the single-feature false-alarm study uses: 10 quantile bins, as in the
# formula (1/n + 1/m)·χ²(B−1).
FALSE_ALARM_FEATURE = "credit_amount"
FALSE_ALARM_DRAWS = 400
FALSE_ALARM_SEED = 7


@dataclass(frozen=True)
class FalseAlarmPool:
    """The training rows the baseline describes, binned once with the baseline's own bins.

    One column per feature: the one population both sides of a no-shift draw come from.
    """

    bin_index: np.ndarray = field(repr=False)
    baseline_shares: tuple[np.ndarray, ...] = field(repr=False)
    feature_names: tuple[str, ...]
    n_train: int


def false_alarm_pool(
    baseline: BaselineProfile, frame: pd.DataFrame, run: pipelines.TrainingRun
) -> FalseAlarmPool:
    """Bin the baseline's training rows once, so thousands of unshifted draws cost little.

    Parameters: ``baseline`` recorded from ``run`` on ``frame`` (baseline_profile).
    Returns a FalseAlarmPool. Raises MonitoringError when the training rows (``frame``
    without ``run.test_index``) are not the ones the baseline was built from.
    """
    train = frame.drop(index=run.test_index, errors="ignore")
    if len(train) != baseline.n_train or len(train) + len(run.test_index) != len(frame):
        raise MonitoringError(
            f"The baseline was built from {baseline.n_train} training rows, but this frame and run "
            "leave "
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


def unshifted_psi(
    pool: FalseAlarmPool, batch_size: int, draws: int, seed: int, epsilon: float = PSI_EPSILON
) -> np.ndarray:
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


def theoretical_false_alarm_share(
    batch_size: int, n_train: int, threshold: float, bins: int = BINS
) -> float:
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
            f"No feature '{feature}' in the false-alarm samples; expected one of "
            f"{list(samples.feature_names)}."
        )
    column = samples.feature_names.index(feature)
    rows = []
    for size, values in samples.psi.items():
        rows.append(
            {
                "batch_size": size,
                "share_feature": float(np.mean(values[:, column] > threshold)),
                "share_any": float(np.mean(values.max(axis=1) > threshold)),
                "share_formula": theoretical_false_alarm_share(
                    size, samples.n_train, threshold, samples.n_bins[column]
                ),
                "psi_95": float(np.quantile(values[:, column], 0.95)),
            }
        )
    return pd.DataFrame(rows)
