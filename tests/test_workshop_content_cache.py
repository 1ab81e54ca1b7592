"""The course cache: the same object while nothing changed, a reload at once after any edit
(lesson files, folders, the modules checks name), without reading unchanged files."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from tests.test_workshop_content_support import (
    FIXTURE_CODE,
    FIXTURE_MODULE,
    INTRO_LESSON,
    VALID,
    edit,
    private_course,
)
from workshop.content import load_course, validate_course


@pytest.fixture
def lessons(tmp_path, monkeypatch):
    """A private copy of the valid fixture course, free to break."""
    yield from private_course(tmp_path, monkeypatch)


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


def test_validate_and_load_share_one_build(lessons, monkeypatch):
    """validate_course and load_course ask the same cache: one build serves both."""
    from workshop.content import cache, loader

    builds = []
    build = loader.build
    monkeypatch.setattr(loader, "build", lambda folder: builds.append(folder) or build(folder))
    cache.clear()
    validate_course(lessons)
    load_course(lessons)
    validate_course(lessons)
    assert builds == [lessons.resolve()]


def test_an_added_folder_and_an_edited_welcome_are_picked_up_at_once(lessons):
    """The folder listing counts, and so does every .md file, welcome.md included."""
    first = load_course(lessons)
    (lessons / "welcome.md").write_text("+++\ntitle = \"Hi\"\n+++\n", encoding="utf-8")
    second = load_course(lessons)
    assert second is not first and second.welcome.title == "Hi"
    (lessons / "welcome.md").write_text("+++\ntitle = \"Ho\"\n+++\n", encoding="utf-8")
    assert load_course(lessons).welcome.title == "Ho"
    shutil.copytree(lessons / "01-practice", lessons / "02-draft")
    [warning] = validate_course(lessons)
    assert warning.file == "lessons/02-draft/"


def test_clearing_the_cache_builds_afresh(lessons):
    """cache.clear() forgets every course: the next load is a new, equal object."""
    from workshop.content import cache

    first = load_course(lessons)
    cache.clear()
    second = load_course(lessons)
    assert second is not first and second == first


def test_a_fingerprint_is_size_times_inode_and_device(tmp_path):
    """A missing file has none; rewriting a file with other bytes changes it."""
    from workshop.content import cache

    path = tmp_path / "f.toml"
    assert cache.fingerprint(str(path)) is None
    path.write_text("a = 1\n")
    before = cache.fingerprint(str(path))
    path.write_text("a = 22\n")
    after = cache.fingerprint(str(path))
    assert len(before) == 5 and before[0] == 6 and after[0] == 7
    assert cache.digest_file(str(path)) == cache.digest_bytes(b"a = 22\n")
