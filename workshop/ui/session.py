"""The learner in this browser session: an anonymous resume code.

The code is kept in the page address (``?code=…``), so a refresh resumes, and in one
guarded session-state key.

One ProgressStore per data folder is shared by every session of the server
(``st.cache_resource`` keyed by the folder), so a room of learners uses one SQLite file.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import streamlit as st

from workshop.progress import (
    DISPLAY_NAME_MAX,
    ProgressStore,
    ProgressStoreError,
    clean_display_name,
    default_data_dir,
    normalise_code,
)

SESSION_KEY = "workshop-learner"
QUERY_KEY = "code"


@dataclass(frozen=True)
class LearnerState:
    """What this browser session remembers about its learner: plain, serialisable values."""

    code: str
    warnings_shown: int = 0
    notice: str = ""


@st.cache_resource(show_spinner=False)
def _store_for(data_dir: str) -> ProgressStore:
    # The data folder is the cache key: tests (and a second server config) that point
    # WORKSHOP_DATA_DIR elsewhere get their own store, never another folder's learners.
    return ProgressStore(data_dir)


def get_store() -> ProgressStore:
    """The progress store for the configured data folder (one per folder, per server).

    A store that cannot be opened at all (an unwritable folder, a newer schema) stops the
    page with an ``st.error`` that says what to do, never a traceback.
    """
    try:
        return _store_for(str(default_data_dir()))
    except ProgressStoreError as error:
        st.error(f"Your progress cannot be saved. {error}")
        st.stop()


def clear_store_cache() -> None:
    """Forget every cached store, as a server restart would (used by tests)."""
    _store_for.clear()


def _set_state(state: LearnerState) -> LearnerState:
    st.session_state[SESSION_KEY] = state
    # The address carries the code so a refresh (a new session) finds the learner again.
    if st.query_params.get(QUERY_KEY) != state.code:
        st.query_params[QUERY_KEY] = state.code
    return state


def _code_from_address(store: ProgressStore) -> tuple[str | None, str]:
    """A known learner's code from ``?code=``, or None and a notice saying why not."""
    raw = st.query_params.get(QUERY_KEY)
    if not raw:
        return None, ""
    code = normalise_code(raw)
    if code and store.get_learner(code) is not None:
        return code, ""
    return None, (
        "The resume code in the page address is not known on this server, so you have a "
        "new code. If you typed it, check it and use “Resume with a code”."
    )


def current_learner() -> LearnerState:
    """This session's learner, created on the first visit.

    Order: the learner already in this session; else a known ``?code=`` in the address
    (a refresh, or a bookmarked link); else a new learner. Shows the store's warnings
    (e.g. a corrupt file moved aside) once per session.
    """
    store = get_store()
    state = st.session_state.get(SESSION_KEY)
    # A session keeps its code even if the store no longer knows it (a damaged store moved
    # aside mid-session): the store registers the code again on the next write.
    if not isinstance(state, LearnerState):
        code, notice = _code_from_address(store)
        if code is None:
            code = store.create_learner().code
        state = LearnerState(code=code, notice=notice)
    state = _set_state(state)

    warnings = list(store.warnings)
    for message in warnings[state.warnings_shown:]:
        st.warning(message)
    if state.notice:
        st.info(state.notice)
    if state.warnings_shown != len(warnings) or state.notice:
        state = _set_state(replace(state, warnings_shown=len(warnings), notice=""))
    return state


def learner_code() -> str:
    """The current learner's code (the router has already called :func:`current_learner`)."""
    state = st.session_state.get(SESSION_KEY)
    if isinstance(state, LearnerState):
        return state.code
    return current_learner().code


def resume(text: str) -> str | None:
    """Switch this session to the learner with the typed code.

    Returns:
        None on success, else a message saying what was wrong and what to do.
    """
    code = normalise_code(text or "")
    if not code:
        return ("That does not look like a resume code. Copy it from the sidebar of your "
                "earlier visit (or from the page address after ?code=) and try again.")
    if get_store().get_learner(code) is None:
        return (f"No learner with the code {code} on this server. Check for typos; codes "
                "are kept by the server you used before, so use the same server.")
    _set_state(LearnerState(code=code))
    return None


def resume_form(key_prefix: str) -> None:
    """A small form: type a resume code, press Resume, carry on where you left off."""
    with st.form(f"{key_prefix}-resume-form", border=False):
        typed = st.text_input("Resume with a code", key=f"{key_prefix}-resume-code",
                              placeholder="your resume code")
        submitted = st.form_submit_button("Resume")
    if submitted:
        problem = resume(typed)
        if problem:
            st.error(problem)
        else:
            st.rerun()


def display_name_field(code: str) -> None:
    """An optional display name, saved when changed and shown back as plain text."""
    store = get_store()
    learner = store.get_learner(code)
    saved = (learner.display_name if learner else None) or ""
    # The key carries the code: after a resume the field starts from the other learner's
    # name instead of keeping what was typed for the previous one.
    key = f"learner-display-name-{code}"

    def save() -> None:
        store.set_display_name(code, st.session_state.get(key) or "")

    st.text_input("Display name (optional)", value=saved, key=key, on_change=save,
                  help=f"Up to {DISPLAY_NAME_MAX} characters, shown in the instructor's "
                       "room view. Leave it empty to stay anonymous.")
    shown = clean_display_name(saved) if saved else ""
    if shown:
        # st.text never interprets Markdown or HTML: a name is shown exactly as typed.
        st.text(f"Hello, {shown}")
