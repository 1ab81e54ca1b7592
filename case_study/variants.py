"""The forking paths: the model variants an analyst might try by hand, as Pipelines.

Ten feature sets (:data:`FEATURE_SETS`) times two settings of a logistic regression
(:data:`MODEL_FAMILIES`) give the twenty :data:`VARIANTS` of Stage 1;
:func:`build_pipeline` turns one into an unfitted scikit-learn Pipeline (select its
columns, scale, fit).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from case_study.design_matrix import ALL_ATTRIBUTES, DesignMatrix, loan_design_matrix
from case_study.errors import CaseStudyError

# The feature sets an analyst might try by hand, each with a name a learner can read.
FEATURE_SETS: dict[str, tuple[str, ...]] = {
    "all 20 attributes": ALL_ATTRIBUTES,
    "finances": (
        "checking_status",
        "credit_history",
        "savings",
        "credit_amount",
        "duration_months",
        "installment_rate",
        "existing_credits",
    ),
    "accounts and history": ("checking_status", "credit_history", "savings", "duration_months"),
    "the loan itself": (
        "purpose",
        "credit_amount",
        "duration_months",
        "installment_rate",
        "other_installment_plans",
        "other_debtors",
    ),
    "the applicant": (
        "age_years",
        "employment_since",
        "job",
        "housing",
        "residence_since",
        "property",
        "dependents",
        "telephone",
        "foreign_worker",
        "personal_status_sex",
    ),
    "all but age, sex, foreign": tuple(
        a for a in ALL_ATTRIBUTES if a not in ("personal_status_sex", "age_years", "foreign_worker")
    ),
    "six picked by eye": (
        "checking_status",
        "duration_months",
        "credit_history",
        "savings",
        "purpose",
        "property",
    ),
    "six more by eye": (
        "checking_status",
        "credit_amount",
        "age_years",
        "employment_since",
        "housing",
        "purpose",
    ),
    "history and assets": (
        "credit_history",
        "savings",
        "duration_months",
        "other_debtors",
        "property",
        "job",
    ),
    "a hunch": (
        "checking_status",
        "savings",
        "installment_rate",
        "age_years",
        "other_installment_plans",
        "telephone",
    ),
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
        """The variant's readable name: ``"<model> · <feature set>"``."""
        return f"{self.model} · {self.feature_set}"


VARIANTS: tuple[Variant, ...] = tuple(Variant(f, m) for f in FEATURE_SETS for m in MODEL_FAMILIES)


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
