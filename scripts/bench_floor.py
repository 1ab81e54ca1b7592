"""What does a page view cost the server, next to Streamlit's own floor? A benchmark, not a test.

For each page asked for, over the real websocket protocol (``scripts/room_client.py``), on
one ``streamlit run app.py`` process with a fresh store, warmed (the page opened once, then
the background warm-up left to finish), it measures the server's CPU (user + system of the
whole process, from ``/proc/<pid>/stat``, summed over ``--views`` views, divided by their
number):

- **first view**: a new learner (new websocket session) opens the page: the websocket
  handshake and the page's first script run (the HTML page a browser fetches first is
  measured on its own, ``GET /``);
- **warm view**: a learner who has the page open asks for it again (the rerun request of a
  page link; with the browser's message cache, as a browser sends it);
- **submission**: that learner presses the page's first single-choice Submit, a fragment
  rerun (a wrong answer, so the check stays open);
- **floor**: the CPU of replaying the same page's messages with no app code. The warm
  view's ForwardMsgs are recorded (without the message cache, so every message is whole);
  a second server runs a generated one-file app (``replay_app.py`` in a temporary folder)
  whose script does nothing but parse each recorded message from its bytes, clear its hash
  and hand it to Streamlit (``ScriptRunContext.enqueue``, the call every ``st.*`` element
  ends in: it hashes the message, turns it into a cache reference if the browser has it,
  and queues it for the websocket). Replayed: every ``delta`` (elements, blocks, their
  paths and fragment ids as recorded), ``page_config_changed`` and ``logo``. Not replayed:
  what Streamlit's runtime sends for any script run itself (``new_session``,
  ``script_finished``, …) — the replay app's own runtime sends those — and the
  ``navigation`` message of ``st.navigation`` (a one-file app has none; a few hundred
  bytes). Like the app, it takes what is alive after its first run out of the garbage
  collector's walks (``gc.freeze``, ``workshop/ui/warmup.py``). The same client then opens
  and re-requests the replay page exactly as the warm
  view did, so ``warm / floor`` is the share of a warm view that is the app's own work
  (building the elements in Python, reading the store, the lesson's Markdown) rather than
  Streamlit's runtime, the protobuf work and the websocket;
- **API floor**: the same recording drawn again by a third server through Streamlit's own
  API (``scripts/api_floor_app.py``): each element made by the ``st.*`` call that makes it
  (markdown, buttons, radios, columns, expanders, tabs, a fragment around each check, …)
  with the recorded text and options, and nothing else. It is what any Streamlit app pays
  to draw these elements; ``API floor / floor`` is how far above the replay that is before
  the app does any work of its own, and ``warm / API floor`` is the app's own share.

All three servers read the project's ``.streamlit/config.toml``.

Usage (from the project root)::

    .venv/bin/python scripts/bench_floor.py
    .venv/bin/python scripts/bench_floor.py --pages why,model --views 30

Budgets (issue "a room of 200"): first view of any stage <= 50 ms of server CPU; warm view
<= 2x the floor; a check submission <= 15 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from room_client import (  # noqa: E402
    PROJECT_ROOT,
    LoadError,
    Tab,
    cpu_of,
    start_streamlit,
    wait_until_idle,
    widget_id,
)
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg  # noqa: E402
from streamlit.proto.WidgetStates_pb2 import WidgetStates  # noqa: E402

from workshop.content import load_course  # noqa: E402

REPLAYED = ("delta", "page_config_changed", "logo")
API_FLOOR_APP = Path(__file__).resolve().parent / "api_floor_app.py"
REPLAY_ENV = "WORKSHOP_REPLAY_FILE"
REPLAY_APP = f'''\
"""Replays recorded ForwardMsgs (scripts/bench_floor.py): no app code, Streamlit's floor."""
import gc
import os
import struct
import sys

from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

_module = sys.modules.setdefault("_replay_recording", type(sys)("_replay_recording"))
if not hasattr(_module, "frames"):
    data, frames, at = open(os.environ["{REPLAY_ENV}"], "rb").read(), [], 0
    while at < len(data):
        (size,) = struct.unpack_from(">I", data, at)
        frames.append(data[at + 4:at + 4 + size])
        at += 4 + size
    _module.frames = frames
ctx = get_script_run_ctx()
for frame in _module.frames:
    msg = ForwardMsg()
    msg.ParseFromString(frame)
    ctx.enqueue(msg)
if not hasattr(_module, "frozen"):  # as the app does after its first run (warmup.py)
    _module.frozen = True
    gc.collect()
    gc.freeze()
'''


def recordable(frames: list[bytes]) -> list[bytes]:
    """The recorded messages to replay, hash and cache flags cleared (the server sets them)."""
    kept = []
    for frame in frames:
        msg = ForwardMsg()
        msg.ParseFromString(frame)
        if msg.WhichOneof("type") in REPLAYED:
            msg.hash = ""
            msg.metadata.cacheable = False
            kept.append(msg.SerializeToString())
    return kept


def write_recording(frames: list[bytes], path: Path) -> None:
    with open(path, "wb") as out:
        for frame in frames:
            out.write(len(frame).to_bytes(4, "big") + frame)


async def first_views(port: int, pid: int, page: str, views: int) -> tuple[float, float]:
    """CPU ms per new learner's first view (websocket + run), and per ``GET /``."""
    get_cpu = view_cpu = 0.0
    for _ in range(views):
        tab = Tab(port)
        before = cpu_of([pid])
        await tab.get("/" if page == "welcome" else f"/{page}")
        middle = cpu_of([pid])
        await tab.connect()
        run = await tab.request("" if page == "welcome" else page)
        after = cpu_of([pid])
        await tab.close()
        if run.exceptions:
            raise LoadError("; ".join(run.exceptions))
        get_cpu += middle - before
        view_cpu += after - middle
    return view_cpu * 1000 / views, get_cpu * 1000 / views


async def warm_views(port: int, pid: int, page: str, views: int,
                     record: bool = False) -> tuple[float, int, list[bytes], Tab]:
    """CPU ms and bytes per warm view of one learner (the tab is left open), and the
    messages of one warm view sent without the message cache (when ``record``)."""
    name = "" if page == "welcome" else page
    tab = Tab(port, record=record)
    await tab.connect()
    await tab.request(name)
    frames: list[bytes] = []
    if record:
        tab.use_cache = False
        frames = (await tab.request(name)).messages
        tab.use_cache, tab.record = True, False
    await tab.request(name)
    sizes = []
    before = cpu_of([pid])
    for _ in range(views):
        run = await tab.request(name)
        sizes.append(run.bytes)
        if run.exceptions:
            raise LoadError("; ".join(run.exceptions))
    cpu_ms = (cpu_of([pid]) - before) * 1000 / views
    return cpu_ms, int(statistics.median(sizes)), frames, tab


async def submissions(tab: Tab, pid: int, page: str, views: int) -> float | None:
    """CPU ms per Submit press (fragment rerun) on the page's first single-choice check."""
    course = load_course()
    stage = next((s for s in course.stages if s.id == page), None)
    check = next((c for c in (stage.checks if stage else ())
                  if str(getattr(c.kind, "value", c.kind)) == "single_choice"), None)
    if check is None:
        return None
    run = await tab.request(page)
    answer_id = widget_id(run.widgets, f"-{check.id}-answer")
    submit_id = widget_id(run.widgets, f"-{check.id}-submit")
    wrong = next(o.text for o in check.options if o.key != check.answer)
    before = cpu_of([pid])
    for _ in range(views):
        states = WidgetStates()
        answer = states.widgets.add()
        answer.id, answer.string_value = answer_id, wrong
        button = states.widgets.add()
        button.id, button.trigger_value = submit_id, True
        graded = await tab.request(page, states, run.widgets[submit_id])
        if graded.exceptions:
            raise LoadError("; ".join(graded.exceptions))
    return (cpu_of([pid]) - before) * 1000 / views


async def measure_app(port: int, pid: int, page: str, views: int) -> dict:
    figures = {}
    figures["first"], figures["get"] = await first_views(port, pid, page, views)
    figures["warm"], figures["bytes"], frames, tab = await warm_views(
        port, pid, page, views, record=True)
    try:
        figures["submit"] = await submissions(tab, pid, page, views)
    finally:
        await tab.close()
    figures["frames"] = recordable(frames)
    return figures


async def measure_replay(port: int, pid: int, views: int) -> dict:
    figures = {}
    figures["first"], _ = await first_views(port, pid, "welcome", views)
    figures["warm"], figures["bytes"], _, tab = await warm_views(port, pid, "welcome", views)
    await tab.close()
    return figures


def bench_page(page: str, views: int, work: Path) -> str:
    app_server = start_streamlit(PROJECT_ROOT / "app.py", work / f"data-{page}",
                                 work / f"app-{page}.log")
    try:
        pid = app_server.process.pid
        asyncio.run(first_views(app_server.port, pid, page, 1))  # the page's cold run
        wait_until_idle([pid])
        app = asyncio.run(measure_app(app_server.port, pid, page, views))
    finally:
        app_server.stop()
    recording = work / f"{page}.frames"
    write_recording(app["frames"], recording)
    script = work / "replay_app.py"
    script.write_text(REPLAY_APP, encoding="utf-8")
    floor = measure_floor(script, recording, work / f"replay-{page}.log", views)
    api = measure_floor(API_FLOOR_APP, recording, work / f"api-{page}.log", views)
    submit = f"{app['submit']:6.1f}" if app["submit"] is not None else "     -"
    return (f"| {page:<10} | {app['first']:6.1f} | {app['warm']:6.1f} | {floor['warm']:6.1f} "
            f"| {app['warm'] / floor['warm']:5.2f} | {api['warm']:6.1f} "
            f"| {api['warm'] / floor['warm']:5.2f} | {floor['first']:6.1f} / {api['first']:6.1f} "
            f"| {submit} "
            f"| {app['get']:5.1f} | {len(app['frames']):4d} | {app['bytes'] / 1024:6.1f} "
            f"/ {floor['bytes'] / 1024:6.1f} |")


def measure_floor(script: Path, recording: Path, log: Path, views: int) -> dict:
    """First and warm views of a floor app (the replay, or the API floor) of a recording."""
    server = start_streamlit(script, log.with_suffix(".data"), log,
                             {REPLAY_ENV: str(recording)})
    try:
        pid = server.process.pid
        asyncio.run(first_views(server.port, pid, "welcome", 2))
        wait_until_idle([pid])
        return asyncio.run(measure_replay(server.port, pid, views))
    finally:
        server.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", default="why,model",
                        help="comma-separated page ids (stage ids or welcome; "
                             "default why,model)")
    parser.add_argument("--views", type=int, default=20,
                        help="views (and presses) measured per figure (default 20)")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="workshop-floor-"))
    load_before = os.getloadavg()[0]
    try:
        rows = [bench_page(page, args.views, work) for page in args.pages.split(",")]
    except LoadError as error:
        print(f"bench_floor: {error}", file=sys.stderr)
        return 2
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"Server CPU per view (ms; user+system of the server process / {args.views} "
          f"views); {os.cpu_count()} CPUs, 1-min load {load_before:.1f} before, "
          f"{os.getloadavg()[0]:.1f} after")
    print("| page | first view | warm view | floor (replay) | warm/floor | API floor "
          "| API floor/floor | first view: replay / API floor | submission | GET / "
          "| messages replayed | warm KB app / replay |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
