"""Two models compared over many split seeds: paired runs, the winner after n, the intervals."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn.model_selection import train_test_split

from case_study import model_comparison as mc
from case_study.design_matrix import loan_design_matrix, roc_auc
from case_study.errors import CaseStudyError
from case_study.intervals import corrected_resampled_t_interval, mean_t_interval
from case_study.variants import Variant, build_pipeline


@pytest.fixture(scope="module")
def comparison() -> mc.ModelComparison:
    return mc.compare_models()


def test_at_least_thirty_seeds_read_after_one_five_and_thirty(comparison):
    """The demo's promise: 30 or more split seeds, summarised after 1, 5 and 30 runs."""
    assert comparison.n_runs == len(mc.COMPARISON_SEEDS) >= 30
    assert [s.n_runs for s in comparison.summaries] == [1, 5, 30]
    assert list(comparison.runs["split_seed"]) == list(mc.COMPARISON_SEEDS)


def test_each_run_scores_both_models_on_the_same_split(comparison):
    """One seed recomputed by hand: same stratified split for both, difference = first − second."""
    design = loan_design_matrix()
    seed = mc.COMPARISON_SEEDS[3]
    train, test = train_test_split(np.arange(len(design.target)), test_size=0.25,
                                   stratify=design.target, random_state=seed)
    scores = []
    for variant in mc.COMPARED:
        model = build_pipeline(variant, seed, design).fit(design.values[train],
                                                          design.target[train])
        scores.append(roc_auc(design.target[test], model.predict_proba(design.values[test])[:, 1]))
    row = comparison.runs.iloc[3]
    assert (row.auc_first, row.auc_second) == pytest.approx(tuple(scores))
    assert row.difference == pytest.approx(scores[0] - scores[1], abs=1e-6)
    assert (comparison.n_train, comparison.n_test) == (len(train), len(test))
    assert comparison.test_over_train == pytest.approx(len(test) / len(train))


def test_the_comparison_is_deterministic(comparison):
    """Computed twice, the same numbers: a UI may cache it once per process."""
    again = mc.compare_models()
    # repr, not ==: the one-run summary's NaNs never compare equal.
    assert [repr(s) for s in again.summaries] == [repr(s) for s in comparison.summaries]
    assert again.runs.equals(comparison.runs)


def test_summaries_recompute_from_the_runs(comparison):
    """Each summary is the first n runs' mean, wins and intervals, nothing else."""
    for summary in comparison.summaries[1:]:
        head = comparison.runs["difference"].to_numpy()[: summary.n_runs]
        assert summary.mean_difference == pytest.approx(head.mean(), abs=1e-6)
        assert summary.first_wins == int((head > 0).sum())
        assert (summary.paired_low, summary.paired_high) == pytest.approx(
            mean_t_interval(head), abs=1e-6)
        assert (summary.corrected_low, summary.corrected_high) == pytest.approx(
            corrected_resampled_t_interval(head, comparison.test_over_train), abs=1e-6)
        expected = (comparison.first if head.mean() > 0 else comparison.second)
        assert summary.winner == expected


def test_one_run_names_a_winner_but_has_no_interval(comparison):
    """After one run there is a winner and a difference, but no spread and no interval."""
    one = comparison.summary(1)
    assert one.winner in (comparison.first, comparison.second)
    assert one.first_wins in (0, 1)
    assert all(math.isnan(v) for v in (one.sd_difference, one.paired_low, one.corrected_high))


def test_corrected_interval_contains_the_paired_one(comparison):
    """Overlapping training sets widen the interval: the corrected one holds the naive one."""
    for summary in comparison.summaries[1:]:
        assert summary.corrected_low < summary.paired_low <= summary.mean_difference
        assert summary.mean_difference <= summary.paired_high < summary.corrected_high


def test_running_columns_follow_the_runs(comparison):
    """The chart's running mean and interval after run k are the first k runs'."""
    runs = comparison.runs
    k = 12
    assert runs["run"].iloc[k - 1] == k
    assert runs["running_mean"].iloc[k - 1] == pytest.approx(
        runs["difference"].iloc[:k].mean(), abs=1e-6)
    assert math.isnan(runs["corrected_low"].iloc[0])
    assert runs["corrected_low"].iloc[k - 1] == pytest.approx(
        corrected_resampled_t_interval(runs["difference"].iloc[:k], comparison.test_over_train)[0],
        abs=1e-6)


def test_a_model_against_itself_is_a_tie():
    """The same variant twice: every difference 0, no winner, an interval of zero width."""
    same = mc.compare_models(mc.COMPARED[0], mc.COMPARED[0], seeds=range(3), run_counts=(3,))
    summary = same.summary(3)
    assert summary.winner == mc.TIE
    assert summary.mean_difference == 0 and summary.first_wins == 0
    assert summary.corrected_low == summary.corrected_high == 0


def test_report_states_runs_centre_variation_and_interval(comparison):
    """The honest report names the number of runs, the mean, the sd and the interval."""
    last = comparison.summaries[-1]
    report = comparison.report
    assert f"over {last.n_runs} split seeds" in report
    assert f"{last.mean_difference:+.4f}" in report and f"sd {last.sd_difference:.4f}" in report
    assert f"{last.corrected_low:+.4f} to {last.corrected_high:+.4f}" in report


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"seeds": [1]}, "at least 2"), ({"seeds": [1, 1, 2]}, "distinct"),
     ({"seeds": [1, 2], "run_counts": (3,)}, "first 3 runs"),
     ({"first": Variant("all 20 attributes", "a random forest")}, "Unknown model family")],
)
def test_impossible_comparisons_are_refused(kwargs, message):
    """Too few or repeated seeds, a run count beyond them, an unknown model: a clear error."""
    with pytest.raises(CaseStudyError, match=message):
        mc.compare_models(**kwargs)


def test_asking_for_a_summary_not_computed_says_which_are(comparison):
    """summary(7) when 1, 5 and 30 were computed: the error lists them."""
    with pytest.raises(CaseStudyError, match=r"\[1, 5, 30\]"):
        comparison.summary(7)
