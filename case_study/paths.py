"""The one place that knows where the project's folders are (cookiecutter-data-science).

Every path is derived from this file's location, never from the working directory, so the
case study behaves the same from the app, the tests and the command line.
"""

from __future__ import annotations

from pathlib import Path

from case_study import settings

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# CASE_STUDY_DATA_DIR (see settings.py) points the case study at another copy of data/
# (raw/ and manifest.json) — the tests use it to run the whole app on a tampered copy. Read
# once, at import: a running server never switches data under a learner's feet.
DATA_DIR = settings.data_dir(PROJECT_ROOT / "data")
RAW_DIR = DATA_DIR / "raw"
DATA_MANIFEST = DATA_DIR / "manifest.json"
LESSONS_DIR = PROJECT_ROOT / "lessons"

GERMAN_CREDIT = "german.data"
CODE_CHECKLIST = "code_checklist-neurips2019.csv"
