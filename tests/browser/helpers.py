"""What the browser tests do again and again: wait for Streamlit to settle, find a page's
parts (sidebar, a check's box, a demo column), and take a screenshot of a whole page.

Streamlit reruns the script over a websocket after every click, so nothing here sleeps:
it waits for the text a test expects, then for the run to finish (no element marked
stale, no status widget).
"""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Locator, Page, expect

from workshop.content import load_course
from workshop.ui.sidebar import MARK_WORDS, mark_label

# Generous, bounded: a cold first page imports scikit-learn and trains; later pages take
# well under a second.
LOAD_TIMEOUT = 60_000
STEP_TIMEOUT = 30_000
# The room view redraws itself every few seconds (ROOM_REFRESH_SECONDS = 5).
ROOM_TIMEOUT = 20_000
# Chromium cannot draw a screenshot taller than its largest texture.
MAX_SCREENSHOT_HEIGHT = 16_000

COURSE = load_course()
# The stages with a stage page: all but the wrap-up (workshop/ui/pages.py, WRAP_UP_ID).
CONTENT_STAGES = [stage for stage in COURSE.stages if stage.id != "wrap-up"]
# What a stage's link says after its name (workshop/ui/sidebar.py, MARK_WORDS).
MARK_PATTERN = "(?:" + "|".join(re.escape(words) for words in MARK_WORDS.values()) + ")"


def settle(page: Page, timeout: float = LOAD_TIMEOUT) -> None:
    """Wait until the script run has finished and every element on the page is current.

    While a rerun is under way Streamlit marks the elements it has not redrawn yet with
    ``data-stale="true"``; its status widget appears only for longer runs; the app's
    ``data-test-script-state`` says ``running`` until the run ends (elements may still be
    arriving though the one a test waited for is there). Call this after
    waiting for something the run shows, since stale marking starts a moment after a click.
    """
    expect(page.locator('[data-testid="stApp"]')).to_have_attribute(
        "data-test-script-state", "notRunning", timeout=timeout)
    expect(page.locator('[data-stale="true"]')).to_have_count(0, timeout=timeout)
    expect(page.locator('[data-testid="stStatusWidget"]')).to_have_count(0, timeout=timeout)


def main(page: Page) -> Locator:
    return page.locator('[data-testid="stMain"]')


def sidebar(page: Page) -> Locator:
    return page.locator('[data-testid="stSidebar"]')


def stage_link_label(stage, mark: str) -> str:
    """The sidebar label of a stage with this mark (· ◐ ✓): "0 Why — started ◐"."""
    return f"{stage.number} {stage.nav_title} — {mark_label(mark)}"


def stage_link(page: Page, stage) -> Locator:
    """The sidebar link of a stage, whatever its mark."""
    name = re.compile(rf"^{stage.number} {re.escape(stage.nav_title)} — {MARK_PATTERN}$")
    return sidebar(page).get_by_role("link", name=name)


def expect_mark(page: Page, stage, mark: str, timeout: float = STEP_TIMEOUT) -> None:
    """The sidebar shows this stage with this progress mark."""
    expect(sidebar(page).get_by_role("link", name=stage_link_label(stage, mark), exact=True)
           ).to_be_visible(timeout=timeout)


def resume_code(page: Page) -> str:
    """The resume code shown in the sidebar."""
    code = sidebar(page).locator('[data-testid="stCode"]').first
    expect(code).to_have_text(re.compile(r"\S+"), timeout=LOAD_TIMEOUT)
    return code.inner_text().strip()


def open_app(page: Page, url: str) -> None:
    """Open the app at its root, as a new learner does, and wait for the welcome page."""
    page.goto(url)
    expect(sidebar(page).get_by_role("link", name="Welcome", exact=True)).to_be_visible(
        timeout=LOAD_TIMEOUT)
    settle(page)


def stage_heading(stage) -> str:
    return f"Stage {stage.number} · {stage.title}"


def go_to_stage(page: Page, stage) -> None:
    """Click the stage in the sidebar and wait until its page has finished drawing."""
    stage_link(page, stage).click()
    expect_stage_page(page, stage)


def expect_stage_page(page: Page, stage) -> None:
    page.wait_for_url(re.compile(rf"/{re.escape(stage.id)}(\?|$)"), timeout=LOAD_TIMEOUT)
    expect(main(page).get_by_role("heading", name=stage_heading(stage), level=1)).to_be_visible(
        timeout=LOAD_TIMEOUT)
    expect(main(page).get_by_role("button", name=re.compile("^(Next stage|Wrap-up) →$"))
           ).to_be_visible(timeout=LOAD_TIMEOUT)
    settle(page)


def check_box(page: Page, stage, check_id: str) -> Locator:
    """The bordered box of one check on a stage page ("Check i of n")."""
    ids = [check.id for check in stage.checks]
    heading = f"Check {ids.index(check_id) + 1} of {len(ids)}"
    # Boxes nest inside the page's block; the innermost block holding the heading is the check's.
    return (main(page).locator('[data-testid="stVerticalBlock"]')
            .filter(has=page.get_by_role("heading", name=heading, exact=True)).last)


def option_text(check, key: str) -> str:
    return next(option.text for option in check.options if option.key == key)


def wrong_key(check) -> str:
    """A wrong option of a choice check: the first option that is not the answer."""
    return next(option.key for option in check.options if option.key != check.answer)


def answer_single_choice(page: Page, stage, check, key: str) -> Locator:
    """Choose an option of a single-choice check and press Submit; returns the check's box."""
    box = check_box(page, stage, check.id)
    # The radio input itself is covered by its label: click the label's text, as a person does.
    box.get_by_text(option_text(check, key), exact=True).click()
    expect(box.get_by_role("radio", name=option_text(check, key), exact=True)).to_be_checked(
        timeout=STEP_TIMEOUT)
    settle(page)
    box.get_by_role("button", name="Submit", exact=True).click()
    return box


def status_line(outcome: str, attempts: int, hints: int) -> str:
    """The line under a check's heading (check_widgets._status_line)."""
    head = {"passed": "✓ Passed", "revealed": "Answer revealed",
            "failed": "Not passed yet"}[outcome]
    return f"{head} · attempts: {attempts} · hints used: {hints}"


def single_choice_checks(stage) -> list:
    return [check for check in stage.checks
            if str(getattr(check.kind, "value", check.kind)) == "single_choice"]


def open_room_tab(page: Page, instructor_code: str) -> None:
    """From any page: go to the instructor page, check it is locked, enter the code, and
    open the Room tab."""
    sidebar(page).get_by_role("link", name="Instructor", exact=True).click()
    expect(main(page).get_by_role("heading", name="Instructor", level=1)).to_be_visible(
        timeout=LOAD_TIMEOUT)
    # Locked: nothing about the room is on the page before the code is given.
    expect(main(page).get_by_label("Instructor code")).to_be_visible(timeout=LOAD_TIMEOUT)
    expect(main(page).get_by_text("Learners with progress")).to_have_count(0)
    main(page).get_by_label("Instructor code").fill(instructor_code)
    main(page).get_by_role("button", name="Unlock", exact=True).click()
    main(page).get_by_role("tab", name="Room", exact=True).click()
    expect(main(page).get_by_text("Learners with progress")).to_be_visible(timeout=LOAD_TIMEOUT)
    settle(page)


def wait_for_charts(page: Page) -> None:
    """Every Vega-Lite chart on the page has drawn its marks (SVG or canvas)."""
    charts = main(page).locator('[data-testid="stVegaLiteChart"]')
    for index in range(charts.count()):
        expect(charts.nth(index).locator("svg.marks, canvas").first).to_be_visible(
            timeout=STEP_TIMEOUT)


def full_page_screenshot(page: Page, path: Path) -> Path:
    """A screenshot of the whole page, not just the window.

    Streamlit scrolls inside its main element, not the document, so Playwright's
    ``full_page`` alone would stop at the window's height: the window is made as tall as
    the content for the picture, then put back.
    """
    wait_for_charts(page)
    size = page.viewport_size
    height = page.evaluate(
        "() => Math.max(...['stMain', 'stSidebarContent'].map(id =>"
        " (document.querySelector(`[data-testid=${id}]`) || {scrollHeight: 0}).scrollHeight))")
    page.set_viewport_size({"width": size["width"],
                            "height": int(min(max(height, size["height"]), MAX_SCREENSHOT_HEIGHT))})
    try:
        # Two animation frames: the resized layout has been drawn.
        page.evaluate(
            "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
        page.screenshot(path=str(path), full_page=True)
    finally:
        page.set_viewport_size(size)
    return path


class StreamLog:
    """Every message on the page's Streamlit websocket, decoded: what the browser asked
    for (BackMsg) and what the server sent back (ForwardMsg).

    Attach before the page opens the app (the websocket is made on load).
    """

    def __init__(self, page: Page):
        self.sent: list = []
        self.received: list = []
        page.on("websocket", self._watch)

    def _watch(self, socket) -> None:
        if not socket.url.endswith("/_stcore/stream"):
            return
        socket.on("framesent", lambda payload: self._note(payload, self.sent, "BackMsg"))
        socket.on("framereceived",
                  lambda payload: self._note(payload, self.received, "ForwardMsg"))

    @staticmethod
    def _note(payload, into: list, kind: str) -> None:
        if isinstance(payload, str):
            return
        if kind == "BackMsg":
            from streamlit.proto.BackMsg_pb2 import BackMsg as message_type
        else:
            from streamlit.proto.ForwardMsg_pb2 import ForwardMsg as message_type
        message = message_type()
        message.ParseFromString(payload)
        into.append(message)

    def mark(self) -> tuple[int, int]:
        """Where the log stands now; pass it to :meth:`since`."""
        return len(self.sent), len(self.received)

    def since(self, mark: tuple[int, int]) -> tuple[list, list]:
        """The messages sent and received after ``mark``."""
        return self.sent[mark[0]:], self.received[mark[1]:]

    @staticmethod
    def rerun_requests(sent: list) -> list:
        """The rerun requests among sent messages (their ``rerun_script`` ClientState)."""
        return [message.rerun_script for message in sent
                if message.WhichOneof("type") == "rerun_script"]

    @staticmethod
    def finished(received: list) -> list[str]:
        """How each script run among received messages finished, by status name."""
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        return [ForwardMsg.ScriptFinishedStatus.Name(message.script_finished)
                for message in received if message.WhichOneof("type") == "script_finished"]

    @staticmethod
    def elements(received: list) -> list[str]:
        """The kinds of the elements drawn among received messages, in order."""
        return [message.delta.new_element.WhichOneof("type") for message in received
                if message.WhichOneof("type") == "delta"
                and message.delta.WhichOneof("type") == "new_element"]


def watch_redraws(locator: Locator, name: str) -> None:
    """Watch an element for page reruns, under ``name``.

    Streamlit marks the container of every element a run will draw again
    ``data-stale="true"`` until the run reaches it: a page rerun marks every element, a
    fragment rerun only the fragment's. A MutationObserver notes each such change, and the
    element's DOM node is tagged, so :func:`same_node` can tell it was not replaced.
    """
    locator.evaluate(
        """(node, name) => {
            const box = node.closest('[data-testid="stElementContainer"]') || node;
            node.__workshopWatched = name;
            const seen = (window.__workshopRedraws ??= {})[name] = [];
            new MutationObserver(changes => changes.forEach(
                () => seen.push(box.getAttribute('data-stale'))))
                .observe(box, {attributes: true, attributeFilter: ['data-stale']});
        }""", name)


def stale_marks(page: Page, name: str) -> list[str]:
    """The ``data-stale`` values the watched element's container took since it was watched."""
    return page.evaluate("name => (window.__workshopRedraws ?? {})[name] ?? null", name)


def same_node(locator: Locator, name: str) -> bool:
    """Whether the element is still the very DOM node :func:`watch_redraws` tagged."""
    return locator.evaluate("(node, name) => node.__workshopWatched === name", name)
