"""The in-process graders: each passes the instructors' solution and fails each typical wrong
answer with a hint that points somewhere useful and never contains the solution."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest
from sklearn.feature_selection import SelectKBest, f_classif
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from case_study.data import load_german_credit
from case_study.design_card import DesignCard
from case_study.notebooks import exercises, graders, solutions, starters
from case_study.pipelines import train_irreproducible, train_reproducible
from case_study.run_manifest import MODEL_NAME, build_run_manifest, write_run


def solution_lines(key: str) -> set[str]:
    """Lines of the solution that the starter does not have (what a grader must not print)."""
    spec = exercises.BY_KEY[key]
    starter = {line.strip() for line in spec.starter_source().splitlines()}
    lines = {line.strip() for line in spec.solution_source().splitlines()}
    return {
        line
        for line in lines - starter
        if len(line) >= 12 and not line.startswith(("#", '"""', "def "))
    }


def grade(key: str, answer, capsys) -> graders.Outcome:
    """Grade through check() too, and assert that nothing printed reveals the solution."""
    question = exercises.exercise(key)
    outcome = question.grade(answer)
    question.check(answer)
    for _ in question.hints:
        question.hint()
    printed = capsys.readouterr().out + outcome.text()
    leaked = [line for line in solution_lines(key) if line in printed]
    assert not leaked, f"the grader printed solution lines: {leaked}"
    return outcome


def assert_not_yet(outcome: graders.Outcome, *words: str) -> None:
    assert not outcome.passed
    assert outcome.text().startswith(graders.FAIL_MARK)
    assert outcome.hint, "a failing grade always gives a hint"
    for word in words:
        assert word in outcome.text(), outcome.text()


# ---------------------------------------------------------------- the Exercise object


def test_check_prints_a_verdict_and_never_raises_for_a_broken_answer(capsys):
    question = exercises.exercise("stage0.median_stars")

    def broken(checklist):
        raise ZeroDivisionError("oops")

    question.check(broken)
    question.check("not a function")
    out = capsys.readouterr().out
    assert "Not yet: median_stars raised ZeroDivisionError: oops" in out
    assert "expected the function median_stars, got str" in out


def test_hint_gives_the_next_hint_then_repeats_the_last(capsys):
    question = exercises.exercise("stage2.selection_score")
    for _ in range(len(question.hints) + 1):
        question.hint()
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(f"Hint 1 of {len(question.hints)}:")
    assert lines[-1] == lines[-2]


def test_unknown_exercise_names_the_known_ones():
    with pytest.raises(KeyError, match="stage3.training"):
        exercises.exercise("stage9.nothing")


def test_every_stage_has_an_exercise_and_every_solution_differs_from_its_starter():
    assert {spec.stage for spec in exercises.SPECS} == set(range(6))
    for spec in exercises.SPECS:
        assert solution_lines(spec.key), spec.key


# ---------------------------------------------------------------- Stage 0


def test_stage0_passes_the_solution(capsys):
    assert grade("stage0.median_stars", solutions.median_stars, capsys).passed


def test_stage0_without_the_python_filter_says_every_repository(capsys):
    outcome = grade("stage0.median_stars", starters.median_stars, capsys)
    assert_not_yet(outcome, "every repository", "columns")


def test_stage0_with_four_items_says_all_five(capsys):
    def four_items(checklist):
        kept = checklist[checklist["python"] == 1]
        for item in ["dependencies", "training", "evaluation", "pretrained_model"]:
            kept = kept[kept[item] == 1]
        return float(kept["stars"].median())

    assert_not_yet(grade("stage0.median_stars", four_items, capsys), "all five")


def test_stage0_refuses_a_text_answer(capsys):
    assert_not_yet(grade("stage0.median_stars", lambda checklist: "196", capsys), "number")


# ---------------------------------------------------------------- Stage 1


def test_stage1_passes_the_solution(capsys):
    assert grade("stage1.design_card", solutions.design_card, capsys).passed


def test_stage1_names_the_first_gap_of_the_vague_plan(capsys):
    outcome = grade("stage1.design_card", starters.design_card, capsys)
    assert_not_yet(outcome, "metric", "cost matrix")


def test_stage1_refuses_a_threshold_the_constant_policy_meets(capsys):
    def lax():
        card = solutions.design_card()
        return DesignCard(**{**card.__dict__, "success_threshold": 0.9})

    assert_not_yet(grade("stage1.design_card", lax, capsys), "no bar", "constant")


# ---------------------------------------------------------------- Stage 2


def test_stage2_passes_the_solution(capsys):
    assert grade("stage2.selection_score", solutions.selection_score, capsys).passed


def test_stage2_selection_before_the_split_fails_on_noise(capsys):
    outcome = grade("stage2.selection_score", starters.selection_score, capsys)
    assert_not_yet(outcome, "pure noise", "before the split")


def test_stage2_dropping_the_selection_is_not_a_fix(capsys):
    def no_selection(x, y, seed):
        train, test = train_test_split(
            np.arange(len(y)), test_size=0.25, stratify=y, random_state=seed
        )
        model = Pipeline(
            [("scale", StandardScaler()), ("model", LogisticRegression(solver="liblinear"))]
        ).fit(x[train], y[train])
        return float(roc_auc_score(y[test], model.predict_proba(x[test])[:, 1]))

    assert_not_yet(grade("stage2.selection_score", no_selection, capsys), "keep the 20-feature")


def test_stage2_selection_on_the_training_rows_by_hand_passes(capsys):
    def by_hand(x, y, seed):
        train, test = train_test_split(
            np.arange(len(y)), test_size=0.25, stratify=y, random_state=seed
        )
        selector = SelectKBest(f_classif, k=20).fit(x[train], y[train])
        model = LogisticRegression(solver="liblinear").fit(selector.transform(x[train]), y[train])
        return float(roc_auc_score(y[test], model.predict_proba(selector.transform(x[test]))[:, 1]))

    assert grade("stage2.selection_score", by_hand, capsys).passed


# ---------------------------------------------------------------- Stage 4


def test_stage4_passes_the_solution(capsys):
    assert grade("stage4.hand_over", solutions.hand_over, capsys).passed


def test_stage4_a_pickle_alone_cannot_be_rebuilt(capsys):
    outcome = grade("stage4.hand_over", starters.hand_over, capsys)
    assert_not_yet(outcome, "model_final_v2.pkl", "nothing can be rebuilt")


def test_stage4_a_manifest_of_an_unseeded_run_does_not_rebuild(capsys):
    def unseeded(folder):
        write_run(train_irreproducible(load_german_credit()), folder)

    assert_not_yet(grade("stage4.hand_over", unseeded, capsys), "fields differ", "pipeline")


def test_stage4_a_model_file_from_another_run_is_caught(capsys):
    def mixed(folder):
        frame = load_german_credit()
        write_run(train_reproducible(frame, seed=42), folder)
        other = train_reproducible(frame, seed=43).model
        (Path(folder) / MODEL_NAME).write_bytes(pickle.dumps(other, protocol=5))

    assert_not_yet(grade("stage4.hand_over", mixed, capsys), "model file")


def test_stage4_a_hand_written_manifest_is_refused_with_the_reason(capsys):
    def by_hand(folder):
        manifest = build_run_manifest(train_reproducible(load_german_credit(), seed=42))
        del manifest["seed"]
        (Path(folder) / "manifest.json").write_text(str(manifest).replace("'", '"'))

    assert_not_yet(grade("stage4.hand_over", by_hand, capsys), "cannot be rebuilt")


# ---------------------------------------------------------------- Stage 5


def _bins(train):
    return np.quantile(train, np.linspace(0, 1, 11))[1:-1]


def test_stage5_passes_the_solution(capsys):
    assert grade("stage5.credit_amount_psi", solutions.credit_amount_psi, capsys).passed


def test_stage5_bins_from_the_month_itself_miss_a_shift(capsys):
    outcome = grade("stage5.credit_amount_psi", starters.credit_amount_psi, capsys)
    assert_not_yet(outcome, "no small loans", "define the bins")


def test_stage5_an_empty_bin_without_a_floor_is_infinite(capsys):
    def no_floor(train, batch):
        edges = _bins(train)
        expected = np.bincount(np.searchsorted(edges, train), minlength=10) / len(train)
        actual = np.bincount(np.searchsorted(edges, batch), minlength=10) / len(batch)
        with np.errstate(divide="ignore", invalid="ignore"):
            return float(np.sum((actual - expected) * np.log(actual / expected)))

    assert_not_yet(grade("stage5.credit_amount_psi", no_floor, capsys), "inf", "empty")


def test_stage5_counts_instead_of_shares_alarm_without_a_shift(capsys):
    def counts(train, batch):
        edges = _bins(train)
        expected = np.bincount(np.searchsorted(edges, train), minlength=10) + 1e-4
        actual = np.bincount(np.searchsorted(edges, batch), minlength=10) + 1e-4
        return float(np.sum((actual - expected) * np.log(actual / expected)))

    assert_not_yet(grade("stage5.credit_amount_psi", counts, capsys), "shares", "not counts")
