"""Shared fixtures: the project root, a private data folder for every test that touches
learner progress, and a fresh Streamlit cache where a test needs a cold one."""

from __future__ import annotations

from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def private_workshop_data_dir(tmp_path, monkeypatch):
    """Every test gets its own empty WORKSHOP_DATA_DIR, so no test sees another's learners."""
    data_dir = tmp_path / "workshop-data"
    monkeypatch.setenv("WORKSHOP_DATA_DIR", str(data_dir))
    return data_dir


@pytest.fixture
def project_root() -> Path:
    return PROJECT_ROOT
