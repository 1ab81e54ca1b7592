"""A throwaway PostgreSQL server for the tests that need a real one.

Debian's ``postgresql`` package provides the binaries; ``initdb`` refuses to run as root, so
when the tests run as root the cluster is created and started as the ``postgres`` user, in
a temporary folder that user owns. The server listens on a free loopback port only, with
``trust`` authentication for local connections (it lives as long as the test session and
holds nothing but test data).

Where PostgreSQL is absent the tests that use it skip and say how to install it, unless
``WORKSHOP_REQUIRE_SERVERS=1`` (CI), which turns that skip into a failure.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

REQUIRE_ENV = "WORKSHOP_REQUIRE_SERVERS"
INSTALL_HINT = "apt-get install -y postgresql"
SERVICE_USER = "postgres"


def find_bin_dir() -> Path | None:
    """The newest ``/usr/lib/postgresql/<version>/bin`` that has ``initdb``, else None."""
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda path: (
            int(Path(path).parent.parent.name) if Path(path).parent.parent.name.isdigit() else 0
        ),
    )
    return Path(candidates[-1]).parent if candidates else None


def skip_or_fail(reason: str) -> None:
    """Skip with ``reason``, or fail when the environment requires real servers."""
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(f"{REQUIRE_ENV}=1 but {reason}")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_service_user(command: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", SERVICE_USER, "--", *command]


@dataclass
class PostgresServer:
    """A running throwaway cluster: its folder, port and the ``postgresql://`` URL of a
    database the tests may use."""

    bin_dir: Path
    folder: Path
    port: int
    user: str

    def url(self, database: str = "postgres") -> str:
        """A ``postgresql://`` URL for ``database`` on this server."""
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """Create an empty database and return its URL."""
        subprocess.run(
            _as_service_user(
                [
                    str(self.bin_dir / "createdb"),
                    "-h",
                    "127.0.0.1",
                    "-p",
                    str(self.port),
                    "-U",
                    self.user,
                    name,
                ]
            ),
            check=True,
            capture_output=True,
            text=True,
            timeout=60,
        )
        return self.url(name)

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (``fast``, or ``immediate`` to simulate a crash)."""
        subprocess.run(
            _as_service_user(
                [
                    str(self.bin_dir / "pg_ctl"),
                    "-D",
                    str(self.folder / "data"),
                    "-m",
                    mode,
                    "-w",
                    "stop",
                ]
            ),
            capture_output=True,
            text=True,
            timeout=60,
        )

    def start(self) -> None:
        """Start (or restart) the server and wait until it accepts connections."""
        log = self.folder / "server.log"
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} -c unix_socket_directories={self.folder}"
        )
        subprocess.run(
            _as_service_user(
                [
                    str(self.bin_dir / "pg_ctl"),
                    "-D",
                    str(self.folder / "data"),
                    "-l",
                    str(log),
                    "-o",
                    options,
                    "-w",
                    "-t",
                    "60",
                    "start",
                ]
            ),
            check=True,
            capture_output=True,
            text=True,
            timeout=90,
        )


def start_server() -> PostgresServer:
    """Create and start a throwaway cluster; skips (or fails in CI) where it cannot."""
    bin_dir = find_bin_dir()
    if bin_dir is None:
        skip_or_fail(
            "PostgreSQL is absent (no /usr/lib/postgresql/*/bin/initdb); "
            f"install it with: {INSTALL_HINT}"
        )
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        skip_or_fail("running as root without runuser: initdb must run as a non-root user")
    folder = Path(tempfile.mkdtemp(prefix="workshop-pg-"))
    user = SERVICE_USER if os.geteuid() == 0 else os.environ.get("USER", "postgres")
    if os.geteuid() == 0:
        shutil.chown(folder, user=SERVICE_USER)
    folder.chmod(0o700)
    init = subprocess.run(
        _as_service_user(
            [
                str(bin_dir / "initdb"),
                "-D",
                str(folder / "data"),
                "-U",
                user,
                "--auth=trust",
                "--no-sync",
                "-E",
                "UTF8",
                "--locale=C",
            ]
        ),
        capture_output=True,
        text=True,
        timeout=120,
    )
    if init.returncode != 0:
        skip_or_fail(f"initdb failed: {init.stderr.strip()[-500:]}")
    server = PostgresServer(bin_dir=bin_dir, folder=folder, port=_free_port(), user=user)
    server.start()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        ready = subprocess.run(
            [str(bin_dir / "pg_isready"), "-h", "127.0.0.1", "-p", str(server.port)],
            capture_output=True,
            timeout=10,
        )
        if ready.returncode == 0:
            return server
        time.sleep(0.2)
    server.stop("immediate")
    skip_or_fail("PostgreSQL did not accept connections within 30 s")
    raise AssertionError("unreachable")


def remove_server(server: PostgresServer) -> None:
    """Stop the server and delete its folder."""
    server.stop("immediate")
    shutil.rmtree(server.folder, ignore_errors=True)
