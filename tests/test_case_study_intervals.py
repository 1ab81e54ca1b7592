"""Wilson score intervals, checked against an independent inversion of the score test."""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
import pytest

from case_study.intervals import (
    corrected_resampled_t_interval,
    mean_t_interval,
    wilson_interval,
)


def _score_test_limits(successes: int, n: int, confidence: float) -> tuple[float, float]:
    """The Wilson limits from their definition, not from the closed form.

    The interval is every true proportion π the score test does not reject:
    (p − π)² ≤ z² π (1 − π) / n, with p = successes / n. Its ends are where the two sides
    are equal; each is found here by bisection on either side of p.
    """
    z = NormalDist().inv_cdf(1 - (1 - confidence) / 2)
    share = successes / n

    def rejected(pi: float) -> bool:
        return (share - pi) ** 2 > z * z * pi * (1 - pi) / n

    def boundary(inside: float, outside: float) -> float:
        if not rejected(outside):
            return outside
        for _ in range(200):
            middle = (inside + outside) / 2
            inside, outside = (inside, middle) if rejected(middle) else (middle, outside)
        return (inside + outside) / 2

    return boundary(share, 0.0), boundary(share, 1.0)


@pytest.mark.parametrize(
    ("successes", "n"),
    [(8, 8), (0, 10), (50, 100), (81, 263), (15, 148), (1, 29), (3, 7), (299, 300)],
)
@pytest.mark.parametrize("confidence", [0.90, 0.95, 0.99])
def test_wilson_matches_the_score_test_it_inverts(successes, n, confidence):
    """The closed form equals the limits found by inverting the score test numerically."""
    low, high = wilson_interval(successes, n, confidence)
    expected_low, expected_high = _score_test_limits(successes, n, confidence)
    assert low == pytest.approx(expected_low, abs=1e-9)
    assert high == pytest.approx(expected_high, abs=1e-9)


def test_the_small_n_cases_of_the_brief_to_four_places():
    """8 of 8, 0 of 10 and 50 of 100 at 95%, to four decimals (as the formula gives them).

    8 of 8: a percentile bootstrap would say [1, 1]; Wilson says a perfect record on eight
    cases is compatible with a true rate near two thirds.
    """
    rounded = {
        case: tuple(round(v, 4) for v in wilson_interval(*case))
        for case in [(8, 8), (0, 10), (50, 100)]
    }
    assert rounded == {
        (8, 8): (0.6756, 1.0),
        (0, 10): (0.0, 0.2775),
        (50, 100): (0.4038, 0.5962),
    }


def test_wilson_never_has_zero_width_and_stays_in_the_unit_interval():
    """Every count from 0 to n, for small and large n: 0 ≤ low < high ≤ 1, the share inside."""
    for n in (1, 2, 5, 8, 30, 300):
        for successes in range(n + 1):
            low, high = wilson_interval(successes, n)
            assert 0.0 <= low < high <= 1.0
            assert low <= successes / n <= high


def test_wilson_is_symmetric_and_narrows_with_n():
    """k of n mirrors n − k of n; the same share on more cases gives a narrower interval."""
    low, high = wilson_interval(3, 20)
    mirror_low, mirror_high = wilson_interval(17, 20)
    assert (low, high) == pytest.approx((1 - mirror_high, 1 - mirror_low))
    widths = [hi - lo for lo, hi in (wilson_interval(n // 4, n) for n in (8, 80, 800))]
    assert widths == sorted(widths, reverse=True)


def test_higher_confidence_gives_a_wider_interval():
    """99% contains 95%, which contains 90%."""
    narrow, middle, wide = (wilson_interval(12, 40, c) for c in (0.90, 0.95, 0.99))
    assert wide[0] < middle[0] < narrow[0] and narrow[1] < middle[1] < wide[1]


def test_no_cases_give_no_interval():
    """n = 0 says nothing: both ends are NaN, not a made-up [0, 1]."""
    assert all(math.isnan(v) for v in wilson_interval(0, 0))


@pytest.mark.parametrize(
    ("successes", "n", "confidence"),
    [(-1, 5, 0.95), (6, 5, 0.95), (0, -1, 0.95), (1, 5, 0.0), (1, 5, 1.0), (1, 5, 95)],
)
def test_impossible_inputs_are_refused(successes, n, confidence):
    """Counts outside [0, n], a negative n, or a confidence outside (0, 1) raise ValueError."""
    with pytest.raises(ValueError):
        wilson_interval(successes, n, confidence)


# ------------------------------------------------------------- t intervals for a mean


def test_mean_t_interval_matches_a_hand_computed_one():
    """1..5: mean 3, sd sqrt(2.5), t(0.975, 4 df) = 2.7764 from the printed table."""
    low, high = mean_t_interval([1, 2, 3, 4, 5])
    half = 2.7764 * math.sqrt(2.5) / math.sqrt(5)
    assert (low, high) == pytest.approx((3 - half, 3 + half), abs=1e-4)


def test_mean_t_interval_covers_the_true_mean_about_95_times_in_100():
    """Simulated normal samples of 10: the 95% interval holds the true mean in ~95% of them."""
    rng = np.random.default_rng(7)
    samples = rng.normal(loc=0.5, scale=2.0, size=(4000, 10))
    covered = [low <= 0.5 <= high for low, high in map(mean_t_interval, samples)]
    assert 0.935 <= np.mean(covered) <= 0.965


def test_corrected_interval_is_wider_by_the_nadeau_bengio_factor():
    """Same centre; half-width grows by sqrt(1/J + n_test/n_train) / sqrt(1/J)."""
    values = [0.01, -0.02, 0.015, 0.0, 0.03, -0.005]
    naive = mean_t_interval(values)
    corrected = corrected_resampled_t_interval(values, test_over_train=1 / 3)
    ratio = math.sqrt(1 / 6 + 1 / 3) / math.sqrt(1 / 6)
    assert sum(corrected) / 2 == pytest.approx(sum(naive) / 2)
    assert corrected[1] - corrected[0] == pytest.approx(ratio * (naive[1] - naive[0]))
    assert corrected_resampled_t_interval(values, 0.0) == pytest.approx(naive)


def test_corrected_interval_stops_narrowing_with_more_runs():
    """With overlapping training sets, more runs cannot shrink the interval below the floor."""
    rng = np.random.default_rng(3)
    values = rng.normal(0.0, 0.01, size=2000)
    low, high = corrected_resampled_t_interval(values, test_over_train=1 / 3)
    floor = 2 * 1.96 * np.std(values, ddof=1) * math.sqrt(1 / 3)
    assert high - low >= floor
    naive_low, naive_high = mean_t_interval(values)
    assert naive_high - naive_low < 0.1 * (high - low)


def test_one_value_gives_no_t_interval():
    """One run has no spread: both ends NaN, for both intervals."""
    assert all(math.isnan(v) for v in mean_t_interval([0.7]))
    assert all(math.isnan(v) for v in corrected_resampled_t_interval([0.7], 1 / 3))


@pytest.mark.parametrize("confidence", [0.0, 1.0, 95])
def test_t_intervals_refuse_an_impossible_confidence(confidence):
    """A confidence outside (0, 1) raises ValueError, even with too few values to use it."""
    with pytest.raises(ValueError):
        mean_t_interval([1.0, 2.0], confidence)
    with pytest.raises(ValueError):
        corrected_resampled_t_interval([1.0], 1 / 3, confidence)


def test_corrected_interval_refuses_a_negative_ratio():
    """n_test / n_train cannot be negative."""
    with pytest.raises(ValueError):
        corrected_resampled_t_interval([1.0, 2.0], -0.1)
