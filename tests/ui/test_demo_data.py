"""Stage 2 demo: the silent update (notebook score moves, verified loader refuses with both hashes),
the leakage comparison on demand, and a friendly error when the data cannot be verified."""

from __future__ import annotations

import json

from streamlit.testing.v1 import AppTest

from case_study import data
from tests.ui.demo_helpers import assert_locked, commit


def _demo():
    from workshop.ui.demos import data

    data.render()


def _new_demo() -> AppTest:
    return AppTest.from_function(_demo, default_timeout=120).run()


def test_demo_renders_both_columns_the_refusal_and_a_chart():
    """A learner opening Stage 2 sees both loaders, the refusal with both hashes, and a chart."""
    at = _new_demo()
    assert not at.exception
    assert not at.error
    assert [s.value for s in at.subheader][:2] == ["Irreproducible", "Reproducible"]
    assert len(at.get("vega_lite_chart")) >= 1
    refusal = " ".join(c.value for c in at.code)
    assert data.german_credit_sha256() in refusal and "checking_status" in refusal
    labels = [m.label for m in at.metric]
    assert "… after the silent update" in labels
    assert any("passed" in m.value for m in at.markdown)


def test_the_chart_caption_says_why_the_loaders_differ_on_the_same_file():
    """Both loaders score the original file with one pipeline and seed, yet differently: the
    caption gives both scores and the encoding that differs, which the loaded frames confirm."""
    from case_study import paths, stage2_data

    at = _new_demo()
    update = stage2_data.cached_upstream_update(stage2_data.DEFAULT_SEED)
    assert update.irreproducible_auc_original != update.reproducible_auc_original
    caption = next(c.value for c in at.caption if "Even on the original file" in c.value)
    assert f"{update.irreproducible_auc_original:.3f}" in caption
    assert f"{update.reproducible_auc_original:.3f}" in caption
    notebook = stage2_data.load_irreproducible(paths.RAW_DIR)
    verified = data.load_german_credit()
    for column in stage2_data.NOTEBOOK_RANKS:
        assert f"`{column}`" in caption
        assert notebook[column].dtype.kind == "i" and verified[column].dtype.kind not in "iuf"


def test_running_the_leaks_draws_leaky_and_clean_scores_over_seeds():
    """The leakage comparison runs on demand and charts both versions of three steps."""
    at = _new_demo()
    before = len(at.get("vega_lite_chart"))
    assert not any("mean ROC AUC" in m.label for m in at.metric)
    assert_locked(at, "data-run-leaks", "Run the three leaks on every seed",
                  "data-predict-selection-gain")
    commit(at, "data-predict-selection-gain").button(key="data-run-leaks").click().run()
    assert not at.exception
    assert len(at.get("vega_lite_chart")) == before + 1
    spec = json.loads(at.get("vega_lite_chart")[-1].proto.spec)
    assert "column" in spec["encoding"]
    assert any("higher in 5 of 5" in (m.delta or "") for m in at.metric)


def test_a_data_problem_shows_an_error_not_a_traceback(monkeypatch):
    """If the loan data cannot be verified, the learner reads what to do, not a traceback."""
    from case_study import stage2_data
    from case_study.errors import DataIntegrityError
    from workshop.ui.demos import data as demo

    def broken(seed):
        raise DataIntegrityError(
            "data/raw/german.data is missing. Restore it from version control."
        )

    monkeypatch.setattr(stage2_data, "cached_upstream_update", broken)
    demo._upstream.clear()
    try:
        at = _new_demo()
    finally:
        demo._upstream.clear()
    assert not at.exception
    assert any("could not run" in e.value and "Restore it" in e.value for e in at.error)
