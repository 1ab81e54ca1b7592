"""case_study.data: raw files verified against the manifest on every load, then decoded as code."""

from __future__ import annotations

import json
import shutil

import pytest

from case_study import codes, data, paths
from case_study.errors import DataIntegrityError
from case_study.hashing import sha256_bytes

# From data/raw's provenance notes (../shared/data/*/PROVENANCE.md): the bytes we ship.
GERMAN_CREDIT_SHA256 = "b21f3d81db8071257d5ff1deaeba1fd4303b62712e6fcc9715c7a86202cb5871"
CODE_CHECKLIST_SHA256 = "7e87f594c87e48f201c6bc0bad56ed46383dd14da15c7cbbdd647ad784ecda5a"


@pytest.fixture
def raw_copy(tmp_path):
    """A private copy of data/raw that a test may damage; data/raw itself is never touched."""
    copy = tmp_path / "raw"
    # copyfile, not copy2: the raw files are read-only, and the copies must be writable.
    shutil.copytree(paths.RAW_DIR, copy, copy_function=shutil.copyfile)
    return copy


def _expected_sha() -> str:
    manifest = json.loads(paths.DATA_MANIFEST.read_text(encoding="utf-8"))
    return manifest["files"][paths.GERMAN_CREDIT]["sha256"]


def test_manifest_matches_a_fresh_build_of_data_raw():
    """The committed manifest is exactly what build_manifest() computes from data/raw today."""
    committed = json.loads(paths.DATA_MANIFEST.read_text(encoding="utf-8"))
    assert committed == data.build_manifest(paths.RAW_DIR)
    # Written as json.dumps(..., indent=2, sort_keys=True) plus a newline, so a rebuild diffs
    # cleanly.
    rebuilt = json.dumps(data.build_manifest(paths.RAW_DIR), indent=2, sort_keys=True) + "\n"
    assert paths.DATA_MANIFEST.read_text(encoding="utf-8") == rebuilt


def test_manifest_records_the_hashes_from_the_provenance_notes():
    """The hashes in the manifest are the ones the data's provenance notes publish."""
    assert data.german_credit_sha256() == GERMAN_CREDIT_SHA256
    manifest = data.read_manifest()
    assert manifest["files"][paths.CODE_CHECKLIST]["sha256"] == CODE_CHECKLIST_SHA256
    assert manifest["files"][paths.GERMAN_CREDIT]["rows"] == 1000
    assert manifest["files"][paths.CODE_CHECKLIST]["rows"] == 221


def test_a_tampered_copy_is_refused_with_both_hashes_and_what_changed(raw_copy):
    """One code changed in one row: the loader names both hashes and the value counts that moved."""
    path = raw_copy / paths.GERMAN_CREDIT
    original = path.read_bytes()
    first_line, rest = original.split(b"\n", 1)
    assert first_line.startswith(b"A11 ")
    tampered = b"A12 " + first_line[4:] + b"\n" + rest
    path.write_bytes(tampered)
    with pytest.raises(DataIntegrityError) as raised:
        data.load_german_credit(raw_dir=raw_copy)
    message = str(raised.value)
    assert _expected_sha() in message
    assert sha256_bytes(tampered) in message
    assert "values changed in column 'checking_status'" in message
    assert "A11 274→273" in message and "A12 269→270" in message
    assert "Refusing to load" in message


def test_a_truncated_file_is_refused_and_the_message_counts_the_rows(raw_copy):
    """Half the file missing (a broken download): refused, with expected and found row counts."""
    path = raw_copy / paths.GERMAN_CREDIT
    lines = path.read_bytes().split(b"\n")
    truncated = b"\n".join(lines[:500]) + b"\n"
    path.write_bytes(truncated)
    with pytest.raises(DataIntegrityError) as raised:
        data.load_german_credit(raw_dir=raw_copy)
    message = str(raised.value)
    assert "rows: expected 1000, found 500" in message
    assert _expected_sha() in message and sha256_bytes(truncated) in message


def test_a_missing_file_is_refused_with_the_hash_to_restore(raw_copy):
    """The raw file is gone: the error names the file, the expected hash and what to do."""
    (raw_copy / paths.GERMAN_CREDIT).unlink()
    with pytest.raises(DataIntegrityError) as raised:
        data.load_german_credit(raw_dir=raw_copy)
    message = str(raised.value)
    assert "is missing" in message and _expected_sha() in message
    assert "Restore" in message


def test_a_missing_manifest_is_refused_with_how_to_restore_it(tmp_path):
    """No manifest, no load: the message says how to get it back."""
    with pytest.raises(DataIntegrityError, match="is missing.*git checkout -- data/manifest.json"):
        data.load_german_credit(manifest_path=tmp_path / "manifest.json")


def test_a_manifest_that_is_not_json_is_refused(tmp_path):
    """A damaged manifest is reported as such, not as a confusing JSON traceback."""
    manifest = tmp_path / "manifest.json"
    manifest.write_text("{ this is not json", encoding="utf-8")
    with pytest.raises(DataIntegrityError, match="not valid JSON"):
        data.load_german_credit(manifest_path=manifest)


def test_a_manifest_without_a_files_table_is_refused(tmp_path):
    """Valid JSON of the wrong shape is refused too."""
    manifest = tmp_path / "manifest.json"
    manifest.write_text('{"manifest_version": 1}', encoding="utf-8")
    with pytest.raises(DataIntegrityError, match="no 'files' table"):
        data.load_german_credit(manifest_path=manifest)


def test_a_file_the_manifest_does_not_list_is_refused(tmp_path):
    """A raw file that nobody recorded a hash for cannot be loaded."""
    manifest = tmp_path / "manifest.json"
    manifest.write_text('{"manifest_version": 1, "files": {}}', encoding="utf-8")
    with pytest.raises(DataIntegrityError, match="not listed"):
        data.load_german_credit(manifest_path=manifest)


def test_decoding_gives_1000_rows_21_columns_700_good_300_bad_and_no_unknown_codes():
    """The decoded loan table has the documented shape, class balance and documented meanings."""
    frame = data.load_german_credit()
    assert frame.shape == (1000, 21)
    assert list(frame.columns) == [c for c in codes.COLUMNS if c != "class"] + [codes.TARGET]
    assert frame[codes.TARGET].value_counts().to_dict() == {"good": 700, "bad": 300}
    assert not frame.isna().any().any()
    for column in codes.NUMERIC_COLUMNS:
        assert str(frame[column].dtype) == "int64"
    for column, meanings in codes.CODE_MEANINGS.items():
        assert set(frame[column]) <= set(meanings.values()), column


def test_an_undocumented_code_is_refused_by_the_decoder():
    """A code that the documentation does not define stops the decoding, naming column and code."""
    raw = data.read_verified_bytes(paths.GERMAN_CREDIT)
    first_line, rest = raw.split(b"\n", 1)
    bad = b"A19 " + first_line[4:] + b"\n" + rest
    with pytest.raises(DataIntegrityError, match=r"'checking_status'.*A19"):
        data.decode_german_credit(bad)


def test_the_code_checklist_loads_verified_with_its_eight_columns():
    """The Papers with Code CSV loads after its hash check: 221 repositories, 8 columns."""
    frame = data.load_code_checklist()
    assert frame.shape == (221, 8)
    assert list(frame.columns) == [
        "url",
        "stars",
        "python",
        "training",
        "evaluation",
        "pretrained_model",
        "results",
        "dependencies",
    ]


def test_a_tampered_checklist_is_refused_too(raw_copy):
    """The warm-up's CSV is protected the same way as the loan data."""
    path = raw_copy / paths.CODE_CHECKLIST
    path.write_bytes(path.read_bytes().replace(b",654,", b",6540,", 1))
    with pytest.raises(DataIntegrityError, match="values changed in column 'stars'"):
        data.load_code_checklist(raw_dir=raw_copy)


def _manifest_with_entry(tmp_path, entry) -> object:
    manifest = json.loads(paths.DATA_MANIFEST.read_text(encoding="utf-8"))
    manifest["files"][paths.GERMAN_CREDIT] = entry
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(manifest), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "entry",
    [{"bytes": 1}, "b21f3d81", ["sha256"], None, {"sha256": 42}, {"sha256": "not-a-hash"}],
    ids=["no-sha256", "a-string", "a-list", "null", "a-number", "not-hex"],
)
def test_a_damaged_manifest_entry_is_refused_with_a_clear_message(tmp_path, entry):
    """A hand-edited entry without a usable SHA-256 is a DataIntegrityError, not a KeyError."""
    manifest = _manifest_with_entry(tmp_path, entry)
    with pytest.raises(
        DataIntegrityError, match="is damaged: expected a table with a 64-character hex 'sha256'"
    ):
        data.load_german_credit(manifest_path=manifest)
    with pytest.raises(DataIntegrityError, match="Restore the manifest from version control"):
        data.german_credit_sha256(manifest)


def test_a_damaged_profile_still_gives_a_readable_refusal(tmp_path):
    """A valid hash beside garbage profiles: a changed file is still refused with both hashes."""
    entry = {"sha256": "0" * 64, "columns": "oops", "column_profiles": ["oops"], "rows": None}
    manifest = _manifest_with_entry(tmp_path, entry)
    with pytest.raises(DataIntegrityError, match=r"expected SHA-256 0{64}, found [0-9a-f]{64}"):
        data.load_german_credit(manifest_path=manifest)


# --- verify_raw_files: every listed file hashed again, on each page view ------------------

def test_verify_raw_files_accepts_the_shipped_data():
    """The shipped data/raw is exactly what the manifest lists: nothing is raised."""
    assert data.verify_raw_files() is None
    assert data.verify_raw_files(names=[paths.CODE_CHECKLIST]) is None


@pytest.mark.parametrize("name", [paths.GERMAN_CREDIT, paths.CODE_CHECKLIST])
def test_verify_raw_files_refuses_any_changed_file_as_the_loader_does(raw_copy, name):
    """One byte changed in either listed file: refused with the very message the loader gives
    (both hashes, what changed), so the app says the same thing wherever it notices."""
    path = raw_copy / name
    original = path.read_bytes()
    path.write_bytes(original[:-2] + bytes([original[-2] ^ 1]) + original[-1:])
    with pytest.raises(DataIntegrityError) as verified:
        data.verify_raw_files(raw_dir=raw_copy)
    with pytest.raises(DataIntegrityError) as loaded:
        data.read_verified_bytes(name, raw_copy)
    assert str(verified.value) == str(loaded.value)
    assert "does not match the manifest" in str(verified.value)
    assert sha256_bytes(path.read_bytes()) in str(verified.value)


def test_verify_raw_files_checks_only_the_named_files_when_asked(raw_copy):
    """A demo that reads only the checklist is not refused for a changed loan file, but a demo
    that reads the loan file is."""
    path = raw_copy / paths.GERMAN_CREDIT
    path.write_bytes(path.read_bytes().replace(b"A11 ", b"A12 ", 1))
    data.verify_raw_files(raw_dir=raw_copy, names=[paths.CODE_CHECKLIST])
    with pytest.raises(DataIntegrityError, match="does not match the manifest"):
        data.verify_raw_files(raw_dir=raw_copy, names=[paths.GERMAN_CREDIT])


def test_verify_raw_files_refuses_a_missing_file_and_a_missing_manifest(raw_copy, tmp_path):
    """A listed file that is gone, or no manifest at all: refused, saying how to restore it."""
    (raw_copy / paths.CODE_CHECKLIST).unlink()
    with pytest.raises(DataIntegrityError, match="is missing.*Restore"):
        data.verify_raw_files(raw_dir=raw_copy)
    with pytest.raises(DataIntegrityError, match="is missing.*git checkout -- data/manifest.json"):
        data.verify_raw_files(manifest_path=tmp_path / "manifest.json")


@pytest.mark.parametrize("name", ["../manifest.json", "/etc/hostname", "sub/german.data", ".."])
def test_verify_raw_files_refuses_a_manifest_entry_that_points_outside_raw(tmp_path, name):
    """A hand-edited manifest cannot make the app read a file outside data/raw."""
    manifest = json.loads(paths.DATA_MANIFEST.read_text(encoding="utf-8"))
    manifest["files"][name] = {"sha256": "0" * 64}
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(DataIntegrityError, match="not a plain file name"):
        data.verify_raw_files(manifest_path=path)
