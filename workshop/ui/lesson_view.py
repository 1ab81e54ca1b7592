"""Loading the course once (cached) and drawing a stage's lesson.

The principle and the other sections from ``lesson.md``, and its Checklist · Tools · Metrics.

All prose comes from ``lessons/``; this module only lays it out.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from workshop import settings
from workshop.content import ContentError
from workshop.content.loader import ServedCourse, load_course_or_last_good

LESSONS_ENV = settings.LESSONS_DIR_ENV
VALIDATE_COMMAND = "python -m workshop validate"
PRINCIPLE = "Principle"
FURTHER_READING = "Further reading"
# Sections drawn in their own places on the page; any other section a team adds is shown
# after "What goes wrong" and "The fix", in the order of the file.
PLACED_SECTIONS = (PRINCIPLE, FURTHER_READING)


def lessons_dir() -> Path:
    """The lessons folder, from ``workshop.settings``.

    ``WORKSHOP_LESSONS_DIR`` when set (tests, a team's own copy), else the project's
    ``lessons/``.
    """
    return settings.lessons_dir()


def served_course() -> ServedCourse:
    """The course this server shows, and the lesson files' current errors (cached, cheap).

    ``workshop.content.loader.load_course_or_last_good``: while an edit has broken the
    lessons, the last course that loaded keeps being served, the problems come back beside
    it, and the full list goes to the server log once per change.
    """
    return served_this_run(lessons_dir())


# A page run asks for the course two or three times (the router, the page, a demo's locked
# button): the files are checked on the first ask of each run, and the answer kept on the
# run's context until the run ends (Streamlit gives each run, full or fragment, a new
# ``cursors``).
_RUN_MEMO = "workshop_served_course"


def served_this_run(folder: Path) -> ServedCourse:
    """``load_course_or_last_good(folder)``, checked once per script run.

    Outside a script run (tests, the command line) every call checks the files.
    """
    ctx = get_script_run_ctx(suppress_warning=True)
    run = getattr(ctx, "cursors", None)
    memo = getattr(ctx, _RUN_MEMO, None)
    if run is None:
        return load_course_or_last_good(folder)
    if memo is None or memo[0] is not run:
        memo = (run, {})
        setattr(ctx, _RUN_MEMO, memo)
    key = str(folder)
    if key not in memo[1]:
        memo[1][key] = load_course_or_last_good(folder)
    return memo[1][key]


def current_course():
    """The course, loaded once per lessons folder and edit; the last good one while broken.

    ``workshop.content.load_course_or_last_good`` keeps the parsed course per folder until a
    lesson file or a module a check names changes (one ``os.stat`` each, and a content
    comparison for files edited moments ago), so a page run reads no file and an edit is
    picked up at once. A Streamlit cache on top would only go stale on those module edits.

    A broken edit does not take the room offline: learners keep the last course that
    loaded, with no problem list; the instructor page lists the problems
    (``workshop.ui.instructor_page``) and the server log has them.

    Returns:
        the ``Course``, or None when no course has loaded since the server started, after
        drawing :func:`show_course_offline` (never a traceback).
    """
    folder = lessons_dir()
    served = served_this_run(folder)
    if served.course is not None:
        return served.course
    show_course_offline(served.problems, folder)
    return None


def show_course_offline(problems, folder: Path) -> None:
    """No course has loaded yet: who sees what.

    With instructor mode on (a room), learners get one short sentence and the instructor,
    once unlocked here, the full list: the router stops before any page is registered, so
    the unlock form is drawn in place. Without instructor mode the server is someone's own
    laptop, whose user is the lessons' author: the full list, with where and how to fix.
    """
    if settings.instructor_code() is None:
        show_content_error(ContentError(problems, lessons_dir=folder), folder)
        return
    st.error("The course files have problems, so the course cannot be shown yet. "
             "Ask the instructor.")
    from workshop.ui import instructor_page  # here: instructor_page imports this module

    instructor_page.render_offline_problems(problems, folder)


def problem_lines(problems) -> list[str]:
    """Each problem as a Markdown list item: where it is, what is wrong, and the fix."""
    lines = []
    for problem in problems:
        where = " ".join(part for part in (str(getattr(problem, "file", "") or ""),
                                           str(getattr(problem, "location", "") or "")) if part)
        fix = getattr(problem, "fix", "") or ""
        lines.append(f"- `{where}`: {problem.message}" + (f" — *Fix:* {fix}" if fix else ""))
    return lines


def show_content_error(error: ContentError, folder: Path) -> None:
    """Explain broken lesson files: each problem with where it is and how to fix it."""
    problems = list(getattr(error, "problems", []) or [])
    lines = [f"**The lessons in `{folder}` could not be loaded.** "
             f"Fix the problems below, then reload the page. "
             f"Run `{VALIDATE_COMMAND}` to check every lesson file at once.", ""]
    lines.extend(problem_lines(problems) if problems else [f"- {error}"])
    st.error("\n".join(lines))


def _section(lesson, name: str) -> str:
    return (lesson.sections.get(name) or "").strip()


def render_principle(lesson) -> None:
    """The lesson's principle, as written in ``## Principle``."""
    text = _section(lesson, PRINCIPLE)
    if text:
        st.markdown(text)


def render_questions(lesson) -> None:
    """The lesson's questions and objectives, folded away (Carpentries style)."""
    if not (lesson.questions or lesson.objectives):
        return
    parts = []
    if lesson.questions:
        parts.append("**Questions**\n\n" + "\n".join(f"- {q}" for q in lesson.questions))
    if lesson.objectives:
        parts.append("**Objectives**\n\n" + "\n".join(f"- {o}" for o in lesson.objectives))
    with st.expander("Questions and objectives"):
        st.markdown("\n\n".join(parts))  # one element: every page run draws it


def render_story(lesson) -> None:
    """'What goes wrong' next to 'The fix', then any section a team added."""
    wrong, fix = _section(lesson, "What goes wrong"), _section(lesson, "The fix")
    if wrong or fix:
        left, right = st.columns(2, gap="medium")
        left.markdown(_headed("What goes wrong", wrong))
        right.markdown(_headed("The fix", fix))
    for name, text in lesson.sections.items():
        if name in PLACED_SECTIONS or name in ("What goes wrong", "The fix") or not text.strip():
            continue
        st.markdown(_headed(name, text))


def _headed(heading: str, text: str) -> str:
    """A section as one Markdown element: its ``####`` heading, then its text.

    One element rather than two: a page run pays for each element it draws, and the
    learner sees the same heading and text.
    """
    return f"#### {heading}\n\n{text}" if text else f"#### {heading}"


def render_checklist_tools_metrics(lesson) -> None:
    """The talk's three companions of every stage: a checklist, tools and metrics, in tabs."""
    checklist_tab, tools_tab, metrics_tab = st.tabs(["Checklist", "Tools", "Metrics"])
    # Each tab's entries as one Markdown list (one element, not one per entry).
    with checklist_tab:
        if not lesson.checklist:
            st.caption("This stage has no checklist.")
        else:
            st.markdown("\n".join(_checklist_item(entry) for entry in lesson.checklist))
    with tools_tab:
        if not lesson.tools:
            st.caption("This stage names no tools.")
        else:
            st.markdown("\n".join(_tool_item(tool) for tool in lesson.tools))
    with metrics_tab:
        if not lesson.metrics:
            st.caption("This stage names no metrics.")
        else:
            st.markdown("\n".join(f"- **{metric.name}**: {metric.description}"
                                   for metric in lesson.metrics))


def _checklist_item(entry) -> str:
    tools = ", ".join(entry.tools)
    extra = f"  \n  *Tools:* {tools}" if tools else ""
    return f"- **{entry.item}**  \n  {entry.why}{extra}"


def _tool_item(tool) -> str:
    url = getattr(tool, "url", "") or ""
    name = f"[{tool.name}]({url})" if url else f"**{tool.name}**"
    shown = " — *shown in this app*" if tool.shown_here else ""
    return f"- {name}{shown}: {tool.use}"


def render_keypoints(lesson) -> None:
    """The lesson's key points, as a short list."""
    if lesson.keypoints:
        st.markdown("#### Key points\n\n" + "\n".join(f"- {point}" for point in lesson.keypoints))


def render_further_reading(lesson) -> None:
    """The lesson's 'Further reading' and the full citation of every source it cites."""
    text = _section(lesson, FURTHER_READING)
    sources = list(getattr(lesson, "sources", []) or [])
    if not (text or sources):
        return
    st.markdown(_headed(FURTHER_READING, text))
    if sources:
        st.caption("Sources cited on this page")
        st.markdown("\n".join(f"- [{source.id}] {source.citation}" for source in sources))
