"""Learner names and resume codes: pure functions, no store, no I/O.

A learner is anonymous: a resume code (``K7M4-X9QP``) and an optional display name.
``new_code`` makes a code, ``normalise_code`` turns whatever a learner typed back into the
canonical form (or ``None``), and ``clean_display_name`` makes any input safe to store and
to show on the instructor's table.
"""

from __future__ import annotations

import re
import secrets
import unicodedata

# No 0/O, 1/I/L: a code read aloud or copied from a projector cannot be mistyped into
# another valid code. 31 symbols ** 8 = 8.5e11, about 40 bits.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8
DISPLAY_NAME_MAX = 40
# Combining marks kept per character: enough for any real script, not for "Zalgo" text
# that would spill over the instructor's table.
_MAX_MARKS_PER_CHARACTER = 4


def new_code() -> str:
    """Return a fresh random resume code such as ``K7M4-X9QP`` (from ``secrets``)."""
    symbols = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return f"{symbols[:4]}-{symbols[4:]}"


_CODE_SEPARATORS = re.compile(r"[\s\-_\u2010-\u2015\u2212]+")


def normalise_code(text: object) -> str | None:
    """Turn what a learner typed into the canonical ``XXXX-XXXX`` code.

    Args:
        text: anything; lower case, spaces, a missing or odd dash and full-width
            characters are accepted.

    Returns:
        The canonical code, or ``None`` when ``text`` cannot be a code (wrong length,
        a symbol outside the alphabet such as 0, O, 1, I or L, not a string).
    """
    if not isinstance(text, str) or len(text) > 64:
        return None
    folded = unicodedata.normalize("NFKC", text)
    symbols = _CODE_SEPARATORS.sub("", folded).upper()
    if len(symbols) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in symbols):
        return None
    return f"{symbols[:4]}-{symbols[4:]}"


# Format characters that glue emoji and scripts together; every other format character
# (bidi overrides that reorder the instructor's table, invisible spaces) is dropped.
_KEPT_FORMAT = {"\u200c", "\u200d"}


def _is_tag(ch: str) -> bool:
    return "\U000e0020" <= ch <= "\U000e007f"


def _is_regional_indicator(ch: str) -> bool:
    return "\U0001f1e6" <= ch <= "\U0001f1ff"


def _attaches(ch: str, previous: str) -> bool:
    """True if ``ch`` belongs to the same user-perceived character as ``previous``."""
    return (
        unicodedata.category(ch) in ("Mn", "Mc", "Me")
        or ch in _KEPT_FORMAT
        or previous == "\u200d"  # the character a zero-width joiner glues on
        or "\ufe00" <= ch <= "\ufe0f"  # variation selectors (text/emoji style)
        or "\U0001f3fb" <= ch <= "\U0001f3ff"  # skin-tone modifiers
        or _is_tag(ch)  # subdivision flags
    )


def _clusters(text: str) -> list[str]:
    """Split ``text`` into grapheme-ish clusters (base character + what attaches to it)."""
    clusters: list[str] = []
    for ch in text:
        last = clusters[-1] if clusters else ""
        # A flag is exactly two regional indicators; a third one starts the next flag.
        flag_half = len(last) == 1 and _is_regional_indicator(last) \
            and _is_regional_indicator(ch)
        if last and (flag_half or _attaches(ch, last[-1])):
            clusters[-1] = last + ch
        else:
            clusters.append(ch)
    return clusters


def _trim_marks(cluster: str) -> str:
    kept, marks = [], 0
    for ch in cluster:
        if unicodedata.category(ch) in ("Mn", "Mc", "Me"):
            marks += 1
            if marks > _MAX_MARKS_PER_CHARACTER:
                continue
        kept.append(ch)
    return "".join(kept)


def clean_display_name(text: object) -> str | None:
    """Make any input safe to store and show as a learner's display name.

    Control characters, bidi overrides, lone surrogates and other invisible format
    characters are removed, runs of whitespace become one space, and the result is cut to
    at most ``DISPLAY_NAME_MAX`` (40) code points without splitting a character (an
    emoji with its modifiers, a letter with its accents). HTML and Markdown are kept as
    text: the UI escapes on display, the store only ever binds it as a parameter.

    Args:
        text: anything (``None``, bytes, a 10 kB string, ...).

    Returns:
        The cleaned name, or ``None`` when nothing visible is left.
    """
    if text is None:
        return None
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    elif not isinstance(text, str):
        text = str(text)
    # Bound the work: nobody's name needs more than this before cleaning.
    text = text[:100_000]
    text = " ".join(text.split())  # also turns \n, \t, U+2028 ... into single spaces
    kept = []
    for ch in text:
        category = unicodedata.category(ch)
        if category in ("Cc", "Cs"):
            continue
        if category == "Cf" and ch not in _KEPT_FORMAT and not _is_tag(ch):
            continue
        kept.append(ch)
    text = " ".join("".join(kept).split())
    # Joiners at the edges glue to nothing.
    text = text.strip("".join(_KEPT_FORMAT) + " ")
    result, length = [], 0
    for cluster in _clusters(text):
        cluster = _trim_marks(cluster)
        if length + len(cluster) > DISPLAY_NAME_MAX:
            break
        result.append(cluster)
        length += len(cluster)
    name = "".join(result).strip("".join(_KEPT_FORMAT) + " ")
    visible = any(
        unicodedata.category(ch)[0] not in ("M", "C", "Z") for ch in name
    )
    return name if visible else None
