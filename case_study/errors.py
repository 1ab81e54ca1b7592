"""One exception family for the case study, all defined here.

Every error the case study raises on purpose is a :class:`CaseStudyError`, so a caller (the
app, the command line) can catch the family in one ``except``. Every message says what was
expected, what was found, and what to do about it.

The family::

    CaseStudyError
    ├── DataIntegrityError          a raw data file is missing or differs from its manifest
    │   └── DataMismatchError       the data on disk is not the version a run manifest names
    ├── ManifestError               a run manifest is unreadable, incomplete or out of range
    ├── UnsafeOutputError           an output folder lies inside the data folder
    ├── EnvironmentMismatchError    installed library versions differ from the pins
    ├── ModelHashError              a model holds something with no canonical content
    ├── UnsafePickleError           a pickle names a class outside the case study's models
    ├── UnknownChecklistItemError   Stage 0: a filter names an unknown checklist item
    ├── RawDirectoryError           Stage 2: a derived copy aimed at the read-only raw folder
    ├── UnknownPracticeError        Stage 3: a switchboard practice key nobody knows
    ├── FreshProcessError           Stage 3: a fresh training process failed or timed out
    └── MonitoringError             Stage 5: a baseline or monitoring log does not fit

The modules that raise them re-export the names they used to define (for example
``case_study.stage5_deployment.MonitoringError``), so older imports keep working.
"""

from __future__ import annotations


class CaseStudyError(Exception):
    """Root of every error the case study raises on purpose."""


class DataIntegrityError(CaseStudyError):
    """A raw data file is missing, or its bytes differ from the manifest."""


class DataMismatchError(DataIntegrityError):
    """The data on disk is not the data version the run manifest names."""


class ManifestError(CaseStudyError):
    """A run manifest is unreadable, incomplete, or names something unknown."""


class UnsafeOutputError(CaseStudyError):
    """An output folder would write somewhere it must not (inside the data folder)."""


class EnvironmentMismatchError(CaseStudyError):
    """The installed library versions differ from the pinned ones."""


class ModelHashError(CaseStudyError):
    """A model holds something that has no canonical content to hash (or refers to itself)."""


class UnsafePickleError(CaseStudyError):
    """A pickle names a class or function that no fitted case-study model is made of."""


class UnknownChecklistItemError(CaseStudyError):
    """A filter names a checklist item that the CSV does not have."""


class RawDirectoryError(CaseStudyError):
    """Someone asked to write a derived copy into the read-only raw-data folder."""


class UnknownPracticeError(CaseStudyError):
    """A practice key that the switchboard does not know."""


class FreshProcessError(CaseStudyError):
    """A training worker process failed, timed out, or printed something unreadable."""


class MonitoringError(CaseStudyError):
    """A baseline profile or monitoring log is unreadable or does not fit the data."""


class UntrustedModelFileError(CaseStudyError):
    """A saved model file would be unpickled without the caller saying it is trusted."""
