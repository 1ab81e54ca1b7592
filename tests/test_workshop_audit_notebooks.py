"""Notebooks read as JSON: code cells joined with a line map back to cell and line."""

from __future__ import annotations

import json

import pytest

from workshop.audit.items import run_audit
from workshop.audit.notebooks import NotebookError, notebook_code


def notebook(*cells) -> str:
    return json.dumps({"cells": [{"cell_type": kind, "source": source}
                                 for kind, source in cells], "nbformat": 4})


def test_code_cells_joined_with_a_line_map():
    code = notebook_code(notebook(
        ("markdown", "# Title"),
        ("code", ["import numpy as np\n", "%timeit x\n", "!pip install foo\n", "a = 1"]),
        ("raw", "not code"),
        ("code", "b = 2\nc = 3"),
    ))
    assert code.source == "import numpy as np\n\n\na = 1\nb = 2\nc = 3\n"
    assert code.line_map == [(2, 1), (2, 2), (2, 3), (2, 4), (4, 1), (4, 2)]
    assert code.locate(6) == (4, 2) and code.bad_cells == []


def test_a_cell_that_does_not_parse_is_left_out_and_reported():
    code = notebook_code(notebook(("code", "x = (\n"), ("code", "y = 1")))
    assert code.bad_cells == [1] and code.source == "y = 1\n" and code.line_map == [(2, 1)]


@pytest.mark.parametrize("text", ['{"cells": [', "[]", '{"cells": {}}', "null"])
def test_broken_notebooks_raise(text):
    with pytest.raises(NotebookError):
        notebook_code(text)


def test_notebook_evidence_points_at_cell_and_line(tmp_path):
    (tmp_path / "nb.ipynb").write_text(notebook(
        ("markdown", "intro"),
        ("code", "from sklearn.preprocessing import StandardScaler\nX = 1"),
        ("code", "X = StandardScaler().fit_transform(X)"),
        ("code", "1 +"),
        ("code", "a, b = train_test_split(X)"),
    ))
    results = {item.id: f for item, f in run_audit(tmp_path).results}
    leak = results["fit-after-split"]
    assert [(e.path, e.cell, e.line) for e in leak.evidence] == [("nb.ipynb", 3, 1)]
    assert leak.evidence[0].text.startswith("StandardScaler fitted before the split at cell 5 "
                                            "line 1")
    assert leak.evidence[0].where() == "nb.ipynb cell 3 line 1"
    seeds = results["seeded-randomness"]
    assert [(e.cell, e.line) for e in seeds.evidence] == [(5, 1)]
    monitoring = results["monitoring"]  # the bad cell could hide anything: cannot tell
    assert monitoring.status == "cannot_tell"
    assert [(e.path, e.cell, e.line, e.text) for e in monitoring.evidence] == [
        ("nb.ipynb", 4, None, "cell does not parse")]
