"""Course rules: citations and figures, check references, timings that add up, stage order,
and the functions checks name (read from source, never imported)."""

from __future__ import annotations

import sys

import pytest

from tests.test_workshop_content_support import (
    FIXTURE_MODULE,
    assert_reported,
    cases,
    private_course,
)
from workshop.content import validate_course


@pytest.fixture
def lessons(tmp_path, monkeypatch):
    """A private copy of the valid fixture course, free to break."""
    yield from private_course(tmp_path, monkeypatch)


@pytest.mark.parametrize("change, file, location, message", cases(rules=True))
def test_validator_catches_each_broken_rule(lessons, change, file, location, message):
    """Each broken course rule is reported with its file, place, message and fix."""
    assert_reported(lessons, change, file, location, message)

def test_validating_never_imports_the_functions_checks_name(lessons):
    """The validator reads compute/grader modules as source (ast): no import, no sklearn."""
    sys.modules.pop(FIXTURE_MODULE, None)
    assert validate_course(lessons) == []
    assert FIXTURE_MODULE not in sys.modules
