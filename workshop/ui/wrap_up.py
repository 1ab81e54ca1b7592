"""The wrap-up page: the learner's results, the team policy, the progress download.

The results come as a table and a chart; the team's reproducibility policy is built from
the course's checklists.
"""

from __future__ import annotations

import re

import altair as alt
import pandas as pd
import streamlit as st

from case_study.errors import CaseStudyError
from workshop import policy
from workshop.errors import WorkshopError
from workshop.ui import check_widgets, lesson_view, pages, session

OUTCOME_LABELS = {
    "passed": "passed",
    "revealed": "revealed",
    "failed": "not passed yet",
    "not_attempted": "not attempted",
}
# One colour per outcome, fixed, so the legend means the same on every visit.
OUTCOME_COLOURS = {"passed": "#2e7d32", "revealed": "#f9a825",
                   "not passed yet": "#c62828", "not attempted": "#9e9e9e"}
RESULT_COLUMNS = ["Stage", "Check", "Question", "Outcome", "Attempts", "Hints", "Seconds"]


def _first_line(markdown: str, limit: int = 80) -> str:
    text = " ".join(re.sub(r"[*_`#>]", "", markdown).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def results_frame(course, progress) -> pd.DataFrame:
    """One row per check of the course: its stage, outcome, attempts, hints and time.

    Args:
        course: the loaded course.
        progress: ``store.progress_for(code)``.

    Returns:
        A DataFrame with columns ``RESULT_COLUMNS``, in course order.
    """
    rows = []
    for stage in course.stages:
        for check in stage.checks:
            record = progress.get(check.id)
            outcome = str(getattr(record, "outcome", "") or "not_attempted")
            rows.append({
                "Stage": f"{stage.number} · {stage.nav_title}",
                "Check": check.id,
                "Question": _first_line(check.prompt),
                "Outcome": OUTCOME_LABELS.get(outcome, outcome),
                "Attempts": int(getattr(record, "attempts", 0) or 0),
                "Hints": int(getattr(record, "hints_used", 0) or 0),
                "Seconds": round(float(getattr(record, "seconds", 0.0) or 0.0)),
            })
    return pd.DataFrame(rows, columns=RESULT_COLUMNS)


def outcome_chart(frame: pd.DataFrame) -> alt.Chart:
    """Checks per stage, stacked by outcome."""
    stage_order = list(dict.fromkeys(frame["Stage"]))
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            y=alt.Y("Stage:N", sort=stage_order, title=None),
            x=alt.X("count():Q", title="checks", axis=alt.Axis(tickMinStep=1, format="d")),
            color=alt.Color("Outcome:N",
                            scale=alt.Scale(domain=list(OUTCOME_COLOURS),
                                            range=list(OUTCOME_COLOURS.values())),
                            legend=alt.Legend(orient="bottom", title=None)),
            tooltip=[alt.Tooltip("Stage"), alt.Tooltip("Outcome"), alt.Tooltip("count()")],
        )
        # A fixed height (28 px a stage): a discrete "step" height makes Vega drop
        # Streamlit's fit-to-width and warn in the browser console.
        .properties(height=28 * len(stage_order) + 40)
    )


def render_results(course, code: str) -> None:
    """The learner's results per stage and check: a table and a chart."""
    progress = session.get_store().progress_for(code)
    frame = results_frame(course, progress)
    st.subheader("Your results")
    if frame.empty:
        st.info("This course has no checks.")
        return
    done = int(frame["Outcome"].isin(["passed", "revealed"]).sum())
    passed = int((frame["Outcome"] == "passed").sum())
    first, second, third = st.columns(3)
    first.metric("Checks passed", f"{passed} of {len(frame)}")
    second.metric("Passed or revealed", f"{done} of {len(frame)}")
    third.metric("Hints used", int(frame["Hints"].sum()))
    st.altair_chart(outcome_chart(frame), width="stretch")
    st.dataframe(frame, hide_index=True, width="stretch")


def render_policy(course) -> None:
    """Tick what the team does today; download the policy with the gaps and their tools."""
    st.subheader("Your team's reproducibility policy")
    st.markdown("Tick what your team **does today**. The document lists what you do, the "
                "gaps, and the tools that close them.")
    items = policy.policy_items(course)
    if not items:
        st.info("The lessons have no checklists to build a policy from.")
        return
    team = st.text_input("Team name (optional)", key="policy-team")
    done: list[str] = []
    current_stage = None
    for item in items:
        if item.stage_id != current_stage:
            current_stage = item.stage_id
            st.markdown(f"**{item.stage_number} · {item.stage_title}**")
        if st.checkbox(item.item, key=f"policy-{item.key}", help=item.why or None):
            done.append(item.key)
    document = policy.policy_markdown(course, done, team=team or None)
    st.download_button("Download the policy (Markdown)", data=document,
                       file_name="reproducibility-policy.md", mime="text/markdown",
                       key="policy-download", type="primary")
    with st.expander("Preview the policy"):
        # As code: the team name is the learner's text and is never rendered as Markdown.
        st.code(document, language="markdown")


def render_export(code: str) -> None:
    """Download everything stored about this learner, as JSON."""
    st.subheader("Your progress")
    try:
        exported = session.get_store().export_json(code)
    except (CaseStudyError, WorkshopError) as error:
        st.error(f"Your progress could not be exported. {error}")
        return
    st.download_button("Download my progress (JSON)", data=exported,
                       file_name=f"workshop-progress-{code}.json", mime="application/json",
                       key="progress-download")


def render() -> None:
    """Draw the wrap-up page."""
    course = lesson_view.current_course()
    if course is None:
        return
    code = session.learner_code()
    stage = pages.wrap_up_stage(course)
    st.title(stage.title if stage else "Wrap-up")
    if stage is not None:
        lesson_view.render_principle(stage.lesson)
    render_results(course, code)
    st.divider()
    render_policy(course)
    if stage is not None and stage.checks:
        st.divider()
        check_widgets.render_checks(course, stage, code, session.get_store())
    st.divider()
    render_export(code)
    if stage is not None:
        lesson_view.render_keypoints(stage.lesson)
        lesson_view.render_further_reading(stage.lesson)
