"""A demo's two sides carry comparable content, in a real browser: neither the
Irreproducible nor the Reproducible column runs on far below the other, leaving a long
empty column beside it (Stage 5 once left about 2,000 px of the left column empty).
"""

from __future__ import annotations

from .helpers import CONTENT_STAGES, go_to_stage, main, open_app, wait_for_charts

# How much longer one side's content may run than the other's, on a new learner's page.
MAX_GAP_PX = 400

# The content height of each column of the row headed Irreproducible | Reproducible: from
# the column's top to the bottom of its last drawn element.
COLUMN_HEIGHTS = """
() => {
  const rows = '[data-testid="stMain"] [data-testid="stHorizontalBlock"]';
  const row = [...document.querySelectorAll(rows)]
    .find(r => r.children.length === 2
          && [...r.querySelectorAll('h3')].map(h => h.textContent.trim()).join('|')
             .startsWith('Irreproducible|Reproducible'));
  if (!row) return null;
  return [...row.children].map(column => {
    const top = column.getBoundingClientRect().top;
    let bottom = top;
    column.querySelectorAll('[data-testid="stElementContainer"]').forEach(element => {
      if (element.querySelector('[data-testid="stVerticalBlock"]')) return;  // a container
      const box = element.getBoundingClientRect();
      if (box.height > 0) bottom = Math.max(bottom, box.bottom);
    });
    return Math.round(bottom - top);
  });
}
"""


def test_the_stage_5_demo_leaves_no_long_empty_column(server, context):
    """Stage 5: the approval rate with and without a baseline sit side by side, and what only
    the baseline shows runs across the page, so the two columns end close together."""
    page = context.new_page()
    open_app(page, server["url"])
    stage = next(stage for stage in CONTENT_STAGES if stage.id == "deployment")
    go_to_stage(page, stage)
    wait_for_charts(page)
    heights = page.evaluate(COLUMN_HEIGHTS)
    assert heights, "no Irreproducible | Reproducible row on the Stage 5 page"
    left, right = heights
    assert min(left, right) > 300, f"a side is nearly empty: {heights}"
    assert abs(left - right) <= MAX_GAP_PX, (
        f"Stage 5's columns end {abs(left - right)} px apart (left {left}, right {right} px)")
    heading = main(page).get_by_role("heading", name="Reproducible: what only the baseline shows")
    assert heading.count() == 1
