"""Stage 4 — Data and model legacy: what a newcomer inherits, and whether they can act on it.

Irreproducible: ``model_final_v2.pkl`` and nothing else. Which data, which code, which
parameters, which library versions? The pickle cannot say.

Reproducible: a JSON run manifest (data hash, code version, parameters, seed, environment,
metrics, model and prediction hashes) from which the run can be rebuilt and checked field
by field, and a model card (Mitchell et al. 2019) whose metrics are broken down by group,
each with its size and a seeded bootstrap interval.
"""

from __future__ import annotations

import copy
import hashlib
import json
import pickle
import pickletools
import platform
import subprocess
import tempfile
import zlib
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd

from case_study import codes, data, paths
from case_study.errors import CaseStudyError, DataIntegrityError, ManifestError
from case_study.hashing import is_sha256, sha256_bytes, sha256_file, sha256_model, short
from case_study.pipelines import (
    COST_APPROVE_BAD,
    COST_DECLINE_GOOD,
    COST_THRESHOLD,
    DEFAULT_PARAMS,
    DEFAULT_SEED,
    PIPELINES,
    TEST_SIZE,
    TrainingRun,
    reproducible_run,
    train_irreproducible,
    train_reproducible,
)

MANIFEST_VERSION = 1
MANIFEST_NAME = "manifest.json"
MODEL_NAME = "model.pkl"
LEGACY_PICKLE_NAME = "model_final_v2.pkl"
CASE_STUDY_DIR = paths.PROJECT_ROOT / "case_study"

# Keys a manifest must have before anything can be rebuilt from it.
REQUIRED_KEYS: tuple[str, ...] = (
    "manifest_version",
    "pipeline",
    "data_sha256",
    "code_version",
    "params",
    "seed",
    "environment",
    "metrics",
    "model_sha256",
    "predictions_sha256",
)
# The libraries whose versions can change the model's bytes.
TRACKED_PACKAGES: tuple[str, ...] = ("numpy", "pandas", "scikit-learn", "scipy")
# Shown where one manifest has a field the other lacks.
ABSENT = "(absent)"

# What a manifest may ask a rebuild to do. A rebuild runs on the workshop server, so a
# manifest must not be able to ask for a forest of two billion trees: each field that sets
# the cost of training has a range, (low, high, None allowed). The other parameters in
# DEFAULT_PARAMS (criterion, max_features, bootstrap) are validated by scikit-learn.
PARAM_LIMITS: dict[str, tuple[int, int, bool]] = {
    "n_estimators": (1, 500, False),
    "max_depth": (1, 50, True),
    "min_samples_leaf": (1, 100, False),
    "n_jobs": (1, 2, False),
}
SEED_LIMITS: tuple[int, int] = (0, 2**32 - 1)

# Model card: groups below this size, or with a wider accuracy interval, are flagged.
MIN_GROUP_SIZE = 30
MAX_INTERVAL_WIDTH = 0.25
N_BOOTSTRAP = 1000
CONFIDENCE = 0.95
AGE_BANDS: tuple[tuple[float, float, str], ...] = (
    (-np.inf, 25, "<25"),
    (25, 35, "25–34"),
    (35, 50, "35–49"),
    (50, np.inf, "50+"),
)
GROUP_FACTORS: tuple[str, ...] = ("age_band", "foreign_worker", "personal_status_sex")

SECTION_TITLES: dict[str, str] = {
    "model_details": "Model details",
    "intended_use": "Intended use",
    "factors": "Factors",
    "metrics": "Metrics",
    "evaluation_data": "Evaluation data",
    "training_data": "Training data",
    "quantitative_analyses": "Quantitative analyses",
    "ethical_considerations": "Ethical considerations",
    "caveats_recommendations": "Caveats and recommendations",
}


class DataMismatchError(DataIntegrityError):
    """The data on disk is not the data version the run manifest names."""


class UnsafeOutputError(CaseStudyError):
    """An output folder would write somewhere it must not (inside the data folder)."""


@dataclass(frozen=True)
class FieldDiff:
    """One compared manifest field: the recorded value and the one found again."""

    field: str
    expected: object
    actual: object

    @property
    def matches(self) -> bool:
        """True when the recorded and the rebuilt value are equal."""
        return self.expected == self.actual


# --------------------------------------------------------------------------- manifest


def environment() -> dict:
    """The interpreter, platform and versions of the libraries that shape the model.

    Returns ``{"python", "implementation", "platform", "packages": {name: version}}``.
    Versions are read from the imported modules (cheap; no package-metadata scan).
    """
    import numpy
    import pandas
    import scipy
    import sklearn

    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "packages": {
            "numpy": numpy.__version__,
            "pandas": pandas.__version__,
            "scikit-learn": sklearn.__version__,
            "scipy": scipy.__version__,
        },
    }


def _git_commit() -> str | None:
    """The checked-out commit, or None when git or the repository is unavailable."""
    try:
        result = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=paths.PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    commit = result.stdout.strip()
    return commit if result.returncode == 0 and commit else None


def code_version(source_dir: Path = CASE_STUDY_DIR) -> dict:
    """Fingerprint the case study's code: SHA-256 over its sorted ``*.py`` sources.

    Parameters: ``source_dir`` the folder whose ``*.py`` files are hashed.
    Returns ``{"sha256", "files": {name: sha256}, "git_commit"}``. The git commit is
    recorded for people, not compared: uncommitted edits change the sha256, not the commit.
    """
    files = {path.name: sha256_file(path) for path in sorted(source_dir.glob("*.py"))}
    digest = hashlib.sha256()
    for name, file_sha in files.items():
        digest.update(f"{name}\0{file_sha}\n".encode())
    return {"sha256": digest.hexdigest(), "files": files, "git_commit": _git_commit()}


def build_run_manifest(
    run: TrainingRun,
    *,
    data_sha256: str | None = None,
    created_at: str | None = None,
    data_manifest_path: Path = paths.DATA_MANIFEST,
) -> dict:
    """Write down everything needed to rebuild ``run`` and to recognise the result.

    Parameters: ``run`` a TrainingRun from ``pipelines``; ``data_sha256`` the hash of the
    data it was trained on (default: the hash ``data/manifest.json`` records, which every
    verified load checks); ``created_at`` an ISO timestamp (default: now, UTC).
    Returns a JSON-serialisable dict (see REQUIRED_KEYS; ``created_at``, ``split``,
    ``feature_order`` and the git commit are recorded for people and never compared).
    """
    return {
        "manifest_version": MANIFEST_VERSION,
        "pipeline": run.pipeline,
        "created_at": created_at or datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "data_file": f"data/raw/{paths.GERMAN_CREDIT}",
        "data_sha256": data_sha256 or data.german_credit_sha256(data_manifest_path),
        "code_version": code_version(),
        "params": dict(run.params),
        "seed": run.seed,
        "split": {"test_size": TEST_SIZE, "stratified": True, "n_train": run.n_train, "n_test": run.n_test},
        "environment": environment(),
        "metrics": dict(run.metrics),
        "model_sha256": run.model_sha256,
        "predictions_sha256": run.predictions_sha256,
        "feature_order": list(run.feature_order),
    }


def _compared_fields(manifest: dict) -> dict[str, object]:
    """Flatten the fields that must match into ``{"params.n_estimators": 100, …}``."""
    def table(key: str) -> dict:
        value = manifest.get(key)
        return value if isinstance(value, dict) else {}

    fields: dict[str, object] = {
        "pipeline": manifest.get("pipeline", ABSENT),
        "data_sha256": manifest.get("data_sha256", ABSENT),
        "code_version.sha256": table("code_version").get("sha256", ABSENT),
        "seed": manifest.get("seed", ABSENT),
    }
    for name in sorted(table("params")):
        fields[f"params.{name}"] = manifest["params"][name]
    packages = table("environment").get("packages")
    for name in sorted(packages if isinstance(packages, dict) else {}):
        fields[f"environment.packages.{name}"] = packages[name]
    for name in sorted(table("metrics")):
        fields[f"metrics.{name}"] = manifest["metrics"][name]
    fields["model_sha256"] = manifest.get("model_sha256", ABSENT)
    fields["predictions_sha256"] = manifest.get("predictions_sha256", ABSENT)
    return fields


def changed_code_files(manifest: dict, source_dir: Path = CASE_STUDY_DIR) -> list[str]:
    """Which case-study source files were added, removed or edited since the manifest's run.

    Returns sorted file names (empty when the manifest lists no per-file hashes)."""
    recorded = manifest.get("code_version", {}).get("files") or {}
    if not isinstance(recorded, dict) or not recorded:
        return []
    current = code_version(source_dir)["files"]
    return sorted(name for name in set(recorded) | set(current) if recorded.get(name) != current.get(name))


def diff_manifests(expected: dict, actual: dict) -> list[FieldDiff]:
    """Compare two manifests field by field.

    Parameters: ``expected`` the recorded manifest; ``actual`` the other one.
    Returns one FieldDiff per compared field (in either manifest), matching or not; a
    field one manifest lacks shows as ``ABSENT``. Filter with ``mismatches()``.
    """
    left, right = _compared_fields(expected), _compared_fields(actual)
    names = list(left) + [name for name in right if name not in left]
    return [FieldDiff(name, left.get(name, ABSENT), right.get(name, ABSENT)) for name in names]


def mismatches(diffs: list[FieldDiff]) -> list[FieldDiff]:
    """Only the fields whose values differ."""
    return [diff for diff in diffs if not diff.matches]


def diff_table(diffs: list[FieldDiff]) -> pd.DataFrame:
    """The diff as a table (columns field, recorded, found, match) with values as text."""
    return pd.DataFrame(
        {
            "field": [d.field for d in diffs],
            "recorded": [_text(d.expected) for d in diffs],
            "found": [_text(d.actual) for d in diffs],
            "match": [d.matches for d in diffs],
        }
    )


def _text(value: object) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _whole_number(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_param(name: str, value: object) -> None:
    """Refuse a parameter the reproducible pipeline does not take, or one outside its range.

    Parameters: ``name`` a key of ``params`` (e.g. ``"n_estimators"``); ``value`` its value.
    Raises ManifestError naming the allowed names or the allowed range (PARAM_LIMITS).
    """
    if name not in DEFAULT_PARAMS:
        raise ManifestError(
            f"Unknown parameter {name!r} in 'params': the reproducible pipeline takes "
            f"{', '.join(DEFAULT_PARAMS)} (pipelines.DEFAULT_PARAMS). Remove or rename it."
        )
    if name not in PARAM_LIMITS:
        return
    low, high, none_allowed = PARAM_LIMITS[name]
    if value is None and none_allowed:
        return
    if not _whole_number(value) or not low <= value <= high:
        allowed = f"a whole number from {low} to {high}" + (" or null (no limit)" if none_allowed else "")
        raise ManifestError(f"'params.{name}' must be {allowed}; found {value!r}. Choose a value in that range.")


def check_seed(value: object) -> None:
    """Refuse a reproducible run's seed that is not a whole number in SEED_LIMITS.

    Raises ManifestError with the allowed range."""
    low, high = SEED_LIMITS
    if not _whole_number(value) or not low <= value <= high:
        raise ManifestError(
            f"'seed' must be a whole number from {low} to 2**32 - 1 for the reproducible pipeline; found {value!r}."
        )


def validate_manifest(manifest: object) -> dict:
    """Check that a run manifest can be rebuilt from; return it unchanged.

    Raises ManifestError naming the first problem: not an object, missing keys, an
    unknown manifest version or pipeline, a field of the wrong type, or (reproducible
    pipeline) a seed or parameter outside its allowed range (SEED_LIMITS, PARAM_LIMITS).
    """
    if not isinstance(manifest, dict):
        raise ManifestError(f"A run manifest must be a JSON object; found {type(manifest).__name__}.")
    missing = [key for key in REQUIRED_KEYS if key not in manifest]
    if missing:
        raise ManifestError(
            f"The run manifest lacks {', '.join(missing)}. Write manifests with "
            "`python -m case_study run`, which records every required key."
        )
    if manifest["manifest_version"] != MANIFEST_VERSION:
        raise ManifestError(
            f"Unknown manifest_version {manifest['manifest_version']!r}; this code reads "
            f"version {MANIFEST_VERSION}."
        )
    if manifest["pipeline"] not in PIPELINES:
        raise ManifestError(
            f"Unknown pipeline {manifest['pipeline']!r}; expected one of {', '.join(sorted(PIPELINES))}."
        )
    for key in ("data_sha256", "model_sha256", "predictions_sha256"):
        if not is_sha256(manifest[key]):
            raise ManifestError(f"'{key}' must be a 64-character hex SHA-256; found {manifest[key]!r}.")
    for key in ("code_version", "params", "environment", "metrics"):
        if not isinstance(manifest[key], dict):
            raise ManifestError(f"'{key}' must be a JSON object; found {manifest[key]!r}.")
    if manifest["pipeline"] == "reproducible":
        check_seed(manifest["seed"])
        for name, value in manifest["params"].items():
            check_param(name, value)
    return manifest


def load_manifest(path: Path) -> dict:
    """Read and validate a run manifest file.

    Raises ManifestError when the file is missing, not UTF-8 JSON, or incomplete.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ManifestError(
            f"No run manifest at {path}. Create one with `python -m case_study run --out DIR`."
        ) from None
    except IsADirectoryError:
        raise ManifestError(f"{path} is a folder; pass the manifest file, e.g. {path / MANIFEST_NAME}.") from None
    except UnicodeDecodeError:
        raise ManifestError(f"{path} is not UTF-8 text, so it cannot be a JSON run manifest.") from None
    try:
        manifest = json.loads(text)
    except json.JSONDecodeError as error:
        raise ManifestError(
            f"{path} is not valid JSON ({error.msg} at line {error.lineno}, column {error.colno})."
        ) from None
    return validate_manifest(manifest)


def with_field(manifest: dict, field: str, value: object) -> dict:
    """A deep copy of ``manifest`` with one dotted field (``"params.n_estimators"``) set.

    Raises ManifestError when the field cannot be set, or when a reproducible manifest's
    ``seed`` or a ``params.*`` value is outside its allowed range (see check_param).
    """
    if field.startswith("params."):
        check_param(field.split(".", 1)[1], value)
    elif field == "seed" and isinstance(manifest, dict) and manifest.get("pipeline") == "reproducible":
        check_seed(value)
    edited = copy.deepcopy(manifest)
    *parents, leaf = field.split(".")
    node = edited
    for part in parents:
        node = node.get(part) if isinstance(node, dict) else None
        if not isinstance(node, dict):
            raise ManifestError(f"Cannot set {field!r}: '{part}' is not a table in the manifest.")
    node[leaf] = value
    return edited


def rebuild_run(
    manifest: dict,
    *,
    raw_dir: Path = paths.RAW_DIR,
    data_manifest_path: Path = paths.DATA_MANIFEST,
) -> tuple[TrainingRun, str]:
    """Retrain from the manifest alone: its pipeline, seed and parameters, on verified data.

    Parameters: ``manifest`` a run manifest; ``raw_dir`` / ``data_manifest_path`` where the
    raw data and its SHA-256 manifest live (tests point these at temporary copies).
    Returns ``(run, data_sha256)``. Raises ManifestError for an unusable manifest,
    DataIntegrityError when the raw file is not what ``data/manifest.json`` records, and
    DataMismatchError when it is not the version the run manifest names.
    """
    validate_manifest(manifest)
    raw = data.read_verified_bytes(paths.GERMAN_CREDIT, raw_dir, data_manifest_path)
    found = sha256_bytes(raw)
    if found != manifest["data_sha256"]:
        raise DataMismatchError(
            f"cannot rebuild: data differs — the run manifest records data_sha256 "
            f"{manifest['data_sha256']}, {raw_dir / paths.GERMAN_CREDIT} has {found}. "
            "Restore the data version the manifest names; a model rebuilt on other data proves nothing."
        )
    frame = data.decode_german_credit(raw)
    if manifest["pipeline"] == "irreproducible":
        # The irreproducible pipeline takes no seed and no parameters: there is nothing to pin.
        return train_irreproducible(frame), found
    try:
        run = train_reproducible(frame, seed=manifest["seed"], params=manifest["params"])
    except (TypeError, ValueError) as error:
        raise ManifestError(
            f"scikit-learn rejected the manifest's params or seed: {error}. Fix the value "
            "in 'params' (see pipelines.DEFAULT_PARAMS for the recorded names)."
        ) from None
    return run, found


def rebuild_from_manifest(
    manifest: dict,
    *,
    raw_dir: Path = paths.RAW_DIR,
    data_manifest_path: Path = paths.DATA_MANIFEST,
) -> list[FieldDiff]:
    """Rebuild the run from the manifest alone and compare every compared field.

    Parameters: as ``rebuild_run``. Returns one FieldDiff per compared field (data hash,
    code version, params, seed, package versions, metrics, model and prediction hashes);
    a reproducible manifest gives all matches, an irreproducible one does not.
    """
    run, found = rebuild_run(manifest, raw_dir=raw_dir, data_manifest_path=data_manifest_path)
    return diff_manifests(manifest, build_run_manifest(run, data_sha256=found))


def rebuild_with_change(
    manifest: dict,
    field: str,
    value: object,
    *,
    raw_dir: Path = paths.RAW_DIR,
    data_manifest_path: Path = paths.DATA_MANIFEST,
) -> list[FieldDiff]:
    """Change one field, rebuild, and diff against the original manifest.

    Parameters: ``field`` a dotted name such as ``"seed"`` or ``"params.n_estimators"``;
    ``value`` its new value. Returns the field-level diff (original vs rebuilt): the
    changed field itself, then every result it moved.
    """
    edited = with_field(manifest, field, value)
    run, found = rebuild_run(edited, raw_dir=raw_dir, data_manifest_path=data_manifest_path)
    return diff_manifests(manifest, build_run_manifest(run, data_sha256=found))


def recorded_model_diffs(manifest: dict, model_path: Path) -> list[FieldDiff]:
    """Cross-check the model file saved beside a manifest against the manifest's inputs.

    The file's SHA-256 must equal the ``model_file_sha256`` that ``write_run`` recorded;
    only then is it unpickled (pickles can run code: open only files you made). The loaded
    model's content hash must then equal ``model_sha256``, and its forest's
    hyperparameters and ``random_state`` are compared with ``params`` and ``seed``. This
    names an input that was edited after the run, which a rebuild alone can only show as
    changed results. Returns FieldDiffs (expected = manifest, actual = the model file);
    a manifest without ``model_file_sha256`` gives one mismatch and the file stays closed.
    """
    name = Path(model_path).name
    blob = Path(model_path).read_bytes()
    file_sha = sha256_bytes(blob)
    diffs = [FieldDiff(f"{name} file sha256", manifest.get("model_file_sha256", ABSENT), file_sha)]
    if file_sha != manifest.get("model_file_sha256"):
        return diffs
    model = pickle.loads(blob)
    diffs.append(FieldDiff(f"{name} content (model_sha256)", manifest["model_sha256"], sha256_model(model)))
    estimator = model.named_steps["model"]
    fitted = estimator.get_params()
    for param, value in manifest["params"].items():
        diffs.append(FieldDiff(f"params.{param}", value, fitted.get(param, ABSENT)))
    diffs.append(FieldDiff("seed", manifest["seed"], fitted.get("random_state")))
    return diffs


def _inside(path: Path, folder: Path) -> bool:
    folder = folder.resolve()
    return path == folder or folder in path.parents


def check_output_dir(out_dir: Path) -> Path:
    """Refuse an output folder inside the data folder; return it resolved.

    The data folder (``paths.DATA_DIR``, and the project's own ``data/``) holds ``raw/`` and
    the data ``manifest.json``: a run written there would overwrite the data manifest.
    Raises UnsafeOutputError naming the folder and what to choose instead.
    """
    out_dir = Path(out_dir).resolve()
    for protected in {paths.DATA_DIR, paths.PROJECT_ROOT / "data"}:
        if _inside(out_dir, protected):
            raise UnsafeOutputError(
                f"Refusing to write into {out_dir}: it is inside the data folder {protected.resolve()}, "
                "where the raw files and the data manifest live and are never overwritten. "
                "Choose an --out folder outside it, e.g. runs/first."
            )
    return out_dir


def write_run(run: TrainingRun, out_dir: Path, manifest: dict | None = None) -> tuple[Path, Path]:
    """Save ``out_dir/manifest.json`` and ``out_dir/model.pkl`` (creating the folder).

    The manifest written is ``manifest`` (default: ``build_run_manifest(run)``) plus
    ``model_file`` and ``model_file_sha256``, the SHA-256 of the model file's bytes, so
    ``recorded_model_diffs`` can check the file before it unpickles it (``model_sha256``
    is the model's content hash, which does not depend on how the pickle lays it out).
    Returns ``(manifest_path, model_path)``. Raises UnsafeOutputError for the data folder
    or any folder in it (see check_output_dir).
    """
    out_dir = check_output_dir(out_dir)
    blob = pickle.dumps(run.model, protocol=5)
    manifest = {**(manifest or build_run_manifest(run)), "model_file": MODEL_NAME,
                "model_file_sha256": sha256_bytes(blob)}
    out_dir.mkdir(parents=True, exist_ok=True)
    model_path = out_dir / MODEL_NAME
    model_path.write_bytes(blob)
    manifest_path = out_dir / MANIFEST_NAME
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest_path, model_path


# ------------------------------------------------------------------------- model card


def age_band(age: pd.Series) -> pd.Series:
    """Bin ages into the card's bands (<25, 25–34, 35–49, 50+) as strings."""
    edges = [low for low, _, _ in AGE_BANDS] + [AGE_BANDS[-1][1]]
    labels = [label for _, _, label in AGE_BANDS]
    return pd.cut(age, bins=edges, right=False, labels=labels).astype("str")


def _group_levels(factor: str) -> list[str]:
    """Every documented level, so a code that never occurs still shows (with n = 0)."""
    if factor == "age_band":
        return [label for _, _, label in AGE_BANDS]
    return list(codes.CODE_MEANINGS[factor].values())


def bootstrap_intervals(
    y_true: np.ndarray,
    p_bad: np.ndarray,
    *,
    seed: int,
    key: str = "",
    n_boot: int = N_BOOTSTRAP,
    confidence: float = CONFIDENCE,
) -> dict[str, tuple[float, float]]:
    """Percentile bootstrap intervals for accuracy, decline rate and expected cost.

    Parameters: ``y_true`` 1 = bad risk; ``p_bad`` predicted P(bad); ``seed`` the one seed,
    given to a numpy Generator together with ``key`` (the group's name, so each group's
    resamples do not depend on which other groups exist); ``n_boot`` resamples.
    Returns ``{metric: (low, high)}``; NaNs for an empty group.
    """
    n = len(y_true)
    if n == 0:
        return {name: (float("nan"), float("nan")) for name in ("accuracy", "decline_rate", "expected_cost")}
    rng = np.random.default_rng([seed, zlib.crc32(key.encode())])
    index = rng.integers(0, n, size=(n_boot, n))
    y, p = np.asarray(y_true)[index], np.asarray(p_bad)[index]
    decline = p > COST_THRESHOLD
    samples = {
        "accuracy": ((p > 0.5) == (y == 1)).mean(axis=1),
        "decline_rate": decline.mean(axis=1),
        "expected_cost": (
            COST_APPROVE_BAD * ((~decline) & (y == 1)).sum(axis=1)
            + COST_DECLINE_GOOD * (decline & (y == 0)).sum(axis=1)
        ) / n,
    }
    tail = (1 - confidence) / 2 * 100
    return {
        name: (round(float(np.percentile(values, tail)), 6), round(float(np.percentile(values, 100 - tail)), 6))
        for name, values in samples.items()
    }


def _point_metrics(y: np.ndarray, p: np.ndarray) -> dict[str, float]:
    if len(y) == 0:
        return {"accuracy": float("nan"), "decline_rate": float("nan"), "expected_cost": float("nan")}
    decline = p > COST_THRESHOLD
    cost = (COST_APPROVE_BAD * np.sum(~decline & (y == 1)) + COST_DECLINE_GOOD * np.sum(decline & (y == 0))) / len(y)
    return {
        "accuracy": round(float(np.mean((p > 0.5) == (y == 1))), 6),
        "decline_rate": round(float(np.mean(decline)), 6),
        "expected_cost": round(float(cost), 6),
    }


def group_metrics(
    run: TrainingRun,
    frame: pd.DataFrame,
    *,
    seed: int = DEFAULT_SEED,
    n_boot: int = N_BOOTSTRAP,
    min_group_size: int = MIN_GROUP_SIZE,
    max_interval_width: float = MAX_INTERVAL_WIDTH,
) -> pd.DataFrame:
    """Metrics of ``run`` on its hold-out set, per group of each factor, with intervals.

    Parameters: ``run`` and the ``frame`` it was trained on (groups are read from the
    hold-out rows ``run.test_index``); ``seed`` for the bootstrap; thresholds for flagging.
    Returns one row per (factor, group): n, n_bad, accuracy / decline_rate / expected_cost
    with ``_low``/``_high`` bounds, ``interval_width`` (accuracy), ``too_small``, ``reason``
    and ``note`` (the attribute-9 caveat on personal_status_sex rows).
    """
    test = frame.loc[run.test_index]
    y = (test[codes.TARGET] == "bad").to_numpy()
    p = np.asarray(run.test_predictions)
    factors = {"age_band": age_band(test["age_years"]).to_numpy(),
               "foreign_worker": test["foreign_worker"].to_numpy(),
               "personal_status_sex": test["personal_status_sex"].to_numpy()}
    rows = []
    for factor in GROUP_FACTORS:
        for level in _group_levels(factor):
            mask = factors[factor] == level
            yg, pg = y[mask], p[mask]
            point = _point_metrics(yg, pg)
            bounds = bootstrap_intervals(yg, pg, seed=seed, key=f"{factor}={level}", n_boot=n_boot)
            width = bounds["accuracy"][1] - bounds["accuracy"][0]
            reasons = []
            if mask.sum() == 0:
                reasons.append("no applicants in the test set")
            else:
                if mask.sum() < min_group_size:
                    reasons.append(f"n = {int(mask.sum())} < {min_group_size}")
                    if width == 0:
                        # A percentile bootstrap cannot resample an error that never occurred.
                        reasons.append("a zero-width interval here means no error was sampled, not certainty")
                if width > max_interval_width:
                    reasons.append(f"accuracy interval {width:.2f} wide > {max_interval_width}")
            row = {"factor": factor, "group": level, "n": int(mask.sum()), "n_bad": int(yg.sum())}
            for name, value in point.items():
                row[name] = value
                row[f"{name}_low"], row[f"{name}_high"] = bounds[name]
            row["interval_width"] = round(width, 6) if mask.sum() else float("nan")
            row["too_small"] = bool(reasons)
            row["reason"] = "; ".join(reasons)
            row["note"] = codes.ATTRIBUTE_9_CAVEAT if factor == "personal_status_sex" else ""
            rows.append(row)
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class ModelCard:
    """A model card after Mitchell et al. (2019): nine sections plus the group table."""

    title: str
    sections: dict[str, str]
    overall: dict
    groups: pd.DataFrame
    too_small: tuple[str, ...]
    caveats: tuple[str, ...]
    seed: int
    n_boot: int


def model_card(
    run: TrainingRun,
    frame: pd.DataFrame,
    *,
    seed: int = DEFAULT_SEED,
    n_boot: int = N_BOOTSTRAP,
    min_group_size: int = MIN_GROUP_SIZE,
    max_interval_width: float = MAX_INTERVAL_WIDTH,
    data_sha256: str | None = None,
) -> ModelCard:
    """Write the model card for ``run``: every section from the run itself, none typed in.

    Parameters: as ``group_metrics``; ``data_sha256`` defaults to the data manifest's hash.
    Returns a ModelCard; groups too small to trust are listed in ``too_small`` and the
    attribute-9 caveat is among ``caveats``.
    """
    groups = group_metrics(
        run, frame, seed=seed, n_boot=n_boot, min_group_size=min_group_size, max_interval_width=max_interval_width
    )
    test = frame.loc[run.test_index]
    y = (test[codes.TARGET] == "bad").to_numpy()
    overall_bounds = bootstrap_intervals(y, run.test_predictions, seed=seed, key="overall", n_boot=n_boot)
    overall = {"n": run.n_test, **run.metrics}
    for name, (low, high) in overall_bounds.items():
        overall[f"{name}_low"], overall[f"{name}_high"] = low, high
    flagged = groups[groups["too_small"]]
    too_small = tuple(f"{r.factor} = {r.group} (n = {r.n}): {r.reason}" for r in flagged.itertuples())
    absent = groups[groups["n"] == 0]
    data_sha = data_sha256 or data.german_credit_sha256()
    params = json.dumps(run.params, sort_keys=True) if run.params else "library defaults of the day (not recorded)"
    seed_text = str(run.seed) if run.seed is not None else "none (random_state=None)"
    level = int(CONFIDENCE * 100)

    caveats = [
        codes.ATTRIBUTE_9_CAVEAT,
        "Groups too small to trust (do not quote their metrics alone): "
        + ("; ".join(too_small) if too_small else "none") + ".",
    ]
    if len(absent):
        caveats.append(
            "Documented groups with no applicants in the test set: "
            + ", ".join(f"{r.factor} = {r.group}" for r in absent.itertuples()) + "."
        )
    sections = {
        "model_details": (
            f"Random forest in a scikit-learn Pipeline (one-hot encoding, scaling), pipeline "
            f"'{run.pipeline}'. Parameters: {params}. Seed: {seed_text}. "
            f"Model SHA-256 {run.model_sha256}. Built by the workshop case study (case_study/pipelines.py)."
        ),
        "intended_use": (
            "Teaching: shows how to hand a loan-approval model over so that a newcomer can rebuild "
            "and question it. Not for real credit decisions: the data are historical, small and "
            "have known coding errors."
        ),
        "factors": (
            "Metrics are broken down by age band (" + ", ".join(_group_levels("age_band")) + "), "
            "foreign_worker and personal_status_sex (attribute 9). " + codes.ATTRIBUTE_9_CAVEAT
        ),
        "metrics": (
            f"ROC AUC; accuracy at P(bad) > 0.5; decline rate and expected cost per applicant when "
            f"declining above P(bad) = {COST_THRESHOLD:.3f}, from the documented cost matrix "
            f"(approving a bad risk costs {COST_APPROVE_BAD:g}, declining a good one {COST_DECLINE_GOOD:g}). "
            f"Uncertainty: {level}% percentile bootstrap intervals, {n_boot} resamples per group, seed {seed}."
        ),
        "evaluation_data": (
            f"The stratified hold-out split ({run.n_test} applicants, test_size = {TEST_SIZE}), "
            f"split with seed {seed_text}, never used for fitting."
        ),
        "training_data": (
            f"Statlog German Credit (Hofmann 1994, UCI id 144): {run.n_train} applicants; "
            f"data SHA-256 {data_sha}, verified against data/manifest.json on every load. "
            "See the datasheet in data/README.md."
        ),
        "quantitative_analyses": (
            f"Overall on {run.n_test} hold-out applicants: ROC AUC {run.metrics['roc_auc']:.3f}, "
            f"accuracy {run.metrics['accuracy']:.3f} ({level}% interval "
            f"{overall['accuracy_low']:.3f}–{overall['accuracy_high']:.3f}), expected cost "
            f"{run.metrics['expected_cost']:.3f} per applicant. By group: see the table; "
            f"{len(flagged)} of {len(groups)} groups are flagged too small to trust."
        ),
        "ethical_considerations": (
            "Loan approval is a consequential decision. Age, foreign-worker status and attribute 9 "
            "are used as inputs and as evaluation factors; differences between groups here may "
            "reflect the historical data, and small groups cannot show whether the model treats "
            "them fairly."
        ),
        "caveats_recommendations": " ".join(caveats),
    }
    return ModelCard(
        title=f"Model card: loan approval ({run.pipeline} pipeline)",
        sections=sections,
        overall=overall,
        groups=groups,
        too_small=too_small,
        caveats=tuple(caveats),
        seed=seed,
        n_boot=n_boot,
    )


def _markdown_table(frame: pd.DataFrame) -> str:
    header = "| " + " | ".join(frame.columns) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    body = ["| " + " | ".join(str(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([header, rule, *body])


def _interval(row: pd.Series, name: str) -> str:
    if row["n"] == 0:
        return "–"
    return f"{row[name]:.3f} [{row[name + '_low']:.3f}, {row[name + '_high']:.3f}]"


def render_model_card_markdown(card: ModelCard) -> str:
    """The card as Markdown: the nine sections, then one table per factor."""
    lines = [f"# {card.title}", ""]
    for key, title in SECTION_TITLES.items():
        lines += [f"## {title}", "", card.sections[key], ""]
        if key == "quantitative_analyses":
            for factor in GROUP_FACTORS:
                rows = card.groups[card.groups["factor"] == factor]
                table = pd.DataFrame(
                    {
                        "group": rows["group"],
                        "n": rows["n"],
                        "accuracy [95% CI]": [_interval(r, "accuracy") for _, r in rows.iterrows()],
                        "expected cost [95% CI]": [_interval(r, "expected_cost") for _, r in rows.iterrows()],
                        "flag": ["too small to trust: " + r if r else "" for r in rows["reason"]],
                    }
                )
                lines += [f"### By {factor}", "", _markdown_table(table), ""]
                if factor == "personal_status_sex":
                    lines += [f"> {codes.ATTRIBUTE_9_CAVEAT}", ""]
    return "\n".join(lines)


# --------------------------------------------------------------------- the legacy pickle

LEGACY_QUESTIONS: dict[str, str] = {
    "data": "Which data (which version) was it trained on?",
    "code": "Which code produced it?",
    "params": "Which hyperparameters?",
    "seed": "Which seed (split and forest)?",
    "versions": "Which library versions?",
    "metrics": "What did it score, on which test set?",
    "rebuild": "Can it be rebuilt, byte for byte?",
    "groups": "How well does it work for each group?",
}


@dataclass(frozen=True)
class LegacyAnswer:
    """One question a newcomer asks, answered from the pickle alone and from the manifest."""

    question: str
    pickle_status: str  # "unknown", "partly" or "yes"
    from_pickle: str
    from_manifest: str


def write_legacy_pickle(directory: Path, model: object) -> Path:
    """Save ``model`` the way the team did: ``directory/model_final_v2.pkl``, nothing else."""
    path = Path(directory) / LEGACY_PICKLE_NAME
    path.write_bytes(pickle.dumps(model, protocol=5))
    return path


def _stored_sklearn_version(blob: bytes) -> str | None:
    """The version scikit-learn writes into each estimator's pickled state, if any."""
    previous = None
    for _, argument, _ in pickletools.genops(blob):
        if previous == "_sklearn_version" and isinstance(argument, str):
            return argument
        if isinstance(argument, str):
            previous = argument
    return None


def interrogate_pickle(path: Path) -> dict[str, tuple[str, str]]:
    """Ask the pickle each of LEGACY_QUESTIONS; answer only from what it really contains.

    Returns ``{question_key: (status, answer)}`` with status "unknown", "partly" or "yes".
    """
    blob = Path(path).read_bytes()
    model = pickle.loads(blob)
    forest = model.steps[-1][1]
    fitted = forest.get_params()
    columns = list(getattr(model, "feature_names_in_", []))
    sklearn_version = _stored_sklearn_version(blob)
    shown = {k: fitted[k] for k in ("n_estimators", "max_depth", "max_features", "min_samples_leaf")}
    return {
        "data": (
            "partly" if columns else "unknown",
            f"{len(columns)} column names (feature_names_in_); no rows, no hash, no version"
            if columns else "nothing: no column names, no hash",
        ),
        "code": ("unknown", "a pickle stores fitted objects, not the code or commit that made them"),
        "params": (
            "partly",
            f"the fitted forest's values can be read ({json.dumps(shown)}), but not which were "
            "chosen and which were library defaults of the day",
        ),
        "seed": (
            "unknown" if fitted.get("random_state") is None else "partly",
            f"random_state = {fitted.get('random_state')!r}; the split's seed is not stored at all",
        ),
        "versions": (
            "partly" if sklearn_version else "unknown",
            f"scikit-learn {sklearn_version} (written by scikit-learn into the pickle); Python, "
            "numpy, pandas and scipy unknown" if sklearn_version else "none stored",
        ),
        "metrics": ("unknown", "no metrics and no test set are stored"),
        "rebuild": ("unknown", "no: without data, code, split and seed there is nothing to rebuild from"),
        "groups": ("unknown", "no breakdown; the test rows are not even known"),
    }


def legacy_questions(pickle_path: Path, manifest: dict, card: ModelCard | None = None) -> list[LegacyAnswer]:
    """Pair each newcomer question with what the pickle and what the manifest can say.

    Parameters: ``pickle_path`` a ``model_final_v2.pkl``; ``manifest`` a reproducible run
    manifest; ``card`` its model card, if any. Returns one LegacyAnswer per question.
    """
    from_pickle = interrogate_pickle(pickle_path)
    env = manifest["environment"]
    packages = ", ".join(f"{k} {v}" for k, v in env.get("packages", {}).items())
    commit = manifest["code_version"].get("git_commit")
    metrics = ", ".join(f"{k} {v}" for k, v in manifest["metrics"].items())
    split = manifest.get("split", {})
    groups = (
        f"model card: {len(card.groups)} groups with {int(CONFIDENCE * 100)}% intervals, "
        f"{len(card.too_small)} flagged too small"
        if card is not None else "the model card breaks metrics down by group"
    )
    from_manifest = {
        "data": f"data_sha256 {short(manifest['data_sha256'])}… ({manifest.get('data_file', 'data/raw')}), checked on load",
        "code": f"code_version {short(manifest['code_version']['sha256'])}…"
        + (f", git commit {short(commit)}" if commit else ""),
        "params": json.dumps(manifest["params"], sort_keys=True),
        "seed": f"seed {manifest['seed']} (split and forest)",
        "versions": f"Python {env.get('python')}, {packages}",
        "metrics": f"{metrics} on {split.get('n_test', '?')} hold-out applicants",
        "rebuild": "yes: python -m case_study verify manifest.json",
        "groups": groups,
    }
    return [
        LegacyAnswer(question, from_pickle[key][0], from_pickle[key][1], from_manifest[key])
        for key, question in LEGACY_QUESTIONS.items()
    ]


# ------------------------------------------------------------------ the stage's figures


def reproducible_manifest(seed: int = DEFAULT_SEED) -> dict:
    """The manifest of the reproducible model with ``seed`` on the verified data (the shared
    ``pipelines.reproducible_run``, trained once per process)."""
    return build_run_manifest(reproducible_run(seed))


def under_25_interval_width() -> float:
    """Predict-then-run: width (high − low) of the 95% bootstrap interval of accuracy for
    applicants under 25 in the model card (default seed and bootstrap). Deterministic."""
    frame = data.load_german_credit()
    card = model_card(reproducible_run(DEFAULT_SEED), frame, seed=DEFAULT_SEED)
    groups = card.groups
    row = groups[(groups["factor"] == "age_band") & (groups["group"] == AGE_BANDS[0][2])].iloc[0]
    return round(float(row["interval_width"]), 3)


def fields_changed_by_seed() -> float:
    """Predict-then-run: how many compared manifest fields differ when only the seed moves
    from the default to the next integer and the run is rebuilt. Deterministic."""
    manifest = reproducible_manifest(DEFAULT_SEED)
    return float(len(mismatches(rebuild_with_change(manifest, "seed", DEFAULT_SEED + 1))))


def side_by_side() -> pd.DataFrame:
    """The stage's headline figures, computed now: columns figure, irreproducible, reproducible."""
    frame = data.load_german_credit()
    legacy_run = train_irreproducible(frame)
    legacy_manifest = build_run_manifest(legacy_run)
    legacy_diffs = rebuild_from_manifest(legacy_manifest)
    run = reproducible_run(DEFAULT_SEED)  # the one shared default model; the rebuild trains anew
    manifest = build_run_manifest(run)
    diffs = rebuild_from_manifest(manifest)
    card = model_card(run, frame, seed=DEFAULT_SEED)
    with tempfile.TemporaryDirectory() as tmp:
        answers = legacy_questions(write_legacy_pickle(Path(tmp), legacy_run.model), manifest, card)
    full = sum(a.pickle_status == "yes" for a in answers)
    partly = sum(a.pickle_status == "partly" for a in answers)

    def recorded_vs_rebuilt(diffs: list[FieldDiff], field: str) -> str:
        diff = next(d for d in diffs if d.field == field)
        shown = [short(v) + "…" if isinstance(v, str) else str(v) for v in (diff.expected, diff.actual)]
        return f"{shown[0]} → {shown[1]} " + ("✓" if diff.matches else "✗")

    def matched(diffs: list[FieldDiff]) -> str:
        return f"{len(diffs) - len(mismatches(diffs))} of {len(diffs)}"

    rows = [
        ("hand-over", LEGACY_PICKLE_NAME, "manifest.json + model.pkl + model card"),
        (
            f"newcomer questions answered (of {len(answers)})",
            f"{full} fully, {partly} partly (pickle alone)",
            f"{len(answers)} (manifest and card)",
        ),
        ("compared fields matching after rebuild", matched(legacy_diffs), matched(diffs)),
        ("model_sha256 recorded → rebuilt", recorded_vs_rebuilt(legacy_diffs, "model_sha256"),
         recorded_vs_rebuilt(diffs, "model_sha256")),
        ("roc_auc recorded → rebuilt", recorded_vs_rebuilt(legacy_diffs, "metrics.roc_auc"),
         recorded_vs_rebuilt(diffs, "metrics.roc_auc")),
        ("groups in the model card", "no card", f"{len(card.groups)}, {len(card.too_small)} too small to trust"),
    ]
    return pd.DataFrame(rows, columns=["figure", "irreproducible", "reproducible"])
