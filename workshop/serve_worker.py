"""One Streamlit process of ``workshop serve``, started with ``TCP_NODELAY`` on its sockets.

Usage (``workshop serve`` builds this command; nobody needs to type it)::

    python -m workshop.serve_worker run app.py --server.port 8601 ...

Everything after the module name is handed to Streamlit's own command line unchanged.

Why a launcher: Streamlit 1.67 serves with uvicorn on an asyncio loop, on a listening
socket it binds itself (``starlette_server._bind_socket``) as ``socket.socket(family)``,
so the socket's ``proto`` is 0. asyncio sets ``TCP_NODELAY`` on every accepted connection
only when ``proto == IPPROTO_TCP`` (``asyncio.base_events._set_nodelay``), so Streamlit's
connections keep Nagle's algorithm on: a response written in two pieces (headers, then
body) waits for the browser's delayed ACK, about 40 ms per response. The fix here re-wraps
the listening socket as an explicit TCP socket; asyncio then sets ``TCP_NODELAY`` on each
connection it accepts, as it does for any server it creates itself. The option is also set
on the listening socket, which Linux copies to accepted connections.

If a later Streamlit moves that function, the worker says so on stderr and serves without
the fix rather than not at all.

The worker also warms up before it serves (``workshop.ui.warmup``: the case study's imports,
about a second of scikit-learn, and the pools of real unseeded runs Stages 3 and 4 show). A
plain ``streamlit run`` does that in the background after the first stage page; a room
server does it before its health check answers, so ``workshop serve`` prints the room's URL
only once every process is warm, and the first learner on a heavy stage pays for neither.
"""

from __future__ import annotations

import functools
import socket
import sys
from collections.abc import Callable
from typing import Any

BIND_FUNCTION = "_bind_socket"


def tcp_socket(sock: socket.socket) -> socket.socket:
    """The same listening socket, re-wrapped so Python knows it is TCP, with TCP_NODELAY.

    Args:
        sock: a bound, listening IPv4 or IPv6 stream socket (its ``proto`` may be 0).

    Returns:
        A socket object for the same file descriptor with ``proto == IPPROTO_TCP``, still
        non-blocking and inheritable; connections accepted from it get ``TCP_NODELAY``.
    """
    if sock.family not in (socket.AF_INET, socket.AF_INET6) or sock.type != socket.SOCK_STREAM:
        return sock
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if sock.proto == socket.IPPROTO_TCP:
        return sock
    wrapped = socket.socket(sock.family, sock.type, socket.IPPROTO_TCP, fileno=sock.detach())
    wrapped.setblocking(False)
    wrapped.set_inheritable(True)
    return wrapped


def _with_nodelay(bind: Callable[..., socket.socket]) -> Callable[..., socket.socket]:
    @functools.wraps(bind)
    def bind_with_nodelay(*args: Any, **kwargs: Any) -> socket.socket:
        return tcp_socket(bind(*args, **kwargs))

    bind_with_nodelay.workshop_nodelay = True  # type: ignore[attr-defined]
    return bind_with_nodelay


def install_nodelay() -> bool:
    """Make Streamlit's server sockets set TCP_NODELAY; call before the server starts.

    Returns:
        True when installed (or already installed), False when this Streamlit has no
        ``_bind_socket`` to wrap (a warning is printed; the server still works, slower).
    """
    from streamlit.web.server.starlette import starlette_server

    bind = getattr(starlette_server, BIND_FUNCTION, None)
    if bind is None:
        print(f"warning: this Streamlit has no starlette_server.{BIND_FUNCTION}; serving "
              "without TCP_NODELAY (responses may wait ~40 ms each).", file=sys.stderr)
        return False
    if not getattr(bind, "workshop_nodelay", False):
        setattr(starlette_server, BIND_FUNCTION, _with_nodelay(bind))
    return True


def warm_up() -> dict[str, str]:
    """Import the case study and fill the run pools now, before the server answers.

    Returns:
        What could not be imported or filled (the page that needs it shows the error).
    """
    from workshop.ui import warmup

    warmup.start().join()
    failures = warmup.failures()
    for name, error in failures.items():
        print(f"workshop serve: warm-up of {name} failed ({error}); the page that needs it "
              "will say so", file=sys.stderr)
    return failures


def main(argv: list[str] | None = None) -> int:
    """Install the TCP_NODELAY fix, then run Streamlit's command line with ``argv``.

    Args:
        argv: Streamlit's arguments, e.g. ``["run", "app.py", "--server.port", "8601"]``;
            default ``sys.argv[1:]``.

    Returns:
        Streamlit's exit code.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    install_nodelay()
    warm_up()
    from streamlit.web import cli

    try:
        cli.main.main(args=args, prog_name="streamlit", standalone_mode=True)
    except SystemExit as exit_:
        return exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
