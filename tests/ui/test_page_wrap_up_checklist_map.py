"""The wrap-up page shows where each practice stands in the published checklists: the map
table, and coverage that follows the learner's ticks; the policy preview carries the same."""

from __future__ import annotations

from tests.ui.helpers import new_app, open_page
from workshop import checklist_map, policy
from workshop.content import load_course
from workshop.ui import checklist_map_view
from workshop.ui.lesson_view import lessons_dir

COURSE = load_course(lessons_dir())


def _map_table(at):
    return next(frame.value for frame in at.dataframe
                if "Practice" in frame.value.columns and "REFORMS" in frame.value.columns)


def test_the_map_lists_every_practice_beside_the_four_checklists():
    """One row per practice; the columns are the four checklists; reporting over runs
    sits beside Pineau's runs and NeurIPS's statistical significance."""
    at = new_app().run()
    open_page(at, "wrap-up")
    assert not at.exception
    table = _map_table(at)
    items = policy.policy_items(COURSE)
    assert list(table["Practice"]) == [item.item for item in items]
    assert list(table.columns[2:]) == [c.short for c in checklist_map.PUBLISHED]
    row = table[table["Practice"].str.startswith("Results are reported as the number of runs")]
    assert "the exact number of training and evaluation runs" in row["Pineau"].iloc[0]
    assert row["NeurIPS"].iloc[0] == "Experiment statistical significance"
    deployment = table[table["Stage"].str.startswith("5 ")]
    assert (deployment[[c.short for c in checklist_map.PUBLISHED]] == checklist_map_view.NONE
            ).all().all()


def test_ticking_a_practice_raises_its_checklists_coverage():
    """Nothing ticked: every checklist is answered by 0 items; ticking Stage 3's reporting
    practice makes Pineau and NeurIPS count it, in the map and in the policy preview."""
    at = new_app().run()
    open_page(at, "wrap-up")
    assert any("what you ticked answers 0 of the 10 items" in m.value for m in at.markdown)
    key = next(item.key for item in policy.policy_items(COURSE)
               if item.item.startswith("Results are reported as the number of runs"))
    at.checkbox(key=f"policy-item-{key}").check().run()
    assert not at.exception
    expected = checklist_map_view.coverage_lines(COURSE, {key})
    shown = "\n".join(m.value for m in at.markdown)
    assert all(line in shown for line in expected)
    assert "what you ticked answers 2 of the 10 items" in shown
    preview = next(b.value for b in at.code if b.value.startswith("# Our reproducibility"))
    assert "- [x] Experiment statistical significance — we do it (3 · " in preview
