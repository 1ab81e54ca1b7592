"""Shared fixtures: the project root, a private data folder for every test that touches
learner progress, a fresh Streamlit cache where a test needs a cold one, and a throwaway
PostgreSQL server with one empty database per test that asks for it."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# The Stage 5 test modules share the data, run, baseline and deployment study fixtures; a
# module that defines a fixture of the same name (many define `frame`) keeps its own.
pytest_plugins = ["tests.stage5_fixtures"]


@pytest.fixture(autouse=True)
def private_workshop_data_dir(tmp_path, monkeypatch):
    """Every test gets its own empty WORKSHOP_DATA_DIR, so no test sees another's learners."""
    data_dir = tmp_path / "workshop-data"
    monkeypatch.setenv("WORKSHOP_DATA_DIR", str(data_dir))
    # A developer's own PostgreSQL room must never receive test learners.
    monkeypatch.delenv("WORKSHOP_DATABASE_URL", raising=False)
    return data_dir


@pytest.fixture(scope="session")
def postgres_server():
    """One throwaway PostgreSQL server for the whole session (tests/postgres_server.py):
    skips where PostgreSQL is absent, fails instead with WORKSHOP_REQUIRE_SERVERS=1."""
    from tests.postgres_server import remove_server, start_server

    server = start_server()
    yield server
    remove_server(server)


@pytest.fixture
def postgres_url(postgres_server) -> str:
    """The URL of a new, empty database on the session's server, for this test alone."""
    return postgres_server.create_database(f"test_{uuid.uuid4().hex[:16]}")


@pytest.fixture
def project_root() -> Path:
    return PROJECT_ROOT
