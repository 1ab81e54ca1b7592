"""How many learners can one workshop server take? A benchmark, not a test.

Starts the real app (``python -m streamlit run app.py``) on a free loopback port with a
fresh, empty progress store, then drives N concurrent learner sessions over Streamlit's own
websocket protocol (``/_stcore/stream``, the BackMsg/ForwardMsg protobufs a browser sends
and receives). Each learner:

1. loads the welcome page (the HTML page over HTTP, then the websocket and the script run),
2. opens a stage page,
3. answers one check and presses Submit (about one in three answers wrongly).

It prints latency percentiles (p50 / p95 / max) of a page load and of a check submission,
the server's memory (VmRSS from ``/proc/<pid>/status``, sampled during the run, and its
peak VmHWM), and whether the progress store lost anything: the attempts counted in the
SQLite store must equal the submissions the learners made.

Usage (from the project root)::

    python scripts/load_room.py --learners 30
    python scripts/load_room.py --learners 100 --ramp-seconds 10

Everything stays on 127.0.0.1; the server and its temporary data folder are removed at the
end, also on Ctrl-C or a timeout.
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
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
if str(PROJECT_ROOT) not in sys.path:  # run as a script: make the project importable
    sys.path.insert(0, str(PROJECT_ROOT))

import websockets  # noqa: E402
from streamlit.proto.BackMsg_pb2 import BackMsg  # noqa: E402
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg  # noqa: E402
from streamlit.proto.WidgetStates_pb2 import WidgetStates  # noqa: E402

from case_study import paths  # noqa: E402
from workshop.content import load_course  # noqa: E402
from workshop.errors import WorkshopError  # noqa: E402
from workshop.progress import ATTEMPT_FAILED, ATTEMPT_PASSED, ProgressStore  # noqa: E402

APP = PROJECT_ROOT / "app.py"
MAX_LEARNERS = 500
HOST = "127.0.0.1"
FINISHED_OK = ForwardMsg.FINISHED_SUCCESSFULLY
FINISHED_EARLY = ForwardMsg.FINISHED_EARLY_FOR_RERUN
FINISHED_FRAGMENT = ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY


class LoadError(RuntimeError):
    """The benchmark could not run (server did not start, a page broke, …)."""


# --- the server -----------------------------------------------------------------------------

def free_port() -> int:
    """A TCP port on the loopback interface that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def start_server(port: int, data_dir: Path, log_path: Path) -> subprocess.Popen:
    """Start ``streamlit run app.py`` on ``HOST:port`` with ``WORKSHOP_DATA_DIR=data_dir``."""
    env = dict(os.environ)
    env["WORKSHOP_DATA_DIR"] = str(data_dir)
    env.pop("WORKSHOP_INSTRUCTOR_CODE", None)  # learners only; the gate is not measured
    command = [sys.executable, "-m", "streamlit", "run", str(APP),
               "--server.port", str(port), "--server.address", HOST,
               "--server.headless", "true", "--browser.gatherUsageStats", "false"]
    log = open(log_path, "wb")  # noqa: SIM115 — closed by stop_server via the process
    return subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)


def wait_until_healthy(process: subprocess.Popen, port: int, timeout: float) -> float:
    """Seconds until ``/_stcore/health`` answers ``ok``; raises LoadError on timeout."""
    started = time.perf_counter()
    url = f"http://{HOST}:{port}/_stcore/health"
    while time.perf_counter() - started < timeout:
        if process.poll() is not None:
            raise LoadError(f"The server exited with code {process.returncode} before "
                            "it answered; see its log below.")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.read().strip() == b"ok":
                    return time.perf_counter() - started
        except OSError:
            pass
        time.sleep(0.2)
    raise LoadError(f"The server did not answer {url} within {timeout:.0f} s.")


def stop_server(process: subprocess.Popen) -> None:
    """Stop the server we started (its own process group), politely, then firmly."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def memory_kb(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak) of a process in kB, from ``/proc/<pid>/status``."""
    figures = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            name, _, value = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                figures[name] = int(value.split()[0])
    except OSError:
        pass
    return figures


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds the process has used, from ``/proc/<pid>/stat``."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# --- the check a learner answers ------------------------------------------------------------

@dataclass(frozen=True)
class ChoiceCheck:
    """A single-choice check: where it is, the option texts a learner can pick."""

    stage_id: str
    check_id: str
    right_text: str
    wrong_text: str


def lessons_dir() -> Path:
    """The lessons the server will load: ``WORKSHOP_LESSONS_DIR`` if set, else lessons/."""
    configured = os.environ.get("WORKSHOP_LESSONS_DIR", "").strip()
    return Path(configured) if configured else paths.LESSONS_DIR


def pick_check(stage_id: str | None) -> ChoiceCheck:
    """The first single-choice check of the course (or of ``stage_id``)."""
    try:
        course = load_course(lessons_dir())
    except WorkshopError as error:
        raise LoadError(f"The lessons do not load, so the app cannot either. {error}") from error
    for stage in course.stages:
        if stage_id and stage.id != stage_id:
            continue
        for check in stage.checks:
            if str(getattr(check.kind, "value", check.kind)) != "single_choice":
                continue
            texts = {option.key: option.text for option in check.options}
            wrong = next(key for key in texts if key != check.answer)
            return ChoiceCheck(stage.id, check.id, texts[check.answer], texts[wrong])
    where = f"stage {stage_id!r}" if stage_id else "the course"
    raise LoadError(f"Expected a single_choice check in {where}; found none. "
                    "Pass --stage with a stage that has one.")


# --- one learner over the websocket ---------------------------------------------------------

@dataclass
class Figures:
    """Everything measured, across learners."""

    page_loads: list[float] = field(default_factory=list)
    submissions: list[float] = field(default_factory=list)
    submitted: int = 0
    errors: list[str] = field(default_factory=list)
    rss_kb: list[int] = field(default_factory=list)


@dataclass
class RunResult:
    """What one script run sent back: the widgets drawn and any exception shown."""

    widgets: dict[str, str]
    exceptions: list[str]


async def http_get(port: int, path: str = "/") -> int:
    """Fetch a page as a browser's first request does; returns the bytes read."""
    reader, writer = await asyncio.open_connection(HOST, port)
    writer.write(f"GET {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\n"
                 "Connection: close\r\n\r\n".encode())
    await writer.drain()
    body = await reader.read()
    writer.close()
    await writer.wait_closed()
    if not body.startswith(b"HTTP/1.1 200"):
        raise LoadError(f"GET {path} answered {body[:40]!r}, expected HTTP 200.")
    return len(body)


class Learner:
    """One browser tab, speaking Streamlit's websocket protocol."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.ws = None
        self.query_string = ""
        self.page_hash = ""

    async def connect(self) -> None:
        self.ws = await websockets.connect(
            f"ws://{HOST}:{self.port}/_stcore/stream", subprotocols=["streamlit"],
            max_size=None, open_timeout=60, ping_interval=None)

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()

    async def run(self, page_name: str, widgets: WidgetStates | None = None) -> RunResult:
        """Ask for a script run (a page load, or a rerun after a click) and read every
        message until the run finished; a run cut short by ``st.rerun`` is followed."""
        message = BackMsg()
        state = message.rerun_script
        state.query_string = self.query_string
        state.page_name = page_name
        if widgets is not None:
            state.page_script_hash = self.page_hash
            state.widget_states.CopyFrom(widgets)
        await self.ws.send(message.SerializeToString())
        result = RunResult({}, [])
        while True:
            forward = ForwardMsg()
            forward.ParseFromString(await self.ws.recv())
            kind = forward.WhichOneof("type")
            if kind == "new_session":
                self.page_hash = forward.new_session.page_script_hash or self.page_hash
            elif kind == "navigation":
                self.page_hash = forward.navigation.page_script_hash or self.page_hash
            elif kind == "page_info_changed":
                self.query_string = forward.page_info_changed.query_string
            elif kind == "delta" and forward.delta.WhichOneof("type") == "new_element":
                _note_element(forward.delta.new_element, result)
            elif kind == "script_finished":
                if forward.script_finished == FINISHED_EARLY:
                    result = RunResult({}, [])  # st.rerun: the next run is the page
                    continue
                if forward.script_finished == FINISHED_FRAGMENT:
                    continue  # a fragment redrew itself; the page run is still to come
                if forward.script_finished != FINISHED_OK:
                    result.exceptions.append(f"script finished with status "
                                             f"{forward.script_finished}")
                return result


def _note_element(element, result: RunResult) -> None:
    kind = element.WhichOneof("type")
    body = getattr(element, kind)
    widget_id = getattr(body, "id", "") if hasattr(body, "id") else ""
    if widget_id:
        result.widgets[widget_id] = kind
    if kind == "exception":
        result.exceptions.append(f"{body.type}: {body.message}")


def _widget(widgets: Iterable[str], suffix: str) -> str:
    found = [widget_id for widget_id in widgets if widget_id.endswith(suffix)]
    if not found:
        raise LoadError(f"Expected a widget whose key ends with {suffix!r} on the page; "
                        "found none (did the check widgets change?).")
    return found[0]


async def one_learner(index: int, port: int, check: ChoiceCheck, figures: Figures,
                      delay: float, step_timeout: float, record: bool = True) -> None:
    """Load the welcome page, open the stage, submit one answer; note the timings."""
    await asyncio.sleep(delay)
    learner = Learner(port)
    try:
        started = time.perf_counter()
        await asyncio.wait_for(http_get(port), step_timeout)
        await asyncio.wait_for(learner.connect(), step_timeout)
        welcome = await asyncio.wait_for(learner.run(""), step_timeout)
        loaded = time.perf_counter()
        stage = await asyncio.wait_for(learner.run(check.stage_id), step_timeout)
        opened = time.perf_counter()
        for result in (welcome, stage):
            if result.exceptions:
                raise LoadError("; ".join(result.exceptions))
        if record:
            figures.page_loads.extend([loaded - started, opened - loaded])
        if not record:
            return
        answer_id = _widget(stage.widgets, f"-{check.check_id}-answer")
        submit_id = _widget(stage.widgets, f"-{check.check_id}-submit")
        states = WidgetStates()
        answer = states.widgets.add()
        answer.id = answer_id
        # About a third answer wrongly, as in a real room; both count as attempts.
        answer.string_value = check.wrong_text if index % 3 == 0 else check.right_text
        button = states.widgets.add()
        button.id = submit_id
        button.trigger_value = True
        before = time.perf_counter()
        graded = await asyncio.wait_for(learner.run(check.stage_id, states), step_timeout)
        if graded.exceptions:
            raise LoadError("; ".join(graded.exceptions))
        figures.submissions.append(time.perf_counter() - before)
        figures.submitted += 1
    except (LoadError, OSError, asyncio.TimeoutError,
            websockets.exceptions.WebSocketException) as error:
        figures.errors.append(f"learner {index}: {type(error).__name__}: {error}")
    finally:
        await learner.close()


async def sample_memory(pid: int, figures: Figures, stop: asyncio.Event) -> None:
    """Note the server's VmRSS every 0.25 s until ``stop`` is set."""
    while not stop.is_set():
        rss = memory_kb(pid).get("VmRSS")
        if rss:
            figures.rss_kb.append(rss)
        try:
            await asyncio.wait_for(stop.wait(), 0.25)
        except asyncio.TimeoutError:
            pass


async def drive(port: int, pid: int, check: ChoiceCheck, learners: int, ramp: float,
                step_timeout: float, total_timeout: float) -> tuple[Figures, float]:
    """All learners at once (start times spread over ``ramp`` seconds); returns the
    figures and the wall time of the whole room."""
    figures = Figures()
    stop = asyncio.Event()
    sampler = asyncio.create_task(sample_memory(pid, figures, stop))
    started = time.perf_counter()
    tasks = [one_learner(i, port, check, figures, ramp * i / max(1, learners),
                         step_timeout) for i in range(learners)]
    try:
        await asyncio.wait_for(asyncio.gather(*tasks), total_timeout)
    except asyncio.TimeoutError:
        figures.errors.append(f"the room did not finish within {total_timeout:.0f} s")
    wall = time.perf_counter() - started
    stop.set()
    await sampler
    return figures, wall


# --- figures ---------------------------------------------------------------------------------

def percentile(values: list[float], share: float) -> float:
    """The ``share`` quantile (nearest rank) of ``values``."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(share * len(ordered) + 0.5)))
    return ordered[rank - 1]


def describe(values: list[float]) -> str:
    """``p50 / p95 / max`` in milliseconds (and n)."""
    if not values:
        return "no measurements"
    return (f"p50 {percentile(values, 0.50) * 1000:7.0f} ms   "
            f"p95 {percentile(values, 0.95) * 1000:7.0f} ms   "
            f"max {max(values) * 1000:7.0f} ms   (n={len(values)}, "
            f"mean {statistics.fmean(values) * 1000:.0f} ms)")


def stored_attempts(data_dir: Path) -> tuple[int, int]:
    """Attempts counted in the store: summed per-check counters, and attempt events."""
    store = ProgressStore(data_dir)
    counters = sum(row.attempts for row in store.all_progress())
    events = sum(1 for event in store.events_since(None)
                 if event.kind in (ATTEMPT_PASSED, ATTEMPT_FAILED))
    return counters, events


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its figures; exit code 1 if anything was lost."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--learners", type=int, default=30,
                        help=f"concurrent learner sessions (1–{MAX_LEARNERS}; default 30)")
    parser.add_argument("--ramp-seconds", type=float, default=5.0,
                        help="spread the learners' start over this many seconds (default 5)")
    parser.add_argument("--stage", default=None,
                        help="stage whose first single-choice check is answered "
                             "(default: the first such check of the course)")
    parser.add_argument("--step-timeout", type=float, default=120.0,
                        help="seconds one page load or submission may take (default 120)")
    parser.add_argument("--timeout", type=float, default=600.0,
                        help="seconds the whole room may take (default 600)")
    args = parser.parse_args(argv)
    if not 1 <= args.learners <= MAX_LEARNERS:
        parser.error(f"--learners must be between 1 and {MAX_LEARNERS}")

    load_before = os.getloadavg()[0]
    try:
        check = pick_check(args.stage)
    except LoadError as error:
        print(f"load_room: {error}", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="workshop-load-"))
    data_dir, log_path = work / "data", work / "server.log"
    port = free_port()
    process = start_server(port, data_dir, log_path)
    try:
        boot = wait_until_healthy(process, port, timeout=90)
        idle = memory_kb(process.pid)
        # One learner first, not counted: the first visit imports the case study and fills
        # the caches, which a room pays once, before the talk starts.
        warm = Figures()
        warm_started = time.perf_counter()
        asyncio.run(one_learner(-1, port, check, warm, 0, args.step_timeout, record=False))
        warm_seconds = time.perf_counter() - warm_started
        if warm.errors:
            raise LoadError("The warm-up learner failed: " + "; ".join(warm.errors))
        warm_memory = memory_kb(process.pid)
        cpu_before = cpu_seconds(process.pid)
        figures, wall = asyncio.run(drive(port, process.pid, check, args.learners,
                                          args.ramp_seconds, args.step_timeout,
                                          args.timeout))
        cpu_used = cpu_seconds(process.pid) - cpu_before
        final_memory = memory_kb(process.pid)
    except LoadError as error:
        print(f"load_room: {error}", file=sys.stderr)
        print(log_path.read_text(errors="replace")[-4000:], file=sys.stderr)
        stop_server(process)
        shutil.rmtree(work, ignore_errors=True)
        return 2
    except BaseException:
        stop_server(process)
        shutil.rmtree(work, ignore_errors=True)
        raise
    stop_server(process)
    counters, events = stored_attempts(data_dir)
    shutil.rmtree(work, ignore_errors=True)

    lost = counters != figures.submitted or events != figures.submitted
    print(f"Room load: {args.learners} learners, start spread over {args.ramp_seconds:g} s, "
          f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    # Other work on the machine slows the server down: say how busy it was.
    print(f"  machine load      1-min load average {load_before:.1f} before, "
          f"{os.getloadavg()[0]:.1f} after")
    print(f"  check answered    {check.stage_id} / {check.check_id}")
    print(f"  server ready in   {boot:.1f} s; warm-up learner {warm_seconds:.1f} s "
          "(imports and caches, not counted)")
    print(f"  whole room took   {wall:.1f} s wall, server CPU {cpu_used:.1f} s")
    print(f"  page load         {describe(figures.page_loads)}")
    print("                    (HTTP page + websocket + script run; welcome and stage page)")
    print(f"  check submission  {describe(figures.submissions)}")
    rss_peak = max(figures.rss_kb, default=0)
    print(f"  server memory     idle {idle.get('VmRSS', 0) / 1024:.0f} MB, after warm-up "
          f"{warm_memory.get('VmRSS', 0) / 1024:.0f} MB, peak during the room "
          f"{rss_peak / 1024:.0f} MB (VmHWM {final_memory.get('VmHWM', 0) / 1024:.0f} MB), "
          f"end {final_memory.get('VmRSS', 0) / 1024:.0f} MB")
    print(f"  progress store    {figures.submitted} submissions made; store counts "
          f"{counters} attempts and {events} attempt events -> "
          f"{'LOST ' + str(figures.submitted - counters) if lost else 'nothing lost'}")
    if figures.errors:
        print(f"  errors            {len(figures.errors)}")
        for line in figures.errors[:10]:
            print(f"    {line}")
    return 1 if lost or figures.errors else 0


if __name__ == "__main__":
    sys.exit(main())
