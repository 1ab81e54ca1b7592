"""Stage 0 demo: the learner's filters recompute the median; both columns and every forking path draw."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest


def _demo():
    from workshop.ui.demos import why

    why.render()


def _new_demo() -> AppTest:
    return AppTest.from_function(_demo, default_timeout=60).run()


def _learner_metric(at: AppTest, label: str) -> str:
    """The first metric with this label: the learner's own recomputation comes first."""
    return next(m.value for m in at.metric if m.label == label)


def test_demo_renders_both_columns_and_a_chart():
    """A learner opening Stage 0 sees both columns, the forking-paths chart and no error."""
    at = _new_demo()
    assert not at.exception
    assert not at.error
    assert [s.value for s in at.subheader] == ["Irreproducible", "Reproducible"]
    assert len(at.get("vega_lite_chart")) >= 1
    medians = [m.value for m in at.metric if m.label == "Median stars"]
    assert medians[1:] == ["152.0", "196.5"]  # without and with the unstated filter


def test_ticking_python_only_brings_the_published_median_back():
    """The learner ticks the authors' filter: the median recomputes and the claim comes back."""
    at = _new_demo()
    assert _learner_metric(at, "Median stars") == "152.0"
    assert at.warning[0].value.startswith("That is not the published median")
    at.checkbox(key="why-python-only").check().run()
    assert not at.exception
    assert _learner_metric(at, "Median stars") == "196.5"
    assert _learner_metric(at, "Repositories matching") == "18 of 200"
    assert len(at.success) == 2  # the learner's recomputation and the reproducible column


def test_dropping_a_required_item_changes_the_count_and_the_median():
    """Requiring fewer items counts more repositories and moves the median."""
    at = _new_demo()
    before = (_learner_metric(at, "Repositories matching"), _learner_metric(at, "Median stars"))
    at.multiselect(key="why-required-items").unselect("results").run()
    assert not at.exception
    after = (_learner_metric(at, "Repositories matching"), _learner_metric(at, "Median stars"))
    assert after != before
    assert after[0].endswith("of 221")


def test_requiring_nothing_still_draws():
    """Clearing every item is allowed: every repository counts, no error."""
    at = _new_demo()
    at.multiselect(key="why-required-items").set_value([]).run()
    assert not at.exception and not at.error
    assert _learner_metric(at, "Repositories matching") == "221 of 221"
