"""The audit on the two fixture projects: every item's status, and every piece of evidence
by file, line (and notebook cell). Also: each item names a real lesson checklist item and the
tools come from that stage's [[tools]]."""

from __future__ import annotations

from pathlib import Path

import pytest

from workshop.audit.course import load_checklists
from workshop.audit.items import ITEMS, run_audit
from workshop.audit.model import CANNOT_TELL, FOUND, MISSING

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "audit"

# item id -> (status, [(path, line, cell, words the evidence text must contain)])
CARELESS = {
    "pinned-dependencies": (MISSING, [("requirements.txt", 1, None, "pandas"),
                                      ("requirements.txt", 2, None, "scikit-learn>=1.3")]),
    "seeded-randomness": (MISSING, [
        ("notebooks/explore.ipynb", 2, 4, "train_test_split: no random_state"),
        ("train.py", 10, None, "train_test_split: no random_state"),
        ("train.py", 11, None, "RandomForestClassifier: no random_state")]),
    "column-order": (MISSING, [("train.py", 7, None, 'list(set(df.columns) - {"target"})')]),
    "fit-after-split": (MISSING, [
        ("train.py", 8, None, "StandardScaler fitted before the split at line 10")]),
    "data-hashes": (MISSING, [("data/loans.csv", None, None, "without a hash manifest")]),
    "datasheet": (MISSING, []),
    "model-card": (MISSING, []),
    "run-manifest": (MISSING, []),
    "monitoring": (MISSING, []),
    "training-tests": (MISSING, []),
    "ci-runs-tests": (MISSING, []),
}
CAREFUL = {
    "pinned-dependencies": (FOUND, [("requirements.txt", n, None, "==") for n in (2, 3, 4, 5)]),
    "seeded-randomness": (FOUND, [
        ("loanmodel/train.py", 25, None, "train_test_split: random_state set"),
        ("loanmodel/train.py", 28, None, "RandomForestClassifier: random_state set"),
        ("loanmodel/train.py", 29, None, "StratifiedKFold: random_state set"),
        ("notebooks/report.ipynb", 2, 3, "random_state=SEED")]),
    "column-order": (FOUND, [("loanmodel/train.py", 14, None, "NUMERIC_COLUMNS"),
                             ("loanmodel/train.py", 19, None, "sorted(set(frame.columns)")]),
    "fit-after-split": (FOUND, [("loanmodel/train.py", 25, None, "split"),
                                ("loanmodel/train.py", 30, None, "cross_val_score"),
                                ("notebooks/report.ipynb", 2, 3, "split"),
                                ("loanmodel/train.py", 27, None, "make_pipeline")]),
    "data-hashes": (FOUND, [("data/manifest.json", 4, None, "SHA-256")]),
    "datasheet": (FOUND, [("DATASHEET.md", None, None, "datasheet")]),
    "model-card": (FOUND, [("MODEL_CARD.md", None, None, "model card")]),
    "run-manifest": (FOUND, [("loanmodel/train.py", 37, None, "hashlib.sha256"),
                             ("loanmodel/train.py", 41, None, "json.dumps")]),
    "monitoring": (FOUND, [("loanmodel/monitor.py", 7, None, "defines psi()"),
                           ("loanmodel/monitor.py", 14, None, "ks_2samp")]),
    "training-tests": (FOUND, [("tests/test_training.py", 5, None, "calls train()"),
                               ("tests/test_training.py", 6, None, "calls train()")]),
    "ci-runs-tests": (FOUND, [(".github/workflows/ci.yml", 12, None, "python -m pytest")]),
}


def _check(project: str, expected: dict) -> None:
    audit = run_audit(FIXTURES / project)
    results = {item.id: finding for item, finding in audit.results}
    assert set(results) == set(expected)
    for item_id, (status, evidence) in expected.items():
        finding = results[item_id]
        assert finding.status == status, (item_id, finding)
        got = [(e.path, e.line, e.cell) for e in finding.evidence]
        assert got == [(p, line, cell) for p, line, cell, _ in evidence], (item_id, got)
        for found, (_p, _l, _c, words) in zip(finding.evidence, evidence, strict=True):
            assert words in found.text, (item_id, found.text)
    assert not audit.skipped and not audit.truncated


def test_careless_project_misses_every_item_with_its_evidence():
    _check("careless", CARELESS)


def test_careful_project_has_every_item_with_its_evidence():
    _check("careful", CAREFUL)


def test_item_ids_are_unique_and_stable():
    assert [item.id for item in ITEMS] == list(CARELESS)


@pytest.mark.parametrize("item", ITEMS, ids=lambda item: item.id)
def test_each_item_names_its_lesson_checklist_entry_and_the_stages_tools(item):
    entries, tools = load_checklists()
    assert item.tools and set(item.tools) <= set(tools[item.stage_id]), item.tools
    if item.checklist_opening is None:
        assert item.checklist() is None
        return
    entry = item.checklist()
    assert entry is not None and entry.stage_id == item.stage_id
    assert entry in entries
    assert entry.key == f"{item.stage_id}:{entry.index}"


def test_checklist_entries_agree_with_the_content_engine():
    from workshop.content import load_course
    from workshop.policy import item_key

    course = load_course()
    for item in ITEMS:
        entry = item.checklist()
        if entry is None:
            continue
        lesson = course.stage(item.stage_id).lesson
        assert lesson.checklist[entry.index].item == entry.item
        assert entry.key == item_key(item.stage_id, entry.index)
        assert set(item.tools) <= {tool.name for tool in lesson.tools}


def test_a_syntax_error_turns_code_items_into_cannot_tell(tmp_path):
    (tmp_path / "ok.py").write_text(
        "from sklearn.model_selection import train_test_split\n"
        "a, b = train_test_split([1, 2, 3, 4], random_state=0)\n")
    (tmp_path / "broken.py").write_text("def f(:\n    pass\n")
    results = {item.id: f for item, f in run_audit(tmp_path).results}
    seeds = results["seeded-randomness"]
    assert seeds.status == CANNOT_TELL
    assert [(e.path, e.line) for e in seeds.evidence] == [("broken.py", 1)]
    assert "does not parse" in seeds.evidence[0].text
    assert results["fit-after-split"].status == CANNOT_TELL
    assert results["monitoring"].status == CANNOT_TELL


def test_kwargs_that_may_carry_the_seed_are_cannot_tell(tmp_path):
    (tmp_path / "model.py").write_text(
        "from sklearn.ensemble import RandomForestClassifier\n"
        "PARAMS = {'random_state': 0}\n"
        "model = RandomForestClassifier(**PARAMS)\n")
    results = {item.id: f for item, f in run_audit(tmp_path).results}
    finding = results["seeded-randomness"]
    assert finding.status == CANNOT_TELL
    assert [(e.path, e.line) for e in finding.evidence] == [("model.py", 3)]


def test_a_folder_of_documents_only_cannot_tell_the_code_items(tmp_path):
    (tmp_path / "NOTES.md").write_text("# Notes\n")
    results = {item.id: f for item, f in run_audit(tmp_path).results}
    for item_id in ("seeded-randomness", "column-order", "fit-after-split", "run-manifest",
                    "monitoring"):
        assert results[item_id].status == CANNOT_TELL
        assert results[item_id].summary == "no Python files or notebooks to read"
    assert results["data-hashes"].status == CANNOT_TELL


def test_tracking_imports_and_monitoring_libraries_count(tmp_path):
    (tmp_path / "run.py").write_text("import mlflow\nfrom evidently import Report\n"
                                     "mlflow.log_param('seed', 1)\n")
    results = {item.id: f for item, f in run_audit(tmp_path).results}
    assert [(e.line, e.text.split(":")[0]) for e in results["run-manifest"].evidence] == [
        (1, "imports mlflow"), (3, "mlflow.log_param()")]
    assert [(e.line, e.text.split(":")[0]) for e in results["monitoring"].evidence] == [
        (2, "imports evidently")]


def test_tests_that_never_train_are_missing_with_the_test_files(tmp_path):
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_io.py").write_text("def test_read():\n    assert 1\n")
    results = {item.id: f for item, f in run_audit(tmp_path).results}
    finding = results["training-tests"]
    assert finding.status == MISSING
    assert [(e.path, e.line) for e in finding.evidence] == [("tests/test_io.py", None)]
