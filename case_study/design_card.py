"""The design card: the decisions written down before any model is trained.

A :class:`DesignCard` names the question, the target, the metric (tied to the bank's cost
matrix), the split (with a locked holdout), the seed, the baseline, the success threshold
decided in advance, and how several runs become one number. :func:`check_plan` says what
a card is missing. Stage 1 compares the irreproducible team's vague plan with the
reproducible team's card.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from case_study.pipelines import COST_APPROVE_BAD, COST_DECLINE_GOOD

# Metrics a card may name; only expected cost weighs the two errors as the bank does.
METRICS: dict[str, str] = {
    "expected_cost": (
        f"expected cost per applicant: approving a bad risk costs {COST_APPROVE_BAD:g}, "
        f"declining a good one {COST_DECLINE_GOOD:g}; decline above the threshold the matrix "
        "implies"
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


def _missing(why: str) -> str:
    return f"missing: {why}"


def _metric_problem(card: DesignCard) -> str | None:
    if not card.metric.strip():
        return _missing("how is 'good' measured?")
    if card.metric not in METRICS:
        return f"unknown metric {card.metric!r}: choose one of {sorted(METRICS)}"
    if card.metric not in COST_AWARE_METRICS:
        return "not tied to the cost matrix: it treats the two errors as the bank does not"
    return None


def _split_problem(card: DesignCard) -> str | None:
    if not card.split.strip():
        return _missing("which rows are held out, and when are they opened?")
    if card.n_runs is not None and card.n_runs > 1 and not card.holdout_locked:
        # Choosing among several runs on the rows that report the result is selection on
        # those rows: the reported number carries the luck of the choice.
        return "several variants are compared on the test rows: keep a locked holdout, opened once"
    return None


def _summary_problem(card: DesignCard) -> str | None:
    if not card.summary.strip():
        return _missing("how will several runs become one number?")
    if card.summary not in SUMMARIES:
        return f"unknown summary {card.summary!r}: choose one of {sorted(SUMMARIES)}"
    if card.summary not in HONEST_SUMMARIES:
        return "reports a selected run: central tendency and spread are missing"
    return None


# One check per field, in the card's field order; each says what is wrong, or None.
_FIELD_CHECKS: tuple[tuple[str, Callable[[DesignCard], str | None]], ...] = (
    (
        "question",
        lambda c: None if c.question.strip() else _missing("what decision will the model support?"),
    ),
    (
        "target",
        lambda c: (
            None if c.target.strip() else _missing("which column, which value counts as positive?")
        ),
    ),
    ("metric", _metric_problem),
    ("split", _split_problem),
    (
        "seed",
        lambda c: (
            None if c.seed is not None else _missing("without it the split cannot be made again")
        ),
    ),
    ("baseline", lambda c: None if c.baseline.strip() else _missing("better than what?")),
    (
        "success_threshold",
        lambda c: (
            None
            if c.success_threshold is not None
            else _missing("what result, decided now, counts as success?")
        ),
    ),
    (
        "n_runs",
        lambda c: (
            None
            if c.n_runs is not None and c.n_runs >= 1
            else _missing("how many runs (seeds) will be reported?")
        ),
    ),
    ("summary", _summary_problem),
)


def check_plan(card: DesignCard) -> list[PlanGap]:
    """Say what a design card is missing before any model is trained.

    A split is unusable when several runs are compared (``n_runs`` > 1) and no holdout is
    locked.

    Args:
        card: the plan.

    Returns:
        One :class:`PlanGap` per missing or unusable field, in the card's field order; an
        empty list means the plan is complete.
    """
    gaps = []
    for name, problem_of in _FIELD_CHECKS:
        problem = problem_of(card)
        if problem is not None:
            gaps.append(PlanGap(name, problem))
    return gaps
