"""Smoke test of scripts/load_room.py: a tiny room against one real server (no timings)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_a_small_room_prints_the_table_and_loses_nothing():
    """Three learners, each fetching the page's static files too (``--assets``)."""
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "load_room.py"), "--stage", "why",
         "--learners", "3", "--arrival", "2", "--target", "one", "--timeout", "240",
         "--assets"],
        cwd=ROOT, capture_output=True, text=True, timeout=400,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "| stage | learners | arrival | target | database |" in done.stdout
    assert "lost 0" in done.stdout
    assert "3 submitted, 3 acknowledged" in done.stdout
    assert "| one process (streamlit run), with static files |" in done.stdout
