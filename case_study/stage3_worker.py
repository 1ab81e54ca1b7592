"""One training in a fresh Python process, for Stage 3's "same code, two processes" demo.

Run from the project root (``train_in_fresh_processes`` does this for you)::

    python -m case_study.stage3_worker --practices seed_split,seed_model,sorted_columns [--seed 42]

It loads the verified loan data, trains under the named practices, and prints one line of
JSON: ``model_sha256``, ``predictions_sha256``, ``roc_auc``, ``feature_order_head``,
``version_mismatches`` (null when versions were not checked), ``seconds``. An unknown
practice or a data problem exits with code 2 and says why on stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import asdict

from case_study.errors import CaseStudyError


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Read ``--practices`` (comma-separated keys, may be empty) and ``--seed``."""
    parser = argparse.ArgumentParser(
        prog="python -m case_study.stage3_worker", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--practices",
        required=True,
        help="comma-separated practice keys to switch on ('' for none)",
    )
    parser.add_argument(
        "--seed", type=int, default=None, help="the one seed (default: pipelines.DEFAULT_SEED)"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Train once and print the result as one JSON line. Returns the exit code."""
    args = parse_args(argv)
    # Imported here so a bad command line fails fast, before scikit-learn loads.
    from case_study import stage3_model
    from case_study.data import load_german_credit
    from case_study.pipelines import DEFAULT_SEED

    try:
        practices = stage3_model.Practices.from_keys(args.practices.split(","))
        frame = load_german_credit()
        started = time.perf_counter()
        result = stage3_model.train_with_practices(
            frame, practices, seed=DEFAULT_SEED if args.seed is None else args.seed
        )
        seconds = time.perf_counter() - started
    except CaseStudyError as error:
        print(f"stage3_worker: {error}", file=sys.stderr)
        return 2
    mismatches = result.version_mismatches
    print(
        json.dumps(
            {
                "practices": list(practices.keys_on()),
                "python_hash_seed": os.environ.get("PYTHONHASHSEED"),
                "model_sha256": result.model_sha256,
                "predictions_sha256": result.predictions_sha256,
                "roc_auc": result.roc_auc,
                "feature_order_head": list(
                    result.run.feature_order[: stage3_model.FEATURE_ORDER_HEAD]
                ),
                "version_mismatches": (
                    None if mismatches is None else [asdict(m) for m in mismatches]
                ),
                "seconds": round(seconds, 4),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
