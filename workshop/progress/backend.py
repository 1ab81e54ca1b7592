"""The small interface ``ProgressStore`` talks to: where progress is actually kept.

A backend does the database work and nothing else: each method is one short transaction,
safe to call from many threads of one process and from many processes at once, and a
method that returns has committed (a write acknowledged is a write kept). Codes, ids,
outcomes and names arrive already validated and cleaned by the store; timestamps are
taken from the backend's clock inside the transaction, so stored times follow commit
order. A backend that cannot do its work raises ``ProgressStoreError`` with a message that
says what to do, and never drops a write silently.

``workshop.progress.sqlite.SQLiteBackend`` (one file in the data folder) is the default.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

from workshop.progress.model import (
    CheckProgress,
    Event,
    HashReport,
    Learner,
    LearnerExport,
    ProgressChange,
    RecentFailures,
)


class ProgressBackend(Protocol):
    """Storage for learners, their progress on checks, and the events that changed it.

    Attributes:
        location: where the data lives, for messages (a file path; never a password).
        warnings: messages for the instructor, e.g. that a damaged store was moved aside
            (with paths and reasons); the backend appends to this same list while it runs.
        notices: one short message for learners per warning, with no path or detail.
    """

    location: str
    warnings: list[str]
    notices: list[str]

    def add_learner(self, code: str, display_name: str | None) -> Learner | None:
        """Insert a new learner; ``None`` (nothing written) if the code is taken."""

    def set_display_name(self, code: str, display_name: str | None) -> None:
        """Set a learner's display name, registering the code if it is unknown."""

    def touch(self, code: str) -> None:
        """Mark the learner as seen now, registering the code if it is unknown."""

    def record(self, change: ProgressChange) -> CheckProgress:
        """Apply one change to a check and log its event; returns the stored row."""

    def record_failure(self, scope: str, client: str) -> None:
        """Log one failed code attempt of ``scope`` by ``client``, at the backend's time."""

    def set_policy_tick(self, code: str, item_key: str, ticked: bool) -> None:
        """Store one policy tick, registering the code if it is unknown."""

    def report_hash(self, code: str, report: HashReport) -> None:
        """Store a learner's prediction hash (replacing their earlier one)."""

    def hash_reports(self) -> list[HashReport]:
        """Every learner's latest hash report, oldest first."""

    def failures(self, scope: str, window: timedelta,
                 client: str | None) -> RecentFailures:
        """Failed attempts of ``scope`` in the last ``window`` (of one client if given)."""

    def policy_ticks(self, code: str) -> dict[str, bool]:
        """One learner's policy ticks by item key."""

    def learner(self, code: str) -> Learner | None:
        """The learner with this canonical code, or ``None``."""

    def progress_for(self, code: str) -> list[CheckProgress]:
        """One learner's progress rows, in the order they were first touched."""

    def all_learners(self) -> list[Learner]:
        """Every learner, oldest first."""

    def all_progress(self) -> list[CheckProgress]:
        """Every progress row, by learner, then in the order first touched."""

    def events_since(self, since: datetime | None) -> list[Event]:
        """Events at or after ``since`` (all if ``None``), oldest first."""

    def export(self, code: str) -> LearnerExport:
        """One learner's row, progress and events, read in one transaction."""

    def close(self) -> None:
        """Release idle connections; the backend stays usable."""
