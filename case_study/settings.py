"""Every setting the case study reads from its environment, in one place.

Nothing else in ``case_study`` reads ``os.environ`` for a setting of its own. (The
workshop's settings live in ``workshop/settings.py``; the case study never imports the
workshop.) Each function takes an optional ``environ`` mapping so a caller or a test can
pass its own.

- ``CASE_STUDY_DATA_DIR`` — another copy of ``data/`` (``raw/`` and ``manifest.json``);
  default: the project's ``data/``, in the folder ``paths.find_project_root`` finds (for an
  installed take-home copy: its unpacked folder). Read once, when ``case_study.paths`` is
  imported.
- ``CASE_STUDY_DEBUG`` — non-empty: the command line shows the traceback of an
  unexpected error instead of one line; default: off. Read on every error.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

DATA_DIR_ENV = "CASE_STUDY_DATA_DIR"
DEBUG_ENV = "CASE_STUDY_DEBUG"


def _read(name: str, environ: Mapping[str, str] | None) -> str:
    environ = os.environ if environ is None else environ
    return environ.get(name) or ""


def data_dir(default: Path, environ: Mapping[str, str] | None = None) -> Path:
    """The data folder: ``$CASE_STUDY_DATA_DIR`` when set and not empty, else ``default``.

    Args:
        default: the project's own ``data/`` folder.
        environ: the environment to read (default: ``os.environ``).

    Returns:
        The folder holding ``raw/`` and ``manifest.json``.
    """
    return Path(_read(DATA_DIR_ENV, environ) or default)


def debug(environ: Mapping[str, str] | None = None) -> bool:
    """True when ``$CASE_STUDY_DEBUG`` is set and not empty (show tracebacks).

    Args:
        environ: the environment to read (default: ``os.environ``).

    Returns:
        Whether the command line should re-raise an unexpected error.
    """
    return bool(_read(DEBUG_ENV, environ))
