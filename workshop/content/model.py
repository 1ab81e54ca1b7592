"""The course as frozen dataclasses: what ``load_course`` returns and the UI reads.

Nothing here reads a file. :class:`Problem` is what validation reports.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from workshop.checks import Check
from workshop.content.prose import CITATION, split_ids
from workshop.errors import UnknownAgendaError, UnknownCheckError, UnknownStageError

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    """One thing wrong in the lessons: which file, where in it, what, and how to fix it.

    ``severity`` is ``"error"`` (the course does not load) or ``"warning"`` (it loads, but
    something is probably not what the author meant, such as an unlisted lesson folder).
    """

    file: str
    location: str
    message: str
    fix: str
    severity: str = ERROR

    @property
    def is_error(self) -> bool:
        """True for an error, False for a warning."""
        return self.severity == ERROR

    def describe(self, file: str | None = None) -> str:
        """``file:location: message — fix`` (``file`` overrides how the file is shown)."""
        file = self.file if file is None else file
        where = f"{file}:{self.location}" if self.location else file
        label = "warning: " if self.severity == WARNING else ""
        return f"{where}: {label}{self.message} — {self.fix}"

    def __str__(self) -> str:
        return self.describe()


@dataclass(frozen=True)
class Timing:
    """Minutes a stage gets in one agenda: teaching and exercise."""

    teaching: int
    exercise: int

    @property
    def total(self) -> int:
        """Teaching plus exercise minutes."""
        return self.teaching + self.exercise


@dataclass(frozen=True)
class Agenda:
    """One way to run the course (talk, tutorial, workshop) and its length in minutes."""

    id: str
    title: str
    minutes: int
    buffer_minutes: int = 0


@dataclass(frozen=True)
class Source:
    """A citable source from ``lessons/sources.toml``."""

    id: str
    citation: str
    where: str = ""


@dataclass(frozen=True)
class ChecklistItem:
    """One item of a stage's checklist, why it matters, and the tools that help."""

    item: str
    why: str
    tools: tuple[str, ...] = ()


@dataclass(frozen=True)
class Tool:
    """A suggested technical tool; ``shown_here`` says whether the app demonstrates it."""

    name: str
    use: str
    shown_here: bool = False
    url: str = ""


@dataclass(frozen=True)
class Metric:
    """A metric a team can track for this stage."""

    name: str
    description: str


@dataclass(frozen=True)
class Lesson:
    """A stage's ``lesson.md``: front matter fields and the body's ``## `` sections in order.

    ``sources`` are the sources the lesson cites, in order of first citation.
    """

    title: str
    questions: tuple[str, ...]
    objectives: tuple[str, ...]
    keypoints: tuple[str, ...]
    presenter_notes: str
    sections: dict[str, str]
    checklist: tuple[ChecklistItem, ...] = ()
    tools: tuple[Tool, ...] = ()
    metrics: tuple[Metric, ...] = ()
    sources: tuple[Source, ...] = ()


@dataclass(frozen=True)
class Welcome:
    """The welcome page's words, from ``lessons/welcome.md`` (optional).

    ``title`` is the front matter's ``title``, else the course title; ``meta`` holds every
    front matter field (``tagline``, ``start_label``, …); ``body`` is the Markdown after it.
    """

    title: str
    body: str = ""
    meta: dict = field(default_factory=dict)

    @classmethod
    def of(cls, meta: dict, body: str, fallback_title: str) -> Welcome:
        """The welcome text from parsed front matter and body.

        Args:
            meta: the front matter's fields.
            body: the Markdown after it.
            fallback_title: the title when ``meta`` has none (the course title).

        Returns:
            The :class:`Welcome`, its body stripped of surrounding blank lines.
        """
        return cls(str(meta.get("title") or fallback_title), body.strip(), meta)

    @property
    def tagline(self) -> str:
        """The line shown under the title ("" when there is none)."""
        return str(self.meta.get("tagline") or "")

    @property
    def start_label(self) -> str:
        """The start button's label (default "Start")."""
        return str(self.meta.get("start_label") or "Start")


@dataclass(frozen=True)
class Stage:
    """One stage of the course: its place, timings per agenda, lesson and checks."""

    id: str
    number: int
    title: str
    nav_title: str
    folder: str
    minutes: dict[str, Timing]
    lesson: Lesson
    checks: tuple[Check, ...] = ()

    def timing(self, agenda_id: str) -> Timing:
        """The stage's minutes in one agenda; raises UnknownAgendaError for an unknown id."""
        try:
            return self.minutes[agenda_id]
        except KeyError:
            raise UnknownAgendaError(
                f"Stage {self.id!r} has no timing for agenda {agenda_id!r}; it has "
                f"{', '.join(self.minutes) or 'none'}."
            ) from None


@dataclass(frozen=True)
class Course:
    """The whole course: title, agendas, stages in order, every citable source, welcome text.

    ``welcome`` is ``lessons/welcome.md`` as loaded with the course (titled by the course
    when the file is missing or unreadable).
    """

    title: str
    agendas: tuple[Agenda, ...]
    stages: tuple[Stage, ...]
    sources: dict[str, Source] = field(default_factory=dict)
    welcome: Welcome | None = None

    @property
    def checks(self) -> tuple[Check, ...]:
        """Every check of every stage, in course order."""
        return tuple(check for stage in self.stages for check in stage.checks)

    def stage(self, stage_id: str) -> Stage:
        """The stage with this id; raises UnknownStageError (naming the known ids) otherwise."""
        for stage in self.stages:
            if stage.id == stage_id:
                return stage
        raise UnknownStageError(
            f"There is no stage {stage_id!r} in the course; the stages are "
            f"{', '.join(s.id for s in self.stages)}."
        )

    def check(self, check_id: str) -> Check:
        """The check with this id; raises UnknownCheckError otherwise."""
        for check in self.checks:
            if check.id == check_id:
                return check
        raise UnknownCheckError(
            f"There is no check {check_id!r} in the course ({len(self.checks)} checks). "
            "Check ids are the `id` fields in lessons/*/checks.toml."
        )

    def agenda(self, agenda_id: str) -> Agenda:
        """The agenda with this id; raises UnknownAgendaError otherwise."""
        for agenda in self.agendas:
            if agenda.id == agenda_id:
                return agenda
        raise UnknownAgendaError(
            f"There is no agenda {agenda_id!r}; the agendas are "
            f"{', '.join(a.id for a in self.agendas)}."
        )

    def citation(self, reference: str) -> str:
        """A check reference made readable for display.

        A bare source id becomes its full citation, and ``[id]`` inside text is followed by
        the citation in parentheses.
        """
        if reference.strip() in self.sources:
            return self.sources[reference.strip()].citation

        def expand(match: re.Match) -> str:
            known = [self.sources[i].citation for i in split_ids(match.group(1))
                     if i in self.sources]
            return f"{match.group(0)} ({'; '.join(known)})" if known else match.group(0)

        return CITATION.sub(expand, reference)
