"""Stage 3's graders: run the learner's function in fresh Python processes and compare.

A notebook kernel is one Python process: a function that builds its column order from a
``set`` gives the same order every time it runs there. So the grader writes the learner's
function (its source, the exercise's imports and the imports of its own cell) into a
script and runs it in two fresh interpreters with ``PYTHONHASHSEED`` 1 and 2, as
``case_study.fresh_process`` does for the switchboard, on the learner's own machine.
Each prints one marked line of JSON; the grader compares them and, when they differ, says
which part differs (a step without its seed, the split, the column order), never how to
fix it in code.
"""

from __future__ import annotations

import ast
import inspect
import json
import linecache
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from case_study import paths
from case_study.notebooks.graders import Outcome, _fail

HASH_SEEDS = (1, 2)
TIMEOUT_SECONDS = 180.0
MARK = "CASE-STUDY-RESULT "
_HEAD = 4
_NO_SOURCE = (
    "define the function in a notebook cell (or a file) and pass it, not a lambda or a "
    "built-in."
)
_FRESH_HINT = (
    "the grader runs your function's own source in a fresh Python process, with the import "
    "cell above it and the imports in its own cell: define helpers inside the function."
)


def _cell_imports(function: Callable) -> str:
    """The top-level import lines of the cell (or file) that defines ``function``."""
    filename = inspect.getsourcefile(function) or ""
    text = "".join(linecache.getlines(filename))
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return ""
    found = [ast.get_source_segment(text, node) for node in tree.body]
    kinds = [
        isinstance(node, ast.Import)
        or (isinstance(node, ast.ImportFrom) and node.module != "__future__")
        for node in tree.body
    ]
    return "\n".join(seg for seg, is_import in zip(found, kinds, strict=True) if is_import and seg)


def learner_script(answer: Callable, imports: str, call: str, prelude: str = "") -> str:
    """The script a fresh process runs: imports, the learner's function, then ``call``.

    Args:
        answer: the learner's function.
        imports: the exercise's import cell.
        call: an expression whose value (JSON-serialisable) is printed after :data:`MARK`.
        prelude: the grader's own import lines, placed after the learner's function.

    Returns:
        The script's text.

    Raises:
        OSError: when the function's source cannot be found.
        TypeError: when ``answer`` is not a Python function.
    """
    source = inspect.getsource(answer)
    return "\n".join(
        [
            "import json",
            imports,
            _cell_imports(answer),
            source,
            prelude,
            f"print({MARK!r} + json.dumps({call}))",
        ]
    )


def _environment(hash_seed: int) -> dict[str, str]:
    # The case_study package the kernel imported, first: the script lives in a temp folder.
    package_parent = str(paths.PACKAGE_DIR.parent)
    python_path = os.pathsep.join(p for p in (package_parent, os.environ.get("PYTHONPATH")) if p)
    return {**os.environ, "PYTHONHASHSEED": str(hash_seed), "PYTHONPATH": python_path}


def run_fresh(script: str, hash_seeds=HASH_SEEDS, timeout: float = TIMEOUT_SECONDS):
    """Run ``script`` in one fresh interpreter per hash seed, in parallel.

    Args:
        script: the text of the script.
        hash_seeds: the ``PYTHONHASHSEED`` of each process.
        timeout: seconds for all processes together.

    Returns:
        ``(results, error)``: the parsed JSON of each process, or ``None`` and the last line
        a failing process wrote on stderr.
    """
    with tempfile.TemporaryDirectory(prefix="case-study-grader-") as folder:
        path = Path(folder) / "answer.py"
        path.write_text(script, encoding="utf-8")
        command = [sys.executable, str(path)]
        processes = [
            subprocess.Popen(
                command,
                cwd=paths.PROJECT_ROOT,
                env=_environment(h),
                text=True,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
            for h in hash_seeds
        ]
        try:
            outputs = [p.communicate(timeout=timeout) for p in processes]
        finally:
            for process in processes:
                if process.poll() is None:
                    process.kill()
                    process.communicate()
    results = []
    for process, (stdout, stderr) in zip(processes, outputs, strict=True):
        lines = [line for line in stdout.splitlines() if line.startswith(MARK)]
        if process.returncode != 0 or not lines:
            last = [line for line in stderr.strip().splitlines() if line.strip()]
            return None, (last[-1] if last else f"exit code {process.returncode}, no output")
        results.append(json.loads(lines[-1][len(MARK) :]))
    return results, None


def _run_answer(answer: Callable, imports: str, call: str, prelude: str = ""):
    try:
        script = learner_script(answer, imports, call, prelude)
    except (OSError, TypeError):
        return None, _fail("the grader cannot read your function's source.", _NO_SOURCE)
    results, error = run_fresh(script)
    if error is not None:
        return None, _fail(f"in a fresh Python process your function failed: {error}", _FRESH_HINT)
    return results, None


# ---------------------------------------------------------------- the column-order grader


def grade_feature_columns(answer: Callable, imports: str = "") -> Outcome:
    """Stage 3: the learner's column lists must be right, and the same in every process."""
    from case_study import codes

    results, failed = _run_answer(answer, imports, f"[list(c) for c in {answer.__name__}()]")
    if failed:
        return failed
    categorical, numeric = results[0]
    want = {"categorical": set(codes.CATEGORICAL_COLUMNS), "numeric": set(codes.NUMERIC_COLUMNS)}
    for name, got in (("categorical", categorical), ("numeric", numeric)):
        if set(got) != want[name] or len(got) != len(want[name]):
            return _fail(
                f"expected the {len(want[name])} {name} columns, each once; your list has "
                f"{len(got)} ({len(set(got) & want[name])} of them right).",
                "the documented columns are in case_study.codes.",
            )
    first, second = results
    if first != second:
        side = "categorical" if first[0] != second[0] else "numeric"
        index = 0 if side == "categorical" else 1
        return _fail(
            f"the {side} columns come in another order in each process: "
            f"PYTHONHASHSEED={HASH_SEEDS[0]} starts {first[index][:_HEAD]}, "
            f"PYTHONHASHSEED={HASH_SEEDS[1]} starts {second[index][:_HEAD]}.",
            "string hashes are salted per process: an order taken from a set changes with "
            "them. Which order never depends on the process?",
        )
    return Outcome(
        True,
        f"the same {len(categorical)} + {len(numeric)} columns, in the same order, with "
        f"PYTHONHASHSEED {HASH_SEEDS[0]} and {HASH_SEEDS[1]}.",
    )


# ------------------------------------------------------------ the reproducible-training grader


def describe_training(train: Callable) -> dict:
    """Train with ``train`` on the verified data and describe the result (run in a worker).

    Args:
        train: the learner's function: ``train(frame)`` returns a TrainingRun, or a
            ``(model, predictions)`` pair.

    Returns:
        The model's and the predictions' hashes, the test rows' hash (when known), the steps
        that have a ``random_state`` of None, and the head of the feature order.
    """
    import numpy as np

    from case_study.data import load_german_credit
    from case_study.hashing import sha256_array, sha256_model

    result = train(load_german_credit())
    if hasattr(result, "model") and hasattr(result, "test_predictions"):
        model, predictions, index = result.model, result.test_predictions, result.test_index
    elif isinstance(result, tuple) and len(result) == 2:
        (model, predictions), index = result, None
    else:
        raise TypeError("expected a TrainingRun or a (model, predictions) pair")
    params = model.get_params(deep=True) if hasattr(model, "get_params") else {}
    unseeded = sorted(
        type(params.get(key[: -len("__random_state")], model)).__name__
        for key, value in params.items()
        if key.endswith("random_state") and value is None
    )
    try:
        names = [str(n) for n in model[:-1].get_feature_names_out()][:_HEAD]
    except (AttributeError, TypeError, ValueError, IndexError):
        names = None
    return {
        "model_sha256": sha256_model(model),
        "predictions_sha256": sha256_array(np.asarray(predictions, dtype=float)),
        "test_index_sha256": None if index is None else sha256_array(np.asarray(index)),
        "unseeded": unseeded,
        "feature_order_head": names,
    }


def _diagnosis(first: dict, second: dict) -> Outcome:
    where = f"PYTHONHASHSEED={HASH_SEEDS[0]} and {HASH_SEEDS[1]}"
    unseeded = sorted(set(first["unseeded"]) | set(second["unseeded"]))
    if unseeded:
        return _fail(
            f"the two fresh processes ({where}) trained different models, and "
            f"{', '.join(unseeded)} draws new random numbers in every run.",
            "every random component needs the one seed, not only some of them.",
        )
    if first["test_index_sha256"] != second["test_index_sha256"]:
        return _fail(
            f"the two fresh processes ({where}) held out different test rows.",
            "the split is random too: where does it get its random numbers from?",
        )
    if first["feature_order_head"] != second["feature_order_head"]:
        return _fail(
            f"the two fresh processes ({where}) fed the model its columns in another order: "
            f"{first['feature_order_head']} vs {second['feature_order_head']}.",
            "every seed is set, yet the order changes with PYTHONHASHSEED: what in your code "
            "takes its order from string hashes?",
        )
    return _fail(
        f"the two fresh processes ({where}) produced different models "
        f"({first['model_sha256'][:12]}… vs {second['model_sha256'][:12]}…).",
        "something that changes from one process to the next still reaches the model.",
    )


def grade_training(answer: Callable, imports: str = "") -> Outcome:
    """Stage 3: train the learner's function in two fresh processes; hashes must match."""
    prelude = "from case_study.notebooks.fresh import describe_training as _describe_training"
    call = f"_describe_training({answer.__name__})"
    results, failed = _run_answer(answer, imports, call, prelude)
    if failed:
        return failed
    first, second = results
    same_model = first["model_sha256"] == second["model_sha256"]
    same_predictions = first["predictions_sha256"] == second["predictions_sha256"]
    if same_model and same_predictions:
        return Outcome(
            True,
            f"PYTHONHASHSEED {HASH_SEEDS[0]} and {HASH_SEEDS[1]}: the same model "
            f"({first['model_sha256'][:12]}…) and the same predictions, byte for byte.",
        )
    return _diagnosis(first, second)
