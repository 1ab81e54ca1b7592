"""What does one check submission cost the server? A benchmark, not a test.

Starts the real app (``python -m streamlit run app.py``) on a free loopback port with a
fresh, empty progress store and talks to it as a browser does, over Streamlit's websocket
(``/_stcore/stream``, BackMsg/ForwardMsg protobufs, with the browser's message cache: each
request lists the hashes of the cacheable messages already received, so unchanged large
elements come back as short references).

For each stage asked for, and each way a click can reach the server:

- ``full page``: the rerun request a browser sends for a widget that is not in a fragment
  (no ``fragment_id``): the whole page runs, records the attempt, and runs again
  (``st.rerun()``) so the buttons and the sidebar agree with the store — what every check
  click cost before the checks became fragments;
- ``fragment``: the request the browser sends for a widget inside a fragment
  (``ClientState.fragment_id`` = the fragment the Submit button was drawn in, read from the
  ``Delta.fragment_id`` of its element): only that check and the sidebar's marks rerun.

a new learner opens the stage and presses Submit ``--clicks`` times on the stage's first
single-choice check (a wrong answer, so the check stays open; the first press also turns
the stage's mark from · to ◐). It prints, per click: the server's CPU (user + system, from
``/proc/<pid>/stat``, over all clicks, divided by their number), the bytes the server sent,
and the wall time until the run finished.

Usage (from the project root)::

    .venv/bin/python scripts/bench_checks.py
    .venv/bin/python scripts/bench_checks.py --stages why,model --clicks 40
    .venv/bin/python scripts/bench_checks.py --root /tmp/old-checkout --modes full

``--root`` serves another checkout of the app (e.g. ``git archive HEAD``) with this
project's Python, to measure the code before a change.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
if str(PROJECT_ROOT) not in sys.path:  # run as a script: make the project importable
    sys.path.insert(0, str(PROJECT_ROOT))

import websockets  # noqa: E402
from streamlit.proto.BackMsg_pb2 import BackMsg  # noqa: E402
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg  # noqa: E402
from streamlit.proto.WidgetStates_pb2 import WidgetStates  # noqa: E402

from workshop.content import load_course  # noqa: E402

HOST = "127.0.0.1"
MODES = ("full", "fragment")
FINISHED_OK = ForwardMsg.FINISHED_SUCCESSFULLY
FINISHED_FRAGMENT = ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY
FINISHED_EARLY = ForwardMsg.FINISHED_EARLY_FOR_RERUN


class BenchError(RuntimeError):
    """The benchmark could not run (the server did not start, a page broke, …)."""


# --- the server -------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def start_server(root: Path, port: int, data_dir: Path, log_path: Path) -> subprocess.Popen:
    env = dict(os.environ)
    env["WORKSHOP_DATA_DIR"] = str(data_dir)
    env.pop("WORKSHOP_INSTRUCTOR_CODE", None)
    command = [sys.executable, "-m", "streamlit", "run", str(root / "app.py"),
               "--server.port", str(port), "--server.address", HOST,
               "--server.headless", "true", "--browser.gatherUsageStats", "false"]
    log = open(log_path, "wb")  # noqa: SIM115 — closed with the process
    return subprocess.Popen(command, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)


def wait_until_healthy(process: subprocess.Popen, port: int, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchError(f"the server exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}/_stcore/health",
                                        timeout=2) as response:
                if response.read().strip() == b"ok":
                    return
        except OSError:
            time.sleep(0.2)
    raise BenchError(f"the server did not answer within {timeout:.0f} s")


def stop_server(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of the process (all its threads, living or ended)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_until_idle(pid: int, timeout: float = 120) -> None:
    """Wait until the server has used no CPU for a second (its background import warm-up,
    started by the first stage page, would otherwise be counted against the clicks)."""
    deadline = time.monotonic() + timeout
    last = cpu_seconds(pid)
    while time.monotonic() < deadline:
        time.sleep(1.0)
        now = cpu_seconds(pid)
        if now - last < 0.02:
            return
        last = now


# --- a browser tab over the websocket ---------------------------------------------------

@dataclass
class Run:
    """What one request brought back."""

    widgets: dict[str, str] = field(default_factory=dict)  # widget id -> fragment id
    exceptions: list[str] = field(default_factory=list)
    bytes: int = 0
    finished: list[str] = field(default_factory=list)


class Tab:
    """One browser tab: a websocket session with the browser's message cache."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.ws = None
        self.query_string = ""
        self.page_hash = ""
        self.cached: set[str] = set()

    async def connect(self) -> None:
        self.ws = await websockets.connect(
            f"ws://{HOST}:{self.port}/_stcore/stream", subprotocols=["streamlit"],
            max_size=None, open_timeout=60, ping_interval=None)

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()

    async def request(self, page_name: str, widgets: WidgetStates | None = None,
                      fragment_id: str = "") -> Run:
        """Send a rerun request and read until its run (page or fragment) has finished."""
        message = BackMsg()
        state = message.rerun_script
        state.query_string = self.query_string
        state.page_name = page_name
        state.cached_message_hashes.extend(sorted(self.cached))
        if widgets is not None:
            state.page_script_hash = self.page_hash
            state.widget_states.CopyFrom(widgets)
        if fragment_id:
            state.fragment_id = fragment_id
        await self.ws.send(message.SerializeToString())
        run = Run()
        while True:
            frame = await self.ws.recv()
            run.bytes += len(frame)
            forward = ForwardMsg()
            forward.ParseFromString(frame)
            if self._note(forward, run):
                return run

    def _note(self, forward: ForwardMsg, run: Run) -> bool:
        """Take one message in; True when it ends the run asked for."""
        kind = forward.WhichOneof("type")
        if forward.metadata.cacheable and forward.hash:
            self.cached.add(forward.hash)
        if kind == "new_session":
            self.page_hash = forward.new_session.page_script_hash or self.page_hash
        elif kind == "navigation":
            self.page_hash = forward.navigation.page_script_hash or self.page_hash
        elif kind == "page_info_changed":
            self.query_string = forward.page_info_changed.query_string
        elif kind == "delta" and forward.delta.WhichOneof("type") == "new_element":
            element = forward.delta.new_element
            body = getattr(element, element.WhichOneof("type"))
            if getattr(body, "id", ""):
                run.widgets[body.id] = forward.delta.fragment_id
            if element.WhichOneof("type") == "exception":
                run.exceptions.append(f"{body.type}: {body.message}")
        elif kind == "script_finished":
            status = ForwardMsg.ScriptFinishedStatus.Name(forward.script_finished)
            run.finished.append(status)
            if forward.script_finished not in (FINISHED_OK, FINISHED_FRAGMENT, FINISHED_EARLY):
                run.exceptions.append(f"script finished with status {status}")
            return forward.script_finished != FINISHED_EARLY
        return False


# --- clicks -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Target:
    """The check pressed on a stage: its id and a wrong option's text."""

    stage_id: str
    check_id: str
    wrong_text: str


def pick_target(course, stage_id: str) -> Target:
    stage = course.stage(stage_id)
    for check in stage.checks:
        if str(getattr(check.kind, "value", check.kind)) == "single_choice":
            wrong = next(o.text for o in check.options if o.key != check.answer)
            return Target(stage.id, check.id, wrong)
    raise BenchError(f"stage {stage_id!r} has no single-choice check to press")


def widget_id(widgets: dict[str, str], suffix: str) -> str:
    found = [name for name in widgets if name.endswith(suffix)]
    if not found:
        raise BenchError(f"no widget whose key ends with {suffix!r} on the page")
    return found[0]


@dataclass
class Figures:
    """One stage, one mode: per-click figures."""

    cpu_ms: float
    kb: list[float]
    wall_ms: list[float]
    fragment_runs: bool


async def clicks(port: int, pid: int, target: Target, mode: str, count: int) -> Figures:
    """A new learner opens the stage and presses Submit ``count`` times (a wrong answer)."""
    tab = Tab(port)
    await tab.connect()
    try:
        await tab.request("")
        page = await tab.request(target.stage_id)
        if page.exceptions:
            raise BenchError("; ".join(page.exceptions))
        answer_id = widget_id(page.widgets, f"-{target.check_id}-answer")
        submit_id = widget_id(page.widgets, f"-{target.check_id}-submit")
        fragment_id = page.widgets[submit_id] if mode == "fragment" else ""
        if mode == "fragment" and not fragment_id:
            raise BenchError("the Submit button is not in a fragment on this server")
        kb, wall, all_fragment = [], [], True
        cpu_before = cpu_seconds(pid)
        for _ in range(count):
            states = WidgetStates()
            answer = states.widgets.add()
            answer.id, answer.string_value = answer_id, target.wrong_text
            button = states.widgets.add()
            button.id, button.trigger_value = submit_id, True
            started = time.perf_counter()
            run = await tab.request(target.stage_id, states, fragment_id)
            wall.append((time.perf_counter() - started) * 1000)
            if run.exceptions:
                raise BenchError("; ".join(run.exceptions))
            kb.append(run.bytes / 1024)
            all_fragment &= FINISHED_OK not in [ForwardMsg.ScriptFinishedStatus.Value(s)
                                                for s in run.finished]
        cpu_ms = (cpu_seconds(pid) - cpu_before) * 1000 / count
        return Figures(cpu_ms, kb, wall, all_fragment)
    finally:
        await tab.close()


def line(stage_id: str, mode: str, figures: Figures) -> str:
    runs = "fragments only" if figures.fragment_runs else "whole page"
    return (f"  {stage_id:<12} {mode:<9} CPU {figures.cpu_ms:6.1f} ms/click   "
            f"sent {statistics.median(figures.kb):6.1f} KB/click (median; first "
            f"{figures.kb[0]:.1f})   wall {statistics.median(figures.wall_ms):6.1f} ms "
            f"(median)   reran: {runs}")


def measure(root: Path, stages: list[str], modes: list[str], count: int) -> list[str]:
    course = load_course()
    targets = [pick_target(course, stage_id) for stage_id in stages]
    work = Path(tempfile.mkdtemp(prefix="workshop-bench-checks-"))
    port = free_port()
    process = start_server(root, port, work / "data", work / "server.log")
    try:
        wait_until_healthy(process, port)
        lines = []
        for target in targets:
            # Warm: the stage's imports and caches are paid once per server, not per click.
            asyncio.run(clicks(port, process.pid, target, "full", 2))
            wait_until_idle(process.pid)
            for mode in modes:
                figures = asyncio.run(clicks(port, process.pid, target, mode, count))
                lines.append(line(target.stage_id, mode, figures))
        return lines
    except BenchError:
        print((work / "server.log").read_text(errors="replace")[-3000:], file=sys.stderr)
        raise
    finally:
        stop_server(process)
        shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stages", default="why,model",
                        help="comma-separated stage ids (default: why,model — a light and "
                             "a heavy stage page)")
    parser.add_argument("--modes", default=",".join(MODES),
                        help="full, fragment or both (default)")
    parser.add_argument("--clicks", type=int, default=30,
                        help="Submit presses per stage and mode (default 30)")
    parser.add_argument("--root", type=Path, default=PROJECT_ROOT,
                        help="the checkout whose app.py is served (default: this one)")
    args = parser.parse_args(argv)
    modes = [mode for mode in args.modes.split(",") if mode]
    if not set(modes) <= set(MODES) or args.clicks < 1:
        parser.error(f"--modes takes {', '.join(MODES)}; --clicks at least 1")
    load_before = os.getloadavg()[0]
    try:
        lines = measure(args.root.resolve(), args.stages.split(","), modes, args.clicks)
    except BenchError as error:
        print(f"bench_checks: {error}", file=sys.stderr)
        return 2
    print(f"Check submissions: {args.clicks} Submit presses per stage and mode, one learner, "
          f"app at {args.root}; {os.cpu_count()} CPUs, 1-min load {load_before:.1f} before, "
          f"{os.getloadavg()[0]:.1f} after")
    print("  CPU: the server's user+system time over all presses / presses; "
          "sent: websocket bytes from the server per press")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
