"""The restricted unpickler: a real fitted model loads; a pickle that names anything else
is refused before the named code runs."""

from __future__ import annotations

import os
import pickle

import pytest

from case_study import data, pipelines
from case_study.errors import UnsafePickleError
from case_study.hashing import sha256_model
from case_study.safe_pickle import load_fitted_model


@pytest.fixture(scope="module")
def team_model():
    return pipelines.train_irreproducible(data.load_german_credit()).model


def test_a_fitted_team_model_loads_to_the_same_content(team_model):
    blob = pickle.dumps(team_model, protocol=5)
    assert sha256_model(load_fitted_model(blob)) == sha256_model(team_model)


def test_a_reproducible_run_model_loads_too():
    run = pipelines.train_reproducible(data.load_german_credit(), seed=pipelines.DEFAULT_SEED)
    loaded = load_fitted_model(pickle.dumps(run.model, protocol=5))
    assert sha256_model(loaded) == run.model_sha256


class _RunsAShellCommand:
    """What an attacker's pickle does: call os.system when loaded."""

    def __reduce__(self):
        return (os.system, ("touch should-never-exist",))


def test_a_pickle_that_calls_os_system_is_refused_and_nothing_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    blob = pickle.dumps(_RunsAShellCommand())
    with pytest.raises(UnsafePickleError, match=r"(posix|os)\.system"):
        load_fitted_model(blob)
    assert not (tmp_path / "should-never-exist").exists()


@pytest.mark.parametrize(
    "payload",
    [
        (eval, ("1 + 1",)),
        (getattr, ("text", "upper")),
        (pickle.loads, (b"N.",)),
    ],
    ids=["eval", "getattr", "pickle.loads"],
)
def test_builtins_and_other_callables_are_refused(payload):
    class Evil:
        def __reduce__(self):
            return payload

    with pytest.raises(UnsafePickleError, match="refusing to unpickle"):
        load_fitted_model(pickle.dumps(Evil()))


def test_a_model_wrapped_in_a_foreign_class_is_refused(team_model):
    # A pandas object is harmless in itself, but no fitted model holds one: the allowlist
    # is what a model is made of, not "whatever looks safe".
    import pandas as pd

    with pytest.raises(UnsafePickleError, match="pandas"):
        load_fitted_model(pickle.dumps({"model": team_model, "extra": pd.Series([1])}))
