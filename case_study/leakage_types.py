"""Stage 2, the rest of the leakage taxonomy: group leakage and an illegitimate feature.

Kapoor & Narayanan name eight types of leakage; Stage 2's first demo runs three of them
(L1.2, L1.3, L1.4). This module runs two more on **derived variants** of the shipped loan
data, each labelled as such, because the shipped file has neither applicant ids nor any
column recorded after the decision:

- **L3.2, non-independence between train and test (group leakage).** *Derived variant:
  repeat applications.* Every one of the 1,000 credits becomes ``REPEATS`` applications by
  the same applicant, with the same outcome; the amount and duration of each application
  are jittered (seeded), so no two rows are identical and deduplication finds nothing. A
  random split of the applications puts the same applicant on both sides; the forest
  recognises them. A split grouped by applicant (``GroupShuffleSplit``) keeps each
  applicant's applications together. Both are set beside the shipped data's own score,
  one row per applicant, on the same seeds.
- **L2, illegitimate features.** *Derived variant: a simulated column.* ``sent_to_collections``
  plays the debt-collection team's flag, set only after a borrower falls behind: in the
  simulation a bad credit reaches collections with probability ``COLLECTIONS_IF_BAD`` and a
  good one (late once, then repaid) with ``COLLECTIONS_IF_GOOD``. These two rates are
  inputs of the simulation, not facts about the bank. The model with the column is
  compared with the same model without it.

Every score is computed when asked, over the same split seeds as Stage 2's first demo,
and cached per process (:func:`taxonomy_over_seeds`): no learner trains on page open.
Plain Python, numpy and scikit-learn; no Streamlit.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import GroupShuffleSplit, train_test_split

from case_study.design_matrix import loan_design_matrix, roc_auc
from case_study.pipelines import TEST_SIZE
from case_study.stage2_data import LEAKAGE_SEEDS

# The repeat-applications variant: applications per applicant, and how much they differ.
REPEATS = 3
AMOUNT_JITTER = 0.15  # each application's amount: the credit's, times 1 ± up to 15%
DURATION_JITTER_MONTHS = 6  # and its duration: ± up to 6 months (at least 4)
MIN_DURATION_MONTHS = 4
# The simulated illegitimate column: how often a bad and a good credit reach collections.
COLLECTIONS_IF_BAD = 0.6
COLLECTIONS_IF_GOOD = 0.05
ILLEGITIMATE_COLUMN = "sent_to_collections"

# The evaluations, in the order the demo shows them: key -> (panel, label).
EVALUATIONS: dict[str, tuple[str, str]] = {
    "random_split": ("group leakage (L3.2)", "repeat applications, random split"),
    "grouped_split": ("group leakage (L3.2)", "repeat applications, split by applicant"),
    "one_row": ("group leakage (L3.2)", "shipped data, one row per applicant"),
    "with_collections": ("illegitimate feature (L2)", f"with {ILLEGITIMATE_COLUMN}"),
    "without_collections": ("illegitimate feature (L2)", f"without {ILLEGITIMATE_COLUMN}"),
}


def _forest(seed: int) -> RandomForestClassifier:
    # The same small forest as Stage 2's oversampling leak.
    return RandomForestClassifier(n_estimators=25, random_state=seed, n_jobs=1)


def _fit_score(
    x: np.ndarray, y: np.ndarray, train: np.ndarray, test: np.ndarray, seed: int
) -> float:
    model = _forest(seed).fit(x[train], y[train])
    return roc_auc(y[test], model.predict_proba(x[test])[:, 1])


def repeat_applications(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The derived variant: every credit as ``REPEATS`` applications of one applicant.

    Args:
        seed: Seeds the jitter of amount and duration.

    Returns:
        ``(x, y, applicant)``: the design matrix rows (``REPEATS`` × 1,000), the outcome
        (each applicant's own, repeated) and the applicant id of every row.
    """
    design = loan_design_matrix()
    applicant = np.repeat(np.arange(len(design.target)), REPEATS)
    x = design.values[applicant].copy()
    rng = np.random.default_rng(seed)
    amount = design.columns.index("credit_amount")
    duration = design.columns.index("duration_months")
    x[:, amount] = np.round(
        x[:, amount] * rng.uniform(1 - AMOUNT_JITTER, 1 + AMOUNT_JITTER, len(applicant))
    )
    jitter = rng.integers(-DURATION_JITTER_MONTHS, DURATION_JITTER_MONTHS + 1, len(applicant))
    x[:, duration] = np.maximum(MIN_DURATION_MONTHS, x[:, duration] + jitter)
    return x, design.target[applicant], applicant


def random_split(y: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Row positions of a stratified random split, each row treated as its own case."""
    return train_test_split(np.arange(len(y)), test_size=TEST_SIZE, stratify=y, random_state=seed)


def grouped_split(applicant: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Row positions of a split by applicant: all of one applicant's rows on one side."""
    splitter = GroupShuffleSplit(n_splits=1, test_size=TEST_SIZE, random_state=seed)
    train, test = next(splitter.split(applicant, groups=applicant))
    return train, test


def random_split_on_repeats(seed: int) -> float:
    """Wrong: split the applications at random, as if each row were a different person.

    Returns the test ROC AUC.
    """
    x, y, _ = repeat_applications(seed)
    # PITFALL: rows of one applicant land in train and test; the forest recognises the
    # applicant instead of predicting the outcome (L3.2, non-independence).
    train, test = random_split(y, seed)
    return _fit_score(x, y, train, test, seed)


def grouped_split_on_repeats(seed: int) -> float:
    """Right: split by applicant, so all applications of one person are on one side.

    Returns the test ROC AUC.
    """
    x, y, applicant = repeat_applications(seed)
    train, test = grouped_split(applicant, seed)
    return _fit_score(x, y, train, test, seed)


def _one_row_split(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    design = loan_design_matrix()
    train, test = random_split(design.target, seed)
    return design.values, design.target, train, test


def one_row_per_applicant(seed: int) -> float:
    """The shipped data as it is, one row per credit: the score a new applicant would see.

    Returns the test ROC AUC of the same forest on a stratified split.
    """
    x, y, train, test = _one_row_split(seed)
    return _fit_score(x, y, train, test, seed)


def collections_column(target: np.ndarray, seed: int) -> np.ndarray:
    """The simulated ``sent_to_collections`` flag (1.0 or 0.0), one per credit.

    Args:
        target: 1 = bad credit, 0 = good.
        seed: Seeds the simulation.

    Returns:
        1.0 with probability ``COLLECTIONS_IF_BAD`` for a bad credit and
        ``COLLECTIONS_IF_GOOD`` for a good one, else 0.0.
    """
    draw = np.random.default_rng(seed).random(len(target))
    chance = np.where(np.asarray(target) == 1, COLLECTIONS_IF_BAD, COLLECTIONS_IF_GOOD)
    return (draw < chance).astype(np.float64)


def with_illegitimate_feature(seed: int) -> float:
    """Wrong: train and test with a column recorded only after the outcome.

    Returns the test ROC AUC.
    """
    x, y, train, test = _one_row_split(seed)
    # PITFALL: sent_to_collections is known only after the borrower falls behind, never at
    # the decision; it carries the outcome into the features (L2, illegitimate feature).
    x = np.column_stack([x, collections_column(y, seed)])
    return _fit_score(x, y, train, test, seed)


def single_column_aucs(seed: int = LEAKAGE_SEEDS[0]) -> pd.DataFrame:
    """How well each column alone separates bad from good credits, no model involved.

    Args:
        seed: Seeds the simulated ``sent_to_collections`` column.

    Returns:
        One row per column of the design matrix plus the simulated one: ``column`` and
        ``auc`` (the ROC AUC of the column as a score, flipped to be at least 0.5),
        highest first. A column far above every genuine one is a question to ask: when is
        it recorded?
    """
    design = loan_design_matrix()
    columns = [*design.columns, ILLEGITIMATE_COLUMN]
    values = np.column_stack([design.values, collections_column(design.target, seed)])
    rows = []
    for index, column in enumerate(columns):
        auc = roc_auc(design.target, values[:, index])
        rows.append({"column": column, "auc": round(max(auc, 1 - auc), 4)})
    return pd.DataFrame(rows).sort_values("auc", ascending=False, ignore_index=True)


_EVALUATE = {
    "random_split": random_split_on_repeats,
    "grouped_split": grouped_split_on_repeats,
    "one_row": one_row_per_applicant,
    "with_collections": with_illegitimate_feature,
}


@lru_cache(maxsize=4)
def taxonomy_over_seeds(seeds: tuple[int, ...] = LEAKAGE_SEEDS) -> pd.DataFrame:
    """Every evaluation of :data:`EVALUATIONS` on every split seed.

    Args:
        seeds: The split seeds (default: Stage 2's five).

    Returns:
        One row per (evaluation, seed): ``evaluation``, ``panel``, ``label``, ``seed``,
        ``roc_auc``. "without_collections" is the shipped data's one-row score, the same
        model without the column. Cached per process: a pure function of the seeds.
    """
    rows = []
    for seed in seeds:
        scores = {key: evaluate(seed) for key, evaluate in _EVALUATE.items()}
        scores["without_collections"] = scores["one_row"]
        for key, (panel, label) in EVALUATIONS.items():
            rows.append(
                {
                    "evaluation": key,
                    "panel": panel,
                    "label": label,
                    "seed": seed,
                    "roc_auc": scores[key],
                }
            )
    return pd.DataFrame(rows)


def summarise_taxonomy(table: pd.DataFrame) -> dict[str, float]:
    """Mean ROC AUC per evaluation and the two gaps the demo headlines.

    Args:
        table: From :func:`taxonomy_over_seeds`.

    Returns:
        ``{evaluation: mean ROC AUC}`` (rounded to 4 places) plus ``group_gap`` (random
        minus grouped split), ``illegitimate_gap`` (with minus without the column),
        ``seeds`` and ``group_higher_in`` (seeds where the random split scored higher).
    """
    wide = table.pivot(index="seed", columns="evaluation", values="roc_auc")
    means = {key: round(float(wide[key].mean()), 4) for key in EVALUATIONS}
    return means | {
        "group_gap": round(float((wide["random_split"] - wide["grouped_split"]).mean()), 4),
        "illegitimate_gap": round(
            float((wide["with_collections"] - wide["without_collections"]).mean()), 4
        ),
        "seeds": int(len(wide)),
        "group_higher_in": int((wide["random_split"] > wide["grouped_split"]).sum()),
    }


def group_leak_gain() -> float:
    """Mean ROC AUC a random split of repeat applications gains over a split by applicant."""
    return summarise_taxonomy(taxonomy_over_seeds())["group_gap"]
