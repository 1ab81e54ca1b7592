"""A typo in a lesson file does not take the room offline (issue "Safe by default", finding 6).

Learners keep the last course that loaded, with no problem list; the instructor page lists
every problem; a fix shows the new content at once. Started on broken lessons, learners get
one sentence and the instructor the full list after unlocking in place.
"""

from __future__ import annotations

import pytest

from tests.ui.helpers import new_app, open_page, write_team_lessons
from workshop.instructor_gate import ENV_VAR
from workshop.ui import instructor_page as page

CODE = "projector-42"
STAGE = "team-habits"


def _walk(node):
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _walk(child)


def _page_text(at) -> str:
    """Everything the browser would receive, as protobuf text."""
    return "\n".join(str(getattr(node, "proto", "")) for node in _walk(at._tree))


@pytest.fixture
def room_lessons(tmp_path, monkeypatch):
    """A team's course served to a room: instructor mode on."""
    folder = write_team_lessons(tmp_path / "lessons")
    monkeypatch.setenv("WORKSHOP_LESSONS_DIR", str(folder))
    monkeypatch.setenv(ENV_VAR, CODE)
    return folder


def _break(folder) -> None:
    checks = folder / "01-team-habits" / "checks.toml"
    checks.write_text(checks.read_text(encoding="utf-8").replace('kind = "numeric"',
                                                                 'kind = "numerik"', 1),
                      encoding="utf-8")


def _rename_stage(folder, title: str) -> None:
    lesson = folder / "01-team-habits" / "lesson.md"
    lesson.write_text(lesson.read_text(encoding="utf-8").replace(
        'title = "Our team\'s habits"', f'title = "{title}"', 1), encoding="utf-8")
    course = folder / "course.toml"
    course.write_text(course.read_text(encoding="utf-8").replace(
        'title = "Our team\'s habits"', f'title = "{title}"', 1), encoding="utf-8")


def _unlock(at):
    at.text_input(key="instructor-code-input").input(CODE)
    return next(button for button in at.button if button.label == "Unlock").click().run()


def test_a_broken_edit_keeps_learners_on_the_last_good_course_until_it_is_fixed(room_lessons):
    """Break a lesson file while a learner's session runs: every page keeps working with the
    last good content and shows no problem list; fix it and the new content shows."""
    at = new_app()
    at.run()
    at = open_page(at, STAGE)
    assert [title.value for title in at.title] == ["Stage 1 · Our team's habits"]
    _break(room_lessons)
    for url_path in (STAGE, "welcome", "wrap-up", STAGE):
        at = open_page(at, url_path)
        assert not at.exception and not at.error, url_path
        text = _page_text(at)
        assert "numerik" not in text and "checks.toml" not in text, url_path
    assert [title.value for title in at.title] == ["Stage 1 · Our team's habits"]
    # A check still works on the last good course.
    at.radio(key="habits-single-answer").set_value("before")
    at = at.button(key="habits-single-submit").click().run()
    assert not at.exception and at.success
    write_team_lessons(room_lessons)
    _rename_stage(room_lessons, "Our team's new habits")
    at = open_page(at, STAGE)
    assert not at.exception and not at.error
    assert [title.value for title in at.title] == ["Stage 1 · Our team's new habits"]


def test_the_instructor_page_lists_every_problem_while_learners_keep_the_course(room_lessons):
    """The instructor sees the validator's full list above the tabs; the tabs still work."""
    at = new_app()
    at.run()
    at = _unlock(open_page(at, "instructor"))
    assert not at.error
    _break(room_lessons)
    (room_lessons / "02-wrap-up" / "lesson.md").write_text("no front matter\n", encoding="utf-8")
    at = at.run()
    assert not at.exception
    (message,) = [error.value for error in at.error]
    assert "2 problem(s)" in message and "Learners still see the last version" in message
    assert "checks.toml" in message and "numerik" in message
    assert "02-wrap-up/lesson.md" in message and "python -m workshop validate" in message
    assert at.tabs and at.session_state[page.UNLOCKED_KEY] is True
    write_team_lessons(room_lessons)
    at = at.run()
    assert not at.exception and not at.error


def test_started_on_broken_lessons_learners_get_one_sentence_and_the_instructor_the_list(
        room_lessons):
    """No course ever loaded: a learner sees a short error with no file names; the
    instructor unlocks in place and gets the full list."""
    _break(room_lessons)
    at = new_app().run()
    assert not at.exception
    (message,) = [error.value for error in at.error]
    assert "Ask the instructor" in message
    text = _page_text(at)
    assert "numerik" not in text and "checks.toml" not in text
    at = _unlock(at)
    assert not at.exception
    full = " ".join(error.value for error in at.error)
    assert "numerik" in full and "checks.toml" in full and "python -m workshop validate" in full
    write_team_lessons(room_lessons)
    at = at.run()
    assert not at.exception and not at.error


def test_without_instructor_mode_the_author_sees_the_full_list(room_lessons, monkeypatch):
    """On someone's own laptop (no instructor code) whoever runs the app wrote the lessons:
    a course that never loaded is explained in full, as before."""
    monkeypatch.delenv(ENV_VAR)
    _break(room_lessons)
    at = new_app().run()
    assert not at.exception
    message = " ".join(error.value for error in at.error)
    assert "numerik" in message and "Ask the instructor" not in message
