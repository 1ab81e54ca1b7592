"""The join panel (``/join``): the room's address in large type and as a QR code.

For the room's screen, so it shows nothing of the room: no learner, no count. It opens in
an instructor session only (the gate of ``workshop.ui.instructor_page``).

The address is the one this browser reached the server at (``st.context.url``). When that
is this machine's loopback (``localhost``, ``127.0.0.1``), the room cannot use it: the page
then offers this machine's address on its network if the server answers there, and
otherwise says how to serve on the room's network. The QR code is drawn here with
``segno`` (pure Python), as inline SVG: nothing is fetched from anywhere.
"""

from __future__ import annotations

import html
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

import streamlit as st

from workshop.ui import instructor_page, pages, theme

SERVE_COMMAND = "python -m workshop serve --address 0.0.0.0"
LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})
# A local connection to our own port answers at once; a refusal is immediate too.
PROBE_TIMEOUT = 0.3
QR_SCALE = 10

JOIN_CSS = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
[data-testid="stExpandSidebarButton"] { display: none !important; }
[data-testid="stHeader"] { display: none; }
[data-testid="stMainBlockContainer"] { padding-top: 1.5rem !important; max-width: none !important; }
.st-key-join-address p { font-size: clamp(2rem, 5vw, 4.5rem); font-weight: 700;
  line-height: 1.15; overflow-wrap: anywhere; margin: 0; }
.st-key-join-address code { font-size: inherit; color: inherit; background: none; padding: 0; }
.st-key-join-qr svg { width: min(60vh, 100%); height: auto; }
</style>
"""


@dataclass(frozen=True)
class JoinAddress:
    """Where the room joins, and whether the room can reach it.

    Attributes:
        url: the address to show, ``http://host:port/`` (with the app's base path).
        reachable: False when it is this machine's loopback only.
        note: a sentence for the instructor when ``url`` is not simply the one in the
            browser (empty otherwise).
    """

    url: str
    reachable: bool
    note: str = ""


def is_loopback(host: str) -> bool:
    """Whether ``host`` only reaches this machine (``localhost``, ``127.0.0.0/8``, ``::1``)."""
    name = host.strip("[]").lower()
    if name in LOOPBACK_NAMES or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def root_url(scheme: str, host: str, port: int | None, path: str = "") -> str:
    """``scheme://host[:port]/path/`` with IPv6 hosts in brackets and default ports left out."""
    bare = host.strip("[]")
    shown = f"[{bare}]" if ":" in bare else bare
    default = {"http": 80, "https": 443}.get(scheme)
    netloc = shown if port in (None, default) else f"{shown}:{port}"
    path = "/" + path.strip("/") + "/" if path.strip("/") else "/"
    return f"{scheme}://{netloc}{path}"


def network_address() -> str | None:
    """This machine's address on its network (the interface of its default route), or None.

    Opening a UDP socket towards a private address sends nothing; it only asks the
    operating system which local address it would use.
    """
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("10.254.254.254", 1))
            address = probe.getsockname()[0]
    except OSError:
        return None
    return None if is_loopback(address) or address == "0.0.0.0" else address


def answers(host: str, port: int, timeout: float = PROBE_TIMEOUT) -> bool:
    """Whether a server accepts TCP connections at ``host:port`` (from this machine)."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def join_address(browser_url: str, find_network=network_address, probe=answers) -> JoinAddress:
    """The address the room should open, from the URL this browser shows.

    Args:
        browser_url: the app's URL in this browser (``st.context.url``), e.g.
            ``http://127.0.0.1:8501`` or ``http://192.168.1.20:8501/workshop``.
        find_network: returns this machine's network address or None (for tests).
        probe: ``probe(host, port)`` tells whether the server answers there (for tests).

    Returns:
        The browser's own address when it is not loopback; else this machine's network
        address if the server answers on it; else the loopback address, marked unreachable.
    """
    parts = urlsplit(browser_url if "://" in browser_url else f"http://{browser_url}")
    scheme, host = parts.scheme or "http", parts.hostname or "localhost"
    port = parts.port or {"http": 80, "https": 443}.get(scheme, 80)
    here = root_url(scheme, host, port, parts.path)
    if not is_loopback(host):
        return JoinAddress(here, reachable=True)
    network = find_network()
    if network is not None and probe(network, port):
        return JoinAddress(root_url(scheme, network, port, parts.path), reachable=True,
                           note=f"This browser uses {here}, which only this machine can open; "
                                f"the room uses this machine's network address.")
    return JoinAddress(here, reachable=False, note=(
        f"{here} only reaches this machine: the room cannot open it. Stop the server and "
        f"serve it on the room's network with `{SERVE_COMMAND}`, then open this page at "
        f"this machine's network address."))


def qr_svg(url: str, scale: int = QR_SCALE) -> str:
    """The QR code of ``url`` as inline SVG, dark on white, named after the address."""
    import segno

    label = html.escape(f"QR code for {url}", quote=True)
    code = segno.make(url, error="m")
    svg = code.svg_inline(scale=scale, dark=theme.TEXT, light=theme.WHITE)
    return svg.replace("<svg ", f'<svg role="img" aria-label="{label}" ', 1)


def app_url(page_url: str) -> str:
    """The app's own URL from a page's (``…/join`` → ``…/``): learners start at the root."""
    trimmed = page_url.split("?", 1)[0].rstrip("/")
    for page_id in pages.PROJECTED_IDS:
        if trimmed.endswith("/" + page_id):
            return trimmed[: -len(page_id)]
    return trimmed + "/"


def browser_url() -> str:
    """The app's URL in this browser; outside a browser, the server's configured address."""
    url = st.context.url
    if url:
        return app_url(url)
    host = st.context.headers.get("host") if st.context.headers else None
    if host:
        return f"http://{host}"
    address = st.get_option("server.address") or "localhost"
    return root_url("http", address, st.get_option("server.port"),
                    st.get_option("server.baseUrlPath") or "")


def render_join(address: JoinAddress) -> None:
    """The panel itself: a heading, the address large, the QR code, and any note."""
    st.markdown(JOIN_CSS, unsafe_allow_html=True)
    st.title("Join the workshop", anchor=False)
    if not address.reachable:
        st.warning(address.note)
    text_col, qr_col = st.columns([3, 2], vertical_alignment="center")
    with text_col:
        st.markdown("Open this address on your laptop or phone:")
        with st.container(key="join-address"):
            st.markdown(f"`{address.url.replace('`', '')}`")
    with qr_col, st.container(key="join-qr"):
        st.markdown(qr_svg(address.url), unsafe_allow_html=True)
    if address.reachable and address.note:
        st.caption(address.note)
    st.page_link(pages.projector_page() or pages.welcome_page(), label="Projector view →")


def render() -> None:
    """The join page: the gate first (an instructor session only), then the panel."""
    if not instructor_page.passes_gate():
        return
    render_join(join_address(browser_url()))
