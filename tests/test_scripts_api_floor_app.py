"""scripts/api_floor_app.py draws a recorded page again, element for element (no timings).

``bench_floor.py`` compares a page's warm view with this app's: the comparison means
something only if the API floor draws the same elements, in the same places, as the page.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from streamlit.runtime.scriptrunner_utils import script_run_context
from streamlit.testing.v1 import AppTest
from streamlit.util import calc_hash

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import bench_floor  # noqa: E402


def _recorded_run(monkeypatch, script: Path, page: str | None = None) -> list[bytes]:
    """Every message the second run of ``script`` queues, as bytes."""
    frames: list[bytes] = []
    queue = script_run_context.ScriptRunContext.enqueue

    def record(self, msg):
        frames.append(msg.SerializeToString())
        return queue(self, msg)

    monkeypatch.setattr(script_run_context.ScriptRunContext, "enqueue", record)
    at = AppTest.from_file(str(script), default_timeout=120)
    if page is not None:
        at._page_hash = calc_hash(page)
    at.run()
    # The second run, as bench_floor records a warm view: no spinner of a first computation.
    frames.clear()
    at.run()
    assert not at.exception, at.exception
    monkeypatch.undo()
    return frames


def _elements(frames: list[bytes]) -> list[tuple[tuple[int, ...], str]]:
    """(delta path, element or block kind) of every element and block."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    shown = []
    for frame in frames:
        msg = ForwardMsg()
        msg.ParseFromString(frame)
        if msg.WhichOneof("type") != "delta":
            continue
        delta = msg.delta
        kind = delta.WhichOneof("type")
        if kind == "new_element":
            kind = delta.new_element.WhichOneof("type")
        elif kind == "add_block":
            kind = f"block:{delta.add_block.WhichOneof('type')}"
        shown.append((tuple(msg.metadata.delta_path), kind))
    return shown


@pytest.mark.parametrize("page", ["why", "deployment"])
def test_the_api_floor_draws_the_same_elements_in_the_same_places(monkeypatch, tmp_path,
                                                                   page):
    """Stage 0 (checks as fragments, tabs, a form in the sidebar) and Stage 5 (columns,
    charts, sliders, metrics): every element and block at the page's own path."""
    monkeypatch.setenv("WORKSHOP_DATA_DIR", str(tmp_path / "data"))
    recording = tmp_path / f"{page}.frames"
    page_frames = bench_floor.recordable(_recorded_run(monkeypatch, ROOT / "app.py", page))
    bench_floor.write_recording(page_frames, recording)

    monkeypatch.setenv(bench_floor.REPLAY_ENV, str(recording))
    sys.modules.pop("_api_floor_recording", None)  # the app reads its recording once
    floor_frames = _recorded_run(monkeypatch, bench_floor.API_FLOOR_APP)

    page_elements = _elements(page_frames)
    assert len(page_elements) > 100
    # The sidebar is drawn before the main area, so compare as sets of placed elements.
    assert sorted(_elements(floor_frames)) == sorted(page_elements)
