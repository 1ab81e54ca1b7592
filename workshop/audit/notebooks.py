"""Jupyter notebooks as Python source with a line map back to their cells.

A notebook is read as JSON (never run). Its code cells are joined into one source text so
the order of statements across cells is kept (a scaler fitted in cell 3 before a split in
cell 5 is still a fit before the split). IPython magics and shell escapes (lines starting
with ``%`` or ``!``) become blank lines, so line numbers keep their meaning. A cell that does
not parse on its own is left out and reported. Cells are numbered from 1 among all cells,
Markdown included, as they appear in the file.
"""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass, field

from workshop.errors import NotebookError


@dataclass
class NotebookCode:
    """The code cells joined, where each line came from, and the cells left out."""

    source: str
    line_map: list[tuple[int, int]] = field(default_factory=list)
    bad_cells: list[int] = field(default_factory=list)

    def locate(self, line: int) -> tuple[int, int]:
        """``(cell, line in cell)`` for a 1-based line of :attr:`source`."""
        if 1 <= line <= len(self.line_map):
            return self.line_map[line - 1]
        return (0, line)


def _cell_lines(cell: dict) -> list[str]:
    source = cell.get("source", "")
    if isinstance(source, list):
        source = "".join(str(part) for part in source)
    if not isinstance(source, str):
        return []
    lines = source.splitlines()
    return ["" if line.lstrip().startswith(("%", "!")) else line for line in lines]


def _parses(lines: list[str]) -> bool:
    try:
        ast.parse("\n".join(lines))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def notebook_code(text: str) -> NotebookCode:
    """Join a notebook's code cells into one Python source with a line map.

    Args:
        text: the ``.ipynb`` file's text.

    Returns:
        The :class:`NotebookCode`.

    Raises:
        NotebookError: the text is not JSON or has no list of cells.
    """
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as error:
        raise NotebookError(f"not valid JSON ({error.__class__.__name__})") from error
    cells = data.get("cells") if isinstance(data, dict) else None
    if not isinstance(cells, list):
        raise NotebookError("no list of cells (not the Jupyter notebook format)")
    lines: list[str] = []
    line_map: list[tuple[int, int]] = []
    bad: list[int] = []
    for number, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        cell_lines = _cell_lines(cell)
        if not _parses(cell_lines):
            bad.append(number)
            continue
        lines.extend(cell_lines)
        line_map.extend((number, index) for index in range(1, len(cell_lines) + 1))
    return NotebookCode("\n".join(lines) + "\n", line_map, bad)
