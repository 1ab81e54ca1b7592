"""Rebuild a training run from its run manifest alone, and check the model saved beside it.

:func:`rebuild_run` retrains with the manifest's pipeline, seed and parameters on the
verified data, after checking that the data is the version the manifest names;
:func:`rebuild_from_manifest` and :func:`rebuild_with_change` compare the result with the
manifest field by field. :func:`recorded_model_diffs` checks a saved ``model.pkl``
against the manifest before it is ever unpickled.
"""

from __future__ import annotations

import pickle
from pathlib import Path

from case_study import data, paths
from case_study.errors import DataMismatchError, ManifestError
from case_study.hashing import sha256_bytes, sha256_model
from case_study.pipelines import TrainingRun, train_irreproducible, train_reproducible
from case_study.run_manifest import (
    ABSENT,
    FieldDiff,
    build_run_manifest,
    diff_manifests,
    validate_manifest,
    with_field,
)


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
            "Restore the data version the manifest names; a model rebuilt on other data proves "
            "nothing."
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
    diffs.append(
        FieldDiff(f"{name} content (model_sha256)", manifest["model_sha256"], sha256_model(model))
    )
    estimator = model.named_steps["model"]
    fitted = estimator.get_params()
    for param, value in manifest["params"].items():
        diffs.append(FieldDiff(f"params.{param}", value, fitted.get(param, ABSENT)))
    diffs.append(FieldDiff("seed", manifest["seed"], fitted.get("random_state")))
    return diffs
