"""The monitoring log: one JSON line per month, appended, read back, corruption named by line."""

from __future__ import annotations

import json

import pytest

from case_study import errors, monitoring, stage5_deployment

NO_SHIFT = stage5_deployment.ShiftSchedule(input_from=99, input_to=99, outcome_from=99)


def test_monitoring_log_appends_one_line_per_batch(study, tmp_path):
    """Writing twice appends: the log keeps every earlier line and reads back as written."""
    path = tmp_path / "logs" / "monitoring.jsonl"
    monitoring.write_monitoring_log(study.records, path)
    monitoring.write_monitoring_log(study.records[:2], path)
    entries = monitoring.read_monitoring_log(path)
    assert len(entries) == len(study.records) + 2
    assert entries[0] == json.loads(json.dumps(study.records[0].to_dict()))
    assert entries[0]["baseline_sha256"] == study.baseline.sha256()
    expected = {
        "month", "n", "psi", "max_psi", "prediction_psi", "approval_rate", "labelled", "alerts"
    }
    assert expected <= set(entries[0])


def test_corrupt_log_line_is_reported_with_its_line_number(study, tmp_path):
    """A damaged line is refused with its line number, not a bare JSON error."""
    path = monitoring.write_monitoring_log(study.records[:3], tmp_path / "monitoring.jsonl")
    with open(path, "a", encoding="utf-8") as handle:
        handle.write('{"month": 4, "psi": \n')
    with pytest.raises(errors.MonitoringError, match=r"Line 4 of the monitoring log"):
        monitoring.read_monitoring_log(path)


def test_log_line_that_is_not_a_record_is_refused(tmp_path):
    """Valid JSON that is not a monitoring record is refused with its line number."""
    path = tmp_path / "monitoring.jsonl"
    path.write_text('{"month": 1}\n[1, 2]\n', encoding="utf-8")
    with pytest.raises(errors.MonitoringError, match="Line 2"):
        monitoring.read_monitoring_log(path)


def test_missing_log_says_how_to_create_it(tmp_path):
    """Reading a log that was never written says to run the monitoring first."""
    with pytest.raises(errors.MonitoringError, match="write_monitoring_log"):
        monitoring.read_monitoring_log(tmp_path / "nothing.jsonl")
