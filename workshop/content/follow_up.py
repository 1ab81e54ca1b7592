"""A predict-then-run check's ``[check.follow_up]``: the question after a missed prediction.

```toml
[[check]]
id = "design-predict-holdout"
kind = "predict_then_run"
...
  [check.follow_up]
  prompt = "Why did the announced score overstate the holdout?"
  answer = "selected"

    [[check.follow_up.options]]
    key = "selected"
    text = "It was the maximum of twenty noisy test scores"

    [[check.follow_up.options]]
    key = "leak"
    text = "..."
    feedback = "why this does not explain the gap, without naming the answer"
```

A single-choice question: at least two options, one right ``answer``, feedback on every
wrong option. Answering it right after a missed prediction passes the check, so a wrong
prediction is never a dead end. It is optional (a missed prediction without one shows the
gap and leaves Reveal); the shipped lessons give every predict-then-run check one
(``tests/test_lessons.py``).
"""

from __future__ import annotations

from workshop import checks as kinds
from workshop.check_model import FollowUp, Option
from workshop.content import lint, schema
from workshop.content.answers import read_answer
from workshop.content.option_stats import longest_right
from workshop.content.options import read_options
from workshop.content.schema import CUSTOM, TABLES, Field, Table
from workshop.content.where import Context, Where, show

FOLLOW_UP = Table("a [check.follow_up]", (
    Field("prompt", what="the question about the gap between prediction and result"),
    Field("options", TABLES, required=True),
    Field("answer", CUSTOM),
), keys=("prompt", "options", "answer"))


def read_follow_up(ctx: Context, where: Where, item: dict, kind: str | None) -> FollowUp | None:
    """A check's follow-up question, checked; None when it has none or it has problems.

    Args:
        ctx: the run.
        where: the check's place in its file.
        item: the parsed ``[[check]]`` table.
        kind: the check's kind.

    Returns:
        The :class:`FollowUp`, or None (problems recorded).
    """
    raw = item.get("follow_up")
    if raw is None:
        return None
    sub = where.sub("follow_up", key="follow_up")
    if not isinstance(raw, dict):
        sub.add("", f"'follow_up' must be a table, found {show(raw)}",
                "write it as a [check.follow_up] table with prompt, answer and options")
        return None
    values = schema.read(sub, raw, FOLLOW_UP)
    options, wheres = _options(ctx, sub, raw)
    answer = read_answer(sub, raw, kinds.SINGLE_CHOICE, options, wheres)
    if None in (values["prompt"], answer) or len(options) < 2:
        return None
    lint.check_citations(sub, "prompt", values["prompt"], ctx)
    follow_up = FollowUp(values["prompt"], options, answer)
    longest_right(sub, kinds.SINGLE_CHOICE, options, answer)
    return follow_up


def _options(ctx: Context, where: Where, raw: dict) -> tuple[tuple[Option, ...], dict]:
    tables = schema.items(where, raw, FOLLOW_UP, "options")
    if len(tables) < 2:
        where.add("options", f"a follow-up needs at least 2 options, found {len(tables)}",
                  "add [[check.follow_up.options]] tables with key, text and feedback")
    return read_options(ctx, tables, lambda name, _index: where.sub(name))
