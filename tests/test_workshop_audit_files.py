"""Judgements from file names and text: pins, data hashes, datasheet, model card, CI."""

from __future__ import annotations

from pathlib import Path

import pytest

from workshop.audit import files
from workshop.audit.scan import scan_project


def judge(tmp_path: Path, function, layout: dict[str, str]):
    for name, text in layout.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    finding = function(scan_project(tmp_path))
    return finding.status, [(e.path, e.line) for e in finding.evidence]


def test_requirements_options_comments_and_continuations(tmp_path):
    text = ("# pins\n-r base.txt\nnumpy==1.26.4 \\\n    --hash=sha256:abc\n"
            "-e .\npandas>=2  # loose\n\nscipy==1.13.1; python_version > '3.9'\n")
    assert judge(tmp_path, files.dependencies, {"requirements-dev.txt": text}) == (
        "missing", [("requirements-dev.txt", 6)])


def test_all_pinned_requirements_are_found(tmp_path):
    assert judge(tmp_path, files.dependencies, {"requirements.txt": "a==1\nb==2\n",
                                                "requirements.in": "a\nb\n"}) == (
        "found", [("requirements.txt", 1), ("requirements.txt", 2)])


def test_a_lock_file_is_enough(tmp_path):
    assert judge(tmp_path, files.dependencies, {"uv.lock": "version = 1\n",
                                                "requirements.txt": "a\n"}) == (
        "found", [("uv.lock", None)])


def test_conda_environment(tmp_path):
    env = ("name: x\nchannels:\n  - conda-forge\ndependencies:\n  - python=3.11\n"
           "  - numpy\n  - pip:\n    - requests==2.32.3\n    - rich\n")
    assert judge(tmp_path, files.dependencies, {"environment.yml": env}) == (
        "missing", [("environment.yml", 6), ("environment.yml", 9)])


def test_pyproject_ranges_alone_are_missing(tmp_path):
    assert judge(tmp_path, files.dependencies, {"pyproject.toml": "[project]\n"}) == (
        "missing", [("pyproject.toml", None)])
    assert judge(tmp_path / "none", files.dependencies, {"a.py": "x = 1\n"}) == ("missing", [])


@pytest.mark.parametrize("layout, evidence", [
    ({"data/raw.csv.dvc": "outs:\n- md5: abc\n", "data/raw.csv": "a\n"},
     [("data/raw.csv.dvc", None)]),
    ({"dvc.lock": "schema: '2.0'\n"}, [("dvc.lock", None)]),
    ({".gitattributes": "*.md text\n*.parquet filter=lfs diff=lfs merge=lfs -text\n"},
     [(".gitattributes", 2)]),
    ({"data/big.parquet": "version https://git-lfs.github.com/spec/v1\noid sha256:ab\n"},
     [("data/big.parquet", 1)]),
    ({"SHA256SUMS": "\n" + "a" * 64 + "  data.csv\n", "data.csv": "x\n"},
     [("SHA256SUMS", 2)]),
])
def test_data_hash_evidence(tmp_path, layout, evidence):
    assert judge(tmp_path, files.data_hashes, layout) == ("found", evidence)


def test_a_manifest_without_a_digest_is_not_enough(tmp_path):
    assert judge(tmp_path, files.data_hashes, {"manifest.json": '{"rows": 3}',
                                               "x.tsv": "a\n"}) == ("missing", [("x.tsv", None)])


def test_datasheet_and_model_card_by_their_headings(tmp_path):
    datasheet = ("# Loans\n\n## Motivation\n## Composition\n## Collection process\n"
                 "Uses are listed below.\n## Maintenance\n")
    card = "# Credit model\n\n## Intended use\n## Metrics\n## Ethical considerations\n"
    layout = {"data/README.md": datasheet, "docs/model.md": card}
    assert judge(tmp_path, files.datasheet, layout) == ("found", [("data/README.md", 3)])
    assert judge(tmp_path, files.model_card, layout) == ("found", [("docs/model.md", 3)])


def test_too_few_headings_and_code_named_like_a_card_are_missing(tmp_path):
    layout = {"README.md": "# Motivation\n## Uses\nComposition, collection: see below.\n",
              "model_card.py": "x = 1\n"}
    assert judge(tmp_path, files.datasheet, layout) == ("missing", [])
    assert judge(tmp_path, files.model_card, layout) == ("missing", [])


@pytest.mark.parametrize("layout, status, evidence", [
    ({".gitlab-ci.yml": "test:\n  script:\n    - pytest -x\n"}, "found",
     [(".gitlab-ci.yml", 3)]),
    ({".ci/run": "#!/bin/sh\npip install pytest\n.venv/bin/python -m pytest\n"}, "found",
     [(".ci/run", 3)]),
    ({".github/workflows/lint.yaml": "steps:\n  - run: ruff check\n"}, "missing",
     [(".github/workflows/lint.yaml", None)]),
    ({"tests/test_a.py": "def test(): pass\n"}, "missing", []),
])
def test_ci(tmp_path, layout, status, evidence):
    assert judge(tmp_path, files.ci, layout) == (status, evidence)
