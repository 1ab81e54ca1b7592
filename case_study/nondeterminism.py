"""Nondeterminism beyond seeds: the same numbers in fresh processes, other threads, other sums.

:func:`compare_numerics` runs :mod:`case_study.numerics_worker` in four fresh Python
processes on the same inputs (the standardised loan data, and vectors and matrices drawn
from one seed). Each pair below differs from the reference process in one thing only:

- ``repeat``: nothing (the same environment, run again);
- ``threads``: the number of BLAS/OpenMP threads, set in the process's environment
  (:data:`THREAD_VARIABLES`) before NumPy loads;
- ``order``: the summation order (every matrix product computed block by block and the
  partial sums added, instead of in one BLAS call).

Every result is compared value by value: bitwise identical or not, how many values differ,
the largest difference, absolute and relative to the result's scale, in units in the last
place, whether it is within the stated tolerance (:data:`RTOL`) and, for P(bad),
how many decisions at the bank's threshold flip. Nothing here is typed in: which pairs
agree bitwise depends on the machine, the BLAS build and the sizes, and the demo says what
it found.
"""

from __future__ import annotations

import json
import sys
import tempfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from case_study import fresh_process
from case_study.design_matrix import loan_design_matrix
from case_study.errors import CaseStudyError, FreshProcessError
from case_study.numerics_worker import DOT_LENGTH, MATMUL_SHAPE, RESULTS
from case_study.pipelines import COST_THRESHOLD
from case_study.run_manifest import BLAS_KEYS

WORKER_MODULE = "case_study.numerics_worker"
# Read by OpenBLAS, OpenMP and MKL when they load: set for each process before it starts.
THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
# Every process gets the same hash seed, so that processes differ only where we say.
HASH_SEED = "0"
REFERENCE_THREADS = 1
THREAD_CHOICES = (2, 4)
BLOCK_CHOICES = (10, 100, 1000)
DEFAULT_THREADS = THREAD_CHOICES[0]
DEFAULT_BLOCK = 100
# The tolerance stated before comparing: every value of a result within RTOL of the
# result's scale (its largest magnitude), |a - b| <= RTOL * max|a|; and no decision flips.
RTOL = 1e-9
TIMEOUT_SECONDS = 120.0

# The comparisons, in the order shown: name -> what the other process changes.
COMPARISONS: dict[str, str] = {
    "repeat": "nothing: the same environment, run again",
    "threads": "the BLAS thread count",
    "order": "the summation order",
}


def result_titles() -> dict[str, str]:
    """What each compared result is, in words, with its sizes from the worker's constants.

    Returns:
        {result name: title}, in the order of ``numerics_worker.RESULTS``.
    """
    rows, inner, columns = MATMUL_SHAPE
    return {
        "scorecard_coefficients": "loan scorecard: fitted coefficients",
        "scorecard_p_bad": "loan scorecard: P(bad) of every applicant",
        "dot": f"dot product of two vectors of {DOT_LENGTH:,} numbers",
        "matmul": f"matrix product ({rows:,}×{inner:,}) by ({inner:,}×{columns:,})",
    }


@dataclass(frozen=True)
class ProcessRun:
    """One fresh process: what it was set to, and what it printed."""

    name: str  # "reference" or a key of COMPARISONS
    threads_requested: int
    order: str
    block: int
    sha256: dict[str, str]
    input_sha256: dict[str, str]
    blas: tuple[dict, ...]
    seconds: float

    @property
    def blas_threads(self) -> tuple[int, ...]:
        """The thread count of every BLAS pool the process loaded, as threadpoolctl saw it."""
        return tuple(int(pool["num_threads"]) for pool in self.blas if "num_threads" in pool)


@dataclass(frozen=True)
class Difference:
    """One result of one process compared with the reference process, value by value."""

    comparison: str
    result: str
    n_values: int
    n_different: int
    max_abs_diff: float
    max_rel_diff: float  # the largest difference over the result's scale, max|a|
    max_ulps: float  # the largest difference in units in the last place at that scale
    within_tolerance: bool
    decisions_flipped: int | None  # P(bad) only: decisions at COST_THRESHOLD that change

    @property
    def identical(self) -> bool:
        """True when every value is the same, bit for bit."""
        return self.n_different == 0


@dataclass(frozen=True)
class NumericsComparison:
    """The four processes, and every result of each compared with the reference."""

    runs: tuple[ProcessRun, ...]
    differences: tuple[Difference, ...]
    threads: int
    block: int
    wall_seconds: float
    rtol: float = RTOL
    threshold: float = COST_THRESHOLD
    titles: dict[str, str] = field(default_factory=result_titles)

    def run(self, name: str) -> ProcessRun:
        """The process called ``name`` (``"reference"`` or a key of COMPARISONS)."""
        return next(r for r in self.runs if r.name == name)

    def of(self, comparison: str) -> list[Difference]:
        """The differences of one comparison, in the order of the results."""
        return [d for d in self.differences if d.comparison == comparison]

    @property
    def inputs_match(self) -> bool:
        """True when every process hashed the same inputs (the comparison is fair)."""
        return len({json.dumps(r.input_sha256, sort_keys=True) for r in self.runs}) == 1

    def table(self) -> pd.DataFrame:
        """One row per comparison and result, for reading and charting.

        Returns:
            Columns: comparison, changed, result, values, different, max_abs_diff,
            max_rel_diff, max_ulps, identical, within_tolerance, decisions_flipped.
        """
        return pd.DataFrame(
            [
                {
                    "comparison": d.comparison,
                    "changed": COMPARISONS[d.comparison],
                    "result": self.titles[d.result],
                    "values": d.n_values,
                    "different": d.n_different,
                    "max_abs_diff": d.max_abs_diff,
                    "max_rel_diff": d.max_rel_diff,
                    "max_ulps": d.max_ulps,
                    "identical": d.identical,
                    "within_tolerance": d.within_tolerance,
                    "decisions_flipped": d.decisions_flipped,
                }
                for d in self.differences
            ]
        )


@lru_cache(maxsize=1)
def scorecard_inputs() -> tuple[np.ndarray, np.ndarray]:
    """The loan data for the scorecard: an intercept column, then every column standardised.

    Returns:
        ``(design, target)``: float64, 1,000 rows; a column with no spread is only centred.
        Cached: the raw data is verified and immutable.
    """
    matrix = loan_design_matrix()
    values = matrix.values
    spread = values.std(axis=0)
    spread[spread == 0] = 1.0
    design = np.column_stack([np.ones(len(values)), (values - values.mean(axis=0)) / spread])
    return design, matrix.target.astype(np.float64)


def compare_arrays(comparison: str, result: str, reference: np.ndarray, other: np.ndarray,
                   rtol: float = RTOL) -> Difference:
    """Compare one result of two processes value by value.

    Differences are measured against the result's scale, its largest magnitude in the
    reference: an element near zero, where cancellation leaves only rounding noise, does
    not make a tiny difference look large.

    Args:
        comparison: the comparison's name (a key of COMPARISONS).
        result: the result's name (one of ``numerics_worker.RESULTS``).
        reference: the reference process's values.
        other: the other process's values, same shape.
        rtol: the tolerance: every ``|a - b| <= rtol * max|a|``.

    Returns:
        A :class:`Difference`. ``decisions_flipped`` is counted for ``scorecard_p_bad``.

    Raises:
        CaseStudyError: the two results differ in shape.
    """
    a = np.asarray(reference, dtype=np.float64).ravel()
    b = np.asarray(other, dtype=np.float64).ravel()
    if a.shape != b.shape:
        raise CaseStudyError(
            f"Expected {result} of the same shape from both processes; found {a.shape} and "
            f"{b.shape}. Run the comparison again."
        )
    gap = float(np.abs(a - b).max(initial=0.0))
    scale = float(np.abs(a).max(initial=0.0))
    flipped = None
    if result == "scorecard_p_bad":
        flipped = int(np.count_nonzero((a > COST_THRESHOLD) != (b > COST_THRESHOLD)))
    return Difference(
        comparison=comparison,
        result=result,
        n_values=int(a.size),
        n_different=int(np.count_nonzero(a.view(np.int64) != b.view(np.int64))),
        max_abs_diff=gap,
        max_rel_diff=gap / scale if scale > 0 else gap,
        max_ulps=float(np.rint(gap / np.spacing(scale))) if scale > 0 else 0.0,
        within_tolerance=bool(np.isfinite(gap) and gap <= rtol * scale),
        decisions_flipped=flipped,
    )


def _settings(threads: int) -> dict[str, tuple[int, str]]:
    """Each process's (threads, order): the reference, and one change per comparison."""
    return {
        "reference": (REFERENCE_THREADS, "whole"),
        "repeat": (REFERENCE_THREADS, "whole"),
        "threads": (threads, "whole"),
        "order": (REFERENCE_THREADS, "chunked"),
    }


def _fresh_runs(folder: Path, threads: int, block: int) -> list[fresh_process.FreshRun]:
    runs = []
    for name, (count, order) in _settings(threads).items():
        command = (
            sys.executable, "-m", WORKER_MODULE, "--input", str(folder / "inputs.npz"),
            "--output", str(folder / f"{name}.npz"), "--order", order, "--block", str(block),
        )
        env = tuple((variable, str(count)) for variable in THREAD_VARIABLES)
        runs.append(fresh_process.FreshRun(
            f"{name}: {count} thread(s), {order} sums", command,
            (*env, ("PYTHONHASHSEED", HASH_SEED)),
        ))
    return runs


def _parse(name: str, count: int, order: str, block: int, stdout: str) -> ProcessRun:
    try:
        payload = json.loads([line for line in stdout.splitlines() if line.strip()][-1])
        return ProcessRun(
            name=name, threads_requested=count, order=order, block=block,
            sha256=dict(payload["sha256"]), input_sha256=dict(payload["input_sha256"]),
            blas=tuple({k: p.get(k) for k in BLAS_KEYS if k in p} for p in payload["blas"]),
            seconds=float(payload["seconds"]),
        )
    except (IndexError, ValueError, KeyError, TypeError) as error:
        raise FreshProcessError(
            f"Expected the numerics worker ({name}) to print one line of JSON; found "
            f"{stdout.strip()[:300]!r} ({error}). Run `python -m {WORKER_MODULE} --help` from "
            "the project root to see how it is called."
        ) from error


def _check_choice(name: str, value: int, low: int, high: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise CaseStudyError(
            f"Expected {name} to be a whole number from {low} to {high}; got {value!r}."
        )
    return value


def compare_numerics(
    threads: int = DEFAULT_THREADS,
    block: int = DEFAULT_BLOCK,
    timeout: float = TIMEOUT_SECONDS,
    wait: float = fresh_process.BUSY_WAIT_SECONDS,
) -> NumericsComparison:
    """Run the numerics in four fresh processes and compare each with the reference.

    The reference and ``repeat`` run with one BLAS thread and whole products; ``threads``
    changes only the thread count, ``order`` only the summation order. The four run at once
    as one fresh-process comparison (``fresh_process.run_fresh_processes``: at most
    ``MAX_CONCURRENT_COMPARISONS`` at a time on a server).

    Args:
        threads: the thread count of the ``threads`` process (1 to 64; the BLAS library may
            use fewer, which each process reports).
        block: terms per partial sum in the ``order`` process (1 to DOT_LENGTH).
        timeout: seconds for the four processes together.
        wait: seconds to wait for a free fresh-process slot.

    Returns:
        A :class:`NumericsComparison`.

    Raises:
        CaseStudyError: ``threads`` or ``block`` out of range.
        FreshProcessError: a process could not start, failed, or timed out, or the server
            stayed busy.
    """
    threads = _check_choice("threads", threads, 1, 64)
    block = _check_choice("block", block, 1, DOT_LENGTH)
    design, target = scorecard_inputs()
    settings = _settings(threads)
    with tempfile.TemporaryDirectory(prefix="case-study-numerics-") as name:
        folder = Path(name)
        np.savez(folder / "inputs.npz", design=design, target=target)
        done = fresh_process.run_fresh_processes(
            _fresh_runs(folder, threads, block), timeout=timeout, wait=wait
        )
        runs = tuple(
            _parse(run_name, count, order, block, stdout)
            for (run_name, (count, order)), (stdout, _) in zip(
                settings.items(), done.outputs, strict=True
            )
        )
        arrays = {}
        for run_name in settings:
            with np.load(folder / f"{run_name}.npz") as stored:
                arrays[run_name] = {result: stored[result] for result in RESULTS}
    differences = tuple(
        compare_arrays(comparison, result, arrays["reference"][result],
                       arrays[comparison][result])
        for comparison in COMPARISONS
        for result in RESULTS
    )
    return NumericsComparison(
        runs=runs, differences=differences, threads=threads, block=block,
        wall_seconds=done.wall_seconds,
    )

