"""The map from the course's checklist items to the published checklists: every mapped item
exists, on both sides, and the map reads the same in the wrap-up and the exported policy."""

from __future__ import annotations

import re

import pytest

from workshop import checklist_map, policy
from workshop.content import ChecklistItem, Course, Lesson, Stage, load_course


@pytest.fixture(scope="module")
def course():
    return load_course()


def test_the_map_is_sound_for_the_shipped_course(course):
    """Every mapped opening names exactly one checklist item of its stage; every reference
    names a checked item of a listed checklist; every checklist's source is citable."""
    assert checklist_map.problems(course) == []


def test_every_stage_with_a_checklist_but_deployment_is_mapped(course):
    """The map covers Stages 0–4; Stage 5's monitoring is in none of the four checklists."""
    with_checklists = {stage.id for stage in course.stages if stage.lesson.checklist}
    assert set(checklist_map.STAGE_MAP) == with_checklists - {"deployment"}


def test_each_published_checklist_is_used_and_cites_a_course_source(course):
    """All four checklists appear in the map, each with its source in lessons/sources.toml."""
    used = {reference.split(":")[0]
            for entries in checklist_map.STAGE_MAP.values()
            for _, references in entries for reference in references}
    assert used == {c.key for c in checklist_map.PUBLISHED} == {
        "pineau", "neurips", "pwc", "reforms"}
    for checklist in checklist_map.PUBLISHED:
        assert checklist.source_id in course.sources


def test_reforms_maps_only_to_the_items_checked_against_its_table():
    """REFORMS: only study goals, computational reproducibility and data quality (1a–3d)."""
    reforms = next(c for c in checklist_map.PUBLISHED if c.key == "reforms")
    assert all(re.fullmatch(r"[123][a-e]", key) for key in reforms.items)


def test_statistical_reporting_maps_to_runs_variation_and_significance(course):
    """Stage 3's reporting items answer Pineau's runs and variation and NeurIPS item 7."""
    model = next(stage for stage in course.stages if stage.id == "model")
    for text in ("Results are reported as the number of runs",
                 "Two models are compared on the same splits"):
        item = next(entry for entry in model.lesson.checklist if entry.item.startswith(text))
        refs = {m.reference for m in checklist_map.mapped_items("model", item.item)}
        assert {"pineau:runs", "pineau:variation", "neurips:significance"} <= refs


def _course_with(stage_id: str, *items: str) -> Course:
    lesson = Lesson(title="t", questions=("q",), objectives=("o",), keypoints=("k",),
                    presenter_notes="n", sections={},
                    checklist=tuple(ChecklistItem(text, "why", ()) for text in items))
    stage = Stage(id=stage_id, number=3, title="Model", nav_title="Model", folder="03",
                  minutes={}, lesson=lesson)
    return Course(title="c", agendas=(), stages=(stage,))


def test_a_renamed_item_or_a_missing_source_is_reported():
    """A course whose item no longer starts with the mapped words fails the map's check."""
    course = _course_with("model", "Report the best seed only")
    found = checklist_map.problems(course)
    assert any("'Results are reported as the number of runs' matches 0" in p for p in found)
    assert any("source 'pineau-checklist' is not in lessons/sources.toml" in p for p in found)
    assert any("stage 'design' is not in the course" in p for p in found)


def test_a_reference_to_an_unchecked_item_is_refused():
    """Only the items listed as checked can be named: anything else raises KeyError."""
    assert checklist_map.published_item("neurips:significance").text == (
        "Experiment statistical significance")
    for reference in ("neurips:safeguards", "reforms:8a", "acm:badges"):
        with pytest.raises(KeyError):
            checklist_map.published_item(reference)


def test_coverage_says_done_gap_or_not_covered():
    """A ticked item covers its published items; an unticked one leaves them a gap."""
    course = _course_with("model", "Results are reported as the number of runs, median, spread",
                          "Library versions are pinned in a lock file")
    items = policy.policy_items(course)
    table = {checklist.key: rows
             for checklist, rows in checklist_map.coverage(items, {items[0].key})}
    pineau = {row.item.key: row for row in table["pineau"]}
    assert pineau["runs"].covered and pineau["runs"].done == (items[0],)
    assert not pineau["runtime"].covered and pineau["runtime"].gaps == ()
    pwc = {row.item.key: row for row in table["pwc"]}
    assert not pwc["dependencies"].covered and pwc["dependencies"].gaps == (items[1],)


def test_the_policy_shows_each_items_published_checklists_and_the_coverage(course):
    """The exported policy names, under each practice, the published items it answers, and
    ends with each checklist's items marked done or not; its sources are written out."""
    items = policy.policy_items(course)
    model_keys = [item.key for item in items if item.stage_id == "model"]
    document = policy.policy_markdown(course, model_keys)
    assert "Published checklists: Pineau: Results: the exact number of training and " in document
    assert "\n## The published checklists\n" in document
    assert re.search(r"- \[x\] Experiment statistical significance — we do it \(3 · ", document)
    assert re.search(r"- \[ \] Results: runtime — not covered by this course", document)
    assert re.search(r"- \[ \] 2a\. The dataset, .* — a gap \(0 · ", document)
    for checklist in checklist_map.PUBLISHED:
        assert f"[{checklist.source_id}]" not in document
        assert course.sources[checklist.source_id].citation.split(",")[0] in document


def test_a_course_without_mapped_items_gets_no_published_section():
    """A team's own lessons that the map does not name: the policy says nothing about it."""
    course = _course_with("review", "Review every model change")
    document = policy.policy_markdown(course, [])
    assert "Published checklists" not in document
    assert "## The published checklists" not in document
