"""Stage 5 demo: a year of production with and without a baseline, and the false-alarm panel."""

from __future__ import annotations

import json

from streamlit.testing.v1 import AppTest

from tests.ui.demo_helpers import assert_locked, commit

# The checks whose predictions the demo's button waits for.
FALSE_ALARM_CHECKS = ("deployment-false-alarms", "deployment-threshold")

TIMEOUT = 60


def _demo():
    from workshop.ui.demos import deployment

    deployment.render()


def _run() -> AppTest:
    return AppTest.from_function(_demo, default_timeout=TIMEOUT).run()


def _run_false_alarms() -> AppTest:
    """The demo after the learner pressed "Run the false-alarm study"."""
    at = commit(_run(), *FALSE_ALARM_CHECKS)
    return at.button(key="deployment-run-false-alarms").click().run()


def _metric(at: AppTest, label_start: str) -> str:
    return next(m.value for m in at.metric if m.label.startswith(label_start))


def test_demo_renders_both_sides_without_error():
    """A learner opens the deployment stage and sees both columns, no exception, no error box."""
    at = _run()
    assert not at.exception
    assert not at.error
    headings = [h.value for h in at.subheader]
    assert "Irreproducible" in headings and "Reproducible" in headings


def test_the_false_alarm_figures_stay_closed_until_the_study_is_run():
    """Before "Run the false-alarm study", neither the share at 100 applicants and 0.10 nor the
    threshold for 5% is on the page (two checks ask to predict them); a caption says so."""
    from case_study.stage5_deployment import false_alarm_percent_batch_100, psi_threshold_batch_100

    at = _run()
    assert not at.exception and not at.error
    assert not any(m.label.startswith("False alarms") for m in at.metric)
    assert not any("threshold near" in c.value for c in at.caption)
    assert not any('"share' in chart.proto.spec for chart in at.get("vega_lite_chart"))
    assert_locked(at, "deployment-run-false-alarms", "Run the false-alarm study",
                  "deployment-false-alarms")
    shown = "\n".join([m.value for m in at.markdown] + [c.value for c in at.caption])
    assert f"{psi_threshold_batch_100():.3f}" not in shown
    assert f"{false_alarm_percent_batch_100():.1f}%" not in shown

    commit(at, *FALSE_ALARM_CHECKS).button(key="deployment-run-false-alarms").click().run()
    assert not at.exception
    assert _metric(at, "False alarms on credit_amount") == f"{false_alarm_percent_batch_100():.1f}%"
    assert any(f"threshold near {psi_threshold_batch_100():.3f}" in c.value for c in at.caption)
    at.run()  # it stays open, and the button has gone
    assert _metric(at, "False alarms on credit_amount")
    assert "deployment-run-false-alarms" not in [button.key for button in at.button]


def test_demo_draws_the_monitoring_charts_with_threshold_rules():
    """The learner sees approval rate, PSI per feature with its alert rule, predictions,
    labels, false alarms."""
    at = _run_false_alarms()
    specs = [json.loads(chart.proto.spec) for chart in at.get("vega_lite_chart")]
    assert len(specs) >= 7
    text = json.dumps(specs)
    for field in ("approval_rate", "psi", "prediction_psi", "roc_auc", "expected_cost", "share"):
        assert f'"{field}' in text
    # The PSI chart carries the alert level as a rule layer.
    psi_charts = [s for s in specs if '"field": "psi"' in json.dumps(s)]
    assert psi_charts and any('"rule"' in json.dumps(s) for s in psi_charts)


def test_demo_shows_alerts_and_the_monitoring_log():
    """The alerts table and the logged JSON lines are on the page."""
    at = _run()
    assert at.dataframe
    # The selective-labels table now comes first: find the alerts by their columns.
    assert any({"month", "level", "check", "detail"} <= set(d.value.columns) for d in at.dataframe)
    logged = [c.value for c in at.code if c.value.startswith("{")]
    assert logged and all(json.loads(line)["month"] for line in logged[0].splitlines())


def test_demo_points_out_months_where_only_the_labels_show_the_change():
    """The learner is told which months looked stable on inputs but lost performance."""
    at = _run()
    assert any("Only the labels show it" in m.value for m in at.markdown)


def test_moving_the_batch_size_slider_changes_the_false_alarm_share():
    """A learner drags the batch size up and sees fewer false alarms."""
    at = _run_false_alarms()
    small = _metric(at, "False alarms on credit_amount")
    at.slider(key="deployment-batch-size").set_value(800).run()
    assert not at.exception
    large = _metric(at, "False alarms on credit_amount")
    assert small != large
    assert float(large.rstrip("%")) < float(small.rstrip("%"))


def test_raising_the_threshold_lowers_the_false_alarm_share():
    """A learner raises the PSI threshold and sees fewer false alarms at the same batch size."""
    at = _run_false_alarms()
    before = _metric(at, "False alarms on credit_amount")
    at.select_slider(key="deployment-threshold").set_value(0.30).run()
    assert not at.exception
    after = _metric(at, "False alarms on credit_amount")
    assert float(after.rstrip("%")) < float(before.rstrip("%"))


def test_case_study_error_shows_a_message_not_a_traceback(monkeypatch):
    """When the case study refuses to run, the learner reads what to do, not a traceback."""
    import streamlit as st

    from case_study import stage5_deployment as s5

    def refuse(*args, **kwargs):
        raise s5.MonitoringError(
            "The baseline profile is missing. Record it again from the training run."
        )

    monkeypatch.setattr(s5, "run_deployment_study", refuse)
    st.cache_data.clear()
    at = _run()
    assert not at.exception
    assert any("Record it again" in e.value for e in at.error)


def test_demo_shows_approved_only_labels_beside_the_lab_figures():
    """The selective-labels table shows, per month of decisions, the case study's own
    all-applicant ROC AUC and the approved-only figures a bank can actually see."""
    from case_study import stage5_deployment as s5

    at = _run()
    assert not at.exception
    expected = s5.labelled_frame(s5.run_deployment_study().records)
    frame = next(
        d.value for d in at.dataframe if "ROC AUC, approved only" in d.value.columns
    )
    assert frame["month of the decisions"].tolist() == expected["for_month"].tolist()
    assert frame["bad rate, approved only"].tolist() == [
        f"{v:.1%}" for v in expected["approved_bad_rate"]
    ]
    assert frame["ROC AUC, every applicant (lab)"].tolist() == [
        f"{v:.3f}" for v in expected["roc_auc"]
    ]
    assert any("Selective labels" in m.value for m in at.markdown)
