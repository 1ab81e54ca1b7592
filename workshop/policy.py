"""The team's reproducibility policy, written out as a Markdown document.

The course's checklists, ticked for what a team does today, with the gaps and the tools
that close them.

Pure: no Streamlit, no file access. The wrap-up page collects the ticks; this module only
turns a course and a set of ticked keys into text, so it can be tested on its own.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from workshop import checklist_map
from workshop.content.prose import CITATION, split_ids

POLICY_TITLE = "Our reproducibility policy"


@dataclass(frozen=True)
class PolicyItem:
    """One checklist item of one stage, with the tools the lesson suggests for it."""

    key: str
    stage_id: str
    stage_number: int
    stage_title: str
    item: str
    why: str
    tools: tuple[str, ...]


def item_key(stage_id: str, index: int) -> str:
    """The stable key of a stage's ``index``-th checklist item (0-based).

    Args:
        stage_id: the stage's id, e.g. ``"model"``.
        index: the item's position in the stage's checklist.

    Returns:
        ``"<stage_id>:<index>"`` — used as the tick's key on the wrap-up page.
    """
    return f"{stage_id}:{index}"


def policy_items(course) -> list[PolicyItem]:
    """Every checklist item of the course, in stage order.

    Args:
        course: a ``workshop.content.Course`` (anything with ``stages``, each with ``id``,
            ``number``, ``title`` and ``lesson.checklist`` of items with ``item``, ``why``,
            ``tools``).

    Returns:
        One :class:`PolicyItem` per checklist item; stages without a checklist add none.
    """
    items: list[PolicyItem] = []
    for stage in course.stages:
        for index, entry in enumerate(stage.lesson.checklist):
            items.append(
                PolicyItem(
                    key=item_key(stage.id, index),
                    stage_id=stage.id,
                    stage_number=stage.number,
                    stage_title=stage.title,
                    item=entry.item,
                    why=entry.why,
                    tools=tuple(entry.tools),
                )
            )
    return items


def policy_keys(course) -> frozenset[str]:
    """The keys of every checklist item of the course (what an audit report may tick).

    Args:
        course: the loaded course (see :func:`policy_items`).

    Returns:
        Each item's :func:`item_key`.
    """
    return frozenset(item.key for item in policy_items(course))


def _tool_index(course) -> dict[str, object]:
    """Tool name → the first lesson ``Tool`` that describes it (for its use and link)."""
    tools: dict[str, object] = {}
    for stage in course.stages:
        for tool in stage.lesson.tools:
            tools.setdefault(tool.name, tool)
    return tools


def _one_line(text: str) -> str:
    """Collapse whitespace so a lesson's multi-line text stays one Markdown list item."""
    return " ".join(str(text).split())


def _describe_tool(name: str, tools: dict[str, object]) -> str:
    tool = tools.get(name)
    if tool is None:
        return f"**{name}**"
    url = getattr(tool, "url", None) or ""
    label = f"[{name}]({url})" if url else f"**{name}**"
    use = _one_line(getattr(tool, "use", "") or "")
    return f"{label} — {use}" if use else label


def _by_stage(items: Iterable[PolicyItem]) -> list[tuple[PolicyItem, list[PolicyItem]]]:
    """Group items by stage, keeping the course order; each group is headed by its first item."""
    groups: dict[str, list[PolicyItem]] = {}
    for item in items:
        groups.setdefault(item.stage_id, []).append(item)
    return [(group[0], group) for group in groups.values()]


def _heading(item: PolicyItem) -> str:
    return f"### {item.stage_number} · {_one_line(item.stage_title)}"


def policy_markdown(course, done: Collection[str], team: str | None = None) -> str:
    """Write the team's policy as Markdown.

    Args:
        course: the loaded course (see :func:`policy_items`).
        done: keys (from :func:`item_key`) of the items the team does today; unknown keys
            are ignored.
        team: optional team name for the title (collapsed to one line).

    Returns:
        A Markdown document: a summary count, "What we do today" (per stage), "Gaps, and
        the tools that close them" (per stage, each gap with why it matters and the
        suggested tools with what each is for), each item with the published checklist
        items it answers (:mod:`workshop.checklist_map`), then each published checklist's
        items with what answers them today, ending with a newline.
    """
    items = policy_items(course)
    done_keys = set(done)
    doing = [item for item in items if item.key in done_keys]
    gaps = [item for item in items if item.key not in done_keys]
    tools = _tool_index(course)

    team_name = _one_line(team) if team else ""
    title = f"{POLICY_TITLE}: {team_name}" if team_name else POLICY_TITLE
    lines = [f"# {title}", ""]
    course_title = _one_line(getattr(course, "title", "") or "")
    if course_title:
        lines += [f"Built from the checklists of *{course_title}*.", ""]
    lines += [f"We do **{len(doing)} of {len(items)}** practices today; "
              f"**{len(gaps)}** are gaps.", ""]

    lines += ["## What we do today", ""]
    if doing:
        for head, group in _by_stage(doing):
            lines += [_heading(head), ""]
            for item in group:
                lines.append(f"- [x] {_one_line(item.item)}")
                lines += _published_lines(item)
            lines.append("")
    else:
        lines += ["Nothing ticked yet.", ""]

    lines += ["## Gaps, and the tools that close them", ""]
    if gaps:
        for head, group in _by_stage(gaps):
            lines += [_heading(head), ""]
            for item in group:
                lines.append(f"- [ ] **{_one_line(item.item)}**")
                if item.why:
                    lines.append(f"  - Why: {_one_line(item.why)}")
                for name in item.tools:
                    lines.append(f"  - Tool: {_describe_tool(name, tools)}")
                lines += _published_lines(item)
            lines.append("")
    else:
        lines += ["None: every practice in the course is ticked.", ""]

    lines += _coverage_lines(items, done_keys)
    return _write_out_sources("\n".join(lines).rstrip("\n"), course) + "\n"


def _published_lines(item: PolicyItem) -> list[str]:
    """The published checklist items a course item answers, as one sub-bullet (or none)."""
    mapped = checklist_map.mapped_items(item.stage_id, item.item)
    if not mapped:
        return []
    parts = [f"{checklist.short}: {'; '.join(entry.text for entry in entries)} "
             f"[{checklist.source_id}]"
             for checklist, entries in checklist_map.grouped(mapped)]
    return [f"  - Published checklists: {' · '.join(parts)}"]


def _stages(items) -> str:
    """The stages of some items, each once, in course order: "1 · Solution design; 3 · …"."""
    names = dict.fromkeys(f"{item.stage_number} · {_one_line(item.stage_title)}" for item in items)
    return "; ".join(names)


def _coverage_lines(items: list[PolicyItem], done: set[str]) -> list[str]:
    """Each published checklist's checked items: answered today, by a gap, or by nothing."""
    if not any(checklist_map.mapped_items(item.stage_id, item.item) for item in items):
        return []
    lines = ["## The published checklists", "",
             "Each checklist's items this course checked: [x] a practice we do today answers "
             "it; [ ] only a gap does, or nothing in the course.", ""]
    for checklist, rows in checklist_map.coverage(items, done):
        lines += [f"### {checklist.name} [{checklist.source_id}]", ""]
        for row in rows:
            if row.done:
                how = f"we do it ({_stages(row.done)})"
            elif row.gaps:
                how = f"a gap ({_stages(row.gaps)})"
            else:
                how = "not covered by this course"
            lines.append(f"- [{'x' if row.covered else ' '}] {row.item.text} — {how}")
        lines.append("")
    return lines


def _write_out_sources(text: str, course) -> str:
    """``text`` with each ``[source-id]`` of the course numbered, and the sources listed.

    The policy is the team's document: it reads with numbered notes and full citations,
    not the course's internal source ids. Brackets that name no source (a task box) stay.
    """
    sources = getattr(course, "sources", {}) or {}
    numbers: dict[str, int] = {}

    def number(match: re.Match) -> str:
        ids = split_ids(match.group(1))
        if not ids or any(source_id not in sources for source_id in ids):
            return match.group(0)
        for source_id in ids:
            numbers.setdefault(source_id, len(numbers) + 1)
        return "[" + ", ".join(str(numbers[source_id]) for source_id in ids) + "]"

    text = CITATION.sub(number, text)
    if not numbers:
        return text
    listed = [f"{n}. {_one_line(sources[source_id].citation)}"
              for source_id, n in numbers.items()]
    return "\n".join([text, "", "## Sources", "", *listed])
