"""Reading Markdown prose: citations, stated figures, and the lines outside code blocks.

Code, link targets and task-list boxes are not prose, so no citation or figure is looked
for there. Used by the course rules (:mod:`workshop.content.lint`), by
``Course.citation`` and by the lesson body's sections.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
_CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1")
_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_URL = re.compile(r"<[a-z]+://[^>]*>|\b[a-z]+://\S+|<!--.*?-->")
_TASK_MARKER = re.compile(r"^(\s*(?:[-*+]|\d+[.)])\s+)\[[ xX]\]")
CITATION = re.compile(
    r"(?<![\w!\\\[])\[([a-z0-9][a-z0-9._-]*(?:\s*[,;]\s*[a-z0-9][a-z0-9._-]*)*)\](?![(:\]])"
)
_NUMBER = re.compile(r"(?<![\w.,])(\d+(?:,\d{3})*(?:\.\d+)*)(?!\w)(\s?(?:%|per ?cent\b))?")


def split_ids(group: str) -> list[str]:
    """The source ids of one ``[a, b; c]`` citation's inside, in order."""
    return [part.strip() for part in re.split(r"[,;]", group) if part.strip()]


def _scannable(line: str) -> str:
    # Code, link targets and task-list boxes are not prose: no citations or figures there.
    line = _TASK_MARKER.sub(r"\1", line)
    line = _CODE_SPAN.sub(" ", line)
    # A link keeps its text (a figure there still counts) but is no citation.
    line = _LINK.sub(r"\1", _IMAGE.sub(" ", line))
    return _URL.sub(" ", line)


class FenceTracker:
    """Follows fenced code blocks (```` ``` ```` or ``~~~``) line by line."""

    def __init__(self) -> None:
        self.fence: str | None = None

    def is_fence(self, line: str) -> bool:
        """Whether ``line`` opens or closes a block (updating the state); False otherwise."""
        match = FENCE.match(line)
        if not match:
            return False
        marker = match.group(1)
        if self.fence is None:
            self.fence = marker
        elif marker[0] == self.fence[0] and len(marker) >= len(self.fence):
            self.fence = None
        return True

    @property
    def in_code(self) -> bool:
        """Whether the last line seen is inside a code block."""
        return self.fence is not None


def prose_lines(text: str) -> Iterator[tuple[int, str]]:
    """(1-based line number, line) for each line outside fenced code blocks."""
    fences = FenceTracker()
    for number, line in enumerate(text.splitlines(), 1):
        if not fences.is_fence(line) and not fences.in_code:
            yield number, line


def citations(text: str) -> list[str]:
    """Every ``[source-id]`` cited in a text (outside code), in order, with repeats.

    Args:
        text: Markdown text; ``[a, b]`` cites two ids.

    Returns:
        The cited ids.
    """
    found = []
    for _, line in prose_lines(text):
        for match in CITATION.finditer(_scannable(line)):
            found.extend(split_ids(match.group(1)))
    return found


def figures(line: str) -> list[str]:
    """The figures a line of prose states: percentages, decimals, numbers of 3+ digits.

    Code spans, link targets and version strings such as ``1.9.1`` are not figures; nor are
    numbers glued to letters (``sha256``, ``L1.2``, ``v2``).

    Args:
        line: one line of Markdown.

    Returns:
        The figures as written, in order.
    """
    found = []
    for match in _NUMBER.finditer(CITATION.sub(" ", _scannable(line))):
        number, percent = match.group(1), match.group(2)
        dots = number.count(".")
        if percent or dots == 1 or (dots == 0 and len(number.replace(",", "")) >= 3):
            found.append(match.group(0).strip())
    return found


def uncited_figures(text: str) -> list[tuple[int, str]]:
    """Lines that state a figure but cite no ``[source-id]`` on the same line.

    Args:
        text: Markdown text (a lesson body, or one front-matter string).

    Returns:
        ``(line number within text, first figure on that line)`` for each such line.
    """
    found = []
    for number, line in prose_lines(text):
        stated = figures(line)
        if stated and not CITATION.search(_scannable(line)):
            found.append((number, stated[0]))
    return found
