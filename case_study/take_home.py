"""The take-home archive: the case study as one zip a learner installs and runs offline.

Layout (one top folder, ``loan-case-study-<version>/``)::

    README.md            how to install it and run it offline
    pyproject.toml       the package: ``pip install .`` gives the ``case-study`` command
    requirements.txt     the exact pins the course ran with (the repository's own)
    LICENSE, LICENSE-CONTENT.md
    case_study/          the code (without the instructors' solutions)
    data/                manifest.json and raw/, byte for byte
    notebooks/           one notebook per stage, exercises unsolved
    SHA256SUMS           the SHA-256 of every other file

An installed copy finds its data by looking for ``data/manifest.json`` above the package
and above the working directory (``case_study.paths.find_project_root``): install into a
virtual environment inside the unpacked folder, or run from inside it. The zip is
deterministic: the same code and data give the same bytes.
"""

from __future__ import annotations

import io
import tomllib
import zipfile
from pathlib import Path

from case_study import __version__, paths
from case_study.hashing import sha256_bytes

ARCHIVE_ROOT = f"loan-case-study-{__version__}"
ARCHIVE_NAME = f"{ARCHIVE_ROOT}.zip"
# The instructors' solutions stay behind; caches and build leftovers never travel.
EXCLUDED_FILES = frozenset({"solutions.py"})
EXCLUDED_DIRS = frozenset({"__pycache__"})
LICENSE_FILES = ("LICENSE", "LICENSE-CONTENT.md")
# What the case study imports at run time (the app's streamlit and altair stay pinned in
# requirements.txt, which the version check reads, but the package does not need them).
RUNTIME_DEPENDENCIES = ("numpy", "pandas", "scikit-learn", "scipy")
_ZIP_DATE = (2020, 1, 1, 0, 0, 0)

README = """\
# The loan-approval case study — take-home copy (version {version})

The case study of the Reproducible ML Workshop: the code, the data with its SHA-256
manifest, one Jupyter notebook per stage with exercises, and the exact versions the course
ran with. Once installed, nothing here needs a network: the data is in `data/` and is
checked against `data/manifest.json` on every load.

## Install (once, with a network or a wheel folder)

    python3 -m venv .venv                      # inside this folder
    .venv/bin/pip install -r requirements.txt  # the exact pins the course used
    .venv/bin/pip install .                    # the case-study command

(On Windows: `.venv\\Scripts\\pip`.) Offline: on a machine with a network run
`pip download -r requirements.txt -d wheels`, copy `wheels/` here, then
`.venv/bin/pip install --no-index --find-links wheels -r requirements.txt` and
`.venv/bin/pip install --no-index --find-links wheels --no-build-isolation .`
(with `setuptools` among the wheels).

## Run (offline)

    .venv/bin/case-study run --pipeline reproducible --out runs/first
    .venv/bin/case-study verify runs/first/manifest.json
    .venv/bin/case-study stage 3
    .venv/bin/case-study notebooks --out my-notebooks   # fresh copies of the notebooks

`case-study` finds `data/` by looking above where it is installed and above the folder you
run it from: keep the virtual environment inside this folder, or run it from here. Set
`CASE_STUDY_DATA_DIR` to use another copy of `data/`.

## The notebooks

Open `notebooks/` in JupyterLab, VS Code or any Jupyter front end with this environment's
Python as the kernel (`.venv/bin/pip install jupyterlab`, then `.venv/bin/jupyter lab`).
Each exercise ends with `q1.check(...)`: the grader runs your code on your machine (Stage 3
in two fresh Python processes with different `PYTHONHASHSEED`) and says *Correct* or *Not
yet* with a hint; `q1.hint()` gives the next hint. No grader shows a solution.

## Check this copy

`SHA256SUMS` lists the SHA-256 of every file in this folder: `sha256sum -c SHA256SUMS`.
"""


def _dependencies(pyproject: Path = paths.PROJECT_ROOT / "pyproject.toml") -> list[str]:
    """The repository's ranges for the libraries the case study imports (one source)."""
    try:
        declared = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["dependencies"]
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        declared = []
    ranges = {_requirement_name(line): line for line in declared}
    return [ranges.get(name, name) for name in RUNTIME_DEPENDENCIES]


def _requirement_name(line: str) -> str:
    for index, char in enumerate(line):
        if char in "<>=!~ ;[":
            return line[:index].strip().lower()
    return line.strip().lower()


def pyproject_text() -> str:
    """The take-home copy's ``pyproject.toml``: the ``case_study`` package alone."""
    dependencies = "".join(f'    "{d}",\n' for d in _dependencies())
    return (
        '[build-system]\nrequires = ["setuptools>=70.1"]\n'
        'build-backend = "setuptools.build_meta"\n\n'
        f'[project]\nname = "loan-case-study"\nversion = "{__version__}"\n'
        'description = "The loan-approval case study of the Reproducible ML Workshop."\n'
        'readme = "README.md"\nrequires-python = ">=3.11"\n'
        f"dependencies = [\n{dependencies}]\n\n"
        '[project.scripts]\ncase-study = "case_study.cli:main"\n\n'
        '[tool.setuptools.packages.find]\ninclude = ["case_study*"]\n'
    )


def _tree(folder: Path, prefix: str) -> list[tuple[str, bytes]]:
    files = []
    for path in sorted(folder.rglob("*")):
        parts = set(path.relative_to(folder).parts)
        if not path.is_file() or parts & EXCLUDED_DIRS or path.name in EXCLUDED_FILES:
            continue
        if path.suffix in {".pyc", ".pyo"}:
            continue
        files.append((f"{prefix}/{path.relative_to(folder).as_posix()}", path.read_bytes()))
    return files


def archive_files() -> list[tuple[str, bytes]]:
    """Every file of the archive as ``(path inside the top folder, bytes)``, sorted.

    Returns:
        The files, ``SHA256SUMS`` last.
    """
    # Imported here: the notebooks read the case study's functions (scikit-learn), and the
    # archive's name must be importable by a page that has not loaded them.
    from case_study.notebooks import build

    root = paths.PROJECT_ROOT
    files = [
        ("README.md", README.format(version=__version__).encode("utf-8")),
        ("pyproject.toml", pyproject_text().encode("utf-8")),
        ("requirements.txt", (root / "requirements.txt").read_bytes()),
    ]
    files += [(n, (root / n).read_bytes()) for n in LICENSE_FILES if (root / n).is_file()]
    files += _tree(paths.PACKAGE_DIR, "case_study")
    files += [("data/manifest.json", paths.DATA_MANIFEST.read_bytes())]
    files += _tree(paths.RAW_DIR, "data/raw")
    files += [
        (f"notebooks/{build.notebook_filename(stage)}", build.notebook_bytes(stage))
        for stage in build.STAGES
    ]
    files.sort()
    sums = "".join(f"{sha256_bytes(blob)}  {name}\n" for name, blob in files)
    return files + [("SHA256SUMS", sums.encode("utf-8"))]


def archive_bytes() -> bytes:
    """The take-home archive as the bytes of a zip file (for a download button).

    Returns:
        A deterministic zip: every entry under ``loan-case-study-<version>/``, fixed dates.
    """
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, blob in archive_files():
            info = zipfile.ZipInfo(f"{ARCHIVE_ROOT}/{name}", date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, blob)
    return buffer.getvalue()


def write_archive(out_file: Path) -> Path:
    """Write the take-home archive to ``out_file`` (its folder is created if missing).

    Args:
        out_file: where the zip goes, e.g. ``loan-case-study.zip``.

    Returns:
        The path written.
    """
    out_file = Path(out_file)
    out_file.parent.mkdir(parents=True, exist_ok=True)
    out_file.write_bytes(archive_bytes())
    return out_file
