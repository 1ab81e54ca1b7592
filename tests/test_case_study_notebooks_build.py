"""The generated notebooks: valid nbformat 4, cut from the case study's own source,
deterministic, and (slow) executed with a real ipykernel, exercises unsolved and solved."""

from __future__ import annotations

import ast
import json
import os
import sys

import nbformat
import pytest

from case_study import cli, pipelines, stage2_data
from case_study.notebooks import build, exercises, sources

STAGES = build.STAGES


def code_cells(notebook: dict) -> list[str]:
    return [c["source"] for c in notebook["cells"] if c["cell_type"] == "code"]


@pytest.mark.parametrize("stage", STAGES)
@pytest.mark.parametrize("solutions", [False, True])
def test_every_notebook_is_valid_nbformat_and_every_code_cell_parses(stage, solutions):
    notebook = nbformat.reads(build.notebook_bytes(stage, solutions).decode(), as_version=4)
    nbformat.validate(notebook)
    for source in code_cells(notebook):
        ast.parse(source)


def test_notebook_bytes_are_deterministic():
    assert build.notebook_bytes(3) == build.notebook_bytes(3)


def test_code_comes_from_the_case_study_itself():
    cells = code_cells(build.notebook(3))
    assert sources.function_source(pipelines.train_irreproducible).strip() in cells
    assert sources.function_source(pipelines.train_reproducible).strip() in cells
    cells = code_cells(build.notebook(2))
    assert sources.function_source(stage2_data.selection_before_split).strip() in cells


def test_solved_and_unsolved_differ_only_in_the_title_and_the_exercise_cells():
    for stage in STAGES:
        unsolved, solved = build.notebook(stage), build.notebook(stage, solutions=True)
        bodies = {s.starter_source().strip() for s in exercises.specs_for_stage(stage)}
        solved_bodies = {s.solution_source().strip() for s in exercises.specs_for_stage(stage)}
        pairs = list(zip(unsolved["cells"][1:], solved["cells"][1:], strict=True))
        differing = [(a["source"], b["source"]) for a, b in pairs if a["source"] != b["source"]]
        assert {a for a, _ in differing} == bodies
        assert {b for _, b in differing} == solved_bodies


def test_starters_carry_no_pitfall_comments_and_a_todo_or_the_teams_code():
    for spec in exercises.SPECS:
        text = spec.starter_source()
        assert "PITFALL" not in text
        assert f"def {spec.function_name}(" in text


def test_setup_cell_creates_one_question_per_exercise():
    setup = code_cells(build.notebook(3))[0]
    assert 'q1 = exercise("stage3.feature_columns")' in setup
    assert 'q2 = exercise("stage3.training")' in setup


def test_cli_writes_one_notebook_per_stage(tmp_path, capsys):
    assert cli.main(["notebooks", "--out", str(tmp_path / "nb")]) == cli.EXIT_OK
    written = sorted(p.name for p in (tmp_path / "nb").iterdir())
    assert written == sorted(build.notebook_filename(s) for s in STAGES)
    assert "wrote" in capsys.readouterr().out


def test_cli_solutions_say_so_when_the_copy_has_none(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, exercises.SOLUTIONS_MODULE, None)
    code = cli.main(["notebooks", "--out", str(tmp_path), "--solutions"])
    assert code == cli.EXIT_UNUSABLE
    assert "solutions are not part of this copy" in capsys.readouterr().err


def test_cli_refuses_to_write_notebooks_into_the_data_folder(capsys):
    from case_study import paths

    assert cli.main(["notebooks", "--out", str(paths.DATA_DIR / "nb")]) == cli.EXIT_UNUSABLE
    assert "data folder" in capsys.readouterr().err


# ------------------------------------------------------------------ executed, for real


def both_versions(stage: int) -> nbformat.NotebookNode:
    """The unsolved notebook, then the solved exercise cells, in one kernel.

    The two versions share every cell but the exercise bodies (tested above), so running
    the unsolved notebook and then the solved exercise cells executes both, and starts one
    kernel instead of two.
    """
    unsolved = build.notebook(stage)
    solved = build.notebook(stage, solutions=True)
    first = next(
        i for i, c in enumerate(solved["cells"]) if c["source"].startswith("## Exercise")
    )
    cells = unsolved["cells"] + [dict(c, id=f"{c['id']}-solved") for c in solved["cells"][first:]]
    return nbformat.reads(json.dumps({**unsolved, "cells": cells}), as_version=4)


def verdicts(notebook) -> list[str]:
    texts = [
        output.get("text", "")
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if output.get("output_type") == "stream"
    ]
    return [t.split(":")[0] for t in texts if t.startswith(("Correct", "Not yet"))]


@pytest.mark.slow
@pytest.mark.parametrize("stage", STAGES)
def test_every_notebook_executes_unsolved_then_solved(stage, tmp_path, monkeypatch, project_root):
    from nbclient import NotebookClient

    monkeypatch.setenv("PYTHONPATH", str(project_root))  # the kernel imports this case_study
    monkeypatch.setenv("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    notebook = both_versions(stage)
    client = NotebookClient(
        notebook,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute()  # raises CellExecutionError when any cell raises
    n = len(exercises.specs_for_stage(stage))
    assert verdicts(notebook) == ["Not yet"] * n + ["Correct"] * n
    errors = [o for c in notebook.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors
    assert os.environ["PYTHONPATH"] == str(project_root)
