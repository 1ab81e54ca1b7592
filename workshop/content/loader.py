"""Loading a lessons folder: ``load_course`` and ``validate_course``.

``validate_course`` reads every file and returns every problem it finds — not just the
first — each as a :class:`~workshop.content.model.Problem` with the file, where in it, what
is wrong and how to fix it. ``load_course`` returns the
:class:`~workshop.content.model.Course`, or raises ``ContentError`` listing them. Both are
cached until a file involved changes (see :mod:`workshop.content.cache`).

``load_course_or_last_good`` is what a running server uses: when an edit breaks the
lessons it keeps serving the last course that loaded, returns the problems beside it, and
writes the full list to the server log once per change.
"""

from __future__ import annotations

import importlib
import logging
import threading
import time
from pathlib import Path
from typing import NamedTuple

from case_study import paths
from workshop.content import cache, lint
from workshop.content.check_file import read_checks
from workshop.content.course_file import read_course_file, read_sources
from workshop.content.lesson_file import read_lesson, read_welcome
from workshop.content.model import Course, Problem, Stage
from workshop.content.where import Context
from workshop.errors import ContentError

LESSONS_DIR = paths.LESSONS_DIR

log = logging.getLogger(__name__)
# Per folder: the problems tuple last written to the log (the cache returns the very same
# tuple object until a file changes, so "is" tells a new build from the same one).
_LOGGED: dict[str, tuple] = {}
_LOGGED_LOCK = threading.Lock()


class ServedCourse(NamedTuple):
    """The course a server shows, and what is wrong with the lesson files right now.

    Attributes:
        course: the course built from the files as they are now; else the last course that
            loaded from this folder in this process; None when none ever did.
        problems: the errors in the files as they are now; empty when ``course`` is current.
        loaded_at: when ``course`` was loaded (``time.time()``), or None.
    """

    course: Course | None
    problems: tuple[Problem, ...]
    loaded_at: float | None

    @property
    def stale(self) -> bool:
        """True when a last good course is served because the current files are broken."""
        return self.course is not None and bool(self.problems)


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



def _log_once(folder: Path, problems: tuple, served: ServedCourse) -> None:
    """Write the lessons' errors to the server log, once per build of the folder."""
    key = str(folder.resolve())
    with _LOGGED_LOCK:
        if _LOGGED.get(key) is problems:
            return
        previous, _LOGGED[key] = _LOGGED.get(key), problems
    if not served.problems:
        if previous is not None and any(problem.is_error for problem in previous):
            log.warning("The lessons in %s load again; serving the new version.", folder)
        return
    if served.course is None:
        what = "no course has loaded yet, so learners see an error page"
    else:
        what = ("learners keep the last good version, loaded at "
                f"{time.strftime('%H:%M:%S', time.localtime(served.loaded_at))}")
    log.error("The lessons in %s have %d problem(s); %s. Run `python -m workshop validate`. "
              "Problems:\n%s", folder, len(served.problems), what,
              "\n".join(f"  {problem}" for problem in served.problems))


def load_course_or_last_good(lessons_dir: Path | str = LESSONS_DIR) -> ServedCourse:
    """The course to serve: the current one, else the last good one, with the problems.

    A typo in one lesson file must not take every page offline for a whole room: while
    the files are broken this keeps the last course that loaded from the folder (in this
    process), and the errors go to the caller (to show the instructor) and, once per
    change, to the server log (``logging``, logger ``workshop.content.loader``).

    Args:
        lessons_dir: the folder holding ``course.toml`` (default: the project's ``lessons/``).

    Returns:
        A :class:`ServedCourse`. ``course`` is None only when the folder has never loaded.
    """
    folder = Path(lessons_dir)
    course, problems = cache.cached(folder, build)
    if course is not None:
        served = ServedCourse(course, (), (cache.last_good(folder) or (course, None))[1])
    else:
        kept_course, kept_at = cache.last_good(folder) or (None, None)
        errors = tuple(problem for problem in problems if problem.is_error)
        served = ServedCourse(kept_course, errors, kept_at)
    _log_once(folder, problems, served)
    return served
