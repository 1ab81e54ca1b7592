"""Small Streamlit building blocks shared by every stage's demo."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import streamlit as st

from case_study.errors import CaseStudyError

IRREPRODUCIBLE_TITLE = "Irreproducible"
REPRODUCIBLE_TITLE = "Reproducible"


def side_by_side(left_caption: str, right_caption: str):
    """Two bordered columns headed Irreproducible and Reproducible; returns (left, right)."""
    left, right = st.columns(2, gap="medium")
    left_box = left.container(border=True)
    right_box = right.container(border=True)
    left_box.subheader(IRREPRODUCIBLE_TITLE)
    left_box.caption(left_caption)
    right_box.subheader(REPRODUCIBLE_TITLE)
    right_box.caption(right_caption)
    return left_box, right_box


def show_source(function: Callable, label: str = "Show the code") -> None:
    """Show a case-study function's real source (read from the file, never a copy)."""
    with st.expander(label):
        st.code(inspect.getsource(function), language="python")


@contextmanager
def friendly_errors(what: str) -> Iterator[None]:
    """Turn a case-study error into an ``st.error`` that says what to do, not a traceback."""
    try:
        yield
    except CaseStudyError as error:
        st.error(f"{what} could not run. {error}")


def short_hash(digest: str, length: int = 12) -> str:
    """A digest cut for display, in monospace."""
    return f"`{digest[:length]}…`"
