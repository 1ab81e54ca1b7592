"""Figures and citations in Markdown prose: what counts, and what (code, links, versions)
does not."""

from __future__ import annotations

import textwrap

import pytest

from workshop.content import citations, figures, uncited_figures


@pytest.mark.parametrize("line, expected", [
    ("Only 6% of papers shared code.", ["6%"]),
    ("About 20 per cent did.", ["20 per cent"]),
    ("It scored 0.76 before and 0.46 after.", ["0.76", "0.46"]),
    ("They read 400 papers.", ["400"]),
    ("All 1,000 applicants, in 2019.", ["1,000", "2019"]),
    ("Scores end a sentence at 0.85.", ["0.85"]),
    ("Two of 20 runs, 5 seeds, 17 fields.", []),
    ("Run `train(seed=1234, frac=0.25)` twice.", []),
    ("See [the docs](https://example.org/v2/page-1234.html).", []),
    ("Pinned scikit-learn 1.9.1 and numpy 2.4.6.", []),
    ("Use sha256, leakage type L1.2, and model_final_v2.pkl.", []),
    ("Visit https://arxiv.org/abs/2003.12206 for details.", []),
    ("Cited as [pwc2020] only.", []),
])
def test_figures_are_percentages_decimals_and_numbers_of_three_digits(line, expected):
    """What counts as a stated figure, and what (code, links, versions, names) does not."""
    assert figures(line) == expected


def test_uncited_figures_skips_code_blocks_and_cited_lines():
    """A figure needs a citation on its own line; code blocks are never checked."""
    text = textwrap.dedent("""\
        Cited: 74.4% had code [pineau2021].
        Not cited: 74.4% had code,
        even though the next line cites [pineau2021].
        ```python
        score = 0.8512
        ```
        ~~~
        1234
        ~~~
        Back in prose: 0.5 again.
        """)
    assert uncited_figures(text) == [(2, "74.4%"), (10, "0.5")]


def test_citations_are_found_outside_code_in_order():
    """Citations may be single or grouped; links, task boxes and code are not citations."""
    text = ("Both [gundersen2018, pineau2021] and [pwc2020].\n"
            "- [x] done, [link](https://a.b), `[notacite]`, arr[0], ![img](x.png)\n"
            "```\n[inside-code]\n```\n[sklearn-022][python-hash]\n")
    assert citations(text) == ["gundersen2018", "pineau2021", "pwc2020", "sklearn-022",
                               "python-hash"]
