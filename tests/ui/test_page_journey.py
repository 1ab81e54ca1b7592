"""A new learner's whole visit to the shipped course, by the buttons a learner presses."""

from __future__ import annotations

from tests.ui.helpers import new_app
from workshop.content import load_course
from workshop.ui.lesson_view import lessons_dir

COURSE = load_course(lessons_dir())  # the same folder the app reads
STAGES = [stage for stage in COURSE.stages if stage.id != "wrap-up"]
CHOICE_KINDS = ("single_choice", "multiple_choice")
QUICK_KINDS = ("single_choice", "multiple_choice", "numeric", "ordering")


def _texts(elements) -> list[str]:
    return [element.value for element in elements]


def _pick_checks():
    """A choice check to answer wrong then right, and two other quick checks (other stages
    where possible): one to reveal, one to take a hint on."""
    checks = [check for check in COURSE.checks if check.stage_id != "wrap-up"]
    answered = next(check for check in checks if check.kind in CHOICE_KINDS)
    others = [check for check in checks if check.kind in QUICK_KINDS and check is not answered]
    others.sort(key=lambda check: check.stage_id == answered.stage_id)
    return answered, others[0], others[1]


def _answer(at, check, right: bool) -> None:
    wrong = next(option.key for option in check.options if option.key not in
                 ([check.answer] if check.kind == "single_choice" else check.answer))
    if check.kind == "single_choice":
        at.radio(key=f"{check.id}-answer").set_value(check.answer if right else wrong)
    else:
        chosen = set(check.answer) if right else {wrong}
        for option in check.options:
            box = at.checkbox(key=f"{check.id}-option-{option.key}")
            if option.key in chosen:
                box.check()
            else:
                box.uncheck()
    at.button(key=f"{check.id}-submit").click().run()


def test_a_new_learner_walks_every_stage_and_the_wrap_up_shows_exactly_what_they_did():
    """Start → every stage by "Next stage →": one check wrong then right, a hint, a reveal;
    the wrap-up then reports exactly those outcomes, attempts and hints, nothing else."""
    answered, revealed, hinted = _pick_checks()
    at = new_app().run()
    code = at.query_params["code"]
    at.button(key="welcome-start").click().run()

    for stage in STAGES:
        assert not at.exception, (stage.id, at.exception)
        assert _texts(at.title) == [f"Stage {stage.number} · {stage.title}"], stage.id
        if stage.id == answered.stage_id:
            _answer(at, answered, right=False)
            assert any(text.startswith("Not quite.") for text in _texts(at.warning))
            _answer(at, answered, right=True)
            assert any(text.startswith("Right.") for text in _texts(at.success))
        if stage.id == hinted.stage_id:
            at.button(key=f"{hinted.id}-hint").click().run()
            assert f"Hint 1: {hinted.hints[0]}" in _texts(at.info)
        if stage.id == revealed.stage_id:
            at.button(key=f"{revealed.id}-reveal").click().run()
            assert revealed.explanation in _texts(at.markdown)
        at.button(key=f"{stage.id}-next-page").click().run()
        assert at.query_params["code"] == code

    assert not at.exception
    assert _texts(at.title)[0] == (COURSE.stage("wrap-up").title
                                   if any(s.id == "wrap-up" for s in COURSE.stages) else "Wrap-up")
    table = at.dataframe[0].value.set_index("Check")
    expected = {check.id: ("not attempted", 0, 0) for check in COURSE.checks}
    expected[answered.id] = ("passed", 2, 0)
    expected[revealed.id] = ("revealed", 0, 0)
    expected[hinted.id] = ("not attempted", 0, 1)
    shown = {check_id: (row["Outcome"], int(row["Attempts"]), int(row["Hints"]))
             for check_id, row in table.iterrows()}
    assert shown == expected
    marks = [link.label for link in at.sidebar.get("page_link")]
    assert any(label.endswith("◐") for label in marks)
