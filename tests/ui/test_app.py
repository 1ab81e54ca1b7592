"""The app as a learner meets it: identity and resume codes, progress that survives a refresh
and a restart, a damaged store, hostile names, broken lessons, and a light welcome page.

Most tests run on a small course of our own (``write_team_lessons``) so they do not depend on
the shipped lessons' wording; the shipped course is exercised in ``test_page_*.py``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.ui.helpers import (
    PROJECT_ROOT,
    current_page,
    new_app,
    open_page,
    write_team_lessons,
)
from workshop.progress import STORE_FILENAME, ProgressStore, clean_display_name
from workshop.ui import session

STAGE = "team-habits"


@pytest.fixture
def team_lessons(tmp_path, monkeypatch):
    folder = write_team_lessons(tmp_path / "lessons")
    monkeypatch.setenv("WORKSHOP_LESSONS_DIR", str(folder))
    return folder


def _texts(elements) -> list[str]:
    return [element.value for element in elements]


def _pass_single_choice(at) -> None:
    open_page(at, STAGE)
    at.radio(key="habits-single-answer").set_value("before")
    at.button(key="habits-single-submit").click().run()


def test_first_visit_creates_a_learner_and_puts_the_code_in_the_address(team_lessons):
    """A new learner gets a resume code, shown in the sidebar and kept in ?code=."""
    at = new_app().run()
    assert not at.exception
    code = at.query_params["code"]
    assert ProgressStore().get_learner(code) is not None
    assert code in [block.value for block in at.sidebar.code]


def test_the_router_passes_no_stage_id_through_session_state(team_lessons):
    """Opening /team-habits draws that stage from its own page function: the router keeps
    no ``stage_id`` (or any other routing key) in session state."""
    at = new_app().run()
    before = set(at.session_state.keys())
    open_page(at, STAGE)
    assert [title.value for title in at.title] == ["Stage 1 · Our team's habits"]
    open_page(at, "wrap-up")
    for state in (before, set(at.session_state.keys())):
        assert "stage_id" not in state
    assert current_page(at)["url_pathname"] == "wrap-up"


def test_progress_survives_a_refresh_with_the_code_in_the_address(team_lessons):
    """A refresh (a new session with ?code=) resumes the same learner and progress."""
    first = new_app().run()
    _pass_single_choice(first)
    code = first.query_params["code"]

    refreshed = new_app(code).run()
    assert not refreshed.exception
    assert refreshed.query_params["code"] == code
    assert len(ProgressStore().all_learners()) == 1  # no second learner was created
    open_page(refreshed, STAGE)
    assert refreshed.button(key="habits-single-submit").disabled


def test_progress_survives_a_server_restart(team_lessons, private_workshop_data_dir):
    """After a restart (no cached store, same data folder) the code still finds its progress."""
    first = new_app().run()
    _pass_single_choice(first)
    code = first.query_params["code"]

    session.clear_store_cache()  # what a restart does to the process-wide store
    after = new_app(code).run()
    assert not after.exception
    assert os.environ["WORKSHOP_DATA_DIR"] == str(private_workshop_data_dir)
    open_page(after, "wrap-up")
    table = after.dataframe[0].value
    row = table[table["Check"] == "habits-single"].iloc[0]
    assert (row["Outcome"], row["Attempts"]) == ("passed", 1)


def test_an_unknown_code_in_the_address_gives_a_new_learner_and_says_so(team_lessons):
    """A stale or mistyped ?code= does not crash: a new code, and a note saying why."""
    at = new_app("ZZZZ-ZZZZ").run()
    assert not at.exception
    assert at.query_params["code"] != "ZZZZ-ZZZZ"
    assert any("not known on this server" in text for text in _texts(at.info))


def test_resume_with_a_code_switches_learner_and_a_bad_code_is_explained(team_lessons):
    """Typing a known code resumes that learner; a malformed or unknown one gets a message."""
    first = new_app().run()
    _pass_single_choice(first)
    code = first.query_params["code"]

    other = new_app().run()
    assert other.query_params["code"] != code
    other.text_input(key="welcome-resume-code").input("not a code")
    other.button(key="FormSubmitter:welcome-resume-form-Resume").click().run()
    assert any("does not look like a resume code" in text for text in _texts(other.error))

    other.text_input(key="welcome-resume-code").input("zzzz zzzz")
    other.button(key="FormSubmitter:welcome-resume-form-Resume").click().run()
    assert any("No learner with the code ZZZZ-ZZZZ" in text for text in _texts(other.error))

    other.text_input(key="welcome-resume-code").input(code.lower())
    other.button(key="FormSubmitter:welcome-resume-form-Resume").click().run()
    assert not other.exception
    assert other.query_params["code"] == code
    open_page(other, STAGE)
    assert other.button(key="habits-single-submit").disabled


def test_a_corrupt_store_is_moved_aside_and_the_app_still_works(team_lessons,
                                                                private_workshop_data_dir):
    """A damaged progress file is kept aside, the learner gets a short notice once (no
    path: finding 7 of "Safe by default"), and can carry on."""
    private_workshop_data_dir.mkdir(parents=True)
    (private_workshop_data_dir / STORE_FILENAME).write_bytes(b"this is not SQLite\x00" * 100)
    at = new_app().run()
    assert not at.exception
    warnings = _texts(at.warning)
    assert any("progress storage had a problem" in text for text in warnings)
    assert not any(str(private_workshop_data_dir) in text for text in warnings)
    moved = [p for p in private_workshop_data_dir.iterdir()
             if p.name.startswith(STORE_FILENAME) and p.name != STORE_FILENAME
             and not p.name.endswith(("-wal", "-shm"))]
    assert moved, "the damaged file should be kept, renamed"
    assert b"this is not SQLite" in moved[0].read_bytes()

    _pass_single_choice(at)
    assert not at.exception
    assert not any("progress storage" in text for text in _texts(at.warning))  # once
    record = ProgressStore().progress_for(at.query_params["code"])["habits-single"]
    assert record.outcome == "passed"


@pytest.mark.parametrize("name", [
    "<script>alert(1)</script>",
    "**bold**",
    "\u202eRTL override \u05e9\u05dc\u05d5\u05dd",
    "x" * 5000,
])
def test_a_hostile_display_name_is_stored_cleaned_and_shown_as_plain_text(team_lessons, name):
    """Whatever a learner types as a name is stored cleaned and shown as text, never markup."""
    at = new_app().run()
    code = at.query_params["code"]
    at.text_input(key=f"learner-display-name-{code}").input(name).run()
    assert not at.exception
    expected = clean_display_name(name)
    assert ProgressStore().get_learner(code).display_name == expected
    assert len(expected) <= 40
    assert f"Hello, {expected}" in _texts(at.sidebar.text)
    # Never through Markdown (which would render **bold** or pass HTML along).
    assert not any(expected in text for text in _texts(at.markdown))


def test_broken_lessons_show_every_problem_and_how_to_check_them(team_lessons):
    """A team's broken edit gives an error naming the file and the fix, never a traceback."""
    checks = team_lessons / "01-team-habits" / "checks.toml"
    checks.write_text(checks.read_text(encoding="utf-8").replace('kind = "numeric"',
                                                                 'kind = "numerik"'),
                      encoding="utf-8")
    (team_lessons / "02-wrap-up" / "lesson.md").write_text("no front matter\n", encoding="utf-8")
    at = new_app().run()
    assert not at.exception
    message = " ".join(_texts(at.error))
    assert "checks.toml" in message and "numerik" in message
    assert "02-wrap-up/lesson.md" in message
    assert "python -m workshop validate" in message


def test_a_missing_lessons_folder_is_explained(tmp_path, monkeypatch):
    """Pointing WORKSHOP_LESSONS_DIR at nothing says so instead of crashing."""
    monkeypatch.setenv("WORKSHOP_LESSONS_DIR", str(tmp_path / "nowhere"))
    at = new_app().run()
    assert not at.exception
    assert any("does not exist" in text for text in _texts(at.error))


def test_next_and_previous_buttons_move_between_pages_and_keep_the_code(team_lessons):
    """"Next stage →" and "← Previous" walk the course; the resume code stays in the address."""
    at = new_app().run()
    code = at.query_params["code"]
    at.button(key="welcome-start").click().run()
    assert _texts(at.title) == ["Stage 1 · Our team's habits"]
    assert at.query_params["code"] == code
    at.button(key=f"{STAGE}-next-page").click().run()
    assert _texts(at.title)[0] == "Wrap-up"
    open_page(at, STAGE)
    at.button(key=f"{STAGE}-previous-page").click().run()
    assert _texts(at.title) == ["A team's own course"]
    assert at.query_params["code"] == code


def test_sidebar_marks_follow_progress(team_lessons):
    """The sidebar shows · before any check, ◐ after one, ✓ when every check is done."""
    at = new_app().run()

    def mark() -> str:
        labels = [link.label for link in at.sidebar.get("page_link")]
        return next(label for label in labels if "Habits" in label).split(" — ")[-1]

    assert mark() == "not started"
    _pass_single_choice(at)
    assert mark() == "started ◐"
    for check_id in ("habits-multiple", "habits-numeric", "habits-ordering", "habits-predict"):
        at.button(key=f"{check_id}-reveal").click().run()
    assert mark() == "done ✓"


def test_wrap_up_policy_download_lists_ticked_items_and_gaps(team_lessons):
    """Ticking one practice makes a policy with that practice done and the other as a gap."""
    at = new_app().run()
    open_page(at, "wrap-up")
    at.checkbox(key="policy-item-team-habits:0").check().run()
    at.text_input(key="policy-team").input("Credit risk").run()
    assert not at.exception
    preview = next(
        block.value for block in at.code if block.value.startswith("# Our reproducibility")
    )
    assert preview.splitlines()[0] == "# Our reproducibility policy: Credit risk"
    done, gaps = preview.split("## Gaps, and the tools that close them")
    assert "- [x] Write the split and the seed down before modelling" in done
    assert "- [ ] **Keep raw data read-only**" in gaps
    assert "sha256 manifest" in gaps


def test_wrap_up_exports_the_learners_progress_as_json(team_lessons):
    """The learner can download everything stored about them."""
    at = new_app().run()
    _pass_single_choice(at)
    open_page(at, "wrap-up")
    code = at.query_params["code"]
    exported = json.loads(ProgressStore().export_json(code))
    assert exported["learner"]["code"] == code
    labels = [button.proto.label for button in at.get("download_button")]
    assert "Download my progress (JSON)" in labels
    assert "Download the policy (Markdown)" in labels


@pytest.mark.slow
def test_the_welcome_page_does_not_import_scikit_learn(team_lessons):
    """The first page appears fast: in a fresh process, it never imports scikit-learn or a
    case-study stage module."""
    script = (
        "import sys\n"
        "from streamlit.testing.v1 import AppTest\n"
        f"at = AppTest.from_file({str(PROJECT_ROOT / 'app.py')!r}, default_timeout=60).run()\n"
        "assert not at.exception, at.exception\n"
        "assert at.title, 'the welcome page drew nothing'\n"
        "heavy = sorted(m for m in sys.modules if m == 'sklearn' or m.startswith('sklearn.')\n"
        "               or m.startswith('case_study.stage'))\n"
        "print('HEAVY', heavy)\n"
        "sys.exit(1 if heavy else 0)\n"
    )
    for lessons in (str(team_lessons), str(PROJECT_ROOT / "lessons")):
        env = {**os.environ, "WORKSHOP_LESSONS_DIR": lessons}
        done = subprocess.run([sys.executable, "-c", script], cwd=PROJECT_ROOT, env=env,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]


@pytest.mark.slow
def test_scikit_learn_is_imported_in_the_background_after_the_first_stage_page():
    """Welcome then Stage 0, in a fresh process: the welcome page starts nothing; once
    Stage 0 has drawn (it needs no scikit-learn) the stage modules are imported in a
    background thread, so Stage 1 no longer pays for them. After the first page, and again
    after those imports, what is loaded is frozen out of the garbage collector's walks."""
    script = (
        "import sys\n"
        "from streamlit.testing.v1 import AppTest\n"
        "from streamlit.util import calc_hash\n"
        "from workshop.ui import warmup\n"
        f"at = AppTest.from_file({str(PROJECT_ROOT / 'app.py')!r}, default_timeout=60).run()\n"
        "assert not at.exception, at.exception\n"
        "assert warmup.started() is None, 'the welcome page started the warm-up'\n"
        "assert 'sklearn' not in sys.modules\n"
        "import gc\n"
        "after_first_page = gc.get_freeze_count()\n"
        "assert after_first_page > 50_000, after_first_page  # Streamlit's objects, frozen\n"
        "at._page_hash = calc_hash('why')\n"
        "at.run()\n"
        "assert not at.exception, at.exception\n"
        "thread = warmup.started()\n"
        "assert thread is not None and thread.daemon, 'Stage 0 did not start the warm-up'\n"
        "thread.join(120)\n"
        "assert not thread.is_alive() and warmup.failures() == {}, warmup.failures()\n"
        "missing = [m for m in warmup.STAGE_MODULES + ('sklearn',) if m not in sys.modules]\n"
        "assert not missing, missing\n"
        "assert gc.get_freeze_count() > after_first_page, 'the imported modules were not frozen'\n"
        "assert warmup.start() is thread, 'a second stage page started a second thread'\n"
        "print('OK')\n"
    )
    env = {**os.environ, "WORKSHOP_LESSONS_DIR": str(PROJECT_ROOT / "lessons")}
    done = subprocess.run([sys.executable, "-c", script], cwd=PROJECT_ROOT, env=env,
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0 and "OK" in done.stdout, done.stdout[-2000:] + done.stderr[-2000:]
