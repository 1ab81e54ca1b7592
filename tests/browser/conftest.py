"""A real server and a real Chromium for the browser tests.

The server runs `streamlit run app.py` on a free localhost port with its own empty data
folder; Chromium is Debian's (/usr/bin/chromium), driven by Playwright. Where Chromium is
absent the tests skip and say so — unless WORKSHOP_REQUIRE_BROWSER=1 (CI), which turns that
skip into a failure.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("WORKSHOP_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
INSTRUCTOR_CODE = "browser-test-instructor-code"
SCREENSHOT_DIR = PROJECT_ROOT / "tests" / "browser" / "screenshots"


def pytest_collection_modifyitems(config, items):
    """Every test in this folder is a browser test."""
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


def _require_chromium() -> None:
    if Path(CHROMIUM).exists() and os.access(CHROMIUM, os.X_OK):
        return
    reason = (
        f"Chromium is absent ({CHROMIUM} not found); "
        "install it with: apt-get install -y chromium"
    )
    if os.environ.get("WORKSHOP_REQUIRE_BROWSER") == "1":
        pytest.fail(f"WORKSHOP_REQUIRE_BROWSER=1 but {reason}")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_health(url: str, process: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"The Streamlit server exited early with code {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"The Streamlit server at {url} did not become healthy in {timeout:.0f} s")


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """Start the app on a free localhost port with its own empty data folder."""
    _require_chromium()
    data_dir = tmp_path_factory.mktemp("browser-workshop-data")
    port = _free_port()
    env = {
        **os.environ,
        "WORKSHOP_DATA_DIR": str(data_dir),
        "WORKSHOP_INSTRUCTOR_CODE": INSTRUCTOR_CODE,
        "PYTHONUNBUFFERED": "1",
    }
    log_path = data_dir / "server.log"
    log = open(log_path, "w")
    process = subprocess.Popen(
        [
            sys.executable, "-m", "streamlit", "run", str(PROJECT_ROOT / "app.py"),
            "--server.port", str(port),
            "--server.address", "127.0.0.1",
            "--server.headless", "true",
            "--browser.gatherUsageStats", "false",
        ],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for_health(url, process)
        yield {"url": url, "data_dir": data_dir, "process": process, "log": log_path,
               "instructor_code": INSTRUCTOR_CODE}
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium under Playwright (never a downloaded browser)."""
    _require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True
        )
        yield chromium
        chromium.close()


# Console errors with a known cause outside this project, each matched exactly and named.
KNOWN_CONSOLE_NOISE = (
    # Streamlit's frontend, opened at a page's own address (a reload of /why, a bookmark),
    # first asks /<page>/_stcore/health and /<page>/_stcore/host-config, gets 404, then
    # asks the app root and carries on: streamlit/streamlit#7074 (open, "confirmed").
    re.compile(r"Failed to load resource: the server responded with a status of 404 \(Not Found\) "
               r"\[http://127\.0\.0\.1:\d+/[a-z0-9-]+/_stcore/(health|host-config)\]"),
)


class PageWatch:
    """Records every request a page makes and every console error it logs."""

    def __init__(self, page):
        self.requests: list[str] = []
        self.console_errors: list[str] = []
        page.on("request", lambda request: self.requests.append(request.url))
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.console_errors.append(f"uncaught: {error}"))

    def _on_console(self, message) -> None:
        if message.type != "error":
            return
        # The text of a failed load does not say what failed; its location does.
        where = (message.location or {}).get("url") or ""
        self.console_errors.append(f"{message.text} [{where}]" if where else message.text)

    def outside_requests(self) -> list[str]:
        """Requests to anywhere but 127.0.0.1 (data: and blob: URLs stay in the page)."""
        return [
            url
            for url in self.requests
            if not url.startswith(
                ("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:", "about:")
            )
        ]

    def unexpected_console_errors(self) -> list[str]:
        """Console errors and uncaught page errors, less the named known noise above."""
        return [text for text in self.console_errors
                if not any(pattern.fullmatch(text) for pattern in KNOWN_CONSOLE_NOISE)]

    def assert_clean(self, where: str = "") -> None:
        """Fail if the page asked anything of another host or logged an unexpected error."""
        place = f" on {where}" if where else ""
        assert self.outside_requests() == [], f"requests left 127.0.0.1{place}"
        assert self.unexpected_console_errors() == [], f"console errors{place}"


VIEWPORT = {"width": 1400, "height": 1000}


@pytest.fixture
def make_context(browser):
    """Make fresh browser contexts (each its own cookies, storage and Streamlit session:
    one per learner or instructor); all are closed afterwards."""
    made = []

    def make():
        ctx = browser.new_context(viewport=VIEWPORT)
        made.append(ctx)
        return ctx

    yield make
    for ctx in made:
        ctx.close()


@pytest.fixture
def context(make_context):
    """A fresh browser context (its own cookies and storage), closed afterwards."""
    return make_context()


@pytest.fixture
def screenshot_dir() -> Path:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    return SCREENSHOT_DIR


@pytest.fixture
def watch():
    return PageWatch
