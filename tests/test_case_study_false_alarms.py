"""How often PSI alarms under no shift: the simulation and the chi-squared formula."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from case_study import drift, errors, false_alarms, stage5_deployment

NO_SHIFT = stage5_deployment.ShiftSchedule(input_from=99, input_to=99, outcome_from=99)


def test_vectorised_psi_matches_the_plain_psi(baseline, frame, run):
    """The fast false-alarm PSI equals psi() on the same drawn training sample and batch."""
    pool = false_alarms.false_alarm_pool(baseline, frame, run)
    fast = false_alarms.unshifted_psi(pool, batch_size=120, draws=1, seed=11)[0]
    train = frame.drop(index=run.test_index)
    assert pool.n_train == len(train) == baseline.n_train
    rng = np.random.default_rng(11)
    reference = train.iloc[rng.integers(0, len(train), size=(1, len(train)))[0]]
    batch = train.iloc[rng.integers(0, len(train), size=(1, 120))[0]]
    slow = [
        drift.psi(p.shares_of(reference[p.name].to_numpy()), p.shares_of(batch[p.name].to_numpy()))
        for p in baseline.features
    ]
    assert fast == pytest.approx(slow)


def test_each_batch_size_draws_as_if_it_were_drawn_alone(baseline, frame, run):
    """Several sizes at once give exactly what each size gives on its own (same seed)."""
    pool = false_alarms.false_alarm_pool(baseline, frame, run)
    together = false_alarms.unshifted_psi_by_size(pool, (60, 200), draws=5, seed=3)
    for size in (60, 200):
        assert np.array_equal(
            together[size], false_alarms.unshifted_psi(pool, size, draws=5, seed=3)
        )


def test_false_alarm_pool_refuses_rows_the_baseline_was_not_built_from(baseline, frame, run):
    """A pool must be the baseline's own training rows; another frame is refused."""
    for other in (
        frame.iloc[:500],
        pd.concat([frame, frame.iloc[:10].set_axis(range(5000, 5010))]),
    ):
        with pytest.raises(errors.MonitoringError, match="training rows"):
            false_alarms.false_alarm_pool(baseline, other, run)


def test_formula_reproduces_the_published_critical_values():
    """At the published 95% critical values, the χ² formula gives a 5% false-alarm share."""
    for n, critical in ((100, 0.338), (200, 0.169), (400, 0.085), (1000, 0.034)):
        assert false_alarms.theoretical_false_alarm_share(n, n, critical) == pytest.approx(
            0.05, abs=0.005
        )
