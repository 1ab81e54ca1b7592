"""The design card: check_plan says what a plan is missing or gets wrong."""

from __future__ import annotations

from dataclasses import replace

from case_study import design_card, stage1_design


def test_comparing_several_runs_without_a_locked_holdout_is_a_split_gap():
    """Several variants compared on the test rows need a locked holdout; one run does not."""
    unlocked = replace(stage1_design.REPRODUCIBLE_CARD, holdout_locked=False)
    (gap,) = design_card.check_plan(unlocked)
    assert gap.field == "split"
    assert (
        "several variants are compared on the test rows" in gap.problem
        and "locked holdout" in gap.problem
    )
    assert design_card.check_plan(replace(unlocked, n_runs=1)) == []
    assert (
        stage1_design.REPRODUCIBLE_CARD.holdout_locked
        and not stage1_design.VAGUE_PLAN.holdout_locked
    )


def test_check_plan_explains_unknown_and_unsuitable_choices():
    """An unknown metric or summary names the valid ones; ROC AUC is flagged as blind to costs."""
    card = replace(stage1_design.REPRODUCIBLE_CARD, metric="f2", summary="vibes")
    problems = {gap.field: gap.problem for gap in design_card.check_plan(card)}
    assert "expected_cost" in problems["metric"] and "median_and_range" in problems["summary"]
    blind = {
        g.field: g.problem
        for g in design_card.check_plan(
            replace(stage1_design.REPRODUCIBLE_CARD, metric="roc_auc")
        )
    }
    assert "cost matrix" in blind["metric"]
