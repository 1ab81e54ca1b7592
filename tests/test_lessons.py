"""The real lessons/: the course validates, every check's reference answer passes, every
wrong option fails with its own feedback, and every figure cites a source.

Parametrised over whatever lessons/*/checks.toml and lesson.md hold, so a check or a lesson
a team adds is covered without touching this file.
"""

from __future__ import annotations

import tomllib
from itertools import permutations

import pytest

from case_study.paths import LESSONS_DIR
from workshop import checks
from workshop.checks import Outcome, grade
from workshop.content import citations, load_course, uncited_figures, validate_course

MIN_STAGES_WITH_CHECKS = 6
MIN_CHECKS = 20
STAGES = [  # id, folder, title — the order and names ARCHITECTURE.md and DESIGN.md fix
    ("why", "00-why", "Why: the crisis in numbers"),
    ("design", "01-design", "Solution design"),
    ("data", "02-data", "Data collection"),
    ("model", "03-model", "Model development"),
    ("legacy", "04-legacy", "Data and model legacy"),
    ("deployment", "05-deployment", "Deployment performance tracking"),
    ("wrap-up", "06-wrap-up", "Wrap-up: your team's policy"),
]


def _raw_checks() -> list[tuple[str, str]]:
    """(id, kind) of every [[check]] on disk, read leniently so that collection never fails;
    whether the files are valid is test_course_validates' job."""
    found = []
    for path in sorted(LESSONS_DIR.glob("*/checks.toml")):
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            continue
        items = data.get("check", [])
        for item in items if isinstance(items, list) else []:
            if isinstance(item, dict) and isinstance(item.get("id"), str):
                found.append((item["id"], str(item.get("kind"))))
    return found


RAW_CHECKS = _raw_checks()
LESSON_FILES = sorted(LESSONS_DIR.glob("*/lesson.md"))


def ids_of(*kinds: str) -> list[str]:
    return [check_id for check_id, kind in RAW_CHECKS if kind in kinds]


@pytest.fixture(scope="module")
def course():
    return load_course(LESSONS_DIR)


# ------------------------------------------------------------------- the course


def test_course_validates():
    """The shipped lessons load: python -m workshop validate reports no error."""
    errors = [str(problem) for problem in validate_course(LESSONS_DIR) if problem.is_error]
    assert not errors, "\n".join(errors)


def test_course_has_no_warnings():
    """No draft folders, unused fields or typos are left in the shipped lessons."""
    warnings = [str(problem) for problem in validate_course(LESSONS_DIR)]
    assert not warnings, "\n".join(warnings)


def test_course_has_a_checked_stage_for_every_part_and_enough_checks(course):
    """A learner meets checks at six stages or more, and at least twenty in all."""
    with_checks = [stage.id for stage in course.stages if stage.checks]
    assert len(with_checks) >= MIN_STAGES_WITH_CHECKS, with_checks
    assert len(course.checks) >= MIN_CHECKS


def test_stages_are_the_designed_ones_in_order(course):
    """Stage ids are the URL paths the app and the demos use."""
    assert [(s.id, s.folder, s.title) for s in course.stages] == STAGES
    assert [stage.number for stage in course.stages] == list(range(len(STAGES)))


def test_agendas_are_a_talk_a_tutorial_and_a_half_day_workshop(course):
    """The three ways to run the course, with lengths that the stages' minutes fill."""
    assert [(a.id, a.minutes) for a in course.agendas] == [
        ("talk", 25), ("tutorial", 90), ("workshop", 210)]
    for agenda in course.agendas:
        used = sum(stage.timing(agenda.id).total for stage in course.stages)
        assert used + agenda.buffer_minutes == agenda.minutes


# ---------------------------------------------------------- every check, answered


@pytest.mark.parametrize("check_id", ids_of("single_choice", "multiple_choice", "numeric",
                                            "ordering"))
def test_reference_answer_passes(course, check_id):
    """The answer the lesson author wrote down is graded as right."""
    check = course.check(check_id)
    result = grade(check, check.answer)
    assert result.outcome is Outcome.PASSED, result.feedback


@pytest.mark.parametrize("check_id", ids_of("predict_then_run"))
def test_predict_then_run_answer_agrees_with_the_computation(course, check_id):
    """The author's prediction is within tolerance of what the case study computes now."""
    check = course.check(check_id)
    actual = checks.compute_actual(check)
    result = grade(check, check.answer, actual=actual)
    assert result.passed, f"computed {actual}: {result.feedback}"
    off = check.answer + 2 * check.tolerance + abs(actual) * 0.01 + 1e-6
    assert grade(check, off, actual=actual).outcome is Outcome.FAILED


@pytest.mark.slow
@pytest.mark.parametrize("check_id", ids_of("hands_on"))
def test_hands_on_reference_answer_passes_and_doing_nothing_fails(course, check_id):
    """Running the grader for real: the reference switches pass, an empty choice does not."""
    check = course.check(check_id)
    result = checks.run_hands_on(check, list(check.answer))
    assert result.passed, result.feedback
    if check.answer:
        nothing = checks.run_hands_on(check, [])
        assert nothing.outcome is Outcome.FAILED, nothing.feedback


def _right_texts(check) -> list[str]:
    right = {check.answer} if check.kind == "single_choice" else set(check.answer)
    return [o.text for o in check.options if o.key in right and len(o.text) > 15]


@pytest.mark.parametrize("check_id", ids_of("single_choice"))
def test_each_wrong_single_choice_fails_with_its_feedback(course, check_id):
    """Every wrong option fails and explains itself without quoting the right option."""
    check = course.check(check_id)
    for option in check.options:
        if option.key == check.answer:
            continue
        result = grade(check, option.key)
        assert result.outcome is Outcome.FAILED
        assert result.feedback == option.feedback
        for text in _right_texts(check):
            assert text not in result.feedback, f"{option.key}'s feedback gives the answer away"


@pytest.mark.parametrize("check_id", ids_of("multiple_choice"))
def test_each_wrong_or_missed_multiple_choice_option_fails(course, check_id):
    """Adding any wrong option shows its feedback; leaving out a right one is counted."""
    check = course.check(check_id)
    right = list(check.answer)
    for option in check.options:
        if option.key in right:
            continue
        result = grade(check, [*right, option.key])
        assert result.outcome is Outcome.FAILED
        assert option.feedback in result.feedback
        for text in _right_texts(check):
            assert text not in option.feedback, f"{option.key}'s feedback gives the answer away"
    if len(right) > 1:
        for key in right:
            result = grade(check, [k for k in right if k != key])
            assert result.outcome is Outcome.FAILED
            assert "You missed 1 correct option." in result.feedback


@pytest.mark.parametrize("check_id", ids_of("ordering"))
def test_every_other_ordering_fails(course, check_id):
    """Only the reference order passes; a near miss says how many are in place."""
    check = course.check(check_id)
    reference = list(check.answer)
    for index, order in enumerate(permutations(reference)):
        if index > 720:  # enough to be convinced for long lists
            break
        result = grade(check, list(order))
        assert result.passed == (list(order) == reference)
    swapped = reference[:]
    swapped[0], swapped[1] = swapped[1], swapped[0]
    assert grade(check, swapped).feedback.startswith(
        f"{len(reference) - 2} of {len(reference)} items are in the right position.")


@pytest.mark.parametrize("check_id", ids_of("numeric"))
def test_numeric_estimates_outside_tolerance_fail_with_a_direction(course, check_id):
    """Too high and too low are told apart, and the reference value is not revealed."""
    check = course.check(check_id)
    step = 2 * check.tolerance + abs(check.answer) * 0.01 + 1
    high, low = grade(check, check.answer + step), grade(check, check.answer - step)
    assert high.outcome is low.outcome is Outcome.FAILED
    assert high.feedback.startswith("Too high") and low.feedback.startswith("Too low")
    assert f"{check.answer:g}" not in high.feedback + low.feedback


# ------------------------------------------------------------ figures and sources


@pytest.mark.parametrize("path", LESSON_FILES, ids=lambda path: path.parent.name)
def test_every_figure_in_a_lesson_cites_a_known_source(path):
    """Each line stating a figure cites [source-id] on that line, from sources.toml only."""
    with (LESSONS_DIR / "sources.toml").open("rb") as handle:
        known = {source["id"] for source in tomllib.load(handle)["source"]}
    _, front, body = path.read_text(encoding="utf-8").split("+++\n", 2)
    # Front matter and body alike: a figure on screen needs its source.
    texts = {"body": body, **dict(_strings(tomllib.loads(front)))}
    for where, text in texts.items():
        uncited = uncited_figures(text)
        assert not uncited, f"{path.parent.name}/lesson.md {where}: uncited figures {uncited}"
        unknown = sorted(set(citations(text)) - known)
        assert not unknown, f"{path.parent.name}/lesson.md {where}: unknown sources {unknown}"


def _strings(data, name=""):
    """Every string in parsed front matter, with where it is."""
    if isinstance(data, str):
        yield name, data
    elif isinstance(data, dict):
        for key, value in data.items():
            yield from _strings(value, f"{name}.{key}".lstrip("."))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _strings(value, f"{name}[{index}]")


def test_every_check_reference_is_a_known_source(course):
    """References under checks resolve to full citations from sources.toml."""
    for check in course.checks:
        for reference in check.references:
            cited = [reference.strip()] if reference.strip() in course.sources \
                else citations(reference)
            assert cited and all(source in course.sources for source in cited), \
                f"{check.id}: {reference!r}"


def test_the_welcome_text_loads_with_the_course_and_cites_its_figures(course):
    """lessons/welcome.md arrives as course.welcome; its figures follow the lessons' rule."""
    welcome = course.welcome
    assert welcome.title and welcome.body and welcome.meta.get("start_label")
    assert uncited_figures(welcome.body) == []
    cited = citations(welcome.body)
    assert cited and set(cited) <= set(course.sources)


# --- fair options, and no dead end after a missed prediction ------------------------------

@pytest.mark.parametrize("check_id", ids_of("predict_then_run"))
def test_every_prediction_has_a_follow_up_whose_answer_passes_and_others_fail(course, check_id):
    """A missed prediction is never a dead end: a follow-up question can still pass the check;
    its right option passes, each other fails with its own feedback, which never quotes it."""
    check = course.check(check_id)
    assert check.follow_up is not None, "add a [check.follow_up] (lessons/README.md)"
    question = checks.follow_up_check(check)
    assert grade(question, question.answer).passed
    right = question.option(question.answer).text
    for option in question.options:
        if option.key != question.answer:
            result = grade(question, option.key)
            assert result.outcome is Outcome.FAILED and result.feedback == option.feedback
            assert right not in result.feedback


def test_right_answers_are_first_in_no_more_checks_than_chance(course):
    """Across the course's files the right single-choice answer is option 1 no more often than
    chance would put it there, and no choice or hands-on check lists its right options first."""
    from workshop.content.option_stats import chance_first, leading_sets, right_positions

    assert right_positions(course.checks)[1] <= chance_first(course.checks)
    first_sets, _ = leading_sets(course.checks)
    assert first_sets == 0


def test_an_illegitimate_feature_is_the_leak_of_one_tagging_check(course):
    """Each tag of the leak list is the right answer somewhere, the illegitimate feature too."""
    tagging = [check for check in course.stage("data").checks if check.id.startswith("data-tag-")]
    assert {check.answer for check in tagging} == {option.key for option in tagging[0].options}


def test_the_threshold_check_does_not_accept_the_convention_it_moves_learners_past(course):
    """deployment-threshold asks for the PSI with 5% false alarms at batches of 100: the
    "significant" convention of 0.25 is the habit the check exists to question, so it fails
    against the computed value, as does the "moderate" 0.10."""
    check = course.check("deployment-threshold")
    actual = checks.compute_actual(check)
    for convention in (0.25, 0.10):
        assert grade(check, convention, actual=actual).outcome is Outcome.FAILED, convention
    assert grade(check, actual, actual=actual).passed
