"""Stage 5: the baseline profile, the monthly stream, drift metrics, the monitoring log and
the false-alarm study."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from case_study import codes, pipelines
from case_study import stage5_deployment as s5
from case_study.data import load_german_credit

NO_SHIFT = s5.ShiftSchedule(input_from=99, input_to=99, outcome_from=99)


@pytest.fixture(scope="module")
def frame():
    return load_german_credit()


@pytest.fixture(scope="module")
def run(frame):
    return pipelines.train_reproducible(frame)


@pytest.fixture(scope="module")
def baseline(run, frame):
    return s5.baseline_profile(run, frame)


@pytest.fixture(scope="module")
def study():
    return s5.run_deployment_study()


# --- the baseline --------------------------------------------------------------------------


def test_baseline_round_trips_through_json(baseline):
    """A baseline written to JSON at training time reads back as the same baseline."""
    text = json.dumps(baseline.to_dict())
    again = s5.BaselineProfile.from_dict(json.loads(text))
    assert again == baseline
    assert again.sha256() == baseline.sha256()


def test_baseline_records_every_feature_predictions_and_metrics(baseline, run):
    """The baseline holds all 20 inputs, the P(bad) distribution, the approval rate and metrics."""
    assert [p.name for p in baseline.features] == [c for c in codes.COLUMNS if c != "class"]
    for profile in (*baseline.features, baseline.prediction):
        assert sum(profile.shares) == pytest.approx(1.0, abs=1e-5)
    credit = baseline.feature("credit_amount")
    assert len(credit.shares) == s5.BINS and len(credit.reference) == baseline.n_train
    assert baseline.feature("purpose").categories[-1] == s5.UNSEEN
    assert baseline.metrics == run.metrics and baseline.model_sha256 == run.model_sha256
    assert 0 < baseline.approval_rate < 1


def test_baseline_feature_bins_come_from_training_rows_only(run, frame, baseline):
    """Scrambling the held-out rows' features leaves the recorded feature distributions alone."""
    changed = frame.copy()
    changed.loc[run.test_index, "credit_amount"] = 99_999
    changed.loc[run.test_index, "purpose"] = "vacation"
    assert s5.baseline_profile(run, changed).features == baseline.features


def test_incomplete_baseline_names_the_problem(baseline):
    """A baseline file missing a field is refused with a message saying what was expected."""
    data = baseline.to_dict()
    del data["prediction"]
    with pytest.raises(s5.MonitoringError, match="prediction"):
        s5.BaselineProfile.from_dict(data)


def test_quantile_edges_leave_no_empty_training_bin():
    """Few distinct values collapse to fewer bins, none of them empty in training."""
    values = np.array([1, 1, 2, 2, 2, 3, 4, 4, 4, 4])
    edges = s5.quantile_edges(values, bins=10)
    profile = s5.FeatureProfile("x", "numeric", shares=(0.0,) * (len(edges) + 1), edges=edges)
    assert np.all(profile.shares_of(values) > 0)


# --- drift metrics -------------------------------------------------------------------------


def test_psi_is_zero_for_identical_shares_and_grows_with_the_shift():
    """Same distribution → PSI 0; the further the shares move, the larger PSI."""
    base = [0.25, 0.25, 0.25, 0.25]
    assert s5.psi(base, base) == 0.0
    assert s5.psi(base, [0.3, 0.25, 0.25, 0.2]) < s5.psi(base, [0.5, 0.2, 0.2, 0.1])


def test_psi_replaces_empty_bins_with_the_documented_epsilon():
    """An empty bin gives a finite PSI computed with PSI_EPSILON in place of zero."""
    value = s5.psi([0.5, 0.5], [1.0, 0.0])
    e = s5.PSI_EPSILON
    expected = (1.0 - 0.5) * np.log(1.0 / 0.5) + (e - 0.5) * np.log(e / 0.5)
    assert np.isfinite(value) and value == pytest.approx(expected)


def test_psi_refuses_batches_binned_differently(baseline):
    """Comparing shares over different bins is an error that says how to bin properly."""
    with pytest.raises(s5.MonitoringError, match="same bins"):
        s5.psi([0.5, 0.5], [0.2, 0.3, 0.5])


def test_ks_pvalue_small_for_a_shifted_feature_large_for_the_same(baseline):
    """The KS test separates a shifted numeric feature from an unshifted one."""
    profile = baseline.feature("credit_amount")
    same = np.asarray(profile.reference)
    assert s5.ks_pvalue(profile, same) > 0.5
    assert s5.ks_pvalue(profile, same * 2) < 1e-6


def test_unseen_category_counts_as_a_shift(baseline):
    """A category never seen in training lands in the (unseen) bin and raises PSI."""
    profile = baseline.feature("purpose")
    assert s5.feature_psi(profile, ["crypto"] * 100) > s5.PSI_ALERT


# --- the production stream -----------------------------------------------------------------


def test_stream_is_deterministic_and_depends_on_its_seed(frame, run):
    """The same seed gives the same twelve batches; another seed gives another stream."""
    one = s5.monthly_batches(frame, run, batch_size=50, seed=3)
    two = s5.monthly_batches(frame, run, batch_size=50, seed=3)
    other = s5.monthly_batches(frame, run, batch_size=50, seed=4)
    assert len(one) == s5.N_MONTHS
    for a, b in zip(one, two):
        assert a.features.equals(b.features) and np.array_equal(a.y, b.y)
    assert not one[0].features.equals(other[0].features)


def test_batches_are_drawn_from_held_out_rows_only(frame, run):
    """No production applicant is a training row: every batch row is one of the held-out rows."""
    held_out = {tuple(row) for row in frame.loc[run.test_index].drop(columns="risk").itertuples(index=False)}
    training_only = {
        tuple(row) for row in frame.drop(index=run.test_index).drop(columns="risk").itertuples(index=False)
    } - held_out
    for batch in s5.monthly_batches(frame, run, batch_size=100):
        rows = {tuple(row) for row in batch.features.itertuples(index=False)}
        assert rows <= held_out and not rows & training_only


def test_months_before_a_change_do_not_depend_on_later_changes(frame, run):
    """Moving the outcome change later leaves the earlier months exactly as they were."""
    default = s5.monthly_batches(frame, run, batch_size=80)
    later = s5.monthly_batches(frame, run, batch_size=80, schedule=s5.ShiftSchedule(outcome_from=99))
    for a, b in zip(default[:8], later[:8]):
        assert a.features.equals(b.features) and np.array_equal(a.y, b.y)


def test_bad_batch_size_is_refused_with_a_clear_message(frame, run):
    """A batch size of zero is an error that says what was expected."""
    with pytest.raises(s5.MonitoringError, match="at least 1"):
        s5.monthly_batches(frame, run, batch_size=0)


def test_psi_is_near_zero_on_a_large_unshifted_batch(frame, run, baseline):
    """With no shift and a large batch, every feature's PSI and the prediction PSI stay below 0.1."""
    batches = s5.monthly_batches(frame, run, batch_size=5000, n_months=1, schedule=NO_SHIFT)
    record = s5.monitor_stream(baseline, run.model, batches)[0]
    assert record.max_psi < 0.1
    assert record.prediction_psi < 0.1
    assert not [a for a in record.alerts if a["level"] == "alert"]


def test_psi_alerts_on_the_input_shift(study):
    """In the input-shift months credit_amount's PSI passes the alert level and an alert is raised."""
    shifted = [r for r in study.records if r.scenario == "input shift"]
    assert shifted
    for record in shifted:
        assert record.max_psi_feature == "credit_amount"
        assert record.max_psi > s5.PSI_ALERT
        assert any(a["level"] == "alert" and a["check"] == "PSI credit_amount" for a in record.alerts)


def test_no_shift_months_raise_no_alert(study):
    """The months before any change raise no alert at the default batch size."""
    quiet = [r for r in study.records if r.scenario == "no shift"]
    assert quiet and all(r.max_psi < s5.PSI_ALERT for r in quiet)
    assert not [a for r in quiet for a in r.alerts if a["level"] == "alert"]


def test_outcome_change_looks_stable_on_inputs_but_performance_falls(study):
    """From the outcome change on, inputs and predictions look stable, yet AUC falls and cost rises."""
    outcome = [r for r in study.records if r.scenario == "outcome change"]
    assert outcome
    for record in outcome:
        assert record.max_psi < s5.PSI_ALERT
        assert record.prediction_psi < s5.PSI_WARN
        assert abs(record.approval_rate - study.baseline.approval_rate) <= s5.DEFAULT_POLICY.approval_change
    labelled = s5.labelled_frame(study.records)
    months = {r.month: r.scenario for r in study.records}
    labelled["scenario"] = labelled["for_month"].map(months)
    by = labelled.groupby("scenario")[["roc_auc", "expected_cost"]].mean()
    assert by.loc["outcome change", "roc_auc"] < by.loc["no shift", "roc_auc"] - 0.05
    assert by.loc["outcome change", "expected_cost"] > by.loc["no shift", "expected_cost"] * 1.2
    alerted = {a["check"] for r in outcome for a in r.alerts}
    assert any(check.startswith("ROC AUC") for check in alerted)


def test_labels_arrive_one_month_late(study):
    """Month m's record carries the labelled metrics of month m - 1; month 1 has none yet."""
    assert study.records[0].labelled is None
    for record in study.records[1:]:
        assert record.labelled["for_month"] == record.month - s5.LABEL_DELAY_MONTHS


def test_without_a_baseline_only_the_approval_rate_is_visible(study):
    """The irreproducible view has the approval rate per month and nothing to explain it."""
    table = study.without_baseline
    assert list(table.columns) == ["month", "n", "approval_rate"]
    assert list(table["approval_rate"]) == [r.approval_rate for r in study.records]


# --- the monitoring log --------------------------------------------------------------------


def test_monitoring_log_appends_one_line_per_batch(study, tmp_path):
    """Writing twice appends: the log keeps every earlier line and reads back as written."""
    path = tmp_path / "logs" / "monitoring.jsonl"
    s5.write_monitoring_log(study.records, path)
    s5.write_monitoring_log(study.records[:2], path)
    entries = s5.read_monitoring_log(path)
    assert len(entries) == len(study.records) + 2
    assert entries[0] == json.loads(json.dumps(study.records[0].to_dict()))
    assert entries[0]["baseline_sha256"] == study.baseline.sha256()
    assert {"month", "n", "psi", "max_psi", "prediction_psi", "approval_rate", "labelled", "alerts"} <= set(entries[0])


def test_corrupt_log_line_is_reported_with_its_line_number(study, tmp_path):
    """A damaged line is refused with its line number, not a bare JSON error."""
    path = s5.write_monitoring_log(study.records[:3], tmp_path / "monitoring.jsonl")
    with open(path, "a", encoding="utf-8") as handle:
        handle.write('{"month": 4, "psi": \n')
    with pytest.raises(s5.MonitoringError, match=r"Line 4 of the monitoring log"):
        s5.read_monitoring_log(path)


def test_log_line_that_is_not_a_record_is_refused(tmp_path):
    """Valid JSON that is not a monitoring record is refused with its line number."""
    path = tmp_path / "monitoring.jsonl"
    path.write_text('{"month": 1}\n[1, 2]\n', encoding="utf-8")
    with pytest.raises(s5.MonitoringError, match="Line 2"):
        s5.read_monitoring_log(path)


def test_missing_log_says_how_to_create_it(tmp_path):
    """Reading a log that was never written says to run the monitoring first."""
    with pytest.raises(s5.MonitoringError, match="write_monitoring_log"):
        s5.read_monitoring_log(tmp_path / "nothing.jsonl")


def test_study_log_was_written_and_read_back(study):
    """The demo's log lines are the file's lines, one per month, each a JSON record."""
    assert study.log_entries == len(study.log_lines) == s5.N_MONTHS
    assert [json.loads(line)["month"] for line in study.log_lines] == list(range(1, s5.N_MONTHS + 1))


@pytest.mark.slow
def test_monitoring_log_matches_byte_for_byte_across_processes(study):
    """A fresh Python process, with another hash seed, writes the same log as this one."""
    code = (
        "import hashlib, sys; from case_study import stage5_deployment as s5; "
        "print(hashlib.sha256('\\n'.join(s5.run_deployment_study().log_lines).encode()).hexdigest())"
    )
    digests = set()
    for hash_seed in ("1",):
        out = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(s5.__file__).resolve().parents[1],
            env={"PYTHONHASHSEED": hash_seed},
        )
        digests.add(out.stdout.strip())
    assert digests == {hashlib.sha256("\n".join(study.log_lines).encode()).hexdigest()}


# --- false alarms --------------------------------------------------------------------------


def test_vectorised_psi_matches_the_plain_psi(baseline, frame, run):
    """The fast false-alarm PSI equals psi() on the same drawn training sample and batch."""
    pool = s5.false_alarm_pool(baseline, frame, run)
    fast = s5.unshifted_psi(pool, batch_size=120, draws=1, seed=11)[0]
    train = frame.drop(index=run.test_index)
    assert pool.n_train == len(train) == baseline.n_train
    rng = np.random.default_rng(11)
    reference = train.iloc[rng.integers(0, len(train), size=(1, len(train)))[0]]
    batch = train.iloc[rng.integers(0, len(train), size=(1, 120))[0]]
    slow = [s5.psi(p.shares_of(reference[p.name].to_numpy()), p.shares_of(batch[p.name].to_numpy()))
            for p in baseline.features]
    assert fast == pytest.approx(slow)


def test_each_batch_size_draws_as_if_it_were_drawn_alone(baseline, frame, run):
    """Several sizes at once give exactly what each size gives on its own (same seed)."""
    pool = s5.false_alarm_pool(baseline, frame, run)
    together = s5.unshifted_psi_by_size(pool, (60, 200), draws=5, seed=3)
    for size in (60, 200):
        assert np.array_equal(together[size], s5.unshifted_psi(pool, size, draws=5, seed=3))


def test_false_alarm_pool_refuses_rows_the_baseline_was_not_built_from(baseline, frame, run):
    """A pool must be the baseline's own training rows; another frame is refused."""
    for other in (frame.iloc[:500], pd.concat([frame, frame.iloc[:10].set_axis(range(5000, 5010))])):
        with pytest.raises(s5.MonitoringError, match="training rows"):
            s5.false_alarm_pool(baseline, other, run)


def test_the_simulated_false_alarms_agree_with_the_chi_squared_formula():
    """No shift, both sides drawn from one population: simulation and (1/n + 1/m)·χ²(B−1) agree.

    Drawing batches from the held-out rows against the fixed training baseline would add a
    constant offset: at n = 1,000 its mean PSI would be more than twice the formula's.
    """
    samples = s5.false_alarm_samples(batch_sizes=(100, 150, 200, 300, 1000), draws=400)
    column = samples.feature_names.index(s5.FALSE_ALARM_FEATURE)
    bins = samples.n_bins[column]
    for size, values in samples.psi.items():
        expected_mean = (bins - 1) * (1 / size + 1 / samples.n_train)
        assert values[:, column].mean() == pytest.approx(expected_mean, rel=0.1), size
    table = s5.summarise_false_alarms(samples).set_index("batch_size")
    for size in (100, 150, 200, 300):
        assert abs(table.loc[size, "share_feature"] - table.loc[size, "share_formula"]) < 0.06, size


def test_false_alarms_fall_as_batches_grow():
    """Small unshifted batches often pass PSI 0.10; large ones rarely do."""
    table = s5.false_alarm_study(batch_sizes=(50, 100, 1000), draws=200).set_index("batch_size")
    assert table.loc[50, "share_feature"] > table.loc[100, "share_feature"] > table.loc[1000, "share_feature"]
    assert table.loc[100, "share_feature"] > 0.3
    assert table.loc[1000, "share_feature"] < 0.05
    assert table.loc[100, "psi_95"] > s5.PSI_WARN > table.loc[1000, "psi_95"]


def test_formula_reproduces_the_published_critical_values():
    """At the published 95% critical values, the χ² formula gives a 5% false-alarm share."""
    for n, critical in ((100, 0.338), (200, 0.169), (400, 0.085), (1000, 0.034)):
        assert s5.theoretical_false_alarm_share(n, n, critical) == pytest.approx(0.05, abs=0.005)


def test_check_computations_are_deterministic():
    """The predict-then-run figures are the same on every call and plausible."""
    percent = s5.false_alarm_percent_batch_100()
    threshold = s5.psi_threshold_batch_100()
    assert percent == s5.false_alarm_percent_batch_100()
    assert threshold == s5.psi_threshold_batch_100()
    assert 0 < percent < 100
    assert s5.PSI_WARN < threshold < 1


def test_side_by_side_has_the_cli_columns(study):
    """The CLI table has the contract's columns and says the irreproducible side cannot tell."""
    table = s5.side_by_side()
    assert list(table.columns) == ["figure", "irreproducible", "reproducible"]
    assert len(table) >= 5
    assert "cannot tell" in set(table["irreproducible"])


def test_one_draw_serves_every_threshold():
    """Raising the threshold on the same unshifted batches can only lower the false-alarm share."""
    samples = s5.false_alarm_samples(batch_sizes=(100,), draws=100)
    low = s5.summarise_false_alarms(samples, 0.05)["share_feature"].iloc[0]
    high = s5.summarise_false_alarms(samples, 0.30)["share_feature"].iloc[0]
    assert low > high
    with pytest.raises(s5.MonitoringError, match="credit_amount"):
        s5.summarise_false_alarms(samples, 0.1, feature="income")
