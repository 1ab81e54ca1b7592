"""Rebuild a training run from its run manifest alone, and check the model saved beside it.

:func:`rebuild_run` retrains with the manifest's pipeline, seed and parameters on the
verified data, after checking that the data is the version the manifest names;
:func:`rebuild_from_manifest` and :func:`rebuild_with_change` compare the result with the
manifest field by field.

:func:`verify_run` is what ``python -m case_study verify`` runs, and it never deserialises
the ``model.pkl`` saved beside a manifest: both that file and the manifest's
``model_file_sha256`` come from the folder being verified, so a hash that matches proves
nothing, and unpickling runs whatever code the file holds ("The pickle module is not
secure. Only unpickle data you trust." — the Python documentation). Instead the rebuilt
model is pickled the way ``write_run`` pickles it and the two files' SHA-256 are compared:
equal bytes prove the file is the model the manifest rebuilds, without opening it.
:func:`recorded_model_diffs` does unpickle the file, to name an input edited after the
run, and refuses to unless the caller says the file is trusted (``verify
--trust-model-file``).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from case_study import data, paths
from case_study.errors import (
    DataMismatchError,
    ManifestError,
    UntrustedModelFileError,
)
from case_study.hashing import sha256_bytes, sha256_model
from case_study.pipelines import TrainingRun, train_irreproducible, train_reproducible
from case_study.run_manifest import (
    ABSENT,
    FieldDiff,
    build_run_manifest,
    diff_manifests,
    model_file_bytes,
    validate_manifest,
    with_field,
)
from case_study.safe_pickle import load_fitted_model


@dataclass(frozen=True)
class Verification:
    """What ``verify`` found: the manifest's fields rebuilt, and the model file beside it.

    Attributes:
        fields: one FieldDiff per compared manifest field (recorded vs rebuilt).
        model_file: the checks of the model file ([] when there is none); by default one
            FieldDiff of its SHA-256 against the rebuilt model's, the file never opened.
        model_opened: True only when the caller trusted the file and it was unpickled.
    """

    fields: list[FieldDiff]
    model_file: list[FieldDiff]
    model_opened: bool = False


def _interned(params: dict) -> dict:
    """``params`` with each text value interned, as the literals of DEFAULT_PARAMS are.

    A value read from JSON is a new ``str``; the same value written in the code is one
    shared object. pickle writes a shared object once and refers back to it, so without
    this the rebuilt model's pickle would differ from ``write_run``'s by a few bytes.
    """
    return {key: sys.intern(value) if isinstance(value, str) else value
            for key, value in params.items()}


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
        run = train_reproducible(
            frame, seed=manifest["seed"], params=_interned(manifest["params"])
        )
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


def model_file_diff(model: object, model_path: Path) -> FieldDiff:
    """Compare a saved model file with the rebuilt model by bytes, never opening the file.

    Args:
        model: the rebuilt model (from :func:`rebuild_run`).
        model_path: the model file saved beside the manifest.

    Returns:
        A FieldDiff whose expected value is the SHA-256 of ``model`` pickled the way
        ``write_run`` pickles it and whose actual value is the file's SHA-256. Equal means
        the file is byte for byte the model the manifest rebuilds. The file is read as
        bytes and hashed; it is never unpickled.
    """
    name = Path(model_path).name
    found = sha256_bytes(Path(model_path).read_bytes())
    return FieldDiff(f"{name} sha256 (rebuilt model, pickled)", sha256_bytes(
        model_file_bytes(model)), found)


def verify_run(
    manifest: dict,
    model_path: Path | None = None,
    *,
    trust_model_file: bool = False,
    raw_dir: Path = paths.RAW_DIR,
    data_manifest_path: Path = paths.DATA_MANIFEST,
) -> Verification:
    """Rebuild from the manifest, compare every field, and check the model file safely.

    Args:
        manifest: a run manifest (validated here).
        model_path: the model file saved beside it, or None when there is none.
        trust_model_file: also unpickle the file (see :func:`recorded_model_diffs`); only
            for a file you made yourself, since unpickling runs any code it holds.
        raw_dir: where the raw data lives (tests point it at a copy).
        data_manifest_path: the data's SHA-256 manifest.

    Returns:
        A :class:`Verification`. Without ``trust_model_file`` the model file is compared by
        its bytes only (:func:`model_file_diff`) and never deserialised.
    """
    run, found = rebuild_run(manifest, raw_dir=raw_dir, data_manifest_path=data_manifest_path)
    fields = diff_manifests(manifest, build_run_manifest(run, data_sha256=found))
    if model_path is None:
        return Verification(fields, [])
    checks = [model_file_diff(run.model, model_path)]
    if trust_model_file:
        checks += recorded_model_diffs(manifest, model_path, trusted=True)
    return Verification(fields, checks, model_opened=trust_model_file)


def recorded_model_diffs(
    manifest: dict, model_path: Path, *, trusted: bool = False
) -> list[FieldDiff]:
    """Unpickle a model file you trust and cross-check it against the manifest's inputs.

    The file's SHA-256 must equal the ``model_file_sha256`` that ``write_run`` recorded;
    only then is it unpickled. The loaded model's content hash must then equal
    ``model_sha256``, and its forest's hyperparameters and ``random_state`` are compared
    with ``params`` and ``seed``. This names an input that was edited after the run, which
    a rebuild alone can only show as changed results.

    Unpickling runs any code the file holds, and the recorded hash comes from the same
    folder as the file, so a matching hash proves nothing about who wrote it: call this
    only for a file you made yourself.

    Args:
        manifest: the run manifest saved with the file.
        model_path: the model file.
        trusted: must be True: the caller vouches for the file.

    Returns:
        FieldDiffs (expected = manifest, actual = the model file); a manifest without
        ``model_file_sha256``, or another file, gives one mismatch and the file stays closed.

    Raises:
        UntrustedModelFileError: ``trusted`` is not True (nothing is read).
        UnsafePickleError: the file names a class or function no fitted model is made of
            (case_study.safe_pickle refuses it before anything in it is called).
    """
    name = Path(model_path).name
    if trusted is not True:
        raise UntrustedModelFileError(
            f"refusing to unpickle {model_path}: unpickling runs any code the file holds, and "
            "its recorded hash comes from the same folder. Compare it by bytes instead "
            "(verify does), or pass trusted=True (verify --trust-model-file) for a file you "
            "made yourself."
        )
    blob = Path(model_path).read_bytes()
    file_sha = sha256_bytes(blob)
    diffs = [FieldDiff(f"{name} file sha256", manifest.get("model_file_sha256", ABSENT), file_sha)]
    if file_sha != manifest.get("model_file_sha256"):
        return diffs
    # The caller vouched for the file and its hash matched; the restricted unpickler is the
    # second lock: it refuses any class or function a fitted model is not made of.
    model = load_fitted_model(blob)
    diffs.append(
        FieldDiff(f"{name} content (model_sha256)", manifest["model_sha256"], sha256_model(model))
    )
    estimator = model.named_steps["model"]
    fitted = estimator.get_params()
    for param, value in manifest["params"].items():
        diffs.append(FieldDiff(f"params.{param}", value, fitted.get(param, ABSENT)))
    diffs.append(FieldDiff("seed", manifest["seed"], fitted.get("random_state")))
    return diffs
