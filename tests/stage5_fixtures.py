"""Fixtures the Stage 5 test modules share: the data, the reproducible run, its baseline
profile and the deployment study (loaded for every test module by ``tests/conftest.py``;
a module's own fixture of the same name takes precedence)."""

from __future__ import annotations

import pytest

from case_study import drift, pipelines, stage5_deployment
from case_study.data import load_german_credit


@pytest.fixture(scope="module")
def frame():
    """The verified loan data."""
    return load_german_credit()


@pytest.fixture(scope="module")
def run(frame):
    """The reproducible training run at the default seed."""
    return pipelines.train_reproducible(frame)


@pytest.fixture(scope="module")
def baseline(run, frame):
    """The baseline profile written at training time."""
    return drift.baseline_profile(run, frame)


@pytest.fixture(scope="module")
def study():
    """The simulated deployment: the monthly stream and its monitoring records."""
    return stage5_deployment.run_deployment_study()
