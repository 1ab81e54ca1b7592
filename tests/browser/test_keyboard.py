"""Every kind of check can be answered and submitted from the keyboard alone.

Each check's first answer widget gets the focus (as Tab would bring it there; an ordering
check's each position in turn); from then on only keys are pressed: arrows and Space choose,
digits and an item's words are typed, Enter picks, Tab moves on to the check's Submit button
and Enter presses it. The status line then counts the attempt, and the focus is on the
check's result area (its feedback), not fallen to the page body.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from workshop.check_model import KINDS
from workshop.ui.check_focus import result_key

from .helpers import COURSE, STEP_TIMEOUT, check_box, go_to_stage, open_app, settle

# One check of each kind the keyboard drives here, with its stage.
CHECKS = {
    "single_choice": ("why", "why-warmup-explain"),
    "predict_then_run": ("why", "why-warmup-predict"),
    "multiple_choice": ("design", "design-vague-plan"),
    "numeric": ("design", "design-threshold"),
    "ordering": ("data", "data-order-the-steps"),
    "hands_on": ("model", "model-switchboard"),
}
SUBMIT = {"predict_then_run": "Commit my prediction, then run",
          "hands_on": "Run twice in fresh processes"}
# The switchboard trains twice, each in a fresh Python process (about 25 s on 2 cores).
SLOW_KINDS = {"hands_on"}
HANDS_ON_TIMEOUT = 180_000
ATTEMPTED = re.compile(r"· attempts: 1 ·")


def _focused_text(page: Page) -> str:
    return page.evaluate(
        "() => (document.activeElement.innerText"
        " || document.activeElement.getAttribute('aria-label') || '').trim()")


def _tab_to(page: Page, name: str, limit: int = 15) -> None:
    """Press Tab until the focus is on the element named ``name`` (a button's text)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if _focused_text(page) == name:
            return
    raise AssertionError(f"Tab never reached {name!r}; the focus is on {_focused_text(page)!r}")


def _answer(page: Page, box: Locator, kind: str, check) -> None:
    """Fill the check's answer with keys only, starting from its first widget."""
    if kind == "single_choice":
        box.get_by_role("radio").first.focus()
        page.keyboard.press("ArrowDown")
    elif kind in ("multiple_choice", "hands_on"):
        box.get_by_role("checkbox").first.focus()
        page.keyboard.press("Space")
        expect(box.get_by_role("checkbox").first).to_be_checked(timeout=STEP_TIMEOUT)
    elif kind in ("numeric", "predict_then_run"):
        box.get_by_role("spinbutton").first.focus()
        page.keyboard.type("1")
        page.keyboard.press("Enter")
    elif kind == "ordering":
        for position, option in enumerate(check.options, 1):
            field = box.get_by_role("combobox", name=f"Position {position}")
            field.focus()  # where Tab from the position before lands
            page.keyboard.type(option.text[:40])
            page.keyboard.press("Enter")
            expect(field).to_have_value(option.text, timeout=STEP_TIMEOUT)
            settle(page)
    settle(page)


def test_every_kind_of_check_is_driven_here():
    """A new kind of check needs its keys here too."""
    assert set(CHECKS) == set(KINDS)


def _focus_in_result(page: Page, check_id: str) -> bool:
    """Whether the focus is in the check's result area (``check_focus.result_key``)."""
    return page.evaluate(
        "(selector) => { const area = document.querySelector(selector);"
        " return !!area && area.contains(document.activeElement); }",
        f".st-key-{result_key(check_id)}")


def _focus_where(page: Page) -> str:
    return page.evaluate(
        "() => { const e = document.activeElement; if (!e) return 'nothing';"
        " return `${e.tagName} ${e.className}`.slice(0, 200); }")


@pytest.mark.parametrize("kind", [
    pytest.param(kind, marks=pytest.mark.slow) if kind in SLOW_KINDS else kind
    for kind in CHECKS])
def test_each_kind_of_check_is_submitted_by_keyboard(server, context, watch, kind):
    """Keys alone answer the check and press its Submit; the attempt is counted, and the
    focus stays at the check: on its result area, labelled, not on the page body."""
    stage_id, check_id = CHECKS[kind]
    stage = COURSE.stage(stage_id)
    check = COURSE.check(check_id)
    assert str(getattr(check.kind, "value", check.kind)) == kind
    page = context.new_page()
    seen = watch(page)
    open_app(page, server["url"])
    go_to_stage(page, stage)
    box = check_box(page, stage, check_id)
    _answer(page, box, kind, check)
    _tab_to(page, SUBMIT.get(kind, "Submit"))
    page.keyboard.press("Enter")
    timeout = HANDS_ON_TIMEOUT if kind in SLOW_KINDS else STEP_TIMEOUT
    expect(check_box(page, stage, check_id).get_by_text(ATTEMPTED)).to_be_visible(
        timeout=timeout)
    settle(page, timeout=timeout)
    try:
        page.wait_for_function(
            "(selector) => { const area = document.querySelector(selector);"
            " return !!area && area === document.activeElement; }",
            arg=f".st-key-{result_key(check_id)}", timeout=STEP_TIMEOUT)
    except PlaywrightTimeout:
        raise AssertionError(f"after the submit the focus is on {_focus_where(page)!r}, "
                             "not the check's result area") from None
    index = [item.id for item in stage.checks].index(check_id) + 1
    assert page.evaluate("() => document.activeElement.getAttribute('aria-label')") == (
        f"Check {index} of {len(stage.checks)}: result")
    # Still there once everything has settled (a late redraw does not drop it).
    page.wait_for_timeout(500)
    assert _focus_in_result(page, check_id), _focus_where(page)
    seen.assert_clean(f"a {kind} check answered by keyboard")
