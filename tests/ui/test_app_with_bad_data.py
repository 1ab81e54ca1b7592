"""The whole app on damaged data: every page still draws, and every stage that needs the
loan data says what is wrong and what to do — never a traceback, never a silent result.

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


def _run_app_on(data_dir, tmp_path) -> dict:
    env = {
        **os.environ,
        "CASE_STUDY_DATA_DIR": str(data_dir),
        "WORKSHOP_DATA_DIR": str(tmp_path / "progress"),
    }
    result = subprocess.run(
        [sys.executable, "-c", CHILD.format(root=str(PROJECT_ROOT))],
        capture_output=True, text=True, cwd=PROJECT_ROOT, env=env, timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture
def data_copy(tmp_path):
    copy = tmp_path / "data"
    shutil.copytree(PROJECT_ROOT / "data", copy)
    return copy


@pytest.mark.slow
def test_a_tampered_loan_file_is_refused_on_every_stage_with_both_hashes(data_copy, tmp_path):
    """Someone 'fixes' one value in the raw file: every stage refuses it and names both hashes."""
    raw = data_copy / "raw" / "german.data"
    lines = raw.read_text().splitlines(keepends=True)
    lines[0] = lines[0].replace("A11", "A12", 1)
    raw.write_text("".join(lines))
    expected = json.loads((PROJECT_ROOT / "data" / "manifest.json").read_text())["files"]["german.data"]["sha256"]

    report = _run_app_on(data_copy, tmp_path)

    for page, seen in report.items():
        assert seen["exceptions"] == [], f"{page}: {seen['exceptions']}"
    for page in STAGES_NEEDING_LOAN_DATA:
        errors = " ".join(report[page]["errors"])
        assert "does not match the manifest" in errors, f"{page} did not refuse the data: {errors!r}"
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
