"""The loaded course, kept per lessons folder until a file it was built from changes.

Loading runs on every page, so telling "nothing changed" must cost next to nothing: one
``os.stat`` per lesson file and per module a check names, found in one scan of the lessons
folder, and no file reads. A file's fingerprint is its size, mtime_ns, ctime_ns, inode and
device (ctime counts too: tools that restore an old mtime, such as ``cp -p`` or
``rsync -t``, cannot set it). An added or removed file or folder changes the folder
listing, and a module added to ``case_study`` or ``workshop`` changes which names resolve.

Stat alone can miss an edit: timestamps only advance once per filesystem tick (a few ms on
ext4, up to 2 s on FAT), so a same-size rewrite within the tick of our read looks
unchanged (git's "racily clean" files). A file whose newer timestamp was that recent when
the entry was last verified is therefore compared by content as well; once it is old
enough, stat suffices again.

The cache also remembers, per folder, the last course that loaded (:func:`last_good`), so
a server can keep teaching from it while a later edit of the lessons is broken.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from case_study import paths

RACY_NS = 3_000_000_000
PACKAGES = ("case_study", "workshop")
WATCHED_SUFFIXES = (".toml", ".md")

Fingerprint = tuple  # (size, mtime_ns, ctime_ns, inode, device)
# What a build returns: the course (or None), its problems, and each module file a check
# names with the digest of the bytes the build read (None: unread).
Built = tuple[object, list, dict[str, str | None]]


def digest_bytes(data: bytes) -> str:
    """A short content digest."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def digest_file(path: str) -> str | None:
    """A file's content digest, or None when it cannot be read."""
    try:
        return digest_bytes(Path(path).read_bytes())
    except OSError:
        return None


def fingerprint(path: str) -> Fingerprint | None:
    """``(size, mtime_ns, ctime_ns, inode, device)``, or None for a missing file."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino, info.st_dev)


def _recent(stat: Fingerprint | None, since_ns: int) -> bool:
    """Whether a file's newest timestamp is too close to ``since_ns`` for stat alone."""
    return stat is not None and max(stat[1], stat[2]) >= since_ns - RACY_NS


def scan_lessons(lessons_dir: Path) -> tuple[dict[str, Fingerprint | None], tuple[str, ...]]:
    """Fingerprints of the lessons folder's .toml/.md files and its stage folders' ones.

    Also the names of every entry there, so an added or removed file or folder counts.
    """
    if not lessons_dir.is_dir():
        return {}, ("missing",)
    stats: dict[str, Fingerprint | None] = {}
    listing: list[str] = []
    stack = [lessons_dir]
    while stack:
        folder = stack.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            listing.append(f"{folder}\0unreadable")
            continue
        for entry in entries:
            listing.append(entry.path)
            if entry.is_dir() and folder == lessons_dir:
                stack.append(Path(entry.path))
            elif entry.is_file() and entry.name.endswith(WATCHED_SUFFIXES):
                stats[entry.path] = fingerprint(entry.path)
    return stats, tuple(listing)


def package_listings() -> tuple:
    """The files of each package a check may name a module in."""
    listings = []
    for package in PACKAGES:
        try:
            listings.append(tuple(sorted(os.listdir(paths.PROJECT_ROOT / package))))
        except OSError:
            listings.append(None)
    return tuple(listings)


@dataclass
class Entry:
    """One folder's cached result and what it was built from."""

    lesson_stats: dict[str, Fingerprint | None]
    listing: tuple[str, ...]
    module_stats: dict[str, Fingerprint | None]
    package_listings: tuple
    digests: dict[str, str | None]  # files too recent for stat alone -> content digest
    verified_ns: int  # wall clock just before the files were last found unchanged
    course: object
    problems: tuple


_CACHE: dict[str, Entry] = {}
# Per folder: the last course that loaded, and when (time.time()).
_LAST_GOOD: dict[str, tuple[object, float]] = {}
_LOCK = threading.Lock()


def _unchanged(entry: Entry, lesson_stats: dict, listing: tuple, now_ns: int) -> bool:
    """Whether every watched file and folder is as the cached course was built from."""
    if lesson_stats != entry.lesson_stats or listing != entry.listing:
        return False
    module_stats = {path: fingerprint(path) for path in entry.module_stats}
    if module_stats != entry.module_stats or package_listings() != entry.package_listings:
        return False
    recent = [path for path, stat in (*lesson_stats.items(), *module_stats.items())
              if _recent(stat, entry.verified_ns)]
    if any(digest_file(path) != entry.digests.get(path) for path in recent):
        return False
    if recent:
        # Content confirmed as of ``now_ns``: an edit from now on moves the timestamps.
        with _LOCK:
            entry.verified_ns = max(entry.verified_ns, now_ns)
    return True


def cached(lessons_dir: Path | str, build: Callable[[Path], Built]) -> tuple[object, tuple]:
    """``build(folder)``'s course and problems, rebuilt only when a watched file changed.

    Args:
        lessons_dir: the lessons folder (resolved; the cache key).
        build: builds the course from the folder: ``(course, problems, module files)``.

    Returns:
        ``(course or None, problems)``: the very same objects while nothing changed.
    """
    folder = Path(lessons_dir).resolve()
    key = str(folder)
    # Taken before any stat or read: whatever changes after it gets a newer timestamp.
    now_ns = time.time_ns()
    lesson_stats, listing = scan_lessons(folder)
    with _LOCK:
        hit = _CACHE.get(key)
    if hit is not None and _unchanged(hit, lesson_stats, listing, now_ns):
        return hit.course, hit.problems
    # Recorded before the build reads anything, so an edit during the build is seen next
    # time; modules are known only after it, so theirs are the digests the build read.
    digests = {path: digest_file(path) for path, stat in lesson_stats.items()
               if _recent(stat, now_ns)}
    listings = package_listings()
    course, problems, module_files = build(folder)
    module_stats = {path: fingerprint(path) for path in sorted(module_files)}
    digests.update({path: module_files[path] for path, stat in module_stats.items()
                    if _recent(stat, now_ns)})
    entry = Entry(lesson_stats, listing, module_stats, listings, digests, now_ns,
                  course, tuple(problems))
    with _LOCK:
        _CACHE[key] = entry
        if course is not None:
            _LAST_GOOD[key] = (course, time.time())
    return course, entry.problems


def last_good(lessons_dir: Path | str) -> tuple[object, float] | None:
    """The last course that loaded from this folder in this process, and when.

    Args:
        lessons_dir: the lessons folder (resolved, as :func:`cached` keys it).

    Returns:
        ``(course, loaded_at)`` with ``loaded_at`` from ``time.time()``, or None when no
        build of this folder has produced a course yet.
    """
    with _LOCK:
        return _LAST_GOOD.get(str(Path(lessons_dir).resolve()))


def clear() -> None:
    """Forget every cached course and every last good one (the next load reads the files)."""
    with _LOCK:
        _CACHE.clear()
        _LAST_GOOD.clear()
