"""The loan data as numbers, and the split that locks a holdout before anything is compared.

:func:`encode_documented` one-hot encodes every categorical attribute against its
*documented* categories (``codes.CODE_MEANINGS``): row by row, learning nothing from the
data, so it may run before the split. :func:`make_splits` locks a stratified holdout first
and splits the rest into train and test. :func:`roc_auc` is a fast Mann–Whitney ROC AUC.
Shared by Stage 1 and Stage 2.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
from scipy.stats import rankdata
from sklearn.model_selection import train_test_split

from case_study import codes
from case_study.data import load_german_credit
from case_study.pipelines import split_features_target

HOLDOUT_SIZE = 0.25  # locked: 250 of 1,000 applicants, opened once
TEST_SIZE_OF_DEVELOPMENT = 0.2  # the irreproducible team's test set: 150 of the 750 left
# The Statlog file's applicants (data/manifest.json records the row count and every load
# checks it). Used only to say the split sizes in words; make_splits counts real rows.
N_APPLICANTS = 1000
N_HOLDOUT = math.ceil(HOLDOUT_SIZE * N_APPLICANTS)  # train_test_split rounds the test side up
N_TEST = math.ceil(TEST_SIZE_OF_DEVELOPMENT * (N_APPLICANTS - N_HOLDOUT))
N_TRAIN = N_APPLICANTS - N_HOLDOUT - N_TEST

ALL_ATTRIBUTES: tuple[str, ...] = tuple(c for c in codes.COLUMNS if c != "class")


@dataclass(frozen=True)
class DesignMatrix:
    """The loan data as numbers: one-hot columns from the documented code table."""

    values: np.ndarray  # float64, 1,000 × 63
    target: np.ndarray  # 1 = bad risk
    columns: tuple[str, ...]
    attribute_of_column: tuple[str, ...]


def encode_documented(frame: pd.DataFrame) -> DesignMatrix:
    """One-hot encode every categorical attribute against its documented categories.

    Parameters: ``frame`` the decoded loan data (``data.load_german_credit()``).
    Returns a :class:`DesignMatrix`. Row by row and data-independent (the categories come
    from the documentation, not from the rows), so it can run before the split.
    """
    features, target = split_features_target(frame)
    parts, attribute_of_column = [], []
    for attribute in ALL_ATTRIBUTES:
        if attribute in codes.NUMERIC_COLUMNS:
            parts.append(features[[attribute]].astype("float64"))
            attribute_of_column.append(attribute)
            continue
        categories = sorted(codes.CODE_MEANINGS[attribute].values())
        dummies = pd.get_dummies(
            pd.Categorical(features[attribute], categories=categories),
            prefix=attribute,
            prefix_sep="=",
        ).astype("float64")
        dummies.index = features.index  # get_dummies numbers rows afresh; keep the frame's rows

        parts.append(dummies)
        attribute_of_column.extend([attribute] * len(categories))
    matrix = pd.concat(parts, axis=1)
    return DesignMatrix(
        values=matrix.to_numpy(dtype=np.float64),
        target=target,
        columns=tuple(matrix.columns),
        attribute_of_column=tuple(attribute_of_column),
    )


@lru_cache(maxsize=1)
def loan_design_matrix() -> DesignMatrix:
    """The verified loan data as a :class:`DesignMatrix`, shared by Stage 1 and Stage 2.

    :func:`encode_documented` of ``data.load_german_credit()``.

    Cached: the raw file is verified and immutable, so decoding it once per process is
    enough. Returns the same object on every call; treat its arrays as read-only.
    """
    return encode_documented(load_german_credit())


@dataclass(frozen=True)
class Splits:
    """Row positions of one split: train + test make up development; holdout is locked."""

    seed: int
    train: np.ndarray
    test: np.ndarray
    holdout: np.ndarray

    @property
    def development(self) -> np.ndarray:
        """Row positions of train and test together (everything but the locked holdout)."""
        return np.sort(np.concatenate([self.train, self.test]))


def make_splits(target: np.ndarray, seed: int) -> Splits:
    """Lock a stratified holdout first, then split the rest into train and test.

    Parameters: ``target`` the labels (for stratifying); ``seed`` the split seed.
    Returns :class:`Splits` of row positions.
    """
    positions = np.arange(len(target))
    development, holdout = train_test_split(
        positions, test_size=HOLDOUT_SIZE, stratify=target, random_state=seed
    )
    train, test = train_test_split(
        development,
        test_size=TEST_SIZE_OF_DEVELOPMENT,
        stratify=target[development],
        random_state=seed,
    )
    return Splits(seed, np.sort(train), np.sort(test), np.sort(holdout))


def shuffled_labels(target: np.ndarray, seed: int) -> np.ndarray:
    """The same labels in a seeded random order: any pattern left is noise."""
    return np.random.default_rng(seed).permutation(target)


def roc_auc(y_true: np.ndarray, score: np.ndarray) -> float:
    """ROC AUC as the Mann–Whitney statistic (ties count one half), rounded to 6 places.

    Identical to ``sklearn.metrics.roc_auc_score`` for binary labels, without its input
    checks, which cost more than the model fits here. Parameters: ``y_true`` 0/1 labels;
    ``score`` higher = more likely 1. Returns a float in [0, 1].
    """
    ranks = rankdata(score)
    positives = y_true == 1
    n_pos = int(positives.sum())
    n_neg = len(y_true) - n_pos
    u = ranks[positives].sum() - n_pos * (n_pos + 1) / 2.0
    return round(float(u / (n_pos * n_neg)), 6)
