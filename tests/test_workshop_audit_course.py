"""Lesson checklists read with tomllib, resolved by their opening words."""

from __future__ import annotations

from workshop.audit.course import find_entry, load_checklists


def test_checklists_are_read_from_the_lessons():
    entries, tools = load_checklists()
    assert {entry.stage_id for entry in entries} >= {"design", "data", "model", "legacy",
                                                    "deployment"}
    assert "Datasheet" in tools["data"] and tools["wrap-up"] == ()
    entry = find_entry("model", "Column and feature lists")
    assert entry.key == f"model:{entry.index}" and entry.tools == ("Fresh-process hash check",)
    assert find_entry("model", "No such item") is None


def test_missing_lessons_give_nothing_not_an_error(tmp_path):
    assert load_checklists(tmp_path) == ((), {})
    (tmp_path / "course.toml").write_text('[[stage]]\nid = "x"\nfolder = "x"\n')
    assert load_checklists(tmp_path) == ((), {})
