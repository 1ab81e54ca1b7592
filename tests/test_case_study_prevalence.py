"""Prevalence shift: prior correction, reweighting, the constant baseline at 30% and at 5%."""

from __future__ import annotations

import numpy as np
import pytest

from case_study import pipelines, prevalence
from case_study.errors import CaseStudyError


def test_prior_correction_is_the_identity_at_the_same_prevalence_and_lowers_p_at_a_lower_one():
    p = np.array([0.0, 0.1, 1 / 6, 0.5, 0.9, 1.0])
    assert np.allclose(prevalence.prior_correct(p, 0.3, 0.3), p)
    lower = prevalence.prior_correct(p, 0.3, 0.05)
    assert lower[0] == 0.0 and lower[-1] == 1.0
    assert (lower[1:-1] < p[1:-1]).all()
    assert (np.diff(lower) > 0).all()  # the ranking (and so ROC AUC) is unchanged


def test_the_equivalent_threshold_maps_back_to_one_sixth():
    cut = prevalence.equivalent_threshold(pipelines.COST_THRESHOLD, 0.3, 0.05)
    corrected = prevalence.prior_correct(np.array([cut]), 0.3, 0.05)[0]
    assert corrected == pytest.approx(pipelines.COST_THRESHOLD)
    assert prevalence.equivalent_threshold(0.2, 0.3, 0.3) == pytest.approx(0.2)


def test_constant_policy_flips_from_declining_everyone_to_approving_everyone():
    assert prevalence.constant_policy(0.3) == ("decline everyone", 0.7)
    assert prevalence.constant_policy(0.05) == ("approve everyone", 0.25)


def test_reweighting_at_the_rows_own_share_gives_the_plain_expected_cost():
    rng = np.random.default_rng(0)
    y = (rng.random(200) < 0.3).astype(int)
    p = rng.random(200)
    plain = pipelines.expected_cost(y, p)
    got = prevalence.reweighted_rates(y, p > pipelines.COST_THRESHOLD, float(y.mean()))
    assert got["expected_cost"] == pytest.approx(plain, abs=1e-6)
    assert got["decline_rate"] == pytest.approx(float(np.mean(p > pipelines.COST_THRESHOLD)))


def test_reweighting_counts_bad_rows_at_the_target_share():
    y = np.array([1, 0, 0, 0])  # 25% bad in the rows
    approve_all = np.zeros(4, dtype=bool)
    assert prevalence.reweighted_rates(y, approve_all, 0.05)["expected_cost"] == pytest.approx(0.25)


def test_shares_outside_zero_and_one_are_refused_with_a_message():
    with pytest.raises(CaseStudyError, match="between 0 and 1"):
        prevalence.constant_policy(0.0)
    with pytest.raises(CaseStudyError, match="target_prevalence"):
        prevalence.prior_correct(np.array([0.5]), 0.3, 1.2)


def test_the_table_recomputes_the_stage_1_figures_at_the_documented_prevalence():
    table = prevalence.prevalence_table().set_index("prevalence")
    run = pipelines.reproducible_run()
    sample, documented = table.iloc[0], table.loc[prevalence.DOCUMENTED_PREVALENCE]
    # At the sample's own share nothing changes: the plain hold-out expected cost.
    assert sample["expected_cost"] == pytest.approx(run.metrics["expected_cost"], abs=1e-6)
    assert sample["cutoff_on_model_p_bad"] == pytest.approx(pipelines.COST_THRESHOLD, abs=1e-6)
    # At ~5% the baseline is to approve everyone, and the uncorrected model costs more than
    # the corrected one, which declines far fewer credits.
    assert documented["baseline_policy"] == "approve everyone"
    assert documented["cutoff_on_model_p_bad"] > 0.5
    assert documented["as_trained_expected_cost"] > documented["expected_cost"]
    assert documented["decline_rate"] < documented["as_trained_decline_rate"]
    assert prevalence.documented_prevalence_expected_cost() == documented["expected_cost"]
