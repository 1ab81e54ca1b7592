"""The child processes of ``workshop serve``: start them, relay their output, stop them.

Each child runs in its own process group (a Ctrl-C in the terminal reaches only
``workshop serve``, which then stops the children in order), and on Linux is asked to get
SIGTERM if ``workshop serve`` dies without stopping it. Single-threaded: output is relayed
by polling the children's pipes from the caller's loop.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import selectors
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TextIO

STOP_TIMEOUT = 10.0
_PR_SET_PDEATHSIG = 1
# Streamlit's banner names the internal port: learners must use HAProxy's, so it is dropped.
_DROPPED_PREFIXES = ("You can now view your Streamlit app", "URL: http")


def _death_signal_hook() -> Callable[[], None] | None:
    """A ``preexec_fn`` asking Linux to SIGTERM the child when its parent dies, or None."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        prctl = libc.prctl
    except (OSError, AttributeError):
        return None

    def hook() -> None:
        prctl(_PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)

    return hook


def describe_returncode(code: int) -> str:
    """``exited with code 1`` or ``was killed by SIGKILL``, for the log."""
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"was killed by {name}"
    return f"exited with code {code}"


def relayed_line(name: str, line: str) -> str | None:
    """A child's output line as relayed (``[app1] …``), or None to drop it."""
    text = line.rstrip()
    if not text.strip() or text.strip().startswith(_DROPPED_PREFIXES):
        return None
    return f"[{name}] {text}"


class Child:
    """One started process: its name, ``Popen``, internal port and unfinished output."""

    def __init__(self, name: str, popen: subprocess.Popen[bytes]) -> None:
        self.name = name
        self.popen = popen
        self.port = 0
        self.partial = b""
        self.reported = False

    @property
    def pid(self) -> int:
        """The process id."""
        return self.popen.pid

    @property
    def running(self) -> bool:
        """True until the process has exited."""
        return self.popen.poll() is None

    def describe_exit(self) -> str:
        """How it ended, e.g. ``was killed by SIGKILL``."""
        code = self.popen.poll()
        return "is still running" if code is None else describe_returncode(code)


class Supervisor:
    """Starts children, relays their output to ``out``, reports exits once, stops them all."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.children: list[Child] = []
        self.selector = selectors.DefaultSelector()
        self.hook = _death_signal_hook()

    def spawn(self, name: str, command: list[str], env: Mapping[str, str],
              cwd: Path) -> Child:
        """Start ``command`` in its own process group, its output relayed as ``[name] …``."""
        popen = subprocess.Popen(
            command, env=dict(env), cwd=cwd, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            start_new_session=True, preexec_fn=self.hook)
        child = Child(name, popen)
        assert popen.stdout is not None
        os.set_blocking(popen.stdout.fileno(), False)
        self.selector.register(popen.stdout, selectors.EVENT_READ, child)
        self.children.append(child)
        return child

    def pump(self, timeout: float) -> None:
        """Relay whatever the children print within ``timeout`` seconds."""
        if not self.selector.get_map():
            time.sleep(timeout)
            return
        for key, _events in self.selector.select(timeout):
            self._read(key.fileobj, key.data)

    def _read(self, pipe, child: Child) -> None:
        try:
            chunk = os.read(pipe.fileno(), 65536)
        except BlockingIOError:
            return
        except OSError:
            chunk = b""
        if not chunk:  # end of output: the child closed it (usually, it exited)
            self.selector.unregister(pipe)
            pipe.close()
            self._emit(child, child.partial)
            child.partial = b""
            return
        *lines, child.partial = (child.partial + chunk).split(b"\n")
        for line in lines:
            self._emit(child, line)

    def _emit(self, child: Child, raw: bytes) -> None:
        shown = relayed_line(child.name, raw.decode("utf-8", "replace"))
        if shown is not None:
            print(shown, file=self.out, flush=True)

    def newly_exited(self) -> list[Child]:
        """Children that exited since the last call (each reported once)."""
        done = [child for child in self.children if not child.reported and not child.running]
        for child in done:
            child.reported = True
        return done

    def stop_all(self, first: Iterable[Child] = (), timeout: float = STOP_TIMEOUT) -> None:
        """SIGTERM every child's process group (``first`` ones first); SIGKILL after timeout."""
        first = list(first)
        ordered = first + [child for child in self.children if child not in first]
        for child in ordered:
            self._signal(child, signal.SIGTERM)
            if child in first:
                self._wait(child, timeout)
        deadline = time.monotonic() + timeout
        while any(child.running for child in ordered) and time.monotonic() < deadline:
            self.pump(0.1)
        for child in ordered:
            if child.running:
                print(f"{child.name} (pid {child.pid}) did not stop within {timeout:.0f} s: "
                      "killing it.", file=self.out, flush=True)
                self._signal(child, signal.SIGKILL)
            child.popen.wait()
        self.pump(0)
        self.selector.close()

    def _wait(self, child: Child, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while child.running and time.monotonic() < deadline:
            self.pump(0.05)

    @staticmethod
    def _signal(child: Child, signum: int) -> None:
        """Signal the child's process group (it leads it), only while it is not yet reaped."""
        if not child.running:
            return
        try:
            os.killpg(child.pid, signum)
        except (ProcessLookupError, PermissionError):
            pass
