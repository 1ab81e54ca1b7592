"""Benchmark every page server-side with AppTest: the warm run of each page (median of 5)
next to an empty Streamlit page in the same process, and the first, cold run of each page
in a fresh process. Prints figures; it is not a test.

Run: .venv/bin/python scripts/bench_pages.py [--repeat 5] [--cold]

Budgets (issue 4): warm run of every page <= 300 ms; first cold run of the heaviest page
< 2 s; the welcome page does not import scikit-learn.
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


def cold(url_path: str) -> dict:
    """In this (fresh) process: the first run of ``url_path`` after the welcome page."""
    at = _open(url_path)
    seconds = _timed_run(at)
    return {"page": url_path, "cold": seconds, "sklearn_imported": "sklearn" in sys.modules}


def warm(repeat: int) -> None:
    from streamlit.testing.v1 import AppTest

    empty = AppTest.from_string("import streamlit as st\nst.write('empty')", default_timeout=60)
    empty.run()
    empty_ms = statistics.median(_timed_run(empty) for _ in range(repeat)) * 1000
    print(f"{'empty Streamlit page':<28}{empty_ms:>9.1f} ms")
    for url_path in PAGES:
        at = _open(url_path)
        _timed_run(at)  # fill the caches
        at._page_hash = None if url_path == "welcome" else at._page_hash
        ms = statistics.median(_timed_run(at) for _ in range(repeat)) * 1000
        verdict = "ok" if ms <= 300 else "OVER"
        print(f"{url_path:<28}{ms:>9.1f} ms  ({ms - empty_ms:+.1f} vs empty)  {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--cold-page", help=argparse.SUPPRESS)  # used by the child processes
    args = parser.parse_args()

    if args.cold_page:
        print(json.dumps(cold(args.cold_page)))
        return

    os.environ.setdefault("WORKSHOP_DATA_DIR", tempfile.mkdtemp(prefix="bench-pages-"))
    print(f"warm runs, median of {args.repeat} (budget 300 ms):")
    warm(args.repeat)

    print("\nfirst cold run of each page, each in a fresh process (budget: heaviest < 2 s):")
    results = []
    for url_path in PAGES:
        out = subprocess.run(
            [sys.executable, __file__, "--cold-page", url_path],
            capture_output=True, text=True, cwd=ROOT, env={**os.environ}, check=True,
        )
        result = json.loads(out.stdout.strip().splitlines()[-1])
        results.append(result)
        print(f"{url_path:<28}{result['cold'] * 1000:>9.1f} ms  sklearn imported: {result['sklearn_imported']}")
    heaviest = max(results, key=lambda r: r["cold"])
    verdict = "ok" if heaviest["cold"] < 2 else "OVER"
    print(f"heaviest cold page: {heaviest['page']} {heaviest['cold']:.2f} s  {verdict}")


if __name__ == "__main__":
    main()
