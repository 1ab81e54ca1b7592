"""Pinned versions: installed libraries against requirements.txt."""

from __future__ import annotations

import pytest

from case_study import pins
from case_study.errors import EnvironmentMismatchError


def test_installed_versions_match_the_pins():
    """In the project's own environment, every direct pin is what is installed."""
    assert pins.environment_mismatches() == []


def test_a_version_mismatch_is_reported_not_raised(tmp_path):
    """A pin that differs from what is installed comes back as a mismatch to show."""
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("numpy==0.0.1  # too old\npandas==0.0.2\nnot-installed-pkg==1.0\n")
    mismatches = pins.environment_mismatches(
        requirements, packages=("numpy", "pandas", "not-installed-pkg")
    )
    assert [(m.package, m.pinned) for m in mismatches] == [
        ("numpy", "0.0.1"), ("pandas", "0.0.2"), ("not-installed-pkg", "1.0")
    ]
    assert mismatches[0].installed and mismatches[2].installed is None


def test_missing_pin_or_file_is_a_clear_error(tmp_path):
    """A requirements file without the pin, or no file at all, says what to add."""
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("numpy==2.0\n")
    with pytest.raises(EnvironmentMismatchError, match="pin scipy"):
        pins.environment_mismatches(requirements, packages=("scipy",))
    with pytest.raises(EnvironmentMismatchError, match="requirements.txt"):
        pins.environment_mismatches(tmp_path / "missing" / "requirements.txt")
