"""Where the course's checklist items stand in the published checklists: a table, checked.

Four published checklists (:data:`PUBLISHED`): Pineau's Machine Learning Reproducibility
Checklist, the NeurIPS Paper Checklist, Papers with Code's ML Code Completeness Checklist
and REFORMS. Each lists only the items this project checked against the source named by
its ``source_id`` in ``lessons/sources.toml``; nothing is mapped to an item not listed.

:data:`STAGE_MAP` says, stage by stage, which published items one of the stage's checklist
items answers. A course item is named by the opening words of its text (``"Results are
reported as the number of runs"``), so a reworded ending does not break the map, while a
renamed or removed item is reported by :func:`problems` (the tests run it on the shipped
course). The wrap-up page and the exported policy both read the map from here.

Pure: no Streamlit, no file access.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PublishedChecklist:
    """A published checklist: its name, its source, and the items this course checked."""

    key: str  # the prefix of a reference, e.g. "pineau" in "pineau:runs"
    name: str
    short: str  # for a table column or a list: "Pineau"
    source_id: str  # in lessons/sources.toml
    items: dict[str, str]  # item key -> the item, in the checklist's own terms


PUBLISHED: tuple[PublishedChecklist, ...] = (
    PublishedChecklist(
        "pineau", "ML Reproducibility Checklist (Pineau)", "Pineau", "pineau-checklist", {
        "data-statistics": "Data: relevant statistics",
        "data-splits": "Data: details of the train, validation and test splits",
        "data-preprocessing": "Data: excluded data and all pre-processing steps",
        "data-link": "Data: a link to a downloadable version of the data",
        "hyperparameters": "Results: the range of hyper-parameters and how the best was chosen",
        "runs": "Results: the exact number of training and evaluation runs",
        "measure": "Results: a clear definition of the measure used",
        "variation": "Results: central tendency and variation",
        "runtime": "Results: runtime",
        "compute": "Results: the computing infrastructure used",
    }),
    PublishedChecklist("neurips", "NeurIPS Paper Checklist", "NeurIPS", "neurips-checklist", {
        "claims": "Claims",
        "limitations": "Limitations",
        "reproducibility": "Experimental result reproducibility",
        "open-access": "Open access to data and code",
        "setting": "Experimental setting/details",
        "significance": "Experiment statistical significance",
        "compute": "Experiments compute resources",
        "licenses": "Licenses for existing assets",
        "new-assets": "New assets",
    }),
    PublishedChecklist(
        "pwc", "ML Code Completeness Checklist (Papers with Code)", "Papers with Code",
        "pwc2020", {
        "dependencies": "Specification of dependencies",
        "training-code": "Training code",
        "evaluation-code": "Evaluation code",
        "pretrained-models": "Pre-trained models",
        "readme": "README with results and the exact commands to produce them",
    }),
    PublishedChecklist("reforms", "REFORMS", "REFORMS", "reforms2024", {
        "1a": "1a. The population or distribution the claim is about",
        "1b": "1b. Why that population was chosen",
        "1c": "1c. Why ML methods are used",
        "2a": "2a. The dataset, with a link or DOI that identifies it",
        "2b": "2b. The code, with a link or DOI that identifies its version",
        "2c": "2c. The computing infrastructure used",
        "2d": "2d. A README with instructions to generate the results",
        "2e": "2e. A reproduction script for all reported results",
        "3a": "3a. Sources of the data, when it was collected, and its documentation",
        "3b": "3b. The sampling frame",
        "3c": "3c. Why the dataset suits the task",
        "3d": "3d. The outcome variable, with descriptive statistics",
    }),
)

# stage id -> (opening words of one of its checklist items, the published items it answers).
# An item left out maps to nothing verified (Stage 5's monitoring items among them: the four
# checklists are about reporting a study, not watching a deployed model).
STAGE_MAP: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "why": (
        ("Every headline figure names its population",
         ("pineau:data-statistics", "neurips:claims", "reforms:1a")),
        ("The code that computes every reported figure is published",
         ("pwc:training-code", "pwc:evaluation-code", "pwc:readme", "neurips:open-access",
          "reforms:2b", "reforms:2d", "reforms:2e")),
        ("The data behind the figures is published or linked",
         ("pineau:data-link", "neurips:open-access", "reforms:2a")),
        ("Dependencies are specified, with versions", ("pwc:dependencies", "neurips:open-access")),
    ),
    "design": (
        ("Write a design card before modelling",
         ("pineau:measure", "pineau:runs", "neurips:setting", "reforms:1a")),
        ("Tie the metric to the decision's costs", ("pineau:measure",)),
        ("Lock a holdout before the first experiment", ("pineau:data-splits", "neurips:setting")),
        ("Choose among variants by cross-validation",
         ("pineau:hyperparameters", "neurips:setting")),
        ("Record every variant tried", ("pineau:hyperparameters", "pineau:runs")),
    ),
    "data": (
        ("Raw data is never edited", ("reforms:2a",)),
        ("A changed input is a new data version", ("reforms:2a",)),
        ("Decoding and cleaning are code", ("pineau:data-preprocessing",)),
        ("Split first; fit every selection",
         ("pineau:data-splits", "pineau:data-preprocessing")),
        ("Record every exclusion and every preprocessing step",
         ("pineau:data-preprocessing", "pineau:data-statistics")),
        ("The dataset has a datasheet",
         ("pineau:data-statistics", "neurips:new-assets", "neurips:licenses", "reforms:3a",
          "reforms:3b", "reforms:3d")),
    ),
    "model": (
        ("Every random component gets the same explicit seed",
         ("neurips:reproducibility", "neurips:setting")),
        ("Column and feature lists are built in a fixed order", ("neurips:reproducibility",)),
        ("Reproducibility is tested by training in two fresh processes",
         ("neurips:reproducibility",)),
        ("Every hyperparameter is written down", ("pineau:hyperparameters", "neurips:setting")),
        ("Every transformation is fitted inside a Pipeline", ("pineau:data-preprocessing",)),
        ("Results are reported as the number of runs",
         ("pineau:runs", "pineau:variation", "neurips:significance")),
        ("Library versions are pinned", ("pwc:dependencies",)),
        ("Two models are compared on the same splits",
         ("pineau:runs", "pineau:variation", "neurips:significance")),
    ),
    "legacy": (
        ("Every trained model is saved with a run manifest",
         ("pineau:hyperparameters", "pineau:compute", "neurips:compute", "pwc:pretrained-models",
          "reforms:2c")),
        ("The hand-over includes the command that rebuilds the run",
         ("pwc:readme", "reforms:2d", "reforms:2e")),
        ("Raw data is versioned by content hash", ("reforms:2a",)),
        ("Library versions are pinned and recorded", ("pwc:dependencies",)),
        ("A model card accompanies the model", ("neurips:new-assets", "neurips:limitations")),
        ("Groups too small to trust are flagged", ("neurips:limitations",)),
        ("The dataset has a datasheet, and known problems",
         ("neurips:limitations", "reforms:3a")),
    ),
}


@dataclass(frozen=True)
class MappedItem:
    """One published item a course item answers."""

    checklist: PublishedChecklist
    key: str

    @property
    def text(self) -> str:
        """The item, in the checklist's own terms."""
        return self.checklist.items[self.key]

    @property
    def reference(self) -> str:
        """``"<checklist>:<item>"``, as :data:`STAGE_MAP` writes it."""
        return f"{self.checklist.key}:{self.key}"


def published_item(reference: str) -> MappedItem:
    """The published item a reference such as ``"pineau:runs"`` names.

    Args:
        reference: ``"<checklist key>:<item key>"``.

    Returns:
        The :class:`MappedItem`.

    Raises:
        KeyError: no such checklist, or no such (checked) item in it.
    """
    checklist_key, _, item_key = reference.partition(":")
    for checklist in PUBLISHED:
        if checklist.key == checklist_key:
            if item_key not in checklist.items:
                raise KeyError(f"{checklist.name} has no checked item {item_key!r}")
            return MappedItem(checklist, item_key)
    raise KeyError(f"no published checklist {checklist_key!r}")


def _matches(text: str, opening: str) -> bool:
    return " ".join(str(text).split()).startswith(opening)


def mapped_items(stage_id: str, item_text: str) -> tuple[MappedItem, ...]:
    """The published items one of a stage's checklist items answers (none when unmapped).

    Args:
        stage_id: the stage's id, e.g. ``"model"``.
        item_text: the item's text as the lesson writes it.

    Returns:
        The items, in :data:`STAGE_MAP` order; ``()`` for an item the map does not name.
    """
    for opening, references in STAGE_MAP.get(stage_id, ()):
        if _matches(item_text, opening):
            return tuple(published_item(reference) for reference in references)
    return ()


def grouped(items: tuple[MappedItem, ...]) -> list[tuple[PublishedChecklist, list[MappedItem]]]:
    """The items grouped by checklist, in :data:`PUBLISHED` order (checklists with none left out).

    Args:
        items: from :func:`mapped_items`.

    Returns:
        ``[(checklist, [its items…]), …]``.
    """
    return [(checklist, [item for item in items if item.checklist is checklist])
            for checklist in PUBLISHED
            if any(item.checklist is checklist for item in items)]


def problems(course) -> list[str]:
    """Everything wrong with the map for ``course``: the map's own check.

    Args:
        course: the loaded course (stages with ``id`` and ``lesson.checklist``; ``sources``).

    Returns:
        One message per problem, empty when the map is sound: a stage the course lacks, an
        opening that matches no checklist item of its stage or more than one, a reference to
        a published item not listed, a checklist whose source is not in the course's sources.
    """
    found: list[str] = []
    sources = getattr(course, "sources", {}) or {}
    for checklist in PUBLISHED:
        if checklist.source_id not in sources:
            found.append(f"{checklist.name}: source {checklist.source_id!r} is not in "
                         "lessons/sources.toml")
    stages = {stage.id: stage for stage in course.stages}
    for stage_id, entries in STAGE_MAP.items():
        if stage_id not in stages:
            found.append(f"stage {stage_id!r} is not in the course")
            continue
        texts = [entry.item for entry in stages[stage_id].lesson.checklist]
        for opening, references in entries:
            hits = sum(_matches(text, opening) for text in texts)
            if hits != 1:
                found.append(f"{stage_id}: {opening!r} matches {hits} checklist items, not 1")
            for reference in references:
                try:
                    published_item(reference)
                except KeyError as error:
                    found.append(f"{stage_id}: {opening!r} -> {reference}: {error.args[0]}")
    return found


@dataclass(frozen=True)
class Coverage:
    """One published item, and the course's practices that answer it, done and not."""

    item: MappedItem
    done: tuple  # the policy items answering it that the team does today
    gaps: tuple  # the policy items answering it that the team does not do yet

    @property
    def covered(self) -> bool:
        """True when a practice the team does today answers the item."""
        return bool(self.done)


def coverage(policy_items, done_keys) -> list[tuple[PublishedChecklist, list[Coverage]]]:
    """Each published checklist's checked items, with the practices that answer them.

    Args:
        policy_items: the course's checklist items (``workshop.policy.PolicyItem``: with
            ``key``, ``stage_id`` and ``item``).
        done_keys: the keys of the items the team does today.

    Returns:
        ``[(checklist, [Coverage per checked item, in the checklist's order]), …]`` in
        :data:`PUBLISHED` order; an item nothing in the course answers has no practices.
    """
    done_keys = set(done_keys)
    answers: dict[str, list] = {}
    for policy_item in policy_items:
        for mapped in mapped_items(policy_item.stage_id, policy_item.item):
            answers.setdefault(mapped.reference, []).append(policy_item)
    result = []
    for checklist in PUBLISHED:
        rows = []
        for key in checklist.items:
            item = MappedItem(checklist, key)
            practices = answers.get(item.reference, [])
            rows.append(Coverage(item,
                                 tuple(p for p in practices if p.key in done_keys),
                                 tuple(p for p in practices if p.key not in done_keys)))
        result.append((checklist, rows))
    return result
