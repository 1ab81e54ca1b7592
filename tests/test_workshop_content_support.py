"""Shared by the tests of workshop.content: a private copy of the valid fixture course,
ways to break it, and every malformed case with the problem it must produce."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from workshop.content import Problem, load_course, validate_course
from workshop.errors import ContentError

HERE = Path(__file__).resolve().parent
VALID = HERE / "fixtures" / "lessons" / "valid"
FIXTURE_CODE = HERE / "fixtures" / "code"
FIXTURE_MODULE = "workshop.fixture_checks"


def use_fixture_code(monkeypatch, code: Path = FIXTURE_CODE):
    """Make ``code``/fixture_checks.py findable as workshop.fixture_checks (a generator for
    a fixture: it forgets the module again afterwards)."""
    import workshop

    monkeypatch.setattr(workshop, "__path__", [*workshop.__path__, str(code)])
    sys.modules.pop(FIXTURE_MODULE, None)
    yield code
    sys.modules.pop(FIXTURE_MODULE, None)


def private_course(tmp_path, monkeypatch):
    """A private copy of the valid fixture course, free to break (a generator for a
    fixture)."""
    for _ in use_fixture_code(monkeypatch):
        target = tmp_path / "lessons"
        shutil.copytree(VALID, target)
        yield target


def edit(folder: Path, relative: str, old: str, new: str) -> None:
    """Replace the first ``old`` in a lesson file (the test fails if it is not there)."""
    path = folder / relative
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} is not in {relative}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def errors_of(folder: Path) -> list[Problem]:
    return [problem for problem in validate_course(folder) if problem.is_error]


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


# The cases that break a course rule (workshop/content/lint.py) rather than a file's form.
RULE_CASES = {
    "reference-names-no-source", "reference-cites-unknown-source",
    "compute-function-does-not-exist", "compute-names-a-constant", "compute-needs-arguments",
    "grader-module-does-not-exist", "grader-takes-no-answer", "timings-do-not-add-up",
    "buffer-breaks-the-sum", "stage-numbers-out-of-order", "unknown-citation-in-body",
    "unknown-citation-in-front-matter", "uncited-percentage", "uncited-decimal",
    "uncited-three-digit-number", "uncited-figure-in-front-matter",
}
assert RULE_CASES <= {case[0] for case in BROKEN}


def cases(rules: bool):
    """pytest.param for each malformed case that breaks a rule (or the form of a file)."""
    return [pytest.param(*case[1:], id=case[0]) for case in BROKEN
            if (case[0] in RULE_CASES) == rules]


def assert_reported(lessons: Path, change, file: str, location: str, message: str) -> None:
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
