"""The audit's items: each one's stage, lesson checklist item, recommended tools and judge.

A judge reads the :class:`~workshop.audit.scan.Scan` and returns a
:class:`~workshop.audit.model.Finding`. For the items judged from code, a pitfall seen
anywhere makes the item *missing*; a file that does not parse could hide one, so then an
item with no pitfall elsewhere is *cannot tell*; no code that the rule applies to at all is
also *cannot tell*. The tools named are the lessons' ``[[tools]]`` of that stage (a test
holds them to it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from workshop.audit import files
from workshop.audit.course import ChecklistEntry, find_entry
from workshop.audit.model import CANNOT_TELL, FOUND, MISSING, Evidence, Finding
from workshop.audit.randomness import SEEDED, UNKNOWN, UNSEEDED
from workshop.audit.scan import Scan, scan_project

TRACKING_FILES = frozenset({"mlproject", "dvc.yaml", "run_manifest.json"})


@dataclass(frozen=True)
class AuditItem:
    """One thing the audit looks for."""

    id: str
    stage_id: str
    title: str
    checklist_opening: str | None
    tools: tuple[str, ...]
    judge: Callable[[Scan], Finding]

    def checklist(self) -> ChecklistEntry | None:
        """The lesson checklist item this audit item gives evidence for, if any."""
        if self.checklist_opening is None:
            return None
        return find_entry(self.stage_id, self.checklist_opening)


def _no_code(scan: Scan, what: str) -> Finding:
    if scan.unparsed:
        return Finding(CANNOT_TELL, f"{what}; some files could not be parsed",
                       tuple(scan.unparsed))
    if not scan.sources:
        return Finding(CANNOT_TELL, "no Python files or notebooks to read")
    return Finding(CANNOT_TELL, what)


def seeds(scan: Scan) -> Finding:
    """Every estimator, splitter and NumPy generator is given a seed."""
    by_state: dict[str, list[Evidence]] = {SEEDED: [], UNSEEDED: [], UNKNOWN: []}
    for source in scan.sources:
        for hit, state in source.facts.random:
            by_state[state].append(source.cite(hit.line, hit.note))
    if by_state[UNSEEDED]:
        return Finding(MISSING, f"{len(by_state[UNSEEDED])} random component(s) without a "
                       "seed", tuple(by_state[UNSEEDED]))
    if by_state[UNKNOWN]:
        return Finding(CANNOT_TELL, "seeds may be passed through **kwargs",
                       tuple(by_state[UNKNOWN]))
    if by_state[SEEDED] and not scan.unparsed:
        return Finding(FOUND, f"all {len(by_state[SEEDED])} random component(s) are seeded",
                       tuple(by_state[SEEDED]))
    return _no_code(scan, "no random components recognised")


def columns(scan: Scan) -> Finding:
    """Column lists are written out or sorted, never built from a set."""
    bad = [s.cite(h.line, h.note) for s in scan.sources for h in s.facts.set_columns]
    if bad:
        return Finding(MISSING, f"{len(bad)} column list(s) built from a set", tuple(bad))
    good = [s.cite(h.line, h.note) for s in scan.sources for h in s.facts.fixed_columns]
    if good and not scan.unparsed:
        return Finding(FOUND, "column lists are in a fixed order", tuple(good))
    return _no_code(scan, "no column lists recognised")


def fit_after_split(scan: Scan) -> Finding:
    """No transformer is fitted before the train/test split."""
    leaks = []
    for source in scan.sources:
        for leak in source.facts.leaks:
            split = source.cite(leak.split_line, "")
            at = f"cell {split.cell} line {split.line}" if split.cell else f"line {split.line}"
            leaks.append(source.cite(leak.line, f"{leak.transformer} fitted before the split "
                                                f"at {at}"))
    if leaks:
        return Finding(MISSING, f"{len(leaks)} transformation(s) fitted before the split",
                       tuple(leaks))
    splits = [s.cite(line, "split") for s in scan.sources for line in s.facts.splits]
    pipes = [s.cite(line, "pipeline") for s in scan.sources for line in s.facts.pipelines]
    if splits and not scan.unparsed:
        return Finding(FOUND, "nothing is fitted before the split", tuple(splits + pipes))
    return _no_code(scan, "no train/test split or cross-validation recognised")


def run_tracking(scan: Scan) -> Finding:
    """Runs are recorded: a tracking library, or a manifest written with hashes."""
    found = [s.cite(h.line, h.note) for s in scan.sources for h in s.facts.tracking]
    for source in scan.sources:
        if source.facts.hashing and source.facts.json_writes:
            found += [source.cite(source.facts.hashing[0].line, "hashes"),
                      source.cite(source.facts.json_writes[0].line, "writes a JSON record")]
    found += [Evidence(e.rel, None, "run record file") for e in scan.walk.files
              if e.name in TRACKING_FILES]
    if found:
        return Finding(FOUND, "runs are recorded", tuple(found))
    if scan.sources and not scan.unparsed:
        return Finding(MISSING, "no run manifest writer or experiment tracking")
    return _no_code(scan, "no run manifest writer or experiment tracking recognised")


def monitoring(scan: Scan) -> Finding:
    """Inputs and predictions are compared with a baseline (PSI, KS, drift libraries)."""
    found = [s.cite(h.line, h.note) for s in scan.sources for h in s.facts.monitoring]
    if found:
        return Finding(FOUND, "drift monitoring code is present", tuple(found))
    if scan.sources and not scan.unparsed:
        return Finding(MISSING, "no drift monitoring (PSI, KS test or a monitoring library)")
    return _no_code(scan, "no drift monitoring recognised")


def training_tests(scan: Scan) -> Finding:
    """Tests that train the model (call ``fit`` or a ``train`` function)."""
    tests = [s for s in scan.sources if s.is_test]
    found = [s.cite(h.line, h.note) for s in tests for h in s.facts.trains]
    if found:
        return Finding(FOUND, "tests rerun the training", tuple(found))
    if tests:
        return Finding(MISSING, "tests never call fit or a train function",
                       tuple(Evidence(s.entry.rel, None, "test file") for s in tests))
    return Finding(MISSING, "no test files (test_*.py, *_test.py or tests/)")


ITEMS: tuple[AuditItem, ...] = (
    AuditItem("pinned-dependencies", "model", "Pinned dependencies or a lock file",
              "Library versions are pinned in a lock file", ("pip-tools", "uv", "conda-lock"),
              files.dependencies),
    AuditItem("seeded-randomness", "model", "Seeded estimators, splitters and generators",
              "Every random component gets the same explicit seed",
              ("scikit-learn Pipeline", "Hydra"), seeds),
    AuditItem("column-order", "model", "Column lists in a fixed order, not from sets",
              "Column and feature lists are built in a fixed order",
              ("Fresh-process hash check",), columns),
    AuditItem("fit-after-split", "data", "Transformations fitted after the split",
              "Split first; fit every selection", ("scikit-learn Pipeline",
                                                   "imbalanced-learn Pipeline"),
              fit_after_split),
    AuditItem("data-hashes", "data", "Data files with a hash manifest or DVC/LFS pointers",
              "Raw data is never edited; every load verifies", ("sha256 manifest", "DVC"),
              files.data_hashes),
    AuditItem("datasheet", "data", "A datasheet for the data",
              "The dataset has a datasheet:", ("Datasheet",), files.datasheet),
    AuditItem("model-card", "legacy", "A model card", "A model card accompanies the model",
              ("Model cards",), files.model_card),
    AuditItem("run-manifest", "legacy", "A run manifest or experiment tracking",
              "Every trained model is saved with a run manifest",
              ("JSON run manifest", "MLflow", "DVC"), run_tracking),
    AuditItem("monitoring", "deployment", "Monitoring of inputs and predictions",
              "Compare every production batch with the baseline",
              ("PSI and KS checks (this case study)", "Evidently", "NannyML"), monitoring),
    AuditItem("training-tests", "model", "Tests that rerun the training",
              "Reproducibility is tested by training in two fresh processes",
              ("Fresh-process hash check",), training_tests),
    AuditItem("ci-runs-tests", "model", "CI that runs the tests", None,
              ("Fresh-process hash check",), files.ci),
)


@dataclass(frozen=True)
class Audit:
    """The audit of one folder: every item with its finding, and what was not read."""

    root: Path
    results: tuple[tuple[AuditItem, Finding], ...]
    skipped: tuple
    truncated: bool

    def count(self, status: str) -> int:
        """How many items have ``status``."""
        return sum(1 for _item, finding in self.results if finding.status == status)


def run_audit(root: Path | str, **limits) -> Audit:
    """Audit a project folder against every item in :data:`ITEMS`.

    Args:
        root: the folder to audit.
        **limits: ``max_file_bytes`` and ``max_files`` for the walk.

    Returns:
        The :class:`Audit`.

    Raises:
        UnusableFolder: the folder cannot be audited.
    """
    scan = scan_project(root, **limits)
    results = tuple((item, item.judge(scan)) for item in ITEMS)
    return Audit(scan.walk.root, results, tuple(scan.walk.skipped), scan.walk.truncated)
