"""Comparing two models: how many runs, which interval, and what one run cannot show.

A team asks whether leaving age, sex and foreign-worker status out of the loan model costs
it anything. :func:`compare_models` trains two of Stage 1's variants
(:data:`COMPARED`: the same logistic regression on all 20 attributes, and without those
three) on the **same** stratified split for each of :data:`COMPARISON_SEEDS`, and scores
both on that split's test rows. The difference per seed is a paired measurement: both
models saw the same rows, so the split's luck cancels in part.

:func:`summarise_first_runs` reads the first 1, 5, 30 runs as a team that stopped there
would: the apparent winner, the mean paired difference, and two 95% intervals — the
paired t interval (runs treated as independent) and Nadeau & Bengio's corrected resampled
t interval (the runs' training sets overlap, so they are not independent). One run has no
interval at all: it cannot say how much the difference moves from split to split.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from case_study.design_matrix import DesignMatrix, loan_design_matrix, roc_auc
from case_study.errors import CaseStudyError
from case_study.intervals import corrected_resampled_t_interval, mean_t_interval
from case_study.pipelines import TEST_SIZE
from case_study.variants import MODEL_FAMILIES, Variant, build_pipeline

__all__ = [
    "COMPARED", "COMPARISON_SEEDS", "CONFIDENCE", "RUN_COUNTS", "ModelComparison",
    "RunsSummary", "compare_models", "paired_aucs", "summarise_first_runs",
]

_MODEL = "logistic regression, C=1"
# The question: does leaving out age, sex and foreign-worker status cost the model anything?
COMPARED: tuple[Variant, Variant] = (
    Variant("all 20 attributes", _MODEL),
    Variant("all but age, sex, foreign", _MODEL),
)
COMPARISON_SEEDS: tuple[int, ...] = tuple(range(30))
RUN_COUNTS: tuple[int, ...] = (1, 5, 30)  # what a team that stopped after n runs would see
CONFIDENCE = 0.95
TIE = "neither (a tie)"


@dataclass(frozen=True)
class RunsSummary:
    """The comparison as it looks after the first ``n_runs`` split seeds."""

    n_runs: int
    mean_first: float  # mean ROC AUC of the first model over these runs
    mean_second: float
    mean_difference: float  # first minus second, averaged over the runs
    sd_difference: float  # NaN for one run: no spread to measure
    first_wins: int  # runs in which the first model scored higher
    winner: str  # the apparent winner: the model with the higher mean, or TIE
    paired_low: float  # the paired t interval (runs treated as independent); NaN for one run
    paired_high: float
    corrected_low: float  # Nadeau & Bengio's corrected resampled t interval; NaN for one run
    corrected_high: float

    @property
    def corrected_excludes_zero(self) -> bool:
        """True when the corrected interval lies wholly on one side of no difference."""
        return self.corrected_low > 0 or self.corrected_high < 0

    @property
    def paired_excludes_zero(self) -> bool:
        """True when the paired t interval lies wholly on one side of no difference."""
        return self.paired_low > 0 or self.paired_high < 0


@dataclass(frozen=True)
class ModelComparison:
    """Two models scored on the same split for each of many split seeds, and the summaries."""

    first: str  # the first model's readable name
    second: str
    test_over_train: float  # n_test / n_train of every split (the correction's factor)
    n_train: int
    n_test: int
    summaries: tuple[RunsSummary, ...]  # one per run count asked for, in that order
    # split_seed, auc_first, auc_second, difference, run (1..n), running_mean,
    # corrected_low, corrected_high (the corrected interval over the runs so far)
    runs: pd.DataFrame = field(repr=False, compare=False)

    @property
    def n_runs(self) -> int:
        """How many split seeds were run."""
        return len(self.runs)

    def summary(self, n_runs: int) -> RunsSummary:
        """The summary after ``n_runs`` runs (one of the run counts computed)."""
        for summary in self.summaries:
            if summary.n_runs == n_runs:
                return summary
        computed = [s.n_runs for s in self.summaries]
        raise CaseStudyError(
            f"No summary after {n_runs} runs; computed: {computed}. Pass it in run_counts."
        )

    @property
    def report(self) -> str:
        """The comparison as the checklist asks for it: runs, centre, variation, interval."""
        last = self.summaries[-1]
        return (
            f"over {last.n_runs} split seeds ({self.n_test} test rows each), "
            f"{self.first} minus {self.second}: mean ROC AUC difference "
            f"{last.mean_difference:+.4f} (sd {last.sd_difference:.4f}); 95% corrected "
            f"resampled t interval {last.corrected_low:+.4f} to {last.corrected_high:+.4f}"
        )


def _split(target: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Row positions of the stratified train/test split of one seed (the pipelines' size)."""
    return train_test_split(
        np.arange(len(target)), test_size=TEST_SIZE, stratify=target, random_state=seed
    )


def paired_aucs(
    first: Variant, second: Variant, seeds: Iterable[int], design: DesignMatrix | None = None
) -> pd.DataFrame:
    """Train both variants on the same split per seed and score both on its test rows.

    Args:
        first: The first variant (Stage 1's feature sets and model families).
        second: The second variant.
        seeds: Split seeds; each also seeds both models.
        design: The loan data as numbers (default: :func:`loan_design_matrix`).

    Returns:
        A DataFrame with ``split_seed``, ``auc_first``, ``auc_second`` and ``difference``
        (first minus second), one row per seed, in the order given. Deterministic.

    Raises:
        CaseStudyError: an unknown feature set or model family.
    """
    design = design or loan_design_matrix()
    for variant in (first, second):
        if variant.model not in MODEL_FAMILIES:
            raise CaseStudyError(
                f"Unknown model family {variant.model!r}: expected one of {list(MODEL_FAMILIES)}."
            )
    rows = []
    for seed in seeds:
        train, test = _split(design.target, seed)
        scores = []
        for variant in (first, second):
            model = build_pipeline(variant, seed, design)
            model.fit(design.values[train], design.target[train])
            p_bad = model.predict_proba(design.values[test])[:, 1]
            scores.append(roc_auc(design.target[test], p_bad))
        rows.append({"split_seed": seed, "auc_first": scores[0], "auc_second": scores[1],
                     "difference": round(scores[0] - scores[1], 6)})
    return pd.DataFrame(rows, columns=["split_seed", "auc_first", "auc_second", "difference"])


def summarise_first_runs(
    runs: pd.DataFrame, n_runs: int, test_over_train: float, names: Sequence[str] = ("A", "B")
) -> RunsSummary:
    """The comparison after the first ``n_runs`` rows of :func:`paired_aucs`.

    Args:
        runs: The paired scores, in run order.
        n_runs: How many of the first runs to use (1 to ``len(runs)``).
        test_over_train: n_test / n_train of each split, for the corrected interval.
        names: The two models' names, for the winner.

    Returns:
        A :class:`RunsSummary`; with one run, every spread and interval is NaN.

    Raises:
        CaseStudyError: ``n_runs`` outside 1 to ``len(runs)``.
    """
    if not 1 <= n_runs <= len(runs):
        raise CaseStudyError(
            f"Cannot summarise the first {n_runs} runs of {len(runs)}: choose 1 to {len(runs)}."
        )
    head = runs.iloc[:n_runs]
    differences = head["difference"].to_numpy(dtype=float)
    mean = float(np.mean(differences))
    paired = mean_t_interval(differences, CONFIDENCE)
    corrected = corrected_resampled_t_interval(differences, test_over_train, CONFIDENCE)
    winner = names[0] if mean > 0 else names[1] if mean < 0 else TIE
    return RunsSummary(
        n_runs=n_runs,
        mean_first=round(float(head["auc_first"].mean()), 6),
        mean_second=round(float(head["auc_second"].mean()), 6),
        mean_difference=round(mean, 6),
        sd_difference=round(float(np.std(differences, ddof=1)), 6) if n_runs > 1 else math.nan,
        first_wins=int((differences > 0).sum()),
        winner=winner,
        paired_low=round(paired[0], 6), paired_high=round(paired[1], 6),
        corrected_low=round(corrected[0], 6), corrected_high=round(corrected[1], 6),
    )


def _running(runs: pd.DataFrame, test_over_train: float) -> pd.DataFrame:
    """Add the run number, the running mean difference and the corrected interval so far."""
    out = runs.copy()
    out["run"] = np.arange(1, len(out) + 1)
    differences = out["difference"].to_numpy(dtype=float)
    out["running_mean"] = np.round(np.cumsum(differences) / out["run"].to_numpy(), 6)
    intervals = [corrected_resampled_t_interval(differences[:n], test_over_train, CONFIDENCE)
                 for n in range(1, len(out) + 1)]
    out["corrected_low"] = [round(low, 6) for low, _ in intervals]
    out["corrected_high"] = [round(high, 6) for _, high in intervals]
    return out


def compare_models(
    first: Variant = COMPARED[0],
    second: Variant = COMPARED[1],
    seeds: Iterable[int] = COMPARISON_SEEDS,
    run_counts: Iterable[int] = RUN_COUNTS,
) -> ModelComparison:
    """Compare two variants over many split seeds, read after 1, 5, … runs.

    Args:
        first: The first variant (default: all 20 attributes).
        second: The second variant (default: without age, sex and foreign-worker status).
        seeds: The split seeds, in run order (at least 2 distinct).
        run_counts: After how many runs to summarise (each between 1 and the number of seeds).

    Returns:
        A :class:`ModelComparison`; deterministic, so a UI may cache it.

    Raises:
        CaseStudyError: fewer than 2 seeds, a repeated seed, or a run count out of range.
    """
    seeds = tuple(seeds)
    if len(seeds) < 2 or len(set(seeds)) != len(seeds):
        raise CaseStudyError(
            f"A comparison needs at least 2 distinct split seeds; got {list(seeds)}."
        )
    design = loan_design_matrix()
    train, test = _split(design.target, seeds[0])
    test_over_train = len(test) / len(train)
    runs = _running(paired_aucs(first, second, seeds, design), test_over_train)
    names = (first.feature_set, second.feature_set)
    return ModelComparison(
        first=names[0],
        second=names[1],
        test_over_train=test_over_train,
        n_train=len(train),
        n_test=len(test),
        summaries=tuple(summarise_first_runs(runs, n, test_over_train, names)
                        for n in run_counts),
        runs=runs,
    )
