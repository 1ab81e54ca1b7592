"""Stage 1's optimism gap over split seeds: means with 95% confidence intervals, and what they say.

:func:`summarise_optimism` turns the per-seed table of ``stage1_design.optimism_over_seeds``
into one row per kind of labels (real, shuffled): for the announced best test ROC AUC, the
same variant's locked-holdout ROC AUC and the gap between them, the mean over the split
seeds and its Student t interval (``intervals.mean_t_interval``).

What the interval covers: the 1,000 rows are fixed and each split seed draws its split (and,
for shuffled labels, its permutation) independently, so the per-seed values are independent
draws and the t interval is one for the mean over split seeds *of this data set*. It says
nothing about another sample of applicants; runs on random splits of one data set are not
independent draws from the population (``intervals.corrected_resampled_t_interval``).

:func:`optimism_findings` decides, from those intervals, the claims the Stage 1 lesson and
its checks make in words; :func:`describe_optimism` writes the sentences the demo shows, each
clause chosen by a finding, so a sentence on screen cannot contradict its figures.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from case_study.intervals import mean_t_interval

CONFIDENCE = 0.95
CHANCE_AUC = 0.5  # ROC AUC of a ranking that knows nothing
# The three per-seed figures summarised, with the words the demo uses for them.
MEASURES: dict[str, str] = {
    "best_test_auc": "announced test ROC AUC (best of the variants)",
    "holdout_auc": "the same variant on the locked holdout",
    "optimism_gap": "optimism gap (announced minus holdout)",
}


def summarise_optimism(table: pd.DataFrame, confidence: float = CONFIDENCE) -> pd.DataFrame:
    """Mean, confidence interval and range over split seeds, one row per kind of labels.

    Args:
        table: One row per (labels, seed) with ``best_test_auc``, ``holdout_auc`` and
            ``optimism_gap`` (``stage1_design.optimism_over_seeds``).
        confidence: The two-sided level of the t intervals.

    Returns:
        One row per ``labels`` in the table's order: ``runs``; for each of the three
        measures ``mean_<m>``, ``<m>_low`` and ``<m>_high`` (the interval of the mean);
        ``min_optimism_gap`` and ``max_optimism_gap``; ``best_test_above_chance`` and
        ``holdout_above_chance`` (how many seeds scored above 0.5). Rounded to 4 places.
    """
    rows = []
    for labels, group in table.groupby("labels", sort=False):
        row: dict[str, object] = {"labels": labels, "runs": len(group)}
        for measure in MEASURES:
            values = group[measure].to_numpy(dtype=float)
            low, high = mean_t_interval(values, confidence)
            row[f"mean_{measure}"] = round(float(np.mean(values)), 4)
            row[f"{measure}_low"] = round(low, 4)
            row[f"{measure}_high"] = round(high, 4)
        row["min_optimism_gap"] = round(float(group["optimism_gap"].min()), 4)
        row["max_optimism_gap"] = round(float(group["optimism_gap"].max()), 4)
        row["best_test_above_chance"] = int((group["best_test_auc"] > CHANCE_AUC).sum())
        row["holdout_above_chance"] = int((group["holdout_auc"] > CHANCE_AUC).sum())
        rows.append(row)
    return pd.DataFrame(rows)


def mean_and_interval(row: pd.Series, measure: str, signed: bool = False) -> str:
    """``"0.512 (95% CI 0.495 to 0.529)"`` for one measure of a :func:`summarise_optimism` row.

    Args:
        row: One row of :func:`summarise_optimism`.
        measure: One of :data:`MEASURES`.
        signed: Write a sign on every number (for gaps).

    Returns:
        The mean and its interval as display text.
    """
    form = "+.3f" if signed else ".3f"
    return (
        f"{row[f'mean_{measure}']:{form}} ({CONFIDENCE:.0%} CI "
        f"{row[f'{measure}_low']:{form}} to {row[f'{measure}_high']:{form}})"
    )


@dataclass(frozen=True)
class OptimismFindings:
    """What the intervals say, claim by claim (each True when the figures back it).

    ``real_gap_positive``: on real labels the interval of the mean gap lies above 0.
    ``real_gap_swings``: on real labels single seeds give gaps of both signs.
    ``shuffled_test_above_chance``: on shuffled labels the interval of the announced test
    score's mean lies above chance. ``shuffled_holdout_at_chance``: on shuffled labels the
    interval of the holdout's mean includes chance. ``shuffled_holdout_both_sides``: single
    seeds' holdout scores land on both sides of chance.
    """

    real_gap_positive: bool
    real_gap_swings: bool
    shuffled_test_above_chance: bool
    shuffled_holdout_at_chance: bool
    shuffled_holdout_both_sides: bool


def optimism_findings(summary: pd.DataFrame) -> OptimismFindings:
    """Decide the lesson's claims from a :func:`summarise_optimism` table.

    Args:
        summary: Rows for ``labels`` "real" and "shuffled".

    Returns:
        An :class:`OptimismFindings`.
    """
    real = summary.set_index("labels").loc["real"]
    shuffled = summary.set_index("labels").loc["shuffled"]
    return OptimismFindings(
        real_gap_positive=bool(real["optimism_gap_low"] > 0),
        real_gap_swings=bool(real["min_optimism_gap"] < 0 < real["max_optimism_gap"]),
        shuffled_test_above_chance=bool(shuffled["best_test_auc_low"] > CHANCE_AUC),
        shuffled_holdout_at_chance=bool(
            shuffled["holdout_auc_low"] <= CHANCE_AUC <= shuffled["holdout_auc_high"]
        ),
        shuffled_holdout_both_sides=bool(
            0 < shuffled["holdout_above_chance"] < shuffled["runs"]
        ),
    )


def describe_optimism(summary: pd.DataFrame) -> list[str]:
    """The demo's sentences about the gap over split seeds, each clause backed by a finding.

    Args:
        summary: A :func:`summarise_optimism` table with "real" and "shuffled" rows.

    Returns:
        Two sentences: real labels, then shuffled labels.
    """
    found = optimism_findings(summary)
    real = summary.set_index("labels").loc["real"]
    shuffled = summary.set_index("labels").loc["shuffled"]
    runs = int(real["runs"])
    real_text = (
        f"Real labels: the announced score overstates the same variant's holdout score by "
        f"{mean_and_interval(real, 'optimism_gap', signed=True)} on average over {runs} split "
        + ("seeds; the interval lies above zero" if found.real_gap_positive
           else "seeds; the interval does not exclude zero")
        + (f", though single seeds range from {real['min_optimism_gap']:+.3f} to "
           f"{real['max_optimism_gap']:+.3f}." if found.real_gap_swings else ".")
    )
    test_clause = (
        "lies above chance (0.5)" if found.shuffled_test_above_chance
        else "does not lie clear of chance (0.5)"
    )
    holdout_clause = (
        "includes chance" if found.shuffled_holdout_at_chance else "does not include chance"
    )
    shuffled_text = (
        f"Shuffled labels, nothing to find: the announced test score is "
        f"{mean_and_interval(shuffled, 'best_test_auc')}, and its interval {test_clause}; the "
        f"same variant scores {mean_and_interval(shuffled, 'holdout_auc')} on the holdout, and "
        f"its interval {holdout_clause}: single seeds land above chance on "
        f"{int(shuffled['holdout_above_chance'])} of {int(shuffled['runs'])}."
    )
    return [real_text, shuffled_text]
