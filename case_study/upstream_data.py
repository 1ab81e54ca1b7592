"""A simulated upstream update of the loan data, and the schema check that misses it.

Stage 2's story (``stage2_data``) uses both: :func:`write_upstream_update` writes a re-coded
copy of ``german.data`` (never into ``data/raw/``), and :func:`schema_check` — columns,
dtypes, rows, only documented codes — still passes on it. Only a content hash notices.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from case_study import codes, data, paths
from case_study.errors import RawDirectoryError

# The upstream "correction": attribute 1's codes renumbered so "no checking account" is first.
RECODED_COLUMN = "checking_status"
UPSTREAM_RECODING: dict[str, str] = {"A14": "A11", "A11": "A12", "A12": "A13", "A13": "A14"}


def recode_german_credit(
    raw: bytes, column: str = RECODED_COLUMN, recoding: dict[str, str] | None = None
) -> bytes:
    """Return a copy of the raw file with one attribute's codes renumbered.

    Parameters: ``raw`` the bytes of ``german.data``; ``column`` which attribute;
    ``recoding`` old code → new code (default: ``UPSTREAM_RECODING``). Every other byte —
    separators, line endings, other columns — is kept, so only the meaning moves.
    Returns the new bytes.
    """
    recoding = UPSTREAM_RECODING if recoding is None else recoding
    position = codes.COLUMNS.index(column)
    lines = raw.decode("ascii").split("\n")
    out = []
    for line in lines:
        fields = line.split(" ")
        if len(fields) > position and fields[position] in recoding:
            fields[position] = recoding[fields[position]]
        out.append(" ".join(fields))
    return "\n".join(out).encode("ascii")


def write_upstream_update(directory: Path, raw_dir: Path = paths.RAW_DIR) -> Path:
    """Write the "corrected upstream" ``german.data`` into ``directory``.

    Parameters: ``directory`` where to write (must not be the raw-data folder); ``raw_dir``
    where the verified original is. Returns the path of the written file.
    Raises RawDirectoryError when ``directory`` is ``data/raw/``: raw data is never written.
    """
    directory = Path(directory)
    if directory.resolve() == paths.RAW_DIR.resolve():
        raise RawDirectoryError(
            f"Refusing to write into {paths.RAW_DIR}: raw data is read-only. Pass a temporary "
            "directory (tempfile.TemporaryDirectory()) for derived copies."
        )
    original = data.read_verified_bytes(paths.GERMAN_CREDIT, raw_dir)
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / paths.GERMAN_CREDIT
    target.write_bytes(recode_german_credit(original))
    return target


@dataclass(frozen=True)
class SchemaCheck:
    """Same columns, same dtypes, same row count, only documented codes?"""

    passed: bool
    problems: tuple[str, ...]
    columns: int
    rows: int


def schema_check(raw_file: Path, reference: Path) -> SchemaCheck:
    """Compare a raw file's shape with a reference's: the check many pipelines rely on.

    Parameters: ``raw_file`` the file to check; ``reference`` a known-good copy.
    Returns a :class:`SchemaCheck`: it passes when both have the same column names, the
    same dtypes, the same number of rows and only codes the documentation defines. It does
    not look at which row has which value — that is what a content hash is for.
    """
    new = pd.read_csv(raw_file, sep=" ", header=None, names=list(codes.COLUMNS))
    old = pd.read_csv(reference, sep=" ", header=None, names=list(codes.COLUMNS))
    problems = []
    if list(new.columns) != list(old.columns):
        problems.append(f"columns: expected {list(old.columns)}, found {list(new.columns)}")
    if len(new) != len(old):
        problems.append(f"rows: expected {len(old)}, found {len(new)}")
    for column in old.columns:
        if column in new.columns and str(new[column].dtype) != str(old[column].dtype):
            problems.append(
                f"dtype of {column}: expected {old[column].dtype}, found {new[column].dtype}"
            )
    for column, meanings in codes.CODE_MEANINGS.items():
        undocumented = sorted(set(new[column].astype(str)) - set(meanings))
        if undocumented:
            problems.append(f"undocumented codes in {column}: {undocumented}")
    return SchemaCheck(
        passed=not problems, problems=tuple(problems), columns=new.shape[1], rows=len(new)
    )
