"""`workshop serve`'s builders (commands, environment, ports, messages) as plain Python, the
TCP_NODELAY launcher in-process, and the refusals that need no server."""

from __future__ import annotations

import asyncio
import io
import os
import socket
from pathlib import Path

import pytest

from tests.threads import run_in_own_thread
from workshop import haproxy, serve, serve_worker
from workshop.serve import ServeOptions
from workshop.serve_process import describe_returncode, relayed_line


def test_each_process_is_started_through_the_nodelay_launcher():
    command = serve.streamlit_command("127.0.0.1", 41001, python="/py", app=Path("/w/app.py"))
    assert command[:5] == ["/py", "-m", "workshop.serve_worker", "run", "/w/app.py"]
    flags = dict(zip(command[5::2], command[6::2], strict=True))
    assert flags == {"--server.address": "127.0.0.1", "--server.port": "41001",
                     "--server.headless": "true", "--browser.gatherUsageStats": "false"}


def test_the_app_path_is_the_projects():
    assert serve.APP_PATH.name == "app.py" and serve.APP_PATH.is_file()


def test_children_share_the_data_dir_and_one_cookie_secret(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    base = {"PATH": "/bin", "WORKSHOP_DATABASE_URL": "postgresql://db/workshop"}
    env = serve.child_environment(base, Path("data"), "s3cret")
    assert env["WORKSHOP_DATA_DIR"] == str(tmp_path / "data")  # absolute, for every cwd
    assert env["WORKSHOP_DATABASE_URL"] == "postgresql://db/workshop"  # passed through
    assert env["STREAMLIT_SERVER_COOKIE_SECRET"] == "s3cret"
    assert env["PYTHONUNBUFFERED"] == "1"
    assert base == {"PATH": "/bin", "WORKSHOP_DATABASE_URL": "postgresql://db/workshop"}


def test_a_configured_data_dir_and_cookie_secret_are_kept():
    base = {"WORKSHOP_DATA_DIR": "/srv/room", "STREAMLIT_SERVER_COOKIE_SECRET": "mine"}
    env = serve.child_environment(base, None, "generated")
    assert env["WORKSHOP_DATA_DIR"] == "/srv/room"
    assert env["STREAMLIT_SERVER_COOKIE_SECRET"] == "mine"


def test_the_store_is_named_in_the_log():
    assert serve.store_description({"WORKSHOP_DATA_DIR": "/srv/room"}) == "SQLite in /srv/room"
    assert serve.store_description({"WORKSHOP_DATABASE_URL": "postgresql://x"}).startswith(
        "PostgreSQL")


def test_default_is_one_process_per_core():
    assert serve.default_processes() == max(1, os.cpu_count() or 1)


def test_free_ports_are_distinct_and_free():
    ports = serve.free_ports(4)
    assert len(set(ports)) == 4
    assert not any(serve.port_in_use("127.0.0.1", port) for port in ports)


def test_a_port_in_use_is_seen():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        assert serve.port_in_use("127.0.0.1", taken.getsockname()[1])


def test_urls_and_where_this_machine_reaches_them():
    assert serve.url("127.0.0.1", 8501) == "http://127.0.0.1:8501/"
    assert serve.url("::1", 8501) == "http://[::1]:8501/"
    assert serve.local_host("0.0.0.0") == "127.0.0.1"
    assert serve.local_host("::") == "::1"
    assert serve.local_host("192.168.1.5") == "192.168.1.5"


def test_the_ready_message_starts_with_the_url():
    message = serve.ready_message(ServeOptions(processes=3, port=8600, address="0.0.0.0"), 2.5)
    first, *rest = message.splitlines()
    assert first == "Workshop ready: http://127.0.0.1:8600/"
    assert "http://<this machine's address>:8600/" in rest[0]
    assert "3 Streamlit processes behind HAProxy; started in 2.5 s" in rest[1]
    single = serve.ready_message(ServeOptions(processes=1, port=8600), 1.0)
    assert "one Streamlit process, no HAProxy" in single
    assert "every address" not in single


def test_children_output_is_prefixed_and_the_internal_url_dropped():
    assert relayed_line("app1", "Uvicorn server started\n") == "[app1] Uvicorn server started"
    assert relayed_line("app1", "  URL: http://127.0.0.1:41001") is None
    assert relayed_line("app1", "  You can now view your Streamlit app in your browser.") is None
    assert relayed_line("app1", "   \n") is None
    assert describe_returncode(-9) == "was killed by SIGKILL"
    assert describe_returncode(3) == "exited with code 3"


def test_missing_haproxy_says_how_to_install_it(monkeypatch, capsys):
    monkeypatch.setattr(haproxy, "find_haproxy", lambda: None)
    code = serve.serve(ServeOptions(processes=2, port=serve.free_ports(1)[0]), out=io.StringIO())
    assert code == 2
    assert "HAProxy is not installed: `apt-get install haproxy` (Debian/Ubuntu)" in \
        capsys.readouterr().err


def test_a_taken_port_is_refused_before_anything_starts(capsys):
    out = io.StringIO()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        code = serve.serve(ServeOptions(processes=1, port=taken.getsockname()[1]), out=out)
    assert code == 2
    assert "already in use" in capsys.readouterr().err
    assert out.getvalue() == ""  # nothing was started


# --- TCP_NODELAY ---------------------------------------------------------------------------

def _listening(proto: int = 0) -> socket.socket:
    """A listening socket made the way Streamlit 1.67 makes it: ``socket.socket(family)``."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, proto)
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    sock.setblocking(False)
    return sock


def _accepted_nodelay(listener: socket.socket) -> int:
    """TCP_NODELAY of a connection asyncio accepts on ``listener`` (as uvicorn serves)."""

    async def accept_one() -> int:
        accepted: asyncio.Future[int] = asyncio.get_running_loop().create_future()

        class Probe(asyncio.Protocol):
            def connection_made(self, transport):
                sock = transport.get_extra_info("socket")
                accepted.set_result(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
                transport.close()

        server = await asyncio.get_running_loop().create_server(Probe, sock=listener)
        port = listener.getsockname()[1]
        _reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            return await asyncio.wait_for(accepted, 5)
        finally:
            writer.close()
            server.close()

    # In a thread of its own: a session-scoped Playwright (tests/browser) keeps an event loop
    # running in the main thread for the whole test session.
    return run_in_own_thread(lambda: asyncio.run(accept_one()))


def test_streamlits_way_of_binding_leaves_nagle_on():
    """The control: without the launcher, asyncio does not set TCP_NODELAY (proto is 0)."""
    assert _accepted_nodelay(_listening()) == 0


def test_the_launcher_turns_tcp_nodelay_on_for_accepted_connections():
    listener = serve_worker.tcp_socket(_listening())
    assert listener.proto == socket.IPPROTO_TCP
    assert listener.getblocking() is False and listener.get_inheritable()
    assert _accepted_nodelay(listener) != 0


def test_a_unix_socket_is_left_alone():
    if not hasattr(socket, "AF_UNIX"):
        pytest.skip("no AF_UNIX here")
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        assert serve_worker.tcp_socket(sock) is sock


def test_install_nodelay_wraps_streamlits_bind_once(monkeypatch):
    from streamlit.web.server.starlette import starlette_server

    original = starlette_server._bind_socket
    monkeypatch.setattr(starlette_server, "_bind_socket", original)
    assert serve_worker.install_nodelay()
    wrapped = starlette_server._bind_socket
    assert wrapped is not original and wrapped.__wrapped__ is original
    assert serve_worker.install_nodelay()
    assert starlette_server._bind_socket is wrapped  # not wrapped twice
    sock = wrapped("127.0.0.1", 0, 8)
    try:
        assert sock.proto == socket.IPPROTO_TCP
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
    finally:
        sock.close()


def test_a_streamlit_without_the_bind_function_still_serves(monkeypatch, capsys):
    from streamlit.web.server.starlette import starlette_server

    monkeypatch.delattr(starlette_server, "_bind_socket")
    assert serve_worker.install_nodelay() is False
    assert "without TCP_NODELAY" in capsys.readouterr().err



def test_a_room_process_warms_up_before_streamlit_starts(monkeypatch):
    """The pools and imports are ready before the health check can answer."""
    from streamlit.web import cli

    from workshop import serve_worker
    from workshop.ui import warmup

    order = []

    class Finished:
        def join(self):
            order.append("warm-up joined")

    monkeypatch.setattr(serve_worker, "install_nodelay", lambda: order.append("nodelay"))
    monkeypatch.setattr(warmup, "start", lambda: order.append("warm-up started") or Finished())
    monkeypatch.setattr(cli.main, "main", lambda **kwargs: order.append("streamlit"))
    assert serve_worker.main(["run", "app.py"]) == 0
    assert order == ["nodelay", "warm-up started", "warm-up joined", "streamlit"]


def test_a_failed_warm_up_is_reported_and_the_process_still_serves(monkeypatch, capsys):
    from workshop import serve_worker
    from workshop.ui import warmup

    class Finished:
        def join(self):
            return None

    monkeypatch.setattr(warmup, "start", lambda: Finished())
    monkeypatch.setattr(warmup, "failures", lambda: {"case_study.stage3_model": "ImportError: x"})
    assert serve_worker.warm_up() == {"case_study.stage3_model": "ImportError: x"}
    assert "warm-up of case_study.stage3_model failed" in capsys.readouterr().err
