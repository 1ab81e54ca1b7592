"""Check kinds and pure grading (learntools-style: a closed set of outcomes).

``grade(check, answer, actual=None)`` is pure: it never imports or runs anything, never
raises for a learner's answer, and its feedback says why an answer is wrong without giving
the right one away. The only impure entry points are ``compute_actual`` and
``run_hands_on``, which import and call the function a check names. Attempts and hints are
counted by the progress store, not here. This module holds no lesson prose: every
option-specific word comes from ``lessons/``.
"""

from __future__ import annotations

import importlib
import math
import numbers
import re
from collections.abc import Callable, Mapping
from typing import Any

from workshop.check_model import (
    CHOICE_KINDS,
    FINISHED,
    HANDS_ON,
    KINDS,
    MULTIPLE_CHOICE,
    NUMERIC,
    NUMERIC_KINDS,
    OPTION_KINDS,
    ORDERING,
    PREDICT_THEN_RUN,
    SINGLE_CHOICE,
    Check,
    FollowUp,
    Option,
    Outcome,
    Result,
)
from workshop.errors import CheckFunctionError, GradingError

__all__ = [
    "ALLOWED_PACKAGES", "CHOICE_KINDS", "FINISHED", "HANDS_ON", "KINDS", "MULTIPLE_CHOICE",
    "NUMERIC", "NUMERIC_KINDS", "OPTION_KINDS", "ORDERING", "PREDICT_THEN_RUN", "SINGLE_CHOICE",
    "Check", "FollowUp", "Option", "Outcome", "Result", "compute_actual", "follow_up_check",
    "grade", "parse_function_spec", "resolve_function", "run_hands_on",
]

#: A check may only name functions in these packages.
ALLOWED_PACKAGES = ("case_study", "workshop")
# Longer strings are not answers; they are cut before being echoed back.
MAX_ANSWER_CHARS = 200
MAX_LIST_ITEMS = 1000
_SPEC = re.compile(r"^(?P<module>[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*):(?P<function>[A-Za-z_]\w*)$")


class _Invalid(Exception):
    """An answer that cannot be graded; carries the message for the learner (internal only)."""


# ---------------------------------------------------------------------------- grading


def grade(check: Check, answer: Any, actual: Any = None) -> Result:
    """Grade a learner's answer to a check. Pure: no imports, no I/O, no randomness.

    Args:
        check: the check being answered.
        answer: what the learner gave — an option key (single choice), a list of keys
            (multiple choice, ordering, hands-on) or a number (numeric, predict-then-run).
            Anything else (None, empty, wrong type, NaN, inf, unknown key, a huge string)
            is not an answer: it gives a ``not_attempted`` Result whose feedback says what
            was expected; it never raises.
        actual: for predict-then-run, the value ``compute_actual(check)`` returned; for
            hands-on, the grader's report ``{"passed", "message", "details"}`` (what
            ``run_hands_on`` passes). Ignored by the other kinds.

    Returns:
        A :class:`Result` with outcome ``passed``, ``failed`` or (no answer to grade)
        ``not_attempted``.

    Raises:
        GradingError: the check's kind is unknown, or a predict-then-run / hands-on check
            was graded without a usable ``actual`` (a programming error, not the learner's).
    """
    grader = _GRADERS.get(check.kind)
    if grader is None:
        raise GradingError(
            f"Check {check.id!r} has kind {check.kind!r}; expected one of {', '.join(KINDS)}. "
            "Fix the kind in its checks.toml (python -m workshop validate lists it)."
        )
    try:
        return grader(check, answer, actual)
    except _Invalid as invalid:
        return Result(Outcome.NOT_ATTEMPTED, str(invalid))


def follow_up_check(check: Check) -> Check:
    """A predict-then-run check's follow-up question, as a single-choice check to grade.

    Args:
        check: a check with a ``follow_up``.

    Returns:
        A single-choice ``Check`` with the same id and stage, the follow-up's prompt, options
        and answer.

    Raises:
        GradingError: the check has no follow-up.
    """
    if check.follow_up is None:
        raise GradingError(f"Check {check.id!r} has no follow_up question to grade.")
    follow_up = check.follow_up
    return Check(check.id, check.stage_id, SINGLE_CHOICE, follow_up.prompt, follow_up.options,
                 follow_up.answer)


def _grade_single(check: Check, answer: Any, actual: Any) -> Result:
    key = _as_key(check, answer, empty="Choose one option, then submit.")
    chosen = check.option(key)
    if key == check.answer:
        return Result(Outcome.PASSED, chosen.feedback or "Correct.", {"chosen": key})
    return Result(
        Outcome.FAILED,
        chosen.feedback or "That is not the best answer. Read the options again.",
        {"chosen": key},
    )


def _grade_multiple(check: Check, answer: Any, actual: Any) -> Result:
    keys = _as_keys(check, answer, empty="Choose at least one option, then submit.")
    if not keys:
        raise _Invalid("Choose at least one option, then submit.")
    expected = set(check.answer)
    chosen = set(keys)
    # In the order the learner chose them (their screen's order), never the file's.
    wrong = list(dict.fromkeys(key for key in keys if key not in expected))
    missed = len(expected - chosen)
    details = {"wrongly_chosen": wrong, "missed": missed}
    if not wrong and not missed:
        return Result(Outcome.PASSED, "Correct: every option you chose fits, and you missed none.",
                      details)
    parts = []
    for key in wrong:
        option = check.option(key)
        parts.append(f"“{_cut(option.text, 80)}”: {option.feedback or 'this one does not fit.'}")
    if missed:
        parts.append(f"You missed {missed} correct option{'s' if missed != 1 else ''}.")
    return Result(Outcome.FAILED, "\n\n".join(parts), details)


def _grade_ordering(check: Check, answer: Any, actual: Any) -> Result:
    keys = _as_keys(check, answer, empty="Put every item in order, then submit.")
    expected = list(check.answer)
    if len(keys) != len(set(keys)):
        raise _Invalid("Each item may appear only once. Place every item exactly once.")
    if set(keys) != set(expected):
        raise _Invalid(
            f"Place all {len(expected)} items exactly once; your order has {len(keys)} of them."
        )
    in_place = sum(1 for got, want in zip(keys, expected, strict=False) if got == want)
    details = {"in_place": in_place, "total": len(expected)}
    if in_place == len(expected):
        return Result(Outcome.PASSED, "Correct order.", details)
    return Result(
        Outcome.FAILED,
        f"{in_place} of {len(expected)} items are in the right position. Move the others and "
        "try again.",
        details,
    )


def _grade_numeric(check: Check, answer: Any, actual: Any) -> Result:
    value = _as_number(answer)
    reference = float(check.answer)
    tolerance = _tolerance(check)
    if _within(value, reference, tolerance):
        return Result(Outcome.PASSED, "Within the accepted range.", {"direction": None})
    if value > reference:
        return Result(Outcome.FAILED, "Too high: your estimate is above the accepted range.",
                      {"direction": "high"})
    return Result(Outcome.FAILED, "Too low: your estimate is below the accepted range.",
                  {"direction": "low"})


def _grade_predict_then_run(check: Check, answer: Any, actual: Any) -> Result:
    if not _is_finite_number(actual):
        raise GradingError(
            f"Check {check.id!r} is predict-then-run: grade it with actual=compute_actual(check) "
            f"(a finite number); got {_describe(actual)}."
        )
    value = _as_number(answer)
    actual = float(actual)
    tolerance = _tolerance(check)
    difference = value - actual
    details = {"actual": actual, "prediction": value, "difference": difference,
               "tolerance": tolerance}
    off = _fmt(abs(difference), tolerance, check.unit, gap=True)
    band = f"±{_fmt(tolerance, tolerance, check.unit, gap=True)}"
    if _within(value, actual, tolerance):
        return Result(Outcome.PASSED,
                      f"Your prediction is within {band} of the computed value (off by {off}).",
                      details)
    direction = "above" if difference > 0 else "below"
    return Result(
        Outcome.FAILED,
        f"Your prediction is {off} {direction} the computed value; it needed to be within {band}.",
        details,
    )


def _grade_hands_on(check: Check, answer: Any, actual: Any) -> Result:
    keys = _as_keys(check, answer, empty="Choose what to switch on, then run it.")
    if len(keys) != len(set(keys)):
        raise _Invalid("Each option may be chosen only once.")
    report = _checked_report(check, actual)
    outcome = Outcome.PASSED if report["passed"] else Outcome.FAILED
    return Result(outcome, report["message"], dict(report["details"]))


_GRADERS: dict[str, Callable[[Check, Any, Any], Result]] = {
    SINGLE_CHOICE: _grade_single,
    MULTIPLE_CHOICE: _grade_multiple,
    NUMERIC: _grade_numeric,
    ORDERING: _grade_ordering,
    PREDICT_THEN_RUN: _grade_predict_then_run,
    HANDS_ON: _grade_hands_on,
}


# ----------------------------------------------------------------- reading an answer


def _as_key(check: Check, answer: Any, empty: str) -> str:
    if answer is None or (isinstance(answer, str) and not answer.strip()):
        raise _Invalid(empty)
    if not isinstance(answer, str):
        raise _Invalid(f"Expected one option key (text), got {_describe(answer)}. {empty}")
    if len(answer) > MAX_ANSWER_CHARS or check.option(answer) is None:
        raise _Invalid(f"“{_cut(answer, 40)}” is not one of this check's options. {empty}")
    return answer


def _as_keys(check: Check, answer: Any, empty: str) -> list[str]:
    if answer is None:
        raise _Invalid(empty)
    if isinstance(answer, (str, bytes, Mapping)) or not isinstance(
        answer, (list, tuple, set, frozenset)
    ):
        raise _Invalid(f"Expected a list of option keys, got {_describe(answer)}. {empty}")
    if len(answer) > MAX_LIST_ITEMS:
        raise _Invalid(
            f"Expected a list of at most {MAX_LIST_ITEMS} option keys, got {len(answer)}. {empty}"
        )
    keys = list(answer)
    for key in keys:
        if not isinstance(key, str):
            raise _Invalid(f"Expected option keys (text), found {_describe(key)}. {empty}")
        if len(key) > MAX_ANSWER_CHARS or check.option(key) is None:
            raise _Invalid(f"“{_cut(key, 40)}” is not one of this check's options.")
    return keys


def _as_number(answer: Any) -> float:
    if answer is None or (isinstance(answer, str) and not answer.strip()):
        raise _Invalid("Enter a number, then submit.")
    if isinstance(answer, str):
        if len(answer) > 50:
            raise _Invalid("That is not a number. Enter a number, then submit.")
        try:
            answer = float(answer.strip())
        except ValueError:
            raise _Invalid(
                f"“{_cut(answer, 40)}” is not a number. Enter a number, then submit."
            ) from None
    if isinstance(answer, bool) or not isinstance(answer, numbers.Real):
        raise _Invalid(f"Expected a number, got {_describe(answer)}. Enter a number, then submit.")
    try:
        value = float(answer)
    except (OverflowError, ValueError):
        raise _Invalid(
            "That number is too large to compare. Enter a number, then submit."
        ) from None
    if not math.isfinite(value):
        raise _Invalid("Enter a finite number (not NaN or infinity), then submit.")
    return value


def _tolerance(check: Check) -> float:
    tolerance = check.tolerance
    if isinstance(tolerance, bool) or not isinstance(tolerance, numbers.Real) or not (
        math.isfinite(tolerance) and tolerance >= 0
    ):
        raise GradingError(
            f"Check {check.id!r} ({check.kind}) needs a tolerance >= 0; it has {tolerance!r}. "
            "Add `tolerance = ...` to it in checks.toml."
        )
    return float(tolerance)


def _within(value: float, reference: float, tolerance: float) -> bool:
    # A hair of slack so that 0.1 + 0.2 style rounding never fails an answer on the boundary.
    slack = 1e-9 * max(1.0, abs(reference))
    return abs(value - reference) <= tolerance + slack


def _checked_report(check: Check, report: Any) -> dict:
    if not isinstance(report, Mapping):
        raise GradingError(
            f"Check {check.id!r} is hands-on: grade it with run_hands_on(check, answer), or pass "
            f"the grader's report as actual; got {_describe(report)}."
        )
    problems = []
    if not isinstance(report.get("passed"), bool):
        problems.append("'passed' must be True or False")
    if not isinstance(report.get("message"), str) or not report.get("message", "").strip():
        problems.append("'message' must be a non-empty string")
    if not isinstance(report.get("details", {}), Mapping):
        problems.append("'details' must be a dict")
    if problems:
        raise CheckFunctionError(
            f"The grader {check.grader!r} of check {check.id!r} returned a report where "
            f"{'; '.join(problems)}. A grader returns "
            '{"passed": bool, "message": str, "details": dict}.'
        )
    return {"passed": report["passed"], "message": report["message"],
            "details": dict(report.get("details", {}))}


def _is_finite_number(value: Any) -> bool:
    return (not isinstance(value, bool) and isinstance(value, numbers.Real)
            and math.isfinite(value))


def _describe(value: Any) -> str:
    if value is None:
        return "nothing"
    text = repr(value)
    return f"{type(value).__name__} {_cut(text, 40)}"


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _fmt(value: float, tolerance: float, unit: str, *, gap: bool = False) -> str:
    # Show one digit more than the tolerance has, so "off by" is readable and honest.
    if tolerance > 0:
        decimals = max(0, 1 - math.floor(math.log10(tolerance)))
        text = f"{value:.{min(decimals, 10)}f}"
    else:
        text = f"{value:.4g}"
    if unit == "%" and gap:
        # The distance between two percentages is in percentage points, not per cent of
        # either: 30% to 33% is 3 points, which is 10% of 30.
        return f"{text} percentage points"
    return f"{text} {unit}".strip() if unit and unit != "%" else f"{text}{unit}"


# --------------------------------------------------- functions named by checks (impure)


def parse_function_spec(spec: Any) -> tuple[str, str]:
    """Split ``"module:function"`` into its parts and check the module is allowed.

    Args:
        spec: the string from a check's ``compute`` or ``grader`` field.

    Returns:
        ``(module, function)``.

    Raises:
        CheckFunctionError: the spec is not ``"module:function"``, or the module is not under
            ``case_study.`` or ``workshop.``.
    """
    match = _SPEC.match(spec) if isinstance(spec, str) else None
    if match is None:
        raise CheckFunctionError(
            f"Expected \"module:function\" such as \"case_study.stage1_design:holdout_auc\", "
            f"got {_describe(spec)}."
        )
    module, function = match["module"], match["function"]
    if module.split(".")[0] not in ALLOWED_PACKAGES or "." not in module:
        raise CheckFunctionError(
            f"The module {module!r} is outside the allowed packages; a check may only name a "
            f"function in a module of the {' or '.join(ALLOWED_PACKAGES)} package, such as "
            "case_study.stage1_design."
        )
    return module, function


def resolve_function(spec: str) -> Callable:
    """Import and return the function a check names as ``"module:function"``.

    Args:
        spec: e.g. ``"case_study.stage1_design:holdout_auc"``.

    Returns:
        The callable.

    Raises:
        CheckFunctionError: the spec is malformed or outside ``case_study.``/``workshop.``,
            the module cannot be imported, or it has no such callable.
    """
    module_name, function_name = parse_function_spec(spec)
    try:
        module = importlib.import_module(module_name)
    except Exception as error:  # an import can fail in any way; say which and where
        raise CheckFunctionError(
            f"Could not import {module_name!r} for {spec!r}: {type(error).__name__}: {error}. "
            "Check the module path, or run `python -m workshop validate`."
        ) from error
    function = getattr(module, function_name, None)
    if not callable(function):
        raise CheckFunctionError(
            f"{module_name!r} has no function {function_name!r} (named by {spec!r}). "
            "Fix the name in checks.toml or add the function."
        )
    return function


def compute_actual(check: Check) -> float:
    """Run a predict-then-run check's ``compute`` function and return its value.

    Args:
        check: a ``predict_then_run`` check.

    Returns:
        The computed value as a finite float.

    Raises:
        GradingError: the check is not predict-then-run or names no ``compute``.
        CheckFunctionError: the function cannot be resolved, raised, or returned something
            other than a finite number (the cause is chained).
    """
    if check.kind != PREDICT_THEN_RUN or not check.compute:
        raise GradingError(
            f"Check {check.id!r} ({check.kind}) has nothing to compute; only predict_then_run "
            "checks with a `compute` field do."
        )
    function = resolve_function(check.compute)
    try:
        value = function()
    except Exception as error:
        raise CheckFunctionError(
            f"{check.compute} (check {check.id!r}) failed: {type(error).__name__}: {error}"
        ) from error
    if not _is_finite_number(value):
        raise CheckFunctionError(
            f"{check.compute} (check {check.id!r}) must return a finite number; it returned "
            f"{_describe(value)}."
        )
    return float(value)


def run_hands_on(check: Check, answer: Any) -> Result:
    """Grade a hands-on check by calling its ``grader`` with the learner's answer.

    An answer that is not a list of this check's option keys gives a ``not_attempted``
    Result without calling the grader.

    Args:
        check: a ``hands_on`` check.
        answer: the learner's choice, a list of option keys.

    Returns:
        The :class:`Result`: ``passed`` or ``failed`` with the grader's message and details
        (``not_attempted`` for an answer that is not one).

    Raises:
        GradingError: the check is not hands-on or names no ``grader``.
        CheckFunctionError: the grader cannot be resolved, raised, or returned a report that
            is not ``{"passed": bool, "message": str, "details": dict}``.
    """
    if check.kind != HANDS_ON or not check.grader:
        raise GradingError(
            f"Check {check.id!r} ({check.kind}) has no grader to run; only hands_on checks "
            "with a `grader` field do."
        )
    try:
        keys = _as_keys(check, answer, empty="Choose what to switch on, then run it.")
        if len(keys) != len(set(keys)):
            raise _Invalid("Each option may be chosen only once.")
    except _Invalid as invalid:
        return Result(Outcome.NOT_ATTEMPTED, str(invalid))
    function = resolve_function(check.grader)
    try:
        report = function(keys)
    except Exception as error:
        raise CheckFunctionError(
            f"{check.grader} (check {check.id!r}) failed: {type(error).__name__}: {error}"
        ) from error
    if not isinstance(report, Mapping):
        raise CheckFunctionError(
            f"{check.grader} (check {check.id!r}) must return "
            '{"passed": bool, "message": str, "details": dict}; '
            f"it returned {_describe(report)}."
        )
    return grade(check, keys, actual=report)
