"""Fair options: where right answers sit in the files, and right options that stand out.

Learners see options in an order of their own (``workshop.attempts.option_order``), so the
file's order no longer shows; but a course whose right answers are mostly first, or mostly
the longest, still teaches authors a habit and shows in any export or printout. The
validator warns about a right option markedly longer than the others
(:func:`longest_right`), and ``python -m workshop validate`` prints where the right answers
sit across the course (:func:`position_summary`).
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable

from workshop import checks as kinds
from workshop.content.model import WARNING
from workshop.content.where import Where

#: A right option longer than this many times the median length of the others is flagged.
LONGEST_RATIO = 1.5


def _lengths(options, keys) -> list[int]:
    return [len(option.text) for option in options if option.key in keys]


def longest_right(where: Where, kind: str | None, options, answer) -> None:
    """A warning when the right option(s) are markedly the longest of a choice question.

    Single choice: the right option is longer than :data:`LONGEST_RATIO` times the median
    length of the wrong ones. Multiple choice: the median right option is.

    Args:
        where: the check's place, for the warning.
        kind: the check's kind.
        options: its options.
        answer: its reference answer (a key or keys).
    """
    if kind not in (kinds.SINGLE_CHOICE, kinds.MULTIPLE_CHOICE) or not options or not answer:
        return
    right = {answer} if isinstance(answer, str) else set(answer)
    wrong = {option.key for option in options} - right
    if not wrong or not right:
        return
    right_length = statistics.median(_lengths(options, right))
    others = statistics.median(_lengths(options, wrong))
    if others and right_length > LONGEST_RATIO * others:
        where.add("options", f"the right option{'s are' if len(right) > 1 else ' is'} "
                  f"{right_length / others:.1f}× as long as the median wrong option: length "
                  "alone gives the answer away",
                  "shorten the right option or give the distractors the same detail",
                  WARNING)


def right_positions(checks: Iterable) -> Counter:
    """How often a single-choice check's right answer is option 1, 2, … in its file."""
    return Counter(check.option_keys.index(check.answer) + 1 for check in checks
                   if check.kind == kinds.SINGLE_CHOICE and check.answer in check.option_keys)


def chance_first(checks: Iterable) -> float:
    """How many single-choice checks would have the right answer first by chance."""
    return sum(1 / len(check.options) for check in checks
               if check.kind == kinds.SINGLE_CHOICE and check.options)


def leading_sets(checks: Iterable) -> tuple[int, int]:
    """Multiple-choice and hands-on checks whose right options are exactly the first ones.

    Returns:
        ``(how many, out of how many)``.
    """
    found = total = 0
    for check in checks:
        if check.kind not in (kinds.MULTIPLE_CHOICE, kinds.HANDS_ON) or not check.answer:
            continue
        total += 1
        found += set(check.option_keys[: len(check.answer)]) == set(check.answer)
    return found, total


def position_summary(checks) -> list[str]:
    """Lines for the validator: where right answers sit across the course's files."""
    checks = list(checks)
    positions = right_positions(checks)
    single = sum(positions.values())
    if not single:
        return []
    spread = ", ".join(f"{position}: {positions[position]}"
                       for position in range(1, max(positions) + 1))
    first_sets, sets = leading_sets(checks)
    lines = [f"Right answers of {single} single-choice checks by position in the file — "
             f"{spread} (first by chance: about {chance_first(checks):.1f})."]
    if sets:
        lines.append(f"Multiple-choice and hands-on checks whose right options come first: "
                     f"{first_sets} of {sets}. Learners see every check's options shuffled.")
    return lines
