"""Stage 0 demo: nothing gives the unfiltered median away until the learner presses Recompute;
then the learner's filters recompute it, and both columns and every forking path draw."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.ui.demo_helpers import assert_locked, commit


def _demo():
    from workshop.ui.demos import why

    why.render()


def _new_demo() -> AppTest:
    return AppTest.from_function(_demo, default_timeout=60).run()


def _recomputed() -> AppTest:
    """The demo after the learner pressed Recompute (with the default filters)."""
    return commit(_new_demo(), "why-warmup-predict").button(key="why-recompute").click().run()


def _learner_metric(at: AppTest, label: str) -> str:
    """The first metric with this label: the learner's own recomputation comes first."""
    return next(m.value for m in at.metric if m.label == label)


def _everything_shown(at: AppTest) -> str:
    """Every text, metric, caption, table and chart data on the page, as one string."""
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [f"{m.label} {m.value} {m.delta}" for m in at.metric]
    parts += (
        [e.value for e in at.success] + [e.value for e in at.warning] + [e.value for e in at.info]
    )
    parts += [df.value.to_csv() for df in at.dataframe]
    parts += [chart.proto.spec for chart in at.get("vega_lite_chart")]
    return "\n".join(parts)


def test_before_recompute_no_median_is_shown_and_the_button_is_named():
    """A learner opening Stage 0 sees the filters, both column headings and the Recompute
    button with a caption asking for the prediction first — but no median, table or chart."""
    from case_study.stage0_why import median_stars_all_languages

    at = _new_demo()
    assert not at.exception
    assert not at.error
    assert [s.value for s in at.subheader] == ["Irreproducible", "Reproducible"]
    assert_locked(at, "why-recompute", "Recompute", "why-warmup-predict")
    assert at.metric.len == 0 and at.dataframe.len == 0
    assert not at.get("vega_lite_chart")
    shown = _everything_shown(at)
    answer = median_stars_all_languages()
    for text in (f"{answer:,.1f}", f"{answer:g}", "152"):
        assert text not in shown


def test_demo_renders_both_columns_and_a_chart_once_recomputed():
    """After Recompute: both columns, the forking-paths chart and no error; the button has
    done its job and the figures stay open on later runs."""
    at = _recomputed()
    assert not at.exception
    assert not at.error
    assert [s.value for s in at.subheader] == ["Irreproducible", "Reproducible"]
    assert len(at.get("vega_lite_chart")) >= 1
    medians = [m.value for m in at.metric if m.label == "Median stars"]
    assert medians[1:] == ["152.0", "196.5"]  # without and with the unstated filter
    assert at.session_state["why-recomputed"] is True
    at.run()
    assert [m.value for m in at.metric if m.label == "Median stars"] == medians
    assert "why-recompute" not in [button.key for button in at.button]


def test_ticking_python_only_brings_the_published_median_back():
    """The learner ticks the authors' filter: the median recomputes and the claim comes back."""
    at = _recomputed()
    assert _learner_metric(at, "Median stars") == "152.0"
    assert at.warning[0].value.startswith("That is not the published median")
    at.checkbox(key="why-python-only").check().run()
    assert not at.exception
    assert _learner_metric(at, "Median stars") == "196.5"
    assert _learner_metric(at, "Repositories matching") == "18 of 200"
    assert len(at.success) == 2  # the learner's recomputation and the reproducible column


def test_filters_chosen_before_recompute_are_the_ones_recomputed():
    """A learner ticks the filter first, then presses Recompute: the figure uses that filter."""
    at = _new_demo()
    at.checkbox(key="why-python-only").check().run()
    assert at.metric.len == 0
    commit(at, "why-warmup-predict").button(key="why-recompute").click().run()
    assert _learner_metric(at, "Median stars") == "196.5"


def test_dropping_a_required_item_changes_the_count_and_the_median():
    """Requiring fewer items counts more repositories and moves the median."""
    at = _recomputed()
    before = (_learner_metric(at, "Repositories matching"), _learner_metric(at, "Median stars"))
    at.multiselect(key="why-required-items").unselect("results").run()
    assert not at.exception
    after = (_learner_metric(at, "Repositories matching"), _learner_metric(at, "Median stars"))
    assert after != before
    assert after[0].endswith("of 221")


def test_requiring_nothing_still_draws():
    """Clearing every item is allowed: every repository counts, no error."""
    at = _recomputed()
    at.multiselect(key="why-required-items").set_value([]).run()
    assert not at.exception and not at.error
    assert _learner_metric(at, "Repositories matching") == "221 of 221"
