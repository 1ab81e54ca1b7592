"""Shared helpers for the AppTests of the workshop's pages."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest
from streamlit.util import calc_hash

PROJECT_ROOT = Path(__file__).resolve().parents[2]
APP = PROJECT_ROOT / "app.py"
TIMEOUT = 60


def new_app(code: str | None = None) -> AppTest:
    """An AppTest of app.py; with ``code``, the page address carries that resume code."""
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    if code:
        at.query_params["code"] = code
    return at


def open_page(at: AppTest, url_path: str) -> AppTest:
    """Open the page registered under ``url_path`` and run it.

    Why not ``at.switch_page(file)``: every page is a function (``workshop/ui/pages.py``),
    not a file, and ``AppTest.switch_page`` only takes files. Streamlit identifies an
    ``st.navigation`` page by the hash of its URL path, so we request that hash directly.
    The welcome page (the default, at ``/``) is registered as "welcome". Call ``at.run()``
    once before, so that the pages are registered.

    The request is cleared after the run: later runs then stay on the page the last run
    finished on, as a browser does, so a "Next stage →" click (``st.switch_page``) is
    followed rather than undone.
    """
    at._page_hash = calc_hash(url_path)
    try:
        return at.run()
    finally:
        at._page_hash = ""


def current_page(at: AppTest) -> dict:
    """What Streamlit registered for the page the last run showed: ``page_name`` (its
    title, which the browser tab shows), ``url_pathname``, ``page_script_hash``."""
    return at._registered_pages[at._finished_page_script_hash]


# --- a small course of our own, for tests that must not depend on the real lessons ------

TEAM_COURSE = '''
title = "A team's own course"

[[agenda]]
id = "talk"
title = "10-minute talk"
minutes = 10
buffer_minutes = 0

[[stage]]
id = "team-habits"
number = 1
folder = "01-team-habits"
title = "Our team's habits"
nav_title = "Habits"
minutes.talk = { teaching = 3, exercise = 2 }

[[stage]]
id = "wrap-up"
number = 2
folder = "02-wrap-up"
title = "Wrap-up"
nav_title = "Wrap-up"
minutes.talk = { teaching = 3, exercise = 2 }
'''

TEAM_LESSON = '''+++
title = "Our team's habits"
questions = ["What do we write down?"]
objectives = ["Write the split down before modelling."]
keypoints = ["A written plan beats a remembered one."]
presenter_notes = "Keep it short."

[[checklist]]
item = "Write the split and the seed down before modelling"
why = "A choice made after seeing the test score is fitted to it."
tools = ["design card"]

[[checklist]]
item = "Keep raw data read-only"
why = "Cleaning in place loses the original."
tools = ["sha256 manifest"]

[[tools]]
name = "design card"
use = "one page written before modelling"
shown_here = true

[[tools]]
name = "sha256 manifest"
use = "hashes of every raw file, checked on load"

[[metrics]]
name = "runs reported"
description = "how many runs the reported figure summarises"
+++

## Principle

Write the plan down first.

## What goes wrong

The plan changes after the score is seen.

## The fix

A design card, written first.

## Further reading

The Turing Way on reproducibility [turingway].
'''

TEAM_CHECKS = '''
[[check]]
id = "habits-single"
kind = "single_choice"
prompt = "When is the split chosen?"
answer = "before"
hints = ["Think about the test score.", "Choosing after seeing it fits it."]
explanation = "Before: otherwise the split is tuned on the test score."
references = ["turingway"]

  [[check.options]]
  key = "before"
  text = "Before modelling"

  [[check.options]]
  key = "after"
  text = "After seeing the test score"
  feedback = "Then the split is chosen on the score it is meant to test."

[[check]]
id = "habits-multiple"
kind = "multiple_choice"
prompt = "Which belong in a design card?"
answer = ["metric", "split"]
hints = ["Two of them."]
explanation = "The metric and the split."
references = ["turingway"]

  [[check.options]]
  key = "metric"
  text = "The metric"

  [[check.options]]
  key = "split"
  text = "The split"

  [[check.options]]
  key = "mood"
  text = "The team's mood"
  feedback = "A mood does not change the result."

[[check]]
id = "habits-numeric"
kind = "numeric"
prompt = "How many hours in a day?"
answer = 24
tolerance = 0.5
unit = "h"
hints = ["A clock goes round twice."]
explanation = "Twenty-four."
references = ["turingway"]

[[check]]
id = "habits-ordering"
kind = "ordering"
prompt = "Put the steps in order."
answer = ["plan", "split", "fit"]
hints = ["Plan first."]
explanation = "Plan, split, then fit."
references = ["turingway"]

  [[check.options]]
  key = "plan"
  text = "Write the plan"

  [[check.options]]
  key = "split"
  text = "Split the data"

  [[check.options]]
  key = "fit"
  text = "Fit the model"

[[check]]
id = "habits-predict"
kind = "predict_then_run"
prompt = "Predict the median stars of Python repositories with all five items."
answer = 196.5
tolerance = 20
hints = ["Around two hundred."]
explanation = "The computation gives it from the shipped CSV."
references = ["pwc2020"]
compute = "case_study.stage0_why:median_stars_python_only"
'''

TEAM_WRAP_UP = '''+++
title = "Wrap-up"
questions = ["What next?"]
objectives = ["Write the policy."]
keypoints = ["Tick what you do."]
presenter_notes = "End on time."
+++

## Principle

Turn the checklists into a policy.

## What goes wrong

Nobody writes it down.

## The fix

Write it down.

## Further reading

The Turing Way [turingway].
'''


def write_team_lessons(folder: Path) -> Path:
    """Write a small, valid course a team might have made (one stage with no demo module,
    a check of every kind that runs fast, a wrap-up) into ``folder``; returns ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "course.toml").write_text(TEAM_COURSE, encoding="utf-8")
    (folder / "sources.toml").write_text(
        (PROJECT_ROOT / "lessons" / "sources.toml").read_text(encoding="utf-8"), encoding="utf-8")
    stage = folder / "01-team-habits"
    stage.mkdir(exist_ok=True)
    (stage / "lesson.md").write_text(TEAM_LESSON, encoding="utf-8")
    (stage / "checks.toml").write_text(TEAM_CHECKS, encoding="utf-8")
    wrap = folder / "02-wrap-up"
    wrap.mkdir(exist_ok=True)
    (wrap / "lesson.md").write_text(TEAM_WRAP_UP, encoding="utf-8")
    return folder
