"""The model card: the bank's decision metrics with Wilson intervals, small groups flagged,
nine sections."""

from __future__ import annotations

import json

import numpy as np
import pytest

from case_study import codes, data, model_card, pipelines, run_manifest
from case_study.intervals import wilson_interval


@pytest.fixture(scope="module")
def frame():
    return data.load_german_credit()


@pytest.fixture(scope="module")
def run(frame):
    return pipelines.train_reproducible(frame, seed=pipelines.DEFAULT_SEED)


@pytest.fixture(scope="module")
def manifest(run):
    # Through JSON and back, exactly as a manifest on disk is read.
    return json.loads(json.dumps(run_manifest.build_run_manifest(run)))


@pytest.fixture(scope="module")
def card(run, frame):
    return model_card.model_card(run, frame)


def test_group_sizes_sum_to_the_test_size_for_every_factor(card, run):
    """Every hold-out applicant is counted exactly once per factor."""
    sizes = card.groups.groupby("factor")["n"].sum()
    assert set(sizes.index) == set(model_card.GROUP_FACTORS)
    assert (sizes == run.n_test).all()


def _holdout(run, frame):
    """The hold-out labels (True = bad) and P(bad), recomputed here from the data."""
    test = frame.loc[run.test_index]
    return (test[codes.TARGET] == "bad").to_numpy(), np.asarray(run.test_predictions)


def test_headline_is_the_decline_rate_and_cost_at_one_sixth_recomputed_from_the_data(
    card, run, frame
):
    """The card's overall figures are those of declining above P(bad) = 1/6 on the hold-out
    rows, counted here independently, with the Wilson interval of the decline rate."""
    bad, p_bad = _holdout(run, frame)
    declined = p_bad > 1 / 6
    n = len(bad)
    overall = card.overall
    assert overall["n"] == n == run.n_test
    assert overall["declined"] == int(declined.sum())
    assert overall["decline_rate"] == pytest.approx(declined.mean(), abs=1e-6)
    cost = (5 * np.sum(~declined & bad) + np.sum(declined & ~bad)) / n
    assert overall["expected_cost"] == pytest.approx(cost, abs=1e-6)
    assert overall["expected_cost"] == pytest.approx(run.metrics["expected_cost"], abs=1e-6)
    low, high = wilson_interval(int(declined.sum()), n)
    assert (overall["decline_rate_low"], overall["decline_rate_high"]) == pytest.approx(
        (low, high), abs=1e-6
    )
    for figure in (f"{declined.mean():.3f}", f"{cost:.3f}", f"{low:.3f}", f"{high:.3f}"):
        assert figure in card.headline
    assert "1/6" in card.headline
    assert card.headline in model_card.render_model_card_markdown(card)


def test_accuracy_at_one_half_is_no_longer_a_headline(card):
    """Neither the group table nor the quantitative analyses report accuracy at 0.5; the
    metrics section says why."""
    assert not any("accuracy" in column for column in card.groups.columns)
    assert "accuracy" not in card.sections["quantitative_analyses"].lower()
    assert "Accuracy at P(bad) > 0.5 is not reported" in card.sections["metrics"]


def test_every_group_row_is_recomputed_from_the_data_with_wilson_intervals(card, run, frame):
    """Per group: counts, decline rate and cost from the hold-out rows, the decline rate's
    interval is Wilson's, and the cost interval is the Bonferroni pair of Wilson intervals."""
    bad, p_bad = _holdout(run, frame)
    test = frame.loc[run.test_index]
    member = {
        "age_band": model_card.age_band(test["age_years"]).to_numpy(),
        "foreign_worker": test["foreign_worker"].to_numpy(),
        "personal_status_sex": test["personal_status_sex"].to_numpy(),
    }
    present = card.groups[card.groups["n"] > 0]
    assert len(present) >= 8
    for row in present.itertuples():
        mask = member[row.factor] == row.group
        declined = p_bad[mask] > 1 / 6
        bad_group = bad[mask]
        approved_bad = int(np.sum(~declined & bad_group))
        declined_good = int(np.sum(declined & ~bad_group))
        assert (row.n, row.declined) == (int(mask.sum()), int(declined.sum()))
        assert (row.approved_bad, row.declined_good) == (approved_bad, declined_good)
        assert (row.decline_rate_low, row.decline_rate_high) == pytest.approx(
            wilson_interval(int(declined.sum()), int(mask.sum())), abs=1e-6
        )
        a = wilson_interval(approved_bad, row.n, 0.975)
        b = wilson_interval(declined_good, row.n, 0.975)
        assert row.expected_cost_low == pytest.approx(5 * a[0] + b[0], abs=1e-6)
        assert row.expected_cost_high == pytest.approx(5 * a[1] + b[1], abs=1e-6)
        assert row.decline_rate_low <= row.decline_rate <= row.decline_rate_high
        assert row.expected_cost_low <= row.expected_cost <= row.expected_cost_high


def test_a_small_group_all_declined_still_gets_an_interval_wider_than_zero():
    """Ten applicants, all declined: a percentile bootstrap can only resample declines and
    says [1, 1]; the card's Wilson interval stays open below."""
    y = np.array([1, 0, 1, 0, 0, 0, 1, 0, 0, 0])
    metrics = model_card.decision_metrics(y, np.full(10, 0.9))
    assert metrics["decline_rate"] == 1.0
    assert metrics["decline_rate_high"] == 1.0
    assert 0.6 < metrics["decline_rate_low"] < 0.8
    resampled = np.random.default_rng(0).integers(0, 10, size=(1000, 10))
    bootstrap = (np.full(10, 0.9)[resampled] > 1 / 6).mean(axis=1)
    assert np.percentile(bootstrap, 2.5) == np.percentile(bootstrap, 97.5) == 1.0
    # Seven good applicants declined: 7 × 1 / 10 = 0.7 per applicant, in a real interval.
    assert metrics["expected_cost"] == pytest.approx(0.7)
    assert metrics["expected_cost_low"] < 0.7 < metrics["expected_cost_high"]


def test_an_empty_group_has_no_figures_and_is_flagged(card):
    """A documented group absent from the hold-out set shows n = 0, NaN figures and a flag."""
    empty = card.groups[card.groups["n"] == 0]
    assert len(empty)
    assert empty["decline_rate"].isna().all() and empty["expected_cost_low"].isna().all()
    assert empty["too_small"].all()


def test_the_prevalence_caveat_gives_the_headline_at_the_documented_five_percent(card):
    """The card says its figures assume the sample's 30% and gives them at ~5%, computed by
    case_study.prevalence (the same numbers as Stage 1's table)."""
    from case_study import prevalence

    table = prevalence.prevalence_table()
    at_five = table[table["prevalence"] == prevalence.DOCUMENTED_PREVALENCE].iloc[0]
    (caveat,) = [c for c in card.caveats if c.startswith("The headline figures assume")]
    assert "30%" in caveat and "~5%" in caveat
    assert f"{at_five['decline_rate']:.3f}" in caveat
    assert f"{at_five['expected_cost']:.3f}" in caveat


def test_small_groups_are_flagged_and_large_ones_are_not(card):
    """Groups below the size threshold are flagged too small to trust; big ones pass."""
    groups = card.groups
    small = groups[(groups["n"] > 0) & (groups["n"] < model_card.MIN_GROUP_SIZE)]
    assert len(small) and small["too_small"].all()
    foreign_no = groups[(groups["factor"] == "foreign_worker") & (groups["group"] == "no")].iloc[0]
    assert foreign_no["too_small"]
    assert any(text.startswith("foreign_worker = no") for text in card.too_small)
    largest = groups.loc[groups["n"].idxmax()]
    assert not largest["too_small"]


def test_attribute_9_caveat_travels_with_the_card(card):
    """Wherever the card breaks metrics down by attribute 9, it states the documented caveat."""
    assert codes.ATTRIBUTE_9_CAVEAT in card.caveats
    rows = card.groups[card.groups["factor"] == "personal_status_sex"]
    assert (rows["note"] == codes.ATTRIBUTE_9_CAVEAT).all()
    assert codes.ATTRIBUTE_9_CAVEAT in model_card.render_model_card_markdown(card)


def test_card_has_mitchells_nine_sections_in_markdown(card):
    """The card follows Mitchell et al.: nine sections, each rendered with its title."""
    assert list(card.sections) == list(model_card.SECTION_TITLES)
    markdown = model_card.render_model_card_markdown(card)
    for title in model_card.SECTION_TITLES.values():
        assert f"## {title}" in markdown
    assert "### By foreign_worker" in markdown


def test_foreign_worker_coding_caveat_and_sampling_note_travel_with_the_card(card, frame):
    """The reported coding-direction caveat sits on every foreign_worker row, in the caveats
    and in the Markdown; the card says the data are a prevalence-shifted sample of granted
    credits; and the decoded data really has 'yes' as the large group (963 of 1,000)."""
    assert codes.CODING_DIRECTION_CAVEAT in card.caveats
    assert codes.SAMPLE_PREVALENCE_NOTE in card.caveats
    rows = card.groups[card.groups["factor"] == "foreign_worker"]
    assert (rows["note"] == codes.CODING_DIRECTION_CAVEAT).all()
    markdown = model_card.render_model_card_markdown(card)
    assert codes.CODING_DIRECTION_CAVEAT in markdown
    assert "granted credits" in card.sections["training_data"]
    assert frame["foreign_worker"].value_counts().to_dict() == {"yes": 963, "no": 37}
