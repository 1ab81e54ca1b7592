"""The learner in this browser session: an anonymous resume code.

The code is kept in the page address (``?code=…``), so a refresh resumes, and in one
guarded session-state key.

One ProgressStore per data folder is shared by every session of the server
(a process-wide dictionary keyed by the folder), so a room of learners uses one SQLite file.
When it cannot be opened at all (a read-only data folder, a newer schema), a throwaway
store (``ProgressStore.not_saving``) keeps lessons and demos working, and every page says
that progress is not being saved.

Looking up a resume code, typed or from the address, goes through the room-wide throttle
(``workshop.throttle.RESUME``): an unknown code counts as a failed guess for this client
and for the room, and while a wait runs no code is looked up at all.

Learners get the store's short notices (``learner_notices``), never its paths; the
instructor page shows the details (:func:`render_store_details`).
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, replace

import streamlit as st

from workshop import throttle
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
# How long after a repair of the store a new session is still told about it.
NOTICE_SECONDS = 30 * 60


@dataclass(frozen=True)
class LearnerState:
    """What this browser session remembers about its learner: plain, serialisable values."""

    code: str
    warnings_shown: int = 0
    notice: str = ""


# One store per data folder, for the life of the process. A plain dictionary rather than
# st.cache_resource: a page run asks for the store four or five times, and a dictionary
# lookup costs nothing next to a Streamlit cache lookup (hashing, a lock, ~50 µs a call).
_STORES: dict[str, ProgressStore] = {}
_STORES_LOCK = threading.Lock()


def _store_for(data_dir: str) -> ProgressStore:
    store = _STORES.get(data_dir)
    if store is not None:
        return store
    with _STORES_LOCK:
        if data_dir not in _STORES:
            _STORES[data_dir] = _open_store(data_dir)
        return _STORES[data_dir]


def _open_store(data_dir: str) -> ProgressStore:
    # The data folder is the cache key: tests (and a second server config) that point
    # WORKSHOP_DATA_DIR elsewhere get their own store, never another folder's learners.
    try:
        return ProgressStore(data_dir)
    except ProgressStoreError as error:
        # Lessons and demos must still work: a throwaway store, and a note on every page.
        return ProgressStore.not_saving(error)


def get_store() -> ProgressStore:
    """The progress store for the configured data folder (one per folder, per server).

    A store that cannot be opened at all (an unwritable folder, a newer schema) is replaced
    by a throwaway one (``saving`` False) until the server restarts.
    """
    try:
        return _store_for(str(default_data_dir()))
    except ProgressStoreError as error:  # not even a throwaway store could be made
        st.error(f"Your progress cannot be saved. {error}")
        st.stop()


def client_key() -> str:
    """Who this session is for the throttle: the client's address, else ``unknown``."""
    try:
        address = st.context.ip_address
    except Exception:  # noqa: BLE001 - outside a browser session (tests, bare mode)
        address = None
    # Only a real address: a test harness may hand back a stand-in object.
    return address if isinstance(address, str) and 0 < len(address) <= 100 else "unknown"


def _wait_text(seconds: float) -> str:
    return (f"Too many wrong resume codes were tried on this server just now, so this one "
            f"was not looked up. Wait {max(1, math.ceil(seconds))} s and try again.")


def _look_up(store: ProgressStore, code: str) -> tuple[bool, str]:
    """Whether a learner has ``code``, under the throttle; a message if not looked up.

    Returns:
        (known, problem): ``problem`` is non-empty when the code was not looked up.
    """
    wait = throttle.seconds_to_wait(store, throttle.RESUME, client_key())
    if wait > 0:
        return False, _wait_text(wait)
    if store.get_learner(code) is not None:
        return True, ""
    throttle.record_failure(store, throttle.RESUME, client_key())
    return False, ""


def clear_store_cache() -> None:
    """Forget every cached store, as a server restart would (used by tests)."""
    with _STORES_LOCK:
        _STORES.clear()


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
    if code:
        known, problem = _look_up(store, code)
        if problem:
            # Not a new learner (that would replace the code in a bookmarked address).
            st.warning(problem.replace("try again", "reload the page"))
            st.stop()
        if known:
            return code, ""
    return None, (
        "The resume code in the page address is not known on this server, so you have a "
        "new code. If you typed it, check it and use “Resume with a code”."
    )


def current_learner() -> LearnerState:
    """This session's learner, created on the first visit.

    Order: the learner already in this session; else a known ``?code=`` in the address
    (a refresh, or a bookmarked link); else a new learner. Shows the store's short
    notices for learners (e.g. a damaged file repaired) once per session, without paths,
    and on every page that progress is not being saved when it is not.
    """
    store = get_store()
    state = st.session_state.get(SESSION_KEY)
    # A session keeps its code even if the store no longer knows it (a damaged store moved
    # aside mid-session): the store registers the code again on the next write.
    if not isinstance(state, LearnerState):
        code, notice = _code_from_address(store)
        if code is None:
            code = store.create_learner().code
        # A session that starts later is not told about a repair long past.
        state = LearnerState(code=code, notice=notice,
                             warnings_shown=store.old_notice_count(NOTICE_SECONDS))
    state = _set_state(state)

    notices = list(store.learner_notices)
    if not store.saving:
        st.warning(notices[0])  # on every page: nothing the learner does is kept
    for message in notices[max(state.warnings_shown, 0 if store.saving else 1):]:
        st.warning(message)
    if state.notice:
        st.info(state.notice)
    if state.warnings_shown != len(notices) or state.notice:
        state = _set_state(replace(state, warnings_shown=len(notices), notice=""))
    return state


def render_store_details() -> None:
    """For the instructor: what went wrong with the progress store, with paths and reasons."""
    store = get_store()
    for message in store.instructor_details:
        if store.saving:
            st.warning(message)
        else:
            st.error(message)


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
    known, problem = _look_up(get_store(), code)
    if problem:
        return problem
    if not known:
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
