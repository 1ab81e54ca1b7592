"""Confidence intervals that still mean something at small n.

:func:`wilson_interval` is the Wilson score interval for a proportion (Wilson 1927): it
inverts the normal test of a proportion instead of plugging the observed share into its
standard error, so it never has zero width and never leaves [0, 1]. At 8 successes of 8 a
percentile bootstrap resamples only successes and reports [1, 1]; the Wilson interval is
about [0.68, 1].

:func:`mean_t_interval` is the Student t interval for a mean (paired differences included);
:func:`corrected_resampled_t_interval` widens it for runs on random splits of one data set,
whose training sets overlap (Nadeau & Bengio 2003).
"""

from __future__ import annotations

import math
import statistics
from statistics import NormalDist

from scipy.stats import t as t_distribution


def _z(confidence: float) -> float:
    """The two-sided standard normal quantile for ``confidence`` (1.96 for 0.95)."""
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must lie strictly between 0 and 1, got {confidence!r}")
    return NormalDist().inv_cdf(0.5 + confidence / 2)


def wilson_interval(successes: float, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a proportion of ``successes`` out of ``n``.

    Args:
        successes: How many of the ``n`` cases count (0 ≤ successes ≤ n).
        n: How many cases there are; 0 gives ``(nan, nan)``, since nothing was observed.
        confidence: The two-sided confidence level, strictly between 0 and 1.

    Returns:
        ``(low, high)``, both within [0, 1]; low < high whenever n > 0.

    Raises:
        ValueError: ``n`` negative, ``successes`` outside [0, n], or ``confidence`` outside
            (0, 1).
    """
    if n < 0:
        raise ValueError(f"n must be 0 or more, got {n!r}")
    if not 0 <= successes <= n:
        raise ValueError(f"successes must lie between 0 and n = {n}, got {successes!r}")
    z = _z(confidence)
    if n == 0:
        return (float("nan"), float("nan"))
    share = successes / n
    z2n = z * z / n
    centre = (share + z2n / 2) / (1 + z2n)
    half = z * math.sqrt(share * (1 - share) / n + z2n / (4 * n)) / (1 + z2n)
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == n else min(1.0, centre + half)
    return (low, high)


def _t_quantile(confidence: float, degrees_of_freedom: int) -> float:
    """The two-sided Student t quantile for ``confidence`` (2.045 for 0.95 and 29 df)."""
    _z(confidence)  # the same check of ``confidence``, the same message
    return float(t_distribution.ppf(0.5 + confidence / 2, degrees_of_freedom))


def _t_interval(values, confidence: float, variance_factor) -> tuple[float, float]:
    """Mean ± t · sd · sqrt(variance_factor(n)): the shared core of the two t intervals."""
    numbers = [float(value) for value in values]
    n = len(numbers)
    if n < 2:
        _z(confidence)
        return (float("nan"), float("nan"))
    mean = statistics.fmean(numbers)
    half = _t_quantile(confidence, n - 1) * statistics.stdev(numbers) * math.sqrt(
        variance_factor(n)
    )
    return (mean - half, mean + half)


def mean_t_interval(values, confidence: float = 0.95) -> tuple[float, float]:
    """Student t interval for the mean of independent values: mean ± t · sd / sqrt(n).

    Applied to paired differences (model A minus model B on the same split), it is the
    paired t interval. It treats the runs as independent; repeated random splits of one data
    set are not (their training sets overlap), which makes it too narrow there — see
    :func:`corrected_resampled_t_interval`.

    Args:
        values: The measurements (e.g. one score difference per split seed).
        confidence: The two-sided confidence level, strictly between 0 and 1.

    Returns:
        ``(low, high)``; ``(nan, nan)`` with fewer than two values (no spread to measure).

    Raises:
        ValueError: ``confidence`` outside (0, 1).
    """
    return _t_interval(values, confidence, lambda n: 1 / n)


def corrected_resampled_t_interval(
    differences, test_over_train: float, confidence: float = 0.95
) -> tuple[float, float]:
    """Nadeau & Bengio's corrected resampled t interval for a mean over random splits.

    Each of the J runs splits one data set at random into n_train training and n_test test
    rows, so the runs share most of their training rows and their results are correlated.
    The naive variance of the mean, sd² / J, ignores that; Nadeau & Bengio (Machine
    Learning 52, 2003) correct it to sd² · (1/J + n_test/n_train). With a quarter of the
    rows held out that factor never falls below 1/3, however many runs there are.

    Args:
        differences: One value per random split (e.g. model A's score minus model B's).
        test_over_train: n_test / n_train of each split (1/3 for a 75/25 split); 0 gives
            :func:`mean_t_interval`.
        confidence: The two-sided confidence level, strictly between 0 and 1.

    Returns:
        ``(low, high)``; ``(nan, nan)`` with fewer than two values.

    Raises:
        ValueError: ``test_over_train`` negative, or ``confidence`` outside (0, 1).
    """
    if not test_over_train >= 0:
        raise ValueError(f"test_over_train must be 0 or more, got {test_over_train!r}")
    return _t_interval(differences, confidence, lambda n: 1 / n + test_over_train)
