r"""One run of Stage 4's numerics in a fresh Python process: NumPy only, so it starts fast.

Run from the project root (``case_study.nondeterminism.compare_numerics`` does this for you,
with the BLAS thread count set in each process's environment)::

    python -m case_study.numerics_worker --input design.npz --output out.npz \\
        --order whole --block 100

It reads the standardised loan design matrix from ``--input``, computes three things, writes
their values to ``--output`` and prints one line of JSON with their SHA-256, the SHA-256 of
its inputs and the BLAS thread pools it saw (``threadpoolctl``, without file paths):

- ``scorecard_coefficients`` and ``scorecard_p_bad``: a ridge-penalised logistic
  regression fitted to the loan data by Newton's method (a fixed number of steps), and the
  P(bad) it gives every applicant;
- ``dot``: the dot product of two vectors of ``DOT_LENGTH`` numbers drawn from a seeded
  generator;
- ``matmul``: the product of two matrices drawn from the same generator.

``--order whole`` computes every matrix product in one BLAS call; ``--order chunked``
computes the same products block by block along the summed dimension (``--block`` terms at
a time) and adds the partial results: the same numbers, added in another order. A bad
command line or input exits with code 2 and says why on stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from case_study.hashing import sha256_array

ORDERS = ("whole", "chunked")
NEWTON_STEPS = 8
RIDGE = 1.0  # the penalty on every coefficient but the intercept (column 0)
DATA_SEED = 2019
DOT_LENGTH = 200_000
MATMUL_SHAPE = (1000, 400, 300)  # (rows, summed dimension, columns)
# Names of the arrays the worker writes, in the order the comparison shows them.
RESULTS = ("scorecard_coefficients", "scorecard_p_bad", "dot", "matmul")


def product(left: np.ndarray, right: np.ndarray, order: str, block: int) -> np.ndarray:
    """``left @ right``, in one BLAS call or block by block along the summed dimension.

    Args:
        left: a vector or matrix whose last axis is summed.
        right: a vector or matrix whose first axis is summed.
        order: ``"whole"`` (one call) or ``"chunked"`` (``block`` terms at a time, the
            partial products added left to right).
        block: how many terms each partial product sums.

    Returns:
        The product. Mathematically the same in both orders; in floating point the
        chunked one adds the same terms in another order.
    """
    if order == "whole":
        return left @ right
    total = None
    for start in range(0, left.shape[-1], block):
        part = left[..., start : start + block] @ right[start : start + block]
        total = part if total is None else total + part
    return total


def fit_scorecard(
    design: np.ndarray, target: np.ndarray, order: str, block: int
) -> tuple[np.ndarray, np.ndarray]:
    """Fit the ridge logistic regression by Newton's method; every product through ``product``.

    Args:
        design: the standardised design matrix, an intercept column first.
        target: 1 for a bad credit, 0 for a good one.
        order: how the products are summed (see :func:`product`).
        block: the block size of the chunked order.

    Returns:
        ``(coefficients, p_bad)``: the fitted coefficients and every applicant's P(bad).
    """
    penalty = np.full(design.shape[1], RIDGE)
    penalty[0] = 0.0
    coefficients = np.zeros(design.shape[1])
    for _ in range(NEWTON_STEPS):
        p_bad = 1.0 / (1.0 + np.exp(-product(design, coefficients, order, block)))
        gradient = product(design.T, p_bad - target, order, block) + penalty * coefficients
        weighted = design * (p_bad * (1.0 - p_bad))[:, None]
        hessian = product(design.T, weighted, order, block) + np.diag(penalty)
        coefficients = coefficients - np.linalg.solve(hessian, gradient)
    p_bad = 1.0 / (1.0 + np.exp(-product(design, coefficients, order, block)))
    return coefficients, p_bad


def compute(design: np.ndarray, target: np.ndarray, order: str, block: int) -> dict:
    """Every result of one run, by name (see :data:`RESULTS`), and the inputs' hashes.

    Args:
        design: the standardised design matrix, an intercept column first.
        target: 1 for a bad credit, 0 for a good one.
        order: ``"whole"`` or ``"chunked"``.
        block: the block size of the chunked order.

    Returns:
        ``{"arrays": {name: array}, "input_sha256": {name: hex}}``.
    """
    generator = np.random.default_rng(DATA_SEED)
    left, right = generator.standard_normal((2, DOT_LENGTH))
    rows, inner, columns = MATMUL_SHAPE
    first = generator.standard_normal((rows, inner))
    second = generator.standard_normal((inner, columns))
    coefficients, p_bad = fit_scorecard(design, target, order, block)
    arrays = {
        "scorecard_coefficients": coefficients,
        "scorecard_p_bad": p_bad,
        "dot": np.atleast_1d(product(left, right, order, block)),
        "matmul": product(first, second, order, block),
    }
    inputs = {"design": design, "target": target, "dot": np.stack([left, right]),
              "matmul": np.concatenate([first.ravel(), second.ravel()])}
    return {"arrays": arrays, "input_sha256": {k: sha256_array(v) for k, v in inputs.items()}}


def blas_pools() -> list[dict]:
    """The BLAS/OpenMP thread pools this process loaded, as threadpoolctl sees them.

    Returns:
        One dict per pool, without its file path.
    """
    from threadpoolctl import threadpool_info

    return [{k: v for k, v in pool.items() if k != "filepath"} for pool in threadpool_info()]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Read ``--input``, ``--output``, ``--order`` and ``--block``."""
    parser = argparse.ArgumentParser(
        prog="python -m case_study.numerics_worker", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--input", required=True, type=Path, help="design matrix (.npz)")
    parser.add_argument("--output", required=True, type=Path, help="where to write (.npz)")
    parser.add_argument("--order", choices=ORDERS, default="whole")
    parser.add_argument("--block", type=int, default=100, help="terms per partial sum")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Compute once, write the arrays, print one JSON line. Returns the exit code."""
    args = parse_args(argv)
    if args.block < 1:
        print(f"numerics_worker: --block must be at least 1, got {args.block}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    try:
        with np.load(args.input) as stored:
            design, target = stored["design"], stored["target"]
    except (OSError, KeyError, ValueError) as error:
        print(f"numerics_worker: cannot read {args.input}: {error}", file=sys.stderr)
        return 2
    result = compute(design, target, args.order, args.block)
    np.savez(args.output, **result["arrays"])
    print(
        json.dumps(
            {
                "order": args.order,
                "block": args.block,
                "sha256": {k: sha256_array(v) for k, v in result["arrays"].items()},
                "input_sha256": result["input_sha256"],
                "blas": blas_pools(),
                "seconds": round(time.perf_counter() - started, 4),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
