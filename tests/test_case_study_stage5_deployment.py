"""Stage 5: the baseline profile, the monthly stream, drift metrics, the monitoring log and
the false-alarm study."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from case_study import stage5_deployment as s5

NO_SHIFT = s5.ShiftSchedule(input_from=99, input_to=99, outcome_from=99)


# --- the baseline --------------------------------------------------------------------------


# --- drift metrics -------------------------------------------------------------------------


# --- the production stream -----------------------------------------------------------------


def test_stream_is_deterministic_and_depends_on_its_seed(frame, run):
    """The same seed gives the same twelve batches; another seed gives another stream."""
    one = s5.monthly_batches(frame, run, batch_size=50, seed=3)
    two = s5.monthly_batches(frame, run, batch_size=50, seed=3)
    other = s5.monthly_batches(frame, run, batch_size=50, seed=4)
    assert len(one) == s5.N_MONTHS
    for a, b in zip(one, two, strict=True):
        assert a.features.equals(b.features) and np.array_equal(a.y, b.y)
    assert not one[0].features.equals(other[0].features)


def test_batches_are_drawn_from_held_out_rows_only(frame, run):
    """No production applicant is a training row: every batch row is one of the held-out rows."""
    held_out = {
        tuple(row)
        for row in frame.loc[run.test_index].drop(columns="risk").itertuples(index=False)
    }
    training_only = {
        tuple(row)
        for row in frame.drop(index=run.test_index).drop(columns="risk").itertuples(index=False)
    } - held_out
    for batch in s5.monthly_batches(frame, run, batch_size=100):
        rows = {tuple(row) for row in batch.features.itertuples(index=False)}
        assert rows <= held_out and not rows & training_only


def test_months_before_a_change_do_not_depend_on_later_changes(frame, run):
    """Moving the outcome change later leaves the earlier months exactly as they were."""
    default = s5.monthly_batches(frame, run, batch_size=80)
    later = s5.monthly_batches(
        frame, run, batch_size=80, schedule=s5.ShiftSchedule(outcome_from=99)
    )
    for a, b in zip(default[:8], later[:8], strict=True):
        assert a.features.equals(b.features) and np.array_equal(a.y, b.y)


def test_bad_batch_size_is_refused_with_a_clear_message(frame, run):
    """A batch size of zero is an error that says what was expected."""
    with pytest.raises(s5.MonitoringError, match="at least 1"):
        s5.monthly_batches(frame, run, batch_size=0)


def test_psi_alerts_on_the_input_shift(study):
    """In the input-shift months credit_amount's PSI passes the alert level; an alert is raised."""
    shifted = [r for r in study.records if r.scenario == "input shift"]
    assert shifted
    for record in shifted:
        assert record.max_psi_feature == "credit_amount"
        assert record.max_psi > s5.PSI_ALERT
        assert any(
            a["level"] == "alert" and a["check"] == "PSI credit_amount" for a in record.alerts
        )


def test_no_shift_months_raise_no_alert(study):
    """The months before any change raise no alert at the default batch size."""
    quiet = [r for r in study.records if r.scenario == "no shift"]
    assert quiet and all(r.max_psi < s5.PSI_ALERT for r in quiet)
    assert not [a for r in quiet for a in r.alerts if a["level"] == "alert"]


def test_outcome_change_looks_stable_on_inputs_but_performance_falls(study):
    """From the outcome change on, inputs and predictions look stable; AUC falls, cost rises."""
    outcome = [r for r in study.records if r.scenario == "outcome change"]
    assert outcome
    for record in outcome:
        assert record.max_psi < s5.PSI_ALERT
        assert record.prediction_psi < s5.PSI_WARN
        change = abs(record.approval_rate - study.baseline.approval_rate)
        assert change <= s5.DEFAULT_POLICY.approval_change
    labelled = s5.labelled_frame(study.records)
    months = {r.month: r.scenario for r in study.records}
    labelled["scenario"] = labelled["for_month"].map(months)
    by = labelled.groupby("scenario")[["roc_auc", "expected_cost"]].mean()
    assert by.loc["outcome change", "roc_auc"] < by.loc["no shift", "roc_auc"] - 0.05
    assert by.loc["outcome change", "expected_cost"] > by.loc["no shift", "expected_cost"] * 1.2
    alerted = {a["check"] for r in outcome for a in r.alerts}
    assert any(check.startswith("ROC AUC") for check in alerted)


def test_labels_arrive_months_late(study):
    """Month m's record carries the labelled metrics of month m - delay (changed on purpose
    from one month to several: credit outcomes take months); the first months have none."""
    delay = s5.LABEL_DELAY_MONTHS
    assert delay >= 3
    assert all(record.labelled is None for record in study.records[:delay])
    for record in study.records[delay:]:
        assert record.labelled["for_month"] == record.month - delay


def test_selective_labels_only_the_approved_are_labelled_for_the_bank(study):
    """Approved-only metrics count exactly the applicants at or below the threshold, and
    their bad rate is far below the all-applicant rate a lab would report."""
    from case_study import monitoring

    table = s5.labelled_frame(study.records)
    assert (table["approved_n"] < table["n"]).all()
    first = study.records[s5.LABEL_DELAY_MONTHS].labelled
    assert first["approved"]["bad_rate"] < 0.3
    y = np.array([1, 0, 1, 0, 0])
    p = np.array([0.9, 0.1, 0.1, 0.05, 0.5])
    got = monitoring.approved_only_metrics(y, p, 1 / 6)
    assert got["n"] == 3 and got["bad_rate"] == pytest.approx(1 / 3)
    assert monitoring.approved_only_metrics(y, p, 0.0)["bad_rate"] is None


def test_without_a_baseline_only_the_approval_rate_is_visible(study):
    """The irreproducible view has the approval rate per month and nothing to explain it."""
    table = study.without_baseline
    assert list(table.columns) == ["month", "n", "approval_rate"]
    assert list(table["approval_rate"]) == [r.approval_rate for r in study.records]


# --- the monitoring log --------------------------------------------------------------------


def test_study_log_was_written_and_read_back(study):
    """The demo's log lines are the file's lines, one per month, each a JSON record."""
    assert study.log_entries == len(study.log_lines) == s5.N_MONTHS
    months = [json.loads(line)["month"] for line in study.log_lines]
    assert months == list(range(1, s5.N_MONTHS + 1))


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
    share = table["share_feature"]
    assert share.loc[50] > share.loc[100] > share.loc[1000]
    assert table.loc[100, "share_feature"] > 0.3
    assert table.loc[1000, "share_feature"] < 0.05
    assert table.loc[100, "psi_95"] > s5.PSI_WARN > table.loc[1000, "psi_95"]


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
