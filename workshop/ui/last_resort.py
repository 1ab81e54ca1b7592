"""The last line of defence at the UI's edges (a demo, a computation, a grader).

Errors the case study raises on purpose (CaseStudyError) say what to do and are shown as
they are. Anything else — an OSError, a MemoryError, a ValueError from scikit-learn — is a
failure nobody planned for: the learner gets one line and a way on, the server's log gets the
traceback, and the rest of the page (checks, navigation) still draws.
"""

from __future__ import annotations

import logging

import streamlit as st

logger = logging.getLogger(__name__)

# Enough to recognise the failure in a room; the full story is in the server's log.
_MAX_LINE = 200


def one_line(error: BaseException) -> str:
    """The error's type and the first line of its message, cut to ``_MAX_LINE`` characters."""
    lines = str(error).strip().splitlines()
    text = f"{type(error).__name__}: {lines[0]}" if lines else type(error).__name__
    text = text.rstrip(". ")
    return text if len(text) <= _MAX_LINE else text[: _MAX_LINE - 1] + "…"


def show_unexpected(what: str, error: BaseException) -> None:
    """Log ``error`` with its traceback server-side and show the learner one ``st.error`` line.

    Call it from an ``except`` block. ``what`` names the part that failed ("The Stage 1 demo").
    """
    logger.error("%s failed unexpectedly", what, exc_info=error)
    st.error(f"{what} failed unexpectedly: {one_line(error)}. "
             "Reload the page; if it persists, tell the instructor.")
