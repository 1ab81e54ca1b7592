"""Confidence intervals that still mean something at small n.

:func:`wilson_interval` is the Wilson score interval for a proportion (Wilson 1927): it
inverts the normal test of a proportion instead of plugging the observed share into its
standard error, so it never has zero width and never leaves [0, 1]. At 8 successes of 8 a
percentile bootstrap resamples only successes and reports [1, 1]; the Wilson interval is
about [0.68, 1].
"""

from __future__ import annotations

import math
from statistics import NormalDist


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
