"""The model card (Mitchell et al. 2019), written from a training run, none of it typed in.

The card's headline is the bank's own decision rule: decline when P(bad) > 1/6, the
threshold the documented 5:1 cost matrix implies (Stage 1), not accuracy at 0.5. It
reports the **decline rate** and the **expected cost per applicant** at that threshold,
overall and broken down by group (age band, foreign worker, attribute 9), each group with
its size and an interval that still means something at small n: a Wilson score interval
for the decline rate (:func:`case_study.intervals.wilson_interval`), and for the expected
cost a Bonferroni combination of Wilson intervals (:func:`cost_interval`). A percentile
bootstrap would give a zero-width interval to a group of 10 that all came out declined;
Wilson does not. Groups too small to trust are flagged. :func:`model_card` builds a
:class:`ModelCard`, :func:`render_model_card_markdown` writes it as Markdown.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import pandas as pd

from case_study import codes, data, prevalence
from case_study.intervals import wilson_interval
from case_study.pipelines import (
    COST_APPROVE_BAD,
    COST_DECLINE_GOOD,
    COST_THRESHOLD,
    TEST_SIZE,
    TrainingRun,
)

# Model card: groups below this size, or with a wider decline-rate interval, are flagged.
MIN_GROUP_SIZE = 30
MAX_INTERVAL_WIDTH = 0.25
CONFIDENCE = 0.95
# "1/6 (0.167)": the cost matrix's threshold as a fraction and as a decimal.
THRESHOLD_TEXT = f"{Fraction(COST_THRESHOLD).limit_denominator(100)} ({COST_THRESHOLD:.3f})"
HEADLINE_METRICS: tuple[str, ...] = ("decline_rate", "expected_cost")
METRIC_TITLES: dict[str, str] = {
    "decline_rate": "decline rate",
    "expected_cost": "expected cost per applicant",
}
AGE_BANDS: tuple[tuple[float, float, str], ...] = (
    (-np.inf, 25, "<25"),
    (25, 35, "25–34"),
    (35, 50, "35–49"),
    (50, np.inf, "50+"),
)
GROUP_FACTORS: tuple[str, ...] = ("age_band", "foreign_worker", "personal_status_sex")

SECTION_TITLES: dict[str, str] = {
    "model_details": "Model details",
    "intended_use": "Intended use",
    "factors": "Factors",
    "metrics": "Metrics",
    "evaluation_data": "Evaluation data",
    "training_data": "Training data",
    "quantitative_analyses": "Quantitative analyses",
    "ethical_considerations": "Ethical considerations",
    "caveats_recommendations": "Caveats and recommendations",
}


def age_band(age: pd.Series) -> pd.Series:
    """Bin ages into the card's bands (<25, 25–34, 35–49, 50+) as strings."""
    edges = [low for low, _, _ in AGE_BANDS] + [AGE_BANDS[-1][1]]
    labels = [label for _, _, label in AGE_BANDS]
    return pd.cut(age, bins=edges, right=False, labels=labels).astype("str")


def _group_levels(factor: str) -> list[str]:
    """Every documented level, so a code that never occurs still shows (with n = 0)."""
    if factor == "age_band":
        return [label for _, _, label in AGE_BANDS]
    return list(codes.CODE_MEANINGS[factor].values())


def cost_interval(
    approved_bad: int, declined_good: int, n: int, confidence: float = CONFIDENCE
) -> tuple[float, float]:
    """An interval for the expected cost per applicant that holds at small n.

    The cost per applicant is ``COST_APPROVE_BAD × a + COST_DECLINE_GOOD × b``, where a is
    the share of applicants approved who turn out bad and b the share declined who would
    have been good. Each share gets a Wilson interval at confidence 1 − α/2; by Bonferroni
    both hold together with probability at least 1 − α, and the cost only grows with a and
    b, so the cost then lies between the cost at both lower ends and at both upper ends.

    Args:
        approved_bad: Applicants approved (P(bad) at or below the threshold) who were bad.
        declined_good: Applicants declined (P(bad) above the threshold) who were good.
        n: All applicants of the group.
        confidence: The joint confidence level.

    Returns:
        ``(low, high)`` in cost units per applicant; ``(nan, nan)`` when n is 0.
    """
    each = 1 - (1 - confidence) / 2
    bad_low, bad_high = wilson_interval(approved_bad, n, each)
    good_low, good_high = wilson_interval(declined_good, n, each)
    return (
        COST_APPROVE_BAD * bad_low + COST_DECLINE_GOOD * good_low,
        COST_APPROVE_BAD * bad_high + COST_DECLINE_GOOD * good_high,
    )


def decision_metrics(
    y_true: np.ndarray, p_bad: np.ndarray, confidence: float = CONFIDENCE
) -> dict[str, float]:
    """Decline rate and expected cost at the bank's threshold, with small-n intervals.

    Args:
        y_true: 1 = bad risk, 0 = good, one per applicant.
        p_bad: Predicted P(bad) for the same applicants.
        confidence: The level of both intervals.

    Returns:
        ``n``, ``n_bad``, ``declined``, ``approved_bad``, ``declined_good``, and for each of
        ``decline_rate`` and ``expected_cost`` the point value with ``_low``/``_high``
        bounds (NaN for an empty group). Values rounded to 6 places.
    """
    y = np.asarray(y_true) == 1
    decline = np.asarray(p_bad) > COST_THRESHOLD
    n = int(len(y))
    counts = {
        "n": n,
        "n_bad": int(y.sum()),
        "declined": int(decline.sum()),
        "approved_bad": int((~decline & y).sum()),
        "declined_good": int((decline & ~y).sum()),
    }
    nan = float("nan")
    rate = counts["declined"] / n if n else nan
    cost = (
        (COST_APPROVE_BAD * counts["approved_bad"] + COST_DECLINE_GOOD * counts["declined_good"])
        / n
        if n
        else nan
    )
    bounds = {
        "decline_rate": (rate, *wilson_interval(counts["declined"], n, confidence)),
        "expected_cost": (
            cost,
            *cost_interval(counts["approved_bad"], counts["declined_good"], n, confidence),
        ),
    }
    out: dict[str, float] = dict(counts)
    for name, (point, low, high) in bounds.items():
        out[name], out[f"{name}_low"], out[f"{name}_high"] = (
            round(float(v), 6) for v in (point, low, high)
        )
    return out


def _flag_reasons(n: int, width: float, min_group_size: int, max_width: float) -> list[str]:
    if n == 0:
        return ["no applicants in the test set"]
    reasons = []
    if n < min_group_size:
        reasons.append(f"n = {n} < {min_group_size}")
    if width > max_width:
        reasons.append(f"decline-rate interval {width:.2f} wide > {max_width}")
    return reasons


def group_metrics(
    run: TrainingRun,
    frame: pd.DataFrame,
    *,
    min_group_size: int = MIN_GROUP_SIZE,
    max_interval_width: float = MAX_INTERVAL_WIDTH,
) -> pd.DataFrame:
    """Decision metrics of ``run`` on its hold-out set, per group of each factor.

    Args:
        run: A training run; groups are read from its hold-out rows ``run.test_index``.
        frame: The data the run was trained on.
        min_group_size: Groups smaller than this are flagged too small to trust.
        max_interval_width: Groups whose decline-rate interval is wider are flagged too.

    Returns:
        One row per (factor, group): the columns of :func:`decision_metrics`,
        ``interval_width`` (of the decline rate), ``too_small``, ``reason`` and ``note``
        (the documented caveat on attribute-9 and foreign-worker rows).
    """
    test = frame.loc[run.test_index]
    y = (test[codes.TARGET] == "bad").to_numpy()
    p = np.asarray(run.test_predictions)
    factors = {
        "age_band": age_band(test["age_years"]).to_numpy(),
        "foreign_worker": test["foreign_worker"].to_numpy(),
        "personal_status_sex": test["personal_status_sex"].to_numpy(),
    }
    notes = {
        "personal_status_sex": codes.ATTRIBUTE_9_CAVEAT,
        "foreign_worker": codes.CODING_DIRECTION_CAVEAT,
    }
    rows = []
    for factor in GROUP_FACTORS:
        for level in _group_levels(factor):
            mask = factors[factor] == level
            row = {"factor": factor, "group": level, **decision_metrics(y[mask], p[mask])}
            width = row["decline_rate_high"] - row["decline_rate_low"]
            reasons = _flag_reasons(row["n"], width, min_group_size, max_interval_width)
            row["interval_width"] = round(width, 6)
            row["too_small"] = bool(reasons)
            row["reason"] = "; ".join(reasons)
            row["note"] = notes.get(factor, "")
            rows.append(row)
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class ModelCard:
    """A model card after Mitchell et al. (2019): nine sections plus the group table.

    ``overall`` holds the hold-out figures (:func:`decision_metrics` plus ``roc_auc``);
    ``headline`` says them in one sentence.
    """

    title: str
    sections: dict[str, str]
    overall: dict
    headline: str
    groups: pd.DataFrame
    too_small: tuple[str, ...]
    caveats: tuple[str, ...]
    confidence: float


def _figure(values: dict, name: str, digits: str = ".3f") -> str:
    """``0.728 (95% interval 0.670–0.780)`` for one metric of a row or of the overall dict."""
    return (
        f"{values[name]:{digits}} ({int(CONFIDENCE * 100)}% interval "
        f"{values[name + '_low']:{digits}}–{values[name + '_high']:{digits}})"
    )


def headline_sentence(overall: dict) -> str:
    """The card's headline: decline rate and expected cost at the bank's threshold.

    Args:
        overall: :func:`decision_metrics` of the whole hold-out set.

    Returns:
        One sentence with both figures, their intervals and the number of applicants.
    """
    return (
        f"Declining when P(bad) > {THRESHOLD_TEXT}, the model declines "
        f"{overall['declined']} of {overall['n']} hold-out applicants: decline rate "
        f"{_figure(overall, 'decline_rate')}; expected cost "
        f"{_figure(overall, 'expected_cost')} per applicant."
    )


def prevalence_caveat(y_true: np.ndarray, p_bad: np.ndarray) -> str:
    """The headline figures again at the bank's documented share of bad credits (~5%).

    Args:
        y_true: 1 = bad, 0 = good, for the hold-out applicants.
        p_bad: The model's P(bad) for them, calibrated to the sample.

    Returns:
        A sentence with the decline rate and expected cost after prior correction, costed
        by reweighting (:func:`case_study.prevalence.figures_at`).
    """
    share = float(np.mean(y_true))
    at = prevalence.figures_at(y_true, p_bad, prevalence.DOCUMENTED_PREVALENCE, share)
    return (
        f"The headline figures assume the sample's {share:.0%} bad credits. At the documented "
        f"~{prevalence.DOCUMENTED_PREVALENCE:.0%} (probabilities prior-corrected, hold-out "
        f"reweighted; point estimates) the same model would decline {at.decline_rate:.3f} of "
        f"applicants at an expected cost of {at.expected_cost:.3f} per applicant."
    )


def _caveats(groups: pd.DataFrame, too_small: tuple[str, ...], shift: str) -> list[str]:
    caveats = [
        codes.ATTRIBUTE_9_CAVEAT,
        codes.CODING_DIRECTION_CAVEAT,
        codes.SAMPLE_PREVALENCE_NOTE,
        shift,
        "Groups too small to trust (do not quote their metrics alone): "
        + ("; ".join(too_small) if too_small else "none")
        + ".",
    ]
    absent = groups[groups["n"] == 0]
    if len(absent):
        caveats.append(
            "Documented groups with no applicants in the test set: "
            + ", ".join(f"{r.factor} = {r.group}" for r in absent.itertuples())
            + "."
        )
    return caveats


def _sections(
    run: TrainingRun, overall: dict, headline: str, flagged: int, groups: int, data_sha: str
) -> dict[str, str]:
    params = (
        json.dumps(run.params, sort_keys=True)
        if run.params
        else "library defaults of the day (not recorded)"
    )
    seed_text = str(run.seed) if run.seed is not None else "none (random_state=None)"
    level = int(CONFIDENCE * 100)
    return {
        "model_details": (
            f"Random forest in a scikit-learn Pipeline (one-hot encoding, scaling), pipeline "
            f"'{run.pipeline}'. Parameters: {params}. Seed: {seed_text}. "
            f"Model SHA-256 {run.model_sha256}. Built by the workshop case study "
            "(case_study/pipelines.py)."
        ),
        "intended_use": (
            "Teaching: shows how to hand a loan-approval model over so that a newcomer can rebuild "
            "and question it. Not for real credit decisions: the data are historical, small and "
            "have known coding errors."
        ),
        "factors": (
            "Metrics are broken down by age band (" + ", ".join(_group_levels("age_band")) + "), "
            "foreign_worker and personal_status_sex (attribute 9). "
            + codes.ATTRIBUTE_9_CAVEAT
            + " "
            + codes.CODING_DIRECTION_CAVEAT
        ),
        "metrics": (
            f"The bank declines an applicant when P(bad) > {THRESHOLD_TEXT}, the "
            f"threshold the documented cost matrix implies (approving a bad risk costs "
            f"{COST_APPROVE_BAD:g}, declining a good one {COST_DECLINE_GOOD:g}). Headline "
            "metrics at that threshold: the decline rate and the expected cost per applicant. "
            "Accuracy at P(bad) > 0.5 is not reported: it scores a rule the bank does not use "
            "and counts both errors alike. ROC AUC is given as a threshold-free summary. "
            f"Uncertainty: {level}% Wilson score intervals for the decline rate; for the "
            f"expected cost, Wilson intervals at {100 - (100 - level) / 2:g}% on the shares of "
            "approved-bad and declined-good applicants, combined (Bonferroni). Both stay wider "
            "than zero in small groups, where a percentile bootstrap can collapse to a point."
        ),
        "evaluation_data": (
            f"The stratified hold-out split ({run.n_test} applicants, test_size = {TEST_SIZE}), "
            f"split with seed {seed_text}, never used for fitting."
        ),
        "training_data": (
            f"Statlog German Credit (Hofmann 1994, UCI id 144): {run.n_train} granted credits; "
            f"data SHA-256 {data_sha}, verified against data/manifest.json on every load. "
            + codes.SAMPLE_PREVALENCE_NOTE
            + " See the datasheet in data/README.md."
        ),
        "quantitative_analyses": (
            f"{headline} ROC AUC {overall['roc_auc']:.3f}. By group: see the tables; "
            f"{flagged} of {groups} groups are flagged too small to trust."
        ),
        "ethical_considerations": (
            "Loan approval is a consequential decision. Age, foreign-worker status and attribute 9 "
            "are used as inputs and as evaluation factors; differences between groups here may "
            "reflect the historical data, and small groups cannot show whether the model treats "
            "them fairly."
        ),
    }


def model_card(
    run: TrainingRun,
    frame: pd.DataFrame,
    *,
    min_group_size: int = MIN_GROUP_SIZE,
    max_interval_width: float = MAX_INTERVAL_WIDTH,
    data_sha256: str | None = None,
) -> ModelCard:
    """Write the model card for ``run``: every section from the run itself, none typed in.

    Args:
        run: A training run.
        frame: The data it was trained on.
        min_group_size: As :func:`group_metrics`.
        max_interval_width: As :func:`group_metrics`.
        data_sha256: The data's hash; defaults to the data manifest's.

    Returns:
        A ModelCard whose headline is the decline rate and expected cost at P(bad) > 1/6;
        groups too small to trust are listed in ``too_small``; the documented data caveats
        are among ``caveats``.
    """
    groups = group_metrics(
        run, frame, min_group_size=min_group_size, max_interval_width=max_interval_width
    )
    test = frame.loc[run.test_index]
    y = (test[codes.TARGET] == "bad").to_numpy()
    overall = decision_metrics(y, run.test_predictions) | {"roc_auc": run.metrics["roc_auc"]}
    headline = headline_sentence(overall)
    flagged = groups[groups["too_small"]]
    too_small = tuple(
        f"{r.factor} = {r.group} (n = {r.n}): {r.reason}" for r in flagged.itertuples()
    )
    caveats = _caveats(groups, too_small, prevalence_caveat(y, run.test_predictions))
    sections = _sections(
        run,
        overall,
        headline,
        len(flagged),
        len(groups),
        data_sha256 or data.german_credit_sha256(),
    )
    sections["caveats_recommendations"] = " ".join(caveats)
    return ModelCard(
        title=f"Model card: loan approval ({run.pipeline} pipeline)",
        sections=sections,
        overall=overall,
        headline=headline,
        groups=groups,
        too_small=too_small,
        caveats=tuple(caveats),
        confidence=CONFIDENCE,
    )


def _markdown_table(frame: pd.DataFrame) -> str:
    header = "| " + " | ".join(frame.columns) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    body = ["| " + " | ".join(str(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([header, rule, *body])


def _interval(row: pd.Series, name: str) -> str:
    if row["n"] == 0:
        return "–"
    return f"{row[name]:.3f} [{row[name + '_low']:.3f}, {row[name + '_high']:.3f}]"


def render_model_card_markdown(card: ModelCard) -> str:
    """The card as Markdown: the headline, the nine sections, then one table per factor."""
    level = int(card.confidence * 100)
    lines = [f"# {card.title}", "", f"**{card.headline}**", ""]
    for key, title in SECTION_TITLES.items():
        lines += [f"## {title}", "", card.sections[key], ""]
        if key != "quantitative_analyses":
            continue
        for factor in GROUP_FACTORS:
            rows = card.groups[card.groups["factor"] == factor]
            table = pd.DataFrame(
                {
                    "group": rows["group"],
                    "n": rows["n"],
                    "declined": rows["declined"],
                    f"decline rate [{level}% Wilson]": [
                        _interval(r, "decline_rate") for _, r in rows.iterrows()
                    ],
                    f"expected cost [{level}% interval]": [
                        _interval(r, "expected_cost") for _, r in rows.iterrows()
                    ],
                    "flag": ["too small to trust: " + r if r else "" for r in rows["reason"]],
                }
            )
            lines += [f"### By {factor}", "", _markdown_table(table), ""]
            if factor == "personal_status_sex":
                lines += [f"> {codes.ATTRIBUTE_9_CAVEAT}", ""]
            if factor == "foreign_worker":
                lines += [f"> {codes.CODING_DIRECTION_CAVEAT}", ""]
    return "\n".join(lines)
