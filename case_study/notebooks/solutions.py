"""Model solutions, for instructors only: never shipped in the take-home archive.

``python -m case_study notebooks --solutions`` writes the notebooks with these in the
exercise cells (the tests run them, and check that every grader passes them). Each uses
only the names its exercise's import cell provides. Stage 3's training exercise is solved by
``pipelines.train_reproducible`` itself (see ``exercises.py``).
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


def median_stars(checklist: pd.DataFrame) -> float:
    """Median GitHub stars of the repositories the published claim is about."""
    items = ["dependencies", "training", "evaluation", "pretrained_model", "results"]
    matching = checklist[checklist["python"] == 1]
    for item in items:
        matching = matching[matching[item] == 1]
    return float(matching["stars"].median())


def design_card() -> DesignCard:
    """The plan, written before any model is trained."""
    return DesignCard(
        question="Which applicants should the bank decline to keep the expected cost lowest?",
        target="risk: bad = 1, good = 0",
        metric="expected_cost",
        split="25% locked holdout, opened once; 5-fold cross-validation inside the rest",
        holdout_locked=True,
        seed=42,
        baseline="the cheaper of approving everyone and declining everyone",
        success_threshold=0.6,
        n_runs=5,
        summary="median_and_range",
    )


def selection_score(x: np.ndarray, y: np.ndarray, seed: int) -> float:
    """Test ROC AUC of 20 selected features + logistic regression."""
    train, test = train_test_split(
        np.arange(len(y)), test_size=0.25, stratify=y, random_state=seed
    )
    model = Pipeline(
        [
            ("select", SelectKBest(f_classif, k=20)),
            ("scale", StandardScaler()),
            ("model", LogisticRegression(solver="liblinear", random_state=seed)),
        ]
    )
    model.fit(x[train], y[train])
    return float(roc_auc_score(y[test], model.predict_proba(x[test])[:, 1]))


def feature_columns() -> tuple[list[str], list[str]]:
    """The categorical and the numeric input columns, in the order the model sees them."""
    numeric = sorted(codes.NUMERIC_COLUMNS)
    categorical = sorted(codes.CATEGORICAL_COLUMNS)
    return categorical, numeric


def hand_over(folder):
    """Leave in ``folder`` what a newcomer needs to rebuild and check the loan model."""
    from case_study.data import load_german_credit
    from case_study.pipelines import train_reproducible
    from case_study.run_manifest import write_run

    run = train_reproducible(load_german_credit(), seed=42)
    write_run(run, folder)


def credit_amount_psi(train_values: np.ndarray, batch_values: np.ndarray) -> float:
    """Population Stability Index of a month's credit amounts against the training ones."""
    edges = np.quantile(train_values, np.linspace(0, 1, 11))[1:-1]
    expected = np.bincount(np.searchsorted(edges, train_values), minlength=10) / len(train_values)
    actual = np.bincount(np.searchsorted(edges, batch_values), minlength=10) / len(batch_values)
    expected, actual = np.clip(expected, 1e-4, None), np.clip(actual, 1e-4, None)
    return float(np.sum((actual - expected) * np.log(actual / expected)))
