"""The room view's two charts, each saying what it shows in a sentence built from its data.

The sentence is the chart's Vega-Lite ``description``: a screen reader announces it instead
of "Vega visualization". Each bar also carries its count as text ("2 of 5"), so no figure
is read from a bar's length or colour alone; the pass-rate bars are coloured by stage, and
each check's id, on the axis, starts with its stage's id too.

The figures are ``workshop.room``'s; ``workshop.ui.instructor_room`` lays the frames out.
"""

from __future__ import annotations

import math

import altair as alt
import pandas as pd

# Room for the text beside a full bar ("30 of 30").
LABEL_PADDING = {"left": 4, "right": 56, "top": 4, "bottom": 4}


def _percent(value) -> str:
    missing = value is None or (isinstance(value, float) and math.isnan(value))
    return "no answer yet" if missing else f"{float(value):.0%}"


def completion_text(frame: pd.DataFrame) -> str:
    """The completion chart in a sentence: each stage's share of learners who finished it.

    Args:
        frame: one row per stage: ``stage``, ``complete``, ``learners``, ``share``.

    Returns:
        "Share of the 5 learners counted who finished each stage: 0 · Why 40% (2 of 5), …."
    """
    if frame.empty:
        return "Share of learners who finished each stage: no stage has checks."
    learners = int(frame["learners"].max())
    if learners == 0:
        return (f"Share of learners who finished each stage: no learners counted yet, "
                f"0 of 0 on each of the {len(frame)} stages.")
    parts = [f"{row.stage} {_percent(row.share)} ({int(row.complete)} of {int(row.learners)})"
             for row in frame.itertuples()]
    return (f"Share of the {learners} learners counted who finished each stage: "
            + "; ".join(parts) + ".")


def _share_bars(frame: pd.DataFrame, *, share: str, counts: tuple[str, str], x_title: str,
                y: str, order: list[str], tooltip: list) -> tuple[alt.Chart, alt.Chart]:
    """A horizontal bar per row for ``share`` (0-100 %), and its count as text beside it.

    Returns:
        (the bars' base, to mark and colour; the "done of total" labels). The count is
        there so an empty bar still says "0 of 30".
    """
    done, total = counts
    frame = frame.assign(count=[f"{a} of {b}"
                                for a, b in zip(frame[done], frame[total], strict=True)])
    base = alt.Chart(frame).encode(
        x=alt.X(f"{share}:Q", title=x_title, scale=alt.Scale(domain=[0, 1]),
                axis=alt.Axis(format="%")),
        y=alt.Y(f"{y}:N", sort=order, title=None, axis=alt.Axis(labelLimit=320)),
        tooltip=tooltip,
    )
    return base, base.mark_text(align="left", dx=4).encode(text=alt.Text("count:N"))


def completion_chart(frame: pd.DataFrame, order: list[str]) -> alt.LayerChart:
    """One bar per stage: the share of the counted learners who finished it, and the count.

    Args:
        frame: one row per stage: ``stage``, ``complete``, ``learners``, ``share``.
        order: the stages' display names, in course order (the bars' order).

    Returns:
        The chart, with its description.
    """
    base, labels = _share_bars(
        frame, share="share", counts=("complete", "learners"),
        x_title="share of learners who finished the stage", y="stage", order=order,
        tooltip=[alt.Tooltip("stage"), alt.Tooltip("complete"), alt.Tooltip("learners"),
                 alt.Tooltip("share:Q", format=".0%")])
    return (base.mark_bar() + labels).properties(
        height=alt.Step(28), padding=LABEL_PADDING, description=completion_text(frame))


def pass_rate_text(frame: pd.DataFrame) -> str:
    """The pass-rate chart in a sentence: each tried check's pass rate, lowest first.

    Args:
        frame: one row per check tried: ``check``, ``attempted``, ``passed``, ``pass rate``.

    Returns:
        "Pass rate of the 3 checks learners have tried, lowest first: design-metric 0%
        (0 of 2 passed), …."
    """
    if frame.empty:
        return "Pass rate per check: no learner has tried a check yet."
    ranked = frame.sort_values("pass rate", kind="stable", na_position="first")
    parts = [f"{check} {_percent(rate)} ({int(passed)} of {int(attempted)} passed)"
             for check, rate, passed, attempted in zip(
                 ranked["check"], ranked["pass rate"], ranked["passed"], ranked["attempted"],
                 strict=True)]
    return (f"Pass rate of the {len(frame)} checks learners have tried, lowest first: "
            + "; ".join(parts) + ".")


def pass_rate_chart(frame: pd.DataFrame, order: list[str]) -> alt.LayerChart:
    """One bar per check tried: its pass rate among the learners who tried it, and the count.

    Args:
        frame: one row per check tried: ``stage``, ``check``, ``attempted``, ``passed``,
            ``pass rate``, ``median attempts``, ``hint use``.
        order: every check id in course order (the bars' order).

    Returns:
        The chart, with its description.
    """
    base, labels = _share_bars(
        frame, share="pass rate", counts=("passed", "attempted"),
        x_title="pass rate (of learners who tried)", y="check", order=order,
        tooltip=[alt.Tooltip("stage"), alt.Tooltip("check"), alt.Tooltip("attempted"),
                 alt.Tooltip("passed"),
                 alt.Tooltip("pass rate:Q", format=".0%"), alt.Tooltip("median attempts"),
                 alt.Tooltip("hint use:Q", format=".0%")])
    bars = base.mark_bar().encode(
        color=alt.Color("stage:N", title="stage",
                        legend=alt.Legend(orient="bottom", labelLimit=320)))
    return (bars + labels).properties(height=alt.Step(22), padding=LABEL_PADDING,
                                      description=pass_rate_text(frame))
