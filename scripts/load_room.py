"""How many learners can the workshop take at once? A benchmark, not a test.

Starts a real server on a free loopback port with a fresh, empty progress store —
``--target one``: one ``python -m streamlit run app.py`` process (the README's first
command); ``--target serve``: ``python -m workshop serve --processes K`` (K Streamlit
processes behind HAProxy; K = 1 is one process without HAProxy but with TCP_NODELAY) —
with progress in SQLite (``--data-dir``) or, with ``--database postgres``, in a throwaway
PostgreSQL cluster (``tests/postgres_server.py``; ``WORKSHOP_DATABASE_URL`` is passed to
every process). Then N learners arrive, one every T/N seconds (uniformly over ``--arrival``
T seconds), each speaking to the server as a browser tab does (``scripts/room_client.py``):

1. **page load**: ``GET /<stage>`` (the HTML page; the cookies it sets, HAProxy's sticky
   ``SERVERID`` included, are sent with every later request, the websocket's too), open the
   websocket ``/_stcore/stream``, send the rerun request for the page (``page_name`` = the
   stage id, empty for ``welcome``) and read every message until the page's script run has
   finished (``script_finished``, following a run cut short by ``st.rerun``). The page load
   time is from just before the HTTP request is sent to the moment the message that ends
   that run has been received. Static JS/CSS, which a browser caches, are not fetched,
   unless ``--assets``: then, between the page and the websocket, every static file the
   page names (its scripts, styles and font: 61 files, 2.3 MB with Streamlit 1.67), six at
   a time, as a browser's first visit does (``workshop serve``'s HAProxy keeps them in its
   cache after the first; the chunks the app loads later are not fetched);
2. **submission** (stages with a single-choice check; about one learner in three answers
   wrongly): the rerun request a browser sends for a click inside a fragment — the answer
   and the Submit button's trigger, ``fragment_id`` = the fragment the Submit button was
   drawn in (its ``Delta.fragment_id``), the hashes of the cacheable messages received so
   far — timed from sending it to the end of the run it started. A submission whose run
   finished without an exception is *acknowledged*.

Before the room, one learner per process opens the stage on the fresh server (its time is
printed as the fresh server's first page of that stage, not counted), then the script waits
until the servers are idle (the background import warm-up finished), as they are when a
room arrives minutes after the instructor started them.

It prints page load and submission p50 / p95 / max, the servers' CPU (user + system from
``/proc/<pid>/stat``, summed over every process of the server — Streamlit, HAProxy,
``workshop serve`` — and PostgreSQL's separately, over the whole room) and their peak
resident memory (the largest sum of VmRSS over the processes, sampled every 0.25 s), the
machine's 1-minute load average, and what was lost: afterwards every attempt is counted
back out of the store (the SQLite file or the PostgreSQL database), and *lost* =
acknowledged submissions - attempts found (the smaller of the per-check counters and the
attempt events).

Usage (from the project root)::

    .venv/bin/python scripts/load_room.py --stage model --learners 200 --arrival 5
    .venv/bin/python scripts/load_room.py --stage why --target serve --processes 2
    .venv/bin/python scripts/load_room.py --stage model --target serve --database postgres
    .venv/bin/python scripts/load_room.py --stage why --target serve --assets

Exit code 0 when nothing was lost and every learner finished, 1 otherwise, 2 when the
benchmark could not run. Everything it started (servers, PostgreSQL, temporary folders) is
removed at the end, also on Ctrl-C or a timeout.
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
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from room_client import (  # noqa: E402
    PROJECT_ROOT,
    LoadError,
    Server,
    Tab,
    Usage,
    percentile,
    postmaster_pid,
    start_postgres,
    start_serve,
    start_streamlit,
    stop_postgres,
    wait_until_idle,
    widget_id,
)
from streamlit.proto.WidgetStates_pb2 import WidgetStates  # noqa: E402

from workshop.content import load_course  # noqa: E402
from workshop.errors import WorkshopError  # noqa: E402
from workshop.progress import ATTEMPT_FAILED, ATTEMPT_PASSED, ProgressStore  # noqa: E402

APP = PROJECT_ROOT / "app.py"
MAX_LEARNERS = 500
WELCOME = "welcome"
STEP_ERRORS = (LoadError, OSError, asyncio.TimeoutError, ConnectionError)


# --- the check a learner answers ------------------------------------------------------------

@dataclass(frozen=True)
class ChoiceCheck:
    """A single-choice check: where it is, the option texts a learner can pick."""

    check_id: str
    right_text: str
    wrong_text: str


def stage_check(stage_id: str) -> ChoiceCheck | None:
    """The stage's first single-choice check (None for welcome, or a stage without one)."""
    try:
        course = load_course()
    except WorkshopError as error:
        raise LoadError(f"The lessons do not load, so the app cannot either. {error}") from error
    if stage_id == WELCOME:
        return None
    ids = [stage.id for stage in course.stages]
    if stage_id not in ids:
        raise LoadError(f"No stage {stage_id!r}; choose one of {WELCOME}, {', '.join(ids)}.")
    for check in course.stage(stage_id).checks:
        if str(getattr(check.kind, "value", check.kind)) == "single_choice":
            texts = {option.key: option.text for option in check.options}
            wrong = next(key for key in texts if key != check.answer)
            return ChoiceCheck(check.id, texts[check.answer], texts[wrong])
    return None


# --- one learner ----------------------------------------------------------------------------

@dataclass
class Figures:
    """Everything measured, across learners."""

    page_loads: list[float] = field(default_factory=list)
    submissions: list[float] = field(default_factory=list)
    sent: int = 0
    acknowledged: int = 0
    finished: int = 0
    backends: dict[str, int] = field(default_factory=dict)
    client_cpu: float = 0.0
    errors: list[str] = field(default_factory=list)


async def open_page(tab: Tab, stage_id: str, timeout: float, assets: bool = False):
    """Page load as defined above (with ``assets``, the page's static files too, before the
    websocket, as a browser's first visit); returns (seconds, the run)."""
    started = time.perf_counter()
    await asyncio.wait_for(tab.get("/" if stage_id == WELCOME else f"/{stage_id}"), timeout)
    if assets:
        await asyncio.wait_for(tab.get_assets(), timeout)
    await asyncio.wait_for(tab.connect(), timeout)
    run = await asyncio.wait_for(tab.request("" if stage_id == WELCOME else stage_id),
                                 timeout)
    seconds = time.perf_counter() - started
    if run.exceptions:
        raise LoadError("the page showed: " + "; ".join(run.exceptions))
    return seconds, run


async def one_learner(index: int, port: int, stage_id: str, check: ChoiceCheck | None,
                      figures: Figures, delay: float, timeout: float,
                      assets: bool = False) -> None:
    """Open the stage, submit one answer (if it has a check); note the timings."""
    await asyncio.sleep(delay)
    tab = Tab(port)
    try:
        seconds, page = await open_page(tab, stage_id, timeout, assets)
        figures.page_loads.append(seconds)
        backend = tab.cookies.get("SERVERID", "-")
        figures.backends[backend] = figures.backends.get(backend, 0) + 1
        if check is not None:
            answer_id = widget_id(page.widgets, f"-{check.check_id}-answer")
            submit_id = widget_id(page.widgets, f"-{check.check_id}-submit")
            fragment_id = page.widgets[submit_id]
            if not fragment_id:
                raise LoadError("the Submit button is not drawn in a fragment")
            states = WidgetStates()
            answer = states.widgets.add()
            answer.id = answer_id
            # About a third answer wrongly, as in a real room; both count as attempts.
            answer.string_value = check.wrong_text if index % 3 == 0 else check.right_text
            button = states.widgets.add()
            button.id, button.trigger_value = submit_id, True
            before = time.perf_counter()
            figures.sent += 1
            graded = await asyncio.wait_for(tab.request(stage_id, states, fragment_id),
                                            timeout)
            if graded.exceptions:
                raise LoadError("the submission showed: " + "; ".join(graded.exceptions))
            figures.submissions.append(time.perf_counter() - before)
            figures.acknowledged += 1
        figures.finished += 1
    except STEP_ERRORS as error:
        figures.errors.append(f"learner {index}: {type(error).__name__}: {error}")
    except Exception as error:  # noqa: BLE001 — websockets' own errors; keep the room going
        figures.errors.append(f"learner {index}: {type(error).__name__}: {error}")
    finally:
        try:
            await tab.close()
        except Exception:  # noqa: BLE001, S110 — closing a broken socket
            pass


async def warm_up(server: Server, stage_id: str, processes: int, timeout: float):
    """One learner per process opens the stage on the fresh server (HAProxy's round robin
    gives each a different process); returns their page load times and backends."""
    times, backends = [], []
    for _ in range(processes):
        tab = Tab(server.port)
        try:
            seconds, _ = await open_page(tab, stage_id, timeout)
        finally:
            await tab.close()
        times.append(seconds)
        backends.append(tab.cookies.get("SERVERID", "-"))
    return times, backends


async def drive(port: int, stage_id: str, check: ChoiceCheck | None, learners: int,
                arrival: float, timeout: float, total_timeout: float,
                usage: list[Usage], assets: bool = False) -> tuple[Figures, float]:
    """The room: learner i starts at ``arrival * i / learners`` seconds; returns the figures
    and the room's wall time."""
    figures = Figures()
    stop = asyncio.Event()
    samplers = [asyncio.create_task(item.run(stop)) for item in usage]
    started, client_cpu = time.perf_counter(), time.process_time()
    tasks = [asyncio.create_task(one_learner(i, port, stage_id, check, figures,
                                             arrival * i / learners, timeout, assets))
             for i in range(learners)]
    done, pending = await asyncio.wait(tasks, timeout=total_timeout)
    if pending:
        figures.errors.append(f"{len(pending)} learners had not finished after "
                              f"{total_timeout:.0f} s")
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
    wall = time.perf_counter() - started
    figures.client_cpu = time.process_time() - client_cpu
    stop.set()
    await asyncio.gather(*samplers)
    return figures, wall


# --- the store ------------------------------------------------------------------------------

def stored_attempts(data_dir: Path, database_url: str | None) -> tuple[int, int]:
    """Attempts found in the store: summed per-check counters, and attempt events."""
    store = (ProgressStore(database_url=database_url) if database_url
             else ProgressStore(data_dir))
    try:
        counters = sum(row.attempts for row in store.all_progress())
        events = sum(1 for event in store.events_since(None)
                     if event.kind in (ATTEMPT_PASSED, ATTEMPT_FAILED))
    finally:
        close = getattr(store, "close", None)
        if close:
            close()
    return counters, events


# --- report ---------------------------------------------------------------------------------

def describe(values: list[float]) -> str:
    """``p50 / p95 / max`` in milliseconds (and n)."""
    if not values:
        return "no measurements"
    return (f"p50 {percentile(values, 0.50) * 1000:6.0f} ms   "
            f"p95 {percentile(values, 0.95) * 1000:6.0f} ms   "
            f"max {max(values) * 1000:6.0f} ms   (n={len(values)}, "
            f"mean {statistics.fmean(values) * 1000:.0f} ms)")


def milliseconds(values: list[float], share: float) -> str:
    return f"{percentile(values, share) * 1000:.0f}" if values else "-"


@dataclass
class Outcome:
    """One run's results, for the report."""

    args: argparse.Namespace
    target: str
    figures: Figures
    wall: float
    cpu: dict[str, float]
    db_cpu: float | None
    peak_mb: float
    found: tuple[int, int]
    first_pages: list[float]
    idle_wait: float
    loads: tuple[float, float]

    @property
    def lost(self) -> int:
        return max(0, self.figures.acknowledged - min(self.found))


def report(out: Outcome) -> None:
    args, figures = out.args, out.figures
    cpu_total = sum(out.cpu.values())
    per_process = ", ".join(f"{name} {seconds:.1f}" for name, seconds in
                            sorted(out.cpu.items(), key=lambda item: -item[1]))
    print(f"Room: {args.learners} learners opening {args.stage!r}, arriving over "
          f"{args.arrival:g} s; {out.target}; progress in {args.database}; "
          f"{'static files fetched by every learner; ' if args.assets else ''}"
          f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    print(f"  machine load      1-min load average {out.loads[0]:.1f} before, "
          f"{out.loads[1]:.1f} after")
    print(f"  fresh server      first page of {args.stage!r} per process: "
          + ", ".join(f"{seconds:.2f} s" for seconds in out.first_pages)
          + f" (not counted); then idle after {out.idle_wait:.0f} s")
    print(f"  learners by process {dict(sorted(figures.backends.items()))}")
    print(f"  whole room        {out.wall:.1f} s wall; server CPU {cpu_total:.1f} s "
          f"({per_process}); {cpu_total * 1000 / max(1, args.learners):.0f} ms per learner")
    print(f"  learners' client  {figures.client_cpu:.1f} s CPU (this script, on the same "
          "machine, competing with the server)")
    if out.db_cpu is not None:
        print(f"  PostgreSQL CPU    {out.db_cpu:.1f} s")
    print(f"  page load         {describe(figures.page_loads)}")
    print(f"  submission        {describe(figures.submissions)}")
    print(f"  server memory     peak {out.peak_mb:.0f} MB (sum of VmRSS over processes)")
    counters, events = out.found
    print(f"  progress store    {figures.sent} submitted, {figures.acknowledged} "
          f"acknowledged; store counts {counters} attempts and {events} attempt events; "
          f"lost {out.lost}")
    if figures.errors:
        print(f"  errors            {len(figures.errors)}")
        for line in figures.errors[:10]:
            print(f"    {line}")
    print("| stage | learners | arrival | target | database | page p50/p95/max ms | "
          "submission p50/p95 ms | CPU s | memory MB | lost | load avg |")
    target = f"{out.target}, with static files" if args.assets else out.target
    print(f"| {args.stage} | {args.learners} | {args.arrival:g} s | {target} | "
          f"{args.database} | {milliseconds(figures.page_loads, .5)} / "
          f"{milliseconds(figures.page_loads, .95)} / "
          f"{max(figures.page_loads, default=0) * 1000:.0f} | "
          f"{milliseconds(figures.submissions, .5)} / "
          f"{milliseconds(figures.submissions, .95)} | {cpu_total:.1f}"
          f"{f' + PG {out.db_cpu:.1f}' if out.db_cpu is not None else ''} | "
          f"{out.peak_mb:.0f} | {out.lost} of {figures.acknowledged} | "
          f"{out.loads[0]:.1f} / {out.loads[1]:.1f} |")


# --- main -----------------------------------------------------------------------------------

def run(args: argparse.Namespace, check: ChoiceCheck | None, work: Path) -> Outcome:
    """Start what the room needs, run it, count the store, stop everything."""
    cluster, database_url, server = None, None, None
    data_dir = work / "data"
    try:
        if args.database == "postgres":
            cluster, database_url = start_postgres()
        extra = {"WORKSHOP_DATABASE_URL": database_url} if database_url else {}
        if args.target == "one":
            server = start_streamlit(APP, data_dir, work / "server.log", extra)
            target, processes = "one process (streamlit run)", 1
        else:
            server = start_serve(args.processes, data_dir, work / "server.log", extra)
            processes = args.processes
            target = f"serve --processes {processes}"
        first_pages, backends = asyncio.run(
            warm_up(server, args.stage, processes, args.step_timeout))
        if processes > 1 and len(set(backends)) != processes:
            raise LoadError(f"warm-up learners reached {backends}, not every process")
        roots = [server.process.pid]
        idle_wait = wait_until_idle(roots)
        usage = [Usage(roots)]
        pg_pid = postmaster_pid(cluster) if cluster else None
        if pg_pid:
            usage.append(Usage([pg_pid]))
        for item in usage:
            item.begin()
        load_before = os.getloadavg()[0]
        figures, wall = asyncio.run(drive(server.port, args.stage, check, args.learners,
                                          args.arrival, args.step_timeout, args.timeout,
                                          usage, args.assets))
        loads = (load_before, os.getloadavg()[0])
        server.stop()
        found = stored_attempts(data_dir, database_url)
        db_cpu = sum(usage[1].cpu_by_name().values()) if pg_pid else None
        return Outcome(args, target, figures, wall, usage[0].cpu_by_name(), db_cpu,
                       usage[0].peak_rss_kb / 1024, found, first_pages, idle_wait, loads)
    except LoadError:
        if server is not None and server.process.poll() is None:
            print(server.log_tail(), file=sys.stderr)
        raise
    finally:
        if server is not None:
            server.stop()
            if args.log:
                shutil.copyfile(server.log_path, args.log)
        if cluster is not None:
            stop_postgres(cluster)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stage", default="model",
                        help=f"the page every learner opens: a stage id or {WELCOME!r} "
                             "(default: model, Stage 3)")
    parser.add_argument("--learners", type=int, default=30,
                        help=f"learners in the room (1-{MAX_LEARNERS}; default 30)")
    parser.add_argument("--arrival", type=float, default=5.0,
                        help="they arrive uniformly over this many seconds (default 5)")
    parser.add_argument("--target", choices=("one", "serve"), default="one",
                        help="one `streamlit run` process, or `workshop serve`")
    parser.add_argument("--processes", type=int, default=2,
                        help="Streamlit processes of `workshop serve` (default 2)")
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite",
                        help="the progress store (postgres: a throwaway local cluster)")
    parser.add_argument("--step-timeout", type=float, default=120.0,
                        help="seconds one page load or submission may take (default 120)")
    parser.add_argument("--timeout", type=float, default=600.0,
                        help="seconds the whole room may take (default 600)")
    parser.add_argument("--assets", action="store_true",
                        help="each learner also fetches the static files the page names "
                             "(scripts, styles, font), as a browser's first visit does")
    parser.add_argument("--log", type=Path, default=None,
                        help="keep the server's log in this file")
    args = parser.parse_args(argv)
    if not 1 <= args.learners <= MAX_LEARNERS:
        parser.error(f"--learners must be between 1 and {MAX_LEARNERS}")
    if args.processes < 1 or args.arrival < 0:
        parser.error("--processes at least 1, --arrival not negative")
    if args.target == "one":
        args.processes = 1
    work = Path(tempfile.mkdtemp(prefix="workshop-load-"))
    try:
        outcome = run(args, stage_check(args.stage), work)
    except LoadError as error:
        print(f"load_room: {error}", file=sys.stderr)
        return 2
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report(outcome)
    figures = outcome.figures
    return 1 if outcome.lost or figures.errors or figures.finished < args.learners else 0


if __name__ == "__main__":
    sys.exit(main())
