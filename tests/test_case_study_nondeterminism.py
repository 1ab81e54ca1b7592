"""Nondeterminism beyond seeds: four fresh processes that differ in one thing each, compared."""

from __future__ import annotations

import os

import numpy as np
import pytest

from case_study import nondeterminism as nd
from case_study import numerics_worker
from case_study.errors import CaseStudyError
from case_study.pipelines import COST_THRESHOLD


def _usable_cpus() -> int:
    affinity = getattr(os, "sched_getaffinity", None)  # Linux; elsewhere every CPU counts
    return len(affinity(0)) if affinity else (os.cpu_count() or 1)


@pytest.fixture(scope="module")
def comparison() -> nd.NumericsComparison:
    return nd.compare_numerics(threads=2, block=100)


@pytest.mark.slow
def test_every_process_computed_on_the_same_inputs(comparison):
    """The comparison is fair: four processes hashed the same loan data and the same draws."""
    assert [r.name for r in comparison.runs] == ["reference", *nd.COMPARISONS]
    assert comparison.inputs_match
    assert set(comparison.run("reference").input_sha256) == {"design", "target", "dot", "matmul"}


@pytest.mark.slow
def test_the_same_environment_run_again_gives_the_same_bits(comparison):
    """Within one environment the results agree bit for bit: every hash and every value."""
    assert comparison.run("repeat").sha256 == comparison.run("reference").sha256
    repeat = comparison.of("repeat")
    assert [d.result for d in repeat] == list(numerics_worker.RESULTS)
    assert all(d.identical and d.max_abs_diff == 0 and d.max_ulps == 0 for d in repeat)


@pytest.mark.slow
def test_another_summation_order_changes_the_last_bits_but_stays_within_tolerance(comparison):
    """Chunked sums of the same numbers differ bitwise, yet within RTOL of the result's scale."""
    order = {d.result: d for d in comparison.of("order")}
    for result in ("dot", "matmul", "scorecard_coefficients"):
        assert not order[result].identical, result
        assert order[result].max_abs_diff > 0
        assert comparison.run("order").sha256[result] != comparison.run("reference").sha256[
            result
        ]
    for difference in order.values():
        assert difference.within_tolerance, difference
        assert difference.max_rel_diff <= nd.RTOL
    assert order["scorecard_p_bad"].decisions_flipped == 0


@pytest.mark.slow
def test_the_thread_count_is_reported_as_found_and_agrees_within_tolerance(comparison):
    """Whether threads change the bits depends on the machine; what is reported is consistent."""
    reference, threads = comparison.run("reference"), comparison.run("threads")
    assert reference.threads_requested == 1 and threads.threads_requested == 2
    if reference.blas:  # a BLAS library was loaded and threadpoolctl saw it
        assert set(reference.blas_threads) == {1}
        if _usable_cpus() >= 2:  # OpenBLAS uses at most the CPUs it may run on
            assert max(threads.blas_threads) == 2
    for difference in comparison.of("threads"):
        same_hash = threads.sha256[difference.result] == reference.sha256[difference.result]
        assert difference.identical == same_hash == (difference.max_abs_diff == 0)
        assert difference.within_tolerance, difference


@pytest.mark.slow
def test_the_table_has_a_row_per_comparison_and_result(comparison):
    """The demo's table: three comparisons of four results, the flag columns booleans."""
    table = comparison.table()
    assert len(table) == len(nd.COMPARISONS) * len(numerics_worker.RESULTS)
    assert set(table["comparison"]) == set(nd.COMPARISONS)
    assert table.loc[table["comparison"] == "repeat", "identical"].all()
    assert table["within_tolerance"].dtype == bool


def test_regrouping_one_sum_moves_it_by_one_unit_in_the_last_place():
    """(0.1 + 0.2) + 0.3 and 0.1 + (0.2 + 0.3): the same numbers, one ulp apart, in tolerance."""
    left, right = np.array([(0.1 + 0.2) + 0.3]), np.array([0.1 + (0.2 + 0.3)])
    difference = nd.compare_arrays("order", "dot", left, right)
    assert not difference.identical and difference.n_different == 1
    assert difference.max_ulps == 1
    assert difference.within_tolerance


def test_a_real_difference_is_outside_the_tolerance():
    """A result that moved in the third digit is not "the same within tolerance"."""
    difference = nd.compare_arrays("threads", "matmul", np.array([1.0, 2.0]), np.array([1.0, 2.01]))
    assert difference.n_different == 1
    assert not difference.within_tolerance
    assert difference.max_rel_diff == pytest.approx(0.005)


def test_identical_arrays_are_identical():
    """Equal bits: no value differs, zero difference, within tolerance."""
    values = np.linspace(-1, 1, 7)
    difference = nd.compare_arrays("repeat", "matmul", values, values.copy())
    assert difference.identical and difference.max_ulps == 0 and difference.within_tolerance


def test_a_flipped_decision_is_counted_at_the_cost_threshold():
    """P(bad) moving across 1/6 flips a decision; moving on one side of it does not."""
    below, above = COST_THRESHOLD - 1e-3, COST_THRESHOLD + 1e-3
    difference = nd.compare_arrays(
        "threads", "scorecard_p_bad", np.array([below, 0.5]), np.array([above, 0.6])
    )
    assert difference.decisions_flipped == 1
    other = nd.compare_arrays("threads", "dot", np.array([below]), np.array([above]))
    assert other.decisions_flipped is None


def test_results_of_another_shape_are_refused():
    """Two processes that returned different shapes cannot be compared value by value."""
    with pytest.raises(CaseStudyError, match="same shape"):
        nd.compare_arrays("order", "matmul", np.zeros(3), np.zeros(4))


@pytest.mark.parametrize(("threads", "block"), [(0, 100), (65, 100), (2, 0), (True, 100)])
def test_out_of_range_settings_are_refused_before_any_process_starts(threads, block, monkeypatch):
    """A thread count or block size out of range says so; no process is started."""
    monkeypatch.setattr(
        nd.fresh_process, "run_fresh_processes", lambda *a, **k: pytest.fail("started")
    )
    with pytest.raises(CaseStudyError, match="whole number"):
        nd.compare_numerics(threads=threads, block=block)


def test_chunked_products_agree_with_whole_ones_within_tolerance():
    """In one process: the chunked product is the same product, summed in another order."""
    generator = np.random.default_rng(0)
    left, right = generator.standard_normal((50, 300)), generator.standard_normal((300, 20))
    whole = numerics_worker.product(left, right, "whole", 7)
    chunked = numerics_worker.product(left, right, "chunked", 7)
    assert chunked.shape == whole.shape
    assert nd.compare_arrays("order", "matmul", whole, chunked).within_tolerance


def test_the_worker_refuses_a_bad_block_and_a_missing_input(tmp_path, capsys):
    """A bad command line exits with code 2 and says why on stderr."""
    output = str(tmp_path / "out.npz")
    assert numerics_worker.main(
        ["--input", str(tmp_path / "none.npz"), "--output", output, "--block", "0"]
    ) == 2
    assert "--block must be at least 1" in capsys.readouterr().err
    assert numerics_worker.main(["--input", str(tmp_path / "none.npz"), "--output", output]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_the_scorecard_inputs_are_standardised_loan_data():
    """An intercept column, then the loan data's columns with mean 0 and spread 1 (or 0)."""
    design, target = nd.scorecard_inputs()
    assert design.shape[0] == target.shape[0] == 1000
    assert np.all(design[:, 0] == 1.0)
    assert np.allclose(design[:, 1:].mean(axis=0), 0.0, atol=1e-12)
    assert set(np.unique(np.round(design[:, 1:].std(axis=0), 9))) <= {0.0, 1.0}
    assert set(np.unique(target)) == {0.0, 1.0}
