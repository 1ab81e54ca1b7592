"""Learner names and resume codes: hostile display names, typed codes, fresh codes."""

from __future__ import annotations

import pytest

from workshop.learners import CODE_ALPHABET, clean_display_name, new_code, normalise_code

FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"  # 7 code points


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, None),
        ("", None),
        ("   \n\t\r  ", None),
        ("\u200b\u200d\u202e\x00", None),
        ("  Ada   Lovelace \n", "Ada Lovelace"),
        ("<script>alert(1)</script>", "<script>alert(1)</script>"),
        ("**bold** [x](javascript:alert(1)) <img src=x onerror=alert(1)>",
         "**bold** [x](javascript:alert(1)) <img s"),
        ("Robert'); DROP TABLE learners;--", "Robert'); DROP TABLE learners;--"),
        ("A\x00B\x07C\x1b[31mD\x7f", "ABC[31mD"),
        ("line\nbreak\u2028sep", "line break sep"),
        ("\u05e9\u05dc\u05d5\u05dd\u202eevil\u202c\u200f", "\u05e9\u05dc\u05d5\u05dd" + "evil"),
        ("\u0645\u0631\u062d\u0628\u0627", "\u0645\u0631\u062d\u0628\u0627"),
        ("a" * 10_000, "a" * 40),
        ("a" * 39 + "\U0001f44d\U0001f3fd", "a" * 39),
        ("a" * 33 + FAMILY + "b", "a" * 33 + FAMILY),
        ("a" * 34 + FAMILY, "a" * 34),
        ("e\u0301" * 30, "e\u0301" * 20),
        ("Z" + "\u0336" * 200 + "algo", "Z" + "\u0336" * 4 + "algo"),
        ("\ud83d lone", "lone"),
        ("\U0001f1e9\U0001f1ea\U0001f1eb\U0001f1f7", "\U0001f1e9\U0001f1ea\U0001f1eb\U0001f1f7"),
        (b"bytes \xff name", "bytes \ufffd name"),
        (42, "42"),
    ],
)
def test_hostile_display_names_are_cleaned(raw, expected):
    """Whatever a learner types as a name, the store keeps a short, visible, safe string."""
    cleaned = clean_display_name(raw)
    assert cleaned == expected
    if cleaned is not None:
        assert len(cleaned) <= 40
        cleaned.encode("utf-8")  # no lone surrogates left



@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("K7M4-X9QP", "K7M4-X9QP"),
        ("k7m4-x9qp", "K7M4-X9QP"),
        ("k7m4x9qp", "K7M4-X9QP"),
        ("  k7m4 x9qp  ", "K7M4-X9QP"),
        ("k 7 m 4 - x 9 q p", "K7M4-X9QP"),
        ("K7M4\u2013X9QP", "K7M4-X9QP"),  # en dash from a word processor
        ("\uff2b\uff17\uff2d\uff14\uff38\uff19\uff31\uff30", "K7M4-X9QP"),  # full width
        ("K7M4-X9Q", None),
        ("K7M4-X9QPZ", None),
        ("O7M4-X9QP", None),
        ("07M4-X9QP", None),
        ("17M4-X9QP", None),
        ("I7M4-X9QP", None),
        ("L7M4-X9QP", None),
        ("K7M4.X9QP", None),
        ("K7M4-X9Q\u00e9", None),
        ("", None),
        ("-", None),
        (None, None),
        (12345678, None),
        ("K" * 10_000, None),
    ],
)
def test_normalise_code(typed, expected):
    """Codes typed with lower case, spaces or a missing dash resume; anything else is
    rejected rather than guessed."""
    assert normalise_code(typed) == expected


def test_new_codes_are_canonical_and_unambiguous():
    """Fresh codes look like K7M4-X9QP, avoid 0/O/1/I/L, and do not repeat."""
    codes = {new_code() for _ in range(2000)}
    assert len(codes) == 2000
    for code in codes:
        assert normalise_code(code) == code
        assert len(code) == 9 and code[4] == "-"
    assert not set("0O1IL") & set(CODE_ALPHABET)
    assert len(CODE_ALPHABET) ** 8 > 2**39
