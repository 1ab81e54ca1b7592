"""Keyboard focus stays at a check after a press of Submit, Hint or Reveal.

Streamlit draws a check again after each press (a fragment rerun, or the page's), and the
browser's focus then falls to the page body: a keyboard or screen-reader user has to find
the way back down the page to hear how the answer went. So after a press, the check's
result area (the feedback, hints and explanation below its buttons: a keyed container,
:func:`result_key`) is given the focus, with a label that says whose result it is.

The mover is a few lines of our own JavaScript in the page (``st.html``, not an iframe;
nothing is fetched). It is drawn once per press, on the run that shows the press's result,
and each request carries a new number, so Streamlit runs it again even where the previous
one stood. It hides its own (empty) element, and gives the focus back to the result area
for a short while if a late redraw drops it to the body; it never takes the focus from
anything else the learner has moved to.
"""

from __future__ import annotations

import json

import streamlit as st

# Keys in a check's screen state (``check_widgets._ui_state``).
PENDING = "focus-pending"
COUNT = "focus-count"
# How long the mover keeps the focus from falling back to the body, in milliseconds.
HOLD_MS = 3000

_SCRIPT = """
<style>[data-testid="stElementContainer"]:has([data-check-focus]) { display: none; }</style>
<span hidden data-check-focus="%(count)d"></span>
<script>
(() => {
  const selector = %(selector)s, label = %(label)s, started = Date.now();
  const target = () => {
    const area = document.querySelector(selector);
    return area && area.innerText.trim() ? area : null;
  };
  const place = () => {
    const area = target();
    if (!area) return false;
    area.setAttribute("tabindex", "-1");
    area.setAttribute("role", "group");
    area.setAttribute("aria-label", label);
    area.focus();
    return document.activeElement === area;
  };
  const lost = () => !document.activeElement || document.activeElement === document.body;
  place();
  const timer = setInterval(() => {
    const area = target();
    if (Date.now() - started > %(hold)d || (!lost() && document.activeElement !== area)) {
      clearInterval(timer);
    } else if (lost()) {
      place();
    }
  }, 100);
})();
</script>
"""


def result_key(check_id: str) -> str:
    """The key of a check's result area (the CSS class ``st-key-<key>`` marks it)."""
    return f"{check_id}-result"


def request(ui: dict) -> None:
    """Ask for the focus to move to the check's result area when it is next drawn."""
    ui[PENDING] = True
    ui[COUNT] = int(ui.get(COUNT, 0)) + 1


def script(check_id: str, label: str, count: int) -> str:
    """The HTML (a style, a marker and a script) that moves the focus to the result area.

    Args:
        check_id: the check, whose result area gets the focus.
        label: what the result area is called once focused ("Check 2 of 5: result").
        count: the request's number: a new one makes Streamlit run the script again.

    Returns:
        HTML for ``st.html(..., unsafe_allow_javascript=True)``; our own text only (the
        check id and the label come from the course, and are quoted as JSON strings).
    """
    selector = f".st-key-{result_key(check_id)}"
    # json.dumps makes JavaScript string literals; "</" is escaped so no text ends the script.
    return _SCRIPT % {
        "selector": json.dumps(selector).replace("</", "<\\/"),
        "label": json.dumps(label).replace("</", "<\\/"),
        "count": count,
        "hold": HOLD_MS,
    }


def render(check_id: str, label: str, ui: dict) -> None:
    """Draw the focus mover when a press asked for it (once per press)."""
    if not ui.pop(PENDING, False):
        return
    st.html(script(check_id, label, int(ui.get(COUNT, 1))), unsafe_allow_javascript=True)
