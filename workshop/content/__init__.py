"""The course's content: ``lessons/`` loaded into frozen dataclasses (content is data).

``load_course`` returns the :class:`Course` (or raises ``ContentError`` listing every
problem); ``validate_course`` returns every :class:`Problem` with its file, place and fix.

Loading runs on every page, so it stays cheap: standard-library ``tomllib`` only, functions
named by checks are found by reading their module's source with ``ast`` (never importing
it, so no scikit-learn), and results are cached until a file involved changes.

Modules: :mod:`.model` (the dataclasses), :mod:`.frontmatter` (the ``+++`` parser),
:mod:`.schema` (what each file holds, and the one reader), :mod:`.answers` (a check's
answer, per kind), :mod:`.lint` (course rules), :mod:`.prose` (citations and figures),
:mod:`.cache`, and :mod:`.loader` (the public entry points).
"""

from workshop.content.check_file import CHECKS_FILE
from workshop.content.course_file import COURSE_FILE, SOURCES_FILE
from workshop.content.frontmatter import parse as parse_front_matter
from workshop.content.lesson_file import (
    FRONT_MATTER_FENCE,
    LESSON_FILE,
    REQUIRED_FRONT_MATTER,
    REQUIRED_SECTIONS,
    WELCOME_FILE,
)
from workshop.content.loader import LESSONS_DIR, load_course, validate_course
from workshop.content.model import (
    ERROR,
    WARNING,
    Agenda,
    ChecklistItem,
    Course,
    Lesson,
    Metric,
    Problem,
    Source,
    Stage,
    Timing,
    Tool,
    Welcome,
)
from workshop.content.prose import citations, figures, uncited_figures
from workshop.errors import ContentError, UnknownAgendaError, UnknownCheckError, UnknownStageError

__all__ = [
    "CHECKS_FILE", "COURSE_FILE", "ERROR", "FRONT_MATTER_FENCE", "LESSONS_DIR", "LESSON_FILE",
    "REQUIRED_FRONT_MATTER", "REQUIRED_SECTIONS", "SOURCES_FILE", "WARNING", "WELCOME_FILE",
    "Agenda", "ChecklistItem", "ContentError", "Course", "Lesson", "Metric", "Problem",
    "Source", "Stage", "Timing", "Tool", "UnknownAgendaError", "UnknownCheckError",
    "UnknownStageError", "Welcome", "citations", "figures", "load_course",
    "parse_front_matter", "uncited_figures", "validate_course",
]
