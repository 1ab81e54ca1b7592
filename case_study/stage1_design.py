"""Stage 1 — Solution design: the garden of forking paths, and the design card that prunes it.

The irreproducible team has no written question, metric or split. It tries twenty model
variants (ten feature subsets × two settings of a logistic regression), scores each on its
test set and reports the best test ROC AUC. The reproducible team writes a
:class:`DesignCard` first, chooses its variant by cross-validation inside the development
data, and opens a locked holdout once.

Three measurements, each a pure function of its seeds (so the UI may cache them):

- :func:`forking_paths` — one split seed: every variant's test and locked-holdout score, the
  variant each team picks and what each team reports;
- :func:`optimism_over_seeds` — the optimism gap (best test score minus the same variant's
  locked-holdout score) over several split seeds, on the real labels and on shuffled labels
  (where any "signal" is selection on noise);
- :func:`check_plan` — what a design card is missing.

Data preparation: the categorical attributes are one-hot encoded once with the *documented*
code table (``codes.CODE_MEANINGS``). That step is row by row and learns nothing from the
data, so doing it before the split leaks nothing (Stage 2's "no leak" case); every step
that *learns* — scaling and the model — is fitted inside a Pipeline on training rows only.
"""

from __future__ import annotations

import math
import secrets
import statistics
from dataclasses import dataclass, fields
from functools import lru_cache

import numpy as np
import pandas as pd
from scipy.stats import rankdata
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from case_study import codes
from case_study.data import load_german_credit
from case_study.errors import CaseStudyError
from case_study.pipelines import (
    COST_APPROVE_BAD,
    COST_DECLINE_GOOD,
    DEFAULT_SEED,
    expected_cost,
    split_features_target,
)

HOLDOUT_SIZE = 0.25  # locked: 250 of 1,000 applicants, opened once
TEST_SIZE_OF_DEVELOPMENT = 0.2  # the irreproducible team's test set: 150 of the 750 left
# The Statlog file's applicants (data/manifest.json records the row count and every load
# checks it). Used only to say the split sizes in words; make_splits counts real rows.
N_APPLICANTS = 1000
N_HOLDOUT = math.ceil(HOLDOUT_SIZE * N_APPLICANTS)  # train_test_split rounds the test side up
N_TEST = math.ceil(TEST_SIZE_OF_DEVELOPMENT * (N_APPLICANTS - N_HOLDOUT))
N_TRAIN = N_APPLICANTS - N_HOLDOUT - N_TEST
CV_FOLDS = 5
# Ten split seeds for "over several seeds": with five, the mean of a holdout AUC still
# moves by about ±0.02 from seed set to seed set, enough to hide the pattern or fake it.
SPLIT_SEEDS: tuple[int, ...] = tuple(range(DEFAULT_SEED, DEFAULT_SEED + 10))

ALL_ATTRIBUTES: tuple[str, ...] = tuple(c for c in codes.COLUMNS if c != "class")

# The feature sets an analyst might try by hand, each with a name a learner can read.
FEATURE_SETS: dict[str, tuple[str, ...]] = {
    "all 20 attributes": ALL_ATTRIBUTES,
    "finances": ("checking_status", "credit_history", "savings", "credit_amount",
                 "duration_months", "installment_rate", "existing_credits"),
    "accounts and history": ("checking_status", "credit_history", "savings", "duration_months"),
    "the loan itself": ("purpose", "credit_amount", "duration_months", "installment_rate",
                        "other_installment_plans", "other_debtors"),
    "the applicant": ("age_years", "employment_since", "job", "housing", "residence_since",
                      "property", "dependents", "telephone", "foreign_worker", "personal_status_sex"),
    "all but age, sex, foreign": tuple(
        a for a in ALL_ATTRIBUTES if a not in ("personal_status_sex", "age_years", "foreign_worker")
    ),
    "six picked by eye": ("checking_status", "duration_months", "credit_history", "savings",
                          "purpose", "property"),
    "six more by eye": ("checking_status", "credit_amount", "age_years", "employment_since",
                        "housing", "purpose"),
    "history and assets": ("credit_history", "savings", "duration_months", "other_debtors",
                           "property", "job"),
    "a hunch": ("checking_status", "savings", "installment_rate", "age_years",
                "other_installment_plans", "telephone"),
}

# Two settings of one model family: a hyperparameter is a forking path like any other.
# Solver and C written down: the default solver changed in scikit-learn 0.22.
MODEL_FAMILIES: dict[str, dict] = {
    "logistic regression, C=1": {"C": 1.0, "solver": "liblinear"},
    "logistic regression, C=0.05": {"C": 0.05, "solver": "liblinear"},
}


@dataclass(frozen=True)
class Variant:
    """One forking path: a feature set and a model family."""

    feature_set: str
    model: str

    @property
    def name(self) -> str:
        return f"{self.model} · {self.feature_set}"


VARIANTS: tuple[Variant, ...] = tuple(Variant(f, m) for f in FEATURE_SETS for m in MODEL_FAMILIES)


# --------------------------------------------------------------------------------------
# Data and pipelines
# --------------------------------------------------------------------------------------


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
            pd.Categorical(features[attribute], categories=categories), prefix=attribute, prefix_sep="="
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
    """The verified loan data as a :class:`DesignMatrix` (:func:`encode_documented` of
    ``data.load_german_credit()``), shared by Stage 1 and Stage 2.

    Cached: the raw file is verified and immutable, so decoding it once per process is
    enough. Returns the same object on every call; treat its arrays as read-only.
    """
    return encode_documented(load_german_credit())


def take_columns(values: np.ndarray, columns: list[int]) -> np.ndarray:
    """Keep the given column positions (a stateless first step of every variant)."""
    return values[:, columns]


def build_pipeline(variant: Variant, seed: int, design: DesignMatrix | None = None) -> Pipeline:
    """The variant as one Pipeline: select its columns, scale, fit the model.

    Parameters: ``variant`` which feature set and model; ``seed`` passed to every random
    component; ``design`` whose column layout to select from (default: the loan data).
    Returns an unfitted scikit-learn Pipeline.
    """
    design = design or loan_design_matrix()
    wanted = set(FEATURE_SETS[variant.feature_set])
    columns = [i for i, a in enumerate(design.attribute_of_column) if a in wanted]
    if variant.model not in MODEL_FAMILIES:
        raise CaseStudyError(
            f"Unknown model family {variant.model!r}: expected one of {list(MODEL_FAMILIES)}."
        )
    model = LogisticRegression(**MODEL_FAMILIES[variant.model], random_state=seed)
    return Pipeline(
        [
            ("columns", FunctionTransformer(take_columns, kw_args={"columns": columns})),
            ("scale", StandardScaler()),
            ("model", model),
        ]
    )


@dataclass(frozen=True)
class Splits:
    """Row positions of one split: train + test make up development; holdout is locked."""

    seed: int
    train: np.ndarray
    test: np.ndarray
    holdout: np.ndarray

    @property
    def development(self) -> np.ndarray:
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
        development, test_size=TEST_SIZE_OF_DEVELOPMENT, stratify=target[development], random_state=seed
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



# --------------------------------------------------------------------------------------
# The two teams
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ForkingPaths:
    """One split seed, every variant, and what each team reports.

    ``scores`` has one row per variant: ``variant``, ``feature_set``, ``model``,
    ``test_auc`` (fitted on train), ``holdout_auc`` (the same fit on the locked holdout),
    ``cv_auc`` and ``cv_expected_cost`` (5-fold CV inside development; None when not run).
    """

    seed: int | None
    shuffled: bool
    scores: pd.DataFrame
    irreproducible_choice: str
    irreproducible_reported_auc: float  # best test AUC: what the team announced
    irreproducible_holdout_auc: float  # the same variant on the locked holdout
    reproducible_choice: str | None
    reproducible_cv_auc: float | None
    reproducible_cv_expected_cost: float | None
    reproducible_cv_fold_costs: tuple[float, ...]  # the card's runs: one per CV fold
    reproducible_holdout_auc: float | None  # the holdout, opened once
    reproducible_holdout_expected_cost: float | None
    baseline_holdout_expected_cost: float

    @property
    def optimism_gap(self) -> float:
        """What the irreproducible team announced minus what its variant really scores."""
        return round(self.irreproducible_reported_auc - self.irreproducible_holdout_auc, 6)


def _cross_validate(
    design: DesignMatrix, target: np.ndarray, rows: np.ndarray, seed: int
) -> tuple[pd.DataFrame, dict[str, tuple[float, ...]]]:
    """Mean CV ROC AUC and expected cost of every variant inside ``rows`` (development),
    and each variant's per-fold expected costs."""
    folds = list(StratifiedKFold(n_splits=CV_FOLDS, shuffle=True, random_state=seed).split(rows, target[rows]))
    x, y = design.values[rows], target[rows]
    records, fold_costs = [], {}
    for variant in VARIANTS:
        aucs, costs = [], []
        for fit_rows, score_rows in folds:
            with _fast_sklearn():
                model = build_pipeline(variant, seed, design).fit(x[fit_rows], y[fit_rows])
                p_bad = model.predict_proba(x[score_rows])[:, 1]
            aucs.append(roc_auc(y[score_rows], p_bad))
            costs.append(expected_cost(y[score_rows], p_bad))
        records.append(
            {"variant": variant.name, "cv_auc": round(float(np.mean(aucs)), 6),
             "cv_expected_cost": round(float(np.mean(costs)), 6)}
        )
        fold_costs[variant.name] = tuple(round(float(c), 6) for c in costs)
    return pd.DataFrame(records), fold_costs


def baseline_expected_cost(target: np.ndarray) -> float:
    """Expected cost per applicant of the cheaper constant policy (approve everyone or
    decline everyone) under the documented cost matrix — the bar any model must clear."""
    share_bad = float(np.mean(target))
    return round(min(COST_APPROVE_BAD * share_bad, COST_DECLINE_GOOD * (1.0 - share_bad)), 6)


def _fast_sklearn():
    # The inputs are a verified file's numbers and parameters fixed in this module, so
    # scikit-learn's per-call checks only cost time (most of it, at 600 rows).
    return sklearn.config_context(assume_finite=True, skip_parameter_validation=True)


def _variant_scores(seed: int, shuffled: bool, design: DesignMatrix) -> pd.DataFrame:
    """Every variant fitted on train, scored on test and on the locked holdout."""
    with _fast_sklearn():
        return _variant_scores_unchecked(seed, shuffled, design)


def _variant_scores_unchecked(seed: int, shuffled: bool, design: DesignMatrix) -> pd.DataFrame:
    target = shuffled_labels(design.target, seed) if shuffled else design.target
    splits = make_splits(target, seed)
    x, y = design.values, target
    records = []
    for variant in VARIANTS:
        model = build_pipeline(variant, seed, design).fit(x[splits.train], y[splits.train])
        records.append(
            {
                "variant": variant.name,
                "feature_set": variant.feature_set,
                "model": variant.model,
                "test_auc": roc_auc(y[splits.test], model.predict_proba(x[splits.test])[:, 1]),
                "holdout_auc": roc_auc(y[splits.holdout], model.predict_proba(x[splits.holdout])[:, 1]),
            }
        )
    return pd.DataFrame(records)


@lru_cache(maxsize=32)
def _cached_variant_scores(seed: int, shuffled: bool) -> pd.DataFrame:
    return _variant_scores(seed, shuffled, loan_design_matrix())


def run_both_teams(
    seed: int, shuffled: bool, with_reproducible: bool, design: DesignMatrix, scores: pd.DataFrame
) -> ForkingPaths:
    """Both teams' procedures on one split: the irreproducible team announces the best test
    score; the reproducible team chooses by cross-validation and opens the holdout once.

    Parameters: ``seed`` split seed; ``shuffled`` whether the labels were shuffled;
    ``with_reproducible`` also run the cross-validation; ``design`` the data;
    ``scores`` every variant's test and holdout scores for this split (``_variant_scores``).
    Returns a :class:`ForkingPaths`.
    """
    target = shuffled_labels(design.target, seed) if shuffled else design.target
    splits = make_splits(target, seed)
    x, y = design.values, target
    scores = scores.copy()
    # The irreproducible team: the best test score wins and is announced.
    best = scores.loc[scores["test_auc"].idxmax()]
    chosen = cv_auc = cv_cost = holdout_auc = holdout_cost = None
    chosen_folds: tuple[float, ...] = ()
    if with_reproducible:
        cv, fold_costs = _cross_validate(design, target, splits.development, seed)
        scores = scores.merge(cv, on="variant", how="left")
        # The reproducible team: chosen on its card's metric, inside development only.
        pick = cv.loc[cv["cv_expected_cost"].idxmin()]
        chosen, cv_auc, cv_cost = str(pick["variant"]), float(pick["cv_auc"]), float(pick["cv_expected_cost"])
        chosen_folds = fold_costs[chosen]
        variant = next(v for v in VARIANTS if v.name == chosen)
        with _fast_sklearn():
            final = build_pipeline(variant, seed, design).fit(x[splits.development], y[splits.development])
            p_bad = final.predict_proba(x[splits.holdout])[:, 1]  # the one look at the holdout
        holdout_auc = roc_auc(y[splits.holdout], p_bad)
        holdout_cost = round(expected_cost(y[splits.holdout], p_bad), 6)
    else:
        scores["cv_auc"] = np.nan
        scores["cv_expected_cost"] = np.nan
    return ForkingPaths(
        seed=seed,
        shuffled=shuffled,
        scores=scores,
        irreproducible_choice=str(best["variant"]),
        irreproducible_reported_auc=float(best["test_auc"]),
        irreproducible_holdout_auc=float(best["holdout_auc"]),
        reproducible_choice=chosen,
        reproducible_cv_auc=cv_auc,
        reproducible_cv_expected_cost=cv_cost,
        reproducible_cv_fold_costs=chosen_folds,
        reproducible_holdout_auc=holdout_auc,
        reproducible_holdout_expected_cost=holdout_cost,
        baseline_holdout_expected_cost=baseline_expected_cost(y[splits.holdout]),
    )


@lru_cache(maxsize=32)
def forking_paths(seed: int = DEFAULT_SEED, shuffled: bool = False, with_reproducible: bool = True) -> ForkingPaths:
    """Run both teams' procedures on one split seed.

    Parameters: ``seed`` the split seed (also seeds every model and the CV folds);
    ``shuffled`` shuffle the labels first (seeded), so there is nothing to find;
    ``with_reproducible`` also run the reproducible team's cross-validation (slower).
    Returns a :class:`ForkingPaths`. Cached: a pure function of its arguments. Treat the
    ``scores`` DataFrame as read-only.
    """
    return run_both_teams(seed, shuffled, with_reproducible, loan_design_matrix(), _cached_variant_scores(seed, shuffled))


def irreproducible_run_again() -> ForkingPaths:
    """The irreproducible team's procedure on a split nobody recorded.

    Returns a :class:`ForkingPaths` whose ``seed`` is None: the number it reports cannot
    be traced back, which is the point.
    """
    # PITFALL: the split seed is drawn fresh and never written down.
    unrecorded = secrets.randbelow(2**31)
    design = loan_design_matrix()
    result = run_both_teams(unrecorded, False, False, design, _variant_scores(unrecorded, False, design))
    # PITFALL: the result travels without the seed that produced it.
    return ForkingPaths(**{**{f.name: getattr(result, f.name) for f in fields(result)}, "seed": None})


@lru_cache(maxsize=8)
def optimism_over_seeds(seeds: tuple[int, ...] = SPLIT_SEEDS) -> pd.DataFrame:
    """Best-of-N on the test set vs the same variant on the locked holdout, per split seed,
    on the real labels and on shuffled labels.

    Parameters: ``seeds`` the split seeds (default: ``SPLIT_SEEDS``, ten fixed in advance).
    Returns one row per (labels, seed): ``labels`` ("real" or "shuffled"), ``seed``,
    ``chosen``, ``best_test_auc``, ``holdout_auc``, ``optimism_gap``. Cached.
    """
    rows = []
    for shuffled in (False, True):
        for seed in seeds:
            result = forking_paths(seed, shuffled, with_reproducible=False)
            rows.append(
                {
                    "labels": "shuffled" if shuffled else "real",
                    "seed": seed,
                    "chosen": result.irreproducible_choice,
                    "best_test_auc": result.irreproducible_reported_auc,
                    "holdout_auc": result.irreproducible_holdout_auc,
                    "optimism_gap": result.optimism_gap,
                }
            )
    return pd.DataFrame(rows)


def summarise_optimism(table: pd.DataFrame) -> pd.DataFrame:
    """Mean and range of the best test score, the holdout score and the gap, per labels.

    Parameters: ``table`` from :func:`optimism_over_seeds`. Returns one row per labels.
    """
    grouped = table.groupby("labels", sort=False)
    return pd.DataFrame(
        {
            "runs": grouped.size(),
            "mean_best_test_auc": grouped["best_test_auc"].mean().round(4),
            "mean_holdout_auc": grouped["holdout_auc"].mean().round(4),
            "mean_optimism_gap": grouped["optimism_gap"].mean().round(4),
            "min_optimism_gap": grouped["optimism_gap"].min().round(4),
            "max_optimism_gap": grouped["optimism_gap"].max().round(4),
        }
    ).reset_index()


# Functions named by predict-then-run checks (no arguments, deterministic).


def locked_holdout_auc() -> float:
    """ROC AUC on the locked holdout of the variant the irreproducible team announced
    (split seed ``DEFAULT_SEED``)."""
    return forking_paths(DEFAULT_SEED).irreproducible_holdout_auc


def shuffled_best_test_auc() -> float:
    """Mean over ``SPLIT_SEEDS`` of the best-of-N test ROC AUC on shuffled labels."""
    table = optimism_over_seeds()
    return round(float(table.loc[table["labels"] == "shuffled", "best_test_auc"].mean()), 6)


# --------------------------------------------------------------------------------------
# The design card
# --------------------------------------------------------------------------------------

# Metrics a card may name; only expected cost weighs the two errors as the bank does.
METRICS: dict[str, str] = {
    "expected_cost": (
        f"expected cost per applicant: approving a bad risk costs {COST_APPROVE_BAD:g}, "
        f"declining a good one {COST_DECLINE_GOOD:g}; decline above the threshold the matrix implies"
    ),
    "roc_auc": "ROC AUC: ranking quality, blind to the costs and to the threshold",
    "accuracy": "accuracy at 0.5: counts both errors as equally bad",
}
COST_AWARE_METRICS = frozenset({"expected_cost"})

# Ways of summarising several runs; the best run is a selected, optimistic number.
SUMMARIES: dict[str, str] = {
    "median_and_range": "median and range over the runs",
    "mean_and_sd": "mean and standard deviation over the runs",
    "best_run": "the best run",
}
HONEST_SUMMARIES = frozenset({"median_and_range", "mean_and_sd"})


@dataclass(frozen=True)
class DesignCard:
    """Written before any modelling. Every field is a decision a reviewer can check.

    ``metric`` is a key of ``METRICS``; ``summary`` a key of ``SUMMARIES``;
    ``holdout_locked`` True when the split sets rows aside that no comparison of variants
    may see, to be opened once at the end; ``success_threshold`` the largest acceptable
    value of the metric on the locked holdout.
    """

    question: str = ""
    target: str = ""
    metric: str = ""
    split: str = ""
    holdout_locked: bool = False
    seed: int | None = None
    baseline: str = ""
    success_threshold: float | None = None
    n_runs: int | None = None
    summary: str = ""


@dataclass(frozen=True)
class PlanGap:
    """One thing a design card is missing, or gets wrong, and why it matters."""

    field: str
    problem: str


def check_plan(card: DesignCard) -> list[PlanGap]:
    """Say what a design card is missing before any model is trained.

    Parameters: ``card`` the plan. Returns one :class:`PlanGap` per missing or unusable
    field, in the card's field order; an empty list means the plan is complete. A split is
    unusable when several runs are compared (``n_runs`` > 1) and no holdout is locked.
    """
    gaps: list[PlanGap] = []

    def missing(name: str, why: str) -> None:
        gaps.append(PlanGap(name, f"missing: {why}"))

    if not card.question.strip():
        missing("question", "what decision will the model support?")
    if not card.target.strip():
        missing("target", "which column, which value counts as positive?")
    if not card.metric.strip():
        missing("metric", "how is 'good' measured?")
    elif card.metric not in METRICS:
        gaps.append(PlanGap("metric", f"unknown metric {card.metric!r}: choose one of {sorted(METRICS)}"))
    elif card.metric not in COST_AWARE_METRICS:
        gaps.append(
            PlanGap("metric", "not tied to the cost matrix: it treats the two errors as the bank does not")
        )
    if not card.split.strip():
        missing("split", "which rows are held out, and when are they opened?")
    elif card.n_runs is not None and card.n_runs > 1 and not card.holdout_locked:
        # Choosing among several runs on the rows that report the result is selection on
        # those rows: the reported number carries the luck of the choice.
        gaps.append(
            PlanGap("split", "several variants are compared on the test rows: keep a locked holdout, opened once")
        )
    if card.seed is None:
        missing("seed", "without it the split cannot be made again")
    if not card.baseline.strip():
        missing("baseline", "better than what?")
    if card.success_threshold is None:
        missing("success_threshold", "what result, decided now, counts as success?")
    if card.n_runs is None or card.n_runs < 1:
        missing("n_runs", "how many runs (seeds) will be reported?")
    if not card.summary.strip():
        missing("summary", "how will several runs become one number?")
    elif card.summary not in SUMMARIES:
        gaps.append(PlanGap("summary", f"unknown summary {card.summary!r}: choose one of {sorted(SUMMARIES)}"))
    elif card.summary not in HONEST_SUMMARIES:
        gaps.append(PlanGap("summary", "reports a selected run: central tendency and spread are missing"))
    return gaps


# What the irreproducible team "planned": one sentence and a habit.
VAGUE_PLAN = DesignCard(
    question="Predict which applicants are bad credit risks.",
    target="risk (bad = 1)",
    metric="accuracy",
    split=f"{N_TEST} random rows for testing, {N_TRAIN} for training",
    holdout_locked=False,
    seed=None,
    baseline="",
    success_threshold=None,
    n_runs=20,
    summary="best_run",
)

# The reproducible team's card, written before modelling; the demo follows it.
REPRODUCIBLE_CARD = DesignCard(
    question="Which applicants should the bank decline so that the expected cost per applicant is lowest?",
    target="risk: bad = 1, good = 0 (the Statlog class column)",
    metric="expected_cost",
    split=(
        f"stratified: {HOLDOUT_SIZE:.0%} locked holdout opened once; variants chosen by "
        f"{CV_FOLDS}-fold cross-validation inside the rest"
    ),
    holdout_locked=True,
    seed=DEFAULT_SEED,
    baseline="the cheaper constant policy: decline everyone or approve everyone",
    # Decided before modelling: a model is worth deploying only if it saves at least a
    # tenth of a cost unit per applicant over the constant policy (0.7 at 30% bad risks).
    success_threshold=0.6,
    # The runs are the CV folds of the chosen variant: reported as median and range.
    n_runs=CV_FOLDS,
    summary="median_and_range",
)


# --------------------------------------------------------------------------------------
# Headline
# --------------------------------------------------------------------------------------


def side_by_side() -> pd.DataFrame:
    """The stage's headline figures for ``DEFAULT_SEED``: what each team reports, and what
    the irreproducible team's number is worth on the locked holdout.

    Returns a DataFrame with columns ``figure``, ``irreproducible``, ``reproducible``
    (display strings).
    """
    run = forking_paths(DEFAULT_SEED)
    folds = run.reproducible_cv_fold_costs
    summary = summarise_optimism(optimism_over_seeds()).set_index("labels")
    met = (
        run.reproducible_holdout_expected_cost is not None
        and run.reproducible_holdout_expected_cost <= REPRODUCIBLE_CARD.success_threshold
    )
    return pd.DataFrame(
        {
            "figure": [
                "written plan",
                "variants tried",
                "chosen by",
                "chosen variant",
                "selection score: median [range] over the runs",
                "reported ROC AUC",
                "ROC AUC on the locked holdout",
                "expected cost per applicant on the holdout (baseline)",
                f"mean optimism gap over {len(SPLIT_SEEDS)} split seeds",
                "shuffled labels: mean best test AUC → holdout AUC",
            ],
            "irreproducible": [
                f"{len(check_plan(VAGUE_PLAN))} gaps",
                f"{len(VARIANTS)}",
                "best test score",
                run.irreproducible_choice,
                f"{run.irreproducible_reported_auc:.3f} ROC AUC, one test set",
                f"{run.irreproducible_reported_auc:.3f} (best test score)",
                f"{run.irreproducible_holdout_auc:.3f}",
                "not planned",
                f"{summary.loc['real', 'mean_optimism_gap']:+.3f}",
                f"{summary.loc['shuffled', 'mean_best_test_auc']:.3f} → "
                f"{summary.loc['shuffled', 'mean_holdout_auc']:.3f}",
            ],
            "reproducible": [
                f"design card, {len(check_plan(REPRODUCIBLE_CARD))} gaps",
                f"{len(VARIANTS)}",
                f"{CV_FOLDS}-fold CV expected cost inside development",
                str(run.reproducible_choice),
                f"{statistics.median(folds):.3f} [{min(folds):.3f}–{max(folds):.3f}] expected cost, "
                f"{len(folds)} CV folds",
                f"{run.reproducible_holdout_auc:.3f} (locked holdout, opened once)",
                f"{run.reproducible_holdout_auc:.3f}",
                f"{run.reproducible_holdout_expected_cost:.3f} ({run.baseline_holdout_expected_cost:.3f}); "
                f"threshold {REPRODUCIBLE_CARD.success_threshold:g} {'met' if met else 'not met'}",
                "0 by construction: the holdout is the report",
                "the holdout is opened once, so there is no best-of-N to inflate",
            ],
        }
    )
