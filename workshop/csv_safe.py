"""Spreadsheet-safe table cells: text that a spreadsheet would run as a formula is defused.

A CSV file is plain text, but a spreadsheet that opens it treats a cell starting with
``=``, ``+``, ``-`` or ``@`` as a formula (and a leading tab, carriage return or NUL can
hide one): a learner's display name such as ``=HYPERLINK("https://evil.example", "click")``
would become a live link, or worse, on the instructor's machine. Following OWASP's "CSV
Injection" guidance and OWASP ASVS requirement 1.2.10, every such text cell gets a single
quote in front, which spreadsheets
show as text and do not evaluate. Numbers are left alone: only text is ever a formula here.

Every table the app offers for download goes through :func:`neutralise_frame` (the room
view's tables, whose ``st.dataframe`` toolbar offers "Download as CSV") or :func:`to_csv`.
"""

from __future__ import annotations

import pandas as pd

# OWASP, "CSV Injection": cells must not begin with = + - @, tab (0x09) or CR (0x0D);
# OWASP ASVS 1.2.10 adds NUL (0x00).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\0")
QUOTE = "'"


def neutralise(value: object) -> object:
    """One cell, safe to open in a spreadsheet.

    Args:
        value: any cell value.

    Returns:
        ``value`` unchanged, unless it is text starting with one of ``FORMULA_PREFIXES``;
        then the same text with a single quote in front.
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return QUOTE + value
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells and column names are all neutralised.

    Args:
        frame: a table about to be shown with a download option or written as CSV.

    Returns:
        A new DataFrame; numeric and boolean columns keep their values and types.
    """
    safe = frame.copy()
    for column in safe.columns:
        if not (pd.api.types.is_numeric_dtype(safe[column])
                or pd.api.types.is_bool_dtype(safe[column])):
            safe[column] = safe[column].map(neutralise)
    return safe.rename(columns=neutralise)


def to_csv(frame: pd.DataFrame) -> str:
    """The table as CSV text, every cell neutralised (no index column).

    Args:
        frame: the table.

    Returns:
        CSV text; quoting of commas, quotes and newlines is pandas' (RFC 4180 style).
    """
    return neutralise_frame(frame).to_csv(index=False)
