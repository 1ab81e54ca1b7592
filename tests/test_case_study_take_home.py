"""The take-home archive: its layout, its determinism, no solutions inside, how an installed
copy finds its data, and (slow) that it installs in a fresh virtual environment outside the
repository, where `case-study run` then `case-study verify` pass, offline."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from pathlib import Path

import pytest

from case_study import cli, paths, take_home
from case_study.hashing import sha256_bytes
from case_study.notebooks import build


@pytest.fixture(scope="module")
def files() -> dict[str, bytes]:
    return dict(take_home.archive_files())


def test_layout_has_code_data_manifest_notebooks_and_pins(files):
    for name in ("README.md", "pyproject.toml", "requirements.txt", "SHA256SUMS", "LICENSE"):
        assert name in files
    assert "case_study/cli.py" in files and "case_study/notebooks/graders.py" in files
    assert files["data/manifest.json"] == paths.DATA_MANIFEST.read_bytes()
    assert files["data/raw/german.data"] == (paths.RAW_DIR / "german.data").read_bytes()
    assert files["requirements.txt"] == (paths.PROJECT_ROOT / "requirements.txt").read_bytes()
    for stage in build.STAGES:
        assert files[f"notebooks/{build.notebook_filename(stage)}"] == build.notebook_bytes(stage)


def test_the_instructors_solutions_and_caches_stay_behind(files):
    assert not [n for n in files if n.endswith("solutions.py") or "__pycache__" in n]
    assert not [n for n in files if "solutions" in n and n.endswith(".ipynb")]


def test_sha256sums_lists_every_other_file(files):
    listed = dict(
        reversed(line.split("  ", 1)) for line in files["SHA256SUMS"].decode().splitlines()
    )
    assert set(listed) == set(files) - {"SHA256SUMS"}
    assert all(sha256_bytes(files[name]) == digest for name, digest in listed.items())


def test_pyproject_gives_the_case_study_command_and_only_its_dependencies(files):
    project = tomllib.loads(files["pyproject.toml"].decode())["project"]
    assert project["scripts"] == {"case-study": "case_study.cli:main"}
    names = [take_home._requirement_name(d) for d in project["dependencies"]]
    assert names == list(take_home.RUNTIME_DEPENDENCIES)
    assert "scikit-learn==1.9.1" in project["dependencies"]


def test_archive_is_deterministic_and_under_one_top_folder():
    blob = take_home.archive_bytes()
    assert blob == take_home.archive_bytes()
    names = zipfile.ZipFile(io.BytesIO(blob)).namelist()
    assert all(n.startswith(take_home.ARCHIVE_ROOT + "/") for n in names)


def test_cli_writes_the_archive(tmp_path, capsys):
    out = tmp_path / "dist" / take_home.ARCHIVE_NAME
    assert cli.main(["take-home", "--out", str(out)]) == cli.EXIT_OK
    assert out.read_bytes() == take_home.archive_bytes()
    assert "pip install ." in capsys.readouterr().out


# ------------------------------------------------------ how an installed copy finds data


def make_project(folder: Path) -> Path:
    (folder / "data").mkdir(parents=True)
    (folder / "data" / "manifest.json").write_text("{}")
    return folder


def test_project_root_is_found_above_an_installed_package(tmp_path):
    project = make_project(tmp_path / "copy")
    package = project / ".venv" / "lib" / "python3.11" / "site-packages" / "case_study"
    package.mkdir(parents=True)
    assert paths.find_project_root(package, cwd=tmp_path) == project


def test_project_root_falls_back_to_the_working_directory(tmp_path):
    project = make_project(tmp_path / "copy")
    package = tmp_path / "venv" / "site-packages" / "case_study"
    package.mkdir(parents=True)
    (project / "notebooks").mkdir()
    assert paths.find_project_root(package, cwd=project / "notebooks") == project


def test_without_any_project_the_package_parent_is_kept(tmp_path):
    package = tmp_path / "venv" / "site-packages" / "case_study"
    package.mkdir(parents=True)
    assert paths.find_project_root(package, cwd=tmp_path) == package.parent


def test_the_repository_is_its_own_project_root(project_root):
    assert paths.PROJECT_ROOT == project_root


# ------------------------------------------------------ installed in a fresh environment


def _run(command: list[str], cwd: Path, env: dict) -> subprocess.CompletedProcess:
    result = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    assert result.returncode == 0, f"{command}: {result.stdout}\n{result.stderr}"
    return result


@pytest.mark.slow
def test_archive_installs_in_a_fresh_venv_and_verify_passes_there(tmp_path):
    """Unzip outside the repository, create a venv inside the copy, `pip install .` with no
    index (its dependencies come from this venv through a .pth file: offline and quick),
    then run and verify from a folder that is neither the copy nor the repository."""
    with zipfile.ZipFile(io.BytesIO(take_home.archive_bytes())) as archive:
        archive.extractall(tmp_path)
    copy = tmp_path / take_home.ARCHIVE_ROOT
    venv = copy / ".venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()
    Path(site, "project_venv.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "CASE_STUDY"))}
    env["PIP_NO_INDEX"] = "1"
    _run(
        [str(python), "-m", "pip", "install", "--no-deps", "--no-build-isolation", "-q", "."],
        cwd=copy, env=env,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    case_study = str(venv / "bin" / "case-study")
    where = _run(
        [str(python), "-c", "import case_study, case_study.paths as p; "
         "print(case_study.__file__); print(p.PROJECT_ROOT)"],
        cwd=elsewhere, env=env,
    ).stdout.splitlines()
    assert where[0].startswith(site), "the installed copy, not the repository's, is imported"
    assert Path(where[1]) == copy
    _run([case_study, "run", "--pipeline", "reproducible", "--out", "runs/first"], elsewhere, env)
    verified = _run([case_study, "verify", "runs/first/manifest.json"], elsewhere, env)
    assert verified.stdout.startswith("OK: rebuilt reproducible run")
