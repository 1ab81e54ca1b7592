"""``workshop serve``: a room on one machine — N Streamlit processes behind one HAProxy.

One Streamlit process uses one core (the GIL), so a room of 200 needs several, and
Streamlit keeps each session in its process's memory, so a browser must always reach the
same process: HAProxy in front does that with a cookie (see :mod:`workshop.haproxy`).
Every process shares one progress store (``WORKSHOP_DATA_DIR``, or PostgreSQL through
``WORKSHOP_DATABASE_URL``, passed through the environment unchanged) and one Streamlit
cookie secret, so a learner whose process dies continues on another with their resume code.

The builders (commands, environment, ports, URLs) are pure functions; :func:`serve` runs
the processes: it prints the URL once every process and HAProxy answer, reports a process
that dies, and stops everything it started on Ctrl-C or SIGTERM. POSIX only (process
groups); children also get SIGTERM on Linux if ``workshop serve`` itself is killed.
"""

from __future__ import annotations

import http.client
import os
import secrets
import signal
import socket
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from case_study import paths
from workshop import haproxy, instructor_gate, settings
from workshop.serve_process import Child, Supervisor

DEFAULT_ADDRESS = "127.0.0.1"
DEFAULT_PORT = 8501
INTERNAL_HOST = "127.0.0.1"
APP_PATH = paths.PROJECT_ROOT / "app.py"
STARTUP_TIMEOUT = 120.0
COOKIE_SECRET_ENV = "STREAMLIT_SERVER_COOKIE_SECRET"
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
OPEN_FILES_WANTED = 65536


@dataclass(frozen=True)
class ServeOptions:
    """What ``workshop serve`` was asked for.

    Attributes:
        processes: how many Streamlit processes (1: no HAProxy, Streamlit on ``port``).
        port: the public port learners open.
        address: the public address (``0.0.0.0`` for the room's network).
        data_dir: the progress folder for every process, or None for the configured one.
    """

    processes: int
    port: int = DEFAULT_PORT
    address: str = DEFAULT_ADDRESS
    data_dir: Path | None = None


def default_processes() -> int:
    """One Streamlit process per core (``os.cpu_count()``), at least one."""
    return max(1, os.cpu_count() or 1)


def backend_name(index: int) -> str:
    """The name of the ``index``-th (from 0) process: ``app1``, ``app2``, …."""
    return f"app{index + 1}"


def free_ports(count: int, host: str = INTERNAL_HOST) -> list[int]:
    """``count`` distinct ports the OS reports free on ``host`` right now.

    All are held open until every one is chosen, so no port is given twice.
    """
    held: list[socket.socket] = []
    try:
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            held.append(sock)
            sock.bind((host, 0))
        return [sock.getsockname()[1] for sock in held]
    finally:
        for sock in held:
            sock.close()


def port_in_use(address: str, port: int) -> bool:
    """True when ``address:port`` cannot be bound right now (another server has it)."""
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((address.strip("[]"), port))
        except OSError:
            return True
    return False


def streamlit_command(address: str, port: int, python: str = sys.executable,
                      app: Path = APP_PATH) -> list[str]:
    """The command for one Streamlit process, through the TCP_NODELAY launcher.

    Args:
        address: the address it listens on.
        port: the port it listens on.
        python: the Python interpreter (default: this one).
        app: the app script.

    Returns:
        ``python -m workshop.serve_worker run app.py --server.address … --server.port …``.
    """
    return [python, "-m", "workshop.serve_worker", "run", str(app),
            "--server.address", address, "--server.port", str(port),
            "--server.headless", "true", "--browser.gatherUsageStats", "false"]


def child_environment(base: Mapping[str, str], data_dir: Path | None,
                      cookie_secret: str) -> dict[str, str]:
    """The environment of every Streamlit process: ``base`` plus what they must share.

    Args:
        base: the environment ``workshop serve`` was started with (passed through, so
            ``WORKSHOP_DATABASE_URL`` and ``WORKSHOP_INSTRUCTOR_CODE`` reach every process).
        data_dir: ``--data-dir``, made absolute into ``WORKSHOP_DATA_DIR``; None keeps
            whatever ``base`` says.
        cookie_secret: one Streamlit cookie secret for all, unless ``base`` sets its own,
            so a cookie one process signed is valid on another after a redispatch.

    Returns:
        A new dict; ``base`` is not changed.
    """
    env = dict(base)
    if data_dir is not None:
        env[settings.DATA_DIR_ENV] = str(Path(data_dir).expanduser().resolve())
    env.setdefault(COOKIE_SECRET_ENV, cookie_secret)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def local_host(address: str) -> str:
    """Where this machine reaches a server listening on ``address`` (any-address: loopback)."""
    if address in ("0.0.0.0", ""):
        return "127.0.0.1"
    if address in ("::", "[::]"):
        return "::1"
    return address.strip("[]")


def url(address: str, port: int) -> str:
    """``http://address:port/``, with IPv6 addresses in brackets."""
    host = address.strip("[]")
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"


def ready_message(options: ServeOptions, seconds: float) -> str:
    """The lines printed once the room can come in, starting with the URL."""
    host = local_host(options.address)
    lines = [f"Workshop ready: {url(host, options.port)}"]
    if host != options.address.strip("[]"):
        lines.append(f"  listening on every address: learners open "
                     f"http://<this machine's address>:{options.port}/")
    behind = (f"{options.processes} Streamlit processes behind HAProxy"
              if options.processes > 1 else "one Streamlit process, no HAProxy")
    lines.append(f"  {behind}; started in {seconds:.1f} s; Ctrl-C stops everything.")
    return "\n".join(lines)


def store_description(env: Mapping[str, str]) -> str:
    """Which progress store the processes share, for the log."""
    if settings.database_url(env):
        return f"PostgreSQL (${settings.DATABASE_URL_ENV})"
    return f"SQLite in {settings.data_dir(env)}"


def answers_health(host: str, port: int, timeout: float = 2.0) -> bool:
    """True when ``http://host:port/_stcore/health`` answers 200 (no proxy in between)."""
    connection = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        connection.request("GET", haproxy.HEALTH_PATH)
        return connection.getresponse().status == 200
    except (OSError, http.client.HTTPException):
        return False
    finally:
        connection.close()


def raise_open_file_limit(wanted: int = OPEN_FILES_WANTED) -> None:
    """Raise this process's soft open-file limit (children inherit it) toward ``wanted``.

    A room holds a websocket and a few keep-alive connections per learner, each twice in
    HAProxy; a soft limit of 1024 would cap the room near 250 connections.
    """
    try:
        import resource
    except ImportError:  # not POSIX
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        except (ValueError, OSError):
            pass


class _Stop(Exception):
    """Serving ends: a signal arrived, or something failed (``code`` says which)."""

    def __init__(self, code: int, message: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class Room:
    """The running processes of one ``workshop serve``, and what happens to them."""

    def __init__(self, options: ServeOptions, out: TextIO) -> None:
        self.options = options
        self.out = out
        self.supervisor = Supervisor(out)
        self.workers: list[Child] = []
        self.haproxy: Child | None = None
        self.signalled = 0

    def say(self, message: str) -> None:
        """Print one message from ``workshop serve`` itself."""
        print(message, file=self.out, flush=True)

    def on_signal(self, signum: int, _frame: object) -> None:
        """Ctrl-C or SIGTERM: ask the loops to stop (they check every 0.2 s)."""
        self.signalled = signum

    def tick(self, seconds: float = 0.2) -> None:
        """Relay children's output for up to ``seconds``; raise :class:`_Stop` if signalled."""
        self.supervisor.pump(seconds)
        if self.signalled:
            raise _Stop(EXIT_OK, f"{signal.Signals(self.signalled).name}: stopping everything.")

    def start_workers(self, env: Mapping[str, str]) -> None:
        """Start the Streamlit processes (one on the public port when there is one)."""
        count = self.options.processes
        if count == 1:
            places = [(self.options.address, self.options.port)]
        else:
            places = [(INTERNAL_HOST, port) for port in free_ports(count)]
        for index, (address, port) in enumerate(places):
            child = self.supervisor.spawn(backend_name(index),
                                          streamlit_command(address, port), env,
                                          cwd=paths.PROJECT_ROOT)
            child.port = port
            self.workers.append(child)
            self.say(f"{child.name} (pid {child.pid}) starting on {address}:{port}")

    def wait_until(self, ready: list[tuple[Child, str, int]], deadline: float) -> None:
        """Relay output until every ``(child, host, port)`` answers its health check.

        Raises:
            _Stop: a child exited first, the deadline passed, or a signal arrived.
        """
        pending = list(ready)
        while pending:
            self.tick()
            for child in self.supervisor.newly_exited():
                raise _Stop(EXIT_FAILED, f"{child.name} {child.describe_exit()} before it "
                                         "was ready; its output is above.")
            pending = [item for item in pending if not answers_health(item[1], item[2])]
            if pending and time.monotonic() > deadline:
                names = ", ".join(item[0].name for item in pending)
                raise _Stop(EXIT_FAILED, f"{names} did not answer within "
                                         f"{STARTUP_TIMEOUT:.0f} s; their output is above.")

    def start_haproxy(self, executable: str, folder: Path, env: Mapping[str, str]) -> None:
        """Write the config into ``folder`` and start HAProxy in front of the workers."""
        backends = [haproxy.Backend(child.name, child.port) for child in self.workers]
        config = folder / "haproxy.cfg"
        config.write_text(haproxy.build_config(self.options.address, self.options.port,
                                               backends), encoding="utf-8")
        self.haproxy = self.supervisor.spawn(
            "haproxy", haproxy.haproxy_command(executable, str(config)), env, cwd=folder)
        self.say(f"haproxy (pid {self.haproxy.pid}) on "
                 f"{self.options.address}:{self.options.port}, config {config}")

    def watch(self) -> None:
        """Serve until a signal or until nothing is left to serve; raises :class:`_Stop`."""
        while True:
            self.tick()
            for child in self.supervisor.newly_exited():
                if child is self.haproxy:
                    raise _Stop(EXIT_FAILED, f"haproxy {child.describe_exit()}; stopping "
                                             "everything.")
                alive = [worker for worker in self.workers if worker.running]
                if not alive:
                    raise _Stop(EXIT_FAILED, f"{child.name} {child.describe_exit()}; no "
                                             "Streamlit process is left, stopping.")
                self.say(f"{child.name} (pid {child.pid}) {child.describe_exit()}. HAProxy "
                         f"takes it out of rotation; its learners reconnect to the "
                         f"{len(alive)} left and resume with their code.")

    def run(self, haproxy_executable: str | None, folder: Path) -> None:
        """Start everything, print the URL when ready, then watch; raises :class:`_Stop`.

        Args:
            haproxy_executable: HAProxy's path, or None to serve one process without it.
            folder: a private temporary folder for HAProxy's config.
        """
        started = time.monotonic()
        env = child_environment(os.environ, self.options.data_dir, secrets.token_hex(32))
        self.say(f"Progress store shared by every process: {store_description(env)}")
        self.start_workers(env)
        deadline = started + STARTUP_TIMEOUT
        self.wait_until([(child, INTERNAL_HOST if haproxy_executable else
                          local_host(self.options.address), child.port)
                         for child in self.workers], deadline)
        if haproxy_executable:
            self.start_haproxy(haproxy_executable, folder, os.environ)
            self.wait_until([(self.haproxy, local_host(self.options.address),
                              self.options.port)], deadline)
        elapsed = time.monotonic() - started
        self.supervisor.pump(0.1)  # the children's startup lines first, then the URL
        self.say(ready_message(self.options, elapsed))
        self.watch()


def instructor_code_warning(environ: Mapping[str, str] | None = None) -> str | None:
    """A loud warning when the instructor code is too short to open instructor mode."""
    problem = instructor_gate.weak_code_problem(settings.instructor_code(environ))
    if problem is None:
        return None
    return (f"WARNING: {problem} Learners can use the app; the instructor page stays "
            "locked. Restart with a longer code, for example this random one:\n"
            f"  {instructor_gate.ENV_VAR}={instructor_gate.strong_code()}")


def serve(options: ServeOptions, out: TextIO = sys.stdout) -> int:
    """Run the room until Ctrl-C or SIGTERM; returns the exit code.

    Args:
        options: processes, public address and port, data folder.
        out: where the log goes (children's lines are prefixed with their name).

    Returns:
        0 when stopped by a signal; 1 when something failed to start or everything died;
        2 when HAProxy is needed but missing, or the port is taken.
    """
    executable = None
    if options.processes > 1:
        executable = haproxy.find_haproxy()
        if executable is None:
            print(haproxy.INSTALL_HINT, file=sys.stderr)
            return EXIT_USAGE
    if port_in_use(options.address, options.port):
        print(f"error: {options.address}:{options.port} is already in use; choose another "
              "--port, or stop the server that has it.", file=sys.stderr)
        return EXIT_USAGE
    weak = instructor_code_warning()
    if weak:
        print(weak, file=sys.stderr, flush=True)
    raise_open_file_limit()
    room = Room(options, out)
    previous = {signum: signal.signal(signum, room.on_signal)
                for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        with tempfile.TemporaryDirectory(prefix="workshop-serve-") as folder:
            try:
                room.run(executable, Path(folder))
                return EXIT_OK  # not reached: watch() only ends by raising
            except _Stop as stop:
                room.say(stop.message)
                return stop.code
            finally:
                room.supervisor.stop_all([room.haproxy] if room.haproxy else [])
                room.say("Stopped.")
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
