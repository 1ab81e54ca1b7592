"""A safe walk over a team's project folder: nothing outside it, nothing huge, no binaries.

The root is resolved once. Symbolic links are never followed: a link to a folder or file
outside the root is reported as leading outside it, a link inside the root as not followed
(its target, when inside, is audited at its own path). Folders such as ``.git`` and
``.venv`` are not entered. Files larger than ``max_file_bytes`` (or past a total of
``max_total_bytes``) and files holding a NUL byte in their first block are listed (their
names still count, e.g. as data files) but their content is never read. Only regular files
are opened, without following links and without blocking (a FIFO or device would hang).
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from workshop.errors import UnusableFolder

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_FILES = 5000
MAX_TOTAL_BYTES = 64 * 1024 * 1024
SNIFF_BYTES = 8192
SKIP_DIRS = frozenset({
    ".git", ".hg", ".svn", ".venv", "venv", "env", "node_modules", "__pycache__", ".tox",
    ".nox", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".ipynb_checkpoints",
    "site-packages", ".eggs", "build", "dist",
})

TEXT, BINARY, TOO_LARGE = "text", "binary", "too_large"




@dataclass(frozen=True)
class Entry:
    """One file found in the project: its path relative to the root, size and kind."""

    rel: str
    path: Path
    size: int
    kind: str

    @property
    def name(self) -> str:
        """The file's own name, lower-cased."""
        return self.path.name.lower()


@dataclass(frozen=True)
class Skipped:
    """A path the walk did not read, and why."""

    rel: str
    reason: str


@dataclass
class Walk:
    """The result of a walk: files in a stable order, skipped paths, and whether it stopped."""

    root: Path
    files: list[Entry] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    truncated: bool = False
    budget: int = MAX_TOTAL_BYTES

    def text_files(self, *suffixes: str) -> list[Entry]:
        """The readable text files, optionally only those whose name ends in a suffix."""
        return [e for e in self.files if e.kind == TEXT
                and (not suffixes or e.name.endswith(tuple(s.lower() for s in suffixes)))]


def display(rel: str) -> str:
    """A relative path safe to print: control characters and odd bytes escaped."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in rel)


def _rel(root: Path, path: Path) -> str:
    return display(path.relative_to(root).as_posix())


def _inside(root: Path, target: Path) -> bool:
    return target == root or root in target.parents


def _read_regular(path: Path, limit: int) -> bytes:
    """Up to ``limit`` bytes of a regular file, never following a link or blocking on a FIFO.

    Raises:
        OSError: the path is a link, not a regular file (any more), or cannot be read.
    """
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    fd = os.open(path, flags)
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise OSError(f"{path.name} is not a regular file")
        return handle.read(limit)


def _classify(path: Path, size: int, max_file_bytes: int) -> str:
    if size > max_file_bytes:
        return TOO_LARGE
    return BINARY if b"\0" in _read_regular(path, SNIFF_BYTES) else TEXT


def _file(walk: Walk, path: Path, max_file_bytes: int) -> None:
    """Add one directory entry that is not a folder to ``walk``."""
    rel = _rel(walk.root, path)
    try:
        info = path.lstat()
        if stat.S_ISLNK(info.st_mode):
            target = path.resolve()
            if not _inside(walk.root, target):
                walk.skipped.append(Skipped(rel, "symbolic link leading outside the folder"))
                return
            walk.skipped.append(Skipped(rel, "symbolic link inside the folder, not followed"))
            return
        if not stat.S_ISREG(info.st_mode):
            walk.skipped.append(Skipped(rel, "not a regular file"))
            return
        budget = min(max_file_bytes, walk.budget)
        kind = _classify(path, info.st_size, budget)
    except (OSError, RuntimeError) as error:
        walk.skipped.append(Skipped(rel, f"unreadable ({error.__class__.__name__})"))
        return
    walk.files.append(Entry(rel, path, info.st_size, kind))
    if kind == TEXT:
        walk.budget -= info.st_size
    else:
        reason = ("binary (holds NUL bytes)" if kind == BINARY
                  else "larger than the size limit" if info.st_size > max_file_bytes
                  else "over the total size limit")
        walk.skipped.append(Skipped(rel, f"content not read: {reason}"))


def walk_project(root: Path | str, max_file_bytes: int = MAX_FILE_BYTES,
                 max_files: int = MAX_FILES, max_total_bytes: int = MAX_TOTAL_BYTES) -> Walk:
    """List the files of a project folder safely.

    Args:
        root: the folder to audit.
        max_file_bytes: files larger than this are listed but not read.
        max_files: stop after this many files (``Walk.truncated`` then says so).
        max_total_bytes: text files are read until their sizes add up to this; later ones
            are listed but not read.

    Returns:
        The :class:`Walk`, files sorted by relative path.

    Raises:
        UnusableFolder: ``root`` does not exist, is not a folder or cannot be listed.
    """
    given = Path(root)
    if not given.exists():
        raise UnusableFolder(f"{given} does not exist")
    resolved = given.resolve()
    if not resolved.is_dir():
        raise UnusableFolder(f"{given} is not a folder")
    if not os.access(resolved, os.R_OK | os.X_OK):
        raise UnusableFolder(f"{given} cannot be read")
    walk = Walk(resolved, budget=max_total_bytes)
    errors: list[OSError] = []
    for folder, dirs, names in os.walk(resolved, onerror=errors.append):
        if walk.truncated:
            break
        here = Path(folder)
        kept = []
        for name in sorted(dirs):
            sub = here / name
            if sub.is_symlink():
                outside = not _inside(resolved, sub.resolve())
                reason = "leading outside the folder" if outside else "not followed"
                walk.skipped.append(Skipped(_rel(resolved, sub), f"symbolic link {reason}"))
            elif name not in SKIP_DIRS:
                kept.append(name)
        dirs[:] = kept
        for name in sorted(names):
            if len(walk.files) >= max_files:
                walk.truncated = True
                break
            _file(walk, here / name, max_file_bytes)
    if errors and not walk.files and errors[0].filename == str(resolved):
        raise UnusableFolder(f"{given} cannot be read")
    walk.files.sort(key=lambda e: e.rel)
    return walk


def read_text(entry: Entry) -> str | None:
    """The text of a file the walk found readable (UTF-8, odd bytes replaced), or None."""
    if entry.kind != TEXT:
        return None
    try:
        data = _read_regular(entry.path, max(entry.size, 0) + 1)
    except OSError:
        return None
    return data.decode("utf-8", errors="replace")
