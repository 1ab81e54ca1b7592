"""The welcome page: what this is (from ``lessons/welcome.md``), how long each format takes
(from ``course.toml``'s agendas), and start or resume.

Kept light on purpose: nothing here imports scikit-learn or a case-study stage, so the
first page a learner opens appears at once.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field

import streamlit as st

from workshop.ui import lesson_view, session, sidebar

WELCOME_FILE = "welcome.md"
FRONT_MATTER = "+++"


@dataclass(frozen=True)
class WelcomeText:
    """The welcome page's words: front matter fields and the Markdown body."""

    title: str
    body: str
    meta: dict = field(default_factory=dict)


def parse_welcome(text: str, fallback_title: str) -> WelcomeText:
    """Split ``welcome.md`` into its TOML front matter (between ``+++`` lines) and body.

    Args:
        text: the file's text; fallback_title: used when the front matter has no title.
    Returns:
        A :class:`WelcomeText`.
    Raises:
        tomllib.TOMLDecodeError: the front matter is not valid TOML.
    """
    lines = text.splitlines()
    meta: dict = {}
    if lines and lines[0].strip() == FRONT_MATTER:
        try:
            end = next(i for i in range(1, len(lines)) if lines[i].strip() == FRONT_MATTER)
        except StopIteration:
            end = None
        if end is not None:
            meta = tomllib.loads("\n".join(lines[1:end]))
            lines = lines[end + 1:]
    title = str(meta.get("title") or fallback_title)
    return WelcomeText(title=title, body="\n".join(lines).strip(), meta=meta)


def _read_welcome(course) -> WelcomeText:
    path = lesson_view.lessons_dir() / WELCOME_FILE
    try:
        return parse_welcome(path.read_text(encoding="utf-8"), course.title)
    except FileNotFoundError:
        # A team's own lessons folder may have no welcome text: the course title will do.
        return WelcomeText(title=course.title, body="")
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        st.error(f"{path} could not be read: {error}. Fix its front matter (TOML between "
                 "`+++` lines) or remove it.")
        return WelcomeText(title=course.title, body="")


def _duration(minutes: int | float) -> str:
    minutes = int(round(minutes))
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h {rest} min" if rest else f"{hours} h"


def agenda_rows(course) -> list[dict]:
    """One row per format (talk, tutorial, workshop): total time, buffer, and the minutes
    each stage gets (teaching + exercise), all read from ``course.toml``."""
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
    text = _read_welcome(course)
    st.title(text.title)
    tagline = text.meta.get("tagline")
    if tagline:
        st.markdown(f"*{tagline}*")

    stages = sidebar.content_stages(course)
    if stages and st.button(str(text.meta.get("start_label") or "Start"), key="welcome-start",
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
