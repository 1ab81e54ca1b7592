"""The wrap-up page pre-fills the policy ticks from a pasted ``workshop audit`` report: it
shows the command, ticks what the audit found, unticks what it found missing, leaves the
rest, and refuses a text that is not a report without touching any tick."""

from __future__ import annotations

import json

from tests.ui.helpers import PROJECT_ROOT, new_app, open_page
from workshop import policy
from workshop.audit.items import run_audit
from workshop.audit.report import to_json
from workshop.content import load_course
from workshop.ui import wrap_up
from workshop.ui.lesson_view import lessons_dir

FIXTURES = PROJECT_ROOT / "tests" / "fixtures" / "audit"
COURSE = load_course(lessons_dir())  # the same folder the app reads


def _report(project: str) -> str:
    return to_json(run_audit(FIXTURES / project))


def _ticks(at) -> dict[str, bool]:
    keys = policy.policy_keys(COURSE)
    return {key: at.checkbox(key=f"policy-item-{key}").value for key in keys}


def _paste(at, text: str):
    at.text_area(key=wrap_up.AUDIT_TEXT_KEY).input(text).run()
    return at.button(key=wrap_up.AUDIT_BUTTON_KEY).click().run()


def test_the_page_shows_the_audit_command():
    """A learner sees which command makes the report, and where to paste it."""
    at = new_app().run()
    open_page(at, "wrap-up")
    assert not at.exception
    assert any("python -m workshop audit PATH --format json" in block.value
               and "workshop audit PATH --format json" in block.value for block in at.code)
    assert at.text_area(key=wrap_up.AUDIT_TEXT_KEY).label == "The report (JSON)"


def test_pasting_a_careful_projects_report_ticks_what_it_found():
    """The careful project's report ticks exactly its policy keys; the rest stay unticked,
    and the policy preview counts them as done."""
    report = _report("careful")
    found = {item["policy_key"] for item in json.loads(report)["items"]
             if item["policy_key"] and item["status"] == "found"}
    assert len(found) >= 5
    at = new_app().run()
    open_page(at, "wrap-up")
    _paste(at, report)
    assert not at.exception
    assert {key for key, ticked in _ticks(at).items() if ticked} == found
    assert at.session_state[wrap_up.POLICY_TICKS_KEY]["ticks"] == dict.fromkeys(sorted(found), True)
    [message] = at.success
    assert "items read" in message.value and f"{len(found)} ticked" in message.value
    preview = next(b.value for b in at.code if b.value.startswith("# Our reproducibility"))
    assert f"We do **{len(found)} of {len(_ticks(at))}** practices today" in preview


def test_a_careless_report_unticks_and_cannot_tell_leaves_the_tick_alone():
    """A learner's own tick survives an item the audit could not judge; a missing one is
    unticked."""
    data = json.loads(_report("careless"))
    keys = [item["policy_key"] for item in data["items"] if item["policy_key"]]
    unjudged, missing = keys[0], keys[1]
    data["items"][0]["status"] = "cannot_tell"
    at = new_app().run()
    open_page(at, "wrap-up")
    at.checkbox(key=f"policy-item-{unjudged}").check().run()
    at.checkbox(key=f"policy-item-{missing}").check().run()
    _paste(at, json.dumps(data))
    assert not at.exception
    ticks = _ticks(at)
    assert ticks[unjudged] is True and ticks[missing] is False
    assert "1 could not be judged" in at.success[0].value


def test_a_text_that_is_not_a_report_is_refused_and_changes_no_tick():
    """Hostile or mistaken input gets a clear error; the ticks stay as they were."""
    at = new_app().run()
    open_page(at, "wrap-up")
    key = sorted(policy.policy_keys(COURSE))[0]
    at.checkbox(key=f"policy-item-{key}").check().run()
    _paste(at, '{"schema": "workshop-audit/1", "items": [{"policy_key": "[x](javascript:1)", '
               '"status": "found"}]}')
    assert not at.exception
    [error] = at.error
    assert "is not a checklist item of this course" in error.value
    assert "Nothing was ticked" in error.value
    assert "](" not in error.value  # the pasted text is escaped, never a link
    assert {k for k, ticked in _ticks(at).items() if ticked} == {key}


def test_ticks_survive_leaving_the_wrap_up_page_and_coming_back():
    """The ticks live in session state, not only in the checkboxes that leave with the
    page."""
    at = new_app().run()
    open_page(at, "wrap-up")
    _paste(at, _report("careful"))
    ticked = {key for key, value in _ticks(at).items() if value}
    open_page(at, "welcome")
    open_page(at, "wrap-up")
    assert {key for key, value in _ticks(at).items() if value} == ticked


def test_the_results_chart_gives_every_stage_a_readable_row_and_whole_labels():
    """One row of ROW_HEIGHT px per stage (not squashed), no stage label dropped or cut."""
    frame = wrap_up.results_frame(COURSE, {})
    spec = wrap_up.outcome_chart(frame).to_dict()
    stages = list(dict.fromkeys(frame["Stage"]))
    assert spec["height"] == wrap_up.ROW_HEIGHT * len(stages) + wrap_up.CHART_MARGIN
    y_axis = spec["encoding"]["y"]["axis"]
    assert y_axis["labelOverlap"] is False
    assert y_axis["labelLimit"] >= max(len(stage) for stage in stages) * 7
    assert set(frame["Outcome"]) == {"not attempted"}


def test_the_sidebar_marks_the_wrap_up_done_only_when_every_check_is_finished():
    """No "Wrap-up ·" once everything is done: the check-less wrap-up shows ✓ then, and no
    mark before."""
    from types import SimpleNamespace

    from workshop.ui.sidebar import DONE, wrap_up_mark

    every = [check.id for check in COURSE.checks]
    assert wrap_up_mark(COURSE, {}) == ""
    done = {check_id: SimpleNamespace(outcome="passed") for check_id in every}
    assert wrap_up_mark(COURSE, done) == DONE
    done[every[0]] = SimpleNamespace(outcome="failed")
    assert wrap_up_mark(COURSE, done) == ""


def _tick(at, key: str, ticked: bool = True):
    box = at.checkbox(key=f"policy-item-{key}")
    return (box.check() if ticked else box.uncheck()).run()


def test_ticks_persist_across_a_reload_a_restart_and_another_machine():
    """Ticks live with the learner's progress: a new session with the same code (a reload,
    a restarted server, another machine) sees them, and the export carries them."""
    from workshop.ui import session

    first_key, second_key = sorted(policy.policy_keys(COURSE))[:2]
    at = new_app().run()
    open_page(at, "wrap-up")
    code = at.query_params["code"]
    _tick(at, first_key)
    _tick(at, second_key)
    _tick(at, second_key, ticked=False)
    assert not at.exception

    again = new_app(code).run()  # a reload, or the same code typed on another machine
    open_page(again, "wrap-up")
    ticks = _ticks(again)
    assert ticks[first_key] is True and ticks[second_key] is False
    assert sum(ticks.values()) == 1

    stored = json.loads(session.get_store().export_json(code))["policy_ticks"]
    assert stored == {first_key: True, second_key: False}


def test_another_learner_does_not_see_these_ticks():
    first_key = sorted(policy.policy_keys(COURSE))[0]
    at = new_app().run()
    open_page(at, "wrap-up")
    _tick(at, first_key)
    other = new_app().run()
    open_page(other, "wrap-up")
    assert not any(_ticks(other).values())


def test_a_tick_the_store_cannot_save_says_not_saved(monkeypatch):
    from workshop.errors import ProgressStoreError
    from workshop.progress import ProgressStore

    def refuse(self, code, item_key, ticked):
        raise ProgressStoreError("The store is locked.")

    first_key = sorted(policy.policy_keys(COURSE))[0]
    at = new_app().run()
    open_page(at, "wrap-up")
    monkeypatch.setattr(ProgressStore, "set_policy_tick", refuse)
    _tick(at, first_key)
    assert not at.exception
    assert any("Not saved" in error.value for error in at.error)


def test_the_policy_document_is_written_once_per_course_ticks_and_team():
    """The document is the engine's, to the letter; asked again with the same course, ticks
    and team it is the very same text (not written again); new ticks, a new team name or an
    edited course (a new Course object) each get their own."""
    import dataclasses

    keys = sorted(policy.policy_keys(COURSE))
    done = [keys[0]]
    first = wrap_up.policy_document(COURSE, done, "Credit risk")
    assert first == policy.policy_markdown(COURSE, done, team="Credit risk")
    assert wrap_up.policy_document(COURSE, list(done), "Credit risk") is first
    assert wrap_up.policy_document(COURSE, [keys[0], keys[1]], "Credit risk") == (
        policy.policy_markdown(COURSE, [keys[0], keys[1]], team="Credit risk"))
    assert "Other team" in wrap_up.policy_document(COURSE, done, "Other team")
    edited = dataclasses.replace(COURSE)  # what the loader hands back after an edit
    assert edited is not COURSE
    again = wrap_up.policy_document(edited, done, "Credit risk")
    assert again == first and again is not first
