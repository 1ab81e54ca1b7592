"""A demo button waits for the prediction of the check it feeds, in a real browser.

The check reruns alone when its prediction is committed (a fragment), yet the demo button
above must unlock: the commit reruns the whole app once (check_widgets._demo_waits).
"""

from __future__ import annotations

import re

from playwright.sync_api import expect

from .helpers import (
    COURSE,
    LOAD_TIMEOUT,
    STEP_TIMEOUT,
    check_box,
    go_to_stage,
    main,
    open_app,
    settle,
)

MODEL = COURSE.stage("model")
LABEL = "Try 20 split seeds"
CHECK = "model-best-seed-gap"


def test_the_demo_button_unlocks_once_the_prediction_is_committed(server, context, watch):
    """Stage 3: "Try 20 split seeds" is disabled and links to its check; committing the
    prediction there unlocks it; pressing it opens the figure and the button goes away."""
    page = context.new_page()
    seen = watch(page)
    open_app(page, server["url"])
    go_to_stage(page, MODEL)
    locked = main(page).get_by_role("button", name=re.compile(rf"^🔒 {LABEL} — "))
    expect(locked).to_be_disabled(timeout=LOAD_TIMEOUT)
    link = main(page).get_by_role("link", name=re.compile(r"^Go to check \d+ below"))
    expect(link).to_have_attribute("href", re.compile(rf"#check-{CHECK}$"))
    expect(page.locator(f"#check-{CHECK}")).to_have_count(1)

    box = check_box(page, MODEL, CHECK)
    field = box.get_by_label(re.compile(r"^Your prediction"))
    field.fill("0.05")
    field.press("Enter")
    settle(page)
    box.get_by_role("button", name="Commit my prediction, then run", exact=True).click()
    unlocked = main(page).get_by_role("button", name=LABEL, exact=True)
    expect(unlocked).to_be_enabled(timeout=STEP_TIMEOUT)
    settle(page)
    unlocked.click()
    expect(main(page).get_by_text("A team reporting its best seed claims")).to_be_visible(
        timeout=LOAD_TIMEOUT)
    expect(main(page).get_by_role("button", name=re.compile(re.escape(LABEL)))).to_have_count(0)
    seen.assert_clean("the Stage 3 page")
