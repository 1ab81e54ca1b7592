"""The welcome page: what this is, how long each format takes, and start or resume.

The words come from ``lessons/welcome.md`` (loaded with the course), the formats from
``course.toml``'s agendas.

Kept light on purpose: nothing here imports scikit-learn or a case-study stage, so the
first page a learner opens appears at once.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from workshop.content import WELCOME_FILE, Welcome, parse_front_matter, validate_course
from workshop.ui import lesson_view, session, sidebar

# The welcome page's words: loaded with the course (``course.welcome``).
WelcomeText = Welcome


def parse_welcome(text: str, fallback_title: str) -> Welcome:
    """Split ``welcome.md`` into its TOML front matter (between ``+++`` lines) and body.

    The same parser the course loader uses; kept for callers that hold the text.

    Args:
        text: the file's text.
        fallback_title: used when the front matter has no title.

    Returns:
        A :class:`~workshop.content.Welcome`.

    Raises:
        tomllib.TOMLDecodeError: the front matter is not valid TOML.
    """
    meta, body = parse_front_matter(text)
    return Welcome.of(meta, body, fallback_title)


def _welcome(course) -> Welcome:
    """The course's welcome text; a welcome.md that could not be read is explained."""
    folder = lesson_view.lessons_dir()
    problems = [problem for problem in validate_course(folder)
                if Path(problem.file).name == WELCOME_FILE]
    if problems:
        # A broken welcome.md is a warning only: the course loads, titled by course.toml.
        st.error("\n".join(
            [f"`{WELCOME_FILE}` in `{folder}` could not be read. Fix its front matter (TOML "
             "between `+++` lines) or remove it.", ""]
            + [f"- {problem}" for problem in problems]))
    return course.welcome or Welcome(course.title)


def _duration(minutes: int | float) -> str:
    minutes = int(round(minutes))
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h {rest} min" if rest else f"{hours} h"


def agenda_rows(course) -> list[dict]:
    """One row per format (talk, tutorial, workshop): total time, buffer, minutes per stage.

    Each stage's minutes are teaching + exercise; everything is read from ``course.toml``.
    """
    rows = []
    for agenda in course.agendas:
        row = {"Format": agenda.title, "Length": _duration(agenda.minutes)}
        for stage in course.stages:
            timing = stage.minutes.get(agenda.id)
            total = (timing.teaching + timing.exercise) if timing else 0
            row[f"{stage.number} · {stage.nav_title}"] = _duration(total) if total else "—"
        row["Buffer"] = _duration(agenda.buffer_minutes) if agenda.buffer_minutes else "—"
        rows.append(row)
    return rows


def _cell(value: object) -> str:
    # A "|" inside a title would end the cell; a newline would end the row.
    return " ".join(str(value).split()).replace("|", "\\|")


def markdown_table(rows: list[dict]) -> str:
    """Rows of equal keys as a GitHub-flavoured Markdown table (header from the keys).

    Args:
        rows: the table's rows, e.g. from :func:`agenda_rows`.

    Returns:
        The table's Markdown, or "" for no rows.
    """
    if not rows:
        return ""
    header = list(rows[0])
    lines = ["| " + " | ".join(_cell(name) for name in header) + " |",
             "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(row.get(name, "")) for name in header) + " |"
              for row in rows]
    return "\n".join(lines)


def render_formats(course) -> None:
    """How long each format takes, from the course's agendas."""
    if not course.agendas:
        return
    st.subheader("How long it takes")
    st.markdown("  \n".join(f"- **{agenda.title}**: {_duration(agenda.minutes)}"
                            for agenda in course.agendas))
    with st.expander("Minutes per stage in each format"):
        # Plain Markdown, not st.table: the same cells, without serialising a DataFrame
        # to Arrow, which took about 40% of this page's run.
        st.markdown(markdown_table(agenda_rows(course)))


def render() -> None:
    """Draw the welcome page."""
    course = lesson_view.current_course()
    if course is None:
        return
    text = _welcome(course)
    st.title(text.title)
    if text.tagline:
        st.markdown(f"*{text.tagline}*")

    stages = sidebar.content_stages(course)
    if stages and st.button(text.start_label, key="welcome-start",
                            type="primary"):
        sidebar.go_to(course, stages[0].id)
    if text.body:
        st.markdown(text.body)
    render_formats(course)

    st.subheader("Start or resume")
    left, right = st.columns(2, gap="medium")
    with left:
        st.markdown("Your resume code on this server:")
        st.code(session.learner_code(), language=None)
        if stages and st.button(f"Start: {sidebar.stage_title(stages[0])} →",
                                key="welcome-start-bottom"):
            sidebar.go_to(course, stages[0].id)
    with right:
        st.markdown("Been here before? Enter your code to carry on where you left off.")
        session.resume_form("welcome")
