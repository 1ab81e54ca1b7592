"""An instructor in a second browser watches the room view count a learner's pass, without
touching the page: the room view redraws itself every few seconds."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from .helpers import (
    COURSE,
    ROOM_TIMEOUT,
    STEP_TIMEOUT,
    answer_single_choice,
    go_to_stage,
    main,
    open_app,
    open_room_tab,
    single_choice_checks,
    status_line,
)

FIRST = COURSE.stages[0]
# The last single-choice check of Stage 0: no other browser test answers it, but the
# reading below is relative anyway, so the order of the tests does not matter. Its row is
# near the top of the room's table, which matters: the grid draws only the rows in view.
CHECK = single_choice_checks(FIRST)[-1]


def room_cell(page: Page, check_id: str, column: str):
    """The room's check table: the cell in ``column`` of the row of ``check_id``.

    ``st.dataframe`` paints its cells on a canvas and keeps an accessible copy as an
    HTML grid (``table[role=grid]``), hidden from view, which is what this reads.
    """
    grid = main(page).locator('[data-testid="stDataFrame"] table[role="grid"]').filter(
        has=page.locator("th", has_text=re.compile(r"^pass rate$")))
    expect(grid.locator("th", has_text=re.compile(rf"^{re.escape(column)}$"))).to_be_attached(
        timeout=STEP_TIMEOUT)
    headers = [text.strip() for text in grid.locator("thead th").all_text_contents()]
    row = grid.locator("tbody tr").filter(
        has=page.locator("td", has_text=re.compile(rf"^{re.escape(check_id)}$")))
    return row.locator("td").nth(headers.index(column))


def test_instructor_room_view_counts_a_learners_pass_by_itself(server, make_context, watch):
    """An instructor unlocks the instructor page and opens the room view; a learner elsewhere
    passes a check; without a click, the instructor's table counts one more pass."""
    instructor = make_context().new_page()
    instructor_seen = watch(instructor)
    open_app(instructor, server["url"])
    open_room_tab(instructor, server["instructor_code"])
    passed_cell = room_cell(instructor, CHECK.id, "passed")
    attempted_cell = room_cell(instructor, CHECK.id, "attempted")
    expect(passed_cell).to_have_text(re.compile(r"^\d+$"), timeout=STEP_TIMEOUT)
    passed_before = int(passed_cell.inner_text())
    attempted_before = int(attempted_cell.inner_text())

    learner = make_context().new_page()
    learner_seen = watch(learner)
    open_app(learner, server["url"])
    go_to_stage(learner, FIRST)
    box = answer_single_choice(learner, FIRST, CHECK, CHECK.answer)
    expect(box.get_by_text(status_line("passed", 1, 0), exact=True)).to_be_visible(
        timeout=STEP_TIMEOUT
    )

    # No click on the instructor's page: its room view redraws itself.
    expect(passed_cell).to_have_text(str(passed_before + 1), timeout=ROOM_TIMEOUT)
    expect(attempted_cell).to_have_text(str(attempted_before + 1), timeout=ROOM_TIMEOUT)
    learner_seen.assert_clean("the learner's page")
    instructor_seen.assert_clean("the instructor's room view")
