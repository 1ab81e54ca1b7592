"""The instructor page through the real router (app.py): absent without a code, locked and
silent with a wrong one, the room view with the right one — and no learner's name ever
reaches a session that has not unlocked instructor mode."""

from __future__ import annotations

import pytest

from tests.ui.helpers import new_app, open_page
from workshop import csv_safe
from workshop.content import load_course
from workshop.instructor_gate import ENV_VAR
from workshop.progress import ProgressStore
from workshop.ui import instructor_agenda as agenda_tab
from workshop.ui import instructor_page as page
from workshop.ui import instructor_room as room_tab
from workshop.ui.lesson_view import lessons_dir

CODE = "projector-42"
SEEDED_NAME = "Zebra Learner"
OTHER_NAME = "Quokka Person"


def _walk(node):
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _walk(child)


def _page_text(at) -> str:
    """Every element of the page (main area and sidebar) as protobuf text: labels, bodies,
    table data, chart specs — whatever a browser would receive."""
    return "\n".join(str(getattr(node, "proto", "")) for node in _walk(at._tree))


def _elements(at, kind: str) -> list:
    return [node for node in _walk(at._tree) if getattr(node, "type", None) == kind]


@pytest.fixture
def seeded_room():
    """A room with two named learners: one stuck on a check, one who passed it."""
    course = load_course(lessons_dir())  # the lessons the app itself loads
    check = course.checks[0]
    store = ProgressStore()
    zebra = store.create_learner(SEEDED_NAME)
    for _ in range(3):
        store.record_attempt(zebra.code, check.stage_id, check.id, "failed")
    quokka = store.create_learner(OTHER_NAME)
    store.record_attempt(quokka.code, check.stage_id, check.id, "passed")
    return course, check


def _instructor_page(monkeypatch, code: str | None = CODE):
    if code is None:
        monkeypatch.delenv(ENV_VAR, raising=False)
    else:
        monkeypatch.setenv(ENV_VAR, code)
    at = new_app()
    at.run()
    return open_page(at, "instructor")


def _submit_code(at, typed: str):
    at.text_input(key="instructor-code-input").input(typed)
    unlock = next(button for button in at.button if button.label == "Unlock")
    return unlock.click().run()


def test_no_instructor_page_without_a_code(monkeypatch, seeded_room):
    """On a learner's laptop with no code set there is no instructor page to find."""
    at = _instructor_page(monkeypatch, code=None)
    assert not at.exception
    assert not any(widget.label == "Instructor code" for widget in at.text_input)
    assert "Instructor" not in [link.proto.label for link in _elements(at, "page_link")]
    assert SEEDED_NAME not in _page_text(at)


def test_wrong_code_shows_nothing_about_the_room(monkeypatch, seeded_room):
    """A learner guessing the code sees 'wrong code' and a wait — no names, no counts."""
    at = _instructor_page(monkeypatch)
    assert not at.exception
    assert at.text_input(key="instructor-code-input").proto.type == 1  # PASSWORD
    assert "Instructor" in [link.proto.label for link in _elements(at, "page_link")]

    at = _submit_code(at, "projector-43")
    assert not at.exception
    assert [error.value for error in at.error] == ["Wrong code."]
    assert any("Wait 1 s" in warning.value for warning in at.warning)
    text = _page_text(at)
    assert SEEDED_NAME not in text and OTHER_NAME not in text
    for kind in ("metric", "arrow_data_frame", "vega_lite_chart", "tab"):
        assert not _elements(at, kind), f"a locked page shows a {kind}"
    assert page.UNLOCKED_KEY not in at.session_state or not at.session_state[page.UNLOCKED_KEY]


def test_right_code_during_the_wait_does_not_unlock(monkeypatch, seeded_room):
    """Right after a wrong guess even the right code is not checked: guessing stays slow."""
    at = _submit_code(_instructor_page(monkeypatch), "wrong")
    at = _submit_code(at, CODE)
    assert not at.exception
    assert any("not checked" in error.value for error in at.error)
    assert SEEDED_NAME not in _page_text(at)
    assert not _elements(at, "tab")


def test_right_code_opens_every_tab_and_the_room_shows_the_learners(monkeypatch, seeded_room):
    """The instructor unlocks once and sees the agenda, notes, projector and the room."""
    course, check = seeded_room
    at = _submit_code(_instructor_page(monkeypatch), CODE)
    assert not at.exception
    assert at.session_state[page.UNLOCKED_KEY] is True
    assert [tab.label for tab in at.tabs] == list(page.TABS)

    # Agenda: the plan for the chosen format, then the clock once started.
    plan = at.dataframe[0].value
    assert list(plan["stage"]) == [f"{stage.number} · {stage.title}" for stage in course.stages]
    at = next(b for b in at.button if b.label == "Start the clock").click().run()
    assert not at.exception
    assert any(metric.label.startswith("Since the start") for metric in at.metric)
    agenda = course.agendas[0]  # the format picked by default
    first = next(stage for stage in course.stages if stage.minutes[agenda.id].total > 0)
    assert f"{first.number} · {first.title}" in [header.value for header in at.subheader]

    at.session_state[page.TAB_KEY] = "Presenter notes"
    at = at.run()
    assert not at.exception
    assert [expander.label.split("  ")[0] for expander in at.main.expander] == [
        f"{stage.number} · {stage.title}" for stage in course.stages]

    at.session_state[page.TAB_KEY] = "Room"
    at = at.run()
    assert not at.exception
    text = _page_text(at)
    assert SEEDED_NAME in text and OTHER_NAME in text
    learners = {metric.label: metric.value for metric in at.metric}
    assert int(learners[room_tab.LEARNERS_LABEL]) == 2  # the two seeded learners, not this session
    stuck = next(frame.value for frame in at.dataframe if "failed tries" in frame.value)
    assert list(stuck["learner"]) == [SEEDED_NAME]
    assert list(stuck["check"]) == [check.id]
    assert list(stuck["failed tries"]) == [3]
    checks = next(frame.value for frame in at.dataframe if "pass rate" in frame.value)
    row = checks[checks["check"] == check.id].iloc[0]
    assert (row["attempted"], row["passed"], row["pass rate"]) == (2, 1, "50%")
    assert _elements(at, "vega_lite_chart")

    at.session_state[page.TAB_KEY] = "Projector"
    at = at.run()
    assert not at.exception
    assert at.selectbox(key=agenda_tab.PROJECTOR_STAGE_KEY).value


def test_names_never_reach_a_session_that_has_not_unlocked(monkeypatch, seeded_room):
    """A learner walking through every page never sees another learner's name."""
    course, _ = seeded_room
    monkeypatch.setenv(ENV_VAR, CODE)
    at = new_app()
    at.run()
    for url_path in ["welcome", *(stage.id for stage in course.stages), "instructor"]:
        at = open_page(at, url_path)
        assert not at.exception, url_path
        text = _page_text(at)
        assert SEEDED_NAME not in text and OTHER_NAME not in text, url_path


def test_the_instructors_own_session_is_not_counted_as_a_learner(monkeypatch, seeded_room):
    """The router gives every session a learner, the instructor's too; the room counts only
    learners who have done something on a check, so the instructor is not one of them."""
    at = _submit_code(_instructor_page(monkeypatch), CODE)
    at.session_state[page.TAB_KEY] = "Room"
    at = at.run()
    assert not at.exception
    store = ProgressStore()
    instructor = at.query_params["code"]
    assert store.get_learner(instructor) is not None  # the session does have a learner row
    assert len(store.all_learners()) == 3
    counts = {metric.label: int(metric.value) for metric in at.metric}
    assert counts[room_tab.LEARNERS_LABEL] == 2
    assert counts["Active in the last 10 minutes"] == 2
    active = next(frame.value for frame in at.dataframe if "last seen (min ago)" in frame.value)
    assert sorted(active["learner"]) == sorted([SEEDED_NAME, OTHER_NAME])
    assert any("(1 right now)" in caption.value for caption in at.caption)


def test_the_room_lists_every_check_before_anyone_has_answered(monkeypatch):
    """At the very start (nobody has answered yet) the room's check table is already there,
    at zero, so the first answers show up in place."""
    at = _submit_code(_instructor_page(monkeypatch), CODE)
    at.session_state[page.TAB_KEY] = "Room"
    at = at.run()
    assert not at.exception
    counts = {metric.label: int(metric.value) for metric in at.metric}
    assert counts[room_tab.LEARNERS_LABEL] == 0 and counts["Active in the last 10 minutes"] == 0
    assert any("No learners to count yet" in info.value for info in at.info)
    checks = next(frame.value for frame in at.dataframe if "pass rate" in frame.value)
    course = load_course(lessons_dir())
    assert list(checks["check"]) == [check.id for check in course.checks]
    assert set(checks["attempted"]) == {0}


def test_a_formula_name_reaches_the_room_tables_as_text(monkeypatch):
    """Issue "Safe by default", finding 5: a display name that a spreadsheet would run as a
    formula is quoted in every room table, so the tables' "Download as CSV" is safe."""
    course = load_course(lessons_dir())
    check = course.checks[0]
    store = ProgressStore()
    hostile = store.create_learner('=HYPERLINK("https://evil.example","x")')
    for _ in range(3):
        store.record_attempt(hostile.code, check.stage_id, check.id, "failed")
    at = _submit_code(_instructor_page(monkeypatch), CODE)
    at.session_state[page.TAB_KEY] = "Room"
    at = at.run()
    assert not at.exception
    learners = [name for frame in at.dataframe if "learner" in frame.value
                for name in frame.value["learner"]]
    assert len(learners) == 2  # "Who looks stuck" and "Active learners"
    assert all(name.startswith("'=HYPERLINK(") for name in learners), learners
    for frame in at.dataframe:
        cells = [cell for column in frame.value.columns for cell in frame.value[column]
                 if isinstance(cell, str)]
        assert not any(cell.startswith(csv_safe.FORMULA_PREFIXES) for cell in cells)


def test_the_unlocked_page_links_to_the_join_panel_and_each_stages_projector_view(monkeypatch):
    """Above the tabs: the join panel and one projector link per stage with a demo, in
    course order, each to ``/projector?stage=<id>``; none before the code is given."""
    from workshop.ui import projector

    locked = _instructor_page(monkeypatch)
    assert [link for link in _elements(locked, "page_link")
            if link.proto.page in ("join", "projector")] == []
    at = _submit_code(locked, CODE)
    assert not at.exception
    links = [(link.proto.label, link.proto.page, link.proto.query_string)
             for link in _elements(at, "page_link") if link.proto.page in ("join", "projector")]
    course = load_course(lessons_dir())
    stages = projector.projectable_stages(course)
    assert len(stages) == len([s for s in course.stages if s.id != "wrap-up"])
    assert links == [("Join panel", "join", "")] + [
        (f"Projector: {stage.number} · {stage.nav_title}", "projector", f"stage={stage.id}")
        for stage in stages]
