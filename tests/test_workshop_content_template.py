"""The way a team adds a stage: ``docs/template-stage/`` copied and registered as the guide in
``lessons/README.md`` says validates clean, the template itself is never shown, and the
guide names files and functions that exist and the course's real counts."""

from __future__ import annotations

import ast
import re
import shutil
from pathlib import Path

import pytest

from workshop.content import load_course, validate_course
from workshop.ui.stage_page import demo_module_name

ROOT = Path(__file__).resolve().parent.parent
LESSONS = ROOT / "lessons"
TEMPLATE = ROOT / "docs" / "template-stage"
GUIDE_TITLE = "### Add a stage with its own demo"
# Files the guide's example creates: they are the team's to write, so they do not exist.
NEW_IN_THE_EXAMPLE = {
    "lessons/06-review", "case_study/stage6_review.py", "workshop/ui/demos/review.py",
    "workshop/ui/demos/code_review.py", "tests/test_case_study_stage6_review.py",
    "tests/ui/test_demo_review.py",
}


def _guide() -> str:
    text = (LESSONS / "README.md").read_text(encoding="utf-8")
    start = text.index(GUIDE_TITLE)
    return text[start:text.index("\n### ", start + len(GUIDE_TITLE))]


def _blocks(text: str, language: str) -> list[str]:
    return [re.sub(r"(?m)^   ", "", block)
            for block in re.findall(rf"```{language}\n(.*?)```", text, re.S)]


@pytest.fixture
def team_copy(tmp_path) -> Path:
    """The shipped lessons, copied to be changed as the guide says."""
    target = tmp_path / "lessons"
    shutil.copytree(LESSONS, target)
    return target


def test_the_template_is_outside_the_lessons_so_it_is_never_a_stage():
    """The template is not in lessons/: not shown, not validated, not run by the lesson
    tests (which read every lessons/*/checks.toml); the shipped lessons stay clean."""
    assert (TEMPLATE / "lesson.md").is_file() and (TEMPLATE / "checks.toml").is_file()
    assert not TEMPLATE.is_relative_to(LESSONS)
    assert validate_course(LESSONS) == []


def test_the_template_copied_and_registered_as_the_guide_says_validates_clean(team_copy):
    """Steps 1–3 of the guide, literally: copy the folder, add the guide's [[stage]] before
    the wrap-up, renumber the wrap-up, move the buffers — and the course is valid, with the
    new stage and one check of each simple kind."""
    [command] = _blocks(_guide(), "bash")
    source, target = command.split()[-2:]
    assert (ROOT / source).resolve() == TEMPLATE and target == "lessons/06-review"
    shutil.copytree(ROOT / source, team_copy.parent / target)
    [entry] = _blocks(_guide(), "toml")
    course = (team_copy / "course.toml").read_text(encoding="utf-8")
    wrap_up = course.index('[[stage]]\nid = "wrap-up"')
    course = course[:wrap_up] + entry + "\n" + course[wrap_up:].replace(
        "number = 6", "number = 7", 1)
    course = course.replace("buffer_minutes = 5 ", "buffer_minutes = 0 ", 1)
    course = course.replace("buffer_minutes = 30 ", "buffer_minutes = 10 ", 1)
    (team_copy / "course.toml").write_text(course, encoding="utf-8")

    assert validate_course(team_copy) == []
    loaded = load_course(team_copy)
    review = loaded.stage("review")
    assert (review.number, review.folder) == (6, "06-review")
    assert sorted(check.kind for check in review.checks) == [
        "multiple_choice", "numeric", "ordering", "single_choice"]
    assert review.lesson.checklist and review.lesson.tools


def test_the_template_alone_in_a_course_needs_only_its_stage_entry(team_copy):
    """Registered with zero minutes everywhere, the untouched template validates: every
    problem a team meets afterwards is one it wrote."""
    shutil.copytree(TEMPLATE, team_copy / "07-new")
    minutes = "\n".join(f"minutes.{agenda.id} = {{ teaching = 0, exercise = 0 }}"
                        for agenda in load_course(LESSONS).agendas)
    with (team_copy / "course.toml").open("a", encoding="utf-8") as course:
        course.write(f'\n[[stage]]\nid = "new"\nnumber = 7\nfolder = "07-new"\n'
                     f'title = "New"\nnav_title = "New"\n{minutes}\n')
    assert validate_course(team_copy) == []


def test_the_guide_names_files_that_exist():
    """Every path the guide points at exists, except the ones its example creates."""
    named = set(re.findall(r"`([\w./-]+/[\w./-]*)`", _guide()))
    top = r"\b((?:lessons|case_study|workshop|tests|docs)/[\w./-]+)"
    named |= set(re.findall(top, _guide()))
    named = {path.rstrip("/.") for path in named}
    assert {"docs/template-stage", "workshop/ui/stage_page.py", "case_study/cli.py"} <= named
    missing = sorted(path for path in named - NEW_IN_THE_EXAMPLE
                     if not (ROOT / path).exists())
    assert missing == []
    assert all(example.rstrip("/") in named for example in NEW_IN_THE_EXAMPLE)


def test_the_guide_names_functions_that_exist_and_its_demo_is_found_by_stage_id():
    """The demo is looked up by stage id as the guide says; the helpers it names exist."""
    assert demo_module_name("review") == "workshop.ui.demos.review"
    assert demo_module_name("code-review") == "workshop.ui.demos.code_review"
    sources = {"workshop/ui/stage_page.py": ("def demo_module_name", "DATA_FILES"),
               "workshop/ui/widgets.py": ("def side_by_side", "def friendly_errors",
                                          "def predict_first"),
               "case_study/cli.py": ("STAGE_MODULES",)}
    for path, names in sources.items():
        text = (ROOT / path).read_text(encoding="utf-8")
        assert all(name in text for name in names), path
    [demo] = _blocks(_guide(), "python")
    tree = ast.parse(demo)
    assert any(isinstance(node, ast.FunctionDef) and node.name == "render" for node in tree.body)


def test_the_readme_states_the_real_counts():
    """The format guide's sample output is what `python -m workshop validate` prints."""
    course = load_course(LESSONS)
    text = (LESSONS / "README.md").read_text(encoding="utf-8")
    assert (f"`OK: lessons — {len(course.stages)} stages, {len(course.checks)} checks, "
            f"{len(course.agendas)} agendas.`") in text
