"""One exception family for the workshop engine (httpx-style: one root, one line each).

Every message says what was expected, what was found, and what to do. The UI catches
``WorkshopError`` at its edge and shows ``st.error``, never a traceback.
"""

from __future__ import annotations

from collections.abc import Iterable


class WorkshopError(Exception):
    """Root of every error the workshop engine raises on purpose."""


class ContentError(WorkshopError):
    """The lessons folder has problems; ``problems`` lists every one of them, not just the first."""

    def __init__(self, problems: Iterable, lessons_dir: object = None) -> None:
        self.problems = tuple(problems)
        self.lessons_dir = lessons_dir
        where = f" in {lessons_dir}" if lessons_dir is not None else ""
        lines = [f"The lessons{where} have {len(self.problems)} problem(s); "
                 "run `python -m workshop validate` for the same list:"]
        lines.extend(f"  {problem}" for problem in self.problems)
        super().__init__("\n".join(lines))


class UnknownStageError(WorkshopError, LookupError):
    """A stage id was asked for that the course does not have."""


class UnknownCheckError(WorkshopError, LookupError):
    """A check id was asked for that the course does not have."""


class UnknownAgendaError(WorkshopError, LookupError):
    """An agenda id was asked for that the course does not have."""


class AgendaError(WorkshopError):
    """Agenda timings are unusable (empty, duplicated, negative or not numbers)."""


class CheckFunctionError(WorkshopError):
    """A function a check names could not be found, imported or run, or returned the wrong shape."""


class GradingError(WorkshopError):
    """grade() was called wrongly: an unknown kind, or without the value the kind needs."""


class ProgressStoreError(WorkshopError):
    """The progress store cannot be opened, read or written; the message says what to do."""


class NotebookError(WorkshopError):
    """The audit met a file that is not a readable notebook (broken JSON or not the format)."""


class UnusableFolder(WorkshopError):
    """The path given to the audit cannot be audited (missing, not a folder, unreadable)."""


class AuditImportError(WorkshopError, ValueError):
    """The pasted text is not a usable audit report; the message says what is wrong."""


class HashReportError(WorkshopError, ValueError):
    """The pasted text or uploaded file is not a prediction hash nor a usable run manifest."""
