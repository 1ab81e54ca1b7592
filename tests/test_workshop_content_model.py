"""The course's dataclasses: lookups by id, immutability, citations for display, and how a
Problem reads."""

from __future__ import annotations

import pickle
from dataclasses import FrozenInstanceError

import pytest

from tests.test_workshop_content_support import private_course
from workshop.content import Problem, load_course
from workshop.errors import UnknownAgendaError, UnknownCheckError, UnknownStageError, WorkshopError


@pytest.fixture
def lessons(tmp_path, monkeypatch):
    """A private copy of the valid fixture course, free to break."""
    yield from private_course(tmp_path, monkeypatch)


def test_lookups_of_unknown_ids_raise_lookup_errors_from_the_family(lessons):
    """Asking for a stage, check or agenda that does not exist names what does."""
    course = load_course(lessons)
    for call, error in ((lambda: course.stage("nope"), UnknownStageError),
                        (lambda: course.check("nope"), UnknownCheckError),
                        (lambda: course.agenda("nope"), UnknownAgendaError),
                        (lambda: course.stage("intro").timing("nope"), UnknownAgendaError)):
        with pytest.raises(error) as caught:
            call()
        assert isinstance(caught.value, (WorkshopError, LookupError))
    with pytest.raises(UnknownStageError, match="intro, practice"):
        course.stage("nope")


def test_course_is_frozen_and_survives_pickling(lessons):
    """The course can be cached by Streamlit (pickled) and cannot be changed in place."""
    course = load_course(lessons)
    assert pickle.loads(pickle.dumps(course)) == course
    with pytest.raises(FrozenInstanceError):
        course.title = "x"  # type: ignore[misc]


def test_citation_expands_source_ids_for_display(lessons):
    """A check's reference is shown as the full citation, whether bare id or inline [id]."""
    course = load_course(lessons)
    assert course.citation("beta-docs") == 'Beta project documentation, "Randomness".'
    assert course.citation("See [beta-docs] on randomness.") == (
        'See [beta-docs] (Beta project documentation, "Randomness".) on randomness.')


def test_problem_reads_as_file_location_message_fix():
    """The one-line form the CLI prints: file:location: message — fix."""
    problem = Problem("lessons/course.toml", "line 3", "bad thing", "do this")
    assert str(problem) == "lessons/course.toml:line 3: bad thing — do this"
    warning = Problem("lessons/x/", "folder", "odd", "look", severity="warning")
    assert str(warning) == "lessons/x/:folder: warning: odd — look"
    assert warning.describe("elsewhere/x/").startswith("elsewhere/x/:folder:")
