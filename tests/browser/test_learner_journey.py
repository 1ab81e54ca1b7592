"""A learner in a real browser: through the first stages, checks graded, marks in the
sidebar, and progress that survives a refresh (the resume code rides in ``?code=``)."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from .helpers import (
    CONTENT_STAGES,
    STEP_TIMEOUT,
    answer_single_choice,
    check_box,
    expect_mark,
    expect_stage_page,
    go_to_stage,
    main,
    open_app,
    resume_code,
    settle,
    single_choice_checks,
    stage_link,
    status_line,
    wrong_key,
)

STAGES = CONTENT_STAGES
FIRST, SECOND = STAGES[0], STAGES[1]


def test_learner_goes_through_stages_and_sidebar_marks_follow_their_checks(server, context, watch):
    """A new learner starts at the welcome page, answers a check wrong then right, finishes
    Stage 0, moves on to Stage 1, and sees the sidebar marks go · → ◐ → ✓."""
    page = context.new_page()
    seen = watch(page)
    open_app(page, server["url"])
    code = resume_code(page)
    for stage in STAGES:
        expect_mark(page, stage, "·")

    main(page).get_by_role("button", name=re.compile(r"^Start")).first.click()
    expect_stage_page(page, FIRST)
    assert f"code={code}" in page.url, "the resume code should ride along in the address"

    check = single_choice_checks(FIRST)[0]
    box = answer_single_choice(page, FIRST, check, wrong_key(check))
    expect(box.get_by_text(status_line("failed", 1, 0), exact=True)).to_be_visible(
        timeout=STEP_TIMEOUT
    )
    wrong_option = next(option for option in check.options if option.key == wrong_key(check))
    expect(box.get_by_text(f"Not quite. {wrong_option.feedback}".strip())).to_be_visible()
    expect_mark(page, FIRST, "◐")

    box = answer_single_choice(page, FIRST, check, check.answer)
    expect(box.get_by_text(status_line("passed", 2, 0), exact=True)).to_be_visible(
        timeout=STEP_TIMEOUT
    )
    expect(box.get_by_text(re.compile(r"^Right\."))).to_be_visible()
    expect_mark(page, FIRST, "◐")

    # Finish the stage by revealing every other check: a stage is ✓ when each check is
    # passed or revealed.
    for other in FIRST.checks:
        if other.id == check.id:
            continue
        other_box = check_box(page, FIRST, other.id)
        other_box.get_by_role("button", name="Reveal", exact=True).click()
        expect(other_box.get_by_text(status_line("revealed", 0, 0), exact=True)).to_be_visible(
            timeout=STEP_TIMEOUT)
        settle(page)
    expect_mark(page, FIRST, "✓")

    main(page).get_by_role("button", name="Next stage →", exact=True).click()
    expect_stage_page(page, SECOND)
    assert f"code={code}" in page.url
    expect_mark(page, FIRST, "✓")
    expect_mark(page, SECOND, "·")

    second_check = single_choice_checks(SECOND)[0]
    box = answer_single_choice(page, SECOND, second_check, wrong_key(second_check))
    expect(box.get_by_text(status_line("failed", 1, 0), exact=True)).to_be_visible(
        timeout=STEP_TIMEOUT
    )
    expect_mark(page, SECOND, "◐")
    assert resume_code(page) == code, "the learner keeps one code across pages"
    seen.assert_clean("the learner's journey")


def test_refresh_keeps_the_learners_code_and_progress(server, context, watch):
    """A learner passes one check, fails another and takes a hint, refreshes the browser, and
    finds the same resume code, the same marks, outcomes and hint."""
    page = context.new_page()
    seen = watch(page)
    open_app(page, server["url"])
    go_to_stage(page, FIRST)
    code = resume_code(page)

    passed_check, failed_check = single_choice_checks(FIRST)[1:3]
    box = answer_single_choice(page, FIRST, passed_check, passed_check.answer)
    expect(box.get_by_text(status_line("passed", 1, 0), exact=True)).to_be_visible(
        timeout=STEP_TIMEOUT
    )
    box = answer_single_choice(page, FIRST, failed_check, wrong_key(failed_check))
    expect(box.get_by_text(status_line("failed", 1, 0), exact=True)).to_be_visible(
        timeout=STEP_TIMEOUT
    )
    box.get_by_role("button", name=f"Hint (0/{len(failed_check.hints)})", exact=True).click()
    expect(box.get_by_text(f"Hint 1: {failed_check.hints[0]}")).to_be_visible(timeout=STEP_TIMEOUT)
    expect_mark(page, FIRST, "◐")
    settle(page)
    before = page.url
    assert f"code={code}" in before

    page.reload()
    expect_stage_page(page, FIRST)
    assert page.url == before, "a refresh keeps the address, resume code included"
    assert resume_code(page) == code, "a refresh must not make a new learner"
    expect_mark(page, FIRST, "◐")
    expect(check_box(page, FIRST, passed_check.id).get_by_text(
        status_line("passed", 1, 0), exact=True)).to_be_visible(timeout=STEP_TIMEOUT)
    failed_box = check_box(page, FIRST, failed_check.id)
    expect(failed_box.get_by_text(status_line("failed", 1, 1), exact=True)).to_be_visible()
    expect(failed_box.get_by_text(f"Hint 1: {failed_check.hints[0]}")).to_be_visible()
    # A passed check stays finished after the refresh: it cannot be submitted again.
    expect(
        check_box(page, FIRST, passed_check.id).get_by_role("button", name="Submit")
    ).to_be_disabled()
    # The other stages are as untouched as before.
    for stage in STAGES[1:]:
        expect(stage_link(page, stage)).to_have_text(re.compile("not started$"))
    seen.assert_clean("a refreshed stage page")
