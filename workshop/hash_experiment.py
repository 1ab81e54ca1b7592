"""The room experiment "Same hashes on your machine?": parse what learners report, count it.

A learner runs the reproducible pipeline on their own laptop
(``case-study run --pipeline reproducible --out DIR``) and pastes the manifest's
prediction hash, or the whole ``manifest.json``. :func:`parse_report` turns either into a
``HashReport`` (refusing anything else with a ``HashReportError`` that says what is wrong);
:func:`summarise` counts the room's reports: distinct hashes, grouped by the platform,
Python, NumPy and BLAS the manifests record, and how many match the server's own hash.

Pure functions: no Streamlit, no database, no case-study import (its manifest schema is
mirrored in the constants below and checked against it by the tests).
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from workshop.errors import HashReportError
from workshop.progress.model import HashReport

__all__ = ["HashCount", "HashGroup", "HashReport", "RoomHashes", "parse_report", "summarise"]

# What ``case_study.run_manifest`` writes (MANIFEST_VERSION, the reproducible pipeline).
MANIFEST_VERSION = 1
PIPELINE = "reproducible"
HASH_FIELD = "predictions_sha256"
SEED = 42  # case_study.pipelines.DEFAULT_SEED: the seed the server's own run uses
REQUIRED_KEYS = ("manifest_version", "pipeline", "data_sha256", "code_version", "params",
                 "seed", "environment", "metrics", "model_sha256", HASH_FIELD)
_HASH_KEYS = ("data_sha256", "model_sha256", HASH_FIELD)
_OBJECT_KEYS = ("code_version", "params", "environment", "metrics")
# The take-home archive installs the ``case-study`` command (``pip install .``); in a clone
# of the repository, ``python -m case_study`` is the same program.
RUN_COMMAND = "case-study run --pipeline reproducible --out runs/mine"
# A manifest is about 3 KB; anything much larger is not one.
MAX_REPORT_BYTES = 64 * 1024
# Longest environment text kept (platform strings are about 60 characters).
MAX_FIELD = 200
NOT_RECORDED = "(not recorded)"
_SHA256 = re.compile(r"[0-9a-fA-F]{64}")
_EXPECTED = "Paste the 64-character predictions_sha256 or the whole manifest.json"


@dataclass(frozen=True)
class HashCount:
    """One distinct prediction hash and how many learners reported it."""

    sha256: str
    count: int
    matches_server: bool


@dataclass(frozen=True)
class HashGroup:
    """The reports of one environment (platform, Python, NumPy, BLAS) and their hashes."""

    platform: str
    python: str
    numpy: str
    blas: str
    hashes: tuple[HashCount, ...]

    @property
    def reports(self) -> int:
        """How many learners reported from this environment."""
        return sum(entry.count for entry in self.hashes)


@dataclass(frozen=True)
class RoomHashes:
    """The room's prediction hashes beside the server's.

    ``hashes`` is most reported first; ``groups`` is sorted by environment.
    """

    server_hash: str | None
    reports: int
    matching: int
    hashes: tuple[HashCount, ...]
    groups: tuple[HashGroup, ...]

    @property
    def distinct(self) -> int:
        """How many different prediction hashes the room produced."""
        return len(self.hashes)

    def rows(self) -> list[dict]:
        """One table row per (environment, hash): what the room view shows."""
        return [
            {"platform": group.platform, "python": group.python, "numpy": group.numpy,
             "blas": group.blas, "prediction hash": entry.sha256, "learners": entry.count,
             "same as server": entry.matches_server}
            for group in self.groups for entry in group.hashes
        ]


def _text(value: object, field: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise HashReportError(
            f"The run manifest's {field} must be text; found {type(value).__name__} "
            f"{value!r:.60}. {_EXPECTED}, unedited, as `case-study run` wrote it.")
    return value.strip()[:MAX_FIELD] or None


def blas_summary(pools: object) -> str | None:
    """``"openblas 0.3.27 (pthreads, 8 threads)"`` from a manifest's ``environment.blas``.

    Args:
        pools: the list of thread pools ``threadpoolctl`` reported (None if not recorded).

    Returns:
        The BLAS libraries, joined with "; ", or None when none is recorded.

    Raises:
        HashReportError: ``pools`` is not a list of objects.
    """
    if pools is None:
        return None
    if not isinstance(pools, list) or not all(isinstance(pool, dict) for pool in pools):
        raise HashReportError(
            "The run manifest's environment.blas must be a list of objects; found "
            f"{pools!r:.60}. {_EXPECTED}, unedited, as `case-study run` wrote it.")
    names = []
    for pool in pools:
        if pool.get("user_api") not in (None, "blas"):
            continue
        detail = ", ".join(str(part) for part in (
            pool.get("threading_layer"),
            None if pool.get("num_threads") is None else f"{pool['num_threads']} threads")
            if part)
        name = f"{pool.get('internal_api', 'blas')} {pool.get('version') or '?'}"
        names.append(f"{name} ({detail})" if detail else name)
    return _text("; ".join(dict.fromkeys(names)), "environment.blas")


def _check_keys(manifest: dict) -> None:
    """The keys every manifest has, with their types (a manifest ``case-study run`` wrote)."""
    missing = [key for key in REQUIRED_KEYS if key not in manifest]
    if missing:
        raise HashReportError(
            f"The run manifest lacks {', '.join(missing)}, so it is not a manifest "
            f"`case-study run` wrote (it records every one). {_EXPECTED}, unedited.")
    for key in _HASH_KEYS:
        value = manifest[key]
        if not isinstance(value, str) or not _SHA256.fullmatch(value):
            raise HashReportError(
                f"The run manifest's {key} must be a 64-character hexadecimal SHA-256; "
                f"found {value!r:.80}. Paste the manifest.json exactly as `case-study run` "
                "wrote it.")
    for key in _OBJECT_KEYS:
        if not isinstance(manifest[key], dict):
            raise HashReportError(
                f"The run manifest's {key} must be a JSON object; found "
                f"{manifest[key]!r:.60}. {_EXPECTED}, unedited.")


def _from_manifest(manifest: object) -> HashReport:
    """The hash and environment of a decoded manifest, checked field by field."""
    if not isinstance(manifest, dict):
        raise HashReportError(
            f"A run manifest is a JSON object {{…}}; this JSON is a {type(manifest).__name__}. "
            f"{_EXPECTED}.")
    version = manifest.get("manifest_version")
    if type(version) is not int or version != MANIFEST_VERSION:
        raise HashReportError(
            f"This is not a run manifest of version {MANIFEST_VERSION} (manifest_version is "
            f"{version!r:.40}). {_EXPECTED} written by `case-study run`.")
    if manifest.get("pipeline") != PIPELINE:
        raise HashReportError(
            f"This manifest is from the {manifest.get('pipeline')!r:.40} pipeline; the "
            f"experiment compares the reproducible one. Run `{RUN_COMMAND}` and paste that.")
    _check_keys(manifest)
    seed = manifest["seed"]
    if type(seed) is not int or seed != SEED:
        raise HashReportError(
            f"This run used seed {seed!r:.40}; the room compares runs with the default seed "
            f"{SEED} (another seed trains another model). Run `{RUN_COMMAND}` without "
            "--seed and paste that.")
    env = manifest["environment"]
    packages = env.get("packages", {})
    if not isinstance(packages, dict):
        raise HashReportError(
            "The run manifest's environment.packages must be a JSON object; found "
            f"{packages!r:.60}.")
    return HashReport(manifest[HASH_FIELD].lower(),
                      _text(env.get("platform"), "environment.platform"),
                      _text(env.get("python"), "environment.python"),
                      _text(packages.get("numpy"), "environment.packages.numpy"),
                      blas_summary(env.get("blas")))


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON number")


def parse_report(text: str | bytes) -> HashReport:
    """What a learner pasted or uploaded: a bare SHA-256 or a run manifest's JSON.

    Args:
        text: a 64-hex-character hash (any case, surrounding whitespace allowed), or the
            text of a ``manifest.json`` written by ``case-study run --pipeline
            reproducible`` (at most 64 KB; unknown fields are ignored). Bytes must be UTF-8.

    Returns:
        The report, its hash in lower case; platform, Python, NumPy and BLAS come from the
        manifest (None for a bare hash).

    Raises:
        HashReportError: empty, too large, not UTF-8, neither a hash nor JSON, or a JSON
            document that is not a reproducible run manifest; the message says which.
    """
    if isinstance(text, bytes | bytearray):
        if len(text) > MAX_REPORT_BYTES:
            raise HashReportError(_too_large(len(text)))
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError:
            raise HashReportError(
                f"That file is not UTF-8 text, so it is not a run manifest. {_EXPECTED}."
            ) from None
    if not isinstance(text, str) or not text.strip():
        raise HashReportError(f"Nothing to compare yet. {_EXPECTED}.")
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_REPORT_BYTES:
        raise HashReportError(_too_large(size))
    stripped = text.strip()
    if _SHA256.fullmatch(stripped):
        return HashReport(stripped.lower())
    if not stripped.startswith(("{", "[")):
        raise HashReportError(
            "That is not a SHA-256 (64 hexadecimal characters) nor a run manifest: it has "
            f"{len(stripped)} characters{_why_not_hex(stripped)}. {_EXPECTED}.")
    try:
        manifest = json.loads(stripped, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as error:
        where = (f" ({error.msg} at line {error.lineno}, column {error.colno})"
                 if isinstance(error, json.JSONDecodeError) else f" ({error})")
        raise HashReportError(
            "That is not a SHA-256 (64 hexadecimal characters) nor a run manifest: it is "
            f"not valid JSON{where}. {_EXPECTED}.") from None
    return _from_manifest(manifest)


def _too_large(size: int) -> str:
    return (f"That is {size:,} bytes; a run manifest is a few KB and at most "
            f"{MAX_REPORT_BYTES // 1024} KB is read. {_EXPECTED}.")


def _why_not_hex(text: str) -> str:
    odd = sorted({char for char in text if char not in "0123456789abcdefABCDEF"})
    if not odd:
        return ", not 64"
    shown = "".join(odd[:5])
    return f" and some are not hexadecimal ({shown!r})"


def summarise(reports: Iterable[HashReport], server_hash: str | None) -> RoomHashes:
    """Count the room's reports: distinct hashes, per environment, and matches with the server.

    Args:
        reports: one per learner (the store keeps each learner's latest).
        server_hash: the prediction hash the server's own reproducible run gave (None if
            it could not be computed: then nothing counts as matching).

    Returns:
        The summary; an environment a bare hash does not record reads "(not recorded)".
    """
    server = server_hash.lower() if server_hash else None
    reports = list(reports)
    overall = Counter(report.prediction_sha256 for report in reports)
    by_environment: dict[tuple[str, str, str, str], Counter] = defaultdict(Counter)
    for report in reports:
        key = tuple(value or NOT_RECORDED for value in (
            report.platform, report.python, report.numpy, report.blas))
        by_environment[key][report.prediction_sha256] += 1  # type: ignore[index]
    return RoomHashes(
        server_hash=server,
        reports=len(reports),
        matching=overall.get(server, 0) if server else 0,
        hashes=_counted(overall, server),
        groups=tuple(HashGroup(*key, hashes=_counted(counts, server))
                     for key, counts in sorted(by_environment.items())),
    )


def _counted(counts: Counter, server: str | None) -> tuple[HashCount, ...]:
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return tuple(HashCount(sha, count, sha == server) for sha, count in ordered)
