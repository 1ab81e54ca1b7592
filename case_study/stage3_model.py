"""Stage 3 — model development: the same training code, another ROC AUC every run.

Which practices make it give one answer, byte for byte, in any process?

Four experiments, each returning plain data a UI or the command line can show:

- **unseeded vs seeded runs** — :func:`unseeded_runs` trains ``pipelines.train_irreproducible``
  N times (a real spread of ROC AUCs); :func:`seeded_runs` trains
  ``pipelines.train_reproducible`` N times (one value);
- **seed shopping** — :func:`seed_shopping`: one logistic regression over 20 split seeds;
  the best seed against the median, and what a team reporting its best seed would claim;
- **the switchboard** — :class:`Practices` and :func:`train_with_practices`: each practice
  switched on or off, each one off marked ``# PITFALL:``;
- **fresh processes** — :func:`train_in_fresh_processes` runs ``case_study.stage3_worker``
  in two Python processes with different ``PYTHONHASHSEED`` values and compares hashes.
  Seeds alone are not enough: column lists built from a ``set`` change order between
  processes, and with them the model.

The machinery lives in its own modules and is re-exported here: :mod:`case_study.practices`
(the switches), :mod:`case_study.pins` (versions against ``requirements.txt``),
:mod:`case_study.shopping` (seed shopping) and :mod:`case_study.fresh_process` (running the
worker in fresh processes).
"""

from __future__ import annotations

import time
from collections.abc import Iterable

import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from case_study import codes, fresh_process
from case_study.data import load_german_credit
from case_study.errors import FreshProcessError, UnknownPracticeError
from case_study.fresh_process import (
    BUSY_WAIT_SECONDS,
    FEATURE_ORDER_HEAD,
    MAX_CONCURRENT_COMPARISONS,
    WORKER_TIMEOUT_SECONDS,
    FreshProcessComparison,
    WorkerResult,
    worker_command,
)
from case_study.hashing import short
from case_study.pins import (
    DIRECT_PINS,
    REQUIREMENTS,
    VersionMismatch,
    environment_mismatches,
    read_pins,
)
from case_study.pipelines import (
    DEFAULT_PARAMS,
    DEFAULT_SEED,
    TEST_SIZE,
    _finish,
    split_features_target,
    train_irreproducible,
    train_reproducible,
)
from case_study.practices import PRACTICE_TEXT, Practices, SwitchboardRun
from case_study.run_pool import RunPool
from case_study.runs import RunPoint, RunSummary, run_point, runs_frame, summarise_runs
from case_study.shopping import (
    LOGISTIC_PARAMS,
    SHOPPING_SEEDS,
    SeedShopping,
    logistic_auc,
    seed_shopping,
)

# fmt: off
__all__ = [
    # unseeded vs seeded runs, seed shopping
    "RunPoint", "RunSummary", "runs_frame", "one_more_unseeded_run", "unseeded_runs",
    "seeded_runs", "summarise_runs", "UNSEEDED_POOL", "SERVER_RUNS", "warm_pool",
    "LOGISTIC_PARAMS", "SHOPPING_SEEDS", "logistic_auc",
    "SeedShopping", "seed_shopping", "seed_shopping_gap",
    # the switchboard
    "IRREPRODUCIBLE", "REPRODUCIBLE", "SEEDS_ONLY", "MINIMAL_REPRODUCIBLE", "SwitchboardRun",
    "train_with_practices", "WORKER_MODULE", "train_in_fresh_processes", "grade_switchboard",
    "side_by_side",
    # re-exported: case_study.practices, case_study.pins, case_study.fresh_process
    "PRACTICE_TEXT", "Practices", "DIRECT_PINS", "REQUIREMENTS", "VersionMismatch",
    "environment_mismatches", "read_pins", "BUSY_WAIT_SECONDS", "FEATURE_ORDER_HEAD",
    "MAX_CONCURRENT_COMPARISONS", "WORKER_TIMEOUT_SECONDS", "FreshProcessComparison",
    "WorkerResult", "worker_command",
    # re-exported: case_study.errors
    "FreshProcessError", "UnknownPracticeError",
]
# fmt: on


# --------------------------------------------------------------------------------------
# Unseeded vs seeded runs
# --------------------------------------------------------------------------------------


def _frame_or_load(frame: pd.DataFrame | None) -> pd.DataFrame:
    return load_german_credit() if frame is None else frame


def one_more_unseeded_run(frame: pd.DataFrame | None = None, run_number: int = 1) -> RunPoint:
    """Train the irreproducible pipeline once more ("run again"); about 0.2 s.

    Parameters: ``frame`` the verified data (loaded when None); ``run_number`` the label of
    this run on the chart. Returns a fresh :class:`RunPoint` — expect a new ROC AUC.
    """
    frame = _frame_or_load(frame)
    started = time.perf_counter()
    run = train_irreproducible(frame)
    return run_point(run_number, run, time.perf_counter() - started)


def unseeded_runs(n: int = 20, frame: pd.DataFrame | None = None) -> pd.DataFrame:
    """Train the irreproducible pipeline ``n`` times in this process.

    Returns a DataFrame (see :func:`runs_frame`): the ROC AUCs really spread out, because
    the split and the forest draw new random numbers every run.
    """
    frame = _frame_or_load(frame)
    return runs_frame(one_more_unseeded_run(frame, i + 1) for i in range(n))


def _server_unseeded_run() -> RunPoint:
    # The verified data, read afresh for each run the server makes on its own (~40 ms
    # beside ~200 ms of training), so a pooled run is exactly what a learner's would be.
    return one_more_unseeded_run(load_german_credit())


# Real unseeded runs this process has made, shared by every learner (see case_study.run_pool):
# opening the page shows the latest SERVER_RUNS of them; "Run again" adds the learner's own.
UNSEEDED_POOL: RunPool[RunPoint] = RunPool(
    _server_unseeded_run, name="Stage 3 unseeded runs", capacity=200
)
SERVER_RUNS = 3


def warm_pool() -> None:
    """Make sure :data:`UNSEEDED_POOL` holds its first :data:`SERVER_RUNS` runs.

    The server's background warm-up calls this, so no learner waits for them.
    """
    UNSEEDED_POOL.ensure(SERVER_RUNS)


def seeded_runs(
    n: int = 3, frame: pd.DataFrame | None = None, seed: int = DEFAULT_SEED
) -> pd.DataFrame:
    """Train the reproducible pipeline ``n`` times with the same ``seed``.

    Returns a DataFrame like :func:`unseeded_runs`; every row has the same ROC AUC and hashes.
    """
    frame = _frame_or_load(frame)
    points = []
    for i in range(n):
        started = time.perf_counter()
        run = train_reproducible(frame, seed=seed)
        points.append(run_point(i + 1, run, time.perf_counter() - started))
    return runs_frame(points)


# --------------------------------------------------------------------------------------
# Seed shopping
# --------------------------------------------------------------------------------------

# The machinery (LOGISTIC_PARAMS, SHOPPING_SEEDS, logistic_auc, SeedShopping,
# seed_shopping) lives in case_study.shopping and is re-exported here.


def seed_shopping_gap() -> float:
    """Predict-then-run: how far the best of 20 split seeds lies above their median.

    Returns best − median ROC AUC of :func:`seed_shopping` over seeds 0–19.
    """
    return seed_shopping().gap


# --------------------------------------------------------------------------------------
# The switchboard: every practice off is the irreproducible training (each off marked
# ``# PITFALL:``), every practice on is the reproducible one
# --------------------------------------------------------------------------------------

IRREPRODUCIBLE = Practices()
REPRODUCIBLE = Practices(**{k: True for k in Practices.keys_known()})
# Measured: every random_state fixed, columns still from a set — hashes differ by process.
SEEDS_ONLY = Practices(
    seed_split=True, seed_model=True, explicit_params=True, pinned_versions_checked=True
)
# The fewest switches with which two fresh processes agree byte for byte.
MINIMAL_REPRODUCIBLE = Practices(seed_split=True, seed_model=True, sorted_columns=True)


def train_with_practices(
    frame: pd.DataFrame, practices: Practices, seed: int = DEFAULT_SEED
) -> SwitchboardRun:
    """Train the loan model following exactly the ``practices`` switched on.

    With every practice on this is ``pipelines.train_reproducible`` (same hashes); with every
    practice off it is built like ``pipelines.train_irreproducible``.
    Parameters: ``frame`` the verified data; ``practices`` the switchboard; ``seed`` the one
    seed used by the practices that take it. Returns a :class:`SwitchboardRun`.
    """
    if practices.pinned_versions_checked:
        mismatches = tuple(environment_mismatches())
    else:
        # PITFALL: nobody checks which library versions ran; an upgrade changes results silently.
        mismatches = None

    features, target = split_features_target(frame)
    if practices.sorted_columns:
        numeric = sorted(codes.NUMERIC_COLUMNS)
        categorical = sorted(codes.CATEGORICAL_COLUMNS)
    else:
        # PITFALL: column lists built from a set. String hashes are salted per process, so
        # the feature order, and with it every tree, changes between Python processes.
        numeric = list(set(codes.NUMERIC_COLUMNS))
        categorical = list(set(features.columns) - set(codes.NUMERIC_COLUMNS))

    if practices.seed_split:
        split_seed = seed
    else:
        # PITFALL: no random_state for the split: another hold-out set every run.
        split_seed = None
    x_train, x_test, y_train, y_test = train_test_split(
        features, target, test_size=TEST_SIZE, stratify=target, random_state=split_seed
    )

    if practices.explicit_params:
        params = dict(DEFAULT_PARAMS)
        encoder = OneHotEncoder(handle_unknown="ignore", sparse_output=False)
    else:
        # PITFALL: library defaults relied upon; they change between versions (0.22 did).
        params = {}
        encoder = OneHotEncoder(handle_unknown="ignore")

    if practices.seed_model:
        model_seed = seed
    else:
        # PITFALL: no random_state for the forest: new bootstrap samples and feature draws.
        model_seed = None

    preprocess = ColumnTransformer(
        [("categorical", encoder, categorical), ("numeric", StandardScaler(), numeric)]
    )
    model = Pipeline(
        [
            ("preprocess", preprocess),
            ("model", RandomForestClassifier(random_state=model_seed, **params)),
        ]
    )
    model.fit(x_train, y_train)
    run = _finish(
        "switchboard",
        model_seed,
        params,
        model,
        x_test,
        y_test,
        categorical + numeric,
        len(y_train),
    )
    return SwitchboardRun(practices=practices, run=run, version_mismatches=mismatches)


# --------------------------------------------------------------------------------------
# Fresh processes
# --------------------------------------------------------------------------------------

# The worker every comparison of this stage runs (a test may point it elsewhere).
WORKER_MODULE = fresh_process.WORKER_MODULE


def train_in_fresh_processes(
    practices: Practices | Iterable[str],
    hash_seeds: Iterable[int] = (1, 2),
    seed: int = DEFAULT_SEED,
    timeout: float = WORKER_TIMEOUT_SECONDS,
    wait: float = BUSY_WAIT_SECONDS,
) -> FreshProcessComparison:
    """Run this stage's training in fresh Python processes, one per hash seed, and compare.

    :func:`case_study.fresh_process.train_in_fresh_processes` with this module's
    ``WORKER_MODULE``; see there for the parameters, the result and the errors.
    """
    return fresh_process.train_in_fresh_processes(
        practices, hash_seeds, seed, timeout, wait, worker_module=WORKER_MODULE
    )


def grade_switchboard(answer) -> dict:
    """Hands-on grader: train with the learner's practices in two fresh processes.

    Parameters: ``answer`` the list of practice keys the learner switched on.
    Returns {"passed": both hashes match, "message": what happened (never which switch is
    missing), "details": the hashes of both processes}. Raises FreshProcessError when the
    processes cannot run at all (the UI shows it; it is not the learner's failure).
    """
    keys = [answer] if isinstance(answer, str) else list(answer or [])
    try:
        practices = Practices.from_keys(keys)
    except UnknownPracticeError as error:
        return {"passed": False, "message": str(error), "details": {"practices_on": keys}}
    comparison = train_in_fresh_processes(practices)
    first, second = comparison.results[:2]
    details = {
        "practices_on": list(comparison.practices),
        "processes": [
            {
                "python_hash_seed": r.python_hash_seed,
                "model_sha256": r.model_sha256,
                "predictions_sha256": r.predictions_sha256,
                "roc_auc": r.roc_auc,
            }
            for r in comparison.results
        ],
        "models_match": comparison.models_match,
        "predictions_match": comparison.predictions_match,
        "wall_seconds": comparison.wall_seconds,
    }
    where = f"PYTHONHASHSEED={first.python_hash_seed} and {second.python_hash_seed}"
    if comparison.hashes_match:
        message = (
            f"Both fresh processes ({where}) produced the same model and the same predictions, "
            f"byte for byte (predictions {short(first.predictions_sha256)}…)."
        )
    else:
        differing = [
            name
            for name, same in (
                ("model", comparison.models_match),
                ("prediction", comparison.predictions_match),
            )
            if not same
        ]
        message = (
            f"The two fresh processes ({where}) produced different {' and '.join(differing)} "
            "hashes "
            f"(predictions {short(first.predictions_sha256)}… vs "
            f"{short(second.predictions_sha256)}…). "
            "Something that changes from one process to the next still reaches the model."
        )
    return {"passed": comparison.hashes_match, "message": message, "details": details}


# --------------------------------------------------------------------------------------
# The command line's summary
# --------------------------------------------------------------------------------------


def _fresh_cell(comparison: FreshProcessComparison, attribute: str) -> str:
    values = [getattr(r, attribute) for r in comparison.results]
    if len(set(values)) == 1:
        return f"match ({short(values[0])}…)"
    return "differ (" + " ≠ ".join(f"{short(v)}…" for v in values) + ")"


def side_by_side(n_runs: int = 5, fresh_processes: bool = True) -> pd.DataFrame:
    """Stage 3's headline figures, irreproducible next to reproducible (for the CLI).

    Parameters: ``n_runs`` trainings of each pipeline; ``fresh_processes`` also run each
    version in two fresh processes (a few seconds). Returns columns ``figure``,
    ``irreproducible``, ``reproducible``.
    """
    frame = load_german_credit()
    unseeded = summarise_runs(unseeded_runs(n_runs, frame))
    seeded = summarise_runs(seeded_runs(n_runs, frame))
    shopping = seed_shopping(frame)
    mismatches = environment_mismatches()
    rows = [
        (
            f"ROC AUC over {n_runs} runs",
            f"{unseeded.min_auc:.4f}–{unseeded.max_auc:.4f} (spread {unseeded.spread:.4f})",
            f"{seeded.min_auc:.4f}–{seeded.max_auc:.4f} (spread {seeded.spread:.4f})",
        ),
        (
            f"distinct model hashes over {n_runs} runs",
            str(unseeded.distinct_model_hashes),
            str(seeded.distinct_model_hashes),
        ),
        (
            f"reported ROC AUC, logistic regression, {shopping.n_seeds} split seeds",
            f"best seed ({shopping.best_seed}): {shopping.best_auc:.4f}",
            shopping.honest_report,
        ),
        (
            "library versions vs requirements.txt",
            "not checked",
            "all pins match"
            if not mismatches
            else "; ".join(f"{m.package} {m.installed} ≠ {m.pinned}" for m in mismatches),
        ),
    ]
    if fresh_processes:
        good = train_in_fresh_processes(REPRODUCIBLE)
        for label, practices in (
            ("", IRREPRODUCIBLE),
            (" (seeds only, columns from a set)", SEEDS_ONLY),
        ):
            bad = train_in_fresh_processes(practices)
            rows.append(
                (
                    f"model hash, 2 fresh processes{label}",
                    _fresh_cell(bad, "model_sha256"),
                    _fresh_cell(good, "model_sha256"),
                )
            )
            rows.append(
                (
                    f"prediction hash, 2 fresh processes{label}",
                    _fresh_cell(bad, "predictions_sha256"),
                    _fresh_cell(good, "predictions_sha256"),
                )
            )
    return pd.DataFrame(rows, columns=["figure", "irreproducible", "reproducible"])
