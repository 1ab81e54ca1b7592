"""The backend interface: the SQLite backend offers exactly what ``ProgressBackend``
promises, and its operations behave as the store relies on."""

from __future__ import annotations

import inspect
from datetime import UTC, datetime

from workshop.progress.backend import ProgressBackend
from workshop.progress.model import HINT, NOT_ATTEMPTED, ProgressChange
from workshop.progress.sqlite import STORE_FILENAME, SQLiteBackend

T0 = datetime(2025, 3, 1, 9, 0, 0, tzinfo=UTC)


def _protocol_methods() -> dict[str, inspect.Signature]:
    return {name: inspect.signature(member)
            for name, member in vars(ProgressBackend).items()
            if callable(member) and not name.startswith("_")}


def test_sqlite_backend_has_every_protocol_method_with_its_signature():
    """Every operation the store may call exists on SQLiteBackend, with the same
    parameters, so a second backend can be checked the same way."""
    methods = _protocol_methods()
    assert set(methods) == {
        "add_learner", "set_display_name", "touch", "record", "learner", "progress_for",
        "all_learners", "all_progress", "events_since", "export", "close",
        "record_failure", "failures", "set_policy_tick", "policy_ticks",
        "report_hash", "hash_reports"}
    for name, signature in methods.items():
        implemented = inspect.signature(getattr(SQLiteBackend, name))
        assert list(implemented.parameters) == list(signature.parameters), name


def test_sqlite_backend_operations(tmp_path):
    """A taken code is refused without a write; export of an unknown code has no learner;
    the backend's warnings and location are there for the store."""
    backend: ProgressBackend = SQLiteBackend(tmp_path, now=lambda: T0)
    assert backend.location == str(tmp_path / STORE_FILENAME)
    assert backend.warnings == []
    first = backend.add_learner("2222-3333", "Ann")
    assert (first.code, first.display_name, first.created_at) == ("2222-3333", "Ann", T0)
    assert backend.add_learner("2222-3333", "Bo") is None
    assert [learner.display_name for learner in backend.all_learners()] == ["Ann"]
    seen: list[str] = []

    def keep(previous: str) -> str:
        seen.append(previous)
        return previous

    row = backend.record(ProgressChange("2222-3333", "why", "q1", HINT, keep, hints_used=1))
    assert seen == [NOT_ATTEMPTED]
    assert (row.outcome, row.hints_used, row.updated_at) == (NOT_ATTEMPTED, 1, T0)
    exported = backend.export("4444-5555")
    assert (exported.learner, exported.progress, exported.events) == (None, [], [])
    assert [event.kind for event in backend.export("2222-3333").events] == [HINT]
    backend.close()
