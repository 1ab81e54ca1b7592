"""Reading a list of option tables, for a check's ``[[check.options]]`` and its follow-up's.

Both read each table the same way: its key and text are required, a key may appear once,
and citations in its text and feedback must name known sources.
"""

from __future__ import annotations

from collections.abc import Callable

from workshop.check_model import Option
from workshop.content import lint, schema
from workshop.content.schema import OPTION
from workshop.content.where import Context, Where


def read_options(ctx: Context, tables: list, where_of: Callable[[str, int], Where],
                 ) -> tuple[tuple[Option, ...], dict[str, Where]]:
    """Read option tables into Options, reporting problems where each table stands.

    Args:
        ctx: the file being read (sources for citations, the problem list).
        tables: the raw option tables, in file order.
        where_of: ``(name, index) -> Where`` for one table (``name`` is ``option "<key>"``,
            or ``options[<index>]`` for a table without a usable key).

    Returns:
        The readable options in file order, and each option key's Where.
    """
    options: list[Option] = []
    wheres: dict[str, Where] = {}
    for index, table in enumerate(tables):
        label = table.get("key")
        name = f'option "{label}"' if isinstance(label, str) and label else f"options[{index}]"
        sub = where_of(name, index)
        values = schema.read(sub, table, OPTION)
        key, text = values["key"], values["text"]
        if key is None or text is None:
            continue
        if key in wheres:
            sub.add("key", f"duplicate option key {key!r}", "give every option its own key")
            continue
        options.append(Option(key, text, values["feedback"]))
        wheres[key] = sub
        lint.check_citations(sub, "text", text, ctx)
        lint.check_citations(sub, "feedback", values["feedback"], ctx)
    return tuple(options), wheres
