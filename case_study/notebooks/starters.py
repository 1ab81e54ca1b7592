"""The exercises' starter code: what a learner finds in each exercise cell, TODOs included.

Each starter runs as it is (so an unsolved notebook runs from top to bottom) and is wrong in
the way the stage teaches; its grader says "not yet" and why. Stage 3's training exercise
starts from ``pipelines.train_irreproducible`` itself (see ``exercises.py``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.feature_selection import SelectKBest, f_classif
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from case_study import codes
from case_study.design_card import DesignCard
from case_study.pipelines import train_irreproducible


def median_stars(checklist: pd.DataFrame) -> float:
    """Median GitHub stars of the repositories the published claim is about."""
    # TODO: the README says "repositories with all five checklist items had a median of 196
    # stars". Recompute it from `checklist` (one row per repository) so that it comes back.
    items = ["dependencies", "training", "evaluation", "pretrained_model", "results"]
    matching = checklist
    for item in items:
        matching = matching[matching[item] == 1]
    return float(matching["stars"].median())


def design_card() -> DesignCard:
    """The plan, written before any model is trained."""
    # TODO: fill in every decision, so that check_plan(design_card()) finds no gap.
    return DesignCard(
        question="Predict which applicants are bad credit risks.",
        target="risk (bad = 1)",
        metric="accuracy",
        split="150 random rows for testing",
        holdout_locked=False,
        seed=None,
        baseline="",
        success_threshold=None,
        n_runs=20,
        summary="best_run",
    )


def selection_score(x: np.ndarray, y: np.ndarray, seed: int) -> float:
    """Test ROC AUC of 20 selected features + logistic regression."""
    # TODO: the selector below sees every row, the test rows included. Move the selection
    # inside the pipeline, so it is fitted on the training rows only.
    chosen = SelectKBest(f_classif, k=20).fit_transform(x, y)
    train, test = train_test_split(
        np.arange(len(y)), test_size=0.25, stratify=y, random_state=seed
    )
    model = Pipeline(
        [
            ("scale", StandardScaler()),
            ("model", LogisticRegression(solver="liblinear", random_state=seed)),
        ]
    )
    model.fit(chosen[train], y[train])
    return float(roc_auc_score(y[test], model.predict_proba(chosen[test])[:, 1]))


def feature_columns() -> tuple[list[str], list[str]]:
    """The categorical and the numeric input columns, in the order the model sees them."""
    # TODO: the order of these lists must be the same in every Python process.
    numeric = list(set(codes.NUMERIC_COLUMNS))
    categorical = list(set(codes.CATEGORICAL_COLUMNS))
    return categorical, numeric


def hand_over(folder):
    """Leave in ``folder`` what a newcomer needs to rebuild and check the loan model."""
    # TODO: a newcomer must be able to rebuild this model from what you leave in `folder`
    # and get the same model, byte for byte.
    import pickle
    from pathlib import Path

    from case_study.data import load_german_credit

    run = train_irreproducible(load_german_credit())
    (Path(folder) / "model_final_v2.pkl").write_bytes(pickle.dumps(run.model))


def credit_amount_psi(train_values: np.ndarray, batch_values: np.ndarray) -> float:
    """Population Stability Index of a month's credit amounts against the training ones."""
    # TODO: PSI compares the share of applicants per bin. The bins must be the ones recorded
    # at training time (ten quantile bins of the training values).
    edges = np.quantile(batch_values, np.linspace(0, 1, 11))[1:-1]
    expected = np.bincount(np.searchsorted(edges, train_values), minlength=10) / len(train_values)
    actual = np.bincount(np.searchsorted(edges, batch_values), minlength=10) / len(batch_values)
    return float(np.sum((actual - expected) * np.log(actual / expected)))

