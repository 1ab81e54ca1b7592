"""After a press of Submit, Hint or Reveal the check's result area is given the keyboard
focus: the run that shows the press's result draws the focus mover once (a new number each
press), pointing at that check's result area; a run with no press draws none. (That the
browser's focus really lands there is tests/browser/test_keyboard.py.)"""

from __future__ import annotations

import json
import re

import pytest

from tests.ui.helpers import new_app, open_page, write_team_lessons
from workshop.ui import check_focus

STAGE = "team-habits"
CHECK = "habits-single"


@pytest.fixture
def stage_app(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKSHOP_LESSONS_DIR", str(write_team_lessons(tmp_path / "lessons")))
    at = new_app()
    at.run()
    return open_page(at, STAGE)


def _movers(at) -> list[str]:
    return [element.proto.body for element in at.get("html")
            if "data-check-focus" in element.proto.body]


def _number(body: str) -> int:
    return int(re.search(r'data-check-focus="(\d+)"', body).group(1))


def test_no_mover_before_a_press(stage_app):
    assert _movers(stage_app) == []


def test_each_press_draws_one_mover_for_that_check_with_a_new_number(stage_app):
    at = stage_app
    at.radio(key=f"{CHECK}-answer").set_value("after")
    at.button(key=f"{CHECK}-submit").click().run()
    assert not at.exception
    (first,) = _movers(at)
    assert json.dumps(f".st-key-{check_focus.result_key(CHECK)}") in first
    assert '"Check 1 of 5: result"' in first
    at.button(key=f"{CHECK}-hint").click().run()
    (second,) = _movers(at)
    assert _number(second) == _number(first) + 1
    at.run()  # a run with no press: the mover is not drawn again
    assert _movers(at) == []


def test_the_result_area_holds_the_feedback(stage_app):
    """The keyed container the mover focuses holds what the press produced."""
    at = stage_app
    at.radio(key=f"{CHECK}-answer").set_value("after")
    at.button(key=f"{CHECK}-submit").click().run()
    (area,) = [node for node in _walk(at._tree)
               if str(getattr(getattr(node, "proto", None), "id", "")).endswith(
                   f"-{check_focus.result_key(CHECK)}")]
    assert any(getattr(node, "type", None) == "warning" and node.value.startswith("Not quite.")
               for node in _walk(area))


def test_the_script_quotes_its_text_as_json_and_cannot_end_early():
    body = check_focus.script("a-check", 'Check 1 of 2: "result" </script>', 7)
    assert body.count("</script>") == 1
    assert '"Check 1 of 2: \\"result\\" <\\/script>"' in body
    assert 'data-check-focus="7"' in body and str(check_focus.HOLD_MS) in body


def _walk(node):
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _walk(child)
