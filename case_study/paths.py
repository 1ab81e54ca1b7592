"""The one place that knows where the project's folders are (cookiecutter-data-science).

Every path is derived from this file's location, never from the working directory, so the
case study behaves the same from the app, the tests and the command line.
"""

from __future__ import annotations

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_ROOT / "data"
RAW_DIR = DATA_DIR / "raw"
DATA_MANIFEST = DATA_DIR / "manifest.json"
LESSONS_DIR = PROJECT_ROOT / "lessons"

GERMAN_CREDIT = "german.data"
CODE_CHECKLIST = "code_checklist-neurips2019.csv"
