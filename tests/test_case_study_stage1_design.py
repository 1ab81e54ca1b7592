"""Stage 1: best-of-N on the test set vs a design card, cross-validation and a locked holdout."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from dataclasses import replace

import numpy as np
import pytest

from case_study import stage1_design as s1
from case_study.paths import LESSONS_DIR, PROJECT_ROOT
from case_study.pipelines import COST_THRESHOLD


def _design_checks() -> dict[str, dict]:
    text = (LESSONS_DIR / "01-design" / "checks.toml").read_text(encoding="utf-8")
    checks = tomllib.loads(text)["check"]
    return {c["id"]: c for c in checks}


def test_the_team_announces_the_best_test_score_and_the_holdout_is_that_variants():
    """The irreproducible number is the maximum test AUC; its holdout is the same variant's."""
    run = s1.forking_paths(42)
    scores = run.scores.set_index("variant")
    assert len(scores) == len(s1.VARIANTS) == 20
    assert run.irreproducible_reported_auc == scores["test_auc"].max()
    assert run.irreproducible_holdout_auc == scores.loc[run.irreproducible_choice, "holdout_auc"]
    assert run.optimism_gap == round(
        run.irreproducible_reported_auc - run.irreproducible_holdout_auc, 6
    )


def test_the_reproducible_team_chooses_on_cross_validated_expected_cost():
    """The card's metric decides: the chosen variant has the lowest mean CV expected cost."""
    run = s1.forking_paths(42)
    scores = run.scores.set_index("variant")
    assert run.reproducible_choice == scores["cv_expected_cost"].idxmin()
    assert len(run.reproducible_cv_fold_costs) == s1.CV_FOLDS
    assert 0.5 < run.reproducible_holdout_auc < 1.0


def test_the_holdout_plays_no_part_in_either_choice():
    """Flip every holdout label: both teams still choose the same variant (only scores on the
    holdout change), so neither choice looked at the holdout."""
    design = s1.loan_design_matrix()
    splits = s1.make_splits(design.target, 42)
    flipped_target = design.target.copy()
    flipped_target[splits.holdout] = 1 - flipped_target[splits.holdout]
    flipped = replace(design, target=flipped_target)
    # Stratified splitting depends on the labels' counts, so keep the split itself fixed.
    original_make_splits = s1.make_splits
    try:
        s1.make_splits = lambda target, seed: splits
        honest = s1.run_both_teams(42, False, True, design, s1._variant_scores(42, False, design))
        tampered = s1.run_both_teams(
            42, False, True, flipped, s1._variant_scores(42, False, flipped)
        )
    finally:
        s1.make_splits = original_make_splits
    assert tampered.irreproducible_choice == honest.irreproducible_choice
    assert tampered.reproducible_choice == honest.reproducible_choice
    assert tampered.reproducible_cv_fold_costs == honest.reproducible_cv_fold_costs
    assert tampered.reproducible_holdout_auc != honest.reproducible_holdout_auc


def test_the_optimism_gap_is_positive_on_average_over_split_seeds():
    """Over ten split seeds the announced best test score overstates the locked holdout."""
    table = s1.optimism_over_seeds()
    real = table[table["labels"] == "real"]
    assert len(real) == len(s1.SPLIT_SEEDS) == 10
    assert real["optimism_gap"].mean() > 0.01
    assert (real["optimism_gap"] > 0).sum() > len(real) / 2


def test_shuffled_labels_show_a_signal_on_the_test_set_and_none_on_the_holdout():
    """Nothing to find: best-of-20 is above chance on every seed's test set, the holdout is not."""
    table = s1.optimism_over_seeds()
    shuffled = table[table["labels"] == "shuffled"]
    assert (shuffled["best_test_auc"] > 0.54).all()
    assert shuffled["best_test_auc"].mean() > 0.55
    assert abs(shuffled["holdout_auc"].mean() - 0.5) < 0.05
    assert (shuffled["holdout_auc"] < 0.5).any()
    assert shuffled["best_test_auc"].mean() - shuffled["holdout_auc"].mean() > 0.02
    assert s1.shuffled_best_test_auc() == pytest.approx(shuffled["best_test_auc"].mean(), abs=1e-6)


def test_summarise_optimism_reports_runs_mean_and_range_per_labels():
    """One row per labels, with the number of runs, the means and the range of the gap."""
    summary = s1.summarise_optimism(s1.optimism_over_seeds()).set_index("labels")
    assert list(summary.index) == ["real", "shuffled"]
    assert (summary["runs"] == 10).all()
    assert (summary["min_optimism_gap"] <= summary["mean_optimism_gap"]).all()
    assert (summary["mean_optimism_gap"] <= summary["max_optimism_gap"]).all()


def test_seeded_results_do_not_depend_on_the_cache():
    """A fresh computation, bypassing every cache, gives the cached numbers exactly."""
    design = s1.loan_design_matrix()
    fresh = s1.run_both_teams(43, False, True, design, s1._variant_scores(43, False, design))
    cached = s1.forking_paths(43)
    assert fresh.scores.equals(cached.scores)
    assert fresh.reproducible_holdout_expected_cost == cached.reproducible_holdout_expected_cost


def test_a_run_on_an_unrecorded_split_has_no_seed_and_varies():
    """The team's procedure on unrecorded splits: no seed to trace; the announced score moves."""
    runs = [s1.irreproducible_run_again() for _ in range(3)]
    assert all(run.seed is None for run in runs)
    assert len({run.irreproducible_reported_auc for run in runs}) > 1


def _vague_plan_gaps() -> list[str]:
    return [gap.field for gap in s1.check_plan(s1.VAGUE_PLAN)]


def test_check_plan_finds_what_the_vague_plan_is_missing():
    """The team's one-line plan lacks a cost-aware metric, a locked holdout, a seed, a baseline, a
    threshold and an honest summary; the reproducible card lacks nothing."""
    assert _vague_plan_gaps() == [
        "metric", "split", "seed", "baseline", "success_threshold", "summary"
    ]
    assert s1.check_plan(s1.REPRODUCIBLE_CARD) == []
    empty = [gap.field for gap in s1.check_plan(s1.DesignCard())]
    assert empty == ["question", "target", "metric", "split", "seed", "baseline",
                     "success_threshold", "n_runs", "summary"]


def test_the_vague_plans_split_says_what_make_splits_does():
    """The plan's text names the rows the code really uses for testing and training."""
    splits = s1.make_splits(s1.loan_design_matrix().target, 42)
    unmentioned = len(splits.holdout)
    assert unmentioned == s1.N_APPLICANTS - len(splits.test) - len(splits.train)
    assert s1.VAGUE_PLAN.split == (
        f"{len(splits.test)} random rows for testing, {len(splits.train)} for training "
        f"(the other {unmentioned} not mentioned)"
    )


def test_the_vague_plan_check_lists_exactly_what_check_plan_finds():
    """The multiple-choice check's answer is check_plan's output, and its prompt shows the plan."""
    check = _design_checks()["design-vague-plan"]
    assert check["answer"] == _vague_plan_gaps()
    for value in (s1.VAGUE_PLAN.question, s1.VAGUE_PLAN.target, s1.VAGUE_PLAN.metric,
                  s1.VAGUE_PLAN.split, s1.VAGUE_PLAN.summary, str(s1.VAGUE_PLAN.n_runs)):
        assert value in check["prompt"]
    assert f"holdout_locked    = {str(s1.VAGUE_PLAN.holdout_locked).lower()}" in check["prompt"]


def test_the_threshold_check_agrees_with_the_cost_matrix():
    """The numeric check's answer is the threshold the cost matrix implies."""
    check = _design_checks()["design-threshold"]
    assert abs(check["answer"] - COST_THRESHOLD) <= check["tolerance"]


def test_baseline_is_the_cheaper_constant_policy():
    """With 30% bad risks, declining everyone (cost 1 × 0.7) beats approving everyone (5 × 0.3)."""
    target = s1.loan_design_matrix().target
    assert s1.baseline_expected_cost(target) == pytest.approx(0.7)
    assert s1.baseline_expected_cost(np.array([1, 0, 0, 0, 0, 0, 0, 0, 0, 0])) == pytest.approx(0.5)


def test_side_by_side_has_both_teams_figures():
    """python -m case_study stage 1 prints the announced score and the holdout, both columns."""
    table = s1.side_by_side()
    assert list(table.columns) == ["figure", "irreproducible", "reproducible"]
    rows = table.set_index("figure")
    holdout = rows.loc["ROC AUC on the locked holdout", "irreproducible"]
    assert holdout == f"{s1.locked_holdout_auc():.3f}"
    announced = s1.forking_paths(s1.DEFAULT_SEED).irreproducible_reported_auc
    assert rows.loc["reported ROC AUC", "irreproducible"].startswith(f"{announced:.3f}")


_WORKER = """
import json
from case_study import stage1_design as s1
run = s1.forking_paths(42)
print(json.dumps({"scores": run.scores.to_json(), "holdout": s1.locked_holdout_auc(),
                  "choice": run.reproducible_choice,
                  "cost": run.reproducible_holdout_expected_cost}))
"""


@pytest.mark.slow
def test_seeded_results_match_across_fresh_processes():
    """Two fresh processes with different hash salts give the same scores, byte for byte."""
    outputs = []
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed, "PYTHONPATH": str(PROJECT_ROOT)}
        done = subprocess.run([sys.executable, "-c", _WORKER], capture_output=True, text=True,
                              env=env, cwd=PROJECT_ROOT, timeout=120, check=True)
        outputs.append(json.loads(done.stdout))
    assert outputs[0] == outputs[1]
