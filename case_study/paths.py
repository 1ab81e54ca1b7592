"""The one place that knows where the project's folders are (cookiecutter-data-science).

Every path is derived from the project folder, never from where a command happens to be
started, so the case study behaves the same from the app, the tests and the command line.

The project folder is the one holding ``data/manifest.json`` (:func:`find_project_root`):
first the nearest such folder at or above this package (the repository, an editable
install, or a take-home copy whose virtual environment lives inside its unpacked folder),
then the nearest at or above the working directory (a take-home copy installed into a
virtual environment elsewhere and run from inside its folder). ``CASE_STUDY_DATA_DIR``
(see ``settings.py``) still points the data alone somewhere else.
"""

from __future__ import annotations

from pathlib import Path

from case_study import settings

PACKAGE_DIR = Path(__file__).resolve().parent
# What marks a project folder: the data manifest every load is verified against.
PROJECT_MARKER = Path("data") / "manifest.json"


def find_project_root(package_dir: Path = PACKAGE_DIR, cwd: Path | None = None) -> Path:
    """The folder holding ``data/manifest.json``: searched upward from the package, then cwd.

    Args:
        package_dir: the ``case_study`` package folder (wherever it is installed).
        cwd: the working directory (default: the process's own, when it still exists).

    Returns:
        The nearest folder at or above ``package_dir``'s parent holding the marker, else the
        nearest at or above ``cwd``, else ``package_dir``'s parent (a load then says which
        manifest is missing).
    """
    starts = [Path(package_dir).parent]
    try:
        starts.append(Path.cwd() if cwd is None else Path(cwd))
    except OSError:  # the working directory was removed under us
        pass
    for start in starts:
        start = start.resolve()
        for folder in (start, *start.parents):
            if (folder / PROJECT_MARKER).is_file():
                return folder
    return Path(package_dir).parent


PROJECT_ROOT = find_project_root()
# CASE_STUDY_DATA_DIR (see settings.py) points the case study at another copy of data/
# (raw/ and manifest.json) — the tests use it to run the whole app on a tampered copy. Read
# once, at import: a running server never switches data under a learner's feet.
DATA_DIR = settings.data_dir(PROJECT_ROOT / "data")
RAW_DIR = DATA_DIR / "raw"
DATA_MANIFEST = DATA_DIR / "manifest.json"
LESSONS_DIR = PROJECT_ROOT / "lessons"

GERMAN_CREDIT = "german.data"
CODE_CHECKLIST = "code_checklist-neurips2019.csv"
