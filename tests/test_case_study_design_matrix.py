"""The design matrix and the splits.

Documented one-hot encoding, a locked holdout, a fast ROC AUC.
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import roc_auc_score

from case_study import design_matrix
from case_study.data import load_german_credit


def test_roc_auc_agrees_with_scikit_learn_including_ties():
    """The fast AUC is the Mann–Whitney statistic: the same number roc_auc_score gives."""
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 300)
    tied_scores = rng.integers(0, 10, 300) / 10
    assert design_matrix.roc_auc(y, tied_scores) == round(roc_auc_score(y, tied_scores), 6)
    assert design_matrix.roc_auc(np.array([0, 0, 1, 1]), np.array([0.1, 0.2, 0.8, 0.9])) == 1.0


def test_documented_encoding_is_row_by_row_so_it_can_run_before_the_split():
    """Encoding a subset of rows gives the same numbers as encoding all rows and then taking
    the subset: the step learns nothing from other rows."""
    frame = load_german_credit()
    everything = design_matrix.encode_documented(frame)
    rows = np.arange(0, 1000, 7)
    subset = design_matrix.encode_documented(frame.iloc[rows])
    assert subset.columns == everything.columns
    np.testing.assert_array_equal(subset.values, everything.values[rows])
    assert everything.values.shape[0] == 1000


def test_splits_lock_a_quarter_and_never_overlap():
    """Train, test and the locked holdout are disjoint and cover every applicant."""
    target = design_matrix.loan_design_matrix().target
    splits = design_matrix.make_splits(target, 42)
    assert (len(splits.train), len(splits.test), len(splits.holdout)) == (600, 150, 250)
    # What the plan's text says.
    assert (design_matrix.N_TRAIN, design_matrix.N_TEST, design_matrix.N_HOLDOUT) == (600, 150, 250)
    every = np.concatenate([splits.train, splits.test, splits.holdout])
    assert sorted(every) == list(range(1000))
    assert set(splits.development) == set(splits.train) | set(splits.test)
