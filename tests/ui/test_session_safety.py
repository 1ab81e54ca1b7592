"""Findings 2, 4 and 7 of "Safe by default" through the real app (app.py):

- resume codes: looked up only under the room-wide throttle, typed or from the address,
  and a new session does not start with a clean slate;
- the instructor lock: a new session does not reset the wait, and a code shorter than 10
  characters keeps instructor mode locked with a generated strong code shown instead;
- the store's problems: learners get a short notice without paths, the instructor the
  details; a data folder that cannot be written still serves every lesson, with a note
  that progress is not being saved."""

from __future__ import annotations

import pytest

from tests.ui.helpers import new_app, open_page
from workshop import throttle
from workshop.instructor_gate import ENV_VAR
from workshop.progress import STORE_FILENAME, ProgressStore
from workshop.progress.store import NOT_SAVING_NOTICE
from workshop.ui import session

CODE = "safety-test-code"


def _texts(elements) -> list[str]:
    return [element.value for element in elements]


def _everything(at) -> str:
    return "\n".join(_texts(at.warning) + _texts(at.error) + _texts(at.info)
                     + _texts(at.markdown) + _texts(at.caption))


@pytest.fixture
def strict_resume(monkeypatch):
    """No free failures and a long room interval, so the test does not race the clock."""
    monkeypatch.setattr(throttle, "RESUME", throttle.Policy(
        "resume", free_failures=0, room_interval=600, room_free_failures=0))


def test_a_guessed_code_in_the_address_is_throttled_across_sessions(strict_resume):
    """A script opening a new session per guessed ``?code=`` gets one lookup; the next
    session is refused before anything is looked up, even with a real code, and no
    learner is created for it."""
    store = ProgressStore()
    real = store.create_learner("Ann").code
    first = new_app(code="ABCD-EFGH").run()
    assert not first.exception
    assert any("not known on this server" in text for text in _texts(first.info))
    learners = len(store.all_learners())

    second = new_app(code=real).run()
    assert not second.exception
    assert any("Too many wrong resume codes" in text for text in _texts(second.warning))
    assert len(store.all_learners()) == learners  # nothing created, nothing looked up
    assert store.recent_failures("resume", throttle.RESUME.window).count == 1


def test_typed_resume_codes_are_throttled(strict_resume):
    store = ProgressStore()
    real = store.create_learner("Ann").code
    at = new_app().run()
    form = at.text_input(key="welcome-resume-code")
    form.input("ABCD-EFGH")
    at = next(b for b in at.button if b.label == "Resume").click().run()
    assert any("No learner with the code ABCD-EFGH" in text for text in _texts(at.error))
    at.text_input(key="welcome-resume-code").input(real)
    at = next(b for b in at.button if b.label == "Resume").click().run()
    assert any("Too many wrong resume codes" in text for text in _texts(at.error))
    assert at.query_params["code"] != real


def test_a_new_session_does_not_reset_the_instructor_wait(monkeypatch):
    """The issue's reproduction used a new websocket per guess: the wait survives it."""
    monkeypatch.setenv(ENV_VAR, CODE)
    monkeypatch.setattr(throttle, "INSTRUCTOR", throttle.Policy(
        "instructor", room_interval=600, room_free_failures=0))
    for typed, expected in (("wrong-guess-1", "Wrong code."),
                            (CODE, "Too many wrong codes: this try was not checked.")):
        at = new_app().run()
        at = open_page(at, "instructor")
        at.text_input(key="instructor-code-input").input(typed)
        at = next(b for b in at.button if b.label == "Unlock").click().run()
        assert expected in _texts(at.error)
        assert not any(tab.label == "Room" for tab in at.tabs)


def test_a_short_instructor_code_keeps_instructor_mode_locked(monkeypatch):
    monkeypatch.setenv(ENV_VAR, "1234")
    at = open_page(new_app().run(), "instructor")
    assert not at.exception
    errors = " ".join(_texts(at.error))
    assert "Instructor mode is locked" in errors and ENV_VAR in errors
    assert not any(widget.label == "Instructor code" for widget in at.text_input)
    suggested = errors.rsplit(f"{ENV_VAR}=", 1)[1].strip("`\n ")
    assert len(suggested) == 16


def test_a_read_only_data_folder_still_serves_the_lessons(private_workshop_data_dir):
    """The data folder cannot be used (here: it is a file, as chmod does not stop root):
    every page still draws, and says progress is not being saved; the instructor sees
    why."""
    private_workshop_data_dir.parent.mkdir(parents=True, exist_ok=True)
    private_workshop_data_dir.write_text("not a folder")
    at = new_app().run()
    assert not at.exception
    assert NOT_SAVING_NOTICE in _texts(at.warning)
    stage = open_page(at, "design")
    assert not stage.exception
    assert NOT_SAVING_NOTICE in _texts(stage.warning)
    assert len(stage.markdown) > 3  # the lesson itself is drawn
    assert str(private_workshop_data_dir) not in _everything(stage)
    store = session.get_store()
    assert not store.saving
    assert str(private_workshop_data_dir) in store.instructor_details[0]


def test_learners_get_a_short_notice_and_the_instructor_the_path(monkeypatch,
                                                                private_workshop_data_dir):
    """Finding 7: the warning with the server's absolute path was shown to every new
    session. Now a learner reads one short sentence; the unlocked instructor page has
    the path of the file moved aside."""
    store = ProgressStore()
    code = store.create_learner("Ann").code
    store.record_attempt(code, "design", "q1", "failed")
    store.close()
    with open(private_workshop_data_dir / STORE_FILENAME, "r+b") as handle:
        handle.write(b"\x00" * 100)
    learner = new_app(code=code).run()
    assert not learner.exception
    assert learner.query_params["code"] == code  # the learner was salvaged
    assert any("was repaired" in text for text in _texts(learner.warning))
    assert str(private_workshop_data_dir) not in _everything(learner)

    monkeypatch.setenv(ENV_VAR, CODE)
    instructor = open_page(new_app().run(), "instructor")
    instructor.text_input(key="instructor-code-input").input(CODE)
    instructor = next(b for b in instructor.button if b.label == "Unlock").click().run()
    assert any(f"{private_workshop_data_dir}/{STORE_FILENAME}.corrupt-" in text
               for text in _texts(instructor.warning))
