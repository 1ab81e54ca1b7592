"""The one ``+++`` TOML front-matter parser, for ``lesson.md`` and ``welcome.md``.

A file with front matter starts with a line ``+++``, then TOML, then another ``+++`` line;
the Markdown body follows.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass

FENCE = "+++"
PRESENT = "present"
ABSENT = "absent"  # the first line is not +++
UNCLOSED = "unclosed"  # it is, but no later line is


@dataclass(frozen=True)
class Split:
    """A file cut into front matter and body, with the line numbers each starts at.

    ``front`` is the TOML text (None unless ``status`` is ``PRESENT``, when it starts at
    line 2); ``body`` is the rest, starting at line ``body_line``: the whole file when there
    is no complete front matter.
    """

    status: str
    front: str | None
    body: str
    body_line: int = 1
    front_line: int = 2


def split(text: str) -> Split:
    """Cut ``text`` at its ``+++`` lines.

    Args:
        text: the whole file.

    Returns:
        A :class:`Split`; its ``status`` says whether front matter is present, absent or
        never closed.
    """
    lines = text.splitlines()
    if not lines or lines[0].strip() != FENCE:
        return Split(ABSENT, None, "\n".join(lines))
    for index in range(1, len(lines)):
        if lines[index].strip() == FENCE:
            return Split(PRESENT, "\n".join(lines[1:index]), "\n".join(lines[index + 1:]),
                         index + 2)
    return Split(UNCLOSED, None, "\n".join(lines))


def parse(text: str) -> tuple[dict, str]:
    """The front matter as a dict (empty when there is none) and the body.

    Args:
        text: the whole file.

    Returns:
        ``(fields, body)``.

    Raises:
        tomllib.TOMLDecodeError: the front matter is not valid TOML.
    """
    parts = split(text)
    fields = tomllib.loads(parts.front) if parts.front is not None else {}
    return fields, parts.body
