"""The safe walk on hostile folders: links out of the root, huge and binary files, odd
names, FIFOs, skipped folders, the file-count limit, and folders that cannot be audited."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import pytest

from workshop.audit.cli import main
from workshop.audit.items import run_audit
from workshop.audit.walk import (
    BINARY,
    TEXT,
    TOO_LARGE,
    UnusableFolder,
    display,
    read_text,
    walk_project,
)

UNSEEDED = "from sklearn.model_selection import train_test_split\na, b = train_test_split(X)\n"


@pytest.fixture
def hostile(tmp_path) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.py").write_text(UNSEEDED)
    (root / "train.py").write_text("x = 1\n")
    (root / "etc").symlink_to("/etc")
    (root / "secret_link.py").symlink_to(outside / "secret.py")
    (root / "inside_link.py").symlink_to(root / "train.py")
    (root / "loop").symlink_to(root)
    (root / "big.py").write_text(UNSEEDED + "#" * (5 * 1024 * 1024))
    (root / "blob.py").write_bytes(UNSEEDED.encode() + b"\0\0binary")
    (root / "broken.ipynb").write_text('{"cells": [')
    (root / "syntax.py").write_text("def broken(:\n")
    (root / "we`ird | name.py").write_text(UNSEEDED)
    (root / "new\nline.py").write_text("y = 2\n")
    os.mkfifo(root / "pipe.csv")
    for skipped in (".git", ".venv", "node_modules", "__pycache__"):
        (root / skipped).mkdir()
        (root / skipped / "hidden.py").write_text(UNSEEDED)
    return root


def test_hostile_folder_lists_only_safe_files(hostile):
    walk = walk_project(hostile)
    kinds = {entry.rel: entry.kind for entry in walk.files}
    assert kinds == {"big.py": TOO_LARGE, "blob.py": BINARY, "broken.ipynb": TEXT,
                     "new\\nline.py": TEXT, "syntax.py": TEXT, "train.py": TEXT,
                     "we`ird | name.py": TEXT}
    reasons = {s.rel: s.reason for s in walk.skipped}
    assert reasons["etc"] == "symbolic link leading outside the folder"
    assert reasons["secret_link.py"] == "symbolic link leading outside the folder"
    assert reasons["loop"] == "symbolic link not followed"
    assert reasons["inside_link.py"] == "symbolic link inside the folder, not followed"
    assert reasons["pipe.csv"] == "not a regular file"
    assert reasons["big.py"] == "content not read: larger than the size limit"
    assert reasons["blob.py"] == "content not read: binary (holds NUL bytes)"
    assert read_text(next(e for e in walk.files if e.rel == "big.py")) is None


def test_hostile_folder_audit_reads_nothing_it_should_not(hostile):
    done = threading.Event()
    outcome = {}

    def audit():
        outcome["audit"] = run_audit(hostile)
        done.set()

    threading.Thread(target=audit, daemon=True).start()
    assert done.wait(60), "the audit hung (a FIFO opened for reading?)"
    results = {item.id: f for item, f in outcome["audit"].results}
    seeds = results["seeded-randomness"]
    # Only the oddly named file is read; the outside file, the big and binary ones and
    # the skipped folders never contribute, and the syntax error and broken notebook are
    # reported, not raised.
    assert [(e.path, e.line) for e in seeds.evidence] == [("we`ird | name.py", 2)]
    unparsed = {e.path: e.text for e in results["fit-after-split"].evidence}
    assert unparsed["broken.ipynb"] == "notebook not read: not valid JSON (JSONDecodeError)"
    assert unparsed["syntax.py"].startswith("does not parse")


def test_hostile_folder_reports_cleanly_in_both_formats(hostile, capsys):
    assert main([str(hostile)]) == 1
    out = capsys.readouterr().out
    assert "- `` we`ird | name.py:2 `` — " in out
    assert "- ` etc ` — symbolic link leading outside the folder" in out
    assert main([str(hostile), "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert {"path": "secret_link.py", "reason": "symbolic link leading outside the folder"} \
        in data["skipped"]


def test_non_utf8_file_names_are_escaped(tmp_path):
    name = os.fsencode(tmp_path) + b"/caf\xe9.py"
    with open(name, "wb") as handle:
        handle.write(UNSEEDED.encode())
    walk = walk_project(tmp_path)
    assert [entry.rel for entry in walk.files] == ["caf\\udce9.py"]
    assert display("a\tb\x1b") == "a\\tb\\x1b"


def test_file_count_limit_stops_the_walk(tmp_path):
    for index in range(5):
        (tmp_path / f"f{index}.txt").write_text("x")
    walk = walk_project(tmp_path, max_files=3)
    assert walk.truncated and len(walk.files) == 3


def test_total_size_limit_lists_later_files_without_reading_them(tmp_path):
    for name in ("a.py", "b.py", "c.py"):
        (tmp_path / name).write_text("x" * 100)
    walk = walk_project(tmp_path, max_total_bytes=250)
    assert [(e.rel, e.kind) for e in walk.files] == [("a.py", TEXT), ("b.py", TEXT),
                                                     ("c.py", TOO_LARGE)]
    assert [(s.rel, s.reason) for s in walk.skipped] == [
        ("c.py", "content not read: over the total size limit")]


def test_deeply_nested_code_is_reported_not_raised(tmp_path):
    (tmp_path / "deep.py").write_text("x = " + " + ".join(["a"] * 600) + "\n")
    results = {item.id: f for item, f in run_audit(tmp_path).results}
    assert [(e.path, e.text) for e in results["seeded-randomness"].evidence] == [
        ("deep.py", "does not parse: too deeply nested to read")]


def test_undecodable_bytes_are_replaced_not_raised(tmp_path):
    (tmp_path / "latin.py").write_bytes(b"name = 'caf\xe9'\n")
    entry = walk_project(tmp_path).files[0]
    assert read_text(entry) == "name = 'caf\ufffd'\n"


@pytest.mark.parametrize("make", ["missing", "file"])
def test_unusable_roots_raise(tmp_path, make):
    target = tmp_path / "x"
    if make == "file":
        target.write_text("")
    with pytest.raises(UnusableFolder):
        walk_project(target)


def test_a_symlinked_root_is_audited_at_its_target(tmp_path):
    real = tmp_path / "real"
    real.mkdir()
    (real / "a.py").write_text("x = 1\n")
    (tmp_path / "link").symlink_to(real)
    walk = walk_project(tmp_path / "link")
    assert walk.root == real.resolve() and [e.rel for e in walk.files] == ["a.py"]
