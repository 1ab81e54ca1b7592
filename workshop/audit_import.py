"""Reading a ``workshop audit --format json`` report to pre-fill the wrap-up page's ticks.

The report is text a learner pastes, so it is read as hostile input: at most
:data:`MAX_BYTES`, parsed with :func:`json.loads` only (never evaluated), and checked
strictly against the schema ``workshop-audit/1`` (documented in
:mod:`workshop.audit.report`). Keys this module does not use are ignored, so a report with
keys added later still reads. Every problem found in the items is named in one
:class:`AuditImportError`, with where it is (``items[3].status``) and what was found.

Each item's ``status`` decides its policy tick: ``found`` ticks it, ``missing`` unticks it,
``cannot_tell`` leaves it as the learner set it. Items whose ``policy_key`` is null (the
course has no checklist item for them) tick nothing.

Pure: no Streamlit, no file access.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from workshop.errors import AuditImportError

SCHEMA = "workshop-audit/1"  # workshop.audit.report.SCHEMA (a test keeps them equal)
FOUND, MISSING, CANNOT_TELL = "found", "missing", "cannot_tell"
STATUSES = (FOUND, MISSING, CANNOT_TELL)
MAX_BYTES = 256 * 1024
MAX_PROBLEMS_SHOWN = 5
COMMAND = "python -m workshop audit PATH --format json"




@dataclass(frozen=True)
class AuditImport:
    """What an audit report says about the course's policy ticks.

    Attributes:
        folder: the audited folder's name, as the report gives it ("" when absent).
        tick: policy keys the report found done.
        untick: policy keys the report found missing.
        unjudged: policy keys the audit could not judge (their ticks stay as they are).
        unlinked: how many items have no checklist item in the course (null policy key).
    """

    folder: str
    tick: frozenset[str]
    untick: frozenset[str]
    unjudged: frozenset[str]
    unlinked: int = 0

    @property
    def changes(self) -> dict[str, bool]:
        """Policy key -> its new tick, for the keys the report decides (sorted)."""
        decided = {key: True for key in self.tick} | {key: False for key in self.untick}
        return dict(sorted(decided.items()))

    def apply(self, ticks: Mapping[str, bool]) -> dict[str, bool]:
        """``ticks`` with the report's decisions applied (``cannot_tell`` keys untouched)."""
        return {**ticks, **self.changes}

    @property
    def summary(self) -> str:
        """One sentence: ``"11 items read: 7 ticked, 3 left unticked, 1 could not be judged."``."""
        count = len(self.tick) + len(self.untick) + len(self.unjudged) + self.unlinked
        text = (f"{count} item{'s' if count != 1 else ''} read: {len(self.tick)} ticked, "
                f"{len(self.untick)} left unticked, {len(self.unjudged)} could not be judged")
        if self.unlinked:
            text += (f", {self.unlinked} {'has' if self.unlinked == 1 else 'have'} no checklist "
                     "item in this course")
        return text + "."


def _show(value: Any) -> str:
    """A value as quoted in a message, cut to 40 characters."""
    text = json.dumps(value) if isinstance(value, (str, int, float, bool, type(None))) \
        else type(value).__name__
    return text if len(text) <= 40 else text[:39] + "…"


def _json_type(value: Any) -> str:
    """The JSON name of a parsed value's type."""
    if isinstance(value, bool):
        return "true/false"
    names = {dict: "an object", list: "a list", str: "text", int: "a number",
             float: "a number", type(None): "null"}
    return names.get(type(value), type(value).__name__)


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON number")


def _decode(text: str | bytes) -> Any:
    """The parsed JSON, after the size and encoding checks."""
    if isinstance(text, (bytes, bytearray)):
        size = len(text)
    elif isinstance(text, str):
        size = len(text.encode("utf-8", "surrogatepass"))
    else:
        raise AuditImportError(f"Expected the report as text, got {type(text).__name__}.")
    if size > MAX_BYTES:
        raise AuditImportError(
            f"The report is {size / 1024:,.0f} KB; at most {MAX_BYTES // 1024} KB is read. "
            "The ticks need only \"schema\" and each item's \"policy_key\" and \"status\": "
            "delete the \"evidence\" lists and paste it again.")
    if isinstance(text, (bytes, bytearray)):
        try:
            text = bytes(text).decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise AuditImportError(f"The report is not UTF-8 text (byte {error.start}).") from None
    if not text.strip():
        raise AuditImportError(f"Nothing to read: paste the output of `{COMMAND}`.")
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as error:
        raise AuditImportError(
            f"The report is not valid JSON: {error.msg} at line {error.lineno}, column "
            f"{error.colno}. Paste the whole output of `{COMMAND}`.") from None
    except (ValueError, RecursionError) as error:
        reason = "it is nested too deeply" if isinstance(error, RecursionError) else str(error)
        raise AuditImportError(f"The report is not valid JSON: {reason}.") from None


def _header(data: Any) -> tuple[str, list]:
    """The audited folder's name and the report's items, after checking its schema."""
    if not isinstance(data, dict):
        raise AuditImportError(f"The report must be a JSON object ({{...}}), found "
                               f"{_json_type(data)}. Paste the output of `{COMMAND}`.")
    schema = data.get("schema")
    if schema != SCHEMA:
        found = "no \"schema\" key" if "schema" not in data else f"\"schema\": {_show(schema)}"
        raise AuditImportError(
            f"This is not a {SCHEMA} report ({found}). Paste the output of `{COMMAND}`; "
            "a report from another version of the workshop may need that version's page.")
    items = data.get("items")
    if not isinstance(items, list):
        found = "no \"items\" key" if "items" not in data else f"{_json_type(items)}"
        raise AuditImportError(f"The report's \"items\" must be a list of objects, found "
                               f"{found}.")
    folder = data.get("folder")
    return (folder if isinstance(folder, str) else ""), items


def _item(index: int, item: Any, known: Collection[str]) -> tuple[str | None, str, list[str]]:
    """``(policy key or None, status, problems)`` of the ``index``-th item."""
    place = f"items[{index}]"
    if not isinstance(item, dict):
        return None, "", [f"{place} must be an object, found {_json_type(item)}"]
    problems = []
    key = item.get("policy_key")
    if "policy_key" not in item:
        problems.append(f"{place} has no \"policy_key\"")
    elif key is not None and not isinstance(key, str):
        problems.append(f"{place}.policy_key must be text or null, found {_json_type(key)}")
    elif key is not None and key not in known:
        problems.append(f"{place}.policy_key {_show(key)} is not a checklist item of this "
                        "course (was the report made with another version of the lessons?)")
    status = item.get("status")
    if status not in STATUSES:
        found = "nothing" if "status" not in item else _show(status)
        problems.append(f"{place}.status must be one of {', '.join(STATUSES)}, found {found}")
    return key if isinstance(key, str) else None, status, problems


def _combine(statuses: dict[str, set[str]]) -> tuple[set[str], set[str], set[str]]:
    """Tick, untick and unjudged keys; a key two items share is missing if either says so."""
    tick, untick, unjudged = set(), set(), set()
    for key, seen in statuses.items():
        if MISSING in seen:
            untick.add(key)
        elif FOUND in seen:
            tick.add(key)
        else:
            unjudged.add(key)
    return tick, untick, unjudged


def parse_report(text: str | bytes, known_keys: Collection[str]) -> AuditImport:
    """Read a pasted audit report strictly and say which policy ticks it sets.

    Args:
        text: the report as pasted (``str``) or uploaded (``bytes``).
        known_keys: the loaded course's policy keys (``workshop.policy.item_key``).

    Returns:
        The :class:`AuditImport`: keys to tick, to untick and to leave, and its summary.

    Raises:
        AuditImportError: the text is too large, not JSON, not a ``workshop-audit/1``
            object, or has items with problems (every one named, the first few shown).
    """
    folder, items = _header(_decode(text))
    known = frozenset(known_keys)
    statuses: dict[str, set[str]] = {}
    problems: list[str] = []
    unlinked = 0
    for index, raw in enumerate(items):
        key, status, found = _item(index, raw, known)
        problems += found
        if found:
            continue
        if key is None:
            unlinked += 1
        else:
            statuses.setdefault(key, set()).add(status)
    if problems:
        shown = "; ".join(problems[:MAX_PROBLEMS_SHOWN])
        more = len(problems) - MAX_PROBLEMS_SHOWN
        raise AuditImportError(
            f"The report has {len(problems)} problem{'s' if len(problems) != 1 else ''}: "
            f"{shown}{f'; and {more} more' if more > 0 else ''}. Nothing was ticked.")
    tick, untick, unjudged = _combine(statuses)
    return AuditImport(folder, frozenset(tick), frozenset(untick), frozenset(unjudged), unlinked)
