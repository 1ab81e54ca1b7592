""""Same hashes on your machine?" in the app: a learner pastes a manifest the case study
wrote and sees the match (or a clear refusal); the instructor's room counts the hashes."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from case_study import cli
from tests.ui.helpers import TIMEOUT
from tests.ui.test_page_instructor import CODE, _instructor_page, _submit_code
from workshop.progress import HashReport, ProgressStore
from workshop.ui import hash_experiment as learner_side
from workshop.ui import instructor_page as page


@pytest.fixture(scope="module")
def manifest_text(tmp_path_factory) -> str:
    """manifest.json of `python -m case_study run --pipeline reproducible`, run in-process."""
    out = tmp_path_factory.mktemp("run")
    assert cli.main(["run", "--pipeline", "reproducible", "--out", str(out)]) == 0
    return (out / "manifest.json").read_text(encoding="utf-8")


def _learner_app(code: str) -> AppTest:
    def app(code: str) -> None:
        from workshop.ui.hash_experiment import render_learner

        render_learner(code)

    at = AppTest.from_function(app, args=(code,), default_timeout=TIMEOUT)
    return at.run()


def _submit(at: AppTest, text: str) -> AppTest:
    at.text_area(key=learner_side.PASTE_KEY).input(text)
    return next(b for b in at.button if b.label == learner_side.SUBMIT_LABEL).click().run()


def test_a_learner_pastes_a_manifest_and_sees_the_match(manifest_text):
    code = ProgressStore().create_learner("Ann").code
    at = _learner_app(code)
    assert not at.exception
    assert learner_side.hash_experiment.RUN_COMMAND in [block.value for block in at.code]
    at = _submit(at, manifest_text)
    assert not at.exception and not at.error
    assert at.success and learner_side.MATCH in at.success[0].value
    expected = json.loads(manifest_text)["predictions_sha256"]
    (report,) = ProgressStore().hash_reports()
    assert (report.learner_code, report.prediction_sha256) == (code, expected)
    assert report.platform and report.python and report.numpy


def test_a_different_hash_is_answered_and_malformed_input_refused():
    code = ProgressStore().create_learner().code
    at = _submit(_learner_app(code), "f" * 64)
    assert not at.exception
    assert "Different from the server's" in at.warning[0].value
    at = _submit(at, "f" * 63)
    assert "not a SHA-256 (64 hexadecimal characters) nor a run manifest" in at.error[0].value
    at = _submit(at, "[1, 2, 3]")
    assert "JSON object" in at.error[0].value
    assert [r.prediction_sha256 for r in ProgressStore().hash_reports()] == ["f" * 64]


def test_the_instructor_room_shows_how_many_distinct_hashes(monkeypatch):
    store = ProgressStore()
    server = learner_side.server_hash()
    for sha, platform in ((server, "Linux"), (server, "Linux"), ("e" * 64, "macOS")):
        learner = store.create_learner()
        store.record_attempt(learner.code, "model", "m1", "failed")
        store.report_hash(learner.code, HashReport(sha, platform, "3.12", "2.1", "openblas"))
    at = _submit_code(_instructor_page(monkeypatch), CODE)
    at.session_state[page.TAB_KEY] = "Room"
    at = at.run()
    assert not at.exception
    metrics = {metric.label: metric.value for metric in at.metric}
    assert (int(metrics["Hashes reported"]), int(metrics["Distinct hashes"]),
            int(metrics["Same as the server's"])) == (3, 2, 2)
    table = next(frame.value for frame in at.dataframe if "prediction hash" in frame.value)
    assert sorted(zip(table["platform"], table["learners"], strict=True)) == [
        ("Linux", 2), ("macOS", 1)]
