"""Stage 4 — data and model legacy: run manifests, rebuilds, field-level diffs, model cards
and what a lone pickle can (not) say."""

from __future__ import annotations

import json
import pickle
import shutil
import time
import tomllib

import pytest

from case_study import codes, data, paths, pipelines
from case_study import stage4_legacy as s4
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
    return json.loads(json.dumps(s4.build_run_manifest(run)))


@pytest.fixture(scope="module")
def card(run, frame):
    return s4.model_card(run, frame, seed=pipelines.DEFAULT_SEED, n_boot=400)


# ----------------------------------------------------------------------------- manifest


def test_manifest_records_every_required_key(manifest):
    """A newcomer finds data, code, params, seed, environment, metrics and hashes in one file."""
    for key in (*s4.REQUIRED_KEYS, "created_at"):
        assert key in manifest
    assert manifest["pipeline"] == "reproducible"
    assert manifest["seed"] == pipelines.DEFAULT_SEED
    assert manifest["params"] == pipelines.DEFAULT_PARAMS


def test_manifest_hashes_name_the_data_the_code_and_the_library_versions(manifest, run):
    """The manifest cites the verified data hash, a hash of the case study's code and the versions."""
    assert manifest["data_sha256"] == data.german_credit_sha256()
    assert s4.is_sha256(manifest["code_version"]["sha256"])
    assert "pipelines.py" in manifest["code_version"]["files"]
    assert set(manifest["environment"]["packages"]) == set(s4.TRACKED_PACKAGES)
    assert manifest["model_sha256"] == run.model_sha256
    assert manifest["predictions_sha256"] == run.predictions_sha256
    assert manifest["metrics"] == run.metrics


def test_code_version_changes_when_a_source_file_changes(tmp_path):
    """Editing any case-study source changes the recorded code version."""
    for name in ("a.py", "b.py"):
        (tmp_path / name).write_text(f"# {name}\n")
    before = s4.code_version(tmp_path)["sha256"]
    (tmp_path / "b.py").write_text("# b, edited\n")
    assert s4.code_version(tmp_path)["sha256"] != before


def test_changed_code_files_names_the_edited_file(tmp_path):
    """When the code version differs, the manifest's per-file hashes say which file changed."""
    for name in ("a.py", "b.py"):
        (tmp_path / name).write_text(f"# {name}\n")
    manifest = {"code_version": s4.code_version(tmp_path)}
    (tmp_path / "b.py").write_text("# b, edited\n")
    (tmp_path / "c.py").write_text("# new\n")
    assert s4.changed_code_files(manifest, tmp_path) == ["b.py", "c.py"]


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
    bookkeeping = fastest(lambda: s4.build_run_manifest(run), repeats=3)
    assert bookkeeping < 0.2 * bare


def test_rebuild_of_a_reproducible_manifest_matches_every_field(manifest):
    """Rebuilding from the manifest alone gives the same data, code, versions, metrics and hashes."""
    diffs = s4.rebuild_from_manifest(manifest)
    fields = {d.field for d in diffs}
    for field in ("data_sha256", "code_version.sha256", "seed", "params.n_estimators",
                  "environment.packages.scikit-learn", "metrics.roc_auc", "model_sha256", "predictions_sha256"):
        assert field in fields
    assert s4.mismatches(diffs) == []


def test_rebuild_catches_a_changed_parameter(manifest):
    """A manifest whose n_estimators was edited no longer rebuilds the recorded model."""
    edited = s4.with_field(manifest, "params.n_estimators", 50)
    differing = {d.field for d in s4.mismatches(s4.rebuild_from_manifest(edited))}
    assert {"model_sha256", "predictions_sha256"} <= differing


def test_changing_one_field_shows_it_and_every_result_it_moved(manifest):
    """Change the seed, rebuild: the diff names the seed, then the model, predictions and metrics."""
    differing = s4.mismatches(s4.rebuild_with_change(manifest, "seed", pipelines.DEFAULT_SEED + 1))
    assert differing[0].field == "seed"
    assert (differing[0].expected, differing[0].actual) == (pipelines.DEFAULT_SEED, pipelines.DEFAULT_SEED + 1)
    names = {d.field for d in differing}
    assert {"model_sha256", "predictions_sha256", "metrics.roc_auc"} <= names
    assert not names & {"data_sha256", "code_version.sha256", "params.n_estimators"}


def test_rebuild_of_an_irreproducible_manifest_differs(frame):
    """Even with a manifest, the irreproducible pipeline cannot give its model back."""
    legacy = json.loads(json.dumps(s4.build_run_manifest(pipelines.train_irreproducible(frame))))
    differing = {d.field for d in s4.mismatches(s4.rebuild_from_manifest(legacy))}
    assert {"model_sha256", "predictions_sha256"} <= differing


def test_diff_manifests_finds_the_one_changed_metric(manifest):
    """Two manifests, one metric changed: the diff names exactly that field."""
    other = s4.with_field(manifest, "metrics.roc_auc", 0.5)
    differing = s4.mismatches(s4.diff_manifests(manifest, other))
    assert [(d.field, d.expected, d.actual) for d in differing] == [
        ("metrics.roc_auc", manifest["metrics"]["roc_auc"], 0.5)
    ]


def test_diff_manifests_shows_a_field_one_side_lacks_as_absent(manifest):
    """A parameter recorded on one side only shows up as absent on the other."""
    other = json.loads(json.dumps(manifest))
    del other["params"]["max_depth"]
    (diff,) = s4.mismatches(s4.diff_manifests(manifest, other))
    assert diff.field == "params.max_depth" and diff.actual == s4.ABSENT


def test_rebuild_refuses_data_other_than_the_manifest_names(manifest):
    """A manifest citing another data version is refused, naming both hashes."""
    edited = s4.with_field(manifest, "data_sha256", "0" * 64)
    with pytest.raises(s4.DataMismatchError) as error:
        s4.rebuild_from_manifest(edited)
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
        s4.rebuild_from_manifest(manifest, raw_dir=raw, data_manifest_path=data_manifest)


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
        s4.rebuild_from_manifest(s4.with_field(manifest, field, value))


def test_a_manifest_missing_keys_names_them(manifest):
    """A manifest missing keys lists every missing key."""
    partial = {k: v for k, v in manifest.items() if k not in ("seed", "metrics")}
    with pytest.raises(ManifestError, match="lacks seed, metrics"):
        s4.validate_manifest(partial)


def test_params_the_library_rejects_are_a_manifest_error(manifest):
    """A parameter value scikit-learn refuses is reported as a manifest problem, not a crash."""
    with pytest.raises(ManifestError, match="rejected"):
        s4.rebuild_from_manifest(s4.with_field(manifest, "params.criterion", "magic"))


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("params.n_estimators", 2**31 - 1, "'params.n_estimators' must be a whole number from 1 to 500"),
        ("params.n_estimators", 0, "from 1 to 500"),
        ("params.n_estimators", "many", "from 1 to 500; found 'many'"),
        ("params.n_estimators", 100.0, "whole number"),
        ("params.n_estimators", True, "whole number"),
        ("params.max_depth", 51, "'params.max_depth' must be a whole number from 1 to 50 or null"),
        ("params.max_depth", 0, "from 1 to 50"),
        ("params.min_samples_leaf", 101, "'params.min_samples_leaf' must be a whole number from 1 to 100"),
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
        s4.with_field(manifest, field, value)
    with pytest.raises(ManifestError, match=message):
        s4.rebuild_with_change(manifest, field, value)
    # The same manifest edited by hand, not through with_field, is refused by the rebuild.
    edited = json.loads(json.dumps(manifest))
    *parents, leaf = field.split(".")
    (edited[parents[0]] if parents else edited)[leaf] = value
    with pytest.raises(ManifestError, match=message):
        s4.rebuild_run(edited)
    assert time.perf_counter() - started < 0.5  # refused before a forest is grown


def test_fields_inside_their_ranges_still_rebuild(manifest):
    """The bounds leave room to explore: a small forest with a depth limit rebuilds fine."""
    assert s4.with_field(manifest, "params.max_depth", None)["params"]["max_depth"] is None
    run, _ = s4.rebuild_run(s4.with_field(s4.with_field(manifest, "params.n_estimators", 5), "params.max_depth", 3))
    assert run.params["n_estimators"] == 5 and run.params["max_depth"] == 3


def test_load_manifest_reports_a_missing_file_and_bad_json(tmp_path):
    """Missing or malformed manifest files give a clear ManifestError."""
    with pytest.raises(ManifestError, match="No run manifest"):
        s4.load_manifest(tmp_path / "nope.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{ not json", encoding="utf-8")
    with pytest.raises(ManifestError, match="not valid JSON"):
        s4.load_manifest(bad)


def test_written_model_file_hashes_to_the_manifest_and_names_an_edited_input(run, tmp_path):
    """model.pkl beside the manifest is the recorded model, and exposes a later edit of params."""
    manifest_path, model_path = s4.write_run(run, tmp_path / "out")
    manifest = s4.load_manifest(manifest_path)
    assert sha256_file(model_path) == manifest["model_file_sha256"]
    assert sha256_model(pickle.loads(model_path.read_bytes())) == manifest["model_sha256"] == run.model_sha256
    diffs = s4.recorded_model_diffs(manifest, model_path)
    assert s4.mismatches(diffs) == []
    assert {"model.pkl file sha256", "model.pkl content (model_sha256)", "params.n_estimators", "seed"} <= {
        d.field for d in diffs}
    edited = s4.with_field(manifest, "params.n_estimators", 50)
    (diff,) = s4.mismatches(s4.recorded_model_diffs(edited, model_path))
    assert (diff.field, diff.expected, diff.actual) == ("params.n_estimators", 50, 100)


def test_a_model_file_that_is_not_the_recorded_one_is_never_unpickled(run, tmp_path, monkeypatch):
    """Another file beside the manifest, or a manifest without the file's hash: one mismatch, file closed."""
    manifest_path, model_path = s4.write_run(run, tmp_path / "out")
    manifest = s4.load_manifest(manifest_path)
    monkeypatch.setattr(s4.pickle, "loads", lambda blob: pytest.fail("unpickled an unchecked file"))
    model_path.write_bytes(model_path.read_bytes() + b"\0")
    (diff,) = s4.recorded_model_diffs(manifest, model_path)
    assert diff.field == "model.pkl file sha256" and not diff.matches
    unrecorded = {k: v for k, v in manifest.items() if k != "model_file_sha256"}
    (diff,) = s4.recorded_model_diffs(unrecorded, model_path)
    assert diff.expected == s4.ABSENT and not diff.matches


@pytest.mark.parametrize("where", ["raw/runs", "", "runs", "raw"], ids=["raw-sub", "data", "data-sub", "raw"])
def test_write_run_refuses_any_folder_inside_the_data_folder(run, where):
    """`run --out data` must not overwrite data/manifest.json: the whole data folder is refused."""
    before = paths.DATA_MANIFEST.read_bytes()
    target = paths.DATA_DIR / where if where else paths.DATA_DIR
    existed = target.exists()
    with pytest.raises(s4.UnsafeOutputError, match="inside the data folder"):
        s4.write_run(run, target)
    assert paths.DATA_MANIFEST.read_bytes() == before
    assert target.exists() == existed


# --------------------------------------------------------------------------- model card


def test_group_sizes_sum_to_the_test_size_for_every_factor(card, run):
    """Every hold-out applicant is counted exactly once per factor."""
    sizes = card.groups.groupby("factor")["n"].sum()
    assert set(sizes.index) == set(s4.GROUP_FACTORS)
    assert (sizes == run.n_test).all()


def test_bootstrap_intervals_are_seeded(run, frame):
    """The same seed gives the same intervals; another seed gives others."""
    one = s4.group_metrics(run, frame, seed=1, n_boot=300)
    again = s4.group_metrics(run, frame, seed=1, n_boot=300)
    other = s4.group_metrics(run, frame, seed=2, n_boot=300)
    columns = ["accuracy_low", "accuracy_high", "expected_cost_low", "expected_cost_high"]
    assert one[columns].equals(again[columns])
    assert not one[columns].equals(other[columns])


def test_bootstrap_interval_contains_the_point_estimate(card):
    """Each non-empty group's accuracy lies inside its own interval."""
    present = card.groups[card.groups["n"] > 0]
    assert (present["accuracy_low"] <= present["accuracy"]).all()
    assert (present["accuracy"] <= present["accuracy_high"]).all()


def test_small_groups_are_flagged_and_large_ones_are_not(card):
    """Groups below the size threshold are flagged too small to trust; big ones pass."""
    groups = card.groups
    small = groups[(groups["n"] > 0) & (groups["n"] < s4.MIN_GROUP_SIZE)]
    assert len(small) and small["too_small"].all()
    foreign_no = groups[(groups["factor"] == "foreign_worker") & (groups["group"] == "no")].iloc[0]
    assert foreign_no["too_small"]
    assert any(text.startswith("foreign_worker = no") for text in card.too_small)
    largest = groups.loc[groups["n"].idxmax()]
    assert not largest["too_small"]


def test_attribute_9_caveat_travels_with_the_card(card):
    """Wherever the card breaks metrics down by attribute 9, it states the documented caveat."""
    assert codes.ATTRIBUTE_9_CAVEAT in card.caveats
    rows = card.groups[card.groups["factor"] == "personal_status_sex"]
    assert (rows["note"] == codes.ATTRIBUTE_9_CAVEAT).all()
    assert codes.ATTRIBUTE_9_CAVEAT in s4.render_model_card_markdown(card)


def test_card_has_mitchells_nine_sections_in_markdown(card):
    """The card follows Mitchell et al.: nine sections, each rendered with its title."""
    assert list(card.sections) == list(s4.SECTION_TITLES)
    markdown = s4.render_model_card_markdown(card)
    for title in s4.SECTION_TITLES.values():
        assert f"## {title}" in markdown
    assert "### By foreign_worker" in markdown


# ------------------------------------------------------------------------ legacy pickle


def test_the_pickle_alone_cannot_say_which_data_code_seed_or_score(run, tmp_path):
    """From model_final_v2.pkl alone, code, seed, metrics and a rebuild are unknown."""
    irreproducible = pipelines.train_irreproducible(data.load_german_credit())
    path = s4.write_legacy_pickle(tmp_path, irreproducible.model)
    assert path.name == s4.LEGACY_PICKLE_NAME
    answers = s4.interrogate_pickle(path)
    assert set(answers) == set(s4.LEGACY_QUESTIONS)
    for key in ("code", "seed", "metrics", "rebuild", "groups"):
        assert answers[key][0] == "unknown"
    assert answers["data"][0] != "yes"
    assert "scikit-learn" in answers["versions"][1]


def test_the_manifest_answers_every_question_the_pickle_cannot(run, manifest, card, tmp_path):
    """Each newcomer question gets an answer from the manifest and card."""
    path = s4.write_legacy_pickle(tmp_path, run.model)
    answers = s4.legacy_questions(path, manifest, card)
    assert len(answers) == len(s4.LEGACY_QUESTIONS)
    assert all(a.from_manifest for a in answers)
    seed_answer = next(a for a in answers if a.question == s4.LEGACY_QUESTIONS["seed"])
    assert str(pipelines.DEFAULT_SEED) in seed_answer.from_manifest


# --------------------------------------------------------------------- stage functions


def test_side_by_side_has_the_contract_columns():
    """`python -m case_study stage 4` gets a figure / irreproducible / reproducible table."""
    table = s4.side_by_side()
    assert list(table.columns) == ["figure", "irreproducible", "reproducible"]
    reproducible = dict(zip(table["figure"], table["reproducible"]))
    matched = reproducible["compared fields matching after rebuild"].split(" of ")
    assert matched[0] == matched[1]


def test_check_answers_agree_with_the_computations():
    """The reference answers in lessons/04-legacy/checks.toml match what the code computes."""
    checks = tomllib.loads((paths.LESSONS_DIR / "04-legacy" / "checks.toml").read_text(encoding="utf-8"))["check"]
    computed = [c for c in checks if c["kind"] == "predict_then_run"]
    assert len(computed) >= 1
    for check in computed:
        module, function = check["compute"].split(":")
        assert module == "case_study.stage4_legacy"
        actual = getattr(s4, function)()
        assert abs(actual - check["answer"]) <= check["tolerance"]
