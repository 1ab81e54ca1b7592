"""Every chart's text fits, in a real browser: no axis title, label, legend entry or header
runs past the edge of its chart, and none is cut short with "…".

The test opens each stage page with every figure unlocked (its checks committed in the
store, then each button a check's prompt names pressed), and the wrap-up, and measures the
text of each drawn chart (Streamlit draws Vega-Lite as SVG): a text's box must lie inside
the chart's SVG, give or take the few pixels of a font's em box. The projector's view of
each stage (the demo at 140 %) is measured too.
"""

from __future__ import annotations

import re

from playwright.sync_api import expect

from .helpers import (
    CONTENT_STAGES,
    COURSE,
    LOAD_TIMEOUT,
    main,
    open_app,
    resume_code,
    settle,
    sidebar,
    stage_link,
    wait_for_charts,
)

# A rotated or hanging text's box reaches past its ink by a pixel or two (the em box).
SLACK_PX = 4
# Buttons a check's prompt names ('Predict before you press "Try 20 split seeds"').
PRESSED = re.compile(r'press "([^"]+)"')
# How long a press may take: some figures train models on a cold server.
PRESS_TIMEOUT = 180_000

MEASURE = """
(slack) => [...document.querySelectorAll('[data-testid="stMain"] [data-testid="stVegaLiteChart"]')]
  .map((chart, index) => {
    const svg = chart.querySelector('svg.marks');
    if (!svg) return {index, name: 'a chart not drawn as SVG', bad: []};
    // The SVG is the chart's whole drawing: what lies outside it is not drawn.
    const s = svg.getBoundingClientRect();
    const left = s.left - slack, right = s.right + slack;
    const bad = [...svg.querySelectorAll('text')]
      // A label hidden because it would overlap another (Vega's labelOverlap) is not read.
      .filter(t => t.textContent && t.getBoundingClientRect().width > 0
              && getComputedStyle(t).opacity !== '0' && getComputedStyle(t).visibility !== 'hidden')
      .map(t => ({text: t.textContent, box: t.getBoundingClientRect()}))
      .filter(({text, box}) => text.endsWith('…') || box.left < left || box.right > right
              || box.top < s.top - slack || box.bottom > s.bottom + slack)
      .map(({text, box}) => `${JSON.stringify(text)} (left ${Math.round(box.left - s.left)},`
           + ` right ${Math.round(s.right - box.right)}, top ${Math.round(box.top - s.top)},`
           + ` bottom ${Math.round(s.bottom - box.bottom)} px from the edges)`);
    const name = (svg.getAttribute('aria-label') || chart.getAttribute('aria-label')
                  || `chart ${index + 1}`).slice(0, 80);
    return {index, name, bad};
  })
"""


def _labels_named_in_prompts(stage) -> list[str]:
    """The demo buttons this stage's checks name, in the order they are named."""
    labels = []
    for check in stage.checks:
        for label in PRESSED.findall(check.prompt):
            if label not in labels:
                labels.append(label)
    return labels


def _commit_every_check(data_dir, code: str) -> None:
    """What committing every prediction does to the store, so that no figure stays locked."""
    from workshop.progress import ProgressStore

    store = ProgressStore(data_dir)
    for stage in COURSE.stages:
        for check in stage.checks:
            store.record_attempt(code, stage.id, check.id, "failed")


def _cut_off_text(page) -> list[str]:
    wait_for_charts(page)
    # Two animation frames: every chart has been laid out at its final width.
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    return [f"{chart['name']}: {text}" for chart in page.evaluate(MEASURE, SLACK_PX)
            for text in chart["bad"]]


def test_no_chart_text_is_cut_off_on_any_page(server, context):
    """A learner with every figure open reads every chart's titles, labels and legends whole."""
    page = context.new_page()
    open_app(page, server["url"])
    _commit_every_check(server["data_dir"], resume_code(page))
    found, charts = {}, 0
    for stage in CONTENT_STAGES:
        # With its checks committed, a page computes their figures before it finishes.
        stage_link(page, stage).click()
        expect(main(page).get_by_role("button", name=re.compile("^(Next stage|Wrap-up) →$"))
               ).to_be_visible(timeout=PRESS_TIMEOUT)
        settle(page, PRESS_TIMEOUT)
        for label in _labels_named_in_prompts(stage):
            button = main(page).get_by_role("button", name=label, exact=True)
            expect(button, f"{label!r} on Stage {stage.number}").to_be_enabled(
                timeout=LOAD_TIMEOUT)
            button.click()
            page.wait_for_timeout(300)  # the rerun has begun
            settle(page, PRESS_TIMEOUT)
        charts += main(page).locator('[data-testid="stVegaLiteChart"]').count()
        found[f"Stage {stage.number}"] = _cut_off_text(page)

    sidebar(page).get_by_role("link", name=re.compile(r"^Wrap-up")).click()
    page.wait_for_url(re.compile(r"/wrap-up(\?|$)"), timeout=LOAD_TIMEOUT)
    expect(main(page).locator('[data-testid="stVegaLiteChart"]').first).to_be_visible(
        timeout=LOAD_TIMEOUT)
    settle(page)
    charts += main(page).locator('[data-testid="stVegaLiteChart"]').count()
    found["the wrap-up"] = _cut_off_text(page)

    assert charts >= 15, f"only {charts} charts were drawn: were the figures unlocked?"
    cut = {where: texts for where, texts in found.items() if texts}
    assert cut == {}, f"chart text cut off: {cut}"


def test_no_chart_text_is_cut_off_on_the_projector(server, browser):
    """The room's screen (1280 × 720, the demo at 140 %): every chart's text whole too."""
    from .test_projector import PROJECTOR_VIEWPORT, _open_projector

    context = browser.new_context(viewport=PROJECTOR_VIEWPORT)
    try:
        page = context.new_page()
        found = {}
        for stage in CONTENT_STAGES:
            _open_projector(page, server, stage)
            found[f"Stage {stage.number}"] = _cut_off_text(page)
        cut = {where: texts for where, texts in found.items() if texts}
        assert cut == {}, f"chart text cut off on the projector: {cut}"
    finally:
        context.close()
