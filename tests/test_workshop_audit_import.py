"""Reading a pasted ``workshop audit --format json`` report: found ticks, missing unticks,
cannot-tell leaves the tick alone; anything that is not such a report is refused with a
message naming what is wrong, and never evaluated."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from workshop import audit_import, policy
from workshop.audit import model, report
from workshop.audit.items import run_audit
from workshop.audit_import import AuditImport, AuditImportError, parse_report
from workshop.content import load_course

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "audit"
KEYS = frozenset({"design:0", "data:0", "data:1", "model:0", "model:1"})


def _report(*items: dict, **extra) -> str:
    return json.dumps({"schema": "workshop-audit/1", "folder": "proj", "items": list(items),
                       **extra})


def _item(key, status="found", **extra) -> dict:
    return {"id": "x", "policy_key": key, "status": status, **extra}


def _refused(text, keys=KEYS) -> str:
    with pytest.raises(AuditImportError) as caught:
        parse_report(text, keys)
    return str(caught.value)


def test_constants_match_the_audit_that_writes_the_report():
    """The reader and the writer agree on the schema id and the three statuses."""
    assert audit_import.SCHEMA == report.SCHEMA
    assert audit_import.STATUSES == (model.FOUND, model.MISSING, model.CANNOT_TELL)


def test_found_ticks_missing_unticks_cannot_tell_is_left_alone():
    """Each status sets (or leaves) its policy tick; the summary counts them."""
    result = parse_report(_report(_item("design:0"), _item("data:0"), _item("data:1", "missing"),
                                  _item("model:0", "cannot_tell"), _item(None, "missing")), KEYS)
    assert result == AuditImport("proj", frozenset({"design:0", "data:0"}),
                                 frozenset({"data:1"}), frozenset({"model:0"}), 1)
    assert result.changes == {"data:0": True, "data:1": False, "design:0": True}
    assert result.apply({"model:0": True, "data:1": True, "model:1": True}) == {
        "model:0": True, "data:1": False, "model:1": True, "data:0": True, "design:0": True}
    assert result.summary == ("5 items read: 2 ticked, 1 left unticked, 1 could not be judged, "
                              "1 has no checklist item in this course.")


def test_the_summary_reads_like_the_issue_asks():
    """Eleven items: seven ticked, three left unticked, one not judged."""
    result = AuditImport("p", frozenset(f"a:{i}" for i in range(7)),
                         frozenset(f"b:{i}" for i in range(3)), frozenset({"c:0"}))
    assert result.summary == "11 items read: 7 ticked, 3 left unticked, 1 could not be judged."


def test_unknown_keys_are_ignored_and_bytes_are_read():
    """Keys a later report version adds, at the top or in an item, change nothing."""
    text = _report(_item("model:1", evidence=[{"path": "a.py"}], colour="red"),
                   generator="workshop 9", summary={"found": 1})
    assert parse_report(text.encode("utf-8"), KEYS).tick == {"model:1"}
    assert parse_report("\ufeff" .encode() + text.encode(), KEYS).tick == {"model:1"}


def test_two_items_sharing_a_key_untick_it_if_either_is_missing():
    """When the audit's items disagree about one practice, the gap wins."""
    result = parse_report(_report(_item("data:0"), _item("data:0", "missing"),
                                  _item("data:1"), _item("data:1", "cannot_tell")), KEYS)
    assert (result.tick, result.untick) == ({"data:1"}, {"data:0"})


def test_a_real_report_from_the_careful_fixture_reads_against_the_shipped_course():
    """The audit's own output, against the course the app loads, ticks every key it found."""
    text = report.to_json(run_audit(FIXTURES / "careful"))
    result = parse_report(text, policy.policy_keys(load_course()))
    found = {item["policy_key"] for item in json.loads(text)["items"] if item["policy_key"]}
    assert result.tick == found and not result.untick and not result.unjudged
    assert result.summary.startswith("11 items read: ")


@pytest.mark.parametrize("text, fragment", [
    ("", "Nothing to read"),
    ("   \n", "Nothing to read"),
    ("{'schema': 'workshop-audit/1'}", "not valid JSON: Expecting property name"),
    ('{"schema": "workshop-audit/1", "items": [', "not valid JSON"),
    ('{"schema": "workshop-audit/1", "items": [{"policy_key": "model:0", "status": NaN}]}',
     "NaN is not a JSON number"),
    ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ("__import__('os').system('echo hi')", "not valid JSON"),
], ids=["empty", "blank", "python-dict", "truncated", "nan", "deep", "code"])
def test_malformed_text_is_refused(text, fragment):
    """Text that is not JSON says so, with the line and column where it can."""
    assert fragment in _refused(text)


def test_oversized_text_is_refused_before_it_is_parsed(monkeypatch):
    """More than 256 KB is refused with what to cut, without parsing it."""
    monkeypatch.setattr(audit_import.json, "loads", lambda *a, **k: pytest.fail("parsed"))
    big = _report(_item("model:0", evidence=[{"text": "x" * audit_import.MAX_BYTES}]))
    message = _refused(big)
    assert "at most 256 KB" in message and "evidence" in message
    assert "KB" in _refused(big.encode())


def test_bytes_that_are_not_utf8_are_refused():
    assert "not UTF-8" in _refused(b'{"schema": "\xff"}')


@pytest.mark.parametrize("data, fragment", [
    ([1, 2], "must be a JSON object ({...}), found a list"),
    ("workshop-audit/1", "must be a JSON object ({...}), found text"),
    ({"items": []}, 'no "schema" key'),
    ({"schema": "workshop-audit/2", "items": []}, '"schema": "workshop-audit/2"'),
    ({"schema": ["workshop-audit/1"], "items": []}, '"schema": list'),
    ({"schema": "workshop-audit/1"}, '"items" must be a list of objects, found no "items"'),
    ({"schema": "workshop-audit/1", "items": {"a": 1}}, "found an object"),
], ids=["list", "string", "no-schema", "other-schema", "schema-list", "no-items",
        "items-object"])
def test_a_json_value_that_is_not_a_report_is_refused(data, fragment):
    """The wrong shape or another schema is named."""
    assert fragment in _refused(json.dumps(data))


@pytest.mark.parametrize("item, fragment", [
    ("model:0", "items[0] must be an object, found text"),
    ({"status": "found"}, 'items[0] has no "policy_key"'),
    ({"policy_key": 3, "status": "found"}, "items[0].policy_key must be text or null, found a "
                                           "number"),
    ({"policy_key": ["model:0"], "status": "found"}, "found a list"),
    ({"policy_key": "model:9", "status": "found"},
     'items[0].policy_key "model:9" is not a checklist item of this course'),
    ({"policy_key": "model:0", "status": "Found"},
     'items[0].status must be one of found, missing, cannot_tell, found "Found"'),
    ({"policy_key": "model:0", "status": True}, "found true"),
    ({"policy_key": "model:0"}, "found nothing"),
], ids=["item-text", "no-key", "key-number", "key-list", "key-unknown", "status-case",
        "status-bool", "no-status"])
def test_an_item_of_the_wrong_type_is_named_and_nothing_is_ticked(item, fragment):
    """Each bad item names its place and what was found; no partial ticking."""
    message = _refused(_report(_item("data:0"), item))
    assert fragment.replace("items[0]", "items[1]") in message
    assert message.endswith("Nothing was ticked.")


def test_every_bad_item_is_counted_and_the_first_few_shown():
    """Twelve bad items: the message counts all and shows five."""
    message = _refused(_report(*[_item(f"x:{i}") for i in range(12)]))
    assert message.startswith("The report has 12 problems: items[0].policy_key")
    assert "items[4]" in message and "items[5]" not in message and "and 7 more" in message


def test_a_long_value_is_cut_in_the_message():
    """A pasted megaline does not flood the page."""
    message = _refused(_report(_item("k" * 5000)))
    assert len(message) < 400


def test_non_text_input_is_refused():
    assert "Expected the report as text" in _refused(None)
