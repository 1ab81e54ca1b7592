"""The model card (Mitchell et al. 2019), written from a training run, none of it typed in.

Nine sections, and metrics broken down by group (age band, foreign worker, attribute 9),
each group with its size and a seeded percentile-bootstrap interval; groups too small to
trust are flagged. :func:`model_card` builds a :class:`ModelCard`,
:func:`render_model_card_markdown` writes it as Markdown.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass

import numpy as np
import pandas as pd

from case_study import codes, data
from case_study.pipelines import (
    COST_APPROVE_BAD,
    COST_DECLINE_GOOD,
    COST_THRESHOLD,
    DEFAULT_SEED,
    TEST_SIZE,
    TrainingRun,
)

# Model card: groups below this size, or with a wider accuracy interval, are flagged.
MIN_GROUP_SIZE = 30
MAX_INTERVAL_WIDTH = 0.25
N_BOOTSTRAP = 1000
CONFIDENCE = 0.95
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


def bootstrap_intervals(
    y_true: np.ndarray,
    p_bad: np.ndarray,
    *,
    seed: int,
    key: str = "",
    n_boot: int = N_BOOTSTRAP,
    confidence: float = CONFIDENCE,
) -> dict[str, tuple[float, float]]:
    """Percentile bootstrap intervals for accuracy, decline rate and expected cost.

    Parameters: ``y_true`` 1 = bad risk; ``p_bad`` predicted P(bad); ``seed`` the one seed,
    given to a numpy Generator together with ``key`` (the group's name, so each group's
    resamples do not depend on which other groups exist); ``n_boot`` resamples.
    Returns ``{metric: (low, high)}``; NaNs for an empty group.
    """
    n = len(y_true)
    if n == 0:
        return {
            name: (float("nan"), float("nan"))
            for name in ("accuracy", "decline_rate", "expected_cost")
        }
    rng = np.random.default_rng([seed, zlib.crc32(key.encode())])
    index = rng.integers(0, n, size=(n_boot, n))
    y, p = np.asarray(y_true)[index], np.asarray(p_bad)[index]
    decline = p > COST_THRESHOLD
    samples = {
        "accuracy": ((p > 0.5) == (y == 1)).mean(axis=1),
        "decline_rate": decline.mean(axis=1),
        "expected_cost": (
            COST_APPROVE_BAD * ((~decline) & (y == 1)).sum(axis=1)
            + COST_DECLINE_GOOD * (decline & (y == 0)).sum(axis=1)
        )
        / n,
    }
    tail = (1 - confidence) / 2 * 100
    return {
        name: (
            round(float(np.percentile(values, tail)), 6),
            round(float(np.percentile(values, 100 - tail)), 6),
        )
        for name, values in samples.items()
    }


def _point_metrics(y: np.ndarray, p: np.ndarray) -> dict[str, float]:
    if len(y) == 0:
        return {
            "accuracy": float("nan"),
            "decline_rate": float("nan"),
            "expected_cost": float("nan"),
        }
    decline = p > COST_THRESHOLD
    cost = (
        COST_APPROVE_BAD * np.sum(~decline & (y == 1))
        + COST_DECLINE_GOOD * np.sum(decline & (y == 0))
    ) / len(y)
    return {
        "accuracy": round(float(np.mean((p > 0.5) == (y == 1))), 6),
        "decline_rate": round(float(np.mean(decline)), 6),
        "expected_cost": round(float(cost), 6),
    }


def group_metrics(
    run: TrainingRun,
    frame: pd.DataFrame,
    *,
    seed: int = DEFAULT_SEED,
    n_boot: int = N_BOOTSTRAP,
    min_group_size: int = MIN_GROUP_SIZE,
    max_interval_width: float = MAX_INTERVAL_WIDTH,
) -> pd.DataFrame:
    """Metrics of ``run`` on its hold-out set, per group of each factor, with intervals.

    Parameters: ``run`` and the ``frame`` it was trained on (groups are read from the
    hold-out rows ``run.test_index``); ``seed`` for the bootstrap; thresholds for flagging.
    Returns one row per (factor, group): n, n_bad, accuracy / decline_rate / expected_cost
    with ``_low``/``_high`` bounds, ``interval_width`` (accuracy), ``too_small``, ``reason``
    and ``note`` (the attribute-9 caveat on personal_status_sex rows).
    """
    test = frame.loc[run.test_index]
    y = (test[codes.TARGET] == "bad").to_numpy()
    p = np.asarray(run.test_predictions)
    factors = {
        "age_band": age_band(test["age_years"]).to_numpy(),
        "foreign_worker": test["foreign_worker"].to_numpy(),
        "personal_status_sex": test["personal_status_sex"].to_numpy(),
    }
    rows = []
    for factor in GROUP_FACTORS:
        for level in _group_levels(factor):
            mask = factors[factor] == level
            yg, pg = y[mask], p[mask]
            point = _point_metrics(yg, pg)
            bounds = bootstrap_intervals(yg, pg, seed=seed, key=f"{factor}={level}", n_boot=n_boot)
            width = bounds["accuracy"][1] - bounds["accuracy"][0]
            reasons = []
            if mask.sum() == 0:
                reasons.append("no applicants in the test set")
            else:
                if mask.sum() < min_group_size:
                    reasons.append(f"n = {int(mask.sum())} < {min_group_size}")
                    if width == 0:
                        # A percentile bootstrap cannot resample an error that never occurred.
                        reasons.append(
                            "a zero-width interval here means no error was sampled, not certainty"
                        )
                if width > max_interval_width:
                    reasons.append(f"accuracy interval {width:.2f} wide > {max_interval_width}")
            row = {"factor": factor, "group": level, "n": int(mask.sum()), "n_bad": int(yg.sum())}
            for name, value in point.items():
                row[name] = value
                row[f"{name}_low"], row[f"{name}_high"] = bounds[name]
            row["interval_width"] = round(width, 6) if mask.sum() else float("nan")
            row["too_small"] = bool(reasons)
            row["reason"] = "; ".join(reasons)
            row["note"] = {
                "personal_status_sex": codes.ATTRIBUTE_9_CAVEAT,
                "foreign_worker": codes.CODING_DIRECTION_CAVEAT,
            }.get(factor, "")
            rows.append(row)
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class ModelCard:
    """A model card after Mitchell et al. (2019): nine sections plus the group table."""

    title: str
    sections: dict[str, str]
    overall: dict
    groups: pd.DataFrame
    too_small: tuple[str, ...]
    caveats: tuple[str, ...]
    seed: int
    n_boot: int


def model_card(
    run: TrainingRun,
    frame: pd.DataFrame,
    *,
    seed: int = DEFAULT_SEED,
    n_boot: int = N_BOOTSTRAP,
    min_group_size: int = MIN_GROUP_SIZE,
    max_interval_width: float = MAX_INTERVAL_WIDTH,
    data_sha256: str | None = None,
) -> ModelCard:
    """Write the model card for ``run``: every section from the run itself, none typed in.

    Parameters: as ``group_metrics``; ``data_sha256`` defaults to the data manifest's hash.
    Returns a ModelCard; groups too small to trust are listed in ``too_small`` and the
    attribute-9 caveat is among ``caveats``.
    """
    groups = group_metrics(
        run,
        frame,
        seed=seed,
        n_boot=n_boot,
        min_group_size=min_group_size,
        max_interval_width=max_interval_width,
    )
    test = frame.loc[run.test_index]
    y = (test[codes.TARGET] == "bad").to_numpy()
    overall_bounds = bootstrap_intervals(
        y, run.test_predictions, seed=seed, key="overall", n_boot=n_boot
    )
    overall = {"n": run.n_test, **run.metrics}
    for name, (low, high) in overall_bounds.items():
        overall[f"{name}_low"], overall[f"{name}_high"] = low, high
    flagged = groups[groups["too_small"]]
    too_small = tuple(
        f"{r.factor} = {r.group} (n = {r.n}): {r.reason}" for r in flagged.itertuples()
    )
    absent = groups[groups["n"] == 0]
    data_sha = data_sha256 or data.german_credit_sha256()
    params = (
        json.dumps(run.params, sort_keys=True)
        if run.params
        else "library defaults of the day (not recorded)"
    )
    seed_text = str(run.seed) if run.seed is not None else "none (random_state=None)"
    level = int(CONFIDENCE * 100)

    caveats = [
        codes.ATTRIBUTE_9_CAVEAT,
        codes.CODING_DIRECTION_CAVEAT,
        codes.SAMPLE_PREVALENCE_NOTE,
        "Groups too small to trust (do not quote their metrics alone): "
        + ("; ".join(too_small) if too_small else "none")
        + ".",
    ]
    if len(absent):
        caveats.append(
            "Documented groups with no applicants in the test set: "
            + ", ".join(f"{r.factor} = {r.group}" for r in absent.itertuples())
            + "."
        )
    sections = {
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
            f"ROC AUC; accuracy at P(bad) > 0.5; decline rate and expected cost per applicant when "
            f"declining above P(bad) = {COST_THRESHOLD:.3f}, from the documented cost matrix "
            f"(approving a bad risk costs {COST_APPROVE_BAD:g}, declining a good one "
            f"{COST_DECLINE_GOOD:g}). "
            f"Uncertainty: {level}% percentile bootstrap intervals, {n_boot} resamples per group, "
            f"seed {seed}."
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
            f"Overall on {run.n_test} hold-out applicants: ROC AUC {run.metrics['roc_auc']:.3f}, "
            f"accuracy {run.metrics['accuracy']:.3f} ({level}% interval "
            f"{overall['accuracy_low']:.3f}–{overall['accuracy_high']:.3f}), expected cost "
            f"{run.metrics['expected_cost']:.3f} per applicant. By group: see the table; "
            f"{len(flagged)} of {len(groups)} groups are flagged too small to trust."
        ),
        "ethical_considerations": (
            "Loan approval is a consequential decision. Age, foreign-worker status and attribute 9 "
            "are used as inputs and as evaluation factors; differences between groups here may "
            "reflect the historical data, and small groups cannot show whether the model treats "
            "them fairly."
        ),
        "caveats_recommendations": " ".join(caveats),
    }
    return ModelCard(
        title=f"Model card: loan approval ({run.pipeline} pipeline)",
        sections=sections,
        overall=overall,
        groups=groups,
        too_small=too_small,
        caveats=tuple(caveats),
        seed=seed,
        n_boot=n_boot,
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
    """The card as Markdown: the nine sections, then one table per factor."""
    lines = [f"# {card.title}", ""]
    for key, title in SECTION_TITLES.items():
        lines += [f"## {title}", "", card.sections[key], ""]
        if key == "quantitative_analyses":
            for factor in GROUP_FACTORS:
                rows = card.groups[card.groups["factor"] == factor]
                table = pd.DataFrame(
                    {
                        "group": rows["group"],
                        "n": rows["n"],
                        "accuracy [95% CI]": [_interval(r, "accuracy") for _, r in rows.iterrows()],
                        "expected cost [95% CI]": [
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
