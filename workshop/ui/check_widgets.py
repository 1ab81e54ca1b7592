"""One check, drawn for its kind: answer widgets, Submit · Hint · Reveal, feedback.

Every click is one call to the engine (``workshop.attempts``: ``submit``,
``submit_follow_up``, ``take_hint``, ``reveal``), which grades, writes to the progress store
and says what to show; this module collects the answer and draws what comes back. Feedback
is kept for the next rerun only when the engine saved it; a failed write says "Not saved" at
once and leaves the answer in place. Options appear in the learner's own order
(``attempts.option_order``). Every widget key starts with the check id, so two checks on a
page never share state.

After a press the check's result area takes the keyboard focus (``check_focus``).

On a stage page each check is a fragment of its own (``render_checks(isolated=True)``); the
sidebar's page links are a keyed fragment rerun with it (``sidebar.MARKS_FRAGMENT_KEY``).
A press queues for the process's run slot ahead of page loads (``run_slot``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import streamlit as st
from streamlit.errors import StreamlitAPIException
from streamlit.runtime.scriptrunner import get_script_run_ctx

from case_study.errors import CaseStudyError
from workshop import attempts
from workshop import checks as engine
from workshop.check_model import Outcome
from workshop.errors import WorkshopError
from workshop.ui import check_answers as answers
from workshop.ui import check_display as show
from workshop.ui import check_focus as focus
from workshop.ui import run_slot
from workshop.ui.last_resort import show_unexpected
from workshop.ui.sidebar import MARKS_FRAGMENT_KEY, stage_mark
from workshop.ui.sidebar import NONE as MARK_NONE
from workshop.ui.widgets import WAITING_KEY, check_anchor

# What the Submit button says for each kind: predict-then-run and hands-on do more than
# submit, and the button should say so.
SUBMIT_LABELS = {
    "predict_then_run": "Commit my prediction, then run",
    "hands_on": "Run twice in fresh processes",
}


def _ui_key(check) -> str:
    return f"{check.id}-ui"


def _ui_state(check, progress) -> dict:
    """This check's screen state in this session (plain values, one guarded key).

    Starts from the stored progress, so after a refresh the hints already taken are shown
    again and a passed or revealed check stays finished. ``result`` holds only feedback the
    store has saved.
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


def _seconds(ui: dict) -> float:
    """Seconds since the last record on this check; the clock restarts."""
    now = time.time()
    seconds, ui["since"] = max(0.0, now - ui["since"]), now
    return seconds


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


def _engine_submit(check, kind: str, answer: answers.Answer, ui: dict, store, code: str):
    """One Submit through the engine, with the computation or the runs shown as they go.

    Returns:
        The engine's ``Attempt``, or None when nothing could be graded (already shown).
    """
    try:
        if kind == "predict_then_run":
            actual = _run_computation(check)
            if actual is None:
                return None
            attempt = attempts.submit(store, code, check, answer.value, actual=actual,
                                      seconds=_seconds(ui))
            if attempt.saved:
                ui["prediction"], ui["actual"] = answer.value, actual
            return attempt
        if kind == "hands_on":
            with st.status("Training twice, each in a fresh Python process…",
                           expanded=True) as status:
                with run_slot.released():  # it only waits for its child processes
                    attempt = attempts.submit(store, code, check, answer.value,
                                              seconds=_seconds(ui))
                status.update(label="Both runs finished", state="complete")
            return attempt
        return attempts.submit(store, code, check, answer.value, seconds=_seconds(ui))
    except (CaseStudyError, WorkshopError) as error:
        st.error(f"This check could not be graded. {error}")
    except Exception as error:  # the last resort: nothing is recorded, the page still draws
        show_unexpected("Grading this check", error)
    return None


def _shown_attempt(attempt, ui: dict) -> bool:
    """Keep a saved attempt's feedback for the redraw; say at once why one was not saved.

    Returns:
        True when the store changed.
    """
    if attempt is None:
        return False
    if attempt.status is attempts.Status.NOT_SAVED:
        st.error(attempt.feedback)
        return False
    if not attempt.saved:
        # Not an answer yet (nothing chosen, an item twice): say so, count nothing.
        st.info(attempt.feedback)
        return False
    ui["result"] = {"outcome": str(attempt.outcome), "feedback": str(attempt.feedback or ""),
                    "details": dict(attempt.details or {})}
    return True


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
                   if not Outcome.of(progress.get(check_id)).finished]
    return open_checks == [isolation.check_id]


def _demo_waits(isolation: Isolation) -> bool:
    """Whether a demo button above waits for this check's first answer, still missing.

    ``widgets.predict_first`` lists the checks its locked buttons wait for; the first
    Submit (or a Reveal) then unlocks one, which only a run of the whole app redraws.
    """
    if isolation.check_id not in st.session_state.get(WAITING_KEY, ()):
        return False
    progress = isolation.store.progress_for(isolation.code).get(isolation.check_id)
    return not (int(getattr(progress, "attempts", 0) or 0) > 0
                or Outcome.of(progress).finished)


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


def _redraw(whole_app: bool = False) -> None:
    """Draw the check again after a press changed the store (buttons, status line).

    In a fragment rerun only the fragments already queued rerun (this check, then the
    sidebar's marks); in a full run, or with ``whole_app`` (the first answer to a check a
    demo button above waits for: the button unlocks), the page.
    """
    if _in_fragment_rerun() and not whole_app:
        st.rerun(scope="fragment")
    st.rerun()


# --- one check ----------------------------------------------------------------------

@dataclass(frozen=True)
class _Shown:
    """What a check's stored progress says, as the buttons and the status line need it."""

    outcome: Outcome
    attempts: int
    hints_used: int

    @property
    def finished(self) -> bool:
        return self.outcome.finished


def _shown(progress) -> _Shown:
    return _Shown(Outcome.of(progress), int(getattr(progress, "attempts", 0) or 0),
                  int(getattr(progress, "hints_used", 0) or 0))


def _draw_buttons(check, kind: str, ui: dict, locked: bool, shown: _Shown,
                  isolation: Isolation | None) -> tuple[bool, bool, bool]:
    """Submit · Hint · Reveal in a row; returns which was pressed.

    Hint stops at the last hint and once the check is finished (a hint after a pass would
    teach nothing and count against the learner).
    """
    hints = len(check.hints)
    extra = ({"on_click": _rerun_with_sidebar, "args": (isolation,)} if isolation else {})
    buttons = st.container(horizontal=True)
    submit = buttons.button(SUBMIT_LABELS.get(kind, "Submit"), key=f"{check.id}-submit",
                            disabled=locked, type="primary", **extra)
    hint = buttons.button(f"Hint ({min(ui['hints_shown'], hints)}/{hints})",
                          key=f"{check.id}-hint",
                          disabled=shown.finished or ui["hints_shown"] >= hints, **extra)
    reveal = buttons.button("Reveal", key=f"{check.id}-reveal", disabled=shown.finished,
                            **extra)
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
    kind = str(check.kind)
    ui = _ui_state(check, progress)
    shown = _shown(progress)
    order = attempts.option_order(check, code)

    # The heading carries the anchor a demo button links to (one element, not two: every
    # element costs each learner's page view server time).
    st.markdown(f'##### Check {index} of {total} <a id="{check_anchor(check.id)}"></a>',
                unsafe_allow_html=True)
    status = show.status_line(shown.outcome, shown.attempts, shown.hints_used)
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
    answer = answers.collect(check, kind, locked, order)
    submit, hint, reveal = _draw_buttons(check, kind, ui, locked, shown, isolation)
    if submit or hint or reveal:
        focus.request(ui)  # the result area below takes the focus when drawn
    waited = bool((submit or reveal) and isolation and _demo_waits(isolation))
    # The result area exists only once there is something to show in it (a check never
    # touched has none): one element fewer per check on a new learner's page.
    if submit or hint or reveal or _has_result(check, kind, ui, shown.outcome):
        with st.container(key=focus.result_key(check.id)):
            if _handle_presses(check, kind, answer, ui, (store, code, progress),
                               pressed=(submit and not locked, hint,
                                        reveal and not shown.finished)):
                # Draw again so the buttons, the status line (and the sidebar marks) agree
                # with the store; the whole page when a demo button above waited for it.
                _redraw(whole_app=waited)
            _show_after_buttons(check, kind, ui, shown.outcome, (order, cite))
    if attempts.follow_up_open(check, progress):
        _follow_up(check, ui, store, code)
    focus.render(check.id, f"Check {index} of {total}: result", ui)


def _handle_presses(check, kind: str, answer, ui: dict, where: tuple,
                    pressed: tuple[bool, bool, bool]) -> bool:
    """Act on Submit, Hint or Reveal (each only when it may be pressed), through the engine.

    Returns:
        True when the store changed.
    """
    store, code, progress = where
    submit, hint, reveal = pressed
    changed = False
    if submit:
        if answer.missing:
            st.info(answer.missing)
        else:
            changed = _shown_attempt(_engine_submit(check, kind, answer, ui, store, code), ui)
    if hint:
        taken = attempts.take_hint(store, code, check, ui["hints_shown"], progress)
        if taken.status is attempts.Status.NOT_SAVED:
            st.error(taken.message)
        elif taken.status is attempts.Status.SAVED:
            ui["hints_shown"], changed = taken.shown, True
    if reveal:
        if kind == "predict_then_run" and ui["actual"] is None:
            ui["actual"] = _run_computation(check)
        revealed = attempts.reveal(store, code, check)
        if revealed.saved:
            changed = True
        else:
            st.error(revealed.feedback)
    return changed


def _follow_up(check, ui: dict, store, code: str) -> None:
    """After a missed prediction: how far off it was, and a question that can still pass it."""
    follow_up = engine.follow_up_check(check)
    with st.container(border=True):
        gap = show.gap_line(check, ui["prediction"], ui["actual"])
        st.markdown("**Your prediction missed — this is not a dead end.** "
                    + (gap + " " if gap else "")
                    + "Show that you see why, and the check is passed.")
        st.markdown(follow_up.prompt)
        answer = answers.radio(follow_up, attempts.option_order(follow_up, code), False,
                        f"{check.id}-follow-up-answer")
        if not st.button("Submit my answer", key=f"{check.id}-follow-up-submit"):
            return
        focus.request(ui)
        if answer.missing:
            st.info(answer.missing)
            return
        attempt = attempts.submit_follow_up(store, code, check, answer.value,
                                            seconds=_seconds(ui))
        if _shown_attempt(attempt, ui):
            _redraw()


def _has_result(check, kind: str, ui: dict, outcome: Outcome) -> bool:
    """Whether :func:`_show_after_buttons` has anything to draw (with no press this run)."""
    return bool(min(ui["hints_shown"], len(check.hints)) or ui["result"] or outcome.finished
                or (kind == "predict_then_run"
                    and (ui["prediction"] is not None or ui["actual"] is not None)))


def _show_after_buttons(check, kind: str, ui: dict, outcome: Outcome, shown: tuple) -> None:
    """The hints shown so far, the prediction, the feedback and, once finished, the explanation."""
    order, cite = shown
    for number, text in enumerate(list(check.hints)[: ui["hints_shown"]], 1):
        st.info(f"Hint {number}: {text}")
    if kind == "predict_then_run":
        show.show_prediction(check, ui["prediction"], ui["actual"])
    show.show_feedback(ui["result"])
    if ui["result"] and kind == "hands_on":
        show.show_details(ui["result"]["details"])
    if outcome.finished:
        show.show_explanation(check, order=order, actual=ui["actual"],
                              revealed=outcome is Outcome.REVEALED, cite=cite)


def _isolated_check(check, stage_check_ids: tuple[str, ...], *, index: int, total: int, store,
                    code: str, progress, cite) -> None:
    """One check as a fragment of its own (see :func:`render_checks`).

    Streamlit calls a fragment again with the arguments of the last full run, so on a
    fragment rerun the check's progress is read from the store again.
    """
    # A press reruns this fragment alone, not the router: it queues for a run slot itself,
    # ahead of page loads (inside a page run, the page's slot is reused).
    with run_slot.slot(urgent=_in_fragment_rerun()):
        if _in_fragment_rerun():
            progress = store.progress_for(code).get(check.id)
        isolation = Isolation(_fragment_key(check), check.id, stage_check_ids, store, code)
        with _check_box():
            render_check(check, index=index, total=total, store=store, code=code,
                         progress=progress, cite=cite, isolation=isolation)


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
        arguments = {"index": index, "total": total, "store": store, "code": code,
                     "progress": progress.get(check.id), "cite": course.citation}
        if isolated:
            # One fragment per check, keyed by the check id: widgets inside a fragment
            # must be created inside it, and st.rerun([key, …]) names it. The fragment is
            # called at the page's own level and draws its bordered box itself: Streamlit
            # copies the container stack a fragment is called in on every run, so a
            # shallower stack is cheaper for every check on the page.
            draw = st.fragment(_isolated_check, key=_fragment_key(check))
            draw(check, tuple(item.id for item in stage.checks), **arguments)
        else:
            with _check_box():
                render_check(check, **arguments)


def _check_box():
    """The bordered box of one check (its heading carries the anchor; see render_check)."""
    return st.container(border=True)
