"""Every kind of check, drawn and answered in the app: on a small course of our own (a team's
stage with no demo), so these tests do not depend on the shipped lessons' wording."""

from __future__ import annotations

import pytest
from streamlit.testing.v1.errors import AppTestError

from tests.ui.helpers import new_app, open_page, write_team_lessons
from workshop.progress import ProgressStore

STAGE = "team-habits"


@pytest.fixture
def team_lessons(tmp_path, monkeypatch):
    folder = write_team_lessons(tmp_path / "lessons")
    monkeypatch.setenv("WORKSHOP_LESSONS_DIR", str(folder))
    return folder


@pytest.fixture
def stage_app(team_lessons):
    at = new_app()
    at.run()
    return open_page(at, STAGE)


def _progress(at, check_id):
    return ProgressStore().progress_for(at.query_params["code"]).get(check_id)


def _texts(elements) -> list[str]:
    return [element.value for element in elements]


def test_a_team_stage_without_a_demo_module_shows_its_lesson_and_checks(stage_app):
    """A team-added stage has no demo: the page still shows the lesson and every check."""
    at = stage_app
    assert not at.exception
    assert _texts(at.title) == ["Stage 1 · Our team's habits"]
    assert "Write the plan down first." in _texts(at.markdown)
    headings = [text for text in _texts(at.markdown) if text.startswith("##### Check")]
    assert [heading.split(" <a id=")[0] for heading in headings] == [
        f"##### Check {i} of 5" for i in range(1, 6)]
    assert [tab.label for tab in at.tabs] == ["Checklist", "Tools", "Metrics"]


def test_single_choice_wrong_then_right_records_two_attempts_and_shows_the_explanation(stage_app):
    """A learner picks the wrong option, reads why, then passes and sees the explanation."""
    at = stage_app
    at.radio(key="habits-single-answer").set_value("after")
    at.button(key="habits-single-submit").click().run()
    assert not at.exception
    assert any("Then the split is chosen on the score" in text for text in _texts(at.warning))
    assert _progress(at, "habits-single").outcome == "failed"

    at.radio(key="habits-single-answer").set_value("before")
    at.button(key="habits-single-submit").click().run()
    record = _progress(at, "habits-single")
    assert (record.outcome, record.attempts) == ("passed", 2)
    assert any(text.startswith("Right.") for text in _texts(at.success))
    assert "Before: otherwise the split is tuned on the test score." in _texts(at.markdown)
    assert at.button(key="habits-single-submit").disabled
    assert any("✓ Passed · attempts: 2 · hints used: 0" == text for text in _texts(at.caption))


def test_hints_come_one_at_a_time_and_are_counted(stage_app):
    """Each Hint press shows the next hint and is counted; at the last hint the button stops."""
    at = stage_app
    at.button(key="habits-single-hint").click().run()
    assert _texts(at.info) == ["Hint 1: Think about the test score."]
    at.button(key="habits-single-hint").click().run()
    assert _texts(at.info)[:2] == ["Hint 1: Think about the test score.",
                                  "Hint 2: Choosing after seeing it fits it."]
    assert at.button(key="habits-single-hint").disabled
    assert _progress(at, "habits-single").hints_used == 2


def test_reveal_shows_the_answer_and_explanation_and_closes_the_check(stage_app):
    """Reveal records 'revealed', shows the reference answer and the explanation."""
    at = stage_app
    at.button(key="habits-numeric-reveal").click().run()
    assert not at.exception
    assert _progress(at, "habits-numeric").outcome == "revealed"
    assert "**Answer:** 24.00 h (within ± 0.5)" in _texts(at.markdown)
    assert "Twenty-four." in _texts(at.markdown)
    assert at.button(key="habits-numeric-submit").disabled
    assert at.number_input(key="habits-numeric-answer").disabled


def test_numeric_answer_inside_the_tolerance_passes(stage_app):
    """A numeric estimate within the tolerance passes."""
    at = stage_app
    at.number_input(key="habits-numeric-answer").set_value(24.3)
    at.button(key="habits-numeric-submit").click().run()
    assert _progress(at, "habits-numeric").outcome == "passed"


def test_submitting_nothing_explains_and_counts_no_attempt(stage_app):
    """Pressing Submit with no answer says what to do and records nothing."""
    at = stage_app
    at.button(key="habits-single-submit").click().run()
    assert not at.exception
    assert "Choose an answer first." in _texts(at.info)
    at.button(key="habits-multiple-submit").click().run()
    assert any("Choose at least one option" in text for text in _texts(at.info))
    assert _progress(at, "habits-single") is None
    assert _progress(at, "habits-multiple") is None


def test_multiple_choice_needs_every_right_option_and_no_wrong_one(stage_app):
    """Ticking a wrong option fails with its feedback; the right set passes."""
    at = stage_app
    at.checkbox(key="habits-multiple-option-metric").check()
    at.checkbox(key="habits-multiple-option-mood").check()
    at.button(key="habits-multiple-submit").click().run()
    assert any("A mood does not change the result." in text for text in _texts(at.warning))
    at.checkbox(key="habits-multiple-option-mood").uncheck()
    at.checkbox(key="habits-multiple-option-split").check()
    at.button(key="habits-multiple-submit").click().run()
    assert _progress(at, "habits-multiple").outcome == "passed"


def test_ordering_rejects_a_repeated_item_and_passes_the_right_order(stage_app):
    """An item placed twice is explained, not graded; the right order passes."""
    at = stage_app
    for position, key in enumerate(["plan", "plan", "fit"], 1):
        at.selectbox(key=f"habits-ordering-position-{position}").set_value(key)
    at.button(key="habits-ordering-submit").click().run()
    assert any("Use each item once" in text for text in _texts(at.info))
    assert _progress(at, "habits-ordering") is None
    at.selectbox(key="habits-ordering-position-2").set_value("split")
    at.button(key="habits-ordering-submit").click().run()
    assert _progress(at, "habits-ordering").outcome == "passed"


def test_predict_then_run_commits_first_then_shows_the_computed_value(stage_app):
    """The learner commits a prediction; only then does the real computation run and show
    its value beside the prediction; the prediction cannot be changed afterwards."""
    at = stage_app
    assert [m.label for m in at.metric] == []  # nothing computed before the commitment
    at.number_input(key="habits-predict-answer").set_value(100.0)
    at.button(key="habits-predict-submit").click().run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Your prediction"] == "100.0"
    computed = float(metrics["Computed now"])
    from case_study.stage0_why import median_stars_python_only
    assert computed == pytest.approx(median_stars_python_only(), abs=0.05)
    assert _progress(at, "habits-predict").outcome == "failed"
    assert at.number_input(key="habits-predict-answer").disabled
    assert at.button(key="habits-predict-submit").disabled


def test_stored_progress_is_shown_again_in_a_new_session(team_lessons):
    """A learner who passed a check and comes back with their code sees it passed."""
    first = new_app()
    first.run()
    open_page(first, STAGE)
    first.radio(key="habits-single-answer").set_value("before")
    first.button(key="habits-single-submit").click().run()
    code = first.query_params["code"]

    again = new_app(code)
    again.run()
    open_page(again, STAGE)
    assert again.query_params["code"] == code
    assert again.button(key="habits-single-submit").disabled
    assert "Before: otherwise the split is tuned on the test score." in _texts(again.markdown)


# --- checks as fragments: when a press reruns the sidebar's marks too --------------------

class _Store:
    """A stand-in progress store: the outcomes of one learner's checks."""

    def __init__(self, outcomes: dict[str, str]):
        self.outcomes = outcomes

    def progress_for(self, code):
        from types import SimpleNamespace

        return {check_id: SimpleNamespace(outcome=outcome)
                for check_id, outcome in self.outcomes.items()}


def _isolation(check_id: str, outcomes: dict[str, str]):
    from workshop.ui.check_widgets import Isolation

    return Isolation(f"check-{check_id}", check_id, ("a", "b", "c"), _Store(outcomes), "CODE")


@pytest.mark.parametrize(("check_id", "outcomes", "may_change"), [
    ("a", {}, True),                                          # · → ◐ on the first press
    ("b", {"a": "not_attempted"}, True),                      # a hint alone leaves ·
    ("a", {"a": "failed"}, False),                            # ◐ stays ◐
    ("a", {"a": "failed", "b": "passed"}, False),             # c is still open too
    ("c", {"a": "passed", "b": "revealed"}, True),            # the last open check: → ✓
    ("c", {"a": "passed", "b": "revealed", "c": "failed"}, True),
    ("a", {"a": "passed", "b": "passed", "c": "passed"}, False),  # ✓ stays ✓
])
def test_a_press_reruns_the_sidebar_marks_only_when_the_stage_mark_may_change(
        check_id, outcomes, may_change):
    """Only a press on an untouched stage, or on its last open check, can change the mark."""
    from workshop.ui.check_widgets import _mark_may_change

    assert _mark_may_change(_isolation(check_id, outcomes)) is may_change


def test_outside_a_fragment_rerun_a_press_narrows_nothing():
    """On a full run (AppTest's clicks, the wrap-up page) the callback leaves the rerun be."""
    from workshop.ui.check_widgets import _rerun_with_sidebar

    assert _rerun_with_sidebar(_isolation("a", {})) is None


def test_a_submission_on_the_stage_page_turns_the_sidebar_mark(stage_app):
    """After a submission the sidebar's mark of the stage is ◐; after every check, ✓."""
    at = stage_app

    def mark() -> str:
        labels = [link.label for link in at.sidebar.get("page_link")]
        return next(label for label in labels if "Habits" in label).split(" — ")[-1]

    assert mark() == "not started"
    at.radio(key="habits-single-answer").set_value("after")
    at.button(key="habits-single-submit").click().run()
    assert mark() == "started ◐"
    for check_id in ("habits-single", "habits-multiple", "habits-numeric", "habits-ordering",
                     "habits-predict"):
        at.button(key=f"{check_id}-reveal").click().run()
    assert not at.exception
    assert mark() == "done ✓"


# --- options in an order of the learner's own -------------------------------------------

def _orders(at) -> list[list[str]]:
    """The options each check shows, in screen order (radio options, tick boxes, positions)."""
    radio = list(at.radio(key="habits-single-answer").options)
    ticks = [box.label for box in at.checkbox if box.key.startswith("habits-multiple-option-")]
    positions = list(at.selectbox(key="habits-ordering-position-1").options)
    return [radio, ticks, positions]


def test_each_learner_sees_the_options_in_an_order_of_their_own_kept_after_a_reload(
        team_lessons):
    """Two learners see different orders (over the course's checks); each sees the same order
    again in a new session with the same ?code=."""
    seen = {}
    for _ in range(4):
        at = new_app()
        at.run()
        open_page(at, STAGE)
        code = at.query_params["code"]
        seen[code] = _orders(at)
        again = new_app(code)
        again.run()
        open_page(again, STAGE)
        assert _orders(again) == seen[code]
    assert len({repr(orders) for orders in seen.values()}) > 1


def test_a_failed_write_says_not_saved_keeps_the_answer_and_shows_no_right(stage_app,
                                                                         monkeypatch):
    """The store cannot write: "Not saved" at once, nothing recorded, the answer still chosen,
    and the next rerun shows no "Right."."""
    from workshop.errors import ProgressStoreError

    def locked(self, *args, **kwargs):
        raise ProgressStoreError("database is locked")

    monkeypatch.setattr(ProgressStore, "record_attempt", locked)
    at = stage_app
    at.radio(key="habits-single-answer").set_value("before")
    at.button(key="habits-single-submit").click().run()
    assert not at.exception
    assert any(text.startswith("Not saved") for text in _texts(at.error))
    assert _progress(at, "habits-single") is None
    assert at.radio(key="habits-single-answer").value == "before"
    at.run()
    assert not any(text.startswith("Right.") for text in _texts(at.success))
    assert not at.button(key="habits-single-submit").disabled


def test_the_hint_button_stops_after_a_pass(stage_app):
    """Once passed, Hint is disabled: a hint then would teach nothing and count as used."""
    at = stage_app
    assert not at.button(key="habits-single-hint").disabled
    at.radio(key="habits-single-answer").set_value("before")
    at.button(key="habits-single-submit").click().run()
    assert at.button(key="habits-single-hint").disabled
    assert _progress(at, "habits-single").hints_used == 0


FOLLOW_UP = '''
  [check.follow_up]
  prompt = "Why was the prediction off?"
  answer = "filter"

    [[check.follow_up.options]]
    key = "filter"
    text = "The headline's selection is not the one computed"

    [[check.follow_up.options]]
    key = "rounding"
    text = "The median was rounded differently"
    feedback = "Rounding moves a median by a fraction, not by dozens of stars."
'''


def test_a_wrong_prediction_can_still_lead_to_a_pass(team_lessons):
    """A far-off prediction shows the gap and a follow-up question; answering it passes."""
    checks_file = team_lessons / "01-team-habits" / "checks.toml"
    checks_file.write_text(checks_file.read_text() + FOLLOW_UP)
    at = new_app()
    at.run()
    open_page(at, STAGE)
    at.number_input(key="habits-predict-answer").set_value(1000.0)
    at.button(key="habits-predict-submit").click().run()
    assert not at.exception
    assert _progress(at, "habits-predict").outcome == "failed"
    assert any("this is not a dead end" in text and "above the computed value" in text
               for text in _texts(at.markdown))
    at.radio(key="habits-predict-follow-up-answer").set_value("rounding")
    at.button(key="habits-predict-follow-up-submit").click().run()
    assert any("Rounding moves a median" in text for text in _texts(at.warning))
    at.radio(key="habits-predict-follow-up-answer").set_value("filter")
    at.button(key="habits-predict-follow-up-submit").click().run()
    assert not at.exception
    record = _progress(at, "habits-predict")
    assert (record.outcome, record.attempts) == ("passed", 3)
    assert "The computation gives it from the shipped CSV." in _texts(at.markdown)


# --- a demo button waits for the prediction of the check it feeds -------------------------

SHOPPING = "model-seed-shopping"  # the Stage 3 demo's "Try 20 split seeds" button
SHOPPING_CHECK = "model-best-seed-gap"


def _shopping_figure_shown(at) -> bool:
    return any(metric.label.startswith("A team reporting its best seed") for metric in at.metric)


def test_a_demo_button_is_locked_until_its_prediction_is_committed_then_goes_away():
    """Stage 3: "Try 20 split seeds" is disabled (pressing it opens nothing) and links to its
    check until a prediction is committed there; then it works, and once pressed the figure
    stays open and the button is gone. A reload (a new session, same ?code=) follows the
    store: the button is unlocked again, not pressed."""
    at = new_app()
    at.run()
    at = open_page(at, "model")
    button = at.button(key=SHOPPING)
    assert button.disabled and button.label.startswith("🔒 Try 20 split seeds — commit your")
    assert any(f'<a id="check-{SHOPPING_CHECK}">' in m.value for m in at.markdown)
    assert any(f"(#check-{SHOPPING_CHECK})" in m.value for m in at.markdown)
    with pytest.raises(AppTestError, match="disabled"):  # no one can press it
        button.click()
    assert not _shopping_figure_shown(at)

    at.number_input(key=f"{SHOPPING_CHECK}-answer").set_value(0.05)
    at.button(key=f"{SHOPPING_CHECK}-submit").click().run()
    assert not at.exception
    assert _progress(at, SHOPPING_CHECK).attempts == 1
    button = at.button(key=SHOPPING)
    assert not button.disabled and button.label == "Try 20 split seeds"

    button.click().run()
    assert _shopping_figure_shown(at)
    assert SHOPPING not in [item.key for item in at.button]
    at.run()  # it stays open
    assert _shopping_figure_shown(at) and SHOPPING not in [item.key for item in at.button]

    reloaded = open_page(new_app(at.query_params["code"]).run(), "model")
    assert not reloaded.exception
    button = reloaded.button(key=SHOPPING)
    assert not button.disabled and button.label == "Try 20 split seeds"
    assert not _shopping_figure_shown(reloaded)


def test_a_new_learner_on_reload_finds_the_button_locked():
    """Across a reload with a code that committed nothing, the button stays locked."""
    first = new_app()
    first.run()
    code = first.query_params["code"]
    at = open_page(new_app(code).run(), "model")
    assert at.button(key=SHOPPING).disabled


@pytest.mark.parametrize(("waiting", "outcomes", "app_rerun"), [
    ({"a"}, {}, True),                   # the first answer to a check a button waits for
    ({"a"}, {"a": "failed"}, False),     # already committed: the button is open
    (set(), {}, False),                  # no demo button waits for it
])
def test_a_commit_a_demo_button_waits_for_reruns_the_whole_app(
        monkeypatch, waiting, outcomes, app_rerun):
    """Submit or Reveal on a check a locked demo button waits for reruns the app once."""
    import streamlit as st

    from workshop.ui import check_widgets
    from workshop.ui.widgets import WAITING_KEY

    monkeypatch.setattr(st, "session_state", {WAITING_KEY: waiting})
    progress = _isolation("a", outcomes)
    if outcomes:  # an attempt was recorded
        store = progress.store
        monkeypatch.setattr(store, "progress_for", lambda code: {
            "a": type("P", (), {"attempts": 1, "outcome": "failed"})()})
    assert check_widgets._demo_waits(progress) is app_rerun
