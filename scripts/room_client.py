"""Helpers of the load benchmarks (``scripts/load_room.py``, ``scripts/bench_floor.py``).

- the servers: one ``streamlit run`` process, ``python -m workshop serve`` (N Streamlit
  processes behind HAProxy), a throwaway PostgreSQL cluster (``tests/postgres_server.py``);
- what they cost: CPU (user + system from ``/proc/<pid>/stat``) and resident memory of a
  whole process tree, sampled while a room runs;
- a browser tab: the HTTP page request and the websocket (``/_stcore/stream``, BackMsg /
  ForwardMsg protobufs) with the browser's cookie jar (HAProxy's sticky ``SERVERID``) and
  its message cache (each rerun request lists the hashes of the cacheable messages it has
  received, so unchanged large elements come back as short references).

Everything listens on and connects to 127.0.0.1 only.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
if str(PROJECT_ROOT) not in sys.path:  # run as a script: make the project importable
    sys.path.insert(0, str(PROJECT_ROOT))

import websockets  # noqa: E402
from streamlit.proto.BackMsg_pb2 import BackMsg  # noqa: E402
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg  # noqa: E402
from streamlit.proto.WidgetStates_pb2 import WidgetStates  # noqa: E402

HOST = "127.0.0.1"
# The static files a Streamlit page names: <script src="./static/…"> and <link href="…">.
ASSET = re.compile(r'(?:src|href)="\.?/?(static/[^"]+)"')
FINISHED_OK = ForwardMsg.FINISHED_SUCCESSFULLY
FINISHED_EARLY = ForwardMsg.FINISHED_EARLY_FOR_RERUN
FINISHED_FRAGMENT = ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY
CLOCK_TICK = os.sysconf("SC_CLK_TCK")
PAGE_SIZE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


class LoadError(RuntimeError):
    """The benchmark could not run (a server did not start, a page broke, …)."""


# --- servers ------------------------------------------------------------------------------

def free_port() -> int:
    """A TCP port on the loopback interface that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


@dataclass
class Server:
    """A server we started: its process (group leader), public port and log file."""

    process: subprocess.Popen
    port: int
    log_path: Path
    name: str

    def log_tail(self, chars: int = 4000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:]

    def stop(self) -> None:
        """Stop the server we started (its own process group), politely, then firmly."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


def _spawn(command: list[str], env: dict[str, str], log_path: Path) -> subprocess.Popen:
    env = {**env, "PYTHONUNBUFFERED": "1"}
    env.pop("WORKSHOP_INSTRUCTOR_CODE", None)  # learners only; the gate is not measured
    log = open(log_path, "wb")  # noqa: SIM115 — the child holds it; closed when it ends
    try:
        return subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
    finally:
        log.close()


def start_streamlit(app: Path, data_dir: Path, log_path: Path,
                    extra_env: dict[str, str] | None = None) -> Server:
    """``python -m streamlit run <app>`` on a free loopback port, one process."""
    port = free_port()
    env = {**os.environ, "WORKSHOP_DATA_DIR": str(data_dir), **(extra_env or {})}
    command = [sys.executable, "-m", "streamlit", "run", str(app),
               "--server.port", str(port), "--server.address", HOST,
               "--server.headless", "true", "--browser.gatherUsageStats", "false"]
    server = Server(_spawn(command, env, log_path), port, log_path, "streamlit run")
    _wait(server, lambda: _healthy(port), 120)
    return server


def start_serve(processes: int, data_dir: Path, log_path: Path,
                extra_env: dict[str, str] | None = None) -> Server:
    """``python -m workshop serve --processes N`` on a free loopback port; returns once it
    printed ``Workshop ready``."""
    port = free_port()
    env = {**os.environ, **(extra_env or {})}
    command = [sys.executable, "-m", "workshop", "serve", "--processes", str(processes),
               "--port", str(port), "--address", HOST, "--data-dir", str(data_dir)]
    server = Server(_spawn(command, env, log_path), port, log_path,
                    f"workshop serve --processes {processes}")
    _wait(server, lambda: b"Workshop ready:" in log_path.read_bytes(), 180)
    return server


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://{HOST}:{port}/_stcore/health",
                                    timeout=2) as response:
            return response.read().strip() == b"ok"
    except OSError:
        return False


def _wait(server: Server, ready: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise LoadError(f"{server.name} exited with code {server.process.returncode} "
                            f"before it was ready:\n{server.log_tail()}")
        if ready():
            return
        time.sleep(0.2)
    server.stop()
    raise LoadError(f"{server.name} was not ready within {timeout:.0f} s:\n"
                    f"{server.log_tail()}")


def start_postgres():
    """A throwaway PostgreSQL cluster (tests/postgres_server.py) and a fresh database's
    URL; returns ``(cluster, url)``. Stop it with :func:`stop_postgres`."""
    from tests import postgres_server

    try:
        cluster = postgres_server.start_server()
    except BaseException as error:  # pytest's skip/fail outcomes are BaseExceptions
        if isinstance(error, KeyboardInterrupt | SystemExit):
            raise
        raise LoadError(f"no throwaway PostgreSQL: {error}") from error
    try:
        return cluster, cluster.create_database("workshop_load")
    except BaseException:
        postgres_server.remove_server(cluster)
        raise


def stop_postgres(cluster) -> None:
    from tests import postgres_server

    postgres_server.remove_server(cluster)


def postmaster_pid(cluster) -> int | None:
    """The PostgreSQL server's main pid (first line of ``postmaster.pid``)."""
    try:
        return int((cluster.folder / "data" / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


# --- CPU and memory of process trees --------------------------------------------------------

def _stat(pid: int) -> tuple[str, int, float, int] | None:
    """``(name, ppid, cpu seconds, rss kB)`` of a process from ``/proc/<pid>/stat``."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    name = text[text.index("(") + 1:text.rindex(")")]
    fields = text.rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / CLOCK_TICK
    return name, int(fields[1]), cpu, int(fields[21]) * PAGE_SIZE_KB


def tree(roots: list[int]) -> dict[int, tuple[str, float, int]]:
    """Every living process under ``roots`` (included): pid -> (name, CPU s, RSS kB)."""
    table = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            stat = _stat(int(entry))
            if stat:
                table[int(entry)] = stat
    wanted, found = set(roots), {}
    changed = True
    while changed:
        changed = False
        for pid, (name, ppid, cpu, rss) in table.items():
            if pid not in found and (pid in wanted or ppid in found):
                found[pid] = (name, cpu, rss)
                changed = True
    return found


@dataclass
class Usage:
    """CPU and memory of some process trees over an interval, sampled every 0.25 s."""

    roots: list[int]
    start_cpu: dict[int, float] = field(default_factory=dict)
    last: dict[int, tuple[str, float]] = field(default_factory=dict)
    peak_rss_kb: int = 0

    def begin(self) -> None:
        self.start_cpu = {pid: cpu for pid, (_, cpu, _) in tree(self.roots).items()}
        self.sample()

    def sample(self) -> None:
        now = tree(self.roots)
        for pid, (name, cpu, _) in now.items():
            self.last[pid] = (name, cpu)
        self.peak_rss_kb = max(self.peak_rss_kb, sum(rss for *_, rss in now.values()))

    def cpu_by_name(self) -> dict[str, float]:
        """CPU seconds since :meth:`begin` per process name (processes that ended while
        the room ran count up to their last sample)."""
        totals: dict[str, float] = {}
        for pid, (name, cpu) in self.last.items():
            totals[name] = totals.get(name, 0.0) + cpu - self.start_cpu.get(pid, 0.0)
        return totals

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            self.sample()
            try:
                await asyncio.wait_for(stop.wait(), 0.25)
            except TimeoutError:
                pass
        self.sample()


def cpu_of(roots: list[int]) -> float:
    """CPU seconds used so far by every living process under ``roots``."""
    return sum(cpu for _, cpu, _ in tree(roots).values())


def wait_until_idle(roots: list[int], timeout: float = 120) -> float:
    """Wait until the trees used under 0.03 s of CPU in a second (background warm-up
    done); returns the seconds waited."""
    started = time.monotonic()
    last = cpu_of(roots)
    while time.monotonic() - started < timeout:
        time.sleep(1.0)
        now = cpu_of(roots)
        if now - last < 0.03:
            break
        last = now
    return time.monotonic() - started


# --- a browser tab ------------------------------------------------------------------------

@dataclass
class Run:
    """What one request brought back: widget id -> fragment id, errors, bytes, statuses."""

    widgets: dict[str, str] = field(default_factory=dict)
    exceptions: list[str] = field(default_factory=list)
    bytes: int = 0
    finished: list[int] = field(default_factory=list)
    messages: list[bytes] = field(default_factory=list)


class Tab:
    """One browser tab: cookies, a websocket session and the browser's message cache."""

    def __init__(self, port: int, record: bool = False) -> None:
        self.port = port
        self.ws = None
        self.query_string = ""
        self.page_hash = ""
        self.cookies: dict[str, str] = {}
        self.cached: set[str] = set()
        self.record = record
        self.use_cache = True
        self.page = b""

    def _cookie_header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    async def _fetch(self, path: str, accept: str) -> tuple[list[str], bytes]:
        """``GET path`` on a connection of its own: (the response head's lines, its body)."""
        reader, writer = await asyncio.open_connection(HOST, self.port)
        cookie = f"Cookie: {self._cookie_header()}\r\n" if self.cookies else ""
        writer.write(f"GET {path} HTTP/1.1\r\nHost: {HOST}:{self.port}\r\n{cookie}"
                     f"Accept: {accept}\r\nConnection: close\r\n\r\n".encode())
        await writer.drain()
        response = await reader.read()
        writer.close()
        await writer.wait_closed()
        head, _, body = response.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        if not lines[0].startswith("HTTP/1.1 200"):
            raise LoadError(f"GET {path} answered {lines[0]!r}, expected HTTP 200.")
        return lines, body

    async def get(self, path: str = "/") -> int:
        """``GET path`` as a browser's first request; keeps the cookies set and the page.
        Returns the number of bytes read."""
        head, body = await self._fetch(path, "text/html")
        self.page = body
        for line in head[1:]:
            name, _, value = line.partition(":")
            if name.strip().lower() == "set-cookie":
                pair = value.strip().split(";", 1)[0]
                key, _, val = pair.partition("=")
                self.cookies[key.strip()] = val.strip()
        return len(body)

    async def get_assets(self, connections: int = 6) -> int:
        """Every static file the last page names (its scripts, styles, font), as a
        browser's first visit fetches them: at most ``connections`` at once, as a browser
        opens per server. (The chunks the app's JavaScript loads later, such as the chart
        library, are not named in the page and not fetched.) Returns the bytes read."""
        text = self.page.decode("utf-8", "replace")
        paths = sorted(set(ASSET.findall(text)))
        if not paths:
            raise LoadError("the page names no static files to fetch")
        limit = asyncio.Semaphore(connections)

        async def fetch(path: str) -> int:
            async with limit:
                return len((await self._fetch("/" + path, "*/*"))[1])

        return sum(await asyncio.gather(*(fetch(path) for path in paths)))

    async def connect(self) -> None:
        headers = {"Cookie": self._cookie_header()} if self.cookies else None
        self.ws = await websockets.connect(
            f"ws://{HOST}:{self.port}/_stcore/stream", subprotocols=["streamlit"],
            additional_headers=headers, max_size=None, open_timeout=120,
            ping_interval=None, close_timeout=2)

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()

    async def request(self, page_name: str, widgets: WidgetStates | None = None,
                      fragment_id: str = "") -> Run:
        """Send a rerun request (a page view, or a click) and read every message until its
        run finished; a run cut short by ``st.rerun`` is followed to the end."""
        message = BackMsg()
        state = message.rerun_script
        state.query_string = self.query_string
        state.page_name = page_name
        if self.use_cache:
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
            if self.record:
                run.messages.append(frame)
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
            run.finished.append(forward.script_finished)
            if forward.script_finished not in (FINISHED_OK, FINISHED_FRAGMENT, FINISHED_EARLY):
                status = ForwardMsg.ScriptFinishedStatus.Name(forward.script_finished)
                run.exceptions.append(f"script finished with status {status}")
            return forward.script_finished != FINISHED_EARLY
        return False


def widget_id(widgets: dict[str, str], suffix: str) -> str:
    """The id of the widget on the page whose key ends with ``suffix``."""
    found = [name for name in widgets if name.endswith(suffix)]
    if not found:
        raise LoadError(f"Expected a widget whose key ends with {suffix!r} on the page; "
                        "found none (did the check widgets change?).")
    return found[0]


def percentile(values: list[float], share: float) -> float:
    """The ``share`` quantile (nearest rank) of ``values``."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(share * len(ordered) + 0.5)))
    return ordered[rank - 1]
