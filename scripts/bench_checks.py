"""What does one check submission cost the server? A benchmark, not a test.

Starts the real app (``python -m streamlit run app.py``) on a free loopback port with a
fresh, empty progress store and talks to it as a browser does, over Streamlit's websocket
(``/_stcore/stream``, BackMsg/ForwardMsg protobufs, with the browser's message cache: each
request lists the hashes of the cacheable messages already received, so unchanged large
elements come back as short references).

For each stage asked for, and each way a click can reach the server:

- ``full page``: the rerun request a browser sends for a widget that is not in a fragment
  (no ``fragment_id``): the whole page runs, records the attempt, and runs again
  (``st.rerun()``) so the buttons and the sidebar agree with the store — what every check
  click cost before the checks became fragments;
- ``fragment``: the request the browser sends for a widget inside a fragment
  (``ClientState.fragment_id`` = the fragment the Submit button was drawn in, read from the
  ``Delta.fragment_id`` of its element): only that check and the sidebar's marks rerun.

a new learner opens the stage and presses Submit ``--clicks`` times on the stage's first
single-choice check (a wrong answer, so the check stays open; the first press also turns
the stage's mark from · to ◐). It prints, per click: the server's CPU (user + system, from
``/proc/<pid>/stat``, over all clicks, divided by their number), the bytes the server sent,
and the wall time until the run finished.

Usage (from the project root)::

    .venv/bin/python scripts/bench_checks.py
    .venv/bin/python scripts/bench_checks.py --stages why,model --clicks 40
    .venv/bin/python scripts/bench_checks.py --root /tmp/old-checkout --modes full

``--root`` serves another checkout of the app (e.g. ``git archive HEAD``) with this
project's Python, to measure the code before a change.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from room_client import (  # noqa: E402
    FINISHED_OK,
    PROJECT_ROOT,
    LoadError,
    Tab,
    cpu_of,
    start_streamlit,
    wait_until_idle,
    widget_id,
)
from streamlit.proto.WidgetStates_pb2 import WidgetStates  # noqa: E402

from workshop.content import load_course  # noqa: E402

MODES = ("full", "fragment")
BenchError = LoadError


# --- clicks -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Target:
    """The check pressed on a stage: its id and a wrong option's text."""

    stage_id: str
    check_id: str
    wrong_text: str


def pick_target(course, stage_id: str) -> Target:
    """The stage's first single-choice check and the text of one of its wrong options."""
    stage = course.stage(stage_id)
    for check in stage.checks:
        if str(getattr(check.kind, "value", check.kind)) == "single_choice":
            wrong = next(o.text for o in check.options if o.key != check.answer)
            return Target(stage.id, check.id, wrong)
    raise BenchError(f"stage {stage_id!r} has no single-choice check to press")


@dataclass
class Figures:
    """One stage, one mode: per-click figures."""

    cpu_ms: float
    kb: list[float]
    wall_ms: list[float]
    fragment_runs: bool


async def clicks(port: int, pid: int, target: Target, mode: str, count: int) -> Figures:
    """A new learner opens the stage and presses Submit ``count`` times (a wrong answer)."""
    tab = Tab(port)
    await tab.connect()
    try:
        await tab.request("")
        page = await tab.request(target.stage_id)
        if page.exceptions:
            raise BenchError("; ".join(page.exceptions))
        answer_id = widget_id(page.widgets, f"-{target.check_id}-answer")
        submit_id = widget_id(page.widgets, f"-{target.check_id}-submit")
        fragment_id = page.widgets[submit_id] if mode == "fragment" else ""
        if mode == "fragment" and not fragment_id:
            raise BenchError("the Submit button is not in a fragment on this server")
        kb, wall, all_fragment = [], [], True
        cpu_before = cpu_of([pid])
        for _ in range(count):
            states = WidgetStates()
            answer = states.widgets.add()
            answer.id, answer.string_value = answer_id, target.wrong_text
            button = states.widgets.add()
            button.id, button.trigger_value = submit_id, True
            started = time.perf_counter()
            run = await tab.request(target.stage_id, states, fragment_id)
            wall.append((time.perf_counter() - started) * 1000)
            if run.exceptions:
                raise BenchError("; ".join(run.exceptions))
            kb.append(run.bytes / 1024)
            all_fragment &= FINISHED_OK not in run.finished
        cpu_ms = (cpu_of([pid]) - cpu_before) * 1000 / count
        return Figures(cpu_ms, kb, wall, all_fragment)
    finally:
        await tab.close()


def line(stage_id: str, mode: str, figures: Figures) -> str:
    """One printed line of figures."""
    runs = "fragments only" if figures.fragment_runs else "whole page"
    return (f"  {stage_id:<12} {mode:<9} CPU {figures.cpu_ms:6.1f} ms/click   "
            f"sent {statistics.median(figures.kb):6.1f} KB/click (median; first "
            f"{figures.kb[0]:.1f})   wall {statistics.median(figures.wall_ms):6.1f} ms "
            f"(median)   reran: {runs}")


def measure(root: Path, stages: list[str], modes: list[str], count: int) -> list[str]:
    """Serve ``root``'s app.py and measure every stage and mode asked for."""
    course = load_course()
    targets = [pick_target(course, stage_id) for stage_id in stages]
    work = Path(tempfile.mkdtemp(prefix="workshop-bench-checks-"))
    server = start_streamlit(root / "app.py", work / "data", work / "server.log")
    pid = server.process.pid
    try:
        lines = []
        for target in targets:
            # Warm: the stage's imports and caches are paid once per server, not per click.
            asyncio.run(clicks(server.port, pid, target, "full", 2))
            wait_until_idle([pid])
            for mode in modes:
                figures = asyncio.run(clicks(server.port, pid, target, mode, count))
                lines.append(line(target.stage_id, mode, figures))
        return lines
    except BenchError:
        print(server.log_tail(3000), file=sys.stderr)
        raise
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stages", default="why,model",
                        help="comma-separated stage ids (default: why,model — a light and "
                             "a heavy stage page)")
    parser.add_argument("--modes", default=",".join(MODES),
                        help="full, fragment or both (default)")
    parser.add_argument("--clicks", type=int, default=30,
                        help="Submit presses per stage and mode (default 30)")
    parser.add_argument("--root", type=Path, default=PROJECT_ROOT,
                        help="the checkout whose app.py is served (default: this one)")
    args = parser.parse_args(argv)
    modes = [mode for mode in args.modes.split(",") if mode]
    if not set(modes) <= set(MODES) or args.clicks < 1:
        parser.error(f"--modes takes {', '.join(MODES)}; --clicks at least 1")
    load_before = os.getloadavg()[0]
    try:
        lines = measure(args.root.resolve(), args.stages.split(","), modes, args.clicks)
    except BenchError as error:
        print(f"bench_checks: {error}", file=sys.stderr)
        return 2
    print(f"Check submissions: {args.clicks} Submit presses per stage and mode, one learner, "
          f"app at {args.root}; {os.cpu_count()} CPUs, 1-min load {load_before:.1f} before, "
          f"{os.getloadavg()[0]:.1f} after")
    print("  CPU: the server's user+system time over all presses / presses; "
          "sent: websocket bytes from the server per press")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
