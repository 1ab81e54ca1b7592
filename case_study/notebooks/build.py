"""Build one Jupyter notebook per stage (nbformat 4, written as plain JSON).

A notebook has: a setup cell; the stage's irreproducible code and a short run of it; the
reproducible code and a run; then its exercises (task, import cell, starter, check, hint).
With ``solutions=True`` the exercise cells hold the instructors' solutions instead of the
starters. Everything is cut from the case study's own source, so the notebooks cannot
drift from it; the JSON is deterministic (same code, same bytes).
"""

from __future__ import annotations

import inspect
import json
from pathlib import Path

from case_study import __version__, cli
from case_study.notebooks import content, exercises, sources

NBFORMAT = 4
NBFORMAT_MINOR = 5
KERNELSPEC = {"display_name": "Python 3", "language": "python", "name": "python3"}
STAGES = tuple(sorted(cli.STAGE_MODULES))

SETUP_NOTE = """\
Run this notebook with the case study installed: in the take-home folder, `pip install -r \
requirements.txt` then `pip install .` (see its README). Everything runs offline, on the \
shipped data, on your own machine; the data is checked against `data/manifest.json` on every \
load. The graders say *Correct* or *Not yet* and give hints; they never show a solution."""


def notebook_filename(stage: int, solutions: bool = False) -> str:
    """``stage3_model.ipynb`` (or ``stage3_model-solutions.ipynb``) for stage 3."""
    return f"{cli.STAGE_MODULES[stage]}{'-solutions' if solutions else ''}.ipynb"


def _markdown(text: str) -> dict:
    return {"cell_type": "markdown", "metadata": {}, "source": text.strip("\n")}


def _code(text: str) -> dict:
    return {
        "cell_type": "code",
        "execution_count": None,
        "metadata": {},
        "outputs": [],
        "source": text.strip("\n"),
    }


def _item_source(item: content.Item) -> str:
    if isinstance(item, tuple):
        module, name = item
        return sources.constant_source(module, name)
    return sources.function_source(item)


def _item_imports(item: content.Item):
    """``(module, names)``: the names an item reads, from the module it lives in."""
    if isinstance(item, tuple):
        module, name = item
        return module, sources.names_in(sources.constant_source(module, name)) - {name}
    return inspect.getmodule(item), sources.needed_names(item)


def _item_name(item: content.Item) -> str:
    return item[1] if isinstance(item, tuple) else item.__name__


def _side_cells(side: content.Side, module, label: str, defined: set[str]) -> list[dict]:
    cells = [_markdown(f"## {label}: {side.heading}")]
    names = {_item_name(item) for item in side.items}
    wanted = [_item_imports(item) for item in side.items]
    wanted.append((module, sources.names_in(side.demo)))
    imports = sources.imports_for(wanted, defined_here=defined | names)
    if imports.strip():
        cells.append(_code(imports))
    cells += [_code(_item_source(item)) for item in side.items]
    defined |= names
    cells.append(_code(side.demo))
    return cells


def _setup_cell(stage: int) -> dict:
    lines = [
        "from case_study import paths",
        "from case_study.notebooks.exercises import exercise",
        "",
        'print("case study data:", paths.DATA_DIR)',
    ]
    for number, spec in enumerate(exercises.specs_for_stage(stage), start=1):
        lines.append(f'q{number} = exercise("{spec.key}")')
    return _code("\n".join(lines))


def _exercise_cells(stage: int, solutions: bool) -> list[dict]:
    cells = []
    for number, spec in enumerate(exercises.specs_for_stage(stage), start=1):
        body = spec.solution_source() if solutions else spec.starter_source()
        cells += [
            _markdown(f"## Exercise {number}: {spec.title}\n\n{spec.prompt}"),
            _code(spec.imports()),
            _code(body),
            _code(f"q{number}.check({spec.function_name})"),
            _code(f"# q{number}.hint()  # uncomment for a hint, run again for the next one"),
        ]
    return cells


def notebook(stage: int, solutions: bool = False) -> dict:
    """The notebook of ``stage`` as an nbformat-4 dict.

    Args:
        stage: 0–5.
        solutions: put the instructors' solutions in the exercise cells (needs
            ``case_study.notebooks.solutions``, which a take-home copy does not ship).

    Returns:
        The notebook, ready for ``json.dumps``.
    """
    reading = content.reading(stage)
    doc = inspect.getdoc(reading.module) or ""
    title = reading.title + (" — instructors' solutions" if solutions else "")
    cells = [
        _markdown(f"# {title}\n\n{SETUP_NOTE}"),
        _setup_cell(stage),
        _markdown(f"## What this stage is about\n\n{doc}"),
    ]
    defined: set[str] = set()
    cells += _side_cells(reading.wrong, reading.module, "Irreproducible", defined)
    cells += _side_cells(reading.right, reading.module, "Reproducible", defined)
    cells += _exercise_cells(stage, solutions)
    for number, cell in enumerate(cells):
        cell["id"] = f"stage{stage}-{number:02d}"
    return {
        "cells": cells,
        "metadata": {
            "kernelspec": dict(KERNELSPEC),
            "language_info": {"name": "python"},
            "case_study": {"version": __version__, "stage": stage, "solutions": solutions},
        },
        "nbformat": NBFORMAT,
        "nbformat_minor": NBFORMAT_MINOR,
    }


def notebook_bytes(stage: int, solutions: bool = False) -> bytes:
    """The notebook of ``stage`` as the bytes of an ``.ipynb`` file (for a download button).

    Args:
        stage: 0–5.
        solutions: the instructors' version.

    Returns:
        UTF-8 JSON, the same bytes for the same code.
    """
    text = json.dumps(notebook(stage, solutions), indent=1, sort_keys=True, ensure_ascii=False)
    return (text + "\n").encode("utf-8")


def write_notebooks(
    out_dir: Path, solutions: bool = False, stages: tuple[int, ...] = STAGES
) -> list[Path]:
    """Write one notebook per stage into ``out_dir`` (created if missing).

    Args:
        out_dir: the folder.
        solutions: write the instructors' versions (``*-solutions.ipynb``).
        stages: which stages.

    Returns:
        The paths written, in stage order.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for stage in stages:
        path = out_dir / notebook_filename(stage, solutions)
        path.write_bytes(notebook_bytes(stage, solutions))
        written.append(path)
    return written

