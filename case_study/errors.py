"""One exception family for the case study. Every message says what was expected, what was
found, and what to do about it."""

from __future__ import annotations


class CaseStudyError(Exception):
    """Root of every error the case study raises on purpose."""


class DataIntegrityError(CaseStudyError):
    """A raw data file is missing, or its bytes differ from the manifest."""


class ManifestError(CaseStudyError):
    """A run manifest is unreadable, incomplete, or names something unknown."""


class EnvironmentMismatchError(CaseStudyError):
    """The installed library versions differ from the pinned ones."""
