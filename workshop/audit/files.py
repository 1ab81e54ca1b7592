"""Judgements made from file names and text alone: pins, data hashes, documents, CI.

Every function takes the :class:`~workshop.audit.scan.Scan` and returns a
:class:`~workshop.audit.model.Finding`. Rules:

* dependencies — a lock file (``poetry.lock``, ``uv.lock``, ``Pipfile.lock``, ``pdm.lock``,
  ``pixi.lock``, ``conda-lock.yml``) is found; otherwise every requirement in
  ``requirements*.txt`` must use ``==`` (``-r``/``--hash`` lines are options, not
  requirements) and every package of a conda ``environment.yml`` must name a version; a
  ``pyproject.toml`` with ranges and nothing pinned beside it is missing.
* data — ``*.dvc``, ``dvc.lock``, ``.gitattributes`` with ``filter=lfs``, Git LFS pointer
  files, or a manifest (``*manifest*.json|yaml|txt``, ``SHA256SUMS``, ``*.sha256``,
  ``checksums*``) holding a SHA-256 hex digest are found; data files (``.csv``,
  ``.parquet``, …) with none of these are missing; neither is cannot tell.
* datasheet / model card — a document (``.md``, ``.rst``, ``.txt``, ``.pdf``, ``.html``,
  ``.docx``, ``.json``, ``.yaml``) named so, or a text file whose headings cover enough of
  the sections (``DATASHEET_SECTIONS``, ``MODEL_CARD_SECTIONS``).
* CI — a CI configuration (``.github/workflows/*``, ``.gitlab-ci.yml``, ``.ci/*``,
  ``.circleci/config.yml``, ``Jenkinsfile``, ``azure-pipelines.yml``) with a line that runs
  the tests (``pytest``, ``unittest``, ``tox``, ``nox``, ``make test``; a line that only
  installs them, with ``install``/``add``, does not count).
"""

from __future__ import annotations

import re

from workshop.audit.model import CANNOT_TELL, FOUND, MISSING, Evidence, Finding, clip

LOCK_FILES = frozenset({"poetry.lock", "uv.lock", "pipfile.lock", "pdm.lock", "pixi.lock",
                        "conda-lock.yml", "conda-lock.yaml"})
REQUIREMENTS = re.compile(r"(^|/)[^/]*requirements[^/]*\.txt$", re.IGNORECASE)
ENVIRONMENT = re.compile(r"(^|/)environment[^/]*\.ya?ml$", re.IGNORECASE)
DATA_SUFFIXES = (".csv", ".tsv", ".parquet", ".feather", ".arrow", ".xlsx", ".xls", ".data",
                 ".arff", ".jsonl", ".h5", ".hdf5", ".npy", ".npz", ".sav", ".dta")
MANIFEST_NAME = re.compile(r"(manifest[^/]*\.(json|ya?ml|txt|csv)|sha256sums[^/]*|[^/]*\.sha256"
                           r"|checksums[^/]*)$", re.IGNORECASE)
DOCUMENT_SUFFIXES = (".md", ".markdown", ".rst", ".txt", ".pdf", ".html", ".docx", ".json",
                     ".yaml", ".yml")
HEX64 = re.compile(r"\b[0-9a-fA-F]{64}\b")
LFS_POINTER = "version https://git-lfs.github.com/spec/v1"
CI_FILE = re.compile(r"^(\.github/workflows/[^/]+\.ya?ml|\.gitlab-ci\.ya?ml|\.ci/.+|"
                     r"\.circleci/config\.ya?ml|jenkinsfile|azure-pipelines\.ya?ml)$",
                     re.IGNORECASE)
RUNS_TESTS = re.compile(r"\bpytest\b|\bunittest\b|\btox\b|\bnox\b|make\s+test", re.IGNORECASE)
INSTALLS = re.compile(r"\b(install|add)\b", re.IGNORECASE)
DATASHEET_SECTIONS = ("motivation", "composition", "collection", "preprocessing", "uses",
                      "distribution", "maintenance")
MODEL_CARD_SECTIONS = ("intended use", "factors", "metrics", "evaluation data",
                       "training data", "ethical considerations", "caveats")


def _numbered(text: str):
    return enumerate(text.splitlines(), start=1)


def _requirement_lines(text: str):
    """``(line, requirement)`` for each requirement of a requirements file."""
    pending, start = "", 0
    for number, raw in _numbered(text):
        line = raw.split(" #", 1)[0].strip() if not raw.lstrip().startswith("#") else ""
        if not pending:
            start = number
        pending = f"{pending} {line}".strip()
        if pending.endswith("\\"):
            pending = pending[:-1]
            continue
        if pending and not pending.startswith("-"):
            yield start, pending
        pending = ""


def _environment_lines(text: str):
    """``(line, package spec)`` for each package under ``dependencies:`` of a conda file."""
    inside = False
    for number, raw in _numbered(text):
        if raw and not raw[0].isspace() and not raw.startswith("-"):
            inside = raw.split(":", 1)[0].strip() == "dependencies"
            continue
        match = re.match(r"^\s*-\s+([^#]+)", raw)
        if inside and match and not match.group(1).strip().endswith(":"):
            yield number, match.group(1).strip()


def dependencies(scan) -> Finding:
    """Pinned dependencies or a lock file (see the module docstring for the rules)."""
    locks = [Evidence(e.rel, None, "lock file") for e in scan.walk.files if e.name in LOCK_FILES]
    if locks:
        return Finding(FOUND, "a lock file pins the dependencies", tuple(locks))
    pinned, loose = [], []
    for entry, text in scan.texts():
        if REQUIREMENTS.search(entry.rel):
            specs, pin = _requirement_lines(text), "=="
        elif ENVIRONMENT.search(entry.rel):
            specs, pin = _environment_lines(text), "="
        else:
            continue
        for line, spec in specs:
            (pinned if pin in spec else loose).append(Evidence(entry.rel, line, clip(spec)))
    if loose:
        return Finding(MISSING, f"{len(loose)} requirement(s) without an exact version",
                       tuple(loose))
    if pinned:
        return Finding(FOUND, f"all {len(pinned)} requirement(s) pinned with ==",
                       tuple(pinned[:5]))
    ranges = [Evidence(e.rel, None, "dependencies as ranges, no lock file beside it")
              for e in scan.walk.files if e.name == "pyproject.toml"]
    return Finding(MISSING, "no lock file and no pinned requirements", tuple(ranges))


def _hash_line(text: str) -> int | None:
    return next((n for n, line in _numbered(text) if HEX64.search(line)), None)


def data_hashes(scan) -> Finding:
    """A hash manifest, DVC files or Git LFS pointers for the project's data."""
    found: list[Evidence] = []
    for entry in scan.walk.files:
        if entry.name.endswith(".dvc") or entry.name == "dvc.lock":
            found.append(Evidence(entry.rel, None, "DVC file (data versioned by hash)"))
    for entry, text in scan.texts():
        if entry.name == ".gitattributes":
            found += [Evidence(entry.rel, n, clip(line)) for n, line in _numbered(text)
                      if "filter=lfs" in line]
        elif text.startswith(LFS_POINTER):
            found.append(Evidence(entry.rel, 1, "Git LFS pointer"))
        elif MANIFEST_NAME.search(entry.rel) and (line := _hash_line(text)) is not None:
            found.append(Evidence(entry.rel, line, "SHA-256 digest in a manifest"))
    if found:
        return Finding(FOUND, "data is pinned by content hash", tuple(found))
    data = [Evidence(e.rel, None, "data file without a hash manifest")
            for e in scan.walk.files if e.name.endswith(DATA_SUFFIXES)]
    if data:
        return Finding(MISSING, f"{len(data)} data file(s) and no hash manifest or DVC/LFS "
                       "pointer", tuple(data[:10]))
    return Finding(CANNOT_TELL, "no data files and no manifest in the folder (the data may "
                   "live elsewhere)")


def _document(scan, name: re.Pattern, sections: tuple[str, ...], needed: int,
              what: str) -> Finding:
    by_name = [Evidence(e.rel, None, f"{what} (by its name)") for e in scan.walk.files
               if name.search(e.name) and e.name.endswith(DOCUMENT_SUFFIXES)]
    if by_name:
        return Finding(FOUND, f"a {what} is in the project", tuple(by_name))
    for entry, text in scan.texts(".md", ".rst", ".txt"):
        headings = [(n, line) for n, line in _numbered(text) if line.lstrip().startswith("#")]
        covered = {s for _n, line in headings for s in sections if s in line.lower()}
        if len(covered) >= needed:
            first = next(n for n, line in headings if any(s in line.lower() for s in sections))
            note = f"{what}: headings cover {', '.join(sorted(covered))}"
            return Finding(FOUND, f"a {what} is in the project", (Evidence(entry.rel, first,
                                                                            clip(note)),))
    return Finding(MISSING, f"no {what} (by file name or by its section headings)")


def datasheet(scan) -> Finding:
    """A datasheet for the data: ``DATASHEET*`` or headings of the seven sections."""
    return _document(scan, re.compile(r"datasheet"), DATASHEET_SECTIONS, 4, "datasheet")


def model_card(scan) -> Finding:
    """A model card: ``MODEL_CARD*``/``modelcard*`` or model-card section headings."""
    return _document(scan, re.compile(r"model[ _-]?card"), MODEL_CARD_SECTIONS, 3,
                     "model card")


def ci(scan) -> Finding:
    """A CI configuration that runs the tests."""
    configs = [e for e in scan.walk.files if CI_FILE.match(e.rel)]
    runs = []
    for entry in configs:
        text = scan.text(entry) or ""
        runs += [Evidence(entry.rel, n, clip(line)) for n, line in _numbered(text)
                 if RUNS_TESTS.search(line) and not INSTALLS.search(line)]
    if runs:
        return Finding(FOUND, "CI runs the tests", tuple(runs))
    if configs:
        return Finding(MISSING, "a CI configuration that runs no tests",
                       tuple(Evidence(e.rel, None, "CI configuration") for e in configs))
    return Finding(MISSING, "no CI configuration")
