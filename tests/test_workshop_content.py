"""Loading and validating lessons: a valid course loads into frozen dataclasses, and each
kind of mistake a team lead can make is reported with its file, place and fix."""

from __future__ import annotations

import pickle
import shutil
import subprocess
import sys
import textwrap
from dataclasses import FrozenInstanceError
from pathlib import Path

import pytest

from workshop.checks import KINDS
from workshop.content import (Problem, citations, figures, load_course, uncited_figures,
                              validate_course)
from workshop.errors import (ContentError, UnknownAgendaError, UnknownCheckError,
                             UnknownStageError, WorkshopError)

HERE = Path(__file__).resolve().parent
VALID = HERE / "fixtures" / "lessons" / "valid"
FIXTURE_CODE = HERE / "fixtures" / "code"
FIXTURE_MODULE = "workshop.fixture_checks"


@pytest.fixture
def fixture_code(monkeypatch):
    """Make tests/fixtures/code/fixture_checks.py findable as workshop.fixture_checks."""
    import workshop

    monkeypatch.setattr(workshop, "__path__", [*workshop.__path__, str(FIXTURE_CODE)])
    sys.modules.pop(FIXTURE_MODULE, None)
    yield FIXTURE_CODE
    sys.modules.pop(FIXTURE_MODULE, None)


@pytest.fixture
def lessons(tmp_path, fixture_code) -> Path:
    """A private copy of the valid fixture course, free to break."""
    target = tmp_path / "lessons"
    shutil.copytree(VALID, target)
    return target


def edit(folder: Path, relative: str, old: str, new: str) -> None:
    """Replace the first ``old`` in a lesson file (the test fails if it is not there)."""
    path = folder / relative
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} is not in {relative}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def errors_of(folder: Path) -> list[Problem]:
    return [problem for problem in validate_course(folder) if problem.is_error]


# --------------------------------------------------------------------- a valid course


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


def test_validating_never_imports_the_functions_checks_name(lessons):
    """The validator reads compute/grader modules as source (ast): no import, no sklearn."""
    sys.modules.pop(FIXTURE_MODULE, None)
    assert validate_course(lessons) == []
    assert FIXTURE_MODULE not in sys.modules


# ------------------------------------------------------------ every malformed case

INTRO_CHECKS = "00-intro/checks.toml"
PRACTICE_CHECKS = "01-practice/checks.toml"
INTRO_LESSON = "00-intro/lesson.md"
COURSE = "course.toml"


def _delete(relative):
    return lambda folder: (folder / relative).unlink()


def _rename(relative, new):
    return lambda folder: (folder / relative).rename(folder / new)


def _write(relative, data: bytes):
    return lambda folder: (folder / relative).write_bytes(data)


# (case id, change, file the problem is in, location fragment, message fragment)
BROKEN = [
    ("checks-toml-syntax",
     (INTRO_CHECKS, 'prompt = "Which habit makes a run repeatable?"',
      'prompt = "Which habit makes a run repeatable?'),
     INTRO_CHECKS, "line 4", "malformed TOML"),
    ("front-matter-toml-syntax",
     (INTRO_LESSON, 'title = "Introduction"', "title = Introduction"),
     INTRO_LESSON, "line 2", "malformed TOML"),
    ("course-toml-syntax", (COURSE, "minutes = 20", "minutes = = 20"),
     COURSE, "line 7", "malformed TOML"),
    ("sources-toml-syntax", ("sources.toml", 'id = "beta-docs"', 'id = "beta-docs'),
     "sources.toml", "line 7", "malformed TOML"),
    ("unknown-kind", (INTRO_CHECKS, 'kind = "numeric"', 'kind = "numerical"'),
     INTRO_CHECKS, 'line 54, check "intro-numeric", kind', "unknown kind 'numerical'"),
    ("duplicate-id-across-stages",
     (PRACTICE_CHECKS, 'id = "practice-order"', 'id = "intro-single"'),
     PRACTICE_CHECKS, 'check "intro-single", id', "duplicate check id 'intro-single'"),
    ("duplicate-id-in-one-file",
     (INTRO_CHECKS, 'id = "intro-multiple"', 'id = "intro-single"'),
     INTRO_CHECKS, "line 26", "duplicate check id"),
    ("missing-answer", (INTRO_CHECKS, 'answer = "seed"\n', ""),
     INTRO_CHECKS, 'check "intro-single", answer', "missing 'answer'"),
    ("answer-not-an-option", (INTRO_CHECKS, 'answer = "seed"', 'answer = "seeds"'),
     INTRO_CHECKS, "line 5", "'seeds' is not among the options"),
    ("multiple-answer-not-options",
     (INTRO_CHECKS, 'answer = ["no-seed", "set-order"]', 'answer = ["no-seed", "sets"]'),
     INTRO_CHECKS, 'check "intro-multiple", answer', "keys that are not options"),
    ("ordering-repeats-a-key",
     (PRACTICE_CHECKS, 'answer = ["split", "fit", "score"]', 'answer = ["split", "fit", "fit"]'),
     PRACTICE_CHECKS, 'check "practice-order", answer', "not a permutation"),
    ("ordering-misses-a-key",
     (PRACTICE_CHECKS, 'answer = ["split", "fit", "score"]', 'answer = ["split", "fit"]'),
     PRACTICE_CHECKS, "line 5", "missing ['score']"),
    ("numeric-without-tolerance", (INTRO_CHECKS, "tolerance = 0\n", ""),
     INTRO_CHECKS, 'check "intro-numeric", tolerance', "missing 'tolerance'"),
    ("predict-without-tolerance", (PRACTICE_CHECKS, "tolerance = 0.5\n", ""),
     PRACTICE_CHECKS, 'check "practice-predict", tolerance', "missing 'tolerance'"),
    ("negative-tolerance", (PRACTICE_CHECKS, "tolerance = 0.5", "tolerance = -0.5"),
     PRACTICE_CHECKS, "line 27", "must be a number >= 0"),
    ("single-wrong-option-without-feedback",
     (INTRO_CHECKS, 'feedback = "Speed changes how long a run takes, not what it computes."\n',
      ""), INTRO_CHECKS, 'line 15, check "intro-single", option "faster", feedback',
     "a wrong option has no feedback"),
    ("multiple-wrong-option-without-feedback",
     (INTRO_CHECKS, 'feedback = "Comments are not executed."', 'feedback = " "'),
     INTRO_CHECKS, 'line 45, check "intro-multiple", option "comments", feedback',
     "a wrong option has no feedback"),
    ("empty-hints", (INTRO_CHECKS, 'hints = ["Think about what changes between runs."]',
                     "hints = []"),
     INTRO_CHECKS, 'line 6, check "intro-single", hints', "at least 1 needed"),
    ("no-hints", (INTRO_CHECKS, 'hints = ["Think about what changes between runs."]\n', ""),
     INTRO_CHECKS, 'check "intro-single", hints', "missing 'hints'"),
    ("no-explanation",
     (INTRO_CHECKS, 'explanation = "A fixed seed gives the same random numbers every time."\n',
      ""), INTRO_CHECKS, 'check "intro-single", explanation', "missing 'explanation'"),
    ("no-references", (INTRO_CHECKS, 'references = ["beta-docs"]', "references = []"),
     INTRO_CHECKS, 'check "intro-single", references', "at least 1 needed"),
    ("reference-names-no-source",
     (INTRO_CHECKS, 'references = ["beta-docs"]', 'references = ["A blog post"]'),
     INTRO_CHECKS, "references[0]", "names no source"),
    ("reference-cites-unknown-source",
     (INTRO_CHECKS, 'references = ["beta-docs"]', 'references = ["See [gamma2021]."]'),
     INTRO_CHECKS, "references[0]", "[gamma2021], which is not in lessons/sources.toml"),
    ("compute-outside-allowed-packages",
     (PRACTICE_CHECKS, f"{FIXTURE_MODULE}:mean_of_sample", "os.path:join"),
     PRACTICE_CHECKS, 'line 28, check "practice-predict", compute', "outside the allowed"),
    ("compute-function-does-not-exist",
     (PRACTICE_CHECKS, f"{FIXTURE_MODULE}:mean_of_sample", f"{FIXTURE_MODULE}:mean_of_sampel"),
     PRACTICE_CHECKS, "compute", "defines no top-level function 'mean_of_sampel' "
                                 "(did you mean \"mean_of_sample\"?)"),
    ("compute-names-a-constant",
     (PRACTICE_CHECKS, f"{FIXTURE_MODULE}:mean_of_sample", f"{FIXTURE_MODULE}:NOT_A_FUNCTION"),
     PRACTICE_CHECKS, "compute", "defines no top-level function"),
    ("compute-needs-arguments",
     (PRACTICE_CHECKS, f"{FIXTURE_MODULE}:mean_of_sample",
      f"{FIXTURE_MODULE}:compute_needs_argument"),
     PRACTICE_CHECKS, "compute", "a compute function takes none"),
    ("compute-not-module-colon-function",
     (PRACTICE_CHECKS, f"{FIXTURE_MODULE}:mean_of_sample", f"{FIXTURE_MODULE}.mean_of_sample"),
     PRACTICE_CHECKS, "compute", '"module:function"'),
    ("predict-without-compute",
     (PRACTICE_CHECKS, f'compute = "{FIXTURE_MODULE}:mean_of_sample"\n', ""),
     PRACTICE_CHECKS, "compute", "missing 'compute'"),
    ("grader-module-does-not-exist",
     (PRACTICE_CHECKS, f"{FIXTURE_MODULE}:shuffle_twice", "case_study.no_such_module:grade"),
     PRACTICE_CHECKS, 'check "practice-hands-on", grader',
     "the module case_study.no_such_module does not exist"),
    ("grader-takes-no-answer",
     (PRACTICE_CHECKS, f"{FIXTURE_MODULE}:shuffle_twice",
      f"{FIXTURE_MODULE}:grader_without_argument"),
     PRACTICE_CHECKS, "grader", "must take exactly one argument"),
    ("single-choice-with-one-option",
     (PRACTICE_CHECKS, '  [[check.options]]\n  key = "score"\n  text = "Score on held-out data"\n',
      ""), PRACTICE_CHECKS, 'check "practice-order", answer', "not a permutation"),
    ("duplicate-option-key", (INTRO_CHECKS, 'key = "faster"', 'key = "seed"'),
     INTRO_CHECKS, 'line 16, check "intro-single", option "seed", key', "duplicate option key"),
    ("numeric-answer-as-text", (INTRO_CHECKS, "answer = 0\n", 'answer = "zero"\n'),
     INTRO_CHECKS, 'check "intro-numeric", answer', "must be a finite number"),
    ("missing-lesson-md", _delete("01-practice/lesson.md"),
     "01-practice/lesson.md", "file", "lesson.md is missing"),
    ("stage-folder-missing", _rename("01-practice", "01-renamed"),
     COURSE, 'line 27, stage "practice", folder', "lessons/01-practice/, which does not exist"),
    ("stage-without-folder-field", (COURSE, 'folder = "01-practice"\n', ""),
     COURSE, 'line 24, stage "practice", folder', "missing 'folder'"),
    ("hands-on-answer-not-an-option", (PRACTICE_CHECKS, 'answer = ["seed"]', 'answer = ["seeds"]'),
     PRACTICE_CHECKS, 'check "practice-hands-on", answer', "keys that are not options: ['seeds']"),
    ("stage-folder-escapes-lessons", (COURSE, 'folder = "01-practice"', 'folder = "../x"'),
     COURSE, 'stage "practice", folder', "plain folder name"),
    ("missing-required-section", (INTRO_LESSON, "## The fix", "## The Fix"),
     INTRO_LESSON, "body", "missing section '## The fix' (did you mean \"The Fix\"?)"),
    ("empty-required-section",
     ("01-practice/lesson.md", "Seed the shuffle.\n", ""),
     "01-practice/lesson.md", "body", "the section '## The fix' is empty"),
    ("duplicate-section", ("01-practice/lesson.md", "## The fix", "## Principle"),
     "01-practice/lesson.md", "line 17", "appears twice"),
    ("missing-front-matter-field",
     (INTRO_LESSON, 'questions = ["Why do results differ between runs?"]\n', ""),
     INTRO_LESSON, "front matter, questions", "missing 'questions'"),
    ("empty-front-matter-list", (INTRO_LESSON, 'objectives = ["Name two sources of variation '
                                 'between runs."]', "objectives = []"),
     INTRO_LESSON, "line 4, front matter, objectives", "at least 1 needed"),
    ("tool-without-use", (INTRO_LESSON, 'use = "Records the seed of every run."\n', ""),
     INTRO_LESSON, "line 13, front matter, tools[0], use", "missing 'use'"),
    ("no-front-matter", (INTRO_LESSON, "+++\ntitle", "title"),
     INTRO_LESSON, "line 1", "does not start with TOML front matter"),
    ("front-matter-never-closed",
     ("01-practice/lesson.md", "+++\n\n## Principle", "\n## Principle"),
     "01-practice/lesson.md", "line 1", "never closed"),
    ("timings-do-not-add-up", (COURSE, "teaching = 4, exercise = 6", "teaching = 4, exercise = 9"),
     COURSE, 'line 7, agenda "short", minutes', "stages take 23 min + buffer_minutes 0 = 23 min"),
    ("buffer-breaks-the-sum", (COURSE, "buffer_minutes = 10", "buffer_minutes = 5"),
     COURSE, 'agenda "long"', "but the agenda says minutes = 60"),
    ("stage-numbers-out-of-order", (COURSE, "number = 1", "number = 0"),
     COURSE, 'line 26, stage "practice", number', "stage numbers are out of order"),
    ("stage-without-agenda-timing",
     (COURSE, "minutes.short = { teaching = 4, exercise = 6 }\n", ""),
     COURSE, 'stage "practice", minutes.short', "no timing for agenda 'short'"),
    ("stage-timing-for-unknown-agenda",
     (COURSE, "minutes.short = { teaching = 4, exercise = 6 }",
      "minutes.shrt = { teaching = 4, exercise = 6 }"),
     COURSE, "minutes.shrt", "unknown agenda 'shrt' (did you mean \"short\"?)"),
    ("minutes-not-whole", (COURSE, "minutes = 20", "minutes = 20.5"),
     COURSE, 'agenda "short", minutes', "must be a whole number"),
    ("unknown-citation-in-body", (INTRO_LESSON, "component [beta-docs]", "component [betadocs]"),
     INTRO_LESSON, "line 39", "cites [betadocs], which is not in lessons/sources.toml "
                              "(did you mean \"beta-docs\"?)"),
    ("unknown-citation-in-front-matter",
     (INTRO_LESSON, "shared their code [alpha2020]", "shared their code [alpha2021]"),
     INTRO_LESSON, "front matter, keypoints[1]", "cites [alpha2021]"),
    ("uncited-percentage", (INTRO_LESSON, "shared their test data [alpha2020].",
                            "shared their test data."),
     INTRO_LESSON, "line 27", "the figure 29.8% has no [source-id] citation"),
    ("uncited-decimal", ("01-practice/lesson.md", "Each run shuffles differently.",
                         "Each run scored 0.84 then 0.79."),
     "01-practice/lesson.md", "line 15", "the figure 0.84 has no"),
    ("uncited-three-digit-number", ("01-practice/lesson.md", "Seed the shuffle.",
                                    "Seed the shuffle; we tried it 1,000 times."),
     "01-practice/lesson.md", "line 19", "the figure 1,000 has no"),
    ("uncited-figure-in-front-matter", (INTRO_LESSON, "code [alpha2020].", "code."),
     INTRO_LESSON, "front matter, keypoints[1]", "the figure 6% has no"),
    ("sources-toml-missing", _delete("sources.toml"),
     "sources.toml", "file", "sources.toml (the list of citable sources) is missing"),
    ("duplicate-source-id", ("sources.toml", 'id = "beta-docs"', 'id = "alpha2020"'),
     "sources.toml", 'line 7, source "alpha2020", id', "duplicate source id"),
    ("course-toml-missing", _delete(COURSE), COURSE, "file", "course.toml"),
    ("lesson-not-utf8", _write("01-practice/lesson.md", b"+++\ntitle = \"\xff\xfe\"\n+++\n"),
     "01-practice/lesson.md", "byte", "not UTF-8 text"),
]


@pytest.mark.parametrize("change, file, location, message",
                         [case[1:] for case in BROKEN], ids=[case[0] for case in BROKEN])
def test_validator_catches_each_malformed_case(lessons, change, file, location, message):
    """Each mistake a team lead can make is reported with its file, place, message and fix."""
    if callable(change):
        change(lessons)
    else:
        edit(lessons, *change)
    problems = errors_of(lessons)
    matching = [p for p in problems
                if p.file == f"lessons/{file}" and location in p.location and message in p.message]
    assert matching, "expected a problem like\n  " + f"lessons/{file}:{location}: {message}" + \
        "\ngot:\n  " + "\n  ".join(str(p) for p in problems)
    assert all(problem.fix.strip() for problem in problems), "every problem says how to fix it"
    with pytest.raises(ContentError) as caught:
        load_course(lessons)
    assert set(caught.value.problems) == set(problems)


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


def test_toml_errors_point_at_the_line_in_the_file(lessons):
    """A syntax error deep in the front matter is reported at its line in lesson.md."""
    edit(lessons, INTRO_LESSON, 'name = "Spread across runs"', 'name = "Spread across runs')
    [problem] = errors_of(lessons)
    assert problem.location.startswith("line 20")
    lines = (lessons / INTRO_LESSON).read_text().splitlines()
    assert lines[19].startswith('name = "Spread across runs')


# --------------------------------------------------------------------------- warnings


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


# ---------------------------------------------------------------- missing folder, errors


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


def test_problem_reads_as_file_location_message_fix():
    """The one-line form the CLI prints: file:location: message — fix."""
    problem = Problem("lessons/course.toml", "line 3", "bad thing", "do this")
    assert str(problem) == "lessons/course.toml:line 3: bad thing — do this"
    warning = Problem("lessons/x/", "folder", "odd", "look", severity="warning")
    assert str(warning) == "lessons/x/:folder: warning: odd — look"
    assert warning.describe("elsewhere/x/").startswith("elsewhere/x/:folder:")


# ------------------------------------------------------------------------- caching


def test_loading_is_cached_until_a_file_changes(lessons):
    """Every page loads the course: unchanged files give the same object, an edit reloads."""
    first = load_course(lessons)
    assert load_course(lessons) is first
    # Same length, so size and (coarse) modification time alone could not tell them apart.
    edit(lessons, INTRO_LESSON, 'title = "Introduction"', 'title = "Introductiom"')
    second = load_course(lessons)
    assert second is not first
    assert second.stage("intro").lesson.title == "Introductiom"


def test_an_unchanged_course_is_recognised_without_reading_a_file(lessons, monkeypatch):
    """Every page run asks for the course: files not edited moments ago are only stat-ed,
    never read again, and an edit is still picked up."""
    from workshop.content import cache

    monkeypatch.setattr(cache, "RACY_NS", -10**10)  # no file counts as just edited
    first = load_course(lessons)
    reads: list[Path] = []
    read_bytes = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes", lambda self: reads.append(self) or read_bytes(self))
    assert load_course(lessons) is first
    assert reads == []
    edit(lessons, INTRO_LESSON, 'title = "Introduction"', 'title = "A longer introduction"')
    second = load_course(lessons)
    assert second is not first
    assert second.stage("intro").lesson.title == "A longer introduction"


def test_cache_notices_a_changed_function_module(tmp_path, monkeypatch):
    """Renaming a function a check names is noticed at once, without touching lessons/."""
    import workshop

    code = tmp_path / "code"
    code.mkdir()
    shutil.copy(FIXTURE_CODE / "fixture_checks.py", code / "fixture_checks.py")
    monkeypatch.setattr(workshop, "__path__", [*workshop.__path__, str(code)])
    sys.modules.pop(FIXTURE_MODULE, None)
    folder = tmp_path / "lessons"
    shutil.copytree(VALID, folder)
    assert validate_course(folder) == []
    module = code / "fixture_checks.py"
    module.write_text(module.read_text().replace("def mean_of_sample(", "def mean_of_sampel("))
    [problem] = validate_course(folder)
    assert "no top-level function 'mean_of_sample'" in problem.message


# ------------------------------------------------------------- figures and citations


@pytest.mark.parametrize("line, expected", [
    ("Only 6% of papers shared code.", ["6%"]),
    ("About 20 per cent did.", ["20 per cent"]),
    ("It scored 0.76 before and 0.46 after.", ["0.76", "0.46"]),
    ("They read 400 papers.", ["400"]),
    ("All 1,000 applicants, in 2019.", ["1,000", "2019"]),
    ("Scores end a sentence at 0.85.", ["0.85"]),
    ("Two of 20 runs, 5 seeds, 17 fields.", []),
    ("Run `train(seed=1234, frac=0.25)` twice.", []),
    ("See [the docs](https://example.org/v2/page-1234.html).", []),
    ("Pinned scikit-learn 1.9.1 and numpy 2.4.6.", []),
    ("Use sha256, leakage type L1.2, and model_final_v2.pkl.", []),
    ("Visit https://arxiv.org/abs/2003.12206 for details.", []),
    ("Cited as [pwc2020] only.", []),
])
def test_figures_are_percentages_decimals_and_numbers_of_three_digits(line, expected):
    """What counts as a stated figure, and what (code, links, versions, names) does not."""
    assert figures(line) == expected


def test_uncited_figures_skips_code_blocks_and_cited_lines():
    """A figure needs a citation on its own line; code blocks are never checked."""
    text = textwrap.dedent("""\
        Cited: 74.4% had code [pineau2021].
        Not cited: 74.4% had code,
        even though the next line cites [pineau2021].
        ```python
        score = 0.8512
        ```
        ~~~
        1234
        ~~~
        Back in prose: 0.5 again.
        """)
    assert uncited_figures(text) == [(2, "74.4%"), (10, "0.5")]


def test_citations_are_found_outside_code_in_order():
    """Citations may be single or grouped; links, task boxes and code are not citations."""
    text = ("Both [gundersen2018, pineau2021] and [pwc2020].\n"
            "- [x] done, [link](https://a.b), `[notacite]`, arr[0], ![img](x.png)\n"
            "```\n[inside-code]\n```\n[sklearn-022][python-hash]\n")
    assert citations(text) == ["gundersen2018", "pineau2021", "pwc2020", "sklearn-022",
                               "python-hash"]


# ------------------------------------------------------------------- fast to load


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
