"""The run manifest: everything needed to rebuild a training run and to recognise the result.

A run manifest is one JSON file (data hash, code version, parameters, seed, environment,
metrics, model and prediction hashes) written beside the model. This module records it
(:func:`build_run_manifest`, :func:`write_run`), reads and validates it
(:func:`load_manifest`, :func:`validate_manifest`, with the ranges a rebuild may ask for)
and compares two manifests field by field (:func:`diff_manifests`, :func:`mismatches`,
:func:`diff_table`). Rebuilding a run from a manifest is in :mod:`case_study.rebuild`.
The command line's ``run`` and ``verify`` use both.
"""

from __future__ import annotations

import copy
import hashlib
import json
import pickle
import platform
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from case_study import data, paths
from case_study.errors import ManifestError, UnsafeOutputError
from case_study.hashing import is_sha256, sha256_bytes, sha256_file
from case_study.pipelines import DEFAULT_PARAMS, PIPELINES, TEST_SIZE, TrainingRun

MANIFEST_VERSION = 1
MANIFEST_NAME = "manifest.json"
MODEL_NAME = "model.pkl"
# The pickle protocol of the saved model; verify pickles the rebuilt model the same way.
MODEL_PICKLE_PROTOCOL = 5
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
# What is kept of each of threadpoolctl's thread pools (never file paths).
BLAS_KEYS: tuple[str, ...] = (
    "user_api", "internal_api", "version", "num_threads", "threading_layer", "architecture",
)
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


def environment() -> dict:
    """The interpreter, platform and versions of the libraries that shape the model.

    Returns ``{"python", "implementation", "platform", "packages": {name: version},
    "blas": [...]}``. Versions are read from the imported modules (cheap; no
    package-metadata scan). ``blas`` lists the BLAS/OpenMP libraries NumPy and
    scikit-learn loaded, as ``threadpoolctl`` sees them (recorded for people, never
    compared: a rebuild elsewhere may load another build).
    """
    import numpy
    import pandas
    import scipy
    import sklearn
    from threadpoolctl import threadpool_info

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
        "blas": [
            {key: pool.get(key) for key in BLAS_KEYS if key in pool}
            for pool in threadpool_info()
        ],
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
        "created_at": created_at or datetime.now(UTC).isoformat(timespec="seconds"),
        "data_file": f"data/raw/{paths.GERMAN_CREDIT}",
        "data_sha256": data_sha256 or data.german_credit_sha256(data_manifest_path),
        "code_version": code_version(),
        "params": dict(run.params),
        "seed": run.seed,
        "split": {
            "test_size": TEST_SIZE,
            "stratified": True,
            "n_train": run.n_train,
            "n_test": run.n_test,
        },
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

    Returns sorted file names (empty when the manifest lists no per-file hashes).
    """
    recorded = manifest.get("code_version", {}).get("files") or {}
    if not isinstance(recorded, dict) or not recorded:
        return []
    current = code_version(source_dir)["files"]
    return sorted(
        name for name in set(recorded) | set(current) if recorded.get(name) != current.get(name)
    )


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
        allowed = f"a whole number from {low} to {high}" + (
            " or null (no limit)" if none_allowed else ""
        )
        raise ManifestError(
            f"'params.{name}' must be {allowed}; found {value!r}. Choose a value in that range."
        )


def check_seed(value: object) -> None:
    """Refuse a reproducible run's seed that is not a whole number in SEED_LIMITS.

    Raises ManifestError with the allowed range.
    """
    low, high = SEED_LIMITS
    if not _whole_number(value) or not low <= value <= high:
        raise ManifestError(
            f"'seed' must be a whole number from {low} to 2**32 - 1 for the reproducible pipeline; "
            f"found {value!r}."
        )


def validate_manifest(manifest: object) -> dict:
    """Check that a run manifest can be rebuilt from; return it unchanged.

    Raises ManifestError naming the first problem: not an object, missing keys, an
    unknown manifest version or pipeline, a field of the wrong type, or (reproducible
    pipeline) a seed or parameter outside its allowed range (SEED_LIMITS, PARAM_LIMITS).
    """
    if not isinstance(manifest, dict):
        raise ManifestError(
            f"A run manifest must be a JSON object; found {type(manifest).__name__}."
        )
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
            f"Unknown pipeline {manifest['pipeline']!r}; expected one of "
            f"{', '.join(sorted(PIPELINES))}."
        )
    for key in ("data_sha256", "model_sha256", "predictions_sha256"):
        if not is_sha256(manifest[key]):
            raise ManifestError(
                f"'{key}' must be a 64-character hex SHA-256; found {manifest[key]!r}."
            )
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
        raise ManifestError(
            f"{path} is a folder; pass the manifest file, e.g. {path / MANIFEST_NAME}."
        ) from None
    except UnicodeDecodeError:
        raise ManifestError(
            f"{path} is not UTF-8 text, so it cannot be a JSON run manifest."
        ) from None
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
    elif (
        field == "seed"
        and isinstance(manifest, dict)
        and manifest.get("pipeline") == "reproducible"
    ):
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
                f"Refusing to write into {out_dir}: it is inside the data folder "
                f"{protected.resolve()}, "
                "where the raw files and the data manifest live and are never overwritten. "
                "Choose an --out folder outside it, e.g. runs/first."
            )
    return out_dir


def model_file_bytes(model: object) -> bytes:
    """The bytes ``write_run`` saves as the model file (pickling never runs foreign code).

    ``verify`` pickles the rebuilt model with this too and compares the two files' SHA-256,
    so the saved file is checked without ever being unpickled.
    """
    return pickle.dumps(model, protocol=MODEL_PICKLE_PROTOCOL)


def write_run(run: TrainingRun, out_dir: Path, manifest: dict | None = None) -> tuple[Path, Path]:
    """Save ``out_dir/manifest.json`` and ``out_dir/model.pkl`` (creating the folder).

    The manifest written is ``manifest`` (default: ``build_run_manifest(run)``) plus
    ``model_file`` and ``model_file_sha256``, the SHA-256 of the model file's bytes
    (``model_sha256`` is the model's content hash, which does not depend on how the pickle
    lays it out). ``verify`` never trusts either for unpickling: it compares the file's
    bytes with the rebuilt model's (see ``case_study.rebuild.verify_run``).
    Returns ``(manifest_path, model_path)``. Raises UnsafeOutputError for the data folder
    or any folder in it (see check_output_dir).
    """
    out_dir = check_output_dir(out_dir)
    blob = model_file_bytes(run.model)
    manifest = {
        **(manifest or build_run_manifest(run)),
        "model_file": MODEL_NAME,
        "model_file_sha256": sha256_bytes(blob),
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    model_path = out_dir / MODEL_NAME
    model_path.write_bytes(blob)
    manifest_path = out_dir / MANIFEST_NAME
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest_path, model_path
