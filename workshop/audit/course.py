"""The course's checklists, read straight from ``lessons/`` with :mod:`tomllib`.

The audit names, for each of its items, the stage and the lesson checklist item it gives
evidence for. This module finds that item's exact text and its policy key
(``"<stage_id>:<index>"``, the key the wrap-up page ticks, as in ``workshop.policy``) by the
text's opening words, so a reworded ending or a reordered checklist still resolves. It reads
only ``course.toml`` and each ``lesson.md``'s front matter; it does not import
``workshop.content``.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

LESSONS_DIR = Path(__file__).resolve().parents[2] / "lessons"


@dataclass(frozen=True)
class ChecklistEntry:
    """One lesson checklist item: its stage, position, policy key, text and tool names."""

    stage_id: str
    index: int
    item: str
    tools: tuple[str, ...]

    @property
    def key(self) -> str:
        """The policy key, ``"<stage_id>:<index>"``."""
        return f"{self.stage_id}:{self.index}"


def _front_matter(text: str) -> dict:
    parts = text.split("+++", 2)
    return tomllib.loads(parts[1]) if len(parts) == 3 and not parts[0].strip() else {}


@lru_cache(maxsize=4)
def load_checklists(lessons_dir: Path = LESSONS_DIR) -> tuple[tuple, dict]:
    """Every stage's checklist items and tool names.

    Args:
        lessons_dir: the folder holding ``course.toml``.

    Returns:
        ``(entries, tools)``: a tuple of :class:`ChecklistEntry` in course order, and a dict
        of stage id to the tuple of its ``[[tools]]`` names. Both are empty when the lessons
        cannot be read (an installed copy without ``lessons/``).
    """
    try:
        course = tomllib.loads((lessons_dir / "course.toml").read_text(encoding="utf-8"))
        entries, tools = [], {}
        for stage in course.get("stage", []):
            path = lessons_dir / stage["folder"] / "lesson.md"
            lesson = _front_matter(path.read_text(encoding="utf-8"))
            tools[stage["id"]] = tuple(t["name"] for t in lesson.get("tools", []))
            entries += [ChecklistEntry(stage["id"], index, entry["item"],
                                       tuple(entry.get("tools", ())))
                        for index, entry in enumerate(lesson.get("checklist", []))]
    except (OSError, KeyError, TypeError, tomllib.TOMLDecodeError):
        return (), {}
    return tuple(entries), tools


def find_entry(stage_id: str, opening: str,
               lessons_dir: Path = LESSONS_DIR) -> ChecklistEntry | None:
    """The stage's checklist item whose text starts with ``opening``, or None."""
    entries, _tools = load_checklists(lessons_dir)
    return next((e for e in entries
                 if e.stage_id == stage_id and e.item.startswith(opening)), None)
