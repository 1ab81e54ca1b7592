"""Stage 0: recomputing Papers with Code's "median of 196 stars" from their own CSV."""

from __future__ import annotations

import tomllib

import pytest

from case_study import stage0_why as s0
from case_study.errors import CaseStudyError
from case_study.paths import LESSONS_DIR


def test_python_only_with_all_five_items_gives_196_5_and_reproduces_the_claim():
    """With the filter the authors' notebook applies, the published median comes back."""
    summary = s0.summarise_stars(python_only=True)
    assert summary.median_stars == 196.5
    assert (summary.count, summary.n_considered) == (18, 200)
    assert round(summary.mean_stars, 1) == 2664.9
    assert summary.reproduces_claim


def test_without_the_python_filter_the_median_is_152_and_the_claim_does_not_come_back():
    """The headline as stated, without the unstated step, gives another number."""
    summary = s0.summarise_stars(python_only=False)
    assert summary.median_stars == 152.0
    assert (summary.count, summary.n_considered) == (20, 221)
    assert summary.difference == 152.0 - s0.PUBLISHED_MEDIAN_STARS
    assert not summary.reproduces_claim


def test_the_order_of_the_chosen_items_does_not_matter():
    """Ticking the items in another order is the same analysis (and the same cache entry)."""
    forward = s0.summarise_stars(True, s0.CHECKLIST_ITEMS)
    backward = s0.summarise_stars(True, tuple(reversed(s0.CHECKLIST_ITEMS)))
    assert forward == backward


def test_requiring_nothing_counts_every_repository():
    """No required item: every repository after the language filter counts."""
    assert s0.summarise_stars(False, ()).count == 221
    assert s0.summarise_stars(True, ()).count == 200


def test_an_unknown_item_is_refused_with_the_valid_names():
    """A typo in an item name says which names exist instead of silently matching nothing."""
    with pytest.raises(CaseStudyError, match=r"'readme'.*dependencies"):
        s0.summarise_stars(True, ["readme"])


def test_another_path_lands_on_the_same_median_with_another_count():
    """Every language, 'dependencies' not required: the same median over other repositories
    (what the check why-same-number-other-path asks about)."""
    other = s0.summarise_stars(False, [i for i in s0.CHECKLIST_ITEMS if i != "dependencies"])
    authors = s0.summarise_stars(True)
    assert other.median_stars == authors.median_stars
    assert other.count != authors.count
    table = s0.all_filter_combinations()
    assert len(table) == 12
    assert table["reproduces_claim"].sum() >= 2


def test_a_summary_of_nothing_has_no_median_and_does_not_reproduce():
    """An empty selection shows dashes, not a crash, and claims nothing."""
    empty = s0.StarsSummary(True, s0.CHECKLIST_ITEMS, 0, 0, None, None)
    assert empty.difference is None and empty.share == 0.0 and not empty.reproduces_claim


def test_check_functions_return_the_computed_medians():
    """The predict-then-run check computes, it does not read a typed-in number."""
    assert s0.median_stars_all_languages() == 152.0
    assert s0.median_stars_python_only() == 196.5


def test_side_by_side_has_the_headline_figures_without_and_with_the_filter():
    """python -m case_study stage 0 prints both columns; the median row shows both numbers."""
    table = s0.side_by_side()
    assert list(table.columns) == ["figure", "irreproducible", "reproducible"]
    row = table.set_index("figure").loc["median stars (recomputed)"]
    assert (row["irreproducible"], row["reproducible"]) == ("152.0", "196.5")
    claim = table.set_index("figure").loc["published claim reproduced"]
    assert (claim["irreproducible"], claim["reproducible"]) == ("no", "yes")


def test_the_warmup_check_names_the_function_that_computes_its_answer():
    """The lesson's predict-then-run check points at this module; its answer is what it computes."""
    checks = tomllib.loads(
        (LESSONS_DIR / "00-why" / "checks.toml").read_text(encoding="utf-8")
    )["check"]
    warmup = next(c for c in checks if c["id"] == "why-warmup-predict")
    assert warmup["compute"] == "case_study.stage0_why:median_stars_all_languages"
    assert abs(warmup["answer"] - s0.median_stars_all_languages()) <= warmup["tolerance"]
    assert abs(s0.PUBLISHED_MEDIAN_STARS - s0.median_stars_all_languages()) > warmup["tolerance"]
