"""Benchmark every page server-side with AppTest: the warm run of each page (median of 5)
next to an empty Streamlit page in the same process, and the first run of each page in a
fresh process, three ways. Prints figures; it is not a test.

Run: .venv/bin/python scripts/bench_pages.py [--repeat 5]

First runs, each in its own fresh process:
- fully cold: the process's first script run goes straight to the page, so it pays every
  import (the app's own, and scikit-learn for a page that trains) and every cache fill;
- after welcome: the welcome page runs first (not timed), then the page — the figure this
  script printed before the import warm-up existed;
- after the warm-up: welcome, then Stage 0, then wait until the background import
  warm-up (workshop/ui/warmup.py, started once a stage page has drawn) has finished, then
  the page — a learner who read the first two pages. Imports are then paid; the page's
  own first computations and cache fills are not. Not shown for welcome and Stage 0,
  which come before the warm-up.

New learner's first view: in one warmed process (every page opened once, the background
warm-up finished), the server CPU (``time.process_time()``, every thread of the process) of a
fresh AppTest session's first run of each page, median of ``--repeat`` new sessions. That is
what each learner of a room arriving together costs the server.

Budgets (issue 4): warm run of every page <= 300 ms; first cold run of the heaviest page
< 2 s; the welcome page does not import scikit-learn. Issue "a room of 200": a new learner's
first view of any stage <= 50 ms of server CPU.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PAGES = ("welcome", "why", "design", "data", "model", "legacy", "deployment", "wrap-up")


def _open(url_path: str):
    """An AppTest of app.py on ``url_path``, after the first (welcome) run."""
    from streamlit.testing.v1 import AppTest
    from streamlit.util import calc_hash

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    if url_path != "welcome":
        # Every stage shares one view file, so switch_page(file) cannot choose; Streamlit
        # names an st.navigation page by the hash of its URL path (see tests/ui/helpers.py).
        at._page_hash = calc_hash(url_path)
    return at


def _timed_run(at) -> float:
    start = time.perf_counter()
    at.run()
    if at.exception:
        raise RuntimeError(f"the page raised: {at.exception[0].message}")
    return time.perf_counter() - start


COLD_MODES = ("straight", "after-welcome", "after-warmup")
WARMUP_TRIGGER = "why"  # Stage 0: the first stage page a learner opens


def cold(url_path: str, mode: str) -> dict:
    """In this (fresh) process: the first run of ``url_path``, reached as ``mode`` says
    (one of ``COLD_MODES``, described in the module docstring)."""
    from streamlit.testing.v1 import AppTest
    from streamlit.util import calc_hash

    result = {"page": url_path, "mode": mode}
    if mode == "straight":
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        if url_path != "welcome":
            at._page_hash = calc_hash(url_path)
    elif mode == "after-welcome":
        at = _open(url_path)
    else:
        from workshop.ui import warmup

        at = _open(WARMUP_TRIGGER)
        _timed_run(at)
        began = time.perf_counter()
        thread = warmup.started()
        if thread is None:
            raise RuntimeError(f"the {WARMUP_TRIGGER} page did not start the import warm-up")
        thread.join()
        result["warmup_wait"] = time.perf_counter() - began
        at._page_hash = calc_hash(url_path)
    result["sklearn_before"] = "sklearn" in sys.modules
    started_cpu = time.process_time()
    result["cold"] = _timed_run(at)
    result["cold_cpu"] = time.process_time() - started_cpu
    result["sklearn_imported"] = "sklearn" in sys.modules
    return result


def _cold_in_fresh_process(url_path: str, mode: str) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--cold-page", url_path, "--cold-mode", mode],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ},
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _cpu_run(at) -> tuple[float, float]:
    """(wall, CPU) seconds of one run of ``at``."""
    started = time.process_time()
    wall = _timed_run(at)
    return wall, time.process_time() - started


def warm(repeat: int, pages: tuple[str, ...] = PAGES) -> None:
    from streamlit.testing.v1 import AppTest

    empty = AppTest.from_string("import streamlit as st\nst.write('empty')", default_timeout=60)
    empty.run()
    runs = [_cpu_run(empty) for _ in range(repeat)]
    empty_ms = statistics.median(w for w, _ in runs) * 1000
    empty_cpu = statistics.median(c for _, c in runs) * 1000
    print(f"{'empty Streamlit page':<28}{empty_ms:>9.1f} ms{empty_cpu:>9.1f} ms CPU")
    for url_path in pages:
        at = _open(url_path)
        _timed_run(at)  # fill the caches
        _settle_warmup()
        at._page_hash = None if url_path == "welcome" else at._page_hash
        runs = [_cpu_run(at) for _ in range(repeat)]
        ms = statistics.median(w for w, _ in runs) * 1000
        cpu = statistics.median(c for _, c in runs) * 1000
        verdict = "ok" if ms <= 300 else "OVER"
        print(
            f"{url_path:<28}{ms:>9.1f} ms{cpu:>9.1f} ms CPU  ({ms - empty_ms:+.1f} ms vs empty)"
            f"  {verdict}"
        )


def _settle_warmup() -> None:
    """Wait for the background warm-up (imports, and whatever it prepares) to finish."""
    from workshop.ui import warmup

    thread = warmup.started()
    if thread is not None:
        thread.join()


def first_view(repeat: int) -> None:
    """Print each page's server CPU for a new learner's first view, on a warmed process."""
    for url_path in PAGES:  # warm the process: every page once, caches filled
        _timed_run(_open(url_path))
    _settle_warmup()
    for url_path in PAGES:  # and once more, after the warm-up, as a second learner
        _timed_run(_open(url_path))
    _settle_warmup()
    empty_cpu, empty_wall = _first_views(None, repeat)
    print(
        f"{'':<24}{'CPU ms':>9}{'wall ms':>10}{'CPU − empty':>13}  "
        f"(median of {repeat} new sessions; budget: CPU − empty <= 50 ms)"
    )
    print(f"{'empty page, new session':<24}{empty_cpu:>9.1f}{empty_wall:>10.1f}")
    for url_path in PAGES:
        cpu, wall = _first_views(url_path, repeat)
        verdict = "ok" if cpu - empty_cpu <= 50 else "OVER"
        print(f"{url_path:<24}{cpu:>9.1f}{wall:>10.1f}{cpu - empty_cpu:>+13.1f}  {verdict}")


def _first_views(url_path: str | None, repeat: int) -> tuple[float, float]:
    """Median CPU and wall ms of the first run of ``repeat`` new sessions on ``url_path``
    (None: an empty Streamlit page, what a new AppTest session costs on its own)."""
    from streamlit.testing.v1 import AppTest
    from streamlit.util import calc_hash

    cpu, wall = [], []
    for _ in range(repeat):
        if url_path is None:
            at = AppTest.from_string(
                "import streamlit as st\nst.write('empty')", default_timeout=60
            )
        else:
            at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
            if url_path != "welcome":
                at._page_hash = calc_hash(url_path)
        started_cpu = time.process_time()
        wall.append(_timed_run(at))
        cpu.append(time.process_time() - started_cpu)
    return statistics.median(cpu) * 1000, statistics.median(wall) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--only", choices=("warm", "first-view", "cold"), help="print only one of the three tables"
    )
    parser.add_argument(
        "--pages",
        nargs="+",
        choices=PAGES,
        default=PAGES,
        help="the pages of the warm table (default: all)",
    )
    parser.add_argument("--cold-page", help=argparse.SUPPRESS)  # used by the child processes
    parser.add_argument(
        "--cold-mode", choices=COLD_MODES, default="after-welcome", help=argparse.SUPPRESS
    )
    args = parser.parse_args()

    if args.cold_page:
        print(json.dumps(cold(args.cold_page, args.cold_mode)))
        return

    os.environ.setdefault("WORKSHOP_DATA_DIR", tempfile.mkdtemp(prefix="bench-pages-"))
    if args.only in (None, "warm"):
        print(f"warm runs, median of {args.repeat} (budget 300 ms):")
        warm(args.repeat, tuple(args.pages))
    if args.only in (None, "first-view"):
        print("\nnew learner's first view of each page, server CPU in a warmed process:")
        first_view(args.repeat)
    if args.only not in (None, "cold"):
        return

    print(
        "\nfirst run of each page, each figure in its own fresh process (budget: heaviest < 2 s):"
    )
    print(
        f"{'':<14}{'fully cold':>14}{'after welcome':>16}{'after warm-up':>18}  sklearn imported "
        f"by the page"
    )
    print(f"{'':<14}{'(straight)':>14}{'(old figure)':>16}{'(Stage 0 first)':>18}"
          "       (the same three runs' server CPU)")
    rows = []
    for url_path in PAGES:
        straight = _cold_in_fresh_process(url_path, "straight")
        welcome_first = _cold_in_fresh_process(url_path, "after-welcome")
        warmed = (
            None
            if url_path in ("welcome", WARMUP_TRIGGER)
            else _cold_in_fresh_process(url_path, "after-warmup")
        )
        rows.append((url_path, straight, welcome_first, warmed))
        warmed_text = "—" if warmed is None else f"{warmed['cold'] * 1000:.0f} ms"
        cpu_text = " / ".join(
            f"{r['cold_cpu'] * 1000:.0f}" for r in (straight, welcome_first, warmed) if r
        )
        imported = (
            "yes" if straight["sklearn_imported"] and not straight["sklearn_before"] else "no"
        )
        print(
            f"{url_path:<14}{straight['cold'] * 1000:>11.0f} "
            f"ms{welcome_first['cold'] * 1000:>13.0f} ms"
            f"{warmed_text:>18}  {imported:<4}CPU ms {cpu_text}"
        )
    waits = [warmed["warmup_wait"] for _, _, _, warmed in rows if warmed]
    print(
        f"(after Stage 0 had drawn, the warm-up imports took {statistics.median(waits):.2f} s "
        f"more, median: "
        "a learner who stays on Stage 0 at least that long gets the 'after warm-up' figure)"
    )
    for label, index in (("fully cold", 1), ("after welcome", 2), ("after the warm-up", 3)):
        timed = [(row[0], row[index]["cold"], row[index]["cold_cpu"]) for row in rows
                 if row[index] is not None]
        page, seconds, cpu = max(timed, key=lambda item: item[1])
        print(
            f"heaviest first run, {label}: {page} {seconds:.2f} s ({cpu:.2f} s CPU)  "
            f"{'ok' if seconds < 2 else 'OVER'}"
        )


if __name__ == "__main__":
    main()
