"""One pass over a project: the safe walk, file texts, and every Python file's facts.

The item judges read only this; nothing here imports or runs project code. Sources are kept
in path order with test files last, so evidence from the project's own code comes first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from workshop.audit.model import Evidence, clip
from workshop.audit.notebooks import NotebookCode, NotebookError, notebook_code
from workshop.audit.python_source import Facts, analyse
from workshop.audit.walk import Entry, UnusableFolder, Walk, read_text, walk_project


@dataclass
class Source:
    """One parsed Python file or notebook: its facts and how to cite its lines."""

    entry: Entry
    facts: Facts
    lines: list[str]
    notebook: NotebookCode | None = None

    def cite(self, line: int, note: str) -> Evidence:
        """Evidence for ``line`` of this source: the note and the code on that line."""
        code = self.lines[line - 1].strip() if 1 <= line <= len(self.lines) else ""
        text = clip(f"{note}: {code}" if code else note)
        if self.notebook is None:
            return Evidence(self.entry.rel, line, text)
        cell, cell_line = self.notebook.locate(line)
        return Evidence(self.entry.rel, cell_line, text, cell=cell)

    @property
    def is_test(self) -> bool:
        """A test file: ``test_*.py``, ``*_test.py``, or a ``.py`` file under ``tests/``."""
        parts = self.entry.rel.lower().split("/")
        name = parts[-1]
        return name.endswith(".py") and (name.startswith("test_") or name.endswith("_test.py")
                                         or "tests" in parts[:-1] or "test" in parts[:-1])


@dataclass
class Scan:
    """The audited folder read once: walk, texts, parsed sources and files that did not parse."""

    walk: Walk
    sources: list[Source] = field(default_factory=list)
    unparsed: list[Evidence] = field(default_factory=list)
    _texts: dict[str, str | None] = field(default_factory=dict)

    def text(self, entry: Entry) -> str | None:
        """The file's text (read once, cached), or None when it is not a readable text file."""
        if entry.rel not in self._texts:
            self._texts[entry.rel] = read_text(entry)
        return self._texts[entry.rel]

    def texts(self, *suffixes: str):
        """``(entry, text)`` for every readable text file, optionally by name suffix."""
        for entry in self.walk.text_files(*suffixes):
            text = self.text(entry)
            if text is not None:
                yield entry, text


def _source(scan: Scan, entry: Entry, text: str) -> None:
    notebook = None
    try:
        if entry.name.endswith(".ipynb"):
            notebook = notebook_code(text)
            for cell in notebook.bad_cells:
                scan.unparsed.append(Evidence(entry.rel, None, "cell does not parse", cell=cell))
            text = notebook.source
        facts = analyse(text)
    except NotebookError as error:
        scan.unparsed.append(Evidence(entry.rel, None, f"notebook not read: {error}"))
        return
    except SyntaxError as error:
        where = error.lineno if isinstance(error.lineno, int) else None
        scan.unparsed.append(Evidence(entry.rel, where, clip(f"does not parse: {error.msg}")))
        return
    scan.sources.append(Source(entry, facts, text.splitlines(), notebook))


def scan_project(root: Path | str, **limits) -> Scan:
    """Walk a project folder and parse every Python file and notebook in it.

    Args:
        root: the folder to audit.
        **limits: ``max_file_bytes`` and ``max_files`` for :func:`walk_project`.

    Returns:
        The :class:`Scan`.

    Raises:
        UnusableFolder: the folder cannot be audited.
    """
    scan = Scan(walk_project(root, **limits))
    if not scan.walk.files:
        raise UnusableFolder(f"{root} holds no files to audit")
    for entry, text in scan.texts(".py", ".ipynb"):
        _source(scan, entry, text)
    scan.sources.sort(key=lambda source: (source.is_test, source.entry.rel))
    return scan
