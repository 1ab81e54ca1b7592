"""The run manifest: what it records, how it is validated, read, written and diffed."""

from __future__ import annotations

import json

import pytest

from case_study import data, errors, hashing, model_card, paths, pipelines, run_manifest
from case_study.errors import ManifestError


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


def test_manifest_records_every_required_key(manifest):
    """A newcomer finds data, code, params, seed, environment, metrics and hashes in one file."""
    for key in (*run_manifest.REQUIRED_KEYS, "created_at"):
        assert key in manifest
    assert manifest["pipeline"] == "reproducible"
    assert manifest["seed"] == pipelines.DEFAULT_SEED
    assert manifest["params"] == pipelines.DEFAULT_PARAMS


def test_manifest_hashes_name_the_data_the_code_and_the_library_versions(manifest, run):
    """The manifest cites the verified data hash, a hash of the case study's code, the versions."""
    assert manifest["data_sha256"] == data.german_credit_sha256()
    assert hashing.is_sha256(manifest["code_version"]["sha256"])
    assert "pipelines.py" in manifest["code_version"]["files"]
    assert set(manifest["environment"]["packages"]) == set(run_manifest.TRACKED_PACKAGES)
    assert manifest["model_sha256"] == run.model_sha256
    assert manifest["predictions_sha256"] == run.predictions_sha256
    assert manifest["metrics"] == run.metrics


def test_code_version_changes_when_a_source_file_changes(tmp_path):
    """Editing any case-study source changes the recorded code version."""
    for name in ("a.py", "b.py"):
        (tmp_path / name).write_text(f"# {name}\n")
    before = run_manifest.code_version(tmp_path)["sha256"]
    (tmp_path / "b.py").write_text("# b, edited\n")
    assert run_manifest.code_version(tmp_path)["sha256"] != before


def test_changed_code_files_names_the_edited_file(tmp_path):
    """When the code version differs, the manifest's per-file hashes say which file changed."""
    for name in ("a.py", "b.py"):
        (tmp_path / name).write_text(f"# {name}\n")
    manifest = {"code_version": run_manifest.code_version(tmp_path)}
    (tmp_path / "b.py").write_text("# b, edited\n")
    (tmp_path / "c.py").write_text("# new\n")
    assert run_manifest.changed_code_files(manifest, tmp_path) == ["b.py", "c.py"]


def test_manifest_bookkeeping_costs_a_small_fraction_of_a_training_run(frame, run):
    """Hashing the code and writing the manifest adds well under a fifth to a bare training run."""
    import time

    def fastest(work, repeats=2):
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            work()
            times.append(time.perf_counter() - start)
        return min(times)

    bare = fastest(lambda: pipelines.train_irreproducible(frame))
    bookkeeping = fastest(lambda: run_manifest.build_run_manifest(run), repeats=3)
    assert bookkeeping < 0.2 * bare


def test_diff_manifests_finds_the_one_changed_metric(manifest):
    """Two manifests, one metric changed: the diff names exactly that field."""
    other = run_manifest.with_field(manifest, "metrics.roc_auc", 0.5)
    differing = run_manifest.mismatches(run_manifest.diff_manifests(manifest, other))
    assert [(d.field, d.expected, d.actual) for d in differing] == [
        ("metrics.roc_auc", manifest["metrics"]["roc_auc"], 0.5)
    ]


def test_diff_manifests_shows_a_field_one_side_lacks_as_absent(manifest):
    """A parameter recorded on one side only shows up as absent on the other."""
    other = json.loads(json.dumps(manifest))
    del other["params"]["max_depth"]
    (diff,) = run_manifest.mismatches(run_manifest.diff_manifests(manifest, other))
    assert diff.field == "params.max_depth" and diff.actual == run_manifest.ABSENT


def test_a_manifest_missing_keys_names_them(manifest):
    """A manifest missing keys lists every missing key."""
    partial = {k: v for k, v in manifest.items() if k not in ("seed", "metrics")}
    with pytest.raises(ManifestError, match="lacks seed, metrics"):
        run_manifest.validate_manifest(partial)


def test_load_manifest_reports_a_missing_file_and_bad_json(tmp_path):
    """Missing or malformed manifest files give a clear ManifestError."""
    with pytest.raises(ManifestError, match="No run manifest"):
        run_manifest.load_manifest(tmp_path / "nope.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{ not json", encoding="utf-8")
    with pytest.raises(ManifestError, match="not valid JSON"):
        run_manifest.load_manifest(bad)


@pytest.mark.parametrize(
    "where", ["raw/runs", "", "runs", "raw"], ids=["raw-sub", "data", "data-sub", "raw"]
)
def test_write_run_refuses_any_folder_inside_the_data_folder(run, where):
    """`run --out data` must not overwrite data/manifest.json: the whole data folder is refused."""
    before = paths.DATA_MANIFEST.read_bytes()
    target = paths.DATA_DIR / where if where else paths.DATA_DIR
    existed = target.exists()
    with pytest.raises(errors.UnsafeOutputError, match="inside the data folder"):
        run_manifest.write_run(run, target)
    assert paths.DATA_MANIFEST.read_bytes() == before
    assert target.exists() == existed
