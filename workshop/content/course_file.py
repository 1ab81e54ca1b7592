"""Reading ``lessons/sources.toml`` and ``lessons/course.toml`` (as :mod:`.schema` declares)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from workshop.content import lint, schema
from workshop.content.model import Agenda, Source, Timing
from workshop.content.schema import (
    AGENDA,
    COURSE,
    FOLDER,
    ID,
    SOURCE,
    SOURCE_ID,
    SOURCES,
    STAGE,
    STAGE_MINUTES,
)
from workshop.content.where import Context, Where, did_you_mean, each_item, show, top_where

COURSE_FILE = "course.toml"
SOURCES_FILE = "sources.toml"


def _read_toml(ctx: Context, name: str, what: str, fix: str):
    """(path, lines, data) of a top-level file, or None after recording why not."""
    path = ctx.lessons_dir / name
    text = schema.read_text(ctx, path, what, fix)
    if text is None:
        return None
    data = schema.parse_toml(ctx, path, text)
    if data is None:
        return None
    return path, tuple(text.splitlines()), data


def read_sources(ctx: Context) -> None:
    """Read sources.toml into ``ctx.sources`` (and ``ctx.sources_readable``)."""
    read = _read_toml(ctx, SOURCES_FILE, "sources.toml (the list of citable sources)",
                      "create lessons/sources.toml with one [[source]] table (id, citation) "
                      "per source a lesson may cite")
    if read is None:
        return
    path, lines, data = read
    ctx.sources_readable = True
    top = top_where(ctx, path, lines)
    schema.read(top, data, SOURCES)
    for _, item, where in each_item(ctx, path, lines, "source",
                                    schema.items(top, data, SOURCES, "source")):
        values = schema.read(where, item, SOURCE)
        source_id = values["id"]
        if source_id is None:
            continue
        if not SOURCE_ID.match(source_id):
            where.add("id", f"source id {source_id!r} has characters a citation cannot use",
                      "use lowercase letters, digits, '-', '_' or '.', e.g. pineau2021")
            continue
        if source_id in ctx.sources:
            where.add("id", f"duplicate source id {source_id!r}",
                      "give every source its own id")
            continue
        if values["citation"] is not None:
            ctx.sources[source_id] = Source(source_id, values["citation"], values["where"])


@dataclass
class StageSpec:
    """A ``[[stage]]`` of course.toml, before its folder is read."""

    id: str
    number: int | None
    title: str | None
    nav_title: str | None
    folder: str | None
    minutes: dict[str, Timing]
    where: Where


def read_course_file(ctx: Context) -> tuple[str | None, list[Agenda], list[StageSpec]] | None:
    """Read course.toml: its title, agendas and stages, checking the timings add up.

    Args:
        ctx: the run.

    Returns:
        ``(title, agendas, stages)`` (parts with problems left out). When the file cannot be
        read or parsed (recorded), ``(None, [], stages)`` with one stage per lesson folder
        on disk, so each of them is still checked in the same run; None when there is no
        lesson folder either.
    """
    read = _read_toml(ctx, COURSE_FILE, "course.toml (the course's order and timings)",
                      "create lessons/course.toml with a title, [[agenda]] and [[stage]] "
                      "tables (see lessons/README.md)")
    if read is None:
        specs = _specs_from_folders(ctx)
        return (None, [], specs) if specs else None
    path, lines, data = read
    top = top_where(ctx, path, lines)
    title = schema.read(top, data, COURSE)["title"]
    agendas, agenda_wheres, agenda_ids = _read_agendas(
        ctx, path, lines, schema.items(top, data, COURSE, "agenda"))
    specs = _read_stages(ctx, path, lines, schema.items(top, data, COURSE, "stage"),
                         agenda_ids)
    lint.stage_numbers(specs)
    lint.agenda_minutes(agendas, specs, agenda_wheres)
    return title, agendas, specs


def _specs_from_folders(ctx: Context) -> list[StageSpec]:
    """One stand-in stage per lesson folder on disk, for when course.toml cannot be read."""
    where = Where(ctx, ctx.lessons_dir / COURSE_FILE)
    return [StageSpec(folder.name, None, None, None, folder.name, {}, where)
            for folder in lint.lesson_folders(ctx.lessons_dir)]


def _read_agendas(ctx: Context, path: Path, lines: tuple[str, ...], items: list[dict]):
    """The agendas without problems, their places, and every usable agenda id.

    An agenda with a problem in another field keeps its id in the last list, so the stages'
    ``minutes.<id>`` lines are not reported as naming an unknown agenda as well.
    """
    agendas: list[Agenda] = []
    wheres: dict[str, Where] = {}
    ids: list[str] = []
    for _, item, where in each_item(ctx, path, lines, "agenda", items):
        values = schema.read(where, item, AGENDA)
        agenda_id = values["id"]
        if agenda_id is not None and not ID.match(agenda_id):
            where.add("id", f"agenda id {agenda_id!r} is not a simple id",
                      "use lowercase letters, digits and '-', e.g. tutorial")
            continue
        if agenda_id is not None and agenda_id in ids:
            where.add("id", f"duplicate agenda id {agenda_id!r}", "give every agenda its own id")
            continue
        if agenda_id is not None:
            ids.append(agenda_id)
        agenda = schema.build(Agenda, values)
        if agenda is not None:
            agendas.append(agenda)
            wheres[agenda_id] = where
    return agendas, wheres, ids


def _read_stages(ctx: Context, path: Path, lines: tuple[str, ...], items: list[dict],
                 agenda_ids: list[str]) -> list[StageSpec]:
    specs: list[StageSpec] = []
    seen_ids: set = set()
    seen_folders: set = set()
    for index, item, where in each_item(ctx, path, lines, "stage", items):
        values = schema.read(where, item, STAGE)
        stage_id = _unique_stage_id(where, values["id"], seen_ids)
        folder = _unique_folder(where, values["folder"], seen_folders)
        seen_ids.add(stage_id)
        seen_folders.add(folder)
        minutes = _read_stage_minutes(where, item, agenda_ids)
        # A stage whose id has a problem (recorded) is kept under a stand-in name: its folder
        # is still read and its minutes still count towards the agendas' sums.
        name = stage_id if stage_id is not None else values["id"] or folder or f"#{index + 1}"
        specs.append(StageSpec(name, values["number"], values["title"],
                               values["nav_title"], folder, minutes, where))
    return specs


def _unique_stage_id(where: Where, stage_id: str | None, seen: set) -> str | None:
    if stage_id is not None and not ID.match(stage_id):
        where.add("id", f"stage id {stage_id!r} cannot be a URL path",
                  "use lowercase letters, digits and '-', e.g. wrap-up")
        stage_id = None
    if stage_id in seen:
        where.add("id", f"duplicate stage id {stage_id!r}", "give every stage its own id")
        stage_id = None
    return stage_id


def _unique_folder(where: Where, folder: str | None, seen: set) -> str | None:
    if folder is not None and not FOLDER.match(folder):
        where.add("folder", f"folder {folder!r} must be a plain folder name inside lessons/",
                  'write folder = "03-model" (no slashes, no "..")')
        folder = None
    if folder in seen:
        where.add("folder", f"folder {folder!r} is used by two stages",
                  "give every stage its own folder")
        folder = None
    return folder


def _read_stage_minutes(where: Where, item: dict, agenda_ids: list[str]) -> dict[str, Timing]:
    minutes = item.get("minutes")
    example = "minutes.tutorial = { teaching = 5, exercise = 5 }"
    if not isinstance(minutes, dict):
        where.add("minutes", "missing per-agenda minutes" if minutes is None
                  else f"'minutes' must be a table, found {show(minutes)}",
                  f"add one line per agenda, e.g. {example}")
        return {}
    timings = {}
    for agenda_id, value in minutes.items():
        if agenda_id not in agenda_ids:
            where.add(f"minutes.{agenda_id}", f"unknown agenda {agenda_id!r}"
                      f"{did_you_mean(agenda_id, agenda_ids)}",
                      f"use one of the [[agenda]] ids: {', '.join(agenda_ids)}")
            continue
        sub = where.sub(f"minutes.{agenda_id}", key=f"minutes.{agenda_id}")
        if not isinstance(value, dict):
            sub.add("", f"must be a table of teaching and exercise minutes, found {show(value)}",
                    f"write {example}")
            continue
        timing = schema.build(Timing, schema.read(sub, value, STAGE_MINUTES))
        if timing is not None:
            timings[agenda_id] = timing
    for agenda_id in agenda_ids:
        if agenda_id not in minutes:
            where.add(f"minutes.{agenda_id}", f"no timing for agenda {agenda_id!r}",
                      f"add minutes.{agenda_id} = {{ teaching = 5, exercise = 5 }}")
    return timings
