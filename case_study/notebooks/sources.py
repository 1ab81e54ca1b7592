"""Code cells cut from the case study's own source: one source of truth for every notebook.

:func:`function_source` is a function's text as it stands in its module;
:func:`constant_source` a module-level assignment (a design card, a table);
:func:`imports_for` the import lines a cell needs to run on its own, rebuilt from the
module's own ``import`` statements (and ``from module import name`` for what the module
itself defines). :func:`without_pitfall_comments` and :func:`renamed` turn a function into
an exercise's starter.
"""

from __future__ import annotations

import ast
import builtins
import inspect
import re
import sys
import textwrap
import types
from collections.abc import Callable, Iterable

_PITFALL = re.compile(r"^\s*# PITFALL:")
_COMMENT = re.compile(r"^\s*#")


def function_source(function: Callable) -> str:
    """The source of ``function``, dedented, exactly as written in its module.

    Args:
        function: a function defined at the top level of a module.

    Returns:
        Its text, ending with one newline.
    """
    return textwrap.dedent(inspect.getsource(function)).rstrip() + "\n"


def _module_tree(module: types.ModuleType) -> tuple[str, ast.Module]:
    text = inspect.getsource(module)
    return text, ast.parse(text)


def constant_source(module: types.ModuleType, name: str) -> str:
    """The text of the top-level assignment of ``name`` in ``module`` (comments included).

    Args:
        module: the module that assigns it.
        name: the name assigned.

    Returns:
        The assignment's text.

    Raises:
        LookupError: when the module assigns no such name at its top level.
    """
    text, tree = _module_tree(module)
    lines = text.splitlines()
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
        if any(isinstance(t, ast.Name) and t.id == name for t in targets):
            return "\n".join(lines[node.lineno - 1 : node.end_lineno]) + "\n"
    raise LookupError(f"{module.__name__} assigns no top-level {name!r}; check the cell list.")


def _code_names(code: types.CodeType) -> set[str]:
    names = set(code.co_names)
    for constant in code.co_consts:
        if isinstance(constant, types.CodeType):
            names |= _code_names(constant)
    return names


def names_in(source: str) -> set[str]:
    """Every name a piece of source reads (default values and decorators included)."""
    return {node.id for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Name)}


def _import_lines(tree: ast.Module) -> dict[str, str]:
    """Name bound → the import statement (one name each) that binds it in the module."""
    bound = {}
    for node in tree.body:
        if isinstance(node, ast.Import):
            for alias in node.names:
                name = alias.asname or alias.name.split(".")[0]
                text = f"import {alias.name}" + (f" as {alias.asname}" if alias.asname else "")
                bound[name] = text
        elif isinstance(node, ast.ImportFrom) and node.module != "__future__":
            for alias in node.names:
                name = alias.asname or alias.name
                text = f"from {node.module} import {alias.name}"
                bound[name] = text + (f" as {alias.asname}" if alias.asname else "")
    return bound


def needed_names(function: Callable) -> set[str]:
    """The global names ``function`` reads (its code, defaults and annotations' source)."""
    names = _code_names(function.__code__) | names_in(function_source(function))
    return {n for n in names if not hasattr(builtins, n)}


def imports_for(
    items: Iterable[tuple[types.ModuleType, set[str]]], defined_here: Iterable[str] = ()
) -> str:
    """The import lines that make the given names of the given modules available.

    Args:
        items: ``(module, names)`` pairs: names the cells read from that module's globals.
        defined_here: names the notebook itself defines (never imported).

    Returns:
        Sorted import lines: the module's own import statements where it imported a name,
        ``from <module> import <name>`` for a name it defines itself.
    """
    skip = set(defined_here)
    plain, from_lines = set(), {}
    for module, names in items:
        _, tree = _module_tree(module)
        bound = _import_lines(tree)
        for name in sorted(set(names) - skip):
            if name not in vars(module):
                continue
            line = bound.get(name) or f"from {module.__name__} import {name}"
            if line.startswith("import "):
                plain.add(line)
            else:
                source, _, imported = line[len("from ") :].partition(" import ")
                from_lines.setdefault(source, set()).add(imported)
    lines = sorted(plain)
    for source, names in sorted(from_lines.items()):
        lines.append(f"from {source} import {', '.join(sorted(names))}")
    return "\n".join(_wrapped(line) for line in lines) + "\n"


def _wrapped(line: str, width: int = 100) -> str:
    if len(line) <= width or " import " not in line:
        return line
    head, _, names = line.partition(" import ")
    body = "".join(f"    {name.strip()},\n" for name in names.split(","))
    return f"{head} import (\n{body})"


def imports_for_functions(functions: Iterable[Callable], defined_here: Iterable[str] = ()) -> str:
    """:func:`imports_for` the names ``functions`` read, each from its own module."""
    functions = list(functions)
    items = [(sys.modules[f.__module__], needed_names(f)) for f in functions]
    return imports_for(items, set(defined_here) | {f.__name__ for f in functions})


def without_pitfall_comments(source: str) -> str:
    """Drop every ``# PITFALL:`` comment block (the marker line and the comment lines after).

    Args:
        source: a function's text.

    Returns:
        The text without those comments, so an exercise does not point at its own bugs.
    """
    kept, skipping = [], False
    for line in source.splitlines():
        if _PITFALL.match(line):
            skipping = True
            continue
        if skipping and _COMMENT.match(line):
            continue
        skipping = False
        kept.append(line)
    return "\n".join(kept) + "\n"


def renamed(source: str, old: str, new: str) -> str:
    """Rename the function defined by ``source`` from ``old`` to ``new`` (its ``def`` line)."""
    return re.sub(rf"^def {re.escape(old)}\(", f"def {new}(", source, count=1, flags=re.M)
