"""The check model: the kinds of check, and the frozen values grading works on.

``Check`` and ``Option`` are what ``workshop.content`` reads from a ``checks.toml``;
``Outcome`` and ``Result`` are what ``workshop.checks.grade`` returns. Plain values, no
behaviour beyond looking an option up: grading lives in ``workshop.checks``, which
re-exports every name here, so ``from workshop.checks import Check`` keeps working.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

SINGLE_CHOICE = "single_choice"
MULTIPLE_CHOICE = "multiple_choice"
NUMERIC = "numeric"
ORDERING = "ordering"
PREDICT_THEN_RUN = "predict_then_run"
HANDS_ON = "hands_on"

KINDS = (SINGLE_CHOICE, MULTIPLE_CHOICE, NUMERIC, ORDERING, PREDICT_THEN_RUN, HANDS_ON)
#: Kinds whose answer is checked against a tolerance.
NUMERIC_KINDS = frozenset({NUMERIC, PREDICT_THEN_RUN})
#: Kinds whose answer is made of option keys.
OPTION_KINDS = frozenset({SINGLE_CHOICE, MULTIPLE_CHOICE, ORDERING, HANDS_ON})
#: Kinds where every wrong option must carry feedback.
CHOICE_KINDS = frozenset({SINGLE_CHOICE, MULTIPLE_CHOICE})


class Outcome(StrEnum):
    """The closed set of outcomes a check can have for a learner.

    The one vocabulary of outcomes: grading returns it, the progress store keeps its values,
    and the sidebar, the wrap-up and the room read stored values back with :meth:`of`.
    """

    PASSED = "passed"
    FAILED = "failed"
    NOT_ATTEMPTED = "not_attempted"
    REVEALED = "revealed"

    @classmethod
    def of(cls, value: object) -> Outcome:
        """The outcome of a stored value, a record with ``.outcome``, or None (not attempted).

        Args:
            value: an ``Outcome``, its string, a ``CheckProgress``-like record, or None.

        Returns:
            The outcome; anything unknown or empty is ``NOT_ATTEMPTED``.
        """
        if value is not None and not isinstance(value, str):
            value = getattr(value, "outcome", None)
        try:
            return cls(str(getattr(value, "value", value) or cls.NOT_ATTEMPTED.value))
        except ValueError:
            return cls.NOT_ATTEMPTED

    @property
    def finished(self) -> bool:
        """True for passed or revealed: nothing more to do on the check."""
        return self in FINISHED

    @property
    def label(self) -> str:
        """How the outcome is named to a learner (``failed`` is "not passed yet")."""
        return _LABELS[self]


#: Outcomes after which a check is closed.
FINISHED = frozenset({Outcome.PASSED, Outcome.REVEALED})
_LABELS = {Outcome.PASSED: "passed", Outcome.REVEALED: "revealed",
           Outcome.FAILED: "not passed yet", Outcome.NOT_ATTEMPTED: "not attempted"}


@dataclass(frozen=True)
class Option:
    """One option of a choice, ordering or hands-on check; ``feedback`` explains why it is wrong."""

    key: str
    text: str
    feedback: str = ""


@dataclass(frozen=True)
class FollowUp:
    """A predict-then-run check's second chance: one single-choice question about the gap.

    Asked only after a prediction outside the tolerance; answering it right passes the check.
    """

    prompt: str
    options: tuple[Option, ...]
    answer: str


@dataclass(frozen=True)
class Check:
    """One check, as read from a ``checks.toml``; ``answer`` is the reference answer.

    ``answer`` is an option key (single choice), a tuple of keys (multiple choice, ordering,
    hands-on) or a float (numeric, predict-then-run). ``compute``/``grader`` are
    ``"module:function"`` strings or None; ``follow_up`` is a predict-then-run check's
    question about a missed prediction, or None.
    """

    id: str
    stage_id: str
    kind: str
    prompt: str
    options: tuple[Option, ...] = ()
    answer: Any = None
    tolerance: float | None = None
    unit: str = ""
    hints: tuple[str, ...] = ()
    explanation: str = ""
    references: tuple[str, ...] = ()
    compute: str | None = None
    grader: str | None = None
    follow_up: FollowUp | None = None

    @property
    def option_keys(self) -> tuple[str, ...]:
        """The option keys in the order they are listed."""
        return tuple(option.key for option in self.options)

    def option(self, key: str) -> Option | None:
        """The option with this key, or None."""
        for option in self.options:
            if option.key == key:
                return option
        return None


@dataclass(frozen=True)
class Result:
    """What grading an answer gave: an outcome, feedback for the learner, and details for the UI."""

    outcome: Outcome
    feedback: str
    details: dict = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        """True when the outcome is ``passed``."""
        return self.outcome is Outcome.PASSED
