"""One check, drawn for its kind: the answer widgets, Submit · Hint · Reveal, the feedback
from ``grade()``, and the explanation and references after a pass or a reveal.

Grading is pure (``workshop.checks``); this module only collects the answer, records what
happened in the progress store, and shows the result. Every widget key starts with the
check id, so two checks on a page never share state.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass

import streamlit as st

from case_study.errors import CaseStudyError
from workshop import checks as engine
from workshop.errors import WorkshopError
from workshop.ui.last_resort import show_unexpected

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
    number = st.number_input(_number_label(label, check), value=None, step=10.0 ** -_decimals(check),
                             format=f"%.{_decimals(check)}f", key=f"{check.id}-answer",
                             disabled=disabled)
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
    """Grade an answer (running the computation or the hands-on grader where the kind
    needs it). Returns the Result, or None when nothing could be graded."""
    try:
        if kind == "predict_then_run":
            actual = _run_computation(check)
            if actual is None:
                return None
            ui["prediction"], ui["actual"] = answer.value, actual
            return engine.grade(check, answer.value, actual=actual)
        if kind == "hands_on":
            with st.status("Training twice, each in a fresh Python process…", expanded=True) as status:
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
    """A hands-on grader's details: plain values as lines, a list of records (e.g. one
    per fresh process, with its hashes) as a table, so both hashes sit one above the other."""
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
            f"{position}. {_option_text(check, key)}" for position, key in enumerate(answer or [], 1))
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


def render_check(check, *, index: int, total: int, store, code: str, progress=None,
                 cite=str) -> None:
    """Draw one check and handle Submit, Hint and Reveal.

    Args:
        check: a ``workshop.checks.Check``.
        index, total: its position on the page ("Check i of n").
        store: the ``ProgressStore``; code: the learner's resume code.
        progress: the learner's stored ``CheckProgress`` for this check, if any.
        cite: turns a reference (a source id, or text citing ``[id]``) into what is shown
            (``course.citation``).
    """
    kind = _value(check.kind)
    ui = _ui_state(check, progress)
    stored = _value(getattr(progress, "outcome", "")) if progress else ""
    finished = stored in FINISHED
    hints = list(check.hints)

    attempts = int(getattr(progress, "attempts", 0) or 0)

    st.markdown(f"##### Check {index} of {total}")
    status = _status_line(stored, attempts, int(getattr(progress, "hints_used", 0) or 0))
    if status:
        st.caption(status)
    st.markdown(check.prompt)

    # A prediction counts once: after it is committed (in this session or an earlier one)
    # the real value is known, so predicting again would not be a prediction.
    committed = kind == "predict_then_run" and (ui["prediction"] is not None or attempts > 0)
    if committed and ui["actual"] is None:
        ui["actual"] = _run_computation(check)

    answer = _collect(check, kind, finished or committed, ui)
    buttons = st.container(horizontal=True)
    submit = buttons.button(SUBMIT_LABELS.get(kind, "Submit"), key=f"{check.id}-submit",
                               disabled=finished or committed, type="primary")
    hint = buttons.button(f"Hint ({min(ui['hints_shown'], len(hints))}/{len(hints)})",
                           key=f"{check.id}-hint", disabled=ui["hints_shown"] >= len(hints))
    reveal = buttons.button("Reveal", key=f"{check.id}-reveal", disabled=finished)

    changed = False
    if submit and not (finished or committed):
        changed = _submit(check, kind, answer, ui, store, code)
    if hint and ui["hints_shown"] < len(hints):
        store.record_hint(code, check.stage_id, check.id)
        ui["hints_shown"] += 1
        changed = True
    if reveal and not finished:
        if kind == "predict_then_run" and ui["actual"] is None:
            ui["actual"] = _run_computation(check)
        store.record_reveal(code, check.stage_id, check.id)
        changed = True
    if changed:
        # Rerun so the sidebar marks, the buttons and the status line agree with the store.
        st.rerun()

    _show_after_buttons(check, kind, ui, stored, cite)


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
    """The hints shown so far, the prediction, the feedback and, once finished, the
    explanation."""
    for number, text in enumerate(list(check.hints)[: ui["hints_shown"]], 1):
        st.info(f"Hint {number}: {text}")
    if kind == "predict_then_run":
        _show_prediction(check, ui)
    _show_feedback(ui["result"])
    if ui["result"] and kind == "hands_on":
        _show_details(ui["result"]["details"])
    if stored in FINISHED:
        _show_explanation(check, kind, ui, revealed=stored == REVEALED, cite=cite)


def render_checks(course, stage, code: str, store) -> None:
    """Every check of a stage, each in its own box, numbered "Check i of n"."""
    if not stage.checks:
        return
    progress = store.progress_for(code)
    st.subheader("Check your understanding")
    total = len(stage.checks)
    for index, check in enumerate(stage.checks, 1):
        with st.container(border=True):
            render_check(check, index=index, total=total, store=store, code=code,
                         progress=progress.get(check.id), cite=course.citation)
