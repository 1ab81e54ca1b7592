"""A check in a real browser reruns only itself: each check on a stage page is a fragment.

The proof is the websocket: the browser asks for a fragment rerun (its
``ClientState.fragment_id`` is set), the server finishes only fragment runs, never a page
run, and draws nothing outside the check (no heading; the sidebar's links only when the
mark may change). The page agrees: the heading outside the check keeps its DOM node and is
never marked stale. (That alone would prove little: React keeps unchanged nodes through a
page rerun too, and a fast page rerun may redraw an element before it is marked stale.)
The feedback shows. The sidebar's marks still follow: a press that
changes the stage's mark reruns the sidebar's links with the check, and only such a press
does.
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from .helpers import (
    CONTENT_STAGES,
    STEP_TIMEOUT,
    StreamLog,
    answer_single_choice,
    check_box,
    expect_mark,
    go_to_stage,
    main,
    open_app,
    same_node,
    settle,
    single_choice_checks,
    stage_heading,
    stale_marks,
    status_line,
    watch_redraws,
    wrong_key,
)

FIRST = CONTENT_STAGES[0]
PAGE_RUN = "FINISHED_SUCCESSFULLY"
FRAGMENT_RUN = "FINISHED_FRAGMENT_RUN_SUCCESSFULLY"
HEADING = "stage-heading"


def _heading(page: Page):
    return main(page).get_by_role("heading", name=stage_heading(FIRST), level=1)


def _open_first_stage(page: Page, url: str) -> StreamLog:
    log = StreamLog(page)  # before the app opens its websocket
    open_app(page, url)
    go_to_stage(page, FIRST)
    watch_redraws(_heading(page), HEADING)
    return log


def _assert_heading_untouched(page: Page) -> None:
    assert stale_marks(page, HEADING) == [], "the page's heading was drawn again"
    assert same_node(_heading(page), HEADING), "the page's heading is a new node"


def _assert_fragment_only(log: StreamLog, mark, *, sidebar: bool) -> None:
    """Since ``mark``: one fragment rerun asked for, only fragments ran, and the sidebar's
    links were drawn again exactly when ``sidebar``."""
    sent, received = log.since(mark)
    requests = log.rerun_requests(sent)
    assert requests, "the press should have asked the server for a rerun"
    assert all(request.fragment_id for request in requests), \
        "a press inside a check should ask for a fragment rerun, not a page rerun"
    finished = log.finished(received)
    assert FRAGMENT_RUN in finished and PAGE_RUN not in finished, finished
    elements = log.elements(received)
    assert "heading" not in elements, "the page's heading should not be drawn again"
    assert ("page_link" in elements) == sidebar, elements


def test_submitting_a_check_reruns_only_that_check(server, context, watch):
    """Submit on a stage page: the feedback shows, the heading outside the check keeps its
    DOM node, and only fragments ran. The first attempt turns the mark · → ◐ and redraws
    the sidebar's links with the check; the next attempt, which changes no mark, does not."""
    page = context.new_page()
    seen = watch(page)
    log = _open_first_stage(page, server["url"])
    check = single_choice_checks(FIRST)[0]
    wrong = next(option for option in check.options if option.key == wrong_key(check))
    expect_mark(page, FIRST, "·")

    mark = log.mark()
    box = answer_single_choice(page, FIRST, check, wrong.key)
    expect(box.get_by_text(status_line("failed", 1, 0), exact=True)).to_be_visible(
        timeout=STEP_TIMEOUT)
    expect(box.get_by_text(f"Not quite. {wrong.feedback}".strip())).to_be_visible()
    expect_mark(page, FIRST, "◐")
    settle(page)
    _assert_fragment_only(log, mark, sidebar=True)
    _assert_heading_untouched(page)

    mark = log.mark()
    box.get_by_role("button", name="Submit", exact=True).click()
    expect(box.get_by_text(status_line("failed", 2, 0), exact=True)).to_be_visible(
        timeout=STEP_TIMEOUT)
    settle(page)
    _assert_fragment_only(log, mark, sidebar=False)
    expect_mark(page, FIRST, "◐")
    _assert_heading_untouched(page)
    seen.assert_clean("a stage page with fragment checks")


def test_passing_the_last_open_check_turns_the_mark_done(server, context, watch):
    """Every check but one revealed, then the last one passed: the sidebar shows ✓ at once,
    though only the check (and the sidebar's links) reran."""
    page = context.new_page()
    seen = watch(page)
    log = _open_first_stage(page, server["url"])
    last = single_choice_checks(FIRST)[-1]
    for other in FIRST.checks:
        if other.id == last.id:
            continue
        other_box = check_box(page, FIRST, other.id)
        other_box.get_by_role("button", name="Reveal", exact=True).click()
        expect(other_box.get_by_text(status_line("revealed", 0, 0), exact=True)).to_be_visible(
            timeout=STEP_TIMEOUT)
        settle(page)
    expect_mark(page, FIRST, "◐")
    # Revealing the prediction that the demo's button waits for reran the page once (the
    # button unlocks): watch the heading from here.
    watch_redraws(_heading(page), HEADING)

    mark = log.mark()
    box = answer_single_choice(page, FIRST, last, last.answer)
    expect(box.get_by_text(status_line("passed", 1, 0), exact=True)).to_be_visible(
        timeout=STEP_TIMEOUT)
    expect(box.get_by_text(re.compile(r"^Right\."))).to_be_visible()
    expect_mark(page, FIRST, "✓")
    settle(page)
    _assert_fragment_only(log, mark, sidebar=True)
    _assert_heading_untouched(page)
    seen.assert_clean("the last check of a stage")


def test_a_committed_prediction_then_the_demo_button_opens_the_figure(server, context, watch):
    """Stage 0's predict-then-run check: the demo's button above waits for it (disabled);
    the commitment reruns the check (the computed value shows beside the prediction), then
    the page once, so the button unlocks; pressing it opens the figure, and the check stays
    committed."""
    page = context.new_page()
    seen = watch(page)
    log = _open_first_stage(page, server["url"])
    predict = next(check for check in FIRST.checks
                   if str(getattr(check.kind, "value", check.kind)) == "predict_then_run")
    box = check_box(page, FIRST, predict.id)
    locked = main(page).get_by_role("button", name=re.compile(r"^🔒 Recompute — "))
    expect(locked).to_be_disabled()
    number = box.get_by_role("spinbutton")
    number.fill("10")
    number.press("Enter")
    settle(page)

    mark = log.mark()
    box.get_by_role("button", name="Commit my prediction, then run", exact=True).click()
    expect(box.get_by_text("Computed now", exact=True)).to_be_visible(timeout=STEP_TIMEOUT)
    settle(page)
    _, received = log.since(mark)
    finished = log.finished(received)
    # The check's fragment records the commitment and hands over to one run of the whole
    # app (it ends "early for rerun"), which unlocks the button above: the page runs once.
    # (The number's Enter may still rerun the check's fragment after the mark: settle cannot
    # tell a run that has not started yet from none.)
    assert finished[-1] == PAGE_RUN and finished.count(PAGE_RUN) == 1, finished

    recompute = main(page).get_by_role("button", name="Recompute", exact=True)
    mark = log.mark()
    recompute.click()
    expect(main(page).get_by_text("The figure recomputes whenever you change a filter.")
           ).to_be_visible(timeout=STEP_TIMEOUT)
    settle(page)
    _, received = log.since(mark)
    assert PAGE_RUN in log.finished(received), "the demo's button reruns the page"
    # The websocket log tells the two apart: a page run draws the heading again.
    assert "heading" in log.elements(received)
    box = check_box(page, FIRST, predict.id)
    expect(box.get_by_text("Computed now", exact=True)).to_be_visible()
    expect(box.get_by_role("button", name="Commit my prediction, then run")).to_be_disabled()
    seen.assert_clean("a prediction, then the demo")
