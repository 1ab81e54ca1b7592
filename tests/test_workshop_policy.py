"""The team policy generator: ticked checklist items in, a Markdown policy with the gaps and
the tools that close them out."""

from __future__ import annotations

from workshop import policy
from workshop.content import ChecklistItem, Course, Lesson, Stage, Tool, load_course


def _lesson(checklist=(), tools=()) -> Lesson:
    return Lesson(title="t", questions=("q",), objectives=("o",), keypoints=("k",),
                  presenter_notes="n", sections={}, checklist=tuple(checklist), tools=tuple(tools))


def _course() -> Course:
    design = Stage(
        id="design", number=1, title="Solution design", nav_title="Design", folder="01-design",
        minutes={}, lesson=_lesson(
            checklist=[
                ChecklistItem("Write a design card before modelling",
                              "A plan written after the score is fitted to it.", ("design card",)),
                ChecklistItem("Touch the holdout once", "Every look leaks.", ()),
            ],
            tools=[Tool("design card", "one page: question, metric, split, seed", True, "")],
        ))
    model = Stage(
        id="model", number=3, title="Model development", nav_title="Model", folder="03-model",
        minutes={}, lesson=_lesson(
            checklist=[ChecklistItem("Pass one seed to every random component",
                                     "Unseeded runs vary.\nEven between processes.",
                                     ("scikit-learn random_state", "pip-tools"))],
            tools=[Tool("scikit-learn random_state", "seeds each estimator", True,
                        "https://scikit-learn.org/stable/common_pitfalls.html")],
        ))
    no_checklist = Stage(id="wrap-up", number=6, title="Wrap-up", nav_title="Wrap-up",
                         folder="06-wrap-up", minutes={}, lesson=_lesson())
    return Course(title="Reproducible ML", agendas=(), stages=(design, model, no_checklist))


def test_every_checklist_item_gets_a_stable_key_in_course_order():
    """A team lead sees every practice of the course once, stage by stage."""
    items = policy.policy_items(_course())
    assert [item.key for item in items] == ["design:0", "design:1", "model:0"]
    assert items[2].tools == ("scikit-learn random_state", "pip-tools")
    assert items[0].stage_title == "Solution design"


def test_ticked_items_are_listed_as_done_and_the_rest_as_gaps_with_their_tools():
    """A team that writes design cards sees the other two practices as its gaps."""
    document = policy.policy_markdown(_course(), {"design:0"})
    done, gaps = document.split("## Gaps, and the tools that close them")
    assert "- [x] Write a design card before modelling" in done
    assert "Touch the holdout once" not in done
    assert "- [ ] **Touch the holdout once**" in gaps
    assert "- [ ] **Pass one seed to every random component**" in gaps
    assert "Write a design card" not in gaps
    assert "We do **1 of 3** practices today; **2** are gaps." in document


def test_a_gap_names_why_it_matters_and_each_tool_with_its_use_and_link():
    """Each gap says why it matters and which tools close it, linking where a URL is known."""
    document = policy.policy_markdown(_course(), [])
    assert "  - Why: Unseeded runs vary. Even between processes." in document
    assert ("  - Tool: [scikit-learn random_state](https://scikit-learn.org/stable/"
            "common_pitfalls.html) — seeds each estimator") in document
    # A tool the lesson does not describe is still named.
    assert "  - Tool: **pip-tools**" in document
    assert "Nothing ticked yet." in document


def test_everything_ticked_leaves_no_gaps_and_unknown_keys_are_ignored():
    """A team doing it all gets a policy with no gaps; a stale tick changes nothing."""
    document = policy.policy_markdown(_course(), {"design:0", "design:1", "model:0", "legacy:9"})
    assert "None: every practice in the course is ticked." in document
    assert "We do **3 of 3**" in document


def test_team_name_is_one_line_in_the_title_and_the_document_ends_with_a_newline():
    """A team name typed with line breaks cannot break the document's structure."""
    document = policy.policy_markdown(_course(), [], team="Credit\n# risk   team")
    assert document.splitlines()[0] == "# Our reproducibility policy: Credit # risk team"
    assert document.endswith("\n") and not document.endswith("\n\n")


def test_stage_headings_use_the_stage_number_and_title():
    """The policy reads in the course's order, under the course's stage names."""
    document = policy.policy_markdown(_course(), {"model:0"})
    assert "### 3 · Model development" in document
    assert "### 1 · Solution design" in document


def test_the_real_course_checklists_make_a_policy():
    """The shipped lessons produce a policy that lists every checklist item exactly once."""
    course = load_course()
    items = policy.policy_items(course)
    assert items, "the shipped lessons should have checklists"
    document = policy.policy_markdown(course, [items[0].key])
    assert f"- [x] {' '.join(items[0].item.split())}" in document
    for item in items[1:]:
        assert f"- [ ] **{' '.join(item.item.split())}**" in document


def test_policy_keys_are_the_keys_an_audit_report_may_tick():
    """The keys a pasted audit report is checked against: one per checklist item."""
    assert policy.policy_keys(_course()) == {"design:0", "design:1", "model:0"}


def test_the_policy_names_no_internal_source_ids_and_writes_its_sources_out():
    """The team's document reads as theirs: numbered notes and full citations."""
    from workshop.content import load_course
    from workshop.content.prose import citations

    course = load_course()
    document = policy.policy_markdown(course, [], team="Risk models")
    cited_in_course = {
        source_id
        for stage in course.stages
        for item in stage.lesson.checklist + stage.lesson.tools
        for source_id in citations(" ".join(str(v) for v in vars(item).values()))
    }
    assert cited_in_course, "the course's checklists and tools cite sources"
    for source_id in course.sources:
        assert f"[{source_id}]" not in document
    assert "\n## Sources\n" in document
    for source_id in cited_in_course & set(course.sources):
        assert course.sources[source_id].citation.split(",")[0] in document
