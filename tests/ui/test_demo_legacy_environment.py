"""Stage 4, rebuilding the environment: nothing starts on page open; the button runs four fresh
processes once per setting and shows what they found, with a described chart and a table."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from case_study import nondeterminism as nd

TIMEOUT = 180


def environment_demo():
    from workshop.ui.demos.legacy_environment import render_environment

    render_environment()


@pytest.fixture
def at(monkeypatch) -> AppTest:
    app = AppTest.from_function(environment_demo, default_timeout=TIMEOUT)
    app.run()
    assert not app.exception
    return app


def texts(app: AppTest) -> str:
    return "\n".join(m.value for m in app.markdown)


def test_opening_the_page_starts_no_process(monkeypatch):
    """The section draws its lock-file line and the button; no fresh process is started."""
    calls = []
    monkeypatch.setattr(nd, "compare_numerics", lambda *a, **k: calls.append(a) or None)
    app = AppTest.from_function(environment_demo, default_timeout=TIMEOUT)
    app.run()
    assert not app.exception
    assert calls == []
    assert "requirements.txt" in texts(app) and "pins" in texts(app)
    assert app.button(key="legacy-numerics-run").label == "Run in four fresh processes"
    assert not app.get("vega_lite_chart")


@pytest.mark.slow
def test_the_button_shows_what_four_fresh_processes_found(at):
    """Pressing it: a sentence per comparison, a described chart and a table, all computed."""
    at.button(key="legacy-numerics-run").click().run()
    assert not at.exception
    assert not at.error, [e.value for e in at.error]
    shown = texts(at)
    assert "**same environment, run again**" in shown
    assert "all 4 results identical, bit for bit" in shown
    assert "**another summation order**" in shown and "differ in their last bits" in shown
    assert "**another BLAS thread count**" in shown
    (chart,) = at.get("vega_lite_chart")
    assert "units in the last place" in chart.proto.spec
    assert '"description"' in chart.proto.spec
    table = at.dataframe[0].value
    assert len(table) == len(nd.COMPARISONS) * 4
    assert set(table["changed"]) == {
        "same environment, run again", "another BLAS thread count", "another summation order",
    }
    assert any("Run by this server at" in c.value for c in at.caption)


@pytest.mark.slow
def test_a_second_press_with_the_same_settings_reuses_the_run(at, monkeypatch):
    """A room pressing together: the same settings start the processes once per server."""
    at.button(key="legacy-numerics-run").click().run()
    first = [c.value for c in at.caption if "Run by this server at" in c.value]
    monkeypatch.setattr(nd, "compare_numerics", lambda *a, **k: pytest.fail("ran again"))
    again = AppTest.from_function(environment_demo, default_timeout=TIMEOUT)
    again.run()
    again.button(key="legacy-numerics-run").click().run()
    assert not again.exception
    assert [c.value for c in again.caption if "Run by this server at" in c.value] == first
