"""Stage 3 in a real browser: "Run again" adds a point to the unseeded runs' chart, while
the seeded result stays put — and a seeded rerun lands on the very same spot. The page
says which runs the server made earlier and which are the learner's."""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, expect

from .helpers import COURSE, LOAD_TIMEOUT, STEP_TIMEOUT, go_to_stage, main, open_app, settle

MODEL = COURSE.stage("model")
# The demo's caption under each chart (workshop/ui/demos/model.py, _hash_summary).
RUNS_CAPTION = re.compile(
    r"^(\d+) runs? · ROC AUC (\d\.\d{4})–(\d\.\d{4}) \(spread (\d\.\d{4})\) · "
    r"(\d+) distinct model hash(es)?$"
)


def _column(page: Page, title: str) -> Locator:
    """The bordered demo column headed "Irreproducible" or "Reproducible"."""
    return (
        main(page)
        .locator('[data-testid="stColumn"]')
        .filter(has=page.get_by_role("heading", name=title, exact=True))
        .first
    )


def _runs_caption(column: Locator) -> Locator:
    return column.locator('[data-testid="stCaptionContainer"]').filter(has_text=RUNS_CAPTION)


def _points(column: Locator) -> Locator:
    """The dots of the column's runs chart (Vega draws one SVG path per point; the legend's
    symbols are not marks)."""
    return column.locator('[data-testid="stVegaLiteChart"] g.mark-symbol.role-mark path')


def _caption_figures(column: Locator) -> tuple[int, str, str, str, int]:
    match = RUNS_CAPTION.match(_runs_caption(column).inner_text().strip())
    assert match, "the runs caption has changed its wording"
    runs, low, high, spread, hashes = match.group(1, 2, 3, 4, 5)
    return int(runs), low, high, spread, int(hashes)


def test_run_again_adds_an_unseeded_point_while_the_seeded_result_stays(server, context, watch):
    """A learner presses "Run again" on Stage 3: one more red dot appears and the count says
    so, while the seeded AUC and its single hash do not move; rerunning the seeded version
    puts a second dot on exactly the same AUC with the same model hash."""
    page = context.new_page()
    seen = watch(page)
    open_app(page, server["url"])
    go_to_stage(page, MODEL)
    left, right = _column(page, "Irreproducible"), _column(page, "Reproducible")
    expect(_runs_caption(left)).to_be_visible(timeout=LOAD_TIMEOUT)
    expect(_runs_caption(right)).to_be_visible(timeout=LOAD_TIMEOUT)

    runs, *_ = _caption_figures(left)
    assert runs >= 2, "the unseeded demo starts with several runs"
    expect(left.get_by_text(f"Runs 1–{runs}: earlier runs by this server")).to_be_visible()
    expect(left.get_by_text("None yours yet")).to_be_visible()
    expect(_points(left)).to_have_count(runs, timeout=STEP_TIMEOUT)
    seeded_before = _runs_caption(right).inner_text().strip()
    seeded_runs, seeded_low, seeded_high, seeded_spread, seeded_hashes = _caption_figures(right)
    assert (seeded_runs, seeded_hashes, seeded_low) == (1, 1, seeded_high)
    expect(_points(right)).to_have_count(1, timeout=STEP_TIMEOUT)

    left.get_by_role("button", name="Run again", exact=True).click()
    expect(_runs_caption(left)).to_have_text(
        re.compile(rf"^{runs + 1} runs · "), timeout=STEP_TIMEOUT
    )
    expect(left.get_by_text(f"Run {runs + 1}: yours")).to_be_visible()
    settle(page)
    expect(_points(left)).to_have_count(runs + 1, timeout=STEP_TIMEOUT)
    # Unseeded runs are new models: more than one model hash among them.
    assert _caption_figures(left)[4] > 1
    expect(_runs_caption(right)).to_have_text(seeded_before)
    expect(_points(right)).to_have_count(1)

    right.get_by_role("button", name="Run the seeded version again", exact=True).click()
    expect(_runs_caption(right)).to_have_text(
        f"2 runs · ROC AUC {seeded_low}–{seeded_low} (spread 0.0000) · 1 distinct model hash",
        timeout=STEP_TIMEOUT,
    )
    settle(page)
    expect(_points(right)).to_have_count(2, timeout=STEP_TIMEOUT)
    expect(right.get_by_text(re.compile(r"^Model .+ = .+ ✓$"))).to_be_visible()
    # The seeded rerun did not add to the unseeded runs.
    expect(_points(left)).to_have_count(runs + 1)
    seen.assert_clean("the Stage 3 page")
