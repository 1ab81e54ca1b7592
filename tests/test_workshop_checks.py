"""Grading is pure and honest: right answers pass, wrong ones say why without giving the
answer away, odd input fails politely, and functions named by checks are run safely."""

from __future__ import annotations

import math
import statistics
import sys
from dataclasses import FrozenInstanceError, replace
from pathlib import Path

import pytest

from workshop import checks
from workshop.checks import Check, Option, Outcome, Result, grade
from workshop.errors import CheckFunctionError, GradingError, WorkshopError

FIXTURE_CODE = Path(__file__).resolve().parent / "fixtures" / "code"
FIXTURE_MODULE = "workshop.fixture_checks"


@pytest.fixture
def fixture_code(monkeypatch):
    """Make tests/fixtures/code/fixture_checks.py importable as workshop.fixture_checks."""
    import workshop

    monkeypatch.setattr(workshop, "__path__", [*workshop.__path__, str(FIXTURE_CODE)])
    sys.modules.pop(FIXTURE_MODULE, None)
    yield
    sys.modules.pop(FIXTURE_MODULE, None)


def _options(*triples):
    return tuple(Option(key, text, feedback) for key, text, feedback in triples)


SINGLE = Check(
    id="t-single", stage_id="s", kind="single_choice", prompt="Pick one.",
    options=_options(("seed", "Fix the seed", "Yes, this one."),
                     ("fast", "Buy a faster machine", "Speed is not the issue."),
                     ("more", "Collect more data", "More data changes the result.")),
    answer="seed", hints=("h",), explanation="e", references=("r",),
)
MULTIPLE = Check(
    id="t-multiple", stage_id="s", kind="multiple_choice", prompt="Pick all.",
    options=_options(("a", "Alpha option", ""), ("b", "Beta option", ""),
                     ("c", "Gamma option", "Gamma is about fonts."),
                     ("d", "Delta option", "Delta is about comments.")),
    answer=("a", "b"), hints=("h",), explanation="e", references=("r",),
)
ORDERING = Check(
    id="t-ordering", stage_id="s", kind="ordering", prompt="Order them.",
    options=_options(("fit", "Fit", ""), ("score", "Score", ""), ("split", "Split", "")),
    answer=("split", "fit", "score"), hints=("h",), explanation="e", references=("r",),
)
NUMERIC = Check(
    id="t-numeric", stage_id="s", kind="numeric", prompt="How many?", answer=0.3,
    tolerance=0.05, hints=("h",), explanation="e", references=("r",),
)
PREDICT = Check(
    id="t-predict", stage_id="s", kind="predict_then_run", prompt="Predict.", answer=5.5,
    tolerance=0.5, compute=f"{FIXTURE_MODULE}:mean_of_sample", hints=("h",), explanation="e",
    references=("r",),
)
HANDS_ON = Check(
    id="t-hands-on", stage_id="s", kind="hands_on", prompt="Switch on.",
    options=_options(("seed", "Fix the seed", ""), ("log", "Write a log", "")),
    answer=("seed",), grader=f"{FIXTURE_MODULE}:shuffle_twice", hints=("h",),
    explanation="e", references=("r",),
)
REPORT = {"passed": True, "message": "Both runs matched.", "details": {"runs": 2}}
ACTUAL = {"predict_then_run": 5.6, "hands_on": REPORT}
ALL_CHECKS = (SINGLE, MULTIPLE, ORDERING, NUMERIC, PREDICT, HANDS_ON)


def test_outcomes_are_the_closed_set_of_four_strings():
    """The progress store and the UI can rely on exactly these four outcome values."""
    assert [outcome.value for outcome in Outcome] == [
        "passed", "failed", "not_attempted", "revealed"]
    assert Outcome("passed") is Outcome.PASSED and Outcome.FAILED == "failed"


def test_checks_and_results_are_frozen_and_hashable():
    """A check can be a cache key in the UI and cannot be changed behind its back."""
    assert hash(SINGLE) == hash(replace(SINGLE))
    with pytest.raises(FrozenInstanceError):
        SINGLE.answer = "fast"  # type: ignore[misc]
    with pytest.raises(FrozenInstanceError):
        Result(Outcome.PASSED, "ok").feedback = "x"  # type: ignore[misc]


# --------------------------------------------------------------------- single choice


def test_single_choice_right_answer_passes():
    """The learner who picks the right option passes."""
    result = grade(SINGLE, "seed")
    assert result.outcome is Outcome.PASSED and result.passed


@pytest.mark.parametrize("key", ["fast", "more"])
def test_single_choice_wrong_option_shows_that_options_feedback(key):
    """A wrong pick is told why that option is wrong, and nothing about the right one."""
    result = grade(SINGLE, key)
    assert result.outcome is Outcome.FAILED
    assert result.feedback == SINGLE.option(key).feedback
    assert "Fix the seed" not in result.feedback and "seed" not in result.feedback


# ------------------------------------------------------------------- multiple choice


@pytest.mark.parametrize("answer", [["a", "b"], ("b", "a"), {"a", "b"}, ["a", "b", "a"]])
def test_multiple_choice_exact_set_passes_in_any_order(answer):
    """Order and repeats do not matter; the set of chosen options does."""
    assert grade(MULTIPLE, answer).outcome is Outcome.PASSED


def test_multiple_choice_wrong_pick_shows_its_feedback_only():
    """Each wrongly chosen option explains itself; options not chosen stay silent."""
    result = grade(MULTIPLE, ["a", "b", "c"])
    assert result.outcome is Outcome.FAILED
    assert "Gamma is about fonts." in result.feedback
    assert "Delta is about comments." not in result.feedback
    assert "missed" not in result.feedback
    assert result.details["wrongly_chosen"] == ["c"]


def test_multiple_choice_missed_options_are_counted_not_named():
    """A learner who misses a right option learns how many, not which."""
    result = grade(MULTIPLE, ["a"])
    assert result.outcome is Outcome.FAILED
    assert "You missed 1 correct option." in result.feedback
    assert "Beta" not in result.feedback and "b" not in result.details["wrongly_chosen"]
    both = grade(MULTIPLE, ["c", "d"])
    assert "You missed 2 correct options." in both.feedback
    assert "Gamma is about fonts." in both.feedback and "Delta is about comments." in both.feedback


# ------------------------------------------------------------------------- ordering


def test_ordering_right_order_passes():
    """The learner who orders every item correctly passes."""
    assert grade(ORDERING, ["split", "fit", "score"]).outcome is Outcome.PASSED


def test_ordering_wrong_order_counts_positions_without_naming_them():
    """A wrong order says how many items are placed right, never which."""
    result = grade(ORDERING, ["split", "score", "fit"])
    assert result.outcome is Outcome.FAILED
    assert result.feedback.startswith("1 of 3 items are in the right position.")
    for key in ORDERING.option_keys:
        assert key not in result.feedback.lower()
    assert grade(ORDERING, ["fit", "score", "split"]).details == {"in_place": 0, "total": 3}


@pytest.mark.parametrize("answer", [["split", "fit"], ["split", "fit", "fit"],
                                    ["split", "fit", "score", "score"],
                                    ["split", "fit", "nope"]])
def test_ordering_that_is_not_a_permutation_is_rejected_politely(answer):
    """Leaving items out, repeating them or inventing one fails with a clear message."""
    result = grade(ORDERING, answer)
    assert result.outcome is Outcome.NOT_ATTEMPTED and result.details == {}


# -------------------------------------------------------------------------- numeric


@pytest.mark.parametrize("answer", [0.3, 0.25, 0.35, 0.1 + 0.2, "0.32", 0.3000000001])
def test_numeric_within_tolerance_passes_including_the_boundary(answer):
    """An estimate inside ± tolerance passes, boundaries and float rounding included."""
    assert grade(NUMERIC, answer).outcome is Outcome.PASSED


@pytest.mark.parametrize("answer, word", [(0.36, "Too high"), (100, "Too high"),
                                          (0.24, "Too low"), (-5, "Too low")])
def test_numeric_wrong_estimate_says_too_high_or_too_low_only(answer, word):
    """The learner learns the direction of the error, never the reference value."""
    result = grade(NUMERIC, answer)
    assert result.outcome is Outcome.FAILED
    assert result.feedback.startswith(word)
    assert "0.3" not in result.feedback and "0.05" not in result.feedback


def test_numeric_with_zero_tolerance_needs_the_exact_value():
    """Counting questions (tolerance 0) accept only the exact number."""
    exact = replace(NUMERIC, answer=400.0, tolerance=0)
    assert grade(exact, 400).passed
    assert grade(exact, 401).feedback.startswith("Too high")


# --------------------------------------------------------------- predict, then run


def test_prediction_within_tolerance_passes_and_reports_the_distance():
    """A close prediction passes, and the learner sees how close it was."""
    result = grade(PREDICT, 5.5, actual=5.6)
    assert result.passed
    assert "off by 0.10" in result.feedback
    assert result.details["actual"] == 5.6
    assert result.details["difference"] == pytest.approx(-0.1)


@pytest.mark.parametrize("answer, direction", [(4.0, "below"), (7.25, "above")])
def test_prediction_outside_tolerance_says_how_far_and_which_way(answer, direction):
    """A wrong prediction is told the distance and direction (the value is shown anyway)."""
    result = grade(PREDICT, answer, actual=5.6)
    assert result.outcome is Outcome.FAILED
    distance = f"{abs(answer - 5.6):.2f}"
    assert f"{distance} {direction} the computed value" in result.feedback
    assert "±0.50" in result.feedback


def test_prediction_feedback_carries_the_unit():
    """A unit, when the check has one, follows every number in the feedback."""
    percent = replace(PREDICT, unit="%", tolerance=2)
    # A gap between two percentages is in percentage points, not per cent.
    feedback = grade(percent, 10, actual=13).feedback
    assert "3.0 percentage points below" in feedback and "±2.0 percentage points" in feedback
    points = replace(PREDICT, unit="points", tolerance=1)
    assert "off by 0.5 points" in grade(points, 10, actual=10.5).feedback


@pytest.mark.parametrize("actual", [None, math.nan, math.inf, "5.6", True])
def test_prediction_graded_without_a_usable_computed_value_is_a_programming_error(actual):
    """The UI must pass compute_actual(check): forgetting it is loud, not a silent fail."""
    with pytest.raises(GradingError, match="compute_actual"):
        grade(PREDICT, 5.5, actual=actual)


# -------------------------------------------------------------------------- hands-on


def test_hands_on_grade_turns_the_graders_report_into_a_result():
    """grade() stays pure for hands-on checks: it reads the report a grader returned."""
    passed = grade(HANDS_ON, ["seed"], actual=REPORT)
    assert passed.passed and passed.feedback == "Both runs matched."
    assert passed.details == {"runs": 2}
    failed = grade(HANDS_ON, ["log"], actual={**REPORT, "passed": False, "message": "Differ."})
    assert failed.outcome is Outcome.FAILED and failed.feedback == "Differ."


def test_hands_on_grade_without_a_report_is_a_programming_error():
    """Grading a hands-on check without running it is refused, not faked."""
    with pytest.raises(GradingError, match="run_hands_on"):
        grade(HANDS_ON, ["seed"])


def test_unknown_kind_is_a_programming_error():
    """A check built by hand with a made-up kind is refused with the list of kinds."""
    with pytest.raises(GradingError, match="single_choice"):
        grade(replace(SINGLE, kind="essay"), "seed")


# ------------------------------------------------------------------------- odd input

ODD_ANSWERS = [None, "", "   ", 3, 2.5, True, math.nan, math.inf, -math.inf, 10**400,
               "x" * 100_000, b"seed", {"seed": 1}, ["seed"] * 2000, [None], [3], object(),
               "nope", ["nope"], ("split", None)]


@pytest.mark.parametrize("check", ALL_CHECKS, ids=lambda check: check.kind)
@pytest.mark.parametrize("answer", ODD_ANSWERS, ids=lambda a: type(a).__name__)
def test_odd_input_fails_with_a_message_and_never_raises(check, answer):
    """Whatever a widget or a tampered session sends, the learner gets a clear message."""
    result = grade(check, answer, actual=ACTUAL.get(check.kind))
    if result.passed:  # e.g. 2.5 is not odd for a numeric check; it is simply wrong or right
        pytest.fail(f"{answer!r} passed {check.kind}")
    assert result.outcome in (Outcome.FAILED, Outcome.NOT_ATTEMPTED)
    assert result.feedback.strip()
    assert len(result.feedback) < 400, "a huge answer must not be echoed back whole"


@pytest.mark.parametrize("check, answer", [
    (SINGLE, None), (SINGLE, ["seed"]), (MULTIPLE, []), (MULTIPLE, "a"),
    (ORDERING, None), (NUMERIC, "abc"), (NUMERIC, math.nan), (PREDICT, math.inf),
    (HANDS_ON, "seed"),
], ids=lambda v: getattr(v, "kind", repr(v)))
def test_invalid_answers_are_not_attempted_not_failed(check, answer):
    """'Not an answer' is its own outcome (not_attempted), never a failure with a flag."""
    result = grade(check, answer, actual=ACTUAL.get(check.kind))
    assert result.outcome is Outcome.NOT_ATTEMPTED
    assert "invalid_answer" not in result.details and result.feedback.strip()


@pytest.mark.parametrize("check", (MULTIPLE, ORDERING, HANDS_ON), ids=lambda check: check.kind)
def test_an_overlong_list_names_the_real_limit(check):
    """A list longer than MAX_LIST_ITEMS is refused, and the message states that limit."""
    answer = [check.option_keys[0]] * (checks.MAX_LIST_ITEMS + 1)
    result = grade(check, answer, actual=ACTUAL.get(check.kind))
    assert result.outcome is Outcome.NOT_ATTEMPTED and result.details == {}
    assert f"at most {checks.MAX_LIST_ITEMS} option keys" in result.feedback
    assert f"got {checks.MAX_LIST_ITEMS + 1}" in result.feedback
    assert f"at most {len(check.options)} " not in result.feedback


def test_grading_is_pure_and_imports_nothing():
    """grade() never imports the function a check names, even for run-type kinds."""
    sys.modules.pop(FIXTURE_MODULE, None)
    for check in ALL_CHECKS:
        grade(check, check.answer, actual=ACTUAL.get(check.kind))
    assert FIXTURE_MODULE not in sys.modules


# ----------------------------------------------------- functions named by checks


def test_resolve_function_imports_the_named_function(fixture_code):
    """A "module:function" string gives the real function from that module."""
    function = checks.resolve_function(f"{FIXTURE_MODULE}:mean_of_sample")
    assert function.__name__ == "mean_of_sample"
    assert function.__module__ == FIXTURE_MODULE


@pytest.mark.parametrize("spec, message", [
    ("os:system", "outside the allowed packages"),
    ("case_study_evil.x:f", "outside the allowed packages"),
    ("case_study:f", "outside the allowed packages"),
    ("case_study.stage1_design", "module:function"),
    ("case_study.x:f:g", "module:function"),
    (None, "module:function"),
    ("case_study.no_such_module_here:f", "Could not import"),
    (f"{FIXTURE_MODULE}:no_such_function", "has no function"),
    (f"{FIXTURE_MODULE}:NOT_A_FUNCTION", "has no function"),
])
def test_resolve_function_refuses_bad_names_with_a_clear_error(fixture_code, spec, message):
    """Only real functions under case_study./workshop. can be named; the error says why."""
    with pytest.raises(CheckFunctionError, match=message):
        checks.resolve_function(spec)


def test_compute_actual_runs_the_computation(fixture_code):
    """The computed value is the function's real result, as a float."""
    assert checks.compute_actual(PREDICT) == pytest.approx(statistics.mean([2, 3, 5, 7, 11]))
    assert isinstance(checks.compute_actual(PREDICT), float)


@pytest.mark.parametrize("function, message", [
    ("compute_raises", "RuntimeError: the data file is locked"),
    ("compute_nan", "finite number"),
    ("compute_text", "finite number"),
])
def test_compute_actual_reports_a_broken_computation(fixture_code, function, message):
    """A computation that fails or returns junk raises a WorkshopError naming it."""
    check = replace(PREDICT, compute=f"{FIXTURE_MODULE}:{function}")
    with pytest.raises(CheckFunctionError, match=message) as caught:
        checks.compute_actual(check)
    assert function in str(caught.value) and isinstance(caught.value, WorkshopError)


def test_compute_actual_refuses_checks_that_compute_nothing():
    """Only predict-then-run checks have something to compute."""
    with pytest.raises(GradingError):
        checks.compute_actual(NUMERIC)


def test_run_hands_on_passes_with_the_reference_answer(fixture_code):
    """Switching on the seed makes both shuffles match: the grader really runs twice."""
    result = checks.run_hands_on(HANDS_ON, ["seed"])
    assert result.passed
    assert result.details["runs"][0] == result.details["runs"][1]


def test_run_hands_on_fails_with_the_graders_message(fixture_code):
    """Without the seed, the two real shuffles differ and the grader says so."""
    result = checks.run_hands_on(HANDS_ON, ["log"])
    assert result.outcome is Outcome.FAILED
    assert result.feedback == "The two runs gave different orders."
    assert result.details["runs"][0] != result.details["runs"][1]


@pytest.mark.parametrize("answer", [None, "seed", ["nope"], ["seed", "seed"], [1]])
def test_run_hands_on_rejects_odd_input_before_running_anything(fixture_code, answer):
    """Odd input fails politely without calling the grader (this one would raise)."""
    check = replace(HANDS_ON, grader=f"{FIXTURE_MODULE}:grader_raises")
    result = checks.run_hands_on(check, answer)
    assert result.outcome is Outcome.NOT_ATTEMPTED and result.details == {}


@pytest.mark.parametrize("function, message", [
    ("grader_raises", "ValueError: the worker process died"),
    ("grader_bad_report", "'passed' must be True or False"),
    ("grader_returns_list", "it returned list"),
])
def test_run_hands_on_reports_a_broken_grader(fixture_code, function, message):
    """A grader that fails or returns the wrong shape raises a WorkshopError naming it."""
    check = replace(HANDS_ON, grader=f"{FIXTURE_MODULE}:{function}")
    with pytest.raises(CheckFunctionError, match=message):
        checks.run_hands_on(check, ["seed"])


def test_run_hands_on_refuses_checks_without_a_grader():
    """Only hands-on checks can be run."""
    with pytest.raises(GradingError):
        checks.run_hands_on(SINGLE, ["seed"])


def test_the_check_model_lives_in_its_own_module_and_checks_reexports_it():
    """``workshop.check_model`` holds the values; ``workshop.checks`` re-exports them."""
    from workshop import check_model

    for name in ("Check", "Option", "Outcome", "Result", "KINDS", "NUMERIC_KINDS",
                 "OPTION_KINDS", "CHOICE_KINDS"):
        assert getattr(checks, name) is getattr(check_model, name)
    assert set(checks.__all__) <= set(dir(checks))
