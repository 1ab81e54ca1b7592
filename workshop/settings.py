"""Every setting the workshop reads from its environment, in one place.

The engine, the UI and the command line ask this module; nothing else reads
``os.environ`` or Streamlit secrets for a workshop setting. Each function reads afresh on
every call (a test may set a variable with ``monkeypatch``), and each takes an optional
``environ`` mapping so a caller can pass its own.

- ``WORKSHOP_DATA_DIR``: where learner progress lives (SQLite); default
  ``~/.local/share/reproducible-ml-workshop``.
- ``WORKSHOP_LESSONS_DIR``: the lessons folder (a team's own copy, tests); default the
  project's ``lessons/``.
- ``WORKSHOP_INSTRUCTOR_CODE``: the code that unlocks instructor mode; default
  ``instructor_code`` in ``.streamlit/secrets.toml``, else instructor mode is off.
- ``WORKSHOP_DATABASE_URL``: ``postgresql://…`` keeps progress in PostgreSQL instead;
  default unset (SQLite).
- ``WORKSHOP_RUN_SLOTS``: how many script runs one server process runs at a time, the
  others queued in arrival order (``workshop/run_gate.py``); default 1.

``CASE_STUDY_DATA_DIR`` and ``CASE_STUDY_DEBUG`` belong to the case study, which never
imports the workshop: ``case_study/settings.py`` reads those.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path

from case_study import paths

DATA_DIR_ENV = "WORKSHOP_DATA_DIR"
LESSONS_DIR_ENV = "WORKSHOP_LESSONS_DIR"
INSTRUCTOR_CODE_ENV = "WORKSHOP_INSTRUCTOR_CODE"
DATABASE_URL_ENV = "WORKSHOP_DATABASE_URL"
RUN_SLOTS_ENV = "WORKSHOP_RUN_SLOTS"
DEFAULT_RUN_SLOTS = 1
MAX_RUN_SLOTS = 64
INSTRUCTOR_CODE_SECRET = "instructor_code"

DEFAULT_DATA_DIR = Path("~/.local/share/reproducible-ml-workshop")
DEFAULT_LESSONS_DIR = paths.LESSONS_DIR
# Where Streamlit itself looks for secrets, in its order: the project's file wins.
SECRETS_FILES = (
    paths.PROJECT_ROOT / ".streamlit" / "secrets.toml",
    Path("~/.streamlit/secrets.toml"),
)


def _read(name: str, environ: Mapping[str, str] | None) -> str:
    environ = os.environ if environ is None else environ
    value = environ.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def data_dir(environ: Mapping[str, str] | None = None) -> Path:
    """The folder for learner progress: ``$WORKSHOP_DATA_DIR``, else the default."""
    return Path(_read(DATA_DIR_ENV, environ) or DEFAULT_DATA_DIR).expanduser()


def lessons_dir(environ: Mapping[str, str] | None = None) -> Path:
    """The lessons folder: ``$WORKSHOP_LESSONS_DIR``, else the project's ``lessons/``."""
    configured = _read(LESSONS_DIR_ENV, environ)
    return Path(configured).expanduser() if configured else DEFAULT_LESSONS_DIR


def database_url(environ: Mapping[str, str] | None = None) -> str | None:
    """``$WORKSHOP_DATABASE_URL`` when set (a PostgreSQL progress store), else None."""
    return _read(DATABASE_URL_ENV, environ) or None


def run_slots(environ: Mapping[str, str] | None = None) -> int:
    """``$WORKSHOP_RUN_SLOTS`` as a whole number from 1 to 64, else the default (1).

    A value that is not such a number is passed over for the default rather than stopping
    the server: the setting only tunes speed.
    """
    configured = _read(RUN_SLOTS_ENV, environ)
    if configured.isdigit() and 1 <= int(configured) <= MAX_RUN_SLOTS:
        return int(configured)
    return DEFAULT_RUN_SLOTS


def secret(name: str, files: tuple[Path, ...] = SECRETS_FILES) -> str | None:
    """A string entry of the first readable Streamlit secrets file that has it, else None.

    Read with ``tomllib`` (no Streamlit), so the engine and the command line see the same
    secrets as the app. A file that is missing or is not valid TOML is passed over.
    """
    for file in files:
        try:
            with open(Path(file).expanduser(), "rb") as handle:
                values = tomllib.load(handle)
        except (OSError, tomllib.TOMLDecodeError):
            continue
        value = values.get(name)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def instructor_code(
    environ: Mapping[str, str] | None = None, files: tuple[Path, ...] = SECRETS_FILES
) -> str | None:
    """The instructor code, or None when instructor mode is off.

    ``$WORKSHOP_INSTRUCTOR_CODE`` when set and not blank, else ``instructor_code`` from the
    secrets files. Surrounding whitespace is dropped, so a code pasted with a trailing
    newline still works.
    """
    return _read(INSTRUCTOR_CODE_ENV, environ) or secret(INSTRUCTOR_CODE_SECRET, files)
