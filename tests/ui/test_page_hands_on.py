"""The hands-on switchboard, for real: the learner's practices, two fresh Python processes,
and both hashes on screen."""

from __future__ import annotations

import pytest

from tests.ui.helpers import new_app, open_page
from workshop.content import load_course
from workshop.progress import ProgressStore
from workshop.ui.lesson_view import lessons_dir

COURSE = load_course(lessons_dir())  # the same folder the app reads


@pytest.mark.slow
def test_switchboard_runs_twice_in_fresh_processes_and_shows_both_hashes():
    """Turning on the reference practices and running twice passes, with both processes'
    prediction hashes shown side by side and equal."""
    check = next((c for c in COURSE.checks if c.kind == "hands_on"), None)
    assert check is not None, "the course should have a hands-on check (the Stage 3 switchboard)"
    at = new_app().run()
    open_page(at, check.stage_id)
    for option in check.options:
        box = at.checkbox(key=f"{check.id}-option-{option.key}")
        if option.key in check.answer:
            box.check()
    at.button(key=f"{check.id}-submit").click().run(timeout=180)
    assert not at.exception
    assert not [e.value for e in at.error]
    assert any(text.value.startswith("Right.") for text in at.success)
    record = ProgressStore().progress_for(at.query_params["code"])[check.id]
    assert (record.outcome, record.attempts) == ("passed", 1)
    tables = [frame.value for frame in at.dataframe if "predictions sha256" in frame.value.columns]
    assert tables, "the details should show each process's hashes"
    hashes = list(tables[0]["predictions sha256"])
    assert len(hashes) == 2 and hashes[0] == hashes[1] and len(hashes[0]) == 64
