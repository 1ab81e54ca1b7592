"""The ``workshop.progress`` package as a whole: every name it offered as one module is
still importable from it, its errors are a ``WorkshopError`` only, and the data folder
comes from ``workshop.settings``."""

from __future__ import annotations

import pytest

import workshop.progress as progress
from case_study.errors import CaseStudyError
from workshop import errors, learners, settings

OLD_NAMES = (
    "ATTEMPT_FAILED", "ATTEMPT_PASSED", "CODE_ALPHABET", "CODE_LENGTH", "DATA_DIR_ENV",
    "DEFAULT_DATA_DIR", "DISPLAY_NAME_MAX", "EVENT_KINDS", "FAILED", "HINT",
    "NOT_ATTEMPTED", "OUTCOMES", "PASSED", "REVEAL", "REVEALED", "SCHEMA_VERSION",
    "STORE_FILENAME", "CheckProgress", "Event", "Learner", "ProgressStore",
    "ProgressStoreError", "clean_display_name", "default_data_dir", "new_code",
    "normalise_code", "outcome_after_attempt", "outcome_after_reveal",
)


@pytest.mark.parametrize("name", OLD_NAMES)
def test_every_name_of_the_old_module_is_still_exported(name):
    """Code that imported from the one-module ``workshop.progress`` keeps working."""
    assert hasattr(progress, name)
    assert name in progress.__all__


def test_names_and_codes_are_the_learners_module():
    """Re-exported, not copied: one definition of each."""
    assert progress.clean_display_name is learners.clean_display_name
    assert progress.normalise_code is learners.normalise_code
    assert progress.new_code is learners.new_code
    assert progress.DISPLAY_NAME_MAX == learners.DISPLAY_NAME_MAX == 40


def test_progress_store_error_is_a_workshop_error_only():
    """One exception family per package: defined in workshop.errors, not a CaseStudyError."""
    assert progress.ProgressStoreError is errors.ProgressStoreError
    assert issubclass(progress.ProgressStoreError, errors.WorkshopError)
    assert not issubclass(progress.ProgressStoreError, CaseStudyError)


def test_default_data_dir_is_the_settings_data_dir(monkeypatch, tmp_path):
    """The store reads no environment variable itself: ``workshop.settings`` does."""
    monkeypatch.setenv("WORKSHOP_DATA_DIR", str(tmp_path / "here"))
    assert progress.default_data_dir() == settings.data_dir() == tmp_path / "here"
    assert progress.DATA_DIR_ENV == settings.DATA_DIR_ENV == "WORKSHOP_DATA_DIR"
