"""The audit as Markdown for people and as JSON for the wrap-up page.

JSON format (``"schema": "workshop-audit/1"``; keys are never renamed within a schema
version, new keys may be added)::

    {
      "schema": "workshop-audit/1",
      "folder": "my-project",            # the audited folder's name (not its full path)
      "exit_code": 1,                    # 0 nothing missing, 1 something missing
      "summary": {"found": 7, "missing": 3, "cannot_tell": 1},
      "items": [                         # always every item, in this order
        {
          "id": "seeded-randomness",     # stable id of the audit item
          "title": "Seeded estimators, splitters and generators",
          "stage_id": "model",           # the course stage (lessons/course.toml id)
          "checklist_item": "Every random component gets ...",  # exact lesson text, or null
          "policy_key": "model:0",       # "<stage_id>:<index>" as ticked on the wrap-up
                                         # page (workshop.policy.item_key), or null
          "status": "missing",           # "found" | "missing" | "cannot_tell"
          "summary": "2 random component(s) without a seed",
          "tools": ["scikit-learn Pipeline", "Hydra"],   # the course's tools for it
          "evidence": [{"path": "train.py", "line": 12, "cell": null,
                        "text": "train_test_split: no random_state: X_tr, ... = ..."}]
        }
      ],
      "skipped": [{"path": "link", "reason": "symbolic link leading outside the folder"}],
      "truncated": false                 # true when the file-count limit stopped the walk
    }

``path`` is relative to the audited folder, with ``/`` separators; ``line`` is 1-based or
null for a whole file; for a notebook ``cell`` is the 1-based cell number and ``line`` the
line within it. ``checklist_item`` and ``policy_key`` are null for an item the course has no
checklist entry for, or when the lessons are not available.
"""

from __future__ import annotations

import json

from workshop.audit.items import Audit
from workshop.audit.model import CANNOT_TELL, FOUND, MISSING

SCHEMA = "workshop-audit/1"
EXIT_OK, EXIT_MISSING = 0, 1
LABEL = {FOUND: "✅ found", MISSING: "❌ missing", CANNOT_TELL: "❔ cannot tell"}
MAX_EVIDENCE_SHOWN = 12
MARKDOWN_SPECIAL = frozenset("\\`*_[]<>|#")


def exit_code(audit: Audit) -> int:
    """1 when any item is missing, else 0 (cannot tell does not fail the audit)."""
    return EXIT_MISSING if audit.count(MISSING) else EXIT_OK


def as_data(audit: Audit) -> dict:
    """The audit as JSON-ready data in the documented schema."""
    items = []
    for item, finding in audit.results:
        entry = item.checklist()
        items.append({
            "id": item.id,
            "title": item.title,
            "stage_id": item.stage_id,
            "checklist_item": entry.item if entry else None,
            "policy_key": entry.key if entry else None,
            "status": finding.status,
            "summary": finding.summary,
            "tools": list(item.tools),
            "evidence": [e.as_dict() for e in finding.evidence],
        })
    return {
        "schema": SCHEMA,
        "folder": audit.root.name,
        "exit_code": exit_code(audit),
        "summary": {status: audit.count(status) for status in (FOUND, MISSING, CANNOT_TELL)},
        "items": items,
        "skipped": [{"path": s.rel, "reason": s.reason} for s in audit.skipped],
        "truncated": audit.truncated,
    }


def to_json(audit: Audit) -> str:
    """The audit as indented JSON text (ASCII-safe, keys in the documented order)."""
    return json.dumps(as_data(audit), indent=2, ensure_ascii=True)


def code(text: str) -> str:
    """``text`` as a Markdown code span that no backtick inside it can break."""
    longest, run = 0, 0
    for char in text:
        run = run + 1 if char == "`" else 0
        longest = max(longest, run)
    fence = "`" * (longest + 1)
    return f"{fence} {text} {fence}"


def plain(text: str) -> str:
    """``text`` with Markdown's emphasis, link and table characters escaped."""
    return "".join("\\" + c if c in MARKDOWN_SPECIAL else c for c in text)


def _item_section(item, finding) -> list[str]:
    lines = [f"## {LABEL[finding.status]} — {item.title}", "",
             f"*Stage:* `{item.stage_id}` · {plain(finding.summary)}", ""]
    entry = item.checklist()
    if entry:
        lines += [f"> Course checklist ({entry.key}): {plain(entry.item)}", ""]
    shown = finding.evidence[:MAX_EVIDENCE_SHOWN]
    lines += [f"- {code(e.where())} — {code(e.text)}" for e in shown]
    if len(finding.evidence) > len(shown):
        lines.append(f"- … and {len(finding.evidence) - len(shown)} more")
    if shown:
        lines.append("")
    if finding.status != FOUND:
        lines += [f"*Course tools:* {', '.join(item.tools)}", ""]
    return lines


def to_markdown(audit: Audit) -> str:
    """The audit as a Markdown report: a summary table, then each item with its evidence."""
    lines = [f"# Reproducibility audit: {code(audit.root.name)}", "",
             f"{audit.count(FOUND)} found · {audit.count(MISSING)} missing · "
             f"{audit.count(CANNOT_TELL)} cannot tell. Nothing in the folder was run or "
             "imported; the audit read files only.", "",
             "| Status | Item | Stage |", "|---|---|---|"]
    lines += [f"| {LABEL[f.status]} | {item.title} | `{item.stage_id}` |"
              for item, f in audit.results]
    lines.append("")
    for item, finding in audit.results:
        lines += _item_section(item, finding)
    if audit.skipped or audit.truncated:
        lines += ["## Not read", ""]
        lines += [f"- {code(s.rel)} — {plain(s.reason)}" for s in audit.skipped]
        if audit.truncated:
            lines.append("- the walk stopped at the file-count limit; later files were not read")
        lines.append("")
    return "\n".join(lines)
