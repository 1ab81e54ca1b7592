"""What a check shows after a click: status line, feedback, details, answer, explanation.

Drawing only: what to show comes from the engine (``workshop.attempts``) and the check.
"""

from __future__ import annotations

import math

import streamlit as st

from workshop.check_model import Outcome


def decimals(check) -> int:
    """Digits shown for a check's numbers: one finer than its tolerance."""
    tolerance = check.tolerance or 0
    if tolerance <= 0:
        return 3
    return int(min(6, max(1, 1 - math.floor(math.log10(tolerance)))))


def format_number(value, check) -> str:
    """A number as the check shows it, with its unit; "—" for none."""
    if value is None:
        return "—"
    text = f"{float(value):.{decimals(check)}f}"
    return f"{text} {check.unit}" if getattr(check, "unit", None) else text


def option_text(options, key) -> str:
    """The text of the option with this key among ``options`` (the key when unknown)."""
    for option in options:
        if option.key == key:
            return option.text
    return str(key)


def status_line(outcome: Outcome, attempts: int, hints: int) -> str:
    """"✓ Passed · attempts: 2 · hints used: 0", or "" before anything was tried."""
    if outcome is Outcome.PASSED:
        head = "✓ Passed"
    elif outcome is Outcome.REVEALED:
        head = "Answer revealed"
    elif attempts:
        head = "Not passed yet"
    else:
        return ""
    return f"{head} · attempts: {attempts} · hints used: {hints}"


def show_feedback(result: dict | None) -> None:
    """The feedback of the last saved answer: "Right." or "Not quite." and why."""
    if not result:
        return
    feedback = result["feedback"] or ""
    if result["outcome"] == Outcome.PASSED:
        st.success(f"Right. {feedback}".strip())
    elif result["outcome"] == Outcome.FAILED:
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


def show_details(details: dict) -> None:
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


def show_prediction(check, prediction, actual) -> None:
    """The committed prediction beside the computed value, and the gap when both are known."""
    if prediction is None and actual is None:
        return
    left, right = st.columns(2)
    left.metric("Your prediction", format_number(prediction, check))
    right.metric("Computed now", format_number(actual, check))


def gap_line(check, prediction, actual) -> str:
    """How far off a missed prediction was, and in which direction ("" when unknown)."""
    if prediction is None or actual is None:
        return ""
    difference = float(prediction) - float(actual)
    direction = "above" if difference > 0 else "below"
    band = format_gap(check.tolerance or 0, check)
    return (f"Your prediction was {format_gap(abs(difference), check)} {direction} the "
            f"computed value; a pass needed it within ± {band}.")


def format_gap(value, check) -> str:
    """A distance between two of the check's numbers: percentage points for a % unit."""
    if getattr(check, "unit", None) == "%":
        return f"{float(value):.{decimals(check)}f} percentage points"
    return format_number(value, check)


def reference_answer(check, order, actual) -> str:
    """The reference answer as Markdown, options in the learner's order where order is free."""
    kind = str(check.kind)
    answer = check.answer
    if kind == "single_choice":
        return f"**Answer:** {option_text(check.options, answer)}"
    if kind in ("multiple_choice", "hands_on"):
        right = set(answer or [])
        label = "Turn on" if kind == "hands_on" else "Answer"
        return f"**{label}:**\n\n" + "\n".join(
            f"- {option_text(check.options, key)}" for key in order if key in right)
    if kind == "ordering":
        return "**Order:**\n\n" + "\n".join(
            f"{position}. {option_text(check.options, key)}"
            for position, key in enumerate(answer or [], 1))
    if kind == "predict_then_run":
        return f"**Computed now:** {format_number(actual, check)}"
    if kind == "numeric":
        tolerance = f" (within ± {check.tolerance:g})" if check.tolerance else ""
        return f"**Answer:** {format_number(answer, check)}{tolerance}"
    return f"**Answer:** {answer}"


def show_explanation(check, *, order, actual, revealed: bool, cite) -> None:
    """The explanation and references (with the reference answer after a reveal)."""
    with st.container(border=True):
        if revealed:
            st.markdown(reference_answer(check, order, actual))
        st.markdown(check.explanation)
        if check.references:
            st.caption("References")
            st.markdown("\n".join(f"- {cite(reference)}" for reference in check.references))
