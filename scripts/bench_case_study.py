"""Benchmark the case study: how long each stage's default demo takes to compute, one extra
unseeded "run again", and what the reproducible bookkeeping costs. Prints figures; it is not
a test. Run: .venv/bin/python scripts/bench_case_study.py [--repeat 5]

Each figure is the median of --repeat timings in this one process, after the imports (whose
cost is printed separately, since a server pays it once). "Cold" calls clear the case study's
own lru caches first, so nothing is reused between repeats.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

_t0 = time.perf_counter()
from case_study import pipelines  # noqa: E402
from case_study import stage0_why as s0  # noqa: E402
from case_study import stage1_design as s1  # noqa: E402
from case_study import stage2_data as s2  # noqa: E402
from case_study import stage3_model as s3  # noqa: E402
from case_study import stage4_legacy as s4  # noqa: E402
from case_study import stage5_deployment as s5  # noqa: E402
from case_study.data import load_german_credit  # noqa: E402

IMPORT_SECONDS = time.perf_counter() - _t0
MODULES = (pipelines, s0, s1, s2, s3, s4, s5)


def clear_caches() -> None:
    """Forget every functools cache in the case study, so a timing is a cold one."""
    for module in MODULES:
        for value in vars(module).values():
            if hasattr(value, "cache_clear"):
                value.cache_clear()


def median_seconds(function, repeat: int) -> float:
    timings = []
    for _ in range(repeat):
        clear_caches()
        start = time.perf_counter()
        function()
        timings.append(time.perf_counter() - start)
    return statistics.median(timings)


def stage0_default():
    s0.summarise_stars(False, s0.CHECKLIST_ITEMS)
    s0.summarise_stars(True, s0.CHECKLIST_ITEMS)


def stage1_default():
    s1.forking_paths(pipelines.DEFAULT_SEED)


def stage2_default():
    s2.cached_upstream_update(pipelines.DEFAULT_SEED)


def stage3_default():
    frame = load_german_credit()
    s3.seeded_runs(1, frame)
    for number in range(1, 4):  # the demo opens with three fresh unseeded runs
        s3.one_more_unseeded_run(frame, run_number=number)


def stage4_default():
    frame = load_german_credit()
    run = pipelines.train_reproducible(frame)
    s4.build_run_manifest(run)
    s4.model_card(run, frame)


def stage5_default():
    s5.run_deployment_study(batch_size=s5.DEFAULT_BATCH_SIZE, stream_seed=s5.STREAM_SEED,
                            model_seed=pipelines.DEFAULT_SEED)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--repeat", type=int, default=5, help="timings per figure (median reported)"
    )
    args = parser.parse_args()
    repeat = max(1, args.repeat)

    print(
        f"imports (case study + scikit-learn + pandas + scipy): {IMPORT_SECONDS:.2f} s, "
        "once per process"
    )
    print(
        f"median of {repeat}; budget: default demo < 1.00 s, run again < 0.30 s, "
        "bookkeeping <= 1.20x\n"
    )
    print(f"{'figure':<58}{'seconds':>9}  budget")
    defaults = [
        ("stage 0 default demo (both medians)", stage0_default),
        ("stage 1 default demo (20 variants, both teams)", stage1_default),
        ("stage 2 default demo (silent upstream update)", stage2_default),
        ("stage 3 default demo (seeded run + 3 unseeded runs)", stage3_default),
        ("stage 4 default demo (run, manifest, model card)", stage4_default),
        ("stage 5 default demo (a year of monitoring)", stage5_default),
    ]
    for label, function in defaults:
        seconds = median_seconds(function, repeat)
        print(f"{label:<58}{seconds:>9.3f}  {'ok' if seconds < 1.0 else 'OVER'}")

    frame = load_german_credit()
    again = median_seconds(lambda: s3.one_more_unseeded_run(frame), repeat)
    print(
        f"{'stage 3 one extra unseeded run (run again)':<58}{again:>9.3f}  "
        f"{'ok' if again < 0.3 else 'OVER'}"
    )

    bare = median_seconds(lambda: pipelines.train_irreproducible(frame), repeat)
    booked = median_seconds(
        lambda: s4.build_run_manifest(pipelines.train_reproducible(frame)), repeat
    )
    ratio = booked / bare
    print(f"{'irreproducible run, bare':<58}{bare:>9.3f}")
    print(
        f"{'reproducible run + hashes + manifest':<58}{booked:>9.3f}  "
        f"{ratio:.2f}x {'ok' if ratio <= 1.2 else 'OVER'}"
    )


if __name__ == "__main__":
    main()
