"""Every environment setting of the case study is read in case_study/settings.py."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from case_study import paths, settings


def test_data_dir_defaults_to_the_projects_data_folder():
    default = paths.PROJECT_ROOT / "data"
    assert settings.data_dir(default, {}) == default
    assert settings.data_dir(default, {"CASE_STUDY_DATA_DIR": ""}) == default


def test_data_dir_follows_the_environment(tmp_path):
    assert settings.data_dir(Path("x"), {"CASE_STUDY_DATA_DIR": str(tmp_path)}) == tmp_path


def test_debug_is_on_only_when_set_and_not_empty():
    assert settings.debug({}) is False
    assert settings.debug({"CASE_STUDY_DEBUG": ""}) is False
    assert settings.debug({"CASE_STUDY_DEBUG": "1"}) is True


def test_paths_read_the_data_dir_once_at_import(tmp_path):
    """paths.DATA_DIR and the paths under it follow CASE_STUDY_DATA_DIR in a fresh process."""
    code = "from case_study import paths; print(paths.DATA_DIR); print(paths.DATA_MANIFEST)"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=paths.PROJECT_ROOT, capture_output=True, text=True,
        env={"CASE_STUDY_DATA_DIR": str(tmp_path), "PATH": ""}, timeout=60, check=True,
    )
    assert done.stdout.split() == [str(tmp_path), str(tmp_path / "manifest.json")]


def test_no_other_case_study_module_reads_the_environment_for_a_setting():
    """Only settings.py reads os.environ (fresh_process passes it on to its workers)."""
    allowed = {"settings.py", "fresh_process.py", "stage3_worker.py"}
    for source in sorted((paths.PROJECT_ROOT / "case_study").glob("*.py")):
        if source.name in allowed:
            continue
        tree = ast.parse(source.read_text(encoding="utf-8"))
        names = {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
        assert "environ" not in names and "getenv" not in names, source.name
