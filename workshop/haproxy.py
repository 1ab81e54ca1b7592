"""The HAProxy in front of ``workshop serve``'s Streamlit processes: its config and command.

Streamlit keeps each learner's session in the memory of the process that holds their
websocket, and media and downloads are served by that same process, so every request of a
browser must reach one process. HAProxy does that with a cookie (``SERVERID``) it inserts
on the first response; it checks each process's ``/_stcore/health``, takes a dead one out
of rotation, and sends that process's learners to a live one (``option redispatch``),
where the resume code in their page address brings their progress back from the shared
store.

Streamlit's own JavaScript, CSS and fonts (``/static/``, file names carrying their content
hash, sent ``Cache-Control: public, immutable``) are kept in HAProxy's memory once the first
browser has fetched them: a browser's first visit asks for 61 such files, 2.3 MB, which cost
a Streamlit process ~68 ms of CPU to send (measured on 2 cores), more than the page itself.
Only ``/static/`` is cached: nothing a learner owns (downloads, media) ever is.

Written for HAProxy 2.6 (Debian 12's ``haproxy``); pure functions, no HAProxy needed to
build or test the config.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass

INSTALL_HINT = (
    "HAProxy is not installed: `apt-get install haproxy` (Debian/Ubuntu), "
    "`dnf install haproxy` (Fedora/RHEL) or `brew install haproxy` (macOS). "
    "Or serve with one process and no HAProxy: --processes 1."
)
COOKIE_NAME = "SERVERID"
HEALTH_PATH = "/_stcore/health"
SERVER_HEADER = "X-Workshop-Server"
STATIC_PATH = "/static/"
# HAProxy's cache in MB (held in memory from the start: the files a page needs are ~2.3 MB,
# plus the chunks loaded later), and its largest object in bytes (at most half the cache;
# Streamlit 1.67's largest file, Plotly's chunk, is 4.7 MB). A day: the files change only
# with a new Streamlit, which restarts `workshop serve` and so HAProxy.
STATIC_CACHE_MB = 32
STATIC_OBJECT_MAX_BYTES = 8 * 1024 * 1024
STATIC_MAX_AGE_SECONDS = 86400


@dataclass(frozen=True)
class Backend:
    """One Streamlit process behind HAProxy.

    Attributes:
        name: the server's name in HAProxy and the value of its ``SERVERID`` cookie.
        port: the internal port it listens on.
        host: the internal address it listens on.
    """

    name: str
    port: int
    host: str = "127.0.0.1"


@dataclass(frozen=True)
class Timing:
    """HAProxy's timeouts and health-check pace, in HAProxy's time syntax.

    Attributes:
        connect: how long to wait for a Streamlit process to accept a connection.
        http: client, server and keep-alive timeouts of plain HTTP requests.
        tunnel: how long an open websocket may stay idle (Streamlit pings it anyway).
        check_interval: time between health checks of each process.
        fall: failed checks before a process is taken out of rotation.
        rise: passed checks before it is put back.
    """

    connect: str = "2s"
    http: str = "60s"
    tunnel: str = "1h"
    check_interval: str = "1s"
    fall: int = 2
    rise: int = 2


def find_haproxy() -> str | None:
    """The path of the ``haproxy`` executable (``PATH``, then ``/usr/sbin``), or None."""
    return shutil.which("haproxy") or shutil.which("haproxy", path="/usr/sbin:/usr/local/sbin")


def bind_spec(address: str, port: int) -> str:
    """HAProxy's ``bind`` argument for an address and port (IPv6 needs ``ipv6@``).

    Args:
        address: an IPv4 or IPv6 address, or a host name.
        port: the public port.

    Returns:
        e.g. ``127.0.0.1:8501`` or ``ipv6@::1:8501`` (HAProxy takes the last colon as the
        port's).
    """
    if ":" in address:
        return f"ipv6@{address.strip('[]')}:{port}"
    return f"{address}:{port}"


def build_config(address: str, port: int, backends: list[Backend],
                 timing: Timing | None = None) -> str:
    """The whole HAProxy config: one frontend on ``address:port``, one backend per process.

    Args:
        address: where learners connect (``127.0.0.1``, ``0.0.0.0`` for the room's network).
        port: the public port.
        backends: the Streamlit processes, at least one.
        timing: timeouts and health-check pace; default :class:`Timing`.

    Returns:
        The config file's text.

    Raises:
        ValueError: no backends, or two with the same name.
    """
    if not backends:
        raise ValueError("HAProxy needs at least one Streamlit process behind it")
    timing = timing or Timing()
    names = [backend.name for backend in backends]
    if len(set(names)) != len(names):
        raise ValueError(f"backend names must be unique: {names}")
    servers = "\n".join(
        f"    server {b.name} {b.host}:{b.port} cookie {b.name}" for b in backends
    )
    return f"""\
# Written by `workshop serve`; regenerated on every start.
# No log target: in the foreground (-db) HAProxy prints server UP/DOWN events and its own
# warnings to stderr, which `workshop serve` relays; requests are not logged.
global

defaults
    mode http
    # A learner whose process is down goes to a live one instead of an error page.
    option redispatch
    retries 2
    timeout connect {timing.connect}
    timeout client {timing.http}
    timeout server {timing.http}
    timeout http-request 10s
    timeout http-keep-alive 10s
    timeout queue 30s
    # Once a websocket is open it is a tunnel; it may stay open for the whole session.
    timeout tunnel {timing.tunnel}
    timeout client-fin 10s

cache static
    total-max-size {STATIC_CACHE_MB}
    max-object-size {STATIC_OBJECT_MAX_BYTES}
    max-age {STATIC_MAX_AGE_SECONDS}

frontend workshop
    bind {bind_spec(address, port)}
    option forwardfor
    default_backend streamlit

backend streamlit
    balance roundrobin
    # Sticky: the page, its websocket, media and downloads all reach one process.
    cookie {COOKIE_NAME} insert indirect nocache httponly
    option httpchk GET {HEALTH_PATH}
    http-check expect status 200
    default-server check inter {timing.check_interval} fall {timing.fall} rise {timing.rise}
    # Streamlit's hashed static files from memory, once one browser has fetched each.
    http-request set-var(txn.static) bool(true) if {{ path_beg {STATIC_PATH} }}
    http-request cache-use static if {{ var(txn.static) -m bool }}
    http-response cache-store static if {{ var(txn.static) -m bool }}
    # Which process answered (helps when a learner reports a problem).
    http-response set-header {SERVER_HEADER} %[srv_name]
{servers}
"""


def haproxy_command(executable: str, config_path: str) -> list[str]:
    """The command that runs HAProxy in the foreground (``-db``) with ``config_path``."""
    return [executable, "-db", "-f", config_path]


def check_command(executable: str, config_path: str) -> list[str]:
    """The command that only checks ``config_path`` (``-c``) and exits."""
    return [executable, "-c", "-q", "-f", config_path]
