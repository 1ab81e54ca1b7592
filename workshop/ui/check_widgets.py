"""One check, drawn for its kind: answer widgets, Submit · Hint · Reveal, feedback.

The feedback comes from ``grade()``; the explanation and references follow a pass or a
reveal. Grading is pure (``workshop.checks``); this module only collects the answer, records what
happened in the progress store, and shows the result. Every widget key starts with the
check id, so two checks on a page never share state.

On a stage page each check is a fragment of its own (``render_checks(isolated=True)``): its
buttons and answer widgets rerun only that check, not the page. The sidebar's page links are
a keyed fragment too (``sidebar.MARKS_FRAGMENT_KEY``), rerun with the check after a press of
Submit, Hint or Reveal, so a stage's mark (· ◐ ✓) follows at once.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass

import streamlit as st
from streamlit.errors import StreamlitAPIException
from streamlit.runtime.scriptrunner import get_script_run_ctx

from case_study.errors import CaseStudyError
from workshop import checks as engine
from workshop.errors import WorkshopError
from workshop.ui.last_resort import show_unexpected
from workshop.ui.sidebar import MARKS_FRAGMENT_KEY, stage_mark
from workshop.ui.sidebar import NONE as MARK_NONE

PASSED, FAILED, REVEALED, NOT_ATTEMPTED = "passed", "failed", "revealed", "not_attempted"
FINISHED = frozenset({PASSED, REVEALED})

# What the Submit button says for each kind: predict-then-run and hands-on do more than
# submit, and the button should say so.
SUBMIT_LABELS = {
    "predict_then_run": "Commit my prediction, then run",
    "hands_on": "Run twice in fresh processes",
}


@dataclass(frozen=True)
class Answer:
    """What the learner entered: a value to grade, or why there is nothing to grade yet."""

    value: object = None
    missing: str = ""


def _value(outcome) -> str:
    """An Outcome (str enum) or a plain string, as its value."""
    return str(getattr(outcome, "value", outcome) or "")


def _ui_key(check) -> str:
    return f"{check.id}-ui"


def _ui_state(check, progress) -> dict:
    """This check's screen state in this session (plain values, one guarded key).

    Starts from the stored progress, so after a refresh the hints already taken are shown
    again and a passed or revealed check stays finished.
    """
    key = _ui_key(check)
    if key not in st.session_state:
        st.session_state[key] = {
            # Time on a check is counted from when it was first shown; the store adds up
            # the seconds of each attempt, so each attempt sends the time since the last.
            "since": time.time(),
            "hints_shown": int(getattr(progress, "hints_used", 0) or 0),
            "result": None,
            "prediction": None,
            "actual": None,
        }
    return st.session_state[key]


def _options(check) -> dict[str, object]:
    return {option.key: option for option in check.options}


def _option_text(check, key) -> str:
    option = _options(check).get(key)
    return option.text if option is not None else str(key)


def _shuffled_keys(check) -> list[str]:
    # A fixed shuffle per check (not Python's salted hash: the order must not change
    # between server processes), so an ordering check's list does not give the order away.
    return sorted(_options(check),
                  key=lambda key: hashlib.sha256(f"{check.id}|{key}".encode()).hexdigest())


def _decimals(check) -> int:
    tolerance = check.tolerance or 0
    if tolerance <= 0:
        return 3
    # One digit finer than the tolerance: enough to see whether an answer is inside it.
    return int(min(6, max(1, 1 - math.floor(math.log10(tolerance)))))


def _number_label(label: str, check) -> str:
    return f"{label} ({check.unit})" if getattr(check, "unit", None) else label


def _format_number(value, check) -> str:
    if value is None:
        return "—"
    text = f"{float(value):.{_decimals(check)}f}"
    return f"{text} {check.unit}" if getattr(check, "unit", None) else text


# --- answer widgets, one per kind -------------------------------------------------------

def _single_choice(check, disabled: bool) -> Answer:
    choice = st.radio("Your answer", list(_options(check)), index=None,
                      format_func=lambda key: _option_text(check, key),
                      key=f"{check.id}-answer", disabled=disabled)
    return Answer(choice) if choice is not None else Answer(missing="Choose an answer first.")


def _ticked_keys(check, disabled: bool) -> list[str]:
    return [option.key for option in check.options
            if st.checkbox(option.text, key=f"{check.id}-option-{option.key}", disabled=disabled)]


def _multiple_choice(check, disabled: bool) -> Answer:
    st.caption("Tick every answer that applies.")
    return Answer(_ticked_keys(check, disabled))


def _numeric(check, disabled: bool, label: str = "Your answer") -> Answer:
    number = st.number_input(_number_label(label, check), value=None,
                             step=10.0 ** -_decimals(check), format=f"%.{_decimals(check)}f",
                             key=f"{check.id}-answer", disabled=disabled)
    if number is None:
        return Answer(missing="Enter a number first.")
    if not math.isfinite(number):
        return Answer(missing="Enter a finite number.")
    return Answer(float(number))


def _ordering(check, disabled: bool) -> Answer:
    st.caption("Choose one item for each position, first to last.")
    keys = _shuffled_keys(check)
    chosen = [st.selectbox(f"Position {position}", keys, index=None,
                           format_func=lambda key: _option_text(check, key),
                           key=f"{check.id}-position-{position}", disabled=disabled)
              for position in range(1, len(keys) + 1)]
    if any(key is None for key in chosen):
        return Answer(missing="Choose an item for every position.")
    if len(set(chosen)) != len(chosen):
        return Answer(missing="Use each item once: one position holds an item twice.")
    return Answer(chosen)


def _hands_on(check, disabled: bool) -> Answer:
    # The prompt (from the lesson) says what the switches do; one checkbox per practice.
    return Answer(_ticked_keys(check, disabled))


def _collect(check, kind: str, disabled: bool, ui: dict) -> Answer:
    if kind == "single_choice":
        return _single_choice(check, disabled)
    if kind == "multiple_choice":
        return _multiple_choice(check, disabled)
    if kind == "numeric":
        return _numeric(check, disabled)
    if kind == "predict_then_run":
        return _numeric(check, disabled, label="Your prediction")
    if kind == "ordering":
        return _ordering(check, disabled)
    if kind == "hands_on":
        return _hands_on(check, disabled)
    st.error(f"This check has a kind the app cannot draw: {kind!r}. Run "
             "`python -m workshop validate` to see which kinds the lessons may use.")
    return Answer(missing="This check cannot be answered here.")


# --- running, grading, recording -----------------------------------------------------

@st.cache_data(show_spinner=False, max_entries=64)
def _computed(check) -> float:
    # compute functions are deterministic and take no arguments, so the check (whose
    # ``compute`` names the function) is the whole input; a room of learners pays once.
    return float(engine.compute_actual(check))


def _run_computation(check) -> float | None:
    try:
        with st.status("Running the computation…", expanded=False) as status:
            actual = _computed(check)
            status.update(label="Computed", state="complete")
        return actual
    except (CaseStudyError, WorkshopError) as error:
        st.error(f"The computation could not run. {error}")
    except Exception as error:  # the last resort: the rest of the page still draws
        show_unexpected("The computation", error)
    return None


def _grade(check, kind: str, answer: Answer, ui: dict):
    """Grade an answer, running the computation or the hands-on grader where the kind needs it.

    Returns:
        The Result, or None when nothing could be graded.
    """
    try:
        if kind == "predict_then_run":
            actual = _run_computation(check)
            if actual is None:
                return None
            ui["prediction"], ui["actual"] = answer.value, actual
            return engine.grade(check, answer.value, actual=actual)
        if kind == "hands_on":
            with st.status("Training twice, each in a fresh Python process…",
                           expanded=True) as status:
                result = engine.run_hands_on(check, answer.value)
                status.update(label="Both runs finished", state="complete")
            return result
        return engine.grade(check, answer.value)
    except (CaseStudyError, WorkshopError) as error:
        st.error(f"This check could not be graded. {error}")
    except Exception as error:  # the last resort: nothing is recorded, the page still draws
        show_unexpected("Grading this check", error)
    return None


def _record_result(check, result, ui: dict, store, code: str) -> None:
    outcome = _value(result.outcome)
    ui["result"] = {
        "outcome": outcome,
        "feedback": str(result.feedback or ""),
        "details": dict(result.details or {}),
    }
    now = time.time()
    store.record_attempt(code, check.stage_id, check.id, result.outcome,
                         seconds=max(0.0, now - ui["since"]))
    ui["since"] = now


# --- showing -----------------------------------------------------------------------

def _status_line(outcome: str, attempts: int, hints: int) -> str:
    if outcome == PASSED:
        head = "✓ Passed"
    elif outcome == REVEALED:
        head = "Answer revealed"
    elif attempts:
        head = "Not passed yet"
    else:
        return ""
    return f"{head} · attempts: {attempts} · hints used: {hints}"


def _show_feedback(result: dict | None) -> None:
    if not result:
        return
    feedback = result["feedback"] or ""
    if result["outcome"] == PASSED:
        st.success(f"Right. {feedback}".strip())
    elif result["outcome"] == FAILED:
        st.warning(f"Not quite. {feedback}".strip())
    elif feedback:
        st.info(feedback)


def _plain(value) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, (list, tuple)):
        return ", ".join(_plain(item) for item in value) or "none"
    return str(value)


def _show_details(details: dict) -> None:
    """A hands-on grader's details: plain values as lines, lists of records as tables.

    A list of records (e.g. one per fresh process, with its hashes) becomes a table, so both
    hashes sit one above the other.
    """
    if not details:
        return
    lines, tables = [], []
    for name, value in details.items():
        label = str(name).replace("_", " ")
        if isinstance(value, (list, tuple)) and value and all(isinstance(v, dict) for v in value):
            tables.append((label, value))
        elif isinstance(value, dict):
            lines.extend(f"{label} · {str(key).replace('_', ' ')}: {_plain(item)}"
                         for key, item in value.items())
        else:
            lines.append(f"{label}: {_plain(value)}")
    for label, records in tables:
        st.caption(label.capitalize())
        st.dataframe([{str(key).replace("_", " "): _plain(item) for key, item in record.items()}
                      for record in records], hide_index=True, width="stretch")
    if lines:
        # st.code: monospace and never interpreted as Markdown.
        st.code("\n".join(lines), language=None)


def _show_prediction(check, ui: dict) -> None:
    if ui["prediction"] is None and ui["actual"] is None:
        return
    left, right = st.columns(2)
    left.metric("Your prediction", _format_number(ui["prediction"], check))
    right.metric("Computed now", _format_number(ui["actual"], check))


def _reference_answer(check, kind: str, ui: dict) -> str:
    answer = check.answer
    if kind == "single_choice":
        return f"**Answer:** {_option_text(check, answer)}"
    if kind in ("multiple_choice", "hands_on"):
        keys = list(answer or [])
        label = "Turn on" if kind == "hands_on" else "Answer"
        return f"**{label}:**\n\n" + "\n".join(f"- {_option_text(check, key)}" for key in keys)
    if kind == "ordering":
        return "**Order:**\n\n" + "\n".join(
            f"{position}. {_option_text(check, key)}"
            for position, key in enumerate(answer or [], 1))
    if kind == "predict_then_run":
        return f"**Computed now:** {_format_number(ui['actual'], check)}"
    if kind == "numeric":
        tolerance = f" (within ± {check.tolerance:g})" if check.tolerance else ""
        return f"**Answer:** {_format_number(answer, check)}{tolerance}"
    return f"**Answer:** {answer}"


def _show_explanation(check, kind: str, ui: dict, revealed: bool, cite) -> None:
    with st.container(border=True):
        if revealed:
            st.markdown(_reference_answer(check, kind, ui))
        st.markdown(check.explanation)
        if check.references:
            st.caption("References")
            st.markdown("\n".join(f"- {cite(reference)}" for reference in check.references))


# --- reruns: the check alone, or the page -------------------------------------------------

def _in_fragment_rerun() -> bool:
    """True while only fragments run (a press inside a check), not the whole page.

    A widget inside a fragment reruns that fragment alone; the run then lists the
    fragments it runs (``fragment_ids_this_run``). A full run (a page load, a click
    elsewhere, AppTest's ``run()``) lists none.
    """
    ctx = get_script_run_ctx()
    return bool(ctx and ctx.fragment_ids_this_run)


def _fragment_key(check) -> str:
    """The key of a check's own fragment: ``st.rerun([key, …])`` names it."""
    return f"check-{check.id}"


@dataclass(frozen=True)
class Isolation:
    """A check drawn in a fragment of its own: what its buttons' callback needs.

    Attributes:
        fragment_key: the key of the check's fragment.
        check_id: the check.
        stage_check_ids: every check of its stage, in order (the stage's mark).
        store: the ``ProgressStore``.
        code: the learner's resume code.
    """

    fragment_key: str
    check_id: str
    stage_check_ids: tuple[str, ...]
    store: object
    code: str


def _mark_may_change(isolation: Isolation) -> bool:
    """Whether a press on this check may change its stage's mark in the sidebar.

    Only two presses can: any on a stage not yet touched (· → ◐), and one on the last
    check of the stage still open (→ ✓). Judged before the press is handled, so it errs
    on the side of "may".
    """
    progress = isolation.store.progress_for(isolation.code)
    mark = stage_mark(isolation.stage_check_ids, progress)
    if mark == MARK_NONE:
        return True
    open_checks = [check_id for check_id in isolation.stage_check_ids
                   if _value(getattr(progress.get(check_id), "outcome", "")) not in FINISHED]
    return open_checks == [isolation.check_id]


def _rerun_with_sidebar(isolation: Isolation) -> None:
    """On Submit, Hint or Reveal: rerun the check, with the sidebar's marks if they may change.

    A callback, so it runs before the fragment does: the check's fragment records the
    press first, then the sidebar's page links are drawn again from the store, so a stage
    whose mark changed (· → ◐ on the first attempt, → ✓ when its last check is finished)
    shows the new mark without a page rerun. Any other press reruns the check alone (the
    fragment's own rerun). On a full run (no fragment involved) nothing is narrowed: the
    whole page, sidebar included, is drawn anyway.
    """
    if not _in_fragment_rerun() or not _mark_may_change(isolation):
        return
    try:
        st.rerun([isolation.fragment_key, MARKS_FRAGMENT_KEY])
    except StreamlitAPIException:
        # No sidebar fragment in this app (a page drawn on its own): the check alone reruns.
        return


def _redraw() -> None:
    """Draw the check again after a press changed the store (buttons, status line).

    In a fragment rerun only the fragments already queued rerun (this check, then the
    sidebar's marks); in a full run, the page.
    """
    if _in_fragment_rerun():
        st.rerun(scope="fragment")
    st.rerun()


# --- one check ----------------------------------------------------------------------

@dataclass(frozen=True)
class _Shown:
    """What a check's stored progress says, as the buttons and the status line need it."""

    stored: str
    attempts: int
    hints_used: int

    @property
    def finished(self) -> bool:
        return self.stored in FINISHED


def _shown(progress) -> _Shown:
    if progress is None:
        return _Shown("", 0, 0)
    return _Shown(_value(getattr(progress, "outcome", "")),
                  int(getattr(progress, "attempts", 0) or 0),
                  int(getattr(progress, "hints_used", 0) or 0))


def _draw_buttons(check, kind: str, ui: dict, locked: bool, finished: bool,
                  isolation: Isolation | None) -> tuple[bool, bool, bool]:
    """Submit · Hint · Reveal in a row; returns which was pressed."""
    hints = len(check.hints)
    extra = ({"on_click": _rerun_with_sidebar, "args": (isolation,)} if isolation else {})
    buttons = st.container(horizontal=True)
    submit = buttons.button(SUBMIT_LABELS.get(kind, "Submit"), key=f"{check.id}-submit",
                            disabled=locked, type="primary", **extra)
    hint = buttons.button(f"Hint ({min(ui['hints_shown'], hints)}/{hints})",
                          key=f"{check.id}-hint", disabled=ui["hints_shown"] >= hints, **extra)
    reveal = buttons.button("Reveal", key=f"{check.id}-reveal", disabled=finished, **extra)
    return submit, hint, reveal


def render_check(check, *, index: int, total: int, store, code: str, progress=None,
                 cite=str, isolation: Isolation | None = None) -> None:
    """Draw one check and handle Submit, Hint and Reveal.

    Args:
        check: a ``workshop.checks.Check``.
        index: its position on the page ("Check i of n").
        total: the number of checks on the page.
        store: the ``ProgressStore``.
        code: the learner's resume code.
        progress: the learner's stored ``CheckProgress`` for this check, if any.
        cite: turns a reference (a source id, or text citing ``[id]``) into what is shown
            (``course.citation``).
        isolation: set when the check is drawn in a fragment of its own; its buttons
            then rerun it, with the sidebar's marks when the stage's mark may change.
    """
    kind = _value(check.kind)
    ui = _ui_state(check, progress)
    shown = _shown(progress)

    st.markdown(f"##### Check {index} of {total}")
    status = _status_line(shown.stored, shown.attempts, shown.hints_used)
    if status:
        st.caption(status)
    st.markdown(check.prompt)

    # A prediction counts once: after it is committed (in this session or an earlier one)
    # the real value is known, so predicting again would not be a prediction.
    committed = kind == "predict_then_run" and (ui["prediction"] is not None
                                                 or shown.attempts > 0)
    if committed and ui["actual"] is None:
        ui["actual"] = _run_computation(check)

    locked = shown.finished or committed
    answer = _collect(check, kind, locked, ui)
    submit, hint, reveal = _draw_buttons(check, kind, ui, locked, shown.finished, isolation)
    if _handle_presses(check, kind, answer, ui, store, code,
                       pressed=(submit and not locked, hint, reveal and not shown.finished)):
        # Draw again so the buttons, the status line (and the sidebar marks) agree with
        # the store.
        _redraw()
    _show_after_buttons(check, kind, ui, shown.stored, cite)


def _handle_presses(check, kind: str, answer, ui: dict, store, code: str,
                    pressed: tuple[bool, bool, bool]) -> bool:
    """Act on Submit, Hint or Reveal (each only when it may be pressed).

    Returns:
        True when the store changed.
    """
    submit, hint, reveal = pressed
    changed = False
    if submit:
        changed = _submit(check, kind, answer, ui, store, code)
    if hint and ui["hints_shown"] < len(check.hints):
        store.record_hint(code, check.stage_id, check.id)
        ui["hints_shown"] += 1
        changed = True
    if reveal:
        if kind == "predict_then_run" and ui["actual"] is None:
            ui["actual"] = _run_computation(check)
        store.record_reveal(code, check.stage_id, check.id)
        changed = True
    return changed


def _submit(check, kind: str, answer, ui: dict, store, code: str) -> bool:
    """Grade a submitted answer and record it; True when the store changed."""
    if answer.missing:
        st.info(answer.missing)
        return False
    result = _grade(check, kind, answer, ui)
    if result is None:
        return False
    if (result.details or {}).get("invalid_answer"):
        # Not an answer yet (nothing chosen, an item twice): say so, count nothing.
        st.info(result.feedback)
        return False
    _record_result(check, result, ui, store, code)
    return True


def _show_after_buttons(check, kind: str, ui: dict, stored: str, cite) -> None:
    """The hints shown so far, the prediction, the feedback and, once finished, the explanation."""
    for number, text in enumerate(list(check.hints)[: ui["hints_shown"]], 1):
        st.info(f"Hint {number}: {text}")
    if kind == "predict_then_run":
        _show_prediction(check, ui)
    _show_feedback(ui["result"])
    if ui["result"] and kind == "hands_on":
        _show_details(ui["result"]["details"])
    if stored in FINISHED:
        _show_explanation(check, kind, ui, revealed=stored == REVEALED, cite=cite)


def _isolated_check(check, stage_check_ids: tuple[str, ...], *, index: int, total: int, store,
                    code: str, progress, cite) -> None:
    """One check as a fragment of its own (see :func:`render_checks`).

    Streamlit calls a fragment again with the arguments of the last full run, so on a
    fragment rerun the check's progress is read from the store again.
    """
    if _in_fragment_rerun():
        progress = store.progress_for(code).get(check.id)
    isolation = Isolation(_fragment_key(check), check.id, stage_check_ids, store, code)
    render_check(check, index=index, total=total, store=store, code=code, progress=progress,
                 cite=cite, isolation=isolation)


def render_checks(course, stage, code: str, store, *, isolated: bool = False) -> None:
    """Every check of a stage, each in its own box, numbered "Check i of n".

    Args:
        course: the loaded course (for citations).
        stage: the stage whose checks are drawn.
        code: the learner's resume code.
        store: the ``ProgressStore``.
        isolated: draw each check as a fragment of its own (``st.fragment``), so its
            buttons and answer widgets rerun that check alone, with the sidebar's marks
            after a press of Submit, Hint or Reveal. Only for a page on which nothing
            else shows the learner's progress (a stage page); the wrap-up page, whose
            results sit beside its checks, reruns whole.
    """
    if not stage.checks:
        return
    progress = store.progress_for(code)
    st.subheader("Check your understanding")
    total = len(stage.checks)
    for index, check in enumerate(stage.checks, 1):
        with st.container(border=True):
            arguments = {"index": index, "total": total, "store": store, "code": code,
                         "progress": progress.get(check.id), "cite": course.citation}
            if isolated:
                # One fragment per check, keyed by the check id: widgets inside a fragment
                # must be created inside it, and st.rerun([key, …]) names it.
                draw = st.fragment(_isolated_check, key=_fragment_key(check))
                draw(check, tuple(item.id for item in stage.checks), **arguments)
            else:
                render_check(check, **arguments)
