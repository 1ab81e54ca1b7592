"""case_study.hashing: a model's hash follows its content.

Never how its pickle happens to be laid out.
"""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from case_study import data, pipelines
from case_study.hashing import ModelHashError, is_sha256, sha256_model


@pytest.fixture(scope="module")
def frame():
    return data.load_german_credit()


@pytest.fixture(scope="module")
def default_run(frame):
    return pipelines.train_reproducible(frame)


def test_an_equal_string_built_at_run_time_gives_the_same_model_hash(frame, default_run):
    """A criterion read from JSON (a new string object) trains the same model: same hash."""
    built = pipelines.train_reproducible(frame, params={"criterion": "".join(["gi", "ni"])})
    assert built.predictions_sha256 == default_run.predictions_sha256
    # The trap is real: the two pickles differ, because pickle writes a shared string once.
    assert pickle.dumps(built.model, protocol=5) != pickle.dumps(default_run.model, protocol=5)
    assert built.model_sha256 == default_run.model_sha256 == sha256_model(default_run.model)
    assert is_sha256(built.model_sha256)


def test_another_forest_gives_another_model_hash(frame, default_run):
    """One tree fewer is another model, and the hash says so."""
    smaller = pipelines.train_reproducible(frame, params={"n_estimators": 99})
    assert smaller.model_sha256 != default_run.model_sha256
    other_seed = pipelines.train_reproducible(frame, seed=pipelines.DEFAULT_SEED + 1)
    assert other_seed.model_sha256 != default_run.model_sha256


def test_a_pickled_and_reloaded_model_keeps_its_hash(default_run):
    """The hash belongs to the model, so a saved and loaded copy has it too."""
    copy = pickle.loads(pickle.dumps(default_run.model, protocol=5))
    assert sha256_model(copy) == default_run.model_sha256


class _Holder:
    def __init__(self, **state):
        self.__dict__.update(state)


def test_dict_order_does_not_count_but_every_value_does():
    """Dicts are hashed by sorted keys; lists, tuples and values are not interchangeable."""
    assert sha256_model({"a": 1, "b": [1, 2]}) == sha256_model({"b": [1, 2], "a": 1})
    distinct = [
        {"a": 1},
        {"a": 1.0},
        {"a": True},
        {"a": "1"},
        {"a": (1,)},
        {"a": [1]},
        {"a": [1, 2]},
        {"a": [12]},
        {"b": 1},
        {"a": None},
        _Holder(a=1),
        {"a": slice(0, 3)},
        {"a": slice(0, 4)},
    ]
    assert len({sha256_model(value) for value in distinct}) == len(distinct)


def test_structured_arrays_are_hashed_field_by_field_without_padding():
    """Bytes between the fields of a structured array (padding) never change the hash."""
    dtype = np.dtype(
        {"names": ["left", "flag"], "formats": ["<i8", "u1"], "offsets": [0, 8], "itemsize": 16}
    )
    clean = np.zeros(3, dtype=dtype)
    clean["left"] = [1, 2, 3]
    dirty = clean.copy()
    dirty.view(np.uint8).reshape(3, 16)[:, 9:] = 0xAB  # garbage in the padding only
    assert clean.tobytes() != dirty.tobytes()
    assert sha256_model(clean) == sha256_model(dirty)
    changed = clean.copy()
    changed["flag"][1] = 1
    assert sha256_model(changed) != sha256_model(clean)


def test_object_arrays_are_hashed_by_their_elements_not_their_pointers():
    """Equal strings in different objects hash alike; a different element does not."""
    one = np.array(["credit", "amount"], dtype=object)
    other = np.array(["".join(["cre", "dit"]), "".join(["amo", "unt"])], dtype=object)
    assert sha256_model(one) == sha256_model(other)
    assert sha256_model(one) != sha256_model(np.array(["credit", "amounts"], dtype=object))
    assert sha256_model(one) != sha256_model(np.array(["credit", "amount"]))  # another dtype


def test_a_model_that_contains_itself_is_refused():
    """A cycle cannot be hashed canonically: a clear error, not a RecursionError."""
    looped = _Holder()
    looped.me = looped
    with pytest.raises(ModelHashError, match="refers to itself"):
        sha256_model(looped)
