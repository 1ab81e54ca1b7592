"""Group leakage and an illegitimate feature on derived variants of the loan data."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from case_study import leakage_types as lt
from case_study.design_matrix import loan_design_matrix


@pytest.fixture(scope="module")
def summary():
    return lt.summarise_taxonomy(lt.taxonomy_over_seeds())


def test_repeat_applications_are_one_applicant_several_times_but_never_identical_rows():
    """Each credit becomes REPEATS rows with its own outcome and its own categories; amount
    and duration vary within the stated jitter; no two rows are identical, so removing
    duplicates would find nothing."""
    design = loan_design_matrix()
    x, y, applicant = lt.repeat_applications(seed=7)
    n = len(design.target)
    assert x.shape == (lt.REPEATS * n, design.values.shape[1])
    assert np.array_equal(np.bincount(applicant), np.full(n, lt.REPEATS))
    assert np.array_equal(y, design.target[applicant])
    assert len(np.unique(x, axis=0)) == len(x)
    amount = design.columns.index("credit_amount")
    duration = design.columns.index("duration_months")
    ratio = x[:, amount] / design.values[applicant, amount]
    assert ratio.min() >= 1 - lt.AMOUNT_JITTER - 0.01 and ratio.max() <= 1 + lt.AMOUNT_JITTER + 0.01
    moved = np.abs(x[:, duration] - design.values[applicant, duration])
    assert moved.max() <= lt.DURATION_JITTER_MONTHS + lt.MIN_DURATION_MONTHS
    untouched = [i for i in range(x.shape[1]) if i not in (amount, duration)]
    assert np.array_equal(x[:, untouched], design.values[applicant][:, untouched])


def test_a_random_split_puts_applicants_on_both_sides_and_a_grouped_split_never_does():
    """The mechanism itself: hundreds of applicants straddle a random split, none a grouped one."""
    _, y, applicant = lt.repeat_applications(seed=42)
    train, test = lt.random_split(y, 42)
    straddling = np.intersect1d(applicant[train], applicant[test])
    assert len(straddling) > 500
    train, test = lt.grouped_split(applicant, 42)
    assert len(np.intersect1d(applicant[train], applicant[test])) == 0
    assert len(train) + len(test) == len(applicant)


def test_the_random_split_flatters_the_model_on_every_seed(summary):
    """Measured, not assumed: the random split scores higher than the split by applicant on
    every seed, by a wide margin, and the split by applicant lands near the shipped data's
    own one-row score."""
    assert summary["group_higher_in"] == summary["seeds"] == len(lt.LEAKAGE_SEEDS)
    assert summary["group_gap"] > 0.1
    assert abs(summary["grouped_split"] - summary["one_row"]) < 0.06


def test_the_illegitimate_column_lifts_the_score_on_every_seed(summary):
    """With the column recorded after the outcome the same forest scores higher on every seed."""
    table = lt.taxonomy_over_seeds()
    wide = table.pivot(index="seed", columns="evaluation", values="roc_auc")
    assert (wide["with_collections"] > wide["without_collections"]).all()
    assert summary["illegitimate_gap"] > 0.05
    assert (wide["without_collections"] == wide["one_row"]).all()


def test_the_simulated_column_follows_its_stated_rates():
    """Among bad credits about COLLECTIONS_IF_BAD are flagged, among good ones about
    COLLECTIONS_IF_GOOD (binomial noise allowed for 300 and 700 credits)."""
    target = loan_design_matrix().target
    flag = lt.collections_column(target, seed=3)
    assert set(np.unique(flag)) <= {0.0, 1.0}
    assert abs(flag[target == 1].mean() - lt.COLLECTIONS_IF_BAD) < 0.1
    assert abs(flag[target == 0].mean() - lt.COLLECTIONS_IF_GOOD) < 0.04
    assert np.array_equal(flag, lt.collections_column(target, seed=3))


def test_single_column_aucs_put_the_illegitimate_column_first_and_agree_with_sklearn():
    """The model-free check ranks the simulated column above every genuine one; its figures
    are scikit-learn's ROC AUC (flipped to at least 0.5)."""
    table = lt.single_column_aucs(seed=42)
    assert table.iloc[0]["column"] == lt.ILLEGITIMATE_COLUMN
    assert (table["auc"] >= 0.5).all()
    assert list(table["auc"]) == sorted(table["auc"], reverse=True)
    design = loan_design_matrix()
    duration = design.values[:, design.columns.index("duration_months")]
    expected = roc_auc_score(design.target, duration)
    row = table[table["column"] == "duration_months"].iloc[0]
    assert row["auc"] == pytest.approx(max(expected, 1 - expected), abs=1e-4)


def test_the_scores_are_cached_per_process_and_labelled():
    """A second call returns the cached table (no training); every evaluation has a label
    and a panel naming its leakage type."""
    assert lt.taxonomy_over_seeds() is lt.taxonomy_over_seeds()
    table = lt.taxonomy_over_seeds()
    assert set(table["evaluation"]) == set(lt.EVALUATIONS)
    assert set(table["panel"]) == {"group leakage (L3.2)", "illegitimate feature (L2)"}
    assert lt.group_leak_gain() == lt.summarise_taxonomy(table)["group_gap"]
