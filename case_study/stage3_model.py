"""Stage 3 — model development: why the same training code gives another ROC AUC every run,
and which practices make it give one answer, byte for byte, in any process.

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
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, fields
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from case_study import codes, paths
from case_study.data import load_german_credit
from case_study.errors import CaseStudyError, EnvironmentMismatchError
from case_study.hashing import short
from case_study.pipelines import (
    DEFAULT_PARAMS,
    DEFAULT_SEED,
    TEST_SIZE,
    TrainingRun,
    _finish,
    split_features_target,
    train_irreproducible,
    train_reproducible,
)


class UnknownPracticeError(CaseStudyError):
    """A practice key that the switchboard does not know."""


class FreshProcessError(CaseStudyError):
    """A training worker process failed, timed out, or printed something unreadable."""


# --------------------------------------------------------------------------------------
# Unseeded vs seeded runs
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunPoint:
    """One training run as a point on a chart: its ROC AUC and fingerprints."""

    run: int
    pipeline: str
    roc_auc: float
    accuracy: float
    expected_cost: float
    model_sha256: str
    predictions_sha256: str
    seconds: float


def _point(run_number: int, run: TrainingRun, seconds: float) -> RunPoint:
    return RunPoint(
        run=run_number,
        pipeline=run.pipeline,
        roc_auc=run.metrics["roc_auc"],
        accuracy=run.metrics["accuracy"],
        expected_cost=run.metrics["expected_cost"],
        model_sha256=run.model_sha256,
        predictions_sha256=run.predictions_sha256,
        seconds=round(seconds, 4),
    )


def runs_frame(points: Iterable[RunPoint | dict]) -> pd.DataFrame:
    """Turn run points (dataclasses or their ``asdict`` form) into a chart-ready DataFrame.

    Returns one row per run with the columns of :class:`RunPoint`.
    """
    rows = [asdict(p) if isinstance(p, RunPoint) else dict(p) for p in points]
    return pd.DataFrame(rows, columns=[f.name for f in fields(RunPoint)])


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
    return _point(run_number, run, time.perf_counter() - started)


def unseeded_runs(n: int = 20, frame: pd.DataFrame | None = None) -> pd.DataFrame:
    """Train the irreproducible pipeline ``n`` times in this process.

    Returns a DataFrame (see :func:`runs_frame`): the ROC AUCs really spread out, because
    the split and the forest draw new random numbers every run.
    """
    frame = _frame_or_load(frame)
    return runs_frame(one_more_unseeded_run(frame, i + 1) for i in range(n))


def seeded_runs(n: int = 3, frame: pd.DataFrame | None = None, seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """Train the reproducible pipeline ``n`` times with the same ``seed``.

    Returns a DataFrame like :func:`unseeded_runs`; every row has the same ROC AUC and hashes.
    """
    frame = _frame_or_load(frame)
    points = []
    for i in range(n):
        started = time.perf_counter()
        run = train_reproducible(frame, seed=seed)
        points.append(_point(i + 1, run, time.perf_counter() - started))
    return runs_frame(points)


@dataclass(frozen=True)
class RunSummary:
    """How much a set of runs agrees: range of ROC AUC and number of distinct results."""

    n: int
    min_auc: float
    median_auc: float
    max_auc: float
    spread: float
    distinct_auc: int
    distinct_model_hashes: int
    distinct_prediction_hashes: int


def summarise_runs(runs: pd.DataFrame) -> RunSummary:
    """Summarise a runs DataFrame from :func:`unseeded_runs` or :func:`seeded_runs`.

    Returns a :class:`RunSummary`; ``spread`` is max − min ROC AUC (0.0 for one value).
    """
    if runs.empty:
        raise CaseStudyError("No runs to summarise: expected at least one run; train one first.")
    auc = runs["roc_auc"]
    return RunSummary(
        n=len(runs),
        min_auc=float(auc.min()),
        median_auc=float(auc.median()),
        max_auc=float(auc.max()),
        spread=round(float(auc.max() - auc.min()), 6),
        distinct_auc=int(auc.nunique()),
        distinct_model_hashes=int(runs["model_sha256"].nunique()),
        distinct_prediction_hashes=int(runs["predictions_sha256"].nunique()),
    )


# --------------------------------------------------------------------------------------
# Seed shopping
# --------------------------------------------------------------------------------------

# Every hyperparameter written down (LogisticRegression's defaults changed in 0.22).
# newton-cg: no random component, and on these ~60 features several times faster than lbfgs.
LOGISTIC_PARAMS: dict = {
    "C": 1.0,
    "l1_ratio": 0.0,
    "solver": "newton-cg",
    "max_iter": 1000,
    "tol": 1e-4,
    "fit_intercept": True,
    "class_weight": None,
}
SHOPPING_SEEDS: tuple[int, ...] = tuple(range(20))


def logistic_auc(frame: pd.DataFrame, split_seed: int) -> float:
    """Hold-out ROC AUC of the reproducible logistic-regression pipeline for one split seed.

    Parameters: ``frame`` the verified data; ``split_seed`` the seed of the split (and of the
    model, so every random component gets it). Returns the ROC AUC — a pure function.
    """
    features, target = split_features_target(frame)
    x_train, x_test, y_train, y_test = train_test_split(
        features, target, test_size=TEST_SIZE, stratify=target, random_state=split_seed
    )
    preprocess = ColumnTransformer(
        [
            ("categorical", OneHotEncoder(handle_unknown="ignore", sparse_output=False),
             sorted(codes.CATEGORICAL_COLUMNS)),
            ("numeric", StandardScaler(), sorted(codes.NUMERIC_COLUMNS)),
        ]
    )
    model = Pipeline(
        [("preprocess", preprocess), ("model", LogisticRegression(random_state=split_seed, **LOGISTIC_PARAMS))]
    )
    model.fit(x_train, y_train)
    return float(roc_auc_score(y_test, model.predict_proba(x_test)[:, 1]))


@dataclass(frozen=True)
class SeedShopping:
    """One model, many split seeds: what the best seed claims against what is typical."""

    runs: pd.DataFrame = field(repr=False, compare=False)  # split_seed, roc_auc, is_best
    n_seeds: int
    best_seed: int
    best_auc: float
    median_auc: float
    mean_auc: float
    std_auc: float
    min_auc: float
    spread: float
    gap: float  # best − median: the optimism of reporting the best seed

    @property
    def claim(self) -> str:
        """What a team that reports only its best seed would write."""
        return f"ROC AUC {self.best_auc:.3f}"

    @property
    def honest_report(self) -> str:
        """What the reproducibility checklist asks for: runs, centre and variation."""
        return (
            f"median ROC AUC {self.median_auc:.3f} over {self.n_seeds} split seeds "
            f"(range {self.min_auc:.3f}–{self.best_auc:.3f}, sd {self.std_auc:.3f})"
        )


def seed_shopping(frame: pd.DataFrame | None = None, seeds: Iterable[int] = SHOPPING_SEEDS) -> SeedShopping:
    """Train the logistic-regression pipeline once per split seed and compare best vs median.

    Parameters: ``frame`` the verified data (loaded when None); ``seeds`` the split seeds.
    Returns a :class:`SeedShopping`; deterministic, so a UI may cache it.
    """
    frame = _frame_or_load(frame)
    seeds = tuple(seeds)
    if len(seeds) < 2:
        raise CaseStudyError(f"Seed shopping needs at least 2 seeds; got {len(seeds)}. Pass more seeds.")
    aucs = [round(logistic_auc(frame, s), 6) for s in seeds]
    best_index = int(np.argmax(aucs))
    median = float(statistics.median(aucs))
    runs = pd.DataFrame({"split_seed": seeds, "roc_auc": aucs})
    runs["is_best"] = runs.index == best_index
    return SeedShopping(
        runs=runs,
        n_seeds=len(seeds),
        best_seed=seeds[best_index],
        best_auc=aucs[best_index],
        median_auc=round(median, 6),
        mean_auc=round(float(np.mean(aucs)), 6),
        std_auc=round(float(np.std(aucs, ddof=1)), 6),
        min_auc=min(aucs),
        spread=round(max(aucs) - min(aucs), 6),
        gap=round(aucs[best_index] - median, 6),
    )


def seed_shopping_gap() -> float:
    """Predict-then-run: how far the best of 20 split seeds lies above their median.

    Returns best − median ROC AUC of :func:`seed_shopping` over seeds 0–19.
    """
    return seed_shopping().gap


# --------------------------------------------------------------------------------------
# Pinned versions
# --------------------------------------------------------------------------------------

REQUIREMENTS = paths.PROJECT_ROOT / "requirements.txt"
DIRECT_PINS: tuple[str, ...] = ("altair", "numpy", "pandas", "scikit-learn", "scipy", "streamlit")


@dataclass(frozen=True)
class VersionMismatch:
    """A direct dependency whose installed version is not the pinned one."""

    package: str
    pinned: str
    installed: str | None  # None: not installed at all


def read_pins(requirements: Path = REQUIREMENTS) -> dict[str, str]:
    """Read ``name==version`` lines from a requirements file.

    Returns {lower-case package name: pinned version}. Raises EnvironmentMismatchError when
    the file is missing.
    """
    try:
        text = Path(requirements).read_text(encoding="utf-8")
    except FileNotFoundError as error:
        raise EnvironmentMismatchError(
            f"Expected pinned requirements at {requirements}, found no file. "
            "Restore requirements.txt from the repository."
        ) from error
    pins = {}
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if "==" in line:
            name, version = (part.strip() for part in line.split("==", 1))
            pins[name.lower()] = version
    return pins


def environment_mismatches(
    requirements: Path = REQUIREMENTS, packages: Iterable[str] = DIRECT_PINS
) -> list[VersionMismatch]:
    """Compare the installed versions of ``packages`` with their pins in ``requirements``.

    Returns the mismatches (empty when everything matches). A mismatch is reported, not
    raised: the caller decides whether to stop. Raises EnvironmentMismatchError when a
    package has no ``==`` pin at all.
    """
    pins = read_pins(requirements)
    mismatches = []
    for package in packages:
        pinned = pins.get(package.lower())
        if pinned is None:
            raise EnvironmentMismatchError(
                f"Expected {requirements} to pin {package} with '=='; found no pin. "
                f"Add a line like '{package}==<version>'."
            )
        try:
            installed = metadata.version(package)
        except metadata.PackageNotFoundError:
            installed = None
        if installed != pinned:
            mismatches.append(VersionMismatch(package, pinned, installed))
    return mismatches


# --------------------------------------------------------------------------------------
# The switchboard
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Practices:
    """Which reproducibility practices the training follows; every one defaults to off."""

    seed_split: bool = False
    seed_model: bool = False
    sorted_columns: bool = False
    explicit_params: bool = False
    pinned_versions_checked: bool = False

    @classmethod
    def keys_known(cls) -> tuple[str, ...]:
        """Every practice key, in switchboard order."""
        return tuple(f.name for f in fields(cls))

    @classmethod
    def from_keys(cls, keys: Iterable[str]) -> Practices:
        """Turn on exactly the practices named in ``keys`` (an iterable, or one comma-separated
        string); raises UnknownPracticeError for a name it does not know."""
        if isinstance(keys, str):
            keys = keys.split(",")
        keys = [k.strip() for k in keys if k and k.strip()]
        unknown = sorted(set(keys) - set(cls.keys_known()))
        if unknown:
            raise UnknownPracticeError(
                f"Unknown practice {', '.join(repr(k) for k in unknown)}. Expected keys from: "
                f"{', '.join(cls.keys_known())}. Use those names, separated by commas."
            )
        return cls(**{k: True for k in keys})

    def keys_on(self) -> tuple[str, ...]:
        """The keys of the practices switched on, in switchboard order."""
        return tuple(k for k in self.keys_known() if getattr(self, k))


PRACTICE_TEXT: dict[str, str] = {
    "seed_split": "Pass one explicit seed to the train/test split",
    "seed_model": "Pass the same seed to the random forest",
    "sorted_columns": "Build the column lists in a fixed, sorted order (not from a set)",
    "explicit_params": "Write every hyperparameter down instead of relying on library defaults",
    "pinned_versions_checked": "Check installed library versions against requirements.txt at run time",
}

IRREPRODUCIBLE = Practices()
REPRODUCIBLE = Practices(**{k: True for k in Practices.keys_known()})
# Measured: every random_state fixed, columns still from a set — hashes differ by process.
SEEDS_ONLY = Practices(seed_split=True, seed_model=True, explicit_params=True, pinned_versions_checked=True)
# The fewest switches with which two fresh processes agree byte for byte.
MINIMAL_REPRODUCIBLE = Practices(seed_split=True, seed_model=True, sorted_columns=True)


@dataclass(frozen=True)
class SwitchboardRun:
    """A training run under a set of practices, with the result of the version check."""

    practices: Practices
    run: TrainingRun
    version_mismatches: tuple[VersionMismatch, ...] | None  # None: versions never checked

    @property
    def model_sha256(self) -> str:
        return self.run.model_sha256

    @property
    def predictions_sha256(self) -> str:
        return self.run.predictions_sha256

    @property
    def roc_auc(self) -> float:
        return self.run.metrics["roc_auc"]


def train_with_practices(frame: pd.DataFrame, practices: Practices, seed: int = DEFAULT_SEED) -> SwitchboardRun:
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

    preprocess = ColumnTransformer([("categorical", encoder, categorical), ("numeric", StandardScaler(), numeric)])
    model = Pipeline([("preprocess", preprocess), ("model", RandomForestClassifier(random_state=model_seed, **params))])
    model.fit(x_train, y_train)
    run = _finish("switchboard", model_seed, params, model, x_test, y_test, categorical + numeric, len(y_train))
    return SwitchboardRun(practices=practices, run=run, version_mismatches=mismatches)


# --------------------------------------------------------------------------------------
# Fresh processes
# --------------------------------------------------------------------------------------

WORKER_MODULE = "case_study.stage3_worker"
WORKER_TIMEOUT_SECONDS = 120.0
FEATURE_ORDER_HEAD = 6
_STDERR_TAIL_CHARS = 1500
# Each comparison starts two Python interpreters that load scikit-learn. A room of learners
# pressing "run" together must not start hundreds of them on a two-core server: at most
# this many comparisons run at once in this process; the others wait for a free slot.
MAX_CONCURRENT_COMPARISONS = 2
BUSY_WAIT_SECONDS = 30.0
_COMPARISON_SLOTS = threading.BoundedSemaphore(MAX_CONCURRENT_COMPARISONS)


@dataclass(frozen=True)
class WorkerResult:
    """What one fresh worker process printed."""

    python_hash_seed: int
    model_sha256: str
    predictions_sha256: str
    roc_auc: float
    feature_order_head: tuple[str, ...]
    version_mismatches: tuple[dict, ...] | None
    seconds: float


@dataclass(frozen=True)
class FreshProcessComparison:
    """The same training in several fresh Python processes, and whether they agree."""

    practices: tuple[str, ...]
    seed: int
    results: tuple[WorkerResult, ...]
    models_match: bool
    predictions_match: bool
    wall_seconds: float

    @property
    def hashes_match(self) -> bool:
        """True when every process produced the same model and the same predictions."""
        return self.models_match and self.predictions_match


def worker_command(practices: Practices, seed: int = DEFAULT_SEED) -> list[str]:
    """The command line that runs one training in a fresh interpreter (this one's executable)."""
    return [sys.executable, "-m", WORKER_MODULE, "--practices", ",".join(practices.keys_on()), "--seed", str(seed)]


def _tail(text: str) -> str:
    text = text.strip()
    return text if len(text) <= _STDERR_TAIL_CHARS else "…" + text[-_STDERR_TAIL_CHARS:]


def _parse_worker_output(hash_seed: int, stdout: str, stderr: str) -> WorkerResult:
    lines = [line for line in stdout.splitlines() if line.strip()]
    try:
        payload = json.loads(lines[-1])
        return WorkerResult(
            python_hash_seed=hash_seed,
            model_sha256=payload["model_sha256"],
            predictions_sha256=payload["predictions_sha256"],
            roc_auc=float(payload["roc_auc"]),
            feature_order_head=tuple(payload["feature_order_head"]),
            version_mismatches=(
                None if payload["version_mismatches"] is None else tuple(payload["version_mismatches"])
            ),
            seconds=float(payload["seconds"]),
        )
    except (IndexError, ValueError, KeyError, TypeError) as error:
        raise FreshProcessError(
            f"Expected the worker (PYTHONHASHSEED={hash_seed}) to print one line of JSON with the "
            f"hashes; found {stdout.strip()[:300]!r} ({error}). Worker stderr: {_tail(stderr)!r}. "
            f"Run `python -m {WORKER_MODULE} --practices seed_split` from the project root to see why."
        ) from error


def train_in_fresh_processes(
    practices: Practices | Iterable[str],
    hash_seeds: Iterable[int] = (1, 2),
    seed: int = DEFAULT_SEED,
    timeout: float = WORKER_TIMEOUT_SECONDS,
    wait: float = BUSY_WAIT_SECONDS,
) -> FreshProcessComparison:
    """Run the same training in fresh Python processes, in parallel, one per hash seed.

    At most ``MAX_CONCURRENT_COMPARISONS`` comparisons run at once in this Python process
    (a server shared by a room); a call that finds no free slot waits up to ``wait`` seconds.

    Parameters: ``practices`` a :class:`Practices` or the keys switched on; ``hash_seeds``
    the ``PYTHONHASHSEED`` of each process (two different values stand in for two runs on two
    days); ``seed`` the training seed; ``timeout`` seconds for all processes together, once
    they have started; ``wait`` seconds to wait for a free slot.
    Returns a :class:`FreshProcessComparison`. Raises UnknownPracticeError for a bad key and
    FreshProcessError when the server stays busy for ``wait`` seconds, a process cannot be
    started (e.g. the machine is out of processes), or a worker fails or times out (with
    the worker's stderr tail).
    """
    if not isinstance(practices, Practices):
        practices = Practices.from_keys(practices)
    hash_seeds = tuple(int(h) for h in hash_seeds)
    if len(hash_seeds) < 2:
        raise CaseStudyError(f"Comparing needs at least 2 processes; got hash seeds {hash_seeds}. Pass two.")
    command = worker_command(practices, seed)
    if not _COMPARISON_SLOTS.acquire(timeout=max(0.0, wait)):
        raise FreshProcessError(
            f"The server is busy, try again in a moment: {MAX_CONCURRENT_COMPARISONS} fresh-process "
            f"trainings were already running and none finished within {wait:g} s."
        )
    try:
        started = time.perf_counter()
        outputs = _run_workers(command, hash_seeds, timeout, started)
        wall = time.perf_counter() - started
    finally:
        _COMPARISON_SLOTS.release()
    results = tuple(_parse_worker_output(h, out, err) for h, out, err in outputs)
    return FreshProcessComparison(
        practices=practices.keys_on(),
        seed=seed,
        results=results,
        models_match=len({r.model_sha256 for r in results}) == 1,
        predictions_match=len({r.predictions_sha256 for r in results}) == 1,
        wall_seconds=round(wall, 3),
    )


def _run_workers(
    command: list[str], hash_seeds: tuple[int, ...], timeout: float, started: float
) -> list[tuple[int, str, str]]:
    """Start one worker per hash seed, wait for all; kill whatever is still running on the way out."""
    processes = []
    try:
        for hash_seed in hash_seeds:
            env = {**os.environ, "PYTHONHASHSEED": str(hash_seed)}
            try:
                processes.append(
                    subprocess.Popen(
                        command, cwd=paths.PROJECT_ROOT, env=env, text=True,
                        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                    )
                )
            except OSError as error:
                raise FreshProcessError(
                    f"Could not start a fresh Python process (PYTHONHASHSEED={hash_seed}): {error}. "
                    "The machine may be out of processes or memory; try again in a moment."
                ) from error
        outputs = []
        for hash_seed, process in zip(hash_seeds, processes):
            remaining = max(0.1, timeout - (time.perf_counter() - started))
            try:
                stdout, stderr = process.communicate(timeout=remaining)
            except subprocess.TimeoutExpired as error:
                raise FreshProcessError(
                    f"Expected the training worker (PYTHONHASHSEED={hash_seed}) to finish within "
                    f"{timeout:.0f} s; it was still running. Check the machine's load and try again."
                ) from error
            if process.returncode != 0:
                raise FreshProcessError(
                    f"The training worker (PYTHONHASHSEED={hash_seed}) exited with code "
                    f"{process.returncode}. Its last words: {_tail(stderr)!r}"
                )
            outputs.append((hash_seed, stdout, stderr))
        return outputs
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
            if process.stdout is not None and not process.stdout.closed:
                process.communicate()  # reaps a killed worker and closes its pipes


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
            name for name, same in (("model", comparison.models_match), ("prediction", comparison.predictions_match))
            if not same
        ]
        message = (
            f"The two fresh processes ({where}) produced different {' and '.join(differing)} hashes "
            f"(predictions {short(first.predictions_sha256)}… vs {short(second.predictions_sha256)}…). "
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
            "all pins match" if not mismatches
            else "; ".join(f"{m.package} {m.installed} ≠ {m.pinned}" for m in mismatches),
        ),
    ]
    if fresh_processes:
        good = train_in_fresh_processes(REPRODUCIBLE)
        for label, practices in (("", IRREPRODUCIBLE), (" (seeds only, columns from a set)", SEEDS_ONLY)):
            bad = train_in_fresh_processes(practices)
            rows.append((f"model hash, 2 fresh processes{label}", _fresh_cell(bad, "model_sha256"),
                         _fresh_cell(good, "model_sha256")))
            rows.append((f"prediction hash, 2 fresh processes{label}", _fresh_cell(bad, "predictions_sha256"),
                         _fresh_cell(good, "predictions_sha256")))
    return pd.DataFrame(rows, columns=["figure", "irreproducible", "reproducible"])
