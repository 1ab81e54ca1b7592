"""Take-home downloads: every stage with a demo offers its notebook; the wrap-up offers the
whole case study as one archive, with how to install and run it offline."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from tests.ui.helpers import new_app, open_page
from workshop.ui import take_home

STAGES = ("why", "design", "data", "model", "legacy", "deployment")


def _downloads(at) -> dict[str, object]:
    return {element.proto.label: element for element in at.get("download_button")}


@pytest.mark.parametrize("stage_id", STAGES)
def test_every_stage_page_offers_its_notebook(stage_id):
    at = new_app().run()
    open_page(at, stage_id)
    assert not at.exception
    labels = [label for label in _downloads(at) if label.endswith("notebook (.ipynb)")]
    assert len(labels) == 1, labels
    assert labels[0].startswith(f"Download the Stage {STAGES.index(stage_id)} notebook")


def test_the_notebook_bytes_are_the_case_studys_own_notebook():
    from case_study.notebooks import build

    for number in (0, 3):
        data = take_home._notebook(number)
        assert data == build.notebook_bytes(number)
        notebook = json.loads(data)
        assert notebook["nbformat"] == 4 and notebook["cells"]


def test_the_wrap_up_offers_the_archive_and_how_to_install_it():
    from case_study import take_home as archive

    at = new_app().run()
    open_page(at, "wrap-up")
    assert not at.exception
    assert "Download the case study (.zip)" in _downloads(at)
    markdown = " ".join(element.value for element in at.markdown)
    assert archive.ARCHIVE_NAME in markdown
    assert "pip install ." in markdown and "case-study verify" in markdown


def test_the_archive_is_the_case_studys_own_and_holds_no_solutions():
    from case_study import take_home as archive

    data = take_home._archive()
    assert data == archive.archive_bytes()
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert f"{archive.ARCHIVE_ROOT}/data/manifest.json" in names
    assert not [name for name in names if name.endswith("solutions.py")]


def test_the_wrap_up_does_not_load_scikit_learn_to_name_the_archive():
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", "import sys, case_study.take_home; print('sklearn' in sys.modules)"],
        capture_output=True, text=True, check=True,
    )
    assert done.stdout.strip() == "False"
