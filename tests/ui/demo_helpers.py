"""For the demo AppTests: commit a prediction as the check below a demo would."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from workshop.content import load_course


def learner_code(at: AppTest) -> str:
    """The resume code of the learner the AppTest's session created."""
    from workshop.ui import session

    return at.session_state[session.SESSION_KEY].code


def commit(at: AppTest, *check_ids: str) -> AppTest:
    """Record a (failed) first answer to each check for the AppTest's learner, then rerun.

    What the check's "Commit my prediction, then run" does to the store, without drawing it:
    a demo button that waits for these checks then unlocks.
    """
    from workshop.progress import ProgressStore, default_data_dir

    course = load_course()
    store = ProgressStore(default_data_dir())
    code = learner_code(at)
    for check_id in check_ids:
        stage = next(stage for stage in course.stages
                     if check_id in [check.id for check in stage.checks])
        store.record_attempt(code, stage.id, check_id, "failed")
    return at.run()


def assert_locked(at: AppTest, key: str, label: str, check_id: str) -> None:
    """The demo's button is drawn disabled, names the check to answer, and links to it."""
    button = at.button(key=key)
    assert button.disabled
    assert button.label.startswith(f"🔒 {label} — ") and "below first" in button.label
    assert any(f"](#check-{check_id})" in m.value for m in at.markdown)
