"""The Markdown and JSON reports: the documented JSON schema and safe Markdown."""

from __future__ import annotations

import json
from pathlib import Path

from workshop.audit.items import ITEMS, run_audit
from workshop.audit.report import as_data, code, exit_code, plain, to_json, to_markdown

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "audit"
ITEM_KEYS = ["id", "title", "stage_id", "checklist_item", "policy_key", "status", "summary",
             "tools", "evidence"]


def test_json_schema_is_the_documented_one():
    data = json.loads(to_json(run_audit(FIXTURES / "careless")))
    assert list(data) == ["schema", "folder", "exit_code", "summary", "items", "skipped",
                          "truncated"]
    assert data["schema"] == "workshop-audit/1" and data["folder"] == "careless"
    assert [item["id"] for item in data["items"]] == [item.id for item in ITEMS]
    for item in data["items"]:
        assert list(item) == ITEM_KEYS
        assert item["status"] in ("found", "missing", "cannot_tell")
        for evidence in item["evidence"]:
            assert list(evidence) == ["path", "line", "cell", "text"]
    seeds = data["items"][1]
    assert seeds["stage_id"] == "model" and seeds["policy_key"].startswith("model:")
    assert seeds["checklist_item"].startswith("Every random component gets the same")
    ci = data["items"][-1]
    assert ci["checklist_item"] is None and ci["policy_key"] is None
    assert data["skipped"] == [] and data["truncated"] is False


def test_exit_code_follows_missing_items_only():
    careful = run_audit(FIXTURES / "careful")
    assert exit_code(careful) == 0 and as_data(careful)["exit_code"] == 0
    assert exit_code(run_audit(FIXTURES / "careless")) == 1


def test_markdown_lists_every_item_with_evidence_and_course_tools():
    text = to_markdown(run_audit(FIXTURES / "careless"))
    for item in ITEMS:
        assert f"| ❌ missing | {item.title} | `{item.stage_id}` |" in text
    assert "- ` train.py:7 ` — ` column list built from a set (list() of a set): " in text
    assert "*Course tools:* pip-tools, uv, conda-lock" in text
    assert "> Course checklist (data:4): Split first; fit every selection" in text


def test_code_spans_and_plain_text_cannot_be_broken():
    assert code("a`b") == "`` a`b ``"
    assert code("x ``` y") == "```` x ``` y ````"
    assert plain("test_*.py [x](y) <b>") == "test\\_\\*.py \\[x\\](y) \\<b\\>"
