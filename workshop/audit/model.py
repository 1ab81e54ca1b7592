"""The audit's plain data: a piece of evidence, a finding, and the three statuses.

Nothing here reads files; every other audit module builds or reads these.
"""

from __future__ import annotations

from dataclasses import dataclass, field

FOUND, MISSING, CANNOT_TELL = "found", "missing", "cannot_tell"
STATUSES = (FOUND, MISSING, CANNOT_TELL)
MAX_TEXT = 160


def clip(text: str, limit: int = MAX_TEXT) -> str:
    """One line of evidence text: whitespace collapsed, cut at ``limit`` characters.

    Args:
        text: any text, possibly several lines.
        limit: the longest result.

    Returns:
        The text on one line, ending in ``…`` when it was cut.
    """
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


@dataclass(frozen=True)
class Evidence:
    """Where something was seen: a file (relative to the audited folder), a line, the text.

    ``line`` is 1-based and None for a whole file; ``cell`` is the 1-based cell number for
    a notebook (then ``line`` counts within that cell).
    """

    path: str
    line: int | None
    text: str
    cell: int | None = None

    def where(self) -> str:
        """``path:line``, ``path cell N line M`` or just ``path``."""
        if self.cell is not None:
            line = f" line {self.line}" if self.line is not None else ""
            return f"{self.path} cell {self.cell}{line}"
        return f"{self.path}:{self.line}" if self.line is not None else self.path

    def as_dict(self) -> dict:
        """The evidence as JSON-ready data (keys ``path``, ``line``, ``cell``, ``text``)."""
        return {"path": self.path, "line": self.line, "cell": self.cell, "text": self.text}


@dataclass(frozen=True)
class Finding:
    """The verdict on one audit item: a status, what it rests on, and a one-line summary."""

    status: str
    summary: str
    evidence: tuple[Evidence, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"unknown status {self.status!r}")
