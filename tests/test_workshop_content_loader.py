"""load_course and validate_course on the fixture course: a valid course loads into frozen
dataclasses; every problem is collected, warnings do not block loading, and welcome.md
loads with the course."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from tests.test_workshop_content_support import (
    COURSE,
    FIXTURE_MODULE,
    INTRO_CHECKS,
    INTRO_LESSON,
    PRACTICE_CHECKS,
    edit,
    errors_of,
    private_course,
)
from workshop.checks import KINDS
from workshop.content import Welcome, load_course, validate_course
from workshop.errors import ContentError


@pytest.fixture
def lessons(tmp_path, monkeypatch):
    """A private copy of the valid fixture course, free to break."""
    yield from private_course(tmp_path, monkeypatch)


def test_valid_course_has_no_problems(lessons):
    """The fixture course is clean: no errors and no warnings."""
    assert validate_course(lessons) == []


def test_valid_course_loads_into_the_documented_dataclasses(lessons):
    """The UI gets stages in order, their timings, lesson and checks, as ARCHITECTURE says."""
    course = load_course(lessons)
    assert course.title == "Fixture course"
    assert [agenda.id for agenda in course.agendas] == ["short", "long"]
    assert course.agenda("long").buffer_minutes == 10
    assert [stage.id for stage in course.stages] == ["intro", "practice"]
    intro = course.stage("intro")
    assert (intro.number, intro.folder, intro.nav_title) == (0, "00-intro", "Intro")
    assert intro.minutes["long"].teaching == 10 and intro.timing("long").total == 25
    assert list(intro.lesson.sections) == ["Principle", "What goes wrong", "The fix",
                                           "Further reading"]
    assert intro.lesson.sections["The fix"] == (
        "Pass one seed to every random component [beta-docs].")
    assert intro.lesson.keypoints[0] == "Write the seed down."
    assert intro.lesson.checklist[0].tools == ("seedbank",)
    assert intro.lesson.tools[0].shown_here is True
    assert intro.lesson.tools[0].url == "https://example.org/seedbank"
    assert intro.lesson.metrics[0].name == "Spread across runs"
    assert [source.id for source in intro.lesson.sources] == ["alpha2020", "beta-docs"]
    assert sorted(check.kind for check in course.checks) == sorted(KINDS)


def test_checks_carry_their_stage_and_typed_answers(lessons):
    """Answers are normalised: keys, tuples of keys, or floats; tolerance for numbers."""
    course = load_course(lessons)
    assert [check.id for check in course.checks] == [
        "intro-single", "intro-multiple", "intro-numeric",
        "practice-order", "practice-predict", "practice-hands-on"]
    assert course.check("intro-single").answer == "seed"
    assert course.check("intro-multiple").answer == ("no-seed", "set-order")
    assert course.check("practice-order").answer == ("split", "fit", "score")
    predict = course.check("practice-predict")
    assert (predict.answer, predict.tolerance, predict.stage_id) == (5.5, 0.5, "practice")
    assert predict.compute == f"{FIXTURE_MODULE}:mean_of_sample"
    assert course.check("intro-numeric").unit == "papers"
    assert course.check("intro-single").option("faster").feedback.startswith("Speed")


def test_a_course_without_stage_tables_says_so(lessons):
    """A course.toml whose [[stage]] tables are misspelt reports both the typo and the gap."""
    text = (lessons / COURSE).read_text().replace("[[stage]]", "[[stages]]")
    (lessons / COURSE).write_text(text)
    problems = validate_course(lessons)
    assert any(p.message == "no [[stage]] tables" or "no [[stage]]" in p.message
               for p in problems if p.is_error)
    assert any("unknown field 'stages'" in p.message and 'did you mean "stage"' in p.message
               for p in problems if not p.is_error)


def test_every_problem_is_collected_not_just_the_first(lessons):
    """Seven mistakes in four files give seven reports in one run."""
    edit(lessons, INTRO_CHECKS, 'kind = "numeric"', 'kind = "numerical"')
    edit(lessons, INTRO_CHECKS, 'answer = "seed"', 'answer = "seeds"')
    edit(lessons, PRACTICE_CHECKS, "tolerance = 0.5\n", "")
    edit(lessons, PRACTICE_CHECKS, f"{FIXTURE_MODULE}:shuffle_twice", "os:system")
    edit(lessons, INTRO_LESSON, "## Further reading", "## Reading")
    edit(lessons, "01-practice/lesson.md", "Seed the shuffle.", "Seed it: 12.5% faster.")
    edit(lessons, COURSE, "number = 1", "number = 0")
    messages = "\n".join(str(p) for p in errors_of(lessons))
    for fragment in ("unknown kind 'numerical'", "'seeds' is not among the options",
                     "missing 'tolerance'", "outside the allowed packages",
                     "missing section '## Further reading'", "the figure 12.5%",
                     "stage numbers are out of order"):
        assert fragment in messages
    assert len(errors_of(lessons)) == 7


def test_unlisted_lesson_folder_is_a_warning_that_does_not_block_loading(lessons):
    """A draft folder not in course.toml is reported, but the course still loads."""
    shutil.copytree(lessons / "01-practice", lessons / "02-draft")
    problems = validate_course(lessons)
    assert [(p.file, p.severity) for p in problems] == [("lessons/02-draft/", "warning")]
    assert "not listed in course.toml" in problems[0].message
    assert len(load_course(lessons).stages) == 2


def test_non_lesson_folders_are_not_reported(lessons):
    """An assets folder, or a hidden one, is not mistaken for a lesson."""
    (lessons / "images").mkdir()
    (lessons / "images" / "chart.png").write_bytes(b"\x89PNG")
    (lessons / ".drafts").mkdir()
    (lessons / ".drafts" / "lesson.md").write_text("x")
    assert validate_course(lessons) == []


@pytest.mark.parametrize("change, message", [
    ((INTRO_CHECKS, 'unit = "papers"', 'units = "papers"'),
     "unknown field 'units' in a [[check]] (did you mean \"unit\"?)"),
    ((INTRO_CHECKS, 'references = ["beta-docs"]', 'references = ["beta-docs"]\ntolerance = 1'),
     "'tolerance' is not used by single_choice checks"),
    ((INTRO_LESSON, 'tools = ["seedbank"]', 'tools = ["seed bank"]'),
     "tool 'seed bank' is not among this lesson's [[tools]]"),
    ((INTRO_LESSON, "+++\n\n## Principle", "+++\n# Introduction\n\n## Principle"),
     "text before the first '## ' section is not shown"),
], ids=["unknown-field", "field-unused-by-kind", "checklist-tool-unknown", "preamble"])
def test_likely_mistakes_that_do_no_harm_are_warnings(lessons, change, message):
    """Typos in optional fields and unused fields are flagged but do not block loading."""
    edit(lessons, *change)
    problems = validate_course(lessons)
    assert [p.severity for p in problems] == ["warning"], problems
    assert message in problems[0].message
    load_course(lessons)


def test_missing_lessons_folder_is_one_problem_and_a_content_error(tmp_path):
    """Pointing at a folder that does not exist says so, in the same shape as other problems."""
    missing = tmp_path / "nowhere"
    [problem] = validate_course(missing)
    assert "does not exist" in problem.message
    with pytest.raises(ContentError, match="does not exist"):
        load_course(missing)


def test_content_error_lists_every_problem_in_its_message(lessons):
    """The UI can show str(error) or iterate error.problems; both hold every problem."""
    edit(lessons, INTRO_CHECKS, 'answer = "seed"', 'answer = "seeds"')
    edit(lessons, PRACTICE_CHECKS, "tolerance = 0.5\n", "")
    with pytest.raises(ContentError) as caught:
        load_course(lessons)
    assert len(caught.value.problems) == 2
    for problem in caught.value.problems:
        assert str(problem) in str(caught.value)


@pytest.mark.slow
def test_validating_the_real_lessons_imports_no_scikit_learn(project_root):
    """Loading runs on every page: it must not pay for scikit-learn or Streamlit."""
    code = ("import sys, time; t = time.perf_counter(); "
            "from workshop.content import validate_course; validate_course(); "
            "print(round(time.perf_counter() - t, 3)); "
            "print(sorted(m for m in ('sklearn', 'streamlit', 'pandas', 'numpy') "
            "if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], cwd=project_root, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    seconds, imported = done.stdout.splitlines()
    assert imported == "[]"
    assert float(seconds) < 1.0


# ------------------------------------------------------------------------ welcome.md


def test_welcome_md_loads_with_the_course(lessons):
    """welcome.md's front matter and body arrive as course.welcome, read by the same
    front-matter parser as lesson.md."""
    (lessons / "welcome.md").write_text(
        '+++\ntitle = "Hello"\ntagline = "A tag"\nstart_label = "Go"\n+++\n\n## Intro\n\nText.\n',
        encoding="utf-8")
    welcome = load_course(lessons).welcome
    assert welcome == Welcome("Hello", "## Intro\n\nText.",
                              {"title": "Hello", "tagline": "A tag", "start_label": "Go"})
    assert (welcome.tagline, welcome.start_label) == ("A tag", "Go")


def test_without_welcome_md_the_course_title_welcomes(lessons):
    """welcome.md is optional: a team's own lessons folder may have none."""
    welcome = load_course(lessons).welcome
    assert welcome == Welcome("Fixture course")
    assert (welcome.body, welcome.tagline, welcome.start_label) == ("", "", "Start")


def test_a_broken_welcome_md_is_a_warning_and_the_course_title_stands_in(lessons):
    """Broken welcome front matter is reported at its line, but does not stop the course."""
    (lessons / "welcome.md").write_text('+++\ntitle = Hello\n+++\nBody.\n', encoding="utf-8")
    [problem] = validate_course(lessons)
    assert (problem.file, problem.location, problem.severity) == (
        "lessons/welcome.md", "line 2", "warning")
    assert problem.message.startswith("malformed TOML")
    assert load_course(lessons).welcome == Welcome("Fixture course")


# ------------------------------------------------------------- every problem, one run


def test_one_run_reports_every_independent_problem_in_a_check_and_across_files(lessons):
    """A team lead fixing a broken course sees every problem at once: an unknown kind does
    not hide the same check's options or tolerance, a stage id with a problem does not hide
    its folder's lesson or throw the agenda sums off, and course.toml's own problems do
    not hide the lessons'. One run, one list — not three rounds of fix and re-run."""
    # One check: an unknown kind, a repeated option key and a tolerance that is text.
    edit(lessons, INTRO_CHECKS, 'kind = "single_choice"',
         'kind = "single"\ntolerance = "zero"')
    edit(lessons, INTRO_CHECKS, 'key = "faster"', 'key = "seed"')
    # Another check: no hints and a reference naming no source.
    edit(lessons, INTRO_CHECKS, 'hints = ["Two of them.", "One is about randomness, one about '
         'ordering."]\n', "")
    edit(lessons, INTRO_CHECKS, 'references = ["See [beta-docs] on randomness."]',
         'references = ["A blog post"]')
    # A third: a tolerance of the wrong type and a compute function that does not exist.
    edit(lessons, PRACTICE_CHECKS, "tolerance = 0.5", 'tolerance = "0.5"')
    edit(lessons, PRACTICE_CHECKS, f"{FIXTURE_MODULE}:mean_of_sample",
         f"{FIXTURE_MODULE}:mean_of_sampel")
    # The lessons: an uncited figure, a misspelt section.
    edit(lessons, "01-practice/lesson.md", "Seed the shuffle.", "Seed it: 12.5% faster.")
    edit(lessons, INTRO_LESSON, "## The fix", "## The Fix")
    # course.toml: an agenda that does not add up, a stage id that cannot be a URL path.
    edit(lessons, COURSE, "teaching = 4, exercise = 6", "teaching = 4, exercise = 9")
    edit(lessons, COURSE, 'id = "practice"', 'id = "Practice"')

    problems = validate_course(lessons)
    found = [(p.file.removeprefix("lessons/"), p.location, p.message) for p in problems
             if p.is_error]
    expected = [
        (INTRO_CHECKS, 'check "intro-single", kind', "unknown kind 'single'"),
        (INTRO_CHECKS, 'check "intro-single", tolerance', "'tolerance' must be a number >= 0"),
        (INTRO_CHECKS, 'option "seed", key', "duplicate option key 'seed'"),
        (INTRO_CHECKS, 'check "intro-multiple", hints', "missing 'hints'"),
        (INTRO_CHECKS, 'check "intro-multiple", references[0]', "names no source"),
        (PRACTICE_CHECKS, 'check "practice-predict", tolerance', "found '0.5'"),
        (PRACTICE_CHECKS, 'check "practice-predict", compute', "'mean_of_sampel'"),
        ("01-practice/lesson.md", "line 19", "the figure 12.5% has no [source-id] citation"),
        (INTRO_LESSON, "body", "missing section '## The fix'"),
        (COURSE, 'agenda "short", minutes', "stages take 23 min + buffer_minutes 0 = 23 min"),
        (COURSE, 'stage "Practice", id', "stage id 'Practice' cannot be a URL path"),
    ]
    for file, location, message in expected:
        assert any(f == file and location in where and message in text
                   for f, where, text in found), (file, location, message, found)
    assert len(found) == len(expected), "\n".join(map(str, found))
    assert [p for p in problems if not p.is_error] == [], "no spurious warnings"


def test_a_broken_course_toml_does_not_hide_the_lessons(lessons):
    """course.toml that does not parse is one problem; every lesson folder is still read."""
    edit(lessons, COURSE, "minutes = 20", "minutes = = 20")
    edit(lessons, INTRO_CHECKS, 'answer = "seed"', 'answer = "seeds"')
    edit(lessons, "01-practice/lesson.md", "Seed the shuffle.", "Seed it: 12.5% faster.")
    messages = [p.message for p in errors_of(lessons)]
    assert len(messages) == 3, messages
    assert messages[0].startswith("malformed TOML")
    assert any("'seeds' is not among the options" in m for m in messages)
    assert any("the figure 12.5%" in m for m in messages)
    with pytest.raises(ContentError):
        load_course(lessons)


def test_an_agenda_with_a_problem_does_not_make_every_stage_name_an_unknown_agenda(lessons):
    """An agenda missing its title is one problem, not one more per stage."""
    edit(lessons, COURSE, 'title = "20-minute session"\n', "")
    [problem] = errors_of(lessons)
    assert problem.message == "missing 'title'" and 'agenda "short"' in problem.location


def test_a_stage_whose_id_has_a_problem_still_counts_and_is_read(lessons):
    """A duplicate stage id is reported once: its minutes still count in the agendas and
    its folder is still read (and not reported as unlisted)."""
    edit(lessons, COURSE, 'id = "practice"', 'id = "intro"')
    problems = validate_course(lessons)
    assert [(p.severity, p.message) for p in problems] == [
        ("error", "duplicate stage id 'intro'")]


def test_folders_starting_with_an_underscore_are_not_lessons(lessons):
    """A template or a draft folder named _something is not reported and not shown."""
    shutil.copytree(lessons / "01-practice", lessons / "_template")
    assert validate_course(lessons) == []
    assert [stage.folder for stage in load_course(lessons).stages] == ["00-intro", "01-practice"]


# ------------------------------------- a running server keeps the last good course (finding 6)


def _break_a_check(folder):
    checks = folder / "01-team-habits" / "checks.toml"
    checks.write_text(checks.read_text(encoding="utf-8").replace('kind = "numeric"',
                                                                 'kind = "numerik"', 1),
                      encoding="utf-8")


def test_a_broken_edit_keeps_the_last_good_course_and_logs_every_problem_once(tmp_path, caplog):
    """Issue "Safe by default", finding 6: a typo does not take the course away; the full
    list goes to the server log once per change, and a fix serves the new content."""
    from tests.ui.helpers import write_team_lessons
    from workshop.content import loader

    folder = write_team_lessons(tmp_path / "lessons")
    first = loader.load_course_or_last_good(folder)
    assert first.course is not None and first.problems == () and not first.stale
    _break_a_check(folder)
    (folder / "02-wrap-up" / "lesson.md").write_text("no front matter\n", encoding="utf-8")
    with caplog.at_level("WARNING", logger="workshop.content.loader"):
        broken = loader.load_course_or_last_good(folder)
        again = loader.load_course_or_last_good(folder)
    assert broken.course is first.course and broken.stale
    assert again.course is first.course and again.problems == broken.problems
    assert {problem.file.split("/")[-1] for problem in broken.problems} >= {
        "checks.toml",
        "lesson.md",
    }
    assert all(problem.is_error for problem in broken.problems)
    (record,) = [r for r in caplog.records if r.name == "workshop.content.loader"]  # once
    assert record.levelname == "ERROR" and "numerik" in record.getMessage()
    assert "02-wrap-up/lesson.md" in record.getMessage()
    assert "last good version" in record.getMessage()
    with pytest.raises(ContentError):  # load_course itself still refuses broken files
        load_course(folder)
    write_team_lessons(folder)  # fixed, with a new title
    course_file = folder / "course.toml"
    course_file.write_text(course_file.read_text(encoding="utf-8").replace(
        "A team's own course", "A team's fixed course"), encoding="utf-8")
    fixed = loader.load_course_or_last_good(folder)
    assert fixed.course.title == "A team's fixed course" and not fixed.stale


def test_a_folder_that_never_loaded_serves_nothing_and_says_why(tmp_path, caplog):
    """Started on broken lessons: no course to keep, the problems are returned and logged."""
    from tests.ui.helpers import write_team_lessons
    from workshop.content import loader

    folder = write_team_lessons(tmp_path / "lessons")
    _break_a_check(folder)
    with caplog.at_level("ERROR", logger="workshop.content.loader"):
        served = loader.load_course_or_last_good(folder)
    assert served.course is None and served.loaded_at is None and not served.stale
    assert any("numerik" in problem.message for problem in served.problems)
    assert "learners see an error page" in caplog.records[-1].getMessage()
