"""The wrap-up page: the learner's results, the team policy, the progress download.

The results come as a table and a chart; the team's reproducibility policy is built from
the course's checklists.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Collection, Mapping

import altair as alt
import pandas as pd
import streamlit as st

from case_study.errors import CaseStudyError
from workshop import audit_import, policy
from workshop.check_model import Outcome
from workshop.errors import WorkshopError
from workshop.ui import check_widgets, checklist_map_view, lesson_view, pages, session, take_home
from workshop.ui.course_memo import CourseMemo
from workshop.ui.widgets import GREY, arrow_table, inline_data, vega_spec

OUTCOME_LABELS = {outcome.value: outcome.label for outcome in Outcome}
# One colour per outcome, fixed, so the legend means the same on every visit.
OUTCOME_COLOURS = {Outcome.PASSED.label: "#2e7d32", Outcome.REVEALED.label: "#f9a825",
                   Outcome.FAILED.label: "#c62828", Outcome.NOT_ATTEMPTED.label: GREY}
# Pixels per stage row of the results chart, and room for the axis and the legend: rows
# tall enough to read, and labels that are never cut off.
ROW_HEIGHT, CHART_MARGIN, LABEL_LIMIT = 36, 70, 320
RESULT_COLUMNS = ["Stage", "Check", "Question", "Outcome", "Attempts", "Hints", "Seconds"]

# The learner's policy ticks, {policy key: ticked}: the one source of truth for the
# checkboxes, kept in session state so it outlives the page's widgets. Every change goes
# through set_policy_ticks, where persistence in the progress store can plug in later.
POLICY_TICKS_KEY = "policy-ticks"
POLICY_SAVE_ERROR_KEY = "policy-save-error"
TICK_WIDGET_PREFIX = "policy-item-"
AUDIT_TEXT_KEY = "policy-audit-json"
AUDIT_BUTTON_KEY = "policy-audit-apply"
AUDIT_MESSAGE_KEY = "policy-audit-message"
MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")
AUDIT_COMMANDS = ("python -m workshop audit PATH --format json\n"
                  "# or, once the package is installed:\n"
                  "workshop audit PATH --format json")


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
            outcome = Outcome.of(record)
            rows.append({
                "Stage": f"{stage.number} · {stage.nav_title}",
                "Check": check.id,
                "Question": _first_line(check.prompt),
                "Outcome": outcome.label,
                "Attempts": int(getattr(record, "attempts", 0) or 0),
                "Hints": int(getattr(record, "hints_used", 0) or 0),
                "Seconds": round(float(getattr(record, "seconds", 0.0) or 0.0)),
            })
    return pd.DataFrame(rows, columns=RESULT_COLUMNS)


def outcome_chart(frame: pd.DataFrame) -> alt.Chart:
    """Checks per stage, stacked by outcome: one readable row per stage, every label whole."""
    stage_order = list(dict.fromkeys(frame["Stage"]))
    return (
        alt.Chart(inline_data(frame[["Stage", "Outcome"]]))
        .mark_bar(size=ROW_HEIGHT - 12)
        .encode(
            # Every stage labelled (no label dropped for overlap), none cut short.
            y=alt.Y("Stage:N", sort=stage_order, title=None,
                    scale=alt.Scale(domain=stage_order),
                    axis=alt.Axis(labelLimit=LABEL_LIMIT, labelOverlap=False,
                                  labelPadding=6)),
            x=alt.X("count():Q", title="checks",
                    axis=alt.Axis(tickMinStep=1, format="d", titlePadding=8)),
            color=alt.Color("Outcome:N",
                            scale=alt.Scale(domain=list(OUTCOME_COLOURS),
                                            range=list(OUTCOME_COLOURS.values())),
                            legend=alt.Legend(orient="bottom", title=None)),
            tooltip=[alt.Tooltip("Stage:N"), alt.Tooltip("Outcome:N"),
                     alt.Tooltip("count():Q", title="checks")],
        )
        # A fixed height (ROW_HEIGHT a stage): a discrete "step" height makes Vega drop
        # Streamlit's fit-to-width and warn in the browser console.
        .properties(height=ROW_HEIGHT * len(stage_order) + CHART_MARGIN,
                    padding={"left": 8, "right": 16, "top": 8, "bottom": 8},
                    description=_outcome_text(frame, len(stage_order)))
    )


def _outcome_text(frame: pd.DataFrame, stages: int) -> str:
    """The results chart in a sentence (announced by a screen reader): checks per outcome."""
    counts = frame["Outcome"].value_counts()
    parts = [f"{int(counts[outcome])} {outcome}" for outcome in OUTCOME_COLOURS
             if outcome in counts]
    return (f"Your {len(frame)} checks over {stages} stages, by outcome: "
            f"{', '.join(parts) or 'none'}.")


# The chart and the table depend only on the learner's rows: converted (altair's validation,
# Arrow) once per distinct set of rows in this process, not on every view of the wrap-up.
@st.cache_data(show_spinner=False, max_entries=512)
def _outcome_spec(rows: tuple[tuple[str, str], ...]) -> dict:
    """The results chart's spec for these (stage, outcome) rows, in course order."""
    return vega_spec(outcome_chart(pd.DataFrame(list(rows), columns=["Stage", "Outcome"])))


@functools.lru_cache(maxsize=512)
def _results_table(rows: tuple[tuple, ...]):
    """The results table (``RESULT_COLUMNS``) as Arrow, for ``st.dataframe``."""
    return arrow_table(pd.DataFrame(list(rows), columns=RESULT_COLUMNS))


def render_results(course, code: str) -> None:
    """The learner's results per stage and check: a table and a chart."""
    progress = session.get_store().progress_for(code)
    frame = results_frame(course, progress)
    st.subheader("Your results")
    if frame.empty:
        st.info("This course has no checks.")
        return
    done = int(frame["Outcome"].isin([Outcome.PASSED.label, Outcome.REVEALED.label]).sum())
    passed = int((frame["Outcome"] == Outcome.PASSED.label).sum())
    first, second, third = st.columns(3)
    first.metric("Checks passed", f"{passed} of {len(frame)}")
    second.metric("Passed or revealed", f"{done} of {len(frame)}")
    third.metric("Hints used", int(frame["Hints"].sum()))
    chart_rows = tuple(zip(frame["Stage"], frame["Outcome"], strict=True))
    st.vega_lite_chart(spec=_outcome_spec(chart_rows), width="stretch")
    st.dataframe(_results_table(tuple(frame.itertuples(index=False, name=None))),
                 hide_index=True, width="stretch")


def _tick_widget_key(key: str) -> str:
    """The checkbox key of the policy item with this policy key."""
    return f"{TICK_WIDGET_PREFIX}{key}"


def policy_ticks() -> dict[str, bool]:
    """The learner's policy ticks, by policy key (a copy).

    Read from the progress store once per session and learner, so ticks survive a reload,
    a restart and a resume on another machine; kept in the session after that.
    """
    code = session.learner_code()
    held = st.session_state.get(POLICY_TICKS_KEY)
    if not isinstance(held, dict) or held.get("code") != code:
        try:
            stored = session.get_store().policy_ticks(code)
        except WorkshopError as error:
            st.session_state[POLICY_SAVE_ERROR_KEY] = f"Your saved ticks could not be read: {error}"
            stored = {}
        # Another learner's checkboxes (after a resume with a code) must not carry over.
        for key in [k for k in st.session_state if str(k).startswith(TICK_WIDGET_PREFIX)]:
            del st.session_state[key]
        held = {"code": code, "ticks": dict(stored)}
        st.session_state[POLICY_TICKS_KEY] = held
    return dict(held["ticks"])


def set_policy_ticks(changes: Mapping[str, bool]) -> None:
    """Change some policy ticks: the one place ticks are written (session and store).

    Call it from a widget callback (or before the checkboxes are drawn): it sets the
    checkboxes too. A tick the store could not save stays ticked on screen, with a note
    that it was not saved.

    Args:
        changes: policy key -> ticked; keys not named keep their tick.
    """
    code = session.learner_code()
    ticks = {**policy_ticks(), **changes}
    st.session_state[POLICY_TICKS_KEY] = {"code": code, "ticks": ticks}
    st.session_state.pop(POLICY_SAVE_ERROR_KEY, None)
    store = session.get_store()
    for key, ticked in changes.items():
        st.session_state[_tick_widget_key(key)] = bool(ticked)
        try:
            store.set_policy_tick(code, key, bool(ticked))
        except WorkshopError as error:
            st.session_state[POLICY_SAVE_ERROR_KEY] = (
                f"Not saved — your ticks are on screen but not stored: {error} Try again.")


def apply_audit_report(course, text: str | bytes) -> audit_import.AuditImport:
    """Set the policy ticks from a pasted ``workshop audit --format json`` report.

    Args:
        course: the loaded course (its checklist items are the keys a report may name).
        text: the report as pasted.

    Returns:
        What the report said (``.summary`` is one sentence for the learner).

    Raises:
        AuditImportError: the text is not a usable report; no tick has changed.
    """
    result = audit_import.parse_report(text, policy.policy_keys(course))
    set_policy_ticks(result.changes)
    return result


def _on_tick(key: str) -> None:
    set_policy_ticks({key: bool(st.session_state.get(_tick_widget_key(key)))})


def _escape(text: str) -> str:
    """``text`` with every Markdown special character escaped (it may quote pasted input)."""
    return MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def _on_audit_apply(course) -> None:
    try:
        result = apply_audit_report(course, st.session_state.get(AUDIT_TEXT_KEY) or "")
    except audit_import.AuditImportError as error:
        st.session_state[AUDIT_MESSAGE_KEY] = ("error", _escape(str(error)))
        return
    where = f" of {_escape(result.folder)}" if result.folder else ""
    st.session_state[AUDIT_MESSAGE_KEY] = (
        "success", f"Ticks set from the audit{where}: {_escape(result.summary)} Check them "
        "below: the audit reads files only, so it can be wrong either way.")


def render_audit_import(course) -> None:
    """The audit command, and a box to paste its JSON report into to pre-fill the ticks."""
    with st.expander("Pre-fill the ticks from an audit of your project"):
        st.markdown("This command reads your project's files (it runs and imports none of "
                    "them) and reports, for each practice it can look for, whether it "
                    "found it. Run it in a terminal and paste its output below.")
        st.code(AUDIT_COMMANDS, language="bash")
        st.text_area("The report (JSON)", key=AUDIT_TEXT_KEY, height=150,
                     max_chars=audit_import.MAX_BYTES + 1,
                     placeholder='{"schema": "workshop-audit/1", "items": [...]}')
        st.button("Tick from the report", key=AUDIT_BUTTON_KEY, on_click=_on_audit_apply,
                  args=(course,))
        message = st.session_state.get(AUDIT_MESSAGE_KEY)
        if message:
            kind, text = message
            (st.error if kind == "error" else st.success)(text)


def _policy_checkbox(item, ticks: Mapping[str, bool]) -> bool:
    widget = _tick_widget_key(item.key)
    if widget not in st.session_state:  # drawn afresh (e.g. after another page)
        st.session_state[widget] = bool(ticks.get(item.key, False))
    return st.checkbox(item.item, key=widget, help=item.why or None, on_change=_on_tick,
                       args=(item.key,))


# The policy document depends on the course, the ticks and the team name alone: kept by
# (ticks, team) for the course being served, so a view that changed neither does not write
# the whole document again (about a tenth of the page's script time, measured).
_DOCUMENTS = CourseMemo(max_entries=256)


def policy_document(course, done: Collection[str], team: str | None) -> str:
    """``policy.policy_markdown(course, done, team=team)``, written once per distinct input."""
    return _DOCUMENTS.get(course, (tuple(sorted(done)), team),
                          lambda: policy.policy_markdown(course, done, team=team))


def render_policy(course) -> None:
    """Tick what the team does today; download the policy with the gaps and their tools."""
    st.subheader("Your team's reproducibility policy")
    st.markdown("Tick what your team **does today**. The document lists what you do, the "
                "gaps, and the tools that close them.")
    items = policy.policy_items(course)
    if not items:
        st.info("The lessons have no checklists to build a policy from.")
        return
    render_audit_import(course)
    team = st.text_input("Team name (optional)", key="policy-team")
    ticks = policy_ticks()
    if st.session_state.get(POLICY_SAVE_ERROR_KEY):
        st.error(st.session_state[POLICY_SAVE_ERROR_KEY])
    done: list[str] = []
    current_stage = None
    for item in items:
        if item.stage_id != current_stage:
            current_stage = item.stage_id
            st.markdown(f"**{item.stage_number} · {item.stage_title}**")
        if _policy_checkbox(item, ticks):
            done.append(item.key)
    checklist_map_view.render_checklist_map(course, done)
    document = policy_document(course, done, team or None)
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
    st.divider()
    take_home.render_take_home()
    if stage is not None:
        lesson_view.render_keypoints(stage.lesson)
        lesson_view.render_further_reading(stage.lesson)
