"""Course rules: what makes well-formed files a sound course.

Every figure cites a source listed in ``sources.toml``; citations and check references
name listed sources; a checklist names the lesson's own tools; stage numbers go upwards;
each agenda's minutes add up; folders with lessons are listed; and the functions checks name
exist with the right parameters, found by reading their module's source with ``ast``
(never importing it, so no scikit-learn).

The readers call these rules at their turn, so problems stay in file order.
"""

from __future__ import annotations

import ast
import importlib.util
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workshop.content.cache import digest_bytes
from workshop.content.model import WARNING, ChecklistItem, Tool
from workshop.content.prose import citations, prose_lines, uncited_figures
from workshop.content.where import Context, Where, did_you_mean, show

LESSON_FILE = "lesson.md"
CHECKS_FILE = "checks.toml"


# --------------------------------------------------------------------------- sources


def _example_source(ctx: Context) -> str:
    return next(iter(ctx.sources), "source-id")


def check_citations(where: Where, name: str, text: str, ctx: Context) -> None:
    """An error for each ``[id]`` in ``text`` that ``sources.toml`` does not list."""
    if not ctx.sources_readable:
        return  # sources.toml itself is broken: reported once, not for every citation
    for cited in citations(text):
        if cited not in ctx.sources:
            where.add(name, f"cites [{cited}], which is not in lessons/sources.toml"
                      f"{did_you_mean(cited, ctx.sources)}",
                      "cite an id listed in lessons/sources.toml, or add the source there "
                      "(only sources checked against REFERENCES.md)")


def check_reference(ctx: Context, where: Where, name: str, reference: str) -> None:
    """A check reference is a listed source id, or text citing listed ones as ``[id]``."""
    if not ctx.sources_readable:
        return
    if reference.strip() in ctx.sources:
        return
    if not citations(reference):
        where.add(name, f"reference {show(reference)} names no source"
                  f"{did_you_mean(reference.strip(), ctx.sources)}",
                  "use a source id from lessons/sources.toml (e.g. \"pineau-checklist\"), or "
                  "text that cites one as [id]")
        return
    check_citations(where, name, reference, ctx)


# ------------------------------------------------------------------------- lesson.md


def lesson_body(ctx: Context, path: Path, body: str, body_line: int) -> None:
    """Every figure in a lesson's body cites a source on its line; every citation is listed.

    Args:
        ctx: the run.
        path: the lesson file.
        body: the Markdown after the front matter.
        body_line: the line of the file the body starts at.
    """
    for number, figure in uncited_figures(body):
        ctx.add(path, f"line {number + body_line - 1}",
                f"the figure {figure} has no [source-id] citation on this line",
                f"cite its source from lessons/sources.toml on the same line, e.g. "
                f"[{_example_source(ctx)}]; numbers the case study computes belong in the "
                "demo, not typed into the lesson")
    for number, line in prose_lines(body):
        check_citations(Where(ctx, path, line=number + body_line - 1), "", line, ctx)


def _strings(data: Any, name: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(data, str):
        yield name, data
    elif isinstance(data, dict):
        for key, value in data.items():
            yield from _strings(value, f"{name}.{key}" if name else key)
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _strings(value, f"{name}[{index}]")


def front_matter(ctx: Context, where: Where, data: dict) -> None:
    """The body's rules for every string in the front matter, named by its path."""
    for name, value in _strings(data):
        check_citations(where, name, value, ctx)
        for _, figure in uncited_figures(value):
            where.add(name, f"the figure {figure} has no [source-id] citation on its line",
                      f"cite its source from lessons/sources.toml on the same line, e.g. "
                      f"[{_example_source(ctx)}]")


def checklist_tools(where: Where, checklist: Iterable[ChecklistItem],
                    tools: Iterable[Tool]) -> None:
    """A warning for each tool a checklist item names that the lesson's [[tools]] lack."""
    tool_names = {tool.name for tool in tools}
    for index, entry in enumerate(checklist):
        for name in entry.tools:
            if name not in tool_names:
                where.add(f"checklist[{index}].tools",
                          f"tool {name!r} is not among this lesson's [[tools]]"
                          f"{did_you_mean(name, tool_names)}",
                          "add a [[tools]] entry with that name, or fix the spelling", WARNING)


# ----------------------------------------------------------------------- checks.toml


def check_texts(ctx: Context, where: Where, item: dict, hints, references) -> None:
    """Citations in a check's prompt, explanation and hints; its references resolve."""
    for name in ("prompt", "explanation"):
        if isinstance(item.get(name), str):
            check_citations(where, name, item[name], ctx)
    for index, hint in enumerate(hints or ()):
        check_citations(where, f"hints[{index}]", hint, ctx)
    for index, reference in enumerate(references or ()):
        check_reference(ctx, where, f"references[{index}]", reference)


# ---------------------------------------------------------------------- course.toml


def stage_numbers(specs) -> None:
    """Stage numbers go upwards in the order course.toml lists the stages."""
    previous = None
    for spec in specs:
        if spec.number is None:
            continue
        if previous is not None and spec.number <= previous.number:
            spec.where.add("number",
                           f"stage numbers are out of order: {spec.id!r} has number "
                           f"{spec.number} after {previous.id!r} with {previous.number}",
                           "list the stages in course order and number them upwards "
                           "(0, 1, 2, …)")
        previous = spec


def agenda_minutes(agendas, specs, agenda_wheres: dict[str, Where]) -> None:
    """Each agenda's stages' minutes plus its buffer make its length."""
    for agenda in agendas:
        timed = [spec for spec in specs if agenda.id in spec.minutes]
        if len(timed) != len(specs):
            continue  # a stage without this agenda's timing is reported already
        stage_minutes = sum(spec.minutes[agenda.id].total for spec in timed)
        total = stage_minutes + agenda.buffer_minutes
        if total != agenda.minutes:
            gap = agenda.minutes - total
            agenda_wheres[agenda.id].add(
                "minutes",
                f"the timings do not add up: stages take {stage_minutes} min + "
                f"buffer_minutes {agenda.buffer_minutes} = {total} min, but the agenda "
                f"says minutes = {agenda.minutes}",
                f"{'add' if gap > 0 else 'remove'} {abs(gap)} min across the stages' "
                f"minutes.{agenda.id} (teaching/exercise) or buffer_minutes, or change "
                "minutes",
            )


def lesson_folders(lessons_dir: Path) -> list[Path]:
    """The folders directly inside ``lessons_dir`` that hold a lesson or checks, by name.

    Folders whose names start with ``.`` or ``_`` (drafts, ``_template``) are not lessons.
    """
    return [entry for entry in sorted(lessons_dir.iterdir())
            if entry.is_dir() and not entry.name.startswith((".", "_"))
            and ((entry / LESSON_FILE).exists() or (entry / CHECKS_FILE).exists())]


def unlisted_folders(ctx: Context, listed: set[str]) -> None:
    """A warning for each folder holding a lesson or checks that course.toml does not list."""
    for entry in lesson_folders(ctx.lessons_dir):
        if entry.name not in listed:
            ctx.add(f"{ctx.rel(entry)}/", "folder",
                    "this lesson folder is not listed in course.toml, so the app does not "
                    "show it",
                    f'add a [[stage]] with folder = "{entry.name}" to course.toml, or move '
                    "the folder out of lessons/", WARNING)


# ------------------------------------------------------------- functions checks name


@dataclass(frozen=True)
class Signature:
    """What the validator needs to know about a top-level function's parameters."""

    positional: int
    required: int
    required_keyword: int
    varargs: bool


def function_problem(ctx: Context, module: str, function: str, role: str) -> str | None:
    """Why ``module:function`` is not usable as a compute/grader, read from source (no import).

    Args:
        ctx: the run (remembers each module's functions, and the files read).
        module: a dotted module name.
        function: a top-level function's name.
        role: ``"compute"`` (takes no argument) or ``"grader"`` (takes the answer).

    Returns:
        The reason, or None when the function fits its role.
    """
    if module not in ctx.module_cache:
        ctx.module_cache[module] = _module_functions(ctx, module)
    found = ctx.module_cache[module]
    if isinstance(found, str):
        return found
    signature = found.get(function)
    if signature is None:
        return (f"{module} defines no top-level function {function!r}"
                f"{did_you_mean(function, found)}")
    required = signature.required + signature.required_keyword
    if role == "compute" and required:
        return (f"{module}:{function} takes {required} required argument(s); a compute "
                "function takes none")
    if role == "grader" and (signature.required_keyword or signature.required > 1
                             or (signature.positional == 0 and not signature.varargs)):
        return f"{module}:{function} must take exactly one argument (the learner's answer)"
    return None


# Parsing a stage module with ast costs tens of milliseconds: keep each file's summary until
# its bytes change.
_SIGNATURES: dict[str, tuple[str, dict[str, Signature] | str]] = {}


def _module_functions(ctx: Context, module: str) -> dict[str, Signature] | str:
    """The top-level functions a module defines, or why they cannot be known."""
    try:
        spec = importlib.util.find_spec(module)  # imports parent packages only, never `module`
    except Exception:
        spec = None
    origin = getattr(spec, "origin", None)
    if spec is None or not origin or not origin.endswith(".py"):
        return f"the module {module} does not exist (no {module.replace('.', '/')}.py)"
    ctx.module_files.setdefault(origin, None)
    try:
        source = Path(origin).read_bytes()
    except OSError as error:
        return f"the module {module} cannot be read ({error.strerror})"
    digest = digest_bytes(source)
    ctx.module_files[origin] = digest
    cached = _SIGNATURES.get(origin)
    if cached is not None and cached[0] == digest:
        return cached[1]
    summary = _signatures(source, origin, module)
    _SIGNATURES[origin] = (digest, summary)
    return summary


def _signatures(source: bytes, origin: str, module: str) -> dict[str, Signature] | str:
    try:
        tree = ast.parse(source, filename=origin)
    except SyntaxError as error:
        return f"the module {module} has a syntax error at line {error.lineno}"
    summary = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            args = node.args
            positional = len(args.posonlyargs) + len(args.args)
            summary[node.name] = Signature(
                positional, positional - len(args.defaults),
                sum(1 for default in args.kw_defaults if default is None),
                args.vararg is not None)
    return summary
