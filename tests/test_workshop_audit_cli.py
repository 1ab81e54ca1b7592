"""`python -m workshop.audit PATH`: exit 0 nothing missing, 1 items missing, 2 unusable
input; Markdown by default, JSON with --format json; nothing in the folder is ever run."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from workshop.audit.cli import main

PROJECT_ROOT = Path(__file__).resolve().parent.parent
FIXTURES = PROJECT_ROOT / "tests" / "fixtures" / "audit"
PLANT = "from pathlib import Path\nPath(__file__).with_name('EXECUTED-{0}').write_text('ran')\n"


def _markers(folder: Path) -> list[Path]:
    return sorted(folder.rglob("EXECUTED*"))


@pytest.fixture
def careless(tmp_path) -> Path:
    """A copy of the careless project, planted with files that write a marker when run."""
    copy = tmp_path / "careless"
    shutil.copytree(FIXTURES / "careless", copy)
    for name in ("conftest.py", "sitecustomize.py", "__init__.py", "__main__.py"):
        (copy / name).write_text(PLANT.format(name))
    (copy / "data" / "__init__.py").write_text(PLANT.format("data-init"))
    return copy


def test_careful_project_exits_0(capsys):
    assert main([str(FIXTURES / "careful")]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# Reproducibility audit: ` careful `")
    assert "11 found · 0 missing · 0 cannot tell" in out


def test_careless_project_exits_1_and_runs_nothing(careless, capsys, monkeypatch):
    monkeypatch.chdir(careless / "notebooks")  # where the notebook would write its marker
    assert main([str(careless)]) == 1
    out = capsys.readouterr().out
    assert "0 found · 11 missing" in out
    assert "` train.py:8 ` — ` StandardScaler fitted before the split at line 10" in out
    assert _markers(careless) == []


def test_json_format(careless, capsys):
    assert main([str(careless), "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["schema"] == "workshop-audit/1" and data["exit_code"] == 1
    assert data["summary"] == {"found": 0, "missing": 11, "cannot_tell": 0}


@pytest.mark.parametrize("make", ["missing", "file", "empty", "only-skipped"])
def test_unusable_input_exits_2_with_a_message(tmp_path, capsys, make):
    target = tmp_path / "target"
    if make == "file":
        target.write_text("not a folder")
    elif make == "empty":
        target.mkdir()
        (target / ".git").mkdir()
        (target / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    elif make == "only-skipped":
        target.mkdir()
        (target / "etc").symlink_to("/etc")
    assert main([str(target)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("workshop audit: ") and "Traceback" not in captured.err


def test_unreadable_folder_exits_2(tmp_path, monkeypatch, capsys):
    """A folder the audit may not read is unusable input (exit 2), not a crash.

    Mode 000 stops a normal user; root reads through it, so the permission check the walk
    makes (``os.access``) is refused for this folder instead, the same way for everyone.
    """
    from workshop.audit import walk

    target = tmp_path / "locked"
    target.mkdir()
    (target / "train.py").write_text("x = 1\n")
    real_access = walk.os.access
    monkeypatch.setattr(walk.os, "access", lambda path, mode, **kwargs: (
        False if Path(path) == target.resolve() else real_access(path, mode, **kwargs)))
    assert main([str(target)]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "Traceback" not in captured.err
    assert captured.err.startswith("workshop audit: ")


def test_bad_command_line_exits_2(capsys):
    assert main([]) == 2
    assert main(["x", "--format", "yaml"]) == 2
    assert "usage:" in capsys.readouterr().err


@pytest.mark.slow
def test_real_subprocess_on_the_careless_project(careless):
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    result = subprocess.run(
        [sys.executable, "-m", "workshop.audit", str(careless), "--format", "json"],
        cwd=careless / "notebooks", env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stderr
    data = json.loads(result.stdout)
    seeds = next(i for i in data["items"] if i["id"] == "seeded-randomness")
    assert seeds["evidence"][0] == {
        "path": "notebooks/explore.ipynb", "line": 2, "cell": 4,
        "text": "train_test_split: no random_state: train, test = train_test_split(df, "
                "test_size=0.3)"}
    assert _markers(careless) == []
    assert _markers(PROJECT_ROOT / "tests" / "fixtures" / "audit") == []
