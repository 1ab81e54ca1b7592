"""The join panel (/join): the room's address, large and as an offline QR code, behind the
instructor gate; and the address logic itself (loopback, this machine's network address,
a server the room cannot reach)."""

from __future__ import annotations

import pytest

from tests.ui.helpers import new_app, open_page
from workshop.instructor_gate import ENV_VAR
from workshop.ui import join, pages

CODE = "join-page-code-4242"


def _walk(node):
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _walk(child)


def _join(monkeypatch):
    monkeypatch.setenv(ENV_VAR, CODE)
    at = new_app()
    at.run()
    return open_page(at, pages.JOIN_ID)


def test_locked_join_page_asks_for_the_code(monkeypatch):
    at = _join(monkeypatch)
    assert not at.exception
    assert at.text_input(key="instructor-code-input").proto.type == 1  # PASSWORD
    assert "QR code" not in "\n".join(str(getattr(n, "proto", "")) for n in _walk(at._tree))


def test_unlocked_join_page_shows_the_address_and_its_qr_code(monkeypatch):
    at = _join(monkeypatch)
    at.text_input(key="instructor-code-input").input(CODE)
    next(button for button in at.button if button.label == "Unlock").click()
    at.run()
    assert not at.exception
    assert [title.value for title in at.title] == ["Join the workshop"]
    bodies = [markdown.value for markdown in at.markdown]
    address = next(body.strip("`") for body in bodies if body.startswith("`http"))
    assert address.startswith("http://") and address.endswith("/")
    assert any(f'aria-label="QR code for {address}"' in body and "<svg" in body
               for body in bodies)
    # Outside a browser the address is the configured one (127.0.0.1): the room cannot
    # reach it, and the page says how to serve the room's network.
    assert any(join.SERVE_COMMAND in warning.value for warning in at.warning)


@pytest.mark.parametrize(("host", "loopback"), [
    ("localhost", True), ("127.0.0.1", True), ("127.1.2.3", True), ("[::1]", True),
    ("app.localhost", True), ("192.168.1.20", False), ("workshop.example.org", False),
    ("::", False), ("10.0.0.5", False),
])
def test_is_loopback(host, loopback):
    assert join.is_loopback(host) is loopback


def test_root_url_brackets_ipv6_and_drops_default_ports():
    assert join.root_url("http", "10.0.0.5", 8501) == "http://10.0.0.5:8501/"
    assert join.root_url("http", "fe80::1", 8501) == "http://[fe80::1]:8501/"
    assert join.root_url("https", "room.example.org", 443, "/ws/") == "https://room.example.org/ws/"
    assert join.root_url("http", "room", 80) == "http://room/"


def test_app_url_drops_the_projected_pages_path():
    assert join.app_url("http://10.0.0.5:8501/join") == "http://10.0.0.5:8501/"
    assert join.app_url("http://10.0.0.5:8501/base/projector/") == "http://10.0.0.5:8501/base/"
    assert join.app_url("http://10.0.0.5:8501") == "http://10.0.0.5:8501/"


def test_a_network_address_is_shown_as_it_is():
    address = join.join_address("http://192.168.1.20:8501/", find_network=pytest.fail,
                                probe=pytest.fail)
    assert address == join.JoinAddress("http://192.168.1.20:8501/", reachable=True)


def test_loopback_with_the_server_on_the_network_offers_the_network_address():
    probed = []
    address = join.join_address("http://localhost:8501", find_network=lambda: "192.168.1.20",
                                probe=lambda host, port: probed.append((host, port)) or True)
    assert probed == [("192.168.1.20", 8501)]
    assert address.url == "http://192.168.1.20:8501/" and address.reachable
    assert "only this machine" in address.note


def test_loopback_only_server_is_unreachable_and_says_how_to_serve_the_room():
    for network in (None, "192.168.1.20"):
        address = join.join_address("http://127.0.0.1:8501/", find_network=lambda n=network: n,
                                    probe=lambda host, port: False)
        assert address.url == "http://127.0.0.1:8501/" and not address.reachable
        assert join.SERVE_COMMAND in address.note


def test_qr_code_is_svg_drawn_here_and_named_after_the_address():
    svg = join.qr_svg('http://10.0.0.5:8501/"><script>')
    assert svg.startswith('<svg role="img" aria-label="QR code for http://10.0.0.5:8501/&quot;')
    assert "<script>" not in svg and "http" not in svg.split(">", 1)[1]
    assert "\n" not in svg  # one line: Markdown keeps it as one HTML block


def test_segno_is_pure_python_with_no_dependencies():
    from importlib.metadata import distribution

    segno = distribution("segno")
    assert not [req for req in (segno.requires or []) if "python_version < '3.10'" not in req]
    assert not [path for path in segno.files if path.suffix in (".so", ".pyd", ".dll")]
