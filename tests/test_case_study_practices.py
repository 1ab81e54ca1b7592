"""The switchboard's practices: keys, and unknown keys refused."""

from __future__ import annotations

import pytest

from case_study import errors, practices


def test_unknown_practice_is_rejected_with_the_known_keys():
    """A typo in a practice name says which names exist."""
    with pytest.raises(errors.UnknownPracticeError, match="seed_split"):
        practices.Practices.from_keys(["seed_split", "seeds"])
    assert practices.Practices.from_keys(["seed_model", " ", ""]).keys_on() == ("seed_model",)
    assert practices.Practices.from_keys("sorted_columns,seed_split").keys_on() == (
        "seed_split",
        "sorted_columns",
    )
