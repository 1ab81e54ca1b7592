"""The answer widgets of a check, one per kind, and what they collected.

``check_widgets`` draws the check around them; these only ask for the answer, in the
learner's own option order, and say why there is nothing to grade yet when that is so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import streamlit as st

from workshop.ui import check_display as show


@dataclass(frozen=True)
class Answer:
    """What the learner entered: a value to grade, or why there is nothing to grade yet."""

    value: object = None
    missing: str = ""


def radio(check, order, disabled: bool, key: str) -> Answer:
    """One option of ``order`` as radio buttons (single choice, a follow-up question)."""
    choice = st.radio("Your answer", list(order), index=None,
                      format_func=lambda option: show.option_text(check.options, option),
                      key=key, disabled=disabled)
    return Answer(choice) if choice is not None else Answer(missing="Choose an answer first.")


def ticked_keys(check, order, disabled: bool) -> list[str]:
    """A checkbox per option of ``order``; the keys ticked."""
    return [key for key in order
            if st.checkbox(show.option_text(check.options, key),
                           key=f"{check.id}-option-{key}", disabled=disabled)]


def numeric(check, disabled: bool, label: str = "Your answer") -> Answer:
    """A number at the check's precision, in its unit; a finite number or why not."""
    unit = getattr(check, "unit", None)
    number = st.number_input(f"{label} ({unit})" if unit else label, value=None,
                             step=10.0 ** -show.decimals(check),
                             format=f"%.{show.decimals(check)}f",
                             key=f"{check.id}-answer", disabled=disabled)
    if number is None:
        return Answer(missing="Enter a number first.")
    if not math.isfinite(number):
        return Answer(missing="Enter a finite number.")
    return Answer(float(number))


def ordering(check, order, disabled: bool) -> Answer:
    """One select box per position; every item placed once, or why not."""
    st.caption("Choose one item for each position, first to last.")
    chosen = [st.selectbox(f"Position {position}", list(order), index=None,
                           format_func=lambda key: show.option_text(check.options, key),
                           key=f"{check.id}-position-{position}", disabled=disabled)
              for position in range(1, len(order) + 1)]
    if any(key is None for key in chosen):
        return Answer(missing="Choose an item for every position.")
    if len(set(chosen)) != len(chosen):
        return Answer(missing="Use each item once: one position holds an item twice.")
    return Answer(chosen)


def collect(check, kind: str, disabled: bool, order) -> Answer:
    """The answer widgets of ``kind``, drawn; what the learner entered."""
    if kind == "single_choice":
        return radio(check, order, disabled, f"{check.id}-answer")
    if kind == "multiple_choice":
        st.caption("Tick every answer that applies.")
        return Answer(ticked_keys(check, order, disabled))
    if kind == "numeric":
        return numeric(check, disabled)
    if kind == "predict_then_run":
        return numeric(check, disabled, label="Your prediction")
    if kind == "ordering":
        return ordering(check, order, disabled)
    if kind == "hands_on":
        # The prompt (from the lesson) says what the switches do; one checkbox per practice.
        return Answer(ticked_keys(check, order, disabled))
    st.error(f"This check has a kind the app cannot draw: {kind!r}. Run "
             "`python -m workshop validate` to see which kinds the lessons may use.")
    return Answer(missing="This check cannot be answered here.")
