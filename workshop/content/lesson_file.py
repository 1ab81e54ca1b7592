"""Reading a stage's ``lesson.md`` and the course's ``welcome.md`` (front matter + Markdown)."""

from __future__ import annotations

from pathlib import Path

from workshop.content import frontmatter, lint, schema
from workshop.content.model import WARNING, ChecklistItem, Lesson, Metric, Tool, Welcome
from workshop.content.prose import FenceTracker, citations
from workshop.content.schema import CHECKLIST, FRONT_MATTER, METRIC, TOOL, Table
from workshop.content.where import Context, Where, did_you_mean, next_header, table_where

LESSON_FILE = "lesson.md"
WELCOME_FILE = "welcome.md"
FRONT_MATTER_FENCE = frontmatter.FENCE
REQUIRED_SECTIONS = ("Principle", "What goes wrong", "The fix", "Further reading")
REQUIRED_FRONT_MATTER = tuple(field.name for field in FRONT_MATTER.fields if field.required)


def _split(ctx: Context, path: Path, text: str) -> frontmatter.Split | None:
    parts = frontmatter.split(text)
    if parts.status == frontmatter.ABSENT:
        ctx.add(path, "line 1", "lesson.md does not start with TOML front matter",
                "start the file with a line +++, the front matter (title, questions, …), "
                "and another line +++")
        return None
    if parts.status == frontmatter.UNCLOSED:
        ctx.add(path, "line 1", "the front matter is never closed",
                "end the front matter with a line containing only +++")
        return None
    return parts


def split_sections(ctx: Context, path: Path, body: str, first_line: int) -> dict[str, str]:
    """The body's ``## `` sections in order (headings inside code blocks do not count).

    Args:
        ctx: the run.
        path: the lesson file.
        body: the Markdown after the front matter.
        first_line: the line of the file the body starts at.

    Returns:
        Each section's name and text; problems (a repeated, missing or empty required
        section, text before the first section) are recorded.
    """
    sections: dict[str, list[str]] = {}
    current = None
    preamble_line = None
    fences = FenceTracker()
    for number, line in enumerate(body.splitlines(), first_line):
        if not fences.is_fence(line) and not fences.in_code and line.startswith("## "):
            name = line[3:].strip().rstrip("#").strip()
            if name in sections:
                ctx.add(path, f"line {number}", f"the section '## {name}' appears twice",
                        "merge the two sections or rename one")
            current = name
            sections.setdefault(name, [])
        elif current is not None:
            sections[current].append(line)
        elif line.strip() and preamble_line is None:
            preamble_line = number
    if preamble_line is not None:
        ctx.add(path, f"line {preamble_line}", "text before the first '## ' section is not shown",
                "move it under a '## ' section (the title belongs in the front matter)", WARNING)
    result = {name: "\n".join(lines).strip("\n") for name, lines in sections.items()}
    _required_sections(ctx, path, result)
    return result


def _required_sections(ctx: Context, path: Path, sections: dict[str, str]) -> None:
    for name in REQUIRED_SECTIONS:
        if name not in sections:
            others = [n for n in sections if n not in REQUIRED_SECTIONS]
            ctx.add(path, "body", f"missing section '## {name}'{did_you_mean(name, others)}",
                    f"add a line '## {name}' followed by its text; every lesson needs "
                    f"{', '.join(REQUIRED_SECTIONS)}")
        elif not sections[name].strip():
            ctx.add(path, "body", f"the section '## {name}' is empty", "write its text")


def _entries(where: Where, data: dict, name: str, table: Table, cls: type,
             end: int) -> list:
    """The front matter's ``[[name]]`` tables as ``cls`` (those without problems)."""
    found = []
    items = schema.items(where, data, FRONT_MATTER, name)
    for index, item in enumerate(items):
        sub = table_where(where, name, index, len(items), end)
        entry = schema.build(cls, schema.read(sub, item, table))
        if entry is not None:
            found.append(entry)
    return found


def read_lesson(ctx: Context, folder: Path) -> Lesson | None:
    """Read and check ``folder/lesson.md``.

    Args:
        ctx: the run (``ctx.sources`` already read: the lesson's citations are checked).
        folder: the stage's folder.

    Returns:
        The :class:`Lesson`, or None when it has an error (recorded).
    """
    path = folder / LESSON_FILE
    text = schema.read_text(ctx, path, "lesson.md",
                            f"create {ctx.rel(path)} with front matter and the sections "
                            f"{', '.join(REQUIRED_SECTIONS)} (see lessons/README.md)")
    parts = None if text is None else _split(ctx, path, text)
    if parts is None:
        return None
    before = ctx.error_count
    sections = split_sections(ctx, path, parts.body, parts.body_line)
    lint.lesson_body(ctx, path, parts.body, parts.body_line)
    data = schema.parse_toml(ctx, path, parts.front, line_offset=parts.front_line - 1)
    if data is None:
        return None
    all_lines = tuple(text.splitlines())
    end = parts.body_line - 1  # the closing +++
    # The front matter's own keys: from its first line to its first [[table]].
    where = Where(ctx, path, "front matter", None, all_lines, parts.front_line,
                  min(next_header(all_lines, parts.front_line - 1), end))
    values = schema.read(where, data, FRONT_MATTER)
    lint.front_matter(ctx, where, data)
    checklist = _entries(where, data, "checklist", CHECKLIST, ChecklistItem, end)
    tools = _entries(where, data, "tools", TOOL, Tool, end)
    lint.checklist_tools(where, checklist, tools)
    metrics = _entries(where, data, "metrics", METRIC, Metric, end)
    if ctx.error_count > before or None in values.values():
        return None
    cited = []
    for source_id in citations(parts.front) + citations(parts.body):
        if source_id in ctx.sources and ctx.sources[source_id] not in cited:
            cited.append(ctx.sources[source_id])
    return Lesson(*values.values(), sections, tuple(checklist), tuple(tools), tuple(metrics),
                  tuple(cited))


def read_welcome(ctx: Context, course_title: str) -> Welcome:
    """Read ``welcome.md`` (optional): front matter (``title``, ``tagline``, …) and body.

    A file that cannot be read or parsed is a warning, not an error: the course still loads
    and the welcome page falls back to the course title.

    Args:
        ctx: the run.
        course_title: the title when the front matter gives none.

    Returns:
        The :class:`Welcome`.
    """
    path = ctx.lessons_dir / WELCOME_FILE
    if not path.is_file():
        return Welcome(course_title)
    text = schema.read_text(ctx, path, "welcome.md", "", severity=WARNING)
    if text is None:
        return Welcome(course_title)
    parts = frontmatter.split(text)
    meta = {} if parts.front is None else schema.parse_toml(
        ctx, path, parts.front, line_offset=parts.front_line - 1, severity=WARNING)
    if meta is None:
        return Welcome(course_title)
    return Welcome.of(meta, parts.body, course_title)
