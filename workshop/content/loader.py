"""Loading a lessons folder: ``load_course`` and ``validate_course``.

``validate_course`` reads every file and returns every problem it finds — not just the
first — each as a :class:`~workshop.content.model.Problem` with the file, where in it, what
is wrong and how to fix it. ``load_course`` returns the
:class:`~workshop.content.model.Course`, or raises ``ContentError`` listing them. Both are
cached until a file involved changes (see :mod:`workshop.content.cache`).
"""

from __future__ import annotations

import importlib
from pathlib import Path

from case_study import paths
from workshop.content import cache, lint
from workshop.content.check_file import read_checks
from workshop.content.course_file import read_course_file, read_sources
from workshop.content.lesson_file import read_lesson, read_welcome
from workshop.content.model import Course, Problem, Stage
from workshop.content.where import Context
from workshop.errors import ContentError

LESSONS_DIR = paths.LESSONS_DIR


def _read_stages(ctx: Context, specs) -> tuple[list[Stage], set[str]]:
    stages, seen_checks, listed = [], {}, set()
    for spec in specs:
        if spec.folder is None:
            continue
        listed.add(spec.folder)
        folder = ctx.lessons_dir / spec.folder
        if not folder.is_dir():
            spec.where.add("folder", f"stage {spec.id!r} names the folder "
                           f"{ctx.rel(folder)}/, which does not exist",
                           f"create {ctx.rel(folder)}/ with lesson.md (and checks.toml), or fix "
                           "the folder name")
            continue
        lesson = read_lesson(ctx, folder)
        stage_checks = read_checks(ctx, folder, spec.id, seen_checks)
        if None in (lesson, stage_checks, spec.number, spec.title, spec.nav_title):
            continue
        stages.append(Stage(spec.id, spec.number, spec.title, spec.nav_title, spec.folder,
                            spec.minutes, lesson, stage_checks))
    return stages, listed


def build(lessons_dir: Path) -> tuple[Course | None, list[Problem], dict[str, str | None]]:
    """Read a lessons folder (uncached).

    Args:
        lessons_dir: the folder holding ``course.toml``.

    Returns:
        ``(course or None, every problem, module files the checks name -> digest read)``.
    """
    ctx = Context(lessons_dir)
    if not lessons_dir.is_dir():
        ctx.add(lessons_dir.as_posix(), "", "the lessons folder does not exist",
                "pass the folder that holds course.toml (default: the project's lessons/)")
        return None, ctx.problems, {}
    importlib.invalidate_caches()  # a module added since the last run must be found
    read_sources(ctx)
    read = read_course_file(ctx)
    if read is None:
        return None, ctx.problems, ctx.module_files
    title, agendas, specs = read
    stages, listed = _read_stages(ctx, specs)
    lint.unlisted_folders(ctx, listed)
    welcome = read_welcome(ctx, title or "")
    if ctx.error_count:
        return None, ctx.problems, ctx.module_files
    course = Course(title, tuple(agendas), tuple(stages), dict(ctx.sources), welcome)
    return course, ctx.problems, ctx.module_files


def validate_course(lessons_dir: Path | str = LESSONS_DIR) -> list[Problem]:
    """Check a lessons folder and return every problem found (errors and warnings).

    Args:
        lessons_dir: the folder holding ``course.toml``, ``sources.toml`` and one folder
            per stage (default: the project's ``lessons/``).

    Returns:
        Every :class:`Problem`, in file order; empty when the course is clean. Problems
        with ``severity == "warning"`` do not stop the course from loading.
    """
    return list(cache.cached(lessons_dir, build)[1])


def load_course(lessons_dir: Path | str = LESSONS_DIR) -> Course:
    """Load the course (cached until a lesson or check module changes; cheap on every page).

    Args:
        lessons_dir: the folder holding ``course.toml`` (default: the project's ``lessons/``).

    Returns:
        The :class:`Course`. Warnings (see ``validate_course``) do not stop it loading.

    Raises:
        ContentError: the lessons have at least one error; ``.problems`` lists them all.
    """
    course, problems = cache.cached(lessons_dir, build)
    if course is None:
        raise ContentError([problem for problem in problems if problem.is_error],
                           lessons_dir=Path(lessons_dir))
    return course

