"""Stage 2 demo, part (c): group leakage and an illegitimate feature, on demand, cached."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from case_study import leakage_types as lt


def _demo():
    from workshop.ui.demos import data_taxonomy

    data_taxonomy.render()


def _new_demo() -> AppTest:
    return AppTest.from_function(_demo, default_timeout=180).run()


@pytest.fixture
def count_fits(monkeypatch):
    """Count every forest fitted in this process."""
    from sklearn.ensemble import RandomForestClassifier

    fits = []
    real_fit = RandomForestClassifier.fit

    def counting_fit(self, *args, **kwargs):
        fits.append(1)
        return real_fit(self, *args, **kwargs)

    monkeypatch.setattr(RandomForestClassifier, "fit", counting_fit)
    return fits


def test_opening_the_page_trains_nothing_and_labels_the_derived_variants(count_fits):
    """Before the button: no score, no training, and both variants are said to be derived."""
    at = _new_demo()
    assert not at.exception
    assert count_fits == []
    assert not at.metric and not at.get("vega_lite_chart")
    assert at.button(key=lt_key()).label.startswith("Run the group leak")
    shown = "\n".join(m.value for m in at.markdown)
    assert "derived variants" in shown
    assert f"{lt.REPEATS} applications" in shown
    assert lt.ILLEGITIMATE_COLUMN in shown


def lt_key() -> str:
    from workshop.ui.demos import data_taxonomy

    return data_taxonomy.RUN_KEY


def test_the_button_shows_the_case_studys_scores_and_a_chart():
    """After the button: the metrics are the case study's means, the gap sentence gives the
    computed gaps, the chart has both panels, and the model-free table puts the simulated
    column first."""
    at = _new_demo()
    at.button(key=lt_key()).click().run()
    assert not at.exception
    summary = lt.summarise_taxonomy(lt.taxonomy_over_seeds())
    values = {m.label: m.value for m in at.metric}
    assert values["Repeat applications, random split: mean ROC AUC"] == (
        f"{summary['random_split']:.3f}"
    )
    assert values["Repeat applications, split by applicant: mean ROC AUC"] == (
        f"{summary['grouped_split']:.3f}"
    )
    assert values[f"With {lt.ILLEGITIMATE_COLUMN}: mean ROC AUC"] == (
        f"{summary['with_collections']:.3f}"
    )
    text = "\n".join(m.value for m in at.markdown)
    assert f"{summary['group_gap']:+.3f}" in text
    assert f"{summary['illegitimate_gap']:+.3f}" in text
    (chart,) = at.get("vega_lite_chart")
    spec = json.loads(chart.proto.spec)
    assert spec["encoding"]["column"]["field"] == "panel"
    assert "strokeDash" in spec["encoding"]
    assert f"{summary['random_split']:.3f}" in spec["description"]
    table = at.dataframe[-1].value
    assert table.iloc[0]["column"] == lt.ILLEGITIMATE_COLUMN


def test_a_second_learner_pressing_the_button_trains_nothing(count_fits):
    """The scores are cached per process: once computed, another session only reads them."""
    lt.taxonomy_over_seeds()  # computed (or already cached) before the learner arrives
    count_fits.clear()
    at = _new_demo()
    at.button(key=lt_key()).click().run()
    assert not at.exception
    assert count_fits == []
    assert len(at.metric) == 4
