"""Rebuilding a run from its manifest alone.

Field-level diffs, refused inputs, the saved model.
"""

from __future__ import annotations

import json
import pickle
import shutil
import time

import pytest

from case_study import data, errors, model_card, paths, pipelines, rebuild, run_manifest
from case_study.errors import DataIntegrityError, ManifestError
from case_study.hashing import sha256_file, sha256_model


@pytest.fixture(scope="module")
def frame():
    return data.load_german_credit()


@pytest.fixture(scope="module")
def run(frame):
    return pipelines.train_reproducible(frame, seed=pipelines.DEFAULT_SEED)


@pytest.fixture(scope="module")
def manifest(run):
    # Through JSON and back, exactly as a manifest on disk is read.
    return json.loads(json.dumps(run_manifest.build_run_manifest(run)))


@pytest.fixture(scope="module")
def card(run, frame):
    return model_card.model_card(run, frame)


def test_rebuild_of_a_reproducible_manifest_matches_every_field(manifest):
    """Rebuilding from the manifest alone gives the same data, code, versions, metrics, hashes."""
    diffs = rebuild.rebuild_from_manifest(manifest)
    fields = {d.field for d in diffs}
    for field in (
        "data_sha256",
        "code_version.sha256",
        "seed",
        "params.n_estimators",
        "environment.packages.scikit-learn",
        "metrics.roc_auc",
        "model_sha256",
        "predictions_sha256",
    ):
        assert field in fields
    assert run_manifest.mismatches(diffs) == []


def test_rebuild_catches_a_changed_parameter(manifest):
    """A manifest whose n_estimators was edited no longer rebuilds the recorded model."""
    edited = run_manifest.with_field(manifest, "params.n_estimators", 50)
    differing = {d.field for d in run_manifest.mismatches(rebuild.rebuild_from_manifest(edited))}
    assert {"model_sha256", "predictions_sha256"} <= differing


def test_changing_one_field_shows_it_and_every_result_it_moved(manifest):
    """Change the seed, rebuild: the diff names the seed, then the model, predictions, metrics."""
    differing = run_manifest.mismatches(
        rebuild.rebuild_with_change(manifest, "seed", pipelines.DEFAULT_SEED + 1)
    )
    assert differing[0].field == "seed"
    assert (differing[0].expected, differing[0].actual) == (
        pipelines.DEFAULT_SEED,
        pipelines.DEFAULT_SEED + 1,
    )
    names = {d.field for d in differing}
    assert {"model_sha256", "predictions_sha256", "metrics.roc_auc"} <= names
    assert not names & {"data_sha256", "code_version.sha256", "params.n_estimators"}


def test_rebuild_of_an_irreproducible_manifest_differs(frame):
    """Even with a manifest, the irreproducible pipeline cannot give its model back."""
    legacy = json.loads(
        json.dumps(run_manifest.build_run_manifest(pipelines.train_irreproducible(frame)))
    )
    differing = {d.field for d in run_manifest.mismatches(rebuild.rebuild_from_manifest(legacy))}
    assert {"model_sha256", "predictions_sha256"} <= differing


def test_rebuild_refuses_data_other_than_the_manifest_names(manifest):
    """A manifest citing another data version is refused, naming both hashes."""
    edited = run_manifest.with_field(manifest, "data_sha256", "0" * 64)
    with pytest.raises(errors.DataMismatchError) as error:
        rebuild.rebuild_from_manifest(edited)
    assert "cannot rebuild: data differs" in str(error.value)
    assert "0" * 64 in str(error.value) and manifest["data_sha256"] in str(error.value)


def test_rebuild_refuses_a_tampered_raw_file(manifest, tmp_path):
    """A raw file changed on disk is caught before any training (on a temporary copy)."""
    raw = tmp_path / "raw"
    raw.mkdir()
    original = (paths.RAW_DIR / paths.GERMAN_CREDIT).read_bytes()
    (raw / paths.GERMAN_CREDIT).write_bytes(original.replace(b"A201", b"A202", 1))
    data_manifest = tmp_path / "manifest.json"
    shutil.copyfile(paths.DATA_MANIFEST, data_manifest)
    with pytest.raises(DataIntegrityError):
        rebuild.rebuild_from_manifest(manifest, raw_dir=raw, data_manifest_path=data_manifest)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("pipeline", "magic", "Unknown pipeline"),
        ("seed", "forty-two", "'seed' must be a whole number"),
        ("seed", True, "'seed' must be a whole number"),
        ("model_sha256", "abc", "64-character hex"),
        ("params", [], "'params' must be a JSON object"),
        ("manifest_version", 99, "Unknown manifest_version"),
    ],
)
def test_unusable_manifests_are_refused_with_a_reason(manifest, field, value, message):
    """A manifest with a wrong field says which field and what was expected."""
    with pytest.raises(ManifestError, match=message):
        rebuild.rebuild_from_manifest(run_manifest.with_field(manifest, field, value))


def test_params_the_library_rejects_are_a_manifest_error(manifest):
    """A parameter value scikit-learn refuses is reported as a manifest problem, not a crash."""
    with pytest.raises(ManifestError, match="rejected"):
        rebuild.rebuild_from_manifest(
            run_manifest.with_field(manifest, "params.criterion", "magic")
        )


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        (
            "params.n_estimators",
            2**31 - 1,
            "'params.n_estimators' must be a whole number from 1 to 500",
        ),
        ("params.n_estimators", 0, "from 1 to 500"),
        ("params.n_estimators", "many", "from 1 to 500; found 'many'"),
        ("params.n_estimators", 100.0, "whole number"),
        ("params.n_estimators", True, "whole number"),
        (
            "params.max_depth",
            51,
            "'params.max_depth' must be a whole number from 1 to 50 or null",
        ),
        ("params.max_depth", 0, "from 1 to 50"),
        (
            "params.min_samples_leaf",
            101,
            "'params.min_samples_leaf' must be a whole number from 1 to 100",
        ),
        ("params.n_jobs", -1, "'params.n_jobs' must be a whole number from 1 to 2"),
        ("params.max_leaf_nodes", 10, "Unknown parameter 'max_leaf_nodes'"),
        ("seed", -1, "'seed' must be a whole number from 0 to 2\\*\\*32 - 1"),
        ("seed", 2**32, "'seed' must be a whole number from 0"),
    ],
)
def test_out_of_range_fields_are_refused_before_any_training(manifest, field, value, message):
    """A manifest cannot ask the server for a huge forest: the allowed range is named, fast."""
    started = time.perf_counter()
    with pytest.raises(ManifestError, match=message):
        run_manifest.with_field(manifest, field, value)
    with pytest.raises(ManifestError, match=message):
        rebuild.rebuild_with_change(manifest, field, value)
    # The same manifest edited by hand, not through with_field, is refused by the rebuild.
    edited = json.loads(json.dumps(manifest))
    *parents, leaf = field.split(".")
    (edited[parents[0]] if parents else edited)[leaf] = value
    with pytest.raises(ManifestError, match=message):
        rebuild.rebuild_run(edited)
    assert time.perf_counter() - started < 0.5  # refused before a forest is grown


def test_fields_inside_their_ranges_still_rebuild(manifest):
    """The bounds leave room to explore: a small forest with a depth limit rebuilds fine."""
    assert (
        run_manifest.with_field(manifest, "params.max_depth", None)["params"]["max_depth"] is None
    )
    run, _ = rebuild.rebuild_run(
        run_manifest.with_field(
            run_manifest.with_field(manifest, "params.n_estimators", 5), "params.max_depth", 3
        )
    )
    assert run.params["n_estimators"] == 5 and run.params["max_depth"] == 3


def test_written_model_file_hashes_to_the_manifest_and_names_an_edited_input(run, tmp_path):
    """model.pkl beside the manifest is the recorded model, and exposes a later edit of params."""
    manifest_path, model_path = run_manifest.write_run(run, tmp_path / "out")
    manifest = run_manifest.load_manifest(manifest_path)
    assert sha256_file(model_path) == manifest["model_file_sha256"]
    assert (
        sha256_model(pickle.loads(model_path.read_bytes()))
        == manifest["model_sha256"]
        == run.model_sha256
    )
    diffs = rebuild.recorded_model_diffs(manifest, model_path, trusted=True)
    assert run_manifest.mismatches(diffs) == []
    assert {
        "model.pkl file sha256",
        "model.pkl content (model_sha256)",
        "params.n_estimators",
        "seed",
    } <= {d.field for d in diffs}
    edited = run_manifest.with_field(manifest, "params.n_estimators", 50)
    (diff,) = run_manifest.mismatches(
        rebuild.recorded_model_diffs(edited, model_path, trusted=True)
    )
    assert (diff.field, diff.expected, diff.actual) == ("params.n_estimators", 50, 100)


def test_a_model_file_that_is_not_the_recorded_one_is_never_unpickled(run, tmp_path, monkeypatch):
    """Another file beside the manifest, or a manifest without the file's hash.

    Either gives one mismatch, and the file stays closed.
    """
    manifest_path, model_path = run_manifest.write_run(run, tmp_path / "out")
    manifest = run_manifest.load_manifest(manifest_path)
    monkeypatch.setattr(
        rebuild, "load_fitted_model", lambda blob: pytest.fail("unpickled an unchecked file")
    )
    model_path.write_bytes(model_path.read_bytes() + b"\0")
    (diff,) = rebuild.recorded_model_diffs(manifest, model_path, trusted=True)
    assert diff.field == "model.pkl file sha256" and not diff.matches
    unrecorded = {k: v for k, v in manifest.items() if k != "model_file_sha256"}
    (diff,) = rebuild.recorded_model_diffs(unrecorded, model_path, trusted=True)
    assert diff.expected == run_manifest.ABSENT and not diff.matches


# ------------------------------------------------ verify never unpickles an untrusted file


def hostile_model_file(folder, *, stealthy: bool):
    """Replace folder/model.pkl with a pickle whose loading writes folder/MARKER, and rewrite
    the manifest's model_file_sha256 to match it (both come from the folder being verified).

    The stealthy one then returns the genuine model, so a loader that unpickles it sees the
    right model and nothing amiss.
    """
    model_path = folder / "model.pkl"
    manifest_path = folder / "manifest.json"
    marker = folder / "MARKER"
    genuine = model_path.read_bytes()
    write = f"__import__('pathlib').Path({str(marker)!r}).write_text('ran')"
    code = f"({write}, __import__('pickle').loads({genuine!r}))[1]" if stealthy else write

    class Hostile:
        def __reduce__(self):
            return (eval, (code,))

    blob = pickle.dumps(Hostile(), protocol=5)
    model_path.write_bytes(blob)
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["model_file_sha256"] = rebuild.sha256_bytes(blob)
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    return manifest_path, model_path, marker


@pytest.fixture
def written_run(run, tmp_path):
    manifest_path, model_path = run_manifest.write_run(run, tmp_path / "out")
    return manifest_path.parent


def test_the_hostile_pickle_really_runs_code_when_unpickled(written_run):
    """The fixture is a real attack: unpickling it writes the marker (and the stealthy one
    still hands back the genuine model)."""
    _, model_path, marker = hostile_model_file(written_run, stealthy=True)
    model = pickle.loads(model_path.read_bytes())
    assert marker.exists() and sha256_model(model) == pipelines.train_reproducible(
        data.load_german_credit(), seed=pipelines.DEFAULT_SEED).model_sha256


def test_verify_compares_a_genuine_model_file_by_bytes_without_unpickling(written_run, monkeypatch):
    """The model file `run` wrote is byte for byte the rebuilt model; pickle.loads never runs."""
    monkeypatch.setattr(pickle, "loads", lambda *a, **k: pytest.fail("unpickled the model file"))
    monkeypatch.setattr(pickle, "load", lambda *a, **k: pytest.fail("unpickled the model file"))
    manifest = run_manifest.load_manifest(written_run / "manifest.json")
    verification = rebuild.verify_run(manifest, written_run / "model.pkl")
    assert run_manifest.mismatches(verification.fields) == []
    (check,) = verification.model_file
    assert check.matches and check.expected == manifest["model_file_sha256"]
    assert not verification.model_opened


@pytest.mark.parametrize("stealthy", [False, True], ids=["loud", "stealthy"])
def test_verify_never_runs_a_hostile_model_file(written_run, stealthy):
    """Issue "Safe by default", finding 1: a pickle that runs code, with the manifest's file
    hash rewritten to match, is never deserialised: no marker, and the file is a mismatch."""
    manifest_path, model_path, marker = hostile_model_file(written_run, stealthy=stealthy)
    verification = rebuild.verify_run(run_manifest.load_manifest(manifest_path), model_path)
    assert not marker.exists()
    assert run_manifest.mismatches(verification.fields) == []  # the manifest itself is genuine
    (check,) = run_manifest.mismatches(verification.model_file)
    assert check.field == "model.pkl sha256 (rebuilt model, pickled)"


def test_recorded_model_diffs_refuses_unless_the_file_is_trusted(written_run):
    """Opening a stored model needs an explicit statement that the file is trusted."""
    manifest_path, model_path, marker = hostile_model_file(written_run, stealthy=True)
    manifest = run_manifest.load_manifest(manifest_path)
    with pytest.raises(rebuild.UntrustedModelFileError, match="runs any code"):
        rebuild.recorded_model_diffs(manifest, model_path)
    assert not marker.exists()
    # Even trusted, the restricted unpickler is a second lock: the file asks for eval, which
    # no fitted model is made of, so it is refused before it is called.
    with pytest.raises(errors.UnsafePickleError, match="builtins.eval"):
        rebuild.recorded_model_diffs(manifest, model_path, trusted=True)
    assert not marker.exists()
