"""The whole app on damaged data: every page still draws, and every stage that needs the
loan data says what is wrong and what to do — never a traceback, never a silent result.
Data damaged under a running server is refused on the very next page view, even though the
demos' results are cached.

Each case runs in a fresh Python process (so no cache from another test can hide the
damage), with CASE_STUDY_DATA_DIR pointing at a damaged copy of data/.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from tests.ui.helpers import PROJECT_ROOT

STAGES_NEEDING_LOAN_DATA = ("design", "data", "model", "legacy", "deployment")

# Runs in the child process: open every page, report exceptions and error texts as JSON.
CHILD = r"""
import json, sys
sys.path.insert(0, {root!r})
from tests.ui.helpers import new_app, open_page
report = {{}}
at = new_app()
at.run()
for page in ["welcome", "why", "design", "data", "model", "legacy", "deployment", "wrap-up"]:
    if page != "welcome":
        open_page(at, page)
    report[page] = {{
        "exceptions": [e.message for e in at.exception],
        "errors": [e.value for e in at.error],
    }}
print(json.dumps(report))
"""


# Runs in the child process: view two stages whose demos cache what they compute (Stage 0
# after Recompute, on the checklist; Stage 5 on the loan data), change both raw files of the
# copy under the running app, view both stages again, and report both views as JSON.
CHILD_TAMPERED_WHILE_RUNNING = r"""
import json, sys
from pathlib import Path
sys.path.insert(0, {root!r})
from tests.ui.helpers import new_app, open_page
from tests.ui.demo_helpers import commit

def seen(at):
    return {{
        "exceptions": [e.message for e in at.exception],
        "errors": [e.value for e in at.error],
        "metrics": [m.label for m in at.metric],
        "checks": [m.value for m in at.markdown if m.value.startswith("##### Check")],
        "next": [b.label for b in at.button if b.key.endswith("-next-page")],
    }}

report = {{"before": {{}}, "after": {{}}}}
at = new_app()
at.run()
open_page(at, "why")
commit(at, "why-warmup-predict")  # the Recompute button waits for the prediction
at.button(key="why-recompute").click().run()
report["before"]["why"] = seen(at)
open_page(at, "deployment")
report["before"]["deployment"] = seen(at)
raw = Path({raw!r})
loans = raw / "german.data"
loans.write_bytes(loans.read_bytes().replace(b"A11 ", b"A12 ", 1))
checklist = raw / "code_checklist-neurips2019.csv"
checklist.write_bytes(checklist.read_bytes() + b"\n")
for page in ("why", "deployment"):
    open_page(at, page)
    report["after"][page] = seen(at)
print(json.dumps(report))
"""


def _run_child(code: str, data_dir, tmp_path) -> dict:
    env = {
        **os.environ,
        "CASE_STUDY_DATA_DIR": str(data_dir),
        "WORKSHOP_DATA_DIR": str(tmp_path / "progress"),
    }
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True, text=True, cwd=PROJECT_ROOT, env=env, timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def _run_app_on(data_dir, tmp_path) -> dict:
    return _run_child(CHILD.format(root=str(PROJECT_ROOT)), data_dir, tmp_path)


@pytest.fixture
def data_copy(tmp_path):
    copy = tmp_path / "data"
    # copyfile, not copy2: the raw files are read-only, and the copies must be writable.
    shutil.copytree(PROJECT_ROOT / "data", copy, copy_function=shutil.copyfile)
    return copy


@pytest.mark.slow
def test_a_tampered_loan_file_is_refused_on_every_stage_with_both_hashes(data_copy, tmp_path):
    """Someone 'fixes' one value in the raw file: every stage refuses it and names both hashes."""
    raw = data_copy / "raw" / "german.data"
    lines = raw.read_text().splitlines(keepends=True)
    lines[0] = lines[0].replace("A11", "A12", 1)
    raw.write_text("".join(lines))
    manifest = json.loads((PROJECT_ROOT / "data" / "manifest.json").read_text())
    expected = manifest["files"]["german.data"]["sha256"]

    report = _run_app_on(data_copy, tmp_path)

    for page, seen in report.items():
        assert seen["exceptions"] == [], f"{page}: {seen['exceptions']}"
    for page in STAGES_NEEDING_LOAN_DATA:
        errors = " ".join(report[page]["errors"])
        assert "does not match the manifest" in errors, (
            f"{page} did not refuse the data: {errors!r}"
        )
        assert expected in errors, f"{page} does not name the expected hash"
        assert "checking_status" in errors, f"{page} does not say what changed"
    # Stage 0 uses the other, untouched file and still works.
    assert report["why"]["errors"] == []


@pytest.mark.slow
def test_a_missing_loan_file_says_how_to_restore_it(data_copy, tmp_path):
    """The raw file is gone: every stage that needs it says so and how to restore it."""
    (data_copy / "raw" / "german.data").unlink()

    report = _run_app_on(data_copy, tmp_path)

    for page, seen in report.items():
        assert seen["exceptions"] == [], f"{page}: {seen['exceptions']}"
    for page in STAGES_NEEDING_LOAN_DATA:
        errors = " ".join(report[page]["errors"])
        assert "is missing" in errors and "Restore" in errors, f"{page}: {errors!r}"


@pytest.mark.slow
def test_files_changed_under_a_running_app_are_refused_on_the_next_view(data_copy, tmp_path):
    """Both raw files change while the app runs and its demos' results are cached: the very
    next view of each stage refuses its data with the expected hash — no cached figure is
    shown — and the checks and the Next button still draw."""
    manifest = json.loads((PROJECT_ROOT / "data" / "manifest.json").read_text())["files"]
    code = CHILD_TAMPERED_WHILE_RUNNING.format(root=str(PROJECT_ROOT), raw=str(data_copy / "raw"))

    report = _run_child(code, data_copy, tmp_path)

    figures = {"why": "Median stars", "deployment": "Monitoring log lines"}
    files = {"why": "code_checklist-neurips2019.csv", "deployment": "german.data"}
    for page, figure in figures.items():
        before, after = report["before"][page], report["after"][page]
        assert before["exceptions"] == [] and before["errors"] == [], f"{page}: {before}"
        assert figure in before["metrics"], f"{page} did not show its figures before the change"
        assert after["exceptions"] == [], f"{page}: {after['exceptions']}"
        errors = " ".join(after["errors"])
        assert "does not match the manifest" in errors, f"{page} showed cached results: {after}"
        assert manifest[files[page]]["sha256"] in errors, f"{page} does not name the expected hash"
        assert figure not in after["metrics"], f"{page} still shows a figure from the changed data"
        assert after["checks"] == before["checks"] and after["checks"], f"{page} lost its checks"
        assert after["next"] == before["next"] and after["next"], f"{page} lost its Next button"
