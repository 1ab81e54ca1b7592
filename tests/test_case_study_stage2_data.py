"""Stage 2: a silent upstream update (refused by the verified loader, swallowed by the notebook's)
and three leaks, fitted before the split vs inside the Pipeline."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from case_study import codes, data, paths
from case_study import stage2_data as s2
from case_study.errors import DataIntegrityError, RawDirectoryError
from case_study.hashing import sha256_bytes, sha256_file


@pytest.fixture
def updated_dir(tmp_path):
    """A temporary folder holding the re-coded german.data."""
    s2.write_upstream_update(tmp_path)
    return tmp_path


def _raw_fingerprint() -> dict[str, str]:
    return {p.name: sha256_file(p) for p in sorted(paths.RAW_DIR.iterdir())}


def test_the_update_renumbers_one_column_and_keeps_every_other_byte():
    """Only checking_status changes; every other field, separator and line ending is kept."""
    original = data.read_verified_bytes(paths.GERMAN_CREDIT)
    updated = s2.recode_german_credit(original)
    assert len(updated) == len(original) and updated.count(b"\n") == original.count(b"\n")
    position = codes.COLUMNS.index("checking_status")
    changed_columns = set()
    for old_line, new_line in zip(original.split(b"\n"), updated.split(b"\n"), strict=True):
        pairs = zip(old_line.split(b" "), new_line.split(b" "), strict=True)
        for index, (old, new) in enumerate(pairs):
            if old != new:
                changed_columns.add(index)
                assert s2.UPSTREAM_RECODING[old.decode()] == new.decode()
    assert changed_columns == {position}


def test_the_tampered_copy_is_refused_with_both_hashes_and_what_changed(updated_dir):
    """The verified loader refuses the update, naming the manifest's hash, the new hash and the
    codes whose counts moved."""
    new_sha = sha256_bytes((updated_dir / paths.GERMAN_CREDIT).read_bytes())
    with pytest.raises(DataIntegrityError) as raised:
        data.load_german_credit(raw_dir=updated_dir)
    message = str(raised.value)
    assert data.german_credit_sha256() in message and new_sha in message
    assert "values changed in column 'checking_status'" in message
    assert "A14 394→63" in message


def test_the_notebook_loader_silently_gives_a_different_score(updated_dir):
    """Same code, same seed, updated file: another ROC AUC, and not one warning."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any warning would fail the test
        before = s2.train_and_score(s2.load_irreproducible(paths.RAW_DIR))
        after = s2.train_and_score(s2.load_irreproducible(updated_dir))
    assert abs(after - before) > 0.01
    assert before == s2.train_and_score(s2.load_irreproducible(paths.RAW_DIR))


def test_the_schema_check_passes_on_the_changed_data(updated_dir):
    """Same columns, dtypes, rows and only documented codes: the schema check cannot see it."""
    result = s2.schema_check(updated_dir / paths.GERMAN_CREDIT, paths.RAW_DIR / paths.GERMAN_CREDIT)
    assert result.passed and result.problems == ()
    assert (result.columns, result.rows) == (21, 1000)


def test_the_schema_check_does_fail_on_a_changed_shape_or_an_undocumented_code(tmp_path):
    """The schema check is a real check: fewer rows or an unknown code make it fail."""
    original = data.read_verified_bytes(paths.GERMAN_CREDIT)
    short = tmp_path / "short.data"
    short.write_bytes(b"\n".join(original.split(b"\n")[:10]) + b"\n")
    unknown = tmp_path / "unknown.data"
    unknown.write_bytes(original.replace(b"A11 ", b"A19 ", 1))
    reference = paths.RAW_DIR / paths.GERMAN_CREDIT
    assert "rows: expected 1000, found 10" in s2.schema_check(short, reference).problems
    assert not s2.schema_check(unknown, reference).passed


def test_upstream_update_runs_end_to_end_and_writes_nothing_into_data_raw():
    """The whole demo (a) runs in a temporary folder; data/raw is byte for byte as before."""
    before = _raw_fingerprint()
    update = s2.upstream_update()
    assert _raw_fingerprint() == before
    assert update.original_sha256 == data.german_credit_sha256()
    assert update.updated_sha256 != update.original_sha256
    assert update.updated_sha256 in update.reproducible_error
    assert update.irreproducible_warnings == ()
    assert update.schema_check_updated.passed
    assert update.irreproducible_change == round(
        update.irreproducible_auc_updated - update.irreproducible_auc_original, 6)


def test_the_notebook_loader_says_nothing_about_the_changed_file(tmp_path):
    """No error, no warning of any kind: the irreproducible path really is silent (which is why
    UpstreamUpdate reports nothing without capturing warnings in a shared server)."""
    s2.write_upstream_update(tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any warning would fail this test
        changed = s2.train_and_score(s2.load_irreproducible(tmp_path))
        original = s2.train_and_score(s2.load_irreproducible(paths.RAW_DIR))
    assert changed != original  # it did read another file, and said nothing


def test_writing_the_update_into_data_raw_is_refused():
    """Raw data is read-only: the helper will not write its copy there."""
    with pytest.raises(RawDirectoryError, match="read-only"):
        s2.write_upstream_update(paths.RAW_DIR)


@pytest.mark.parametrize("leak", ["selection", "oversampling"])
def test_leaky_scores_beat_clean_ones_on_every_seed(leak):
    """Selection and oversampling before the split inflate the ROC AUC on each of five seeds."""
    table = s2.leakage_over_seeds()
    rows = table[table["leak"] == leak]
    assert len(rows) == len(s2.LEAKAGE_SEEDS) == 5
    assert (rows["leaky_auc"] > rows["clean_auc"]).all()
    assert rows["leaky_auc"].mean() - rows["clean_auc"].mean() > 0.02


def test_oversampling_before_the_split_inflates_more_than_selection():
    """Copies on both sides of the split are recognised: the biggest of the three leaks."""
    summary = s2.summarise_leakage(s2.leakage_over_seeds()).set_index("leak")
    difference = summary["mean_difference"]
    assert difference.loc["oversampling"] > difference.loc["selection"]
    assert summary.loc["selection", "leaky_higher_in"] == 5


def test_scaling_before_the_split_is_a_leak_but_a_small_one():
    """The scaler learns a mean and a spread per column: the score moves by under a thousandth."""
    summary = s2.summarise_leakage(s2.leakage_over_seeds()).set_index("leak")
    scaling_gain = summary.loc["scaling", "mean_difference"]
    assert abs(scaling_gain) < 0.001
    assert s2.selection_leak_gain() == summary.loc["selection", "mean_difference"]
    assert s2.selection_leak_gain() > 10 * abs(scaling_gain)


def test_leaks_are_deterministic_functions_of_the_seed():
    """Each Wrong and Right version gives the same score when run again with the same seed."""
    for leak in s2.LEAKS:
        assert leak.leaky(42) == leak.leaky(42)
        assert leak.clean(42) == leak.clean(42)


def test_oversampling_balances_the_classes():
    """The helper adds copies of bad risks until both classes are equally common."""
    y = s2._xy()[1]
    train = np.arange(0, 1000, 2)
    rows = s2.oversample_minority(train, y, 1)
    assert set(rows) == set(train)  # copies of training rows only, never a new row
    assert (y[rows] == 1).sum() == (y[rows] == 0).sum() == (y[train] == 0).sum()


def test_side_by_side_shows_the_update_and_the_three_leaks():
    """python -m case_study stage 2 prints the update and each leak, Wrong vs Right."""
    table = s2.side_by_side()
    assert list(table.columns) == ["figure", "irreproducible", "reproducible"]
    rows = table.set_index("figure")
    assert rows.loc["after the silent upstream update", "reproducible"].startswith("refused")
    assert rows.loc["what the loader said", "irreproducible"].startswith("nothing")
    assert rows.loc["schema check on the updated file", "irreproducible"] == "passed"
    assert len(table) == 4 + len(s2.LEAKS)
