"""The house rules a newcomer can rely on, checked on every test run (so CI enforces them).

- ruff passes on the whole tree with the project's configuration (pyproject.toml: one line
  length, Google docstrings, complexity and statement limits);
- no module of the engine or the case study is over the size limit;
- the layers hold: the case study never imports Streamlit or the workshop, and the engine
  imports Streamlit only in ``workshop/ui``;
- one exception family per package: every exception class the engine or the case study
  defines lives in that package's ``errors.py``, under its one root;
- environment variables are read in one settings module per package.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("workshop", "case_study")
MAX_MODULE_LINES = 500
# Modules allowed to read the process environment: each package's settings module. The
# serve launcher hands the environment on to its child processes (it copies, never reads a
# setting), and the fresh-process trainers (the demo's and the notebooks' grader) set
# PYTHONHASHSEED for their children.
ENVIRONMENT_READERS = {
    "workshop/settings.py",
    "case_study/settings.py",
    "workshop/serve.py",
    "case_study/fresh_process.py",
    "case_study/stage3_worker.py",
    "case_study/notebooks/fresh.py",
}
ERROR_ROOTS = {"workshop": "WorkshopError", "case_study": "CaseStudyError"}
# Outside workshop/ui, only the room launcher may import Streamlit: it runs Streamlit's own
# command line in each process of `workshop serve` (and imports it there, never at import).
STREAMLIT_LAUNCHERS = {"workshop/serve_worker.py"}


def _modules(package: str) -> list[Path]:
    return sorted((PROJECT_ROOT / package).rglob("*.py"))


def _relative(path: Path) -> str:
    return path.relative_to(PROJECT_ROOT).as_posix()


def _imports(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_ruff_passes_on_the_whole_tree():
    ruff = shutil.which("ruff") or str(Path(sys.executable).parent / "ruff")
    if not Path(ruff).exists():
        pytest.fail("ruff is not installed: pip install -r requirements-dev.txt")
    done = subprocess.run(
        [ruff, "check", "--no-cache", "--output-format", "concise", "."],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, f"ruff check found problems:\n{done.stdout}{done.stderr}"


@pytest.mark.parametrize("package", PACKAGES)
def test_no_module_is_over_the_size_limit(package):
    too_long = {
        _relative(path): count
        for path in _modules(package)
        if (count := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert not too_long, f"modules over {MAX_MODULE_LINES} lines: {too_long}"


def test_the_case_study_never_imports_streamlit_or_the_workshop():
    offenders = {}
    for path in _modules("case_study"):
        imported = _imports(ast.parse(path.read_text(encoding="utf-8")))
        bad = {name for name in imported if name.split(".")[0] in {"streamlit", "workshop"}}
        if bad:
            offenders[_relative(path)] = sorted(bad)
    assert not offenders, offenders


def test_only_workshop_ui_imports_streamlit():
    offenders = []
    for path in _modules("workshop"):
        if "workshop/ui/" in _relative(path) or _relative(path) in STREAMLIT_LAUNCHERS:
            continue
        imported = _imports(ast.parse(path.read_text(encoding="utf-8")))
        if any(name.split(".")[0] == "streamlit" for name in imported):
            offenders.append(_relative(path))
    assert not offenders, offenders


@pytest.mark.parametrize("package", PACKAGES)
def test_every_exception_class_lives_in_errors_py_under_one_root(package):
    root = ERROR_ROOTS[package]
    errors_tree = ast.parse((PROJECT_ROOT / package / "errors.py").read_text(encoding="utf-8"))
    defined = {node.name: node for node in errors_tree.body if isinstance(node, ast.ClassDef)}
    assert root in defined
    for name, node in defined.items():
        bases = {getattr(base, "id", getattr(base, "attr", "")) for base in node.bases}
        if name != root:
            assert bases & (set(defined) | {root}), f"{name} is outside the {root} family"
        assert not ({"WorkshopError", "CaseStudyError"} - {root}) & bases, (
            f"{name} inherits from both packages' roots"
        )
    elsewhere = []
    for path in _modules(package):
        if path.name == "errors.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ClassDef) or node.name.startswith("_"):
                continue
            bases = {getattr(base, "id", getattr(base, "attr", "")) for base in node.bases}
            if any(base.endswith(("Error", "Exception")) for base in bases):
                elsewhere.append(f"{_relative(path)}:{node.lineno} {node.name}")
    assert not elsewhere, f"exception classes outside {package}/errors.py: {elsewhere}"


def _reads_environment(tree: ast.AST) -> bool:
    """Whether code touches ``os.environ`` or ``os.getenv`` (docstrings do not count)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in {"environ", "getenv", "putenv"}:
            if isinstance(node.value, ast.Name) and node.value.id == "os":
                return True
        if isinstance(node, ast.ImportFrom) and node.module == "os":
            if {alias.name for alias in node.names} & {"environ", "getenv"}:
                return True
    return False


def test_environment_variables_are_read_in_the_settings_modules_only():
    readers = [
        _relative(path)
        for package in PACKAGES
        for path in _modules(package)
        if _reads_environment(ast.parse(path.read_text(encoding="utf-8")))
        and _relative(path) not in ENVIRONMENT_READERS
    ]
    assert not readers, f"read the environment outside the settings modules: {readers}"
