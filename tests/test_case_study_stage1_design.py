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


def test_the_demo_uses_at_least_thirty_split_seeds_fixed_in_advance():
    """Ten seeds faked a shuffled-label holdout above chance; the demo now uses thirty or more."""
    assert len(s1.SPLIT_SEEDS) >= 30
    assert len(set(s1.SPLIT_SEEDS)) == len(s1.SPLIT_SEEDS)
    assert s1.SPLIT_SEEDS[0] == s1.DEFAULT_SEED


def _summary():
    return s1.summarise_optimism(s1.optimism_over_seeds()).set_index("labels")


def test_the_optimism_gap_is_positive_on_average_over_split_seeds():
    """The announced best test score overstates the locked holdout: the 95% interval of the
    mean gap lies above zero, while single seeds swing both ways (what the lesson and the
    holdout check's explanation say)."""
    table = s1.optimism_over_seeds()
    real = table[table["labels"] == "real"]
    assert len(real) == len(s1.SPLIT_SEEDS)
    found = s1.optimism_findings(_summary().reset_index())
    assert found.real_gap_positive
    assert found.real_gap_swings
    assert (real["optimism_gap"] > 0).sum() > len(real) / 2


def test_shuffled_labels_show_a_signal_on_the_test_set_and_none_on_the_holdout():
    """Nothing to find: best-of-20 is above chance on nearly every seed's test set and the
    interval of its mean lies above 0.5; the holdout lands on both sides of chance and the
    interval of its mean includes 0.5 (the lesson's key point and the shuffled check)."""
    table = s1.optimism_over_seeds()
    shuffled = table[table["labels"] == "shuffled"]
    assert (shuffled["best_test_auc"] > 0.5).mean() >= 0.9
    found = s1.optimism_findings(_summary().reset_index())
    assert found.shuffled_test_above_chance
    assert found.shuffled_holdout_at_chance
    assert found.shuffled_holdout_both_sides
    assert s1.shuffled_best_test_auc() == pytest.approx(shuffled["best_test_auc"].mean(), abs=1e-6)


def test_ten_seeds_would_have_misled_as_the_lesson_says():
    """On the first ten split seeds alone most shuffled-label holdout scores, and their mean,
    lie above chance, and the real labels' gap interval includes zero: why the demo uses more."""
    first_ten = s1.summarise_optimism(s1.optimism_over_seeds(s1.SPLIT_SEEDS[:10]))
    first_ten = first_ten.set_index("labels")
    assert first_ten.loc["shuffled", "holdout_above_chance"] > 5
    assert first_ten.loc["shuffled", "mean_holdout_auc"] > 0.5
    assert first_ten.loc["real", "optimism_gap_low"] <= 0
    lesson = (LESSONS_DIR / "01-design" / "lesson.md").read_text(encoding="utf-8")
    assert "on the demo's first ten alone" in " ".join(lesson.split())


def test_summarise_optimism_reports_runs_mean_interval_and_range_per_labels():
    """One row per labels, with the number of runs, each mean inside its interval, the range."""
    summary = _summary()
    assert list(summary.index) == ["real", "shuffled"]
    assert (summary["runs"] == len(s1.SPLIT_SEEDS)).all()
    for measure in ("best_test_auc", "holdout_auc", "optimism_gap"):
        assert (summary[f"{measure}_low"] < summary[f"mean_{measure}"]).all()
        assert (summary[f"mean_{measure}"] < summary[f"{measure}_high"]).all()
    assert (summary["min_optimism_gap"] <= summary["mean_optimism_gap"]).all()
    assert (summary["mean_optimism_gap"] <= summary["max_optimism_gap"]).all()


def test_the_checks_name_the_demos_number_of_seeds_and_claim_what_it_shows():
    """The shuffled check asks about the demo's seeds by number; neither check's explanation
    claims more than the intervals back."""
    checks = _design_checks()
    assert f"{len(s1.SPLIT_SEEDS)} split seeds" in " ".join(
        checks["design-predict-shuffled"]["prompt"].split()
    )
    shuffled = " ".join(checks["design-predict-shuffled"]["explanation"].split())
    table = s1.optimism_over_seeds()
    tests = table.loc[table["labels"] == "shuffled", "best_test_auc"]
    if (tests <= 0.5).any():  # then "above chance on every seed" would be false
        assert "nearly every seed" in shuffled
        assert "every seed" not in shuffled.replace("nearly every seed", "")
    assert "interval of their mean includes 0.5" in shuffled
    holdout = " ".join(checks["design-predict-holdout"]["explanation"].split())
    assert "interval" in holdout


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
    summary = _summary()
    gap = rows.loc[f"optimism gap: mean over {len(s1.SPLIT_SEEDS)} split seeds (95% CI)"]
    assert gap["irreproducible"] == s1.mean_and_interval(
        summary.loc["real"], "optimism_gap", signed=True
    )
    assert rows.loc["written plan before modelling", "irreproducible"].startswith("one line")


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
