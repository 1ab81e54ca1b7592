"""Repeated training runs as a table, and how much they agree.

:class:`RunPoint` is one run as a point on a chart (ROC AUC, hashes, seconds);
:func:`runs_frame` turns points into a DataFrame and :func:`summarise_runs` says how far
the runs spread and how many distinct results they gave.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields

import pandas as pd

from case_study.errors import CaseStudyError
from case_study.pipelines import TrainingRun


@dataclass(frozen=True)
class RunPoint:
    """One training run as a point on a chart: its ROC AUC and fingerprints."""

    run: int
    pipeline: str
    roc_auc: float
    accuracy: float
    expected_cost: float
    model_sha256: str
    predictions_sha256: str
    seconds: float


def run_point(run_number: int, run: TrainingRun, seconds: float) -> RunPoint:
    """One trained run as a :class:`RunPoint` labelled ``run_number`` (``seconds`` it took)."""
    return RunPoint(
        run=run_number,
        pipeline=run.pipeline,
        roc_auc=run.metrics["roc_auc"],
        accuracy=run.metrics["accuracy"],
        expected_cost=run.metrics["expected_cost"],
        model_sha256=run.model_sha256,
        predictions_sha256=run.predictions_sha256,
        seconds=round(seconds, 4),
    )


def runs_frame(points: Iterable[RunPoint | dict]) -> pd.DataFrame:
    """Turn run points (dataclasses or their ``asdict`` form) into a chart-ready DataFrame.

    Returns one row per run with the columns of :class:`RunPoint`.
    """
    rows = [asdict(p) if isinstance(p, RunPoint) else dict(p) for p in points]
    return pd.DataFrame(rows, columns=[f.name for f in fields(RunPoint)])


@dataclass(frozen=True)
class RunSummary:
    """How much a set of runs agrees: range of ROC AUC and number of distinct results."""

    n: int
    min_auc: float
    median_auc: float
    max_auc: float
    spread: float
    distinct_auc: int
    distinct_model_hashes: int
    distinct_prediction_hashes: int


def summarise_runs(runs: pd.DataFrame) -> RunSummary:
    """Summarise a runs DataFrame from :func:`unseeded_runs` or :func:`seeded_runs`.

    Returns a :class:`RunSummary`; ``spread`` is max − min ROC AUC (0.0 for one value).
    """
    if runs.empty:
        raise CaseStudyError("No runs to summarise: expected at least one run; train one first.")
    auc = runs["roc_auc"]
    return RunSummary(
        n=len(runs),
        min_auc=float(auc.min()),
        median_auc=float(auc.median()),
        max_auc=float(auc.max()),
        spread=round(float(auc.max() - auc.min()), 6),
        distinct_auc=int(auc.nunique()),
        distinct_model_hashes=int(runs["model_sha256"].nunique()),
        distinct_prediction_hashes=int(runs["predictions_sha256"].nunique()),
    )
