"""The shared reproducible run: trained once per process, the very model a fresh training
gives, and left untouched by every stage, demo and check that reads it."""

from __future__ import annotations

import numpy as np
import pytest

from case_study import pipelines
from case_study import stage4_legacy as s4
from case_study import stage5_deployment as s5
from case_study.data import load_german_credit
from case_study.hashing import sha256_array, sha256_model


def test_the_shared_run_is_trained_once_and_is_the_default_reproducible_model():
    """Every stage asking for the default model gets one object, byte for byte the model a
    fresh train_reproducible(load_german_credit(), seed=42) gives."""
    shared = pipelines.reproducible_run()
    assert pipelines.reproducible_run(pipelines.DEFAULT_SEED) is shared
    fresh = pipelines.train_reproducible(load_german_credit(), seed=pipelines.DEFAULT_SEED)
    assert fresh is not shared
    assert (shared.model_sha256, shared.predictions_sha256, shared.metrics, shared.params) == (
        fresh.model_sha256, fresh.predictions_sha256, fresh.metrics, fresh.params)


def test_the_shared_runs_arrays_cannot_be_written():
    """A caller that tried to write into the shared predictions would fail loudly instead
    of changing every other stage's figures."""
    shared = pipelines.reproducible_run()
    for array in (shared.test_predictions, shared.test_index):
        with pytest.raises(ValueError, match="read-only"):
            array[0] = array[0]


def test_no_stage_changes_the_shared_model():
    """After the legacy checks, its manifest and a year of monitoring have all used the
    shared run, its model, predictions, params and metrics are exactly as trained."""
    shared = pipelines.reproducible_run()
    params, metrics = dict(shared.params), dict(shared.metrics)
    s4.reproducible_manifest()
    s4.under_25_interval_width()
    s5.run_deployment_study()
    s5.false_alarm_percent_batch_100()
    assert sha256_model(shared.model) == shared.model_sha256
    assert sha256_array(np.asarray(shared.test_predictions)) == shared.predictions_sha256
    assert (shared.params, shared.metrics) == (params, metrics)
    assert s5._trained(pipelines.DEFAULT_SEED)[1] is shared
