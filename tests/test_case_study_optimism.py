"""Stage 1's optimism summary: means with t intervals, and sentences chosen by what they show."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from case_study import optimism


def _table(real_gaps, shuffled_holdouts, shuffled_tests=None) -> pd.DataFrame:
    """A per-seed table like optimism_over_seeds', from chosen values."""
    rows = []
    for seed, gap in enumerate(real_gaps):
        rows.append({"labels": "real", "seed": seed, "best_test_auc": 0.78 + gap,
                     "holdout_auc": 0.78, "optimism_gap": gap})
    tests = shuffled_tests or [0.56] * len(shuffled_holdouts)
    for seed, (test, holdout) in enumerate(zip(tests, shuffled_holdouts, strict=True)):
        rows.append({"labels": "shuffled", "seed": seed, "best_test_auc": test,
                     "holdout_auc": holdout, "optimism_gap": round(test - holdout, 6)})
    return pd.DataFrame(rows)


def test_the_interval_is_the_student_t_interval_of_the_mean():
    """Each measure's interval equals scipy's t interval for the mean, rounded to 4 places."""
    gaps = [0.05, -0.02, 0.04, 0.01, 0.07, 0.03, -0.01, 0.02]
    summary = optimism.summarise_optimism(_table(gaps, [0.5] * 8)).set_index("labels")
    low, high = stats.t.interval(0.95, len(gaps) - 1, loc=np.mean(gaps), scale=stats.sem(gaps))
    real = summary.loc["real"]
    assert real["runs"] == len(gaps)
    assert real["mean_optimism_gap"] == pytest.approx(np.mean(gaps), abs=1e-4)
    assert real["optimism_gap_low"] == pytest.approx(low, abs=1e-4)
    assert real["optimism_gap_high"] == pytest.approx(high, abs=1e-4)
    assert (real["min_optimism_gap"], real["max_optimism_gap"]) == (-0.02, 0.07)


def test_a_higher_confidence_gives_a_wider_interval():
    """The confidence level is used, not ignored: 99% is wider than 95% on the same values."""
    table = _table([0.05, -0.02, 0.04, 0.01, 0.07], [0.45, 0.55, 0.5, 0.52, 0.48])
    narrow = optimism.summarise_optimism(table, 0.95).set_index("labels").loc["shuffled"]
    wide = optimism.summarise_optimism(table, 0.99).set_index("labels").loc["shuffled"]
    assert wide["holdout_auc_low"] < narrow["holdout_auc_low"]
    assert wide["holdout_auc_high"] > narrow["holdout_auc_high"]


def test_seeds_above_chance_are_counted():
    """Holdout and test scores strictly above 0.5 are counted per kind of labels."""
    table = _table([0.01, 0.02, 0.03], [0.45, 0.5, 0.55], shuffled_tests=[0.49, 0.6, 0.7])
    shuffled = optimism.summarise_optimism(table).set_index("labels").loc["shuffled"]
    assert shuffled["holdout_above_chance"] == 1
    assert shuffled["best_test_above_chance"] == 2


def test_findings_follow_the_intervals_both_ways():
    """A clearly positive gap and a holdout at chance give True; the opposite gives False."""
    at_chance = optimism.optimism_findings(optimism.summarise_optimism(
        _table([0.03, 0.04, 0.05, -0.01, 0.04, 0.03], [0.46, 0.55, 0.5, 0.52, 0.47, 0.49])
    ))
    assert at_chance.real_gap_positive and at_chance.real_gap_swings
    assert at_chance.shuffled_test_above_chance
    assert at_chance.shuffled_holdout_at_chance and at_chance.shuffled_holdout_both_sides
    above = optimism.optimism_findings(optimism.summarise_optimism(
        _table([0.05, -0.06, 0.01, -0.02], [0.58, 0.6, 0.59, 0.61],
               shuffled_tests=[0.45, 0.6, 0.48, 0.55])
    ))
    assert not above.real_gap_positive
    assert not above.shuffled_test_above_chance
    assert not above.shuffled_holdout_at_chance and not above.shuffled_holdout_both_sides


def test_the_sentences_say_what_the_findings_say():
    """The demo's sentences carry the figures, and their verdicts turn with the data."""
    holding = optimism.summarise_optimism(
        _table([0.03, 0.04, 0.05, -0.01, 0.04, 0.03], [0.46, 0.55, 0.5, 0.52, 0.47, 0.49])
    )
    real_text, shuffled_text = optimism.describe_optimism(holding)
    real = holding.set_index("labels").loc["real"]
    assert optimism.mean_and_interval(real, "optimism_gap", signed=True) in real_text
    assert "the interval lies above zero" in real_text
    assert "includes chance" in shuffled_text and "lies above chance" in shuffled_text
    assert "above chance on 2 of 6" in shuffled_text
    failing = optimism.summarise_optimism(
        _table([0.05, -0.06, 0.01, -0.02], [0.58, 0.6, 0.59, 0.61],
               shuffled_tests=[0.45, 0.6, 0.48, 0.55])
    )
    real_text, shuffled_text = optimism.describe_optimism(failing)
    assert "does not exclude zero" in real_text
    assert "does not include chance" in shuffled_text
    assert "does not lie clear of chance" in shuffled_text


def test_mean_and_interval_formats_mean_and_limits():
    """Three decimals, the confidence level, a sign on request."""
    row = pd.Series({"mean_optimism_gap": 0.0335, "optimism_gap_low": 0.0158,
                     "optimism_gap_high": 0.0511})
    assert optimism.mean_and_interval(row, "optimism_gap") == "0.034 (95% CI 0.016 to 0.051)"
    assert optimism.mean_and_interval(row, "optimism_gap", signed=True) == (
        "+0.034 (95% CI +0.016 to +0.051)"
    )
