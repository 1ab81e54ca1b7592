"""The HAProxy config `workshop serve` writes: sticky by cookie, websockets kept open,
health-checked, a dead process's learners redispatched; and HAProxy itself accepts it."""

from __future__ import annotations

import subprocess

import pytest

from workshop import haproxy
from workshop.haproxy import Backend, Timing, bind_spec, build_config

BACKENDS = [Backend("app1", 41001), Backend("app2", 41002)]


def lines(config: str) -> list[str]:
    return [line.strip() for line in config.splitlines()]


def test_the_config_is_sticky_health_checked_and_redispatches():
    config = lines(build_config("127.0.0.1", 8501, BACKENDS))
    assert "bind 127.0.0.1:8501" in config
    assert "mode http" in config
    assert "balance roundrobin" in config
    assert "cookie SERVERID insert indirect nocache httponly" in config
    assert "option httpchk GET /_stcore/health" in config
    assert "http-check expect status 200" in config
    assert "option redispatch" in config
    assert "timeout tunnel 1h" in config  # an open websocket is not cut after a minute
    assert "server app1 127.0.0.1:41001 cookie app1" in config
    assert "server app2 127.0.0.1:41002 cookie app2" in config
    assert any(line.startswith("default-server check ") for line in config)


def test_only_streamlits_static_files_are_cached():
    config = lines(build_config("127.0.0.1", 8501, BACKENDS))
    assert "cache static" in config
    assert f"max-object-size {haproxy.STATIC_OBJECT_MAX_BYTES}" in config
    # The object limit is at most half the cache, as HAProxy requires.
    assert haproxy.STATIC_OBJECT_MAX_BYTES <= haproxy.STATIC_CACHE_MB * 1024 * 1024 // 2
    assert "http-request set-var(txn.static) bool(true) if { path_beg /static/ }" in config
    uses = [line for line in config if "cache-use" in line or "cache-store" in line]
    assert uses == ["http-request cache-use static if { var(txn.static) -m bool }",
                    "http-response cache-store static if { var(txn.static) -m bool }"]


def test_timing_is_configurable():
    config = lines(build_config("127.0.0.1", 8501, BACKENDS,
                                Timing(tunnel="2h", check_interval="500ms", fall=3, rise=4)))
    assert "timeout tunnel 2h" in config
    assert "default-server check inter 500ms fall 3 rise 4" in config


@pytest.mark.parametrize(("address", "expected"), [
    ("127.0.0.1", "127.0.0.1:8501"),
    ("0.0.0.0", "0.0.0.0:8501"),
    ("::1", "ipv6@::1:8501"),
    ("[::]", "ipv6@:::8501"),
])
def test_bind_spec(address, expected):
    assert bind_spec(address, 8501) == expected


def test_backends_are_required_and_unique():
    with pytest.raises(ValueError, match="at least one"):
        build_config("127.0.0.1", 8501, [])
    with pytest.raises(ValueError, match="unique"):
        build_config("127.0.0.1", 8501, [Backend("app1", 1), Backend("app1", 2)])


def test_the_install_hint_names_the_package():
    assert "HAProxy is not installed: `apt-get install haproxy` (Debian/Ubuntu)" in \
        haproxy.INSTALL_HINT
    assert "--processes 1" in haproxy.INSTALL_HINT


def test_commands_run_in_the_foreground():
    assert haproxy.haproxy_command("/usr/sbin/haproxy", "/tmp/x.cfg") == [
        "/usr/sbin/haproxy", "-db", "-f", "/tmp/x.cfg"]
    assert haproxy.check_command("haproxy", "c.cfg")[:2] == ["haproxy", "-c"]


@pytest.mark.parametrize("address", ["127.0.0.1", "0.0.0.0", "::1"])
def test_haproxy_accepts_the_config(tmp_path, address):
    executable = haproxy.find_haproxy()
    if executable is None:
        pytest.skip("haproxy is not installed (apt-get install haproxy)")
    config = tmp_path / "haproxy.cfg"
    config.write_text(build_config(address, 8501, BACKENDS), encoding="utf-8")
    done = subprocess.run([executable, "-c", "-f", str(config)], capture_output=True,
                          text=True, timeout=30)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "WARNING" not in done.stdout + done.stderr
