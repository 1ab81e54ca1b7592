"""Repeated runs as a table, and their summary."""

from __future__ import annotations

import pytest

from case_study import runs
from case_study.errors import CaseStudyError


def test_summarise_runs_refuses_an_empty_frame():
    """Summarising nothing is a clear error, not a NaN on screen."""
    with pytest.raises(CaseStudyError, match="at least one run"):
        runs.summarise_runs(runs.runs_frame([]))
