"""Progress records and rules that hold for every backend: outcome precedence."""

from __future__ import annotations

from workshop.progress.model import outcome_after_attempt, outcome_after_reveal


def test_pure_precedence_functions():
    """The precedence rules hold for every previous outcome."""
    assert outcome_after_attempt("not_attempted", "failed") == "failed"
    assert outcome_after_attempt("failed", "passed") == "passed"
    assert outcome_after_attempt("passed", "failed") == "passed"
    assert outcome_after_attempt("revealed", "passed") == "revealed"
    assert outcome_after_reveal("passed") == "passed"
    for previous in ("not_attempted", "failed", "revealed"):
        assert outcome_after_reveal(previous) == "revealed"

