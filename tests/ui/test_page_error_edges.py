"""Failures nobody planned for (not a CaseStudyError): a demo, a computation or a grader that
raises shows the learner one line and a way on, logs the traceback on the server, and the
rest of the page — the checks and the navigation — still draws."""

from __future__ import annotations

import logging

import pytest
from streamlit.testing.v1 import AppTest

from tests.ui.helpers import new_app, open_page, write_team_lessons
from workshop.progress import ProgressStore

STAGE = "team-habits"
WAY_ON = "Reload the page; if it persists, tell the instructor."


def _texts(elements) -> list[str]:
    return [element.value for element in elements]


def _unexpected(at: AppTest, what: str) -> str:
    """The one st.error about an unexpected failure of ``what``; fails if there is none."""
    found = [text for text in _texts(at.error) if text.startswith(f"{what} failed unexpectedly:")]
    assert len(found) == 1, _texts(at.error)
    return found[0]


def _logged(caplog, exception_type: type[BaseException]) -> list[logging.LogRecord]:
    return [record for record in caplog.records
            if record.name == "workshop.ui.last_resort" and record.exc_info
            and record.exc_info[0] is exception_type]


@pytest.fixture
def team_lessons(tmp_path, monkeypatch):
    folder = write_team_lessons(tmp_path / "lessons")
    monkeypatch.setenv("WORKSHOP_LESSONS_DIR", str(folder))
    return folder


def test_a_demo_that_raises_shows_one_line_and_the_checks_and_next_button_still_draw(
    monkeypatch, caplog
):
    """The Stage 0 demo crashes with a RuntimeError: the learner reads one line with what to
    do, never a traceback; every check and the Next button are still there; the traceback
    is in the server's log."""
    from workshop.content import load_course
    from workshop.ui.demos import why

    def crash() -> None:
        raise RuntimeError("the disk went away\nsecond line with server details")

    monkeypatch.setattr(why, "render", crash)
    at = new_app()
    at.run()
    with caplog.at_level(logging.ERROR, logger="workshop.ui.last_resort"):
        open_page(at, "why")
    assert not at.exception
    message = _unexpected(at, "The demo of this stage")
    assert message == (
        f"The demo of this stage failed unexpectedly: RuntimeError: the disk went away. {WAY_ON}"
    )
    assert "Traceback" not in message and "second line" not in message
    stage = load_course().stage("why")
    headings = [text for text in _texts(at.markdown) if text.startswith("##### Check")]
    total = len(stage.checks)
    assert headings == [f'##### Check {i} of {total} <a id="check-{check.id}"></a>'
                        for i, check in enumerate(stage.checks, 1)]
    assert at.button(key="why-next-page").label == "Next stage →"
    records = _logged(caplog, RuntimeError)
    assert records and "second line with server details" in str(records[0].exc_info[1])


def _friendly_errors_around_a_crash():
    import streamlit as st

    from workshop.ui.widgets import friendly_errors

    with friendly_errors("The leakage comparison"):
        raise ValueError("Input X contains NaN.")
    st.markdown("drawn after the failure")


def test_friendly_errors_turns_any_exception_into_one_line_and_the_page_goes_on(caplog):
    """A ValueError from scikit-learn inside a demo: one st.error line, the traceback logged,
    and whatever follows the failed part still draws."""
    with caplog.at_level(logging.ERROR, logger="workshop.ui.last_resort"):
        at = AppTest.from_function(_friendly_errors_around_a_crash, default_timeout=30).run()
    assert not at.exception
    assert _texts(at.error) == [
        f"The leakage comparison failed unexpectedly: ValueError: Input X contains NaN. {WAY_ON}"]
    assert "drawn after the failure" in _texts(at.markdown)
    assert _logged(caplog, ValueError)


def _friendly_errors_around_a_rerun():
    import streamlit as st

    from workshop.ui.widgets import friendly_errors

    st.session_state.setdefault("runs", 0)
    st.session_state["runs"] += 1
    with friendly_errors("A demo that reruns"):
        if st.session_state["runs"] == 1:
            st.rerun()


def test_friendly_errors_lets_streamlits_own_rerun_through():
    """st.rerun() inside a demo is Streamlit's control flow, not a failure: it still reruns."""
    at = AppTest.from_function(_friendly_errors_around_a_rerun, default_timeout=30).run()
    assert not at.exception and not at.error
    assert at.session_state["runs"] == 2


def test_a_computation_that_raises_shows_one_line_and_records_nothing(
    team_lessons, monkeypatch, caplog
):
    """A predict-then-run computation fails with an OSError: the learner reads one line, no
    attempt is recorded (the prediction can be committed again), the page still draws."""
    from workshop import checks as engine
    from workshop.ui import check_widgets

    def crash(check):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(engine, "compute_actual", crash)
    check_widgets._computed.clear()  # a value cached by another test would hide the failure
    at = new_app()
    at.run()
    open_page(at, STAGE)
    at.number_input(key="habits-predict-answer").set_value(150.0)
    with caplog.at_level(logging.ERROR, logger="workshop.ui.last_resort"):
        at.button(key="habits-predict-submit").click().run()
    assert not at.exception
    message = _unexpected(at, "The computation")
    assert "OSError" in message and "No space left on device" in message
    assert message.endswith(WAY_ON)
    assert ProgressStore().progress_for(at.query_params["code"]).get("habits-predict") is None
    assert not at.button(key="habits-predict-submit").disabled
    assert at.button(key=f"{STAGE}-next-page")
    assert _logged(caplog, OSError)
    check_widgets._computed.clear()  # nothing of the fake failure stays cached


def test_a_grader_that_raises_shows_one_line_and_records_nothing(team_lessons, monkeypatch, caplog):
    """Grading itself fails (a MemoryError): one line for the learner, nothing recorded, the
    other checks and the navigation still there."""
    from workshop import checks as engine

    def crash(check, answer, actual=None):
        raise MemoryError()

    monkeypatch.setattr(engine, "grade", crash)
    at = new_app()
    at.run()
    open_page(at, STAGE)
    at.radio(key="habits-single-answer").set_value("before")
    with caplog.at_level(logging.ERROR, logger="workshop.ui.last_resort"):
        at.button(key="habits-single-submit").click().run()
    assert not at.exception
    assert _unexpected(at, "Grading this check") == (
        f"Grading this check failed unexpectedly: MemoryError. {WAY_ON}"
    )
    assert ProgressStore().progress_for(at.query_params["code"]).get("habits-single") is None
    assert at.button(key="habits-multiple-submit") and at.button(key=f"{STAGE}-next-page")
    assert _logged(caplog, MemoryError)
