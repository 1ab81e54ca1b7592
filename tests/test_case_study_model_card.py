"""The model card: group metrics with seeded intervals, small groups flagged, nine sections."""

from __future__ import annotations

import json

import pytest

from case_study import codes, data, model_card, pipelines, run_manifest


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
    return model_card.model_card(run, frame, seed=pipelines.DEFAULT_SEED, n_boot=400)


def test_group_sizes_sum_to_the_test_size_for_every_factor(card, run):
    """Every hold-out applicant is counted exactly once per factor."""
    sizes = card.groups.groupby("factor")["n"].sum()
    assert set(sizes.index) == set(model_card.GROUP_FACTORS)
    assert (sizes == run.n_test).all()


def test_bootstrap_intervals_are_seeded(run, frame):
    """The same seed gives the same intervals; another seed gives others."""
    one = model_card.group_metrics(run, frame, seed=1, n_boot=300)
    again = model_card.group_metrics(run, frame, seed=1, n_boot=300)
    other = model_card.group_metrics(run, frame, seed=2, n_boot=300)
    columns = ["accuracy_low", "accuracy_high", "expected_cost_low", "expected_cost_high"]
    assert one[columns].equals(again[columns])
    assert not one[columns].equals(other[columns])


def test_bootstrap_interval_contains_the_point_estimate(card):
    """Each non-empty group's accuracy lies inside its own interval."""
    present = card.groups[card.groups["n"] > 0]
    assert (present["accuracy_low"] <= present["accuracy"]).all()
    assert (present["accuracy"] <= present["accuracy_high"]).all()


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
