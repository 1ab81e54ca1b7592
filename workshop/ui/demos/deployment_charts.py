"""Stage 5 demo's charts: approval rate, PSI, predictions, labelled metrics, false alarms.

Each builder is a pure function of the case study's results, so its spec can be cached by
those inputs (``widgets.vega_spec``); ``deployment`` draws them.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from case_study import stage5_deployment as s5
from workshop.ui.widgets import inline_data, span

# Tableau-10 without its grey, which marks the unflagged features.
PALETTE = [
    "#4e79a7",
    "#f28e2b",
    "#e15759",
    "#76b7b2",
    "#59a14f",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
] * 3


def month_axis() -> alt.X:
    """The month axis every monthly chart shares."""
    return alt.X(
        "month:Q",
        title="month",
        scale=alt.Scale(domain=[1, s5.N_MONTHS]),
        axis=alt.Axis(tickMinStep=1),
    )


def rule(value: float, colour: str, label: str) -> alt.Chart:
    """A dashed horizontal line at ``value``, labelled in its tooltip."""
    frame = pd.DataFrame({"value": [value], "label": [label]})
    return (
        alt.Chart(inline_data(frame))
        .mark_rule(color=colour, strokeDash=[6, 3])
        .encode(y=alt.Y("value:Q"), tooltip=[alt.Tooltip("label:N"), alt.Tooltip("value:Q")])
    )


def approval_chart(table: pd.DataFrame, baseline: float | None) -> alt.Chart:
    """Approval rate by month, with the baseline's as a line when there is one."""
    line = (
        alt.Chart(inline_data(table))
        .mark_line(point=True)
        .encode(
            x=month_axis(),
            y=alt.Y(
                "approval_rate:Q",
                title="approval rate",
                axis=alt.Axis(format="%"),
                scale=alt.Scale(zero=False),
            ),
            tooltip=[
                alt.Tooltip("month:Q"),
                alt.Tooltip("approval_rate:Q", format=".1%"),
                alt.Tooltip("n:Q"),
            ],
        )
    )
    text = (f"Approval rate by month over {len(table)} months, "
            f"{span(table['approval_rate'], '.1%')}")
    if baseline is None:
        return line.properties(height=220, description=f"{text}.")
    return (line + rule(baseline, "grey", "baseline (held-out rows)")).properties(
        height=220, description=f"{text}; the baseline's rate, {baseline:.1%}, is the dashed line."
    )


def psi_chart(study: s5.DeploymentStudy) -> alt.Chart:
    """PSI of every input by month: flagged features coloured and dashed, the rest grey."""
    table = s5.records_frame(study.records)
    # Twenty coloured lines are unreadable: colour the features that ever passed the warn
    # level, draw the rest in grey (their names stay in the tooltip).
    worst = table.groupby("feature")["psi"].max()
    flagged = set(worst[worst > s5.PSI_WARN].index)
    table["series"] = [f if f in flagged else "other features" for f in table["feature"]]
    domain = sorted(flagged) + ["other features"]
    # Two columns of names fit under a chart of a column's width (three ran past its edge).
    legend = alt.Legend(orient="bottom", columns=2, labelLimit=160)
    lines = (
        alt.Chart(inline_data(table))
        .mark_line(point=True, opacity=0.85)
        .encode(
            x=month_axis(),
            y=alt.Y("psi:Q", title="PSI vs baseline"),
            color=alt.Color(
                "series:N",
                title=None,
                scale=alt.Scale(domain=domain, range=PALETTE[: len(flagged)] + ["#c7c7c7"]),
                legend=legend,
            ),
            # A second channel besides colour: each flagged feature has its own dash.
            strokeDash=alt.StrokeDash(
                "series:N",
                title=None,
                scale=alt.Scale(domain=domain, range=dashes(len(flagged)) + [[1, 0]]),
                legend=legend,
            ),
            detail=alt.Detail("feature:N"),
            tooltip=[
                alt.Tooltip("month:Q"),
                alt.Tooltip("feature:N"),
                alt.Tooltip("psi:Q", format=".3f"),
            ],
        )
    )
    rules = rule(s5.PSI_ALERT, "firebrick", "alert (significant)") + rule(
        s5.PSI_WARN, "orange", "warn (moderate)"
    )
    flagged_text = "; ".join(f"{name} up to {worst[name]:.3f}" for name in sorted(flagged))
    return (lines + rules).properties(
        height=400,
        description=(
            f"PSI of each of {len(worst)} features against the baseline by month, "
            f"warn level {s5.PSI_WARN}, alert level {s5.PSI_ALERT}. "
            + (f"Above the warn level: {flagged_text}." if flagged
               else "No feature passes the warn level.")
        ),
    )


def dashes(count: int) -> list[list[int]]:
    """``count`` distinct dash patterns for lines told apart by colour too."""
    patterns = [[6, 3], [2, 2], [8, 3, 2, 3], [1, 3], [10, 4], [4, 2, 1, 2]]
    return [patterns[index % len(patterns)] for index in range(count)]


def prediction_chart(study: s5.DeploymentStudy) -> alt.Chart:
    """PSI of the predicted P(bad) by month, with the warn and alert levels."""
    table = pd.DataFrame(
        {
            "month": [r.month for r in study.records],
            "prediction_psi": [r.prediction_psi for r in study.records],
        }
    )
    line = (
        alt.Chart(inline_data(table))
        .mark_line(point=True, color="purple")
        .encode(
            x=month_axis(),
            y=alt.Y("prediction_psi:Q", title="PSI of P(bad)"),
            tooltip=[alt.Tooltip("month:Q"), alt.Tooltip("prediction_psi:Q", format=".3f")],
        )
    )
    rules = rule(s5.PSI_ALERT, "firebrick", "alert (significant)") + rule(
        s5.PSI_WARN, "orange", "warn (moderate)"
    )
    return (line + rules).properties(
        height=200,
        description=(
            f"PSI of the predicted P(bad) against the baseline by month, "
            f"{span(table['prediction_psi'], '.3f')}; warn level {s5.PSI_WARN}, alert level "
            f"{s5.PSI_ALERT}."
        ),
    )


def labelled_chart(study: s5.DeploymentStudy, metric: str, title: str) -> alt.Chart:
    """A labelled metric by month, with the baseline's value as a dashed line."""
    table = s5.labelled_frame(study.records)
    line = (
        alt.Chart(inline_data(table))
        .mark_line(point=True)
        .encode(
            x=alt.X(
                "for_month:Q",
                title="month of the decisions",
                scale=alt.Scale(domain=[1, s5.N_MONTHS]),
            ),
            y=alt.Y(f"{metric}:Q", title=title, scale=alt.Scale(zero=False)),
            tooltip=[
                alt.Tooltip("for_month:Q"),
                alt.Tooltip("known_in_month:Q"),
                alt.Tooltip("n:Q"),
                alt.Tooltip(f"{metric}:Q", format=".3f"),
            ],
        )
    )
    baseline = study.baseline.metrics[metric]
    return (line + rule(baseline, "grey", "baseline (held-out rows)")).properties(
        height=200,
        description=(
            f"{title} of the labelled decisions by month, {span(table[metric], '.3f')}; "
            f"the baseline's, {baseline:.3f}, is the dashed line."
        ),
    )


def false_alarm_chart(curve: pd.DataFrame, batch_size: int, threshold: float) -> alt.Chart:
    """How often unshifted batches cross the PSI threshold, by batch size."""
    names = {
        "share_feature": f"{s5.FALSE_ALARM_FEATURE} (simulated)",
        "share_any": "any of the 20 features (simulated)",
        "share_formula": "formula (1/n + 1/m)·χ²(B−1)",
    }
    long = curve.melt(
        id_vars=["batch_size"], value_vars=list(names), var_name="series", value_name="share"
    )
    long["series"] = long["series"].map(names)
    legend = alt.Legend(orient="top", columns=1, labelLimit=300)
    lines = (
        alt.Chart(inline_data(long))
        .mark_line(point=True)
        .encode(
            x=alt.X("batch_size:Q", title="applicants per batch (n)"),
            y=alt.Y(
                "share:Q", title=f"share with PSI > {threshold:.2f}", axis=alt.Axis(format="%")
            ),
            color=alt.Color(
                "series:N", title=None, legend=legend, scale=alt.Scale(domain=list(names.values()))
            ),
            # A second channel besides colour: each series has its own dash.
            strokeDash=alt.StrokeDash(
                "series:N", title=None, legend=legend,
                scale=alt.Scale(domain=list(names.values()), range=[[1, 0]] + dashes(2)),
            ),
            tooltip=[
                alt.Tooltip("series:N"),
                alt.Tooltip("batch_size:Q"),
                alt.Tooltip("share:Q", format=".1%"),
            ],
        )
    )
    marker = (
        alt.Chart(inline_data(pd.DataFrame({"batch_size": [batch_size]})))
        .mark_rule(color="black")
        .encode(x=alt.X("batch_size:Q"))
    )
    at = long[long["batch_size"] == batch_size]
    shares = "; ".join(f"{row.series} {row.share:.1%}" for row in at.itertuples())
    return (lines + marker).properties(
        height=380,
        description=(
            f"Share of unshifted batches with PSI above {threshold:.2f}, by batch size "
            f"{span(long['batch_size'], '.0f')}"
            + (f"; at {batch_size} applicants: {shares}." if shares else ".")
        ),
    )
