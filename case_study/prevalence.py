"""Prevalence shift: the sample's 30% bad credits against the bank's documented ~5%.

The 1,000 rows are a stratified sample of credits the bank granted in 1973–75, 300 bad and
700 good, with bad credits heavily oversampled; the actual share of bad credits was around 5%
(UCI page for South German Credit, REFERENCES.md). Everything computed from the sample — the
model's P(bad), the constant-policy baseline, the expected cost per applicant — silently
assumes 30% bad. This module recomputes them at another prevalence in two ways:

- **prior correction** of the predicted probabilities (Bayes' rule with the class priors
  swapped): ``p' = p·π'/π / (p·π'/π + (1−p)(1−π')/(1−π))``; the decision rule P(bad) > 1/6
  is then applied to ``p'``;
- **reweighting** the hold-out rows so that bad rows count ``π'/π`` and good rows
  ``(1−π')/(1−π)``: the expected cost and decline rate the same decisions would have in a
  population with ``π'`` bad.

Plain Python and numpy; no Streamlit, no workshop imports.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from case_study import codes
from case_study.errors import CaseStudyError
from case_study.pipelines import (
    COST_APPROVE_BAD,
    COST_DECLINE_GOOD,
    COST_THRESHOLD,
    DEFAULT_SEED,
    reproducible_run,
)

# The documented share of bad credits in the bank's business (UCI page for South German
# Credit: "around 5%"), and the sample's own share (300 of 1,000).
DOCUMENTED_PREVALENCE = 0.05
SAMPLE_PREVALENCE = 0.30


def _check_share(name: str, value: float) -> None:
    if not 0.0 < value < 1.0:
        raise CaseStudyError(f"{name} must be a share strictly between 0 and 1, got {value!r}.")


def prior_correct(
    p_bad: np.ndarray, sample_prevalence: float, target_prevalence: float
) -> np.ndarray:
    """P(bad) from a model trained at ``sample_prevalence``, corrected to ``target_prevalence``.

    Args:
        p_bad: predicted probabilities of a bad credit, calibrated to the training sample.
        sample_prevalence: share of bad credits the model was trained on (π).
        target_prevalence: share of bad credits in the population it is used on (π').

    Returns:
        The corrected probabilities p' = p·π'/π / (p·π'/π + (1−p)(1−π')/(1−π)).
    """
    _check_share("sample_prevalence", sample_prevalence)
    _check_share("target_prevalence", target_prevalence)
    p = np.asarray(p_bad, dtype=float)
    bad = p * target_prevalence / sample_prevalence
    good = (1.0 - p) * (1.0 - target_prevalence) / (1.0 - sample_prevalence)
    return bad / (bad + good)


def equivalent_threshold(
    threshold: float, sample_prevalence: float, target_prevalence: float
) -> float:
    """The cut-off on the *uncorrected* P(bad) that equals ``threshold`` on corrected ones.

    Args:
        threshold: the decision threshold on corrected probabilities (here 1/6).
        sample_prevalence: share of bad credits in the training sample.
        target_prevalence: share of bad credits in the population.

    Returns:
        The P(bad) above which the sample-calibrated model should decline.
    """
    _check_share("threshold", threshold)
    # Invert prior_correct: it maps odds to odds times r.
    ratio = (target_prevalence / (1 - target_prevalence)) / (
        sample_prevalence / (1 - sample_prevalence)
    )
    odds = threshold / (1 - threshold) / ratio
    return float(odds / (1 + odds))


def constant_policy(prevalence: float) -> tuple[str, float]:
    """The cheaper constant policy and its expected cost per applicant at ``prevalence``.

    Args:
        prevalence: share of bad credits.

    Returns:
        ``(policy, cost)``: "decline everyone" costs 1·(1−π), "approve everyone" costs 5·π.
    """
    _check_share("prevalence", prevalence)
    approve, decline = COST_APPROVE_BAD * prevalence, COST_DECLINE_GOOD * (1 - prevalence)
    if approve <= decline:
        return "approve everyone", round(approve, 6)
    return "decline everyone", round(decline, 6)


def reweighted_rates(
    y_true: np.ndarray, decline: np.ndarray, target_prevalence: float
) -> dict[str, float]:
    """Decline rate and expected cost per applicant of fixed decisions, reweighted.

    Bad rows are weighted so that they make up ``target_prevalence`` of the population.

    Args:
        y_true: 1 = bad credit, 0 = good.
        decline: True where the credit is declined.
        target_prevalence: share of bad credits to reweight to.

    Returns:
        ``{"decline_rate": ..., "expected_cost": ...}`` rounded to six places.
    """
    _check_share("target_prevalence", target_prevalence)
    y = np.asarray(y_true).astype(bool)
    decline = np.asarray(decline).astype(bool)
    share = float(y.mean())
    _check_share("the rows' share of bad credits", share)
    weights = np.where(y, target_prevalence / share, (1 - target_prevalence) / (1 - share))
    cost = COST_APPROVE_BAD * (~decline & y) + COST_DECLINE_GOOD * (decline & ~y)
    return {
        "decline_rate": round(float(np.average(decline, weights=weights)), 6),
        "expected_cost": round(float(np.average(cost, weights=weights)), 6),
    }


@dataclass(frozen=True)
class PrevalenceFigures:
    """The Stage 1 figures at one prevalence, for the reproducible model's hold-out rows."""

    prevalence: float
    baseline_policy: str
    baseline_cost: float
    cutoff_on_model_p_bad: float  # decline above this uncorrected P(bad)
    decline_rate: float
    expected_cost: float
    as_trained_decline_rate: float  # declining above 1/6 of the uncorrected P(bad)
    as_trained_expected_cost: float


def figures_at(
    y_true: np.ndarray, p_bad: np.ndarray, prevalence: float, sample_prevalence: float
) -> PrevalenceFigures:
    """The decision figures at ``prevalence`` for predictions made at ``sample_prevalence``.

    Args:
        y_true: 1 = bad credit, 0 = good (hold-out rows).
        p_bad: the model's P(bad), calibrated to the training sample.
        prevalence: the population's share of bad credits.
        sample_prevalence: the training sample's share of bad credits.

    Returns:
        The baseline, the prior-corrected decisions and the uncorrected ones, all costed at
        ``prevalence`` by reweighting.
    """
    policy, baseline = constant_policy(prevalence)
    corrected = prior_correct(p_bad, sample_prevalence, prevalence) > COST_THRESHOLD
    as_trained = np.asarray(p_bad) > COST_THRESHOLD
    right = reweighted_rates(y_true, corrected, prevalence)
    wrong = reweighted_rates(y_true, as_trained, prevalence)
    return PrevalenceFigures(
        prevalence=prevalence,
        baseline_policy=policy,
        baseline_cost=baseline,
        cutoff_on_model_p_bad=round(
            equivalent_threshold(COST_THRESHOLD, sample_prevalence, prevalence), 6
        ),
        decline_rate=right["decline_rate"],
        expected_cost=right["expected_cost"],
        as_trained_decline_rate=wrong["decline_rate"],
        as_trained_expected_cost=wrong["expected_cost"],
    )


def prevalence_table(seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """The reproducible model's hold-out figures at the sample's and the documented prevalence.

    Args:
        seed: the seed of the shared reproducible run (``pipelines.reproducible_run``).

    Returns:
        One row per prevalence (the hold-out's own share, then ``DOCUMENTED_PREVALENCE``) with
        the columns of :class:`PrevalenceFigures`.
    """
    run = reproducible_run(seed)
    target = _holdout_target(run)
    share = float(target.mean())
    rows = [
        figures_at(target, run.test_predictions, prevalence, share)
        for prevalence in (round(share, 6), DOCUMENTED_PREVALENCE)
    ]
    return pd.DataFrame([row.__dict__ for row in rows])


def _holdout_target(run) -> np.ndarray:
    """The hold-out labels of ``run`` as 1 = bad, 0 = good, in ``run.test_index`` order."""
    from case_study import data  # the verified loader; imported here to keep imports light

    frame = data.load_german_credit()
    return (frame.loc[run.test_index, codes.TARGET] == "bad").to_numpy(dtype=np.int64)


def documented_prevalence_expected_cost() -> float:
    """Expected cost per applicant of the reproducible model at ~5% bad, prior-corrected."""
    table = prevalence_table()
    return float(table.loc[table["prevalence"] == DOCUMENTED_PREVALENCE, "expected_cost"].iloc[0])
