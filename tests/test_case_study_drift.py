"""The baseline profile and the drift metrics: PSI, KS, unseen categories."""

from __future__ import annotations

import json

import numpy as np
import pytest

from case_study import codes, drift, errors, monitoring, stage5_deployment

NO_SHIFT = stage5_deployment.ShiftSchedule(input_from=99, input_to=99, outcome_from=99)


def test_baseline_round_trips_through_json(baseline):
    """A baseline written to JSON at training time reads back as the same baseline."""
    text = json.dumps(baseline.to_dict())
    again = drift.BaselineProfile.from_dict(json.loads(text))
    assert again == baseline
    assert again.sha256() == baseline.sha256()


def test_baseline_records_every_feature_predictions_and_metrics(baseline, run):
    """The baseline holds all 20 inputs, the P(bad) distribution, the approval rate and metrics."""
    assert [p.name for p in baseline.features] == [c for c in codes.COLUMNS if c != "class"]
    for profile in (*baseline.features, baseline.prediction):
        assert sum(profile.shares) == pytest.approx(1.0, abs=1e-5)
    credit = baseline.feature("credit_amount")
    assert len(credit.shares) == drift.BINS and len(credit.reference) == baseline.n_train
    assert baseline.feature("purpose").categories[-1] == drift.UNSEEN
    assert baseline.metrics == run.metrics and baseline.model_sha256 == run.model_sha256
    assert 0 < baseline.approval_rate < 1


def test_baseline_feature_bins_come_from_training_rows_only(run, frame, baseline):
    """Scrambling the held-out rows' features leaves the recorded feature distributions alone."""
    changed = frame.copy()
    changed.loc[run.test_index, "credit_amount"] = 99_999
    changed.loc[run.test_index, "purpose"] = "vacation"
    assert drift.baseline_profile(run, changed).features == baseline.features


def test_incomplete_baseline_names_the_problem(baseline):
    """A baseline file missing a field is refused with a message saying what was expected."""
    data = baseline.to_dict()
    del data["prediction"]
    with pytest.raises(errors.MonitoringError, match="prediction"):
        drift.BaselineProfile.from_dict(data)


def test_quantile_edges_leave_no_empty_training_bin():
    """Few distinct values collapse to fewer bins, none of them empty in training."""
    values = np.array([1, 1, 2, 2, 2, 3, 4, 4, 4, 4])
    edges = drift.quantile_edges(values, bins=10)
    profile = drift.FeatureProfile("x", "numeric", shares=(0.0,) * (len(edges) + 1), edges=edges)
    assert np.all(profile.shares_of(values) > 0)


def test_psi_is_zero_for_identical_shares_and_grows_with_the_shift():
    """Same distribution → PSI 0; the further the shares move, the larger PSI."""
    base = [0.25, 0.25, 0.25, 0.25]
    assert drift.psi(base, base) == 0.0
    assert drift.psi(base, [0.3, 0.25, 0.25, 0.2]) < drift.psi(base, [0.5, 0.2, 0.2, 0.1])


def test_psi_replaces_empty_bins_with_the_documented_epsilon():
    """An empty bin gives a finite PSI computed with PSI_EPSILON in place of zero."""
    value = drift.psi([0.5, 0.5], [1.0, 0.0])
    e = drift.PSI_EPSILON
    expected = (1.0 - 0.5) * np.log(1.0 / 0.5) + (e - 0.5) * np.log(e / 0.5)
    assert np.isfinite(value) and value == pytest.approx(expected)


def test_psi_refuses_batches_binned_differently(baseline):
    """Comparing shares over different bins is an error that says how to bin properly."""
    with pytest.raises(errors.MonitoringError, match="same bins"):
        drift.psi([0.5, 0.5], [0.2, 0.3, 0.5])


def test_ks_pvalue_small_for_a_shifted_feature_large_for_the_same(baseline):
    """The KS test separates a shifted numeric feature from an unshifted one."""
    profile = baseline.feature("credit_amount")
    same = np.asarray(profile.reference)
    assert drift.ks_pvalue(profile, same) > 0.5
    assert drift.ks_pvalue(profile, same * 2) < 1e-6


def test_unseen_category_counts_as_a_shift(baseline):
    """A category never seen in training lands in the (unseen) bin and raises PSI."""
    profile = baseline.feature("purpose")
    assert drift.feature_psi(profile, ["crypto"] * 100) > monitoring.PSI_ALERT


def test_psi_is_near_zero_on_a_large_unshifted_batch(frame, run, baseline):
    """With no shift and a large batch, every feature's PSI and the prediction PSI stay < 0.1."""
    batches = stage5_deployment.monthly_batches(
        frame, run, batch_size=5000, n_months=1, schedule=NO_SHIFT
    )
    record = monitoring.monitor_stream(baseline, run.model, batches)[0]
    assert record.max_psi < 0.1
    assert record.prediction_psi < 0.1
    assert not [a for a in record.alerts if a["level"] == "alert"]
