"""A check's reference answer, validated by kind: one small function per kind, in a table.

Each takes an :class:`Answer` (the raw value, the check's options and where things are)
and returns the normalised answer (an option key, a tuple of keys, or a float), or None
after recording a problem.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from workshop import checks as kinds
from workshop.checks import Option
from workshop.content.schema import get_number
from workshop.content.where import Where, did_you_mean, show

# How to write each kind's answer: the fix of a missing or malformed one.
FORMS = {
    kinds.SINGLE_CHOICE: 'write answer = "<option key>"',
    kinds.MULTIPLE_CHOICE: 'write answer = ["<key>", "<key>"] (the right options)',
    kinds.NUMERIC: "write answer = <number> (no quotes)",
    kinds.ORDERING: 'write answer = ["<first key>", "<second key>", ...] (every option once)',
    kinds.PREDICT_THEN_RUN: "write answer = <number> (agrees with the computation within "
                            "tolerance)",
    kinds.HANDS_ON: 'write answer = ["<key>", ...] (the options that make it pass)',
}


@dataclass(frozen=True)
class Answer:
    """What validating one check's answer needs."""

    where: Where
    kind: str
    raw: Any
    options: tuple[Option, ...]
    option_wheres: dict[str, Where]

    @property
    def keys(self) -> list[str]:
        """The option keys, in order."""
        return [option.key for option in self.options]

    def add(self, message: str, fix: str) -> None:
        """Record a problem with the ``answer`` field."""
        self.where.add("answer", message, fix)


def require_feedback(answer: Answer, right: set[str]) -> None:
    """An error for each wrong option without feedback (a learner who picks it needs it)."""
    for option in answer.options:
        if option.key not in right and not option.feedback.strip():
            answer.option_wheres[option.key].add(
                "feedback", "a wrong option has no feedback",
                'add feedback = "..." saying why this option does not fit (without '
                "giving the right answer away)")


def _number(answer: Answer) -> float | None:
    value = get_number(answer.raw)
    if value is None:
        answer.add(f"the answer must be a finite number, found {show(answer.raw)}",
                   FORMS[answer.kind])
    return value


def _single(answer: Answer) -> str | None:
    raw, keys = answer.raw, answer.keys
    if not isinstance(raw, str):
        answer.add(f"the answer must be one option key, found {show(raw)}", FORMS[answer.kind])
        return None
    if raw not in keys:
        answer.add(f"the answer {raw!r} is not among the options{did_you_mean(raw, keys)}",
                   f"use one of the option keys: {', '.join(keys)}")
        return None
    require_feedback(answer, {raw})
    return raw


def _key_list(answer: Answer) -> list[str] | None:
    raw = answer.raw
    if not isinstance(raw, list) or not all(isinstance(value, str) for value in raw):
        answer.add(f"the answer must be a list of option keys, found {show(raw)}",
                   FORMS[answer.kind])
        return None
    return raw


def _known_keys(answer: Answer) -> tuple[str, ...] | None:
    """A list of option keys, each an option and none twice."""
    raw = _key_list(answer)
    if raw is None:
        return None
    keys = answer.keys
    unknown = [value for value in raw if value not in keys]
    if unknown:
        answer.add(f"the answer names keys that are not options: {unknown}"
                   f"{did_you_mean(unknown[0], keys)}",
                   f"use option keys only: {', '.join(keys)}")
        return None
    duplicates = sorted({value for value in raw if raw.count(value) > 1})
    if duplicates:
        answer.add(f"the answer repeats {duplicates}", "list each key once")
        return None
    return tuple(raw)


def _multiple(answer: Answer) -> tuple[str, ...] | None:
    keys = _known_keys(answer)
    if keys is None:
        return None
    if not keys:
        answer.add("the answer is empty", "list at least one right option key")
        return None
    require_feedback(answer, set(keys))
    return keys


def _ordering(answer: Answer) -> tuple[str, ...] | None:
    raw = _key_list(answer)
    if raw is None:
        return None
    keys = answer.keys
    unknown = [value for value in raw if value not in keys]
    duplicates = sorted({value for value in raw if raw.count(value) > 1})
    if unknown or duplicates or len(raw) != len(keys):
        missing = [key for key in keys if key not in raw]
        details = "; ".join(part for part in (
            f"unknown {unknown}" if unknown else "",
            f"repeated {duplicates}" if duplicates else "",
            f"missing {missing}" if missing else "") if part)
        answer.add(f"the ordering answer is not a permutation of the option keys ({details})",
                   "list every option key exactly once, in the right order")
        return None
    return tuple(raw)


READERS: dict[str, Callable[[Answer], Any]] = {
    kinds.SINGLE_CHOICE: _single,
    kinds.MULTIPLE_CHOICE: _multiple,
    kinds.NUMERIC: _number,
    kinds.ORDERING: _ordering,
    kinds.PREDICT_THEN_RUN: _number,
    kinds.HANDS_ON: _known_keys,
}


def read_answer(where: Where, item: dict, kind: str | None, options: tuple[Option, ...],
                option_wheres: dict[str, Where]) -> Any:
    """A check's reference answer in its kind's form, or None after recording why not.

    Args:
        where: the check's place in its file.
        item: the parsed ``[[check]]`` table.
        kind: the check's kind (None when it is unknown: only a missing answer is reported).
        options: the check's valid options.
        option_wheres: each option key's place, for "a wrong option has no feedback".

    Returns:
        An option key, a tuple of keys, a float, or None.
    """
    if "answer" not in item:
        where.add("answer", "missing 'answer' (the reference answer the tests check)",
                  FORMS.get(kind, "add answer = ..."))
        return None
    if kind is None:
        return None
    return READERS[kind](Answer(where, kind, item["answer"], options, option_wheres))
