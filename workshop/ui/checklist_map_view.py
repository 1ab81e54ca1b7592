"""The wrap-up's map: the course's checklist items beside the published checklists.

The map itself is data in :mod:`workshop.checklist_map`; the exported policy reads the same.
"""

from __future__ import annotations

from collections.abc import Collection

import pandas as pd
import streamlit as st

from workshop import checklist_map, policy
from workshop.ui.course_memo import CourseMemo
from workshop.ui.widgets import arrow_table

NONE = "—"

# The map depends on the course alone: (whether anything is mapped, the map as Arrow),
# built once per course instead of on every view of the wrap-up.
_MAPS = CourseMemo()


def map_frame(course) -> pd.DataFrame:
    """One row per checklist item of the course, one column per published checklist.

    Args:
        course: the loaded course.

    Returns:
        Columns ``Stage``, ``Practice`` and each checklist's short name; a cell lists the
        published items the practice answers (``NONE`` when it answers none of them).
    """
    rows = []
    for item in policy.policy_items(course):
        row = {"Stage": f"{item.stage_number} · {item.stage_title}", "Practice": item.item}
        mapped = {checklist.key: entries for checklist, entries in checklist_map.grouped(
            checklist_map.mapped_items(item.stage_id, item.item))}
        for checklist in checklist_map.PUBLISHED:
            entries = mapped.get(checklist.key, [])
            row[checklist.short] = "; ".join(e.text for e in entries) if entries else NONE
        rows.append(row)
    return pd.DataFrame(rows, columns=["Stage", "Practice",
                                       *(c.short for c in checklist_map.PUBLISHED)])


def coverage_lines(course, done: Collection[str]) -> list[str]:
    """One line per published checklist: how many of its checked items the ticks answer.

    Args:
        course: the loaded course.
        done: the keys of the practices ticked.

    Returns:
        Markdown lines, in :data:`workshop.checklist_map.PUBLISHED` order.
    """
    lines = []
    for checklist, rows in checklist_map.coverage(policy.policy_items(course), done):
        covered = sum(row.covered for row in rows)
        in_course = sum(bool(row.done or row.gaps) for row in rows)
        source = course.sources.get(checklist.source_id)
        cite = f" ({source.citation.split(',')[0]})" if source else ""
        lines.append(
            f"- **{checklist.name}**{cite}: what you ticked answers {covered} of the "
            f"{len(rows)} items checked for this course; the course's practices answer "
            f"{in_course}."
        )
    return lines


def _map_for(course) -> tuple[bool, object]:
    """(whether any practice of the course is mapped, the map as Arrow), once per course."""

    def build() -> tuple[bool, object]:
        mapped = any(checklist_map.mapped_items(item.stage_id, item.item)
                     for item in policy.policy_items(course))
        return mapped, (arrow_table(map_frame(course)) if mapped else None)

    return _MAPS.get(course, "map", build)


def render_checklist_map(course, done: Collection[str]) -> None:
    """Draw the map in an expander: coverage by the ticks, then the item-by-item table."""
    mapped, table = _map_for(course)
    if not mapped:
        return  # a team's own lessons the map does not name: nothing to show
    with st.expander("Where these practices stand in the published checklists"):
        st.markdown(
            "Each practice above, beside the items of four published checklists it answers. "
            "Only items checked against each checklist's source are mapped; a practice "
            f"marked {NONE} answers none of them (Stage 5's monitoring is in none of the four)."
        )
        st.markdown("\n".join(coverage_lines(course, done)))
        st.dataframe(table, hide_index=True)
