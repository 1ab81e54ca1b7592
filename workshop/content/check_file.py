"""Reading a stage's ``checks.toml`` into :class:`workshop.checks.Check` objects."""

from __future__ import annotations

from pathlib import Path

from workshop import checks as kinds
from workshop.checks import Check, Option
from workshop.content import lint, schema
from workshop.content.answers import read_answer
from workshop.content.follow_up import read_follow_up
from workshop.content.model import WARNING
from workshop.content.option_stats import longest_right
from workshop.content.options import read_options
from workshop.content.schema import CHECK, CHECKS, KIND_ONLY, MIN_OPTIONS
from workshop.content.where import Context, Where, each_item, option_where, show, top_where
from workshop.errors import CheckFunctionError

CHECKS_FILE = "checks.toml"


def read_checks(ctx: Context, folder: Path, stage_id: str,
                seen: dict[str, str]) -> tuple[Check, ...] | None:
    """Read and check ``folder/checks.toml`` (optional: no file, no checks).

    Args:
        ctx: the run.
        folder: the stage's folder.
        stage_id: the stage the checks belong to.
        seen: check id -> where it was first defined, across the course (updated).

    Returns:
        The checks without problems, or None when the file cannot be read or parsed.
    """
    path = folder / CHECKS_FILE
    if not path.exists():
        return ()  # a stage without checks is allowed (README: "checks.toml is optional")
    text = schema.read_text(ctx, path, "checks.toml", "")
    if text is None:
        return None
    data = schema.parse_toml(ctx, path, text)
    if data is None:
        return None
    lines = tuple(text.splitlines())
    top = top_where(ctx, path, lines)
    schema.read(top, data, CHECKS)
    result = []
    for _, item, where in each_item(ctx, path, lines, "check",
                                    schema.items(top, data, CHECKS, "check")):
        check = _read_check(ctx, where, item, stage_id)
        check_id = item.get("id")
        if isinstance(check_id, str) and check_id:
            if check_id in seen:
                where.add("id", f"duplicate check id {check_id!r} (also in {seen[check_id]})",
                          "check ids must be unique across the whole course (progress is "
                          "stored by id): rename one")
                check = None
            else:
                seen[check_id] = ctx.rel(path) + (f" line {where.line}" if where.line else "")
        if check is not None:
            result.append(check)
    return tuple(result)


def _read_check(ctx: Context, where: Where, item: dict, stage_id: str) -> Check | None:
    before = ctx.error_count
    values = schema.read(where, item, CHECK)
    lint.check_texts(ctx, where, item, values["hints"], values["references"])
    kind = values["kind"]
    if kind is not None:
        for name, allowed in KIND_ONLY.items():
            if name in item and kind not in allowed:
                where.add(name, f"{name!r} is not used by {kind} checks",
                          f"remove it (it is used by: {', '.join(sorted(allowed))})", WARNING)
    # An unknown kind does not hide the rest: options, tolerance, compute and grader are
    # still checked where the check has them (only the kind's own rules need the kind).
    options, option_wheres = _read_options(ctx, where, item, kind)
    answer = read_answer(where, item, kind, options, option_wheres)
    longest_right(where, kind, options, answer)
    follow_up = (read_follow_up(ctx, where, item, kind)
                 if _uses(item, kind, "follow_up", kinds.PREDICT_THEN_RUN) else None)
    tolerance = _read_tolerance(where, item, kind)
    compute = (_read_function(ctx, where, item, "compute")
               if _uses(item, kind, "compute", kinds.PREDICT_THEN_RUN) else None)
    grader = (_read_function(ctx, where, item, "grader")
              if _uses(item, kind, "grader", kinds.HANDS_ON) else None)
    if ctx.error_count > before or None in (*values.values(), answer):
        return None
    return Check(values["id"], stage_id, kind, values["prompt"], options or (), answer,
                 tolerance, values["unit"], values["hints"], values["explanation"],
                 values["references"], compute, grader, follow_up)


def _uses(item: dict, kind: str | None, name: str, owner: str) -> bool:
    """Whether to check field ``name``: its kind uses it, or the kind is unknown and it is there."""
    return kind == owner or (kind is None and name in item)


def _read_options(ctx: Context, where: Where, item: dict,
                  kind: str | None) -> tuple[tuple[Option, ...], dict[str, Where]]:
    """The check's options; with an unknown kind, those it has (their count unchecked)."""
    raw = schema.items(where, item, CHECK, "options")
    if kind is not None and kind not in kinds.OPTION_KINDS:
        return (), {}
    minimum = MIN_OPTIONS.get(kind, 0)
    if len(raw) < minimum:
        where.add("options", f"{kind} checks need at least {minimum} [[check.options]], "
                  f"found {len(raw)}",
                  'add [[check.options]] tables with key, text and feedback')
    return read_options(ctx, raw,
                        lambda name, index: option_where(where, name, index, len(raw)))


def _read_tolerance(where: Where, item: dict, kind: str | None) -> float | None:
    """The tolerance of a numeric kind; with an unknown kind, checked only when present."""
    if kind is not None and kind not in kinds.NUMERIC_KINDS:
        return None
    raw = item.get("tolerance")
    tolerance = schema.get_number(raw)
    if raw is None:
        if kind is None:
            return None
        where.add("tolerance", f"missing 'tolerance' ({kind} checks accept answers within it)",
                  "add tolerance = <number >= 0>, e.g. tolerance = 0.05")
    elif tolerance is None or tolerance < 0:
        where.add("tolerance", f"'tolerance' must be a number >= 0, found {show(raw)}",
                  "write tolerance = 0.05 (no quotes)")
        return None
    return tolerance


def _read_function(ctx: Context, where: Where, item: dict, name: str) -> str | None:
    """A check's ``compute`` or ``grader``: ``"module:function"`` naming a usable function."""
    spec = item.get(name)
    signature = "def f() -> float" if name == "compute" else "def f(answer) -> dict"
    if spec is None:
        where.add(name, f"missing {name!r} (the function this check runs)",
                  f'add {name} = "case_study.<module>:<function>", a function {signature}')
        return None
    try:
        module, function = kinds.parse_function_spec(spec)
    except CheckFunctionError as error:
        where.add(name, str(error), f'write {name} = "case_study.<module>:<function>"')
        return None
    problem = lint.function_problem(ctx, module, function, name)
    if problem:
        where.add(name, problem, f"fix the name in {name}, or define {signature} at the top "
                  f"level of {module}")
        return None
    return spec
