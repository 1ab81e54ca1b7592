"""The projector page (/projector?stage=<id>) through the real router: absent without an
instructor code, locked until the code is given, then one stage's demo with a slim bar
(previous, next, join) and no sidebar, no checks and no learner's name."""

from __future__ import annotations

import pytest

from tests.ui.helpers import new_app, open_page
from workshop.instructor_gate import ENV_VAR
from workshop.progress import ProgressStore
from workshop.ui import pages, projector

CODE = "projector-page-code-42"
SEEDED_NAME = "Zebra Projected"


def _walk(node):
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _walk(child)


def _page_text(at) -> str:
    return "\n".join(str(getattr(node, "proto", "")) for node in _walk(at._tree))


def _elements(at, kind: str) -> list:
    return [node for node in _walk(at._tree) if getattr(node, "type", None) == kind]


def _projector(monkeypatch, stage: str | None = None, code: str | None = CODE):
    if code is None:
        monkeypatch.delenv(ENV_VAR, raising=False)
    else:
        monkeypatch.setenv(ENV_VAR, code)
    at = new_app()
    at.run()
    if stage is not None:
        at.query_params[projector.STAGE_PARAM] = stage
    return open_page(at, pages.PROJECTOR_ID)


def _unlock(at):
    at.text_input(key="instructor-code-input").input(CODE)
    next(button for button in at.button if button.label == "Unlock").click()
    return at.run()


@pytest.fixture
def named_learner():
    ProgressStore().create_learner(SEEDED_NAME)


def test_no_projector_page_without_an_instructor_code(monkeypatch):
    at = _projector(monkeypatch, code=None)
    assert not at.exception
    assert pages.PROJECTOR_ID not in [page.get("url_pathname") for page in
                                      at._registered_pages.values()]


def test_locked_projector_asks_for_the_code_and_shows_no_demo(monkeypatch, named_learner):
    at = _projector(monkeypatch, stage="data")
    assert not at.exception
    assert at.text_input(key="instructor-code-input").proto.type == 1  # PASSWORD
    assert not [block for block in _walk(at._tree)
                if "projector-demo" in str(getattr(getattr(block, "proto", None), "id", ""))]
    assert not _elements(at, "vega_lite_chart") and not _elements(at, "metric")
    assert SEEDED_NAME not in _page_text(at)


def test_unlocked_projector_shows_the_chosen_stages_demo_and_nothing_of_the_room(
        monkeypatch, named_learner):
    at = _unlock(_projector(monkeypatch, stage="data"))
    assert not at.exception
    assert [title.value for title in at.title] == ["Stage 2 · Data collection"]
    links = [link.proto.label for link in _elements(at, "page_link")]
    assert links == ["← 1 · Design", "3 · Model →", "Join panel"]
    sidebar = [node.type for node in _walk(at.sidebar) if getattr(node, "type", None)]
    assert not {"page_link", "code", "text_input"} & set(sidebar), sidebar  # no sidebar
    text = _page_text(at)
    assert SEEDED_NAME not in text
    assert "Irreproducible" in text and "Reproducible" in text
    assert "Check 1 of" not in text  # the stage's checks stay on the stage page
    assert not _elements(at, "tab")


def test_unknown_stage_falls_back_to_the_first_and_the_first_has_no_previous(monkeypatch):
    at = _unlock(_projector(monkeypatch, stage="no-such-stage"))
    assert not at.exception
    assert at.title[0].value.startswith("Stage 0 ")
    links = [link.proto.label for link in _elements(at, "page_link")]
    assert links[0] == "1 · Design →" and not any(label.startswith("←") for label in links)


def test_chosen_stage_and_projectable_stages():
    stages = [type("S", (), {"id": stage_id}) for stage_id in ("why", "design", "data")]
    assert projector.chosen_stage(stages, "design").id == "design"
    assert projector.chosen_stage(stages, None).id == "why"
    assert projector.chosen_stage(stages, "../etc").id == "why"
    assert projector.has_demo("why") and not projector.has_demo("wrap-up")
    assert not projector.has_demo("not an identifier")
