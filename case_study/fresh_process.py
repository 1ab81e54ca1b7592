"""Run one training in several fresh Python processes and compare what they produce.

Each process gets its own ``PYTHONHASHSEED``, standing in for a run on another day: a
training whose bytes depend on string-hash order (a column list built from a ``set``)
gives another model in another process, however well it is seeded. The worker each process
runs is Stage 3's ``case_study.stage3_worker`` (one JSON line of hashes).

At most :data:`MAX_CONCURRENT_COMPARISONS` comparisons run at once in one Python process
(a server shared by a room); the others wait for a free slot, then give up with a
:class:`~case_study.errors.FreshProcessError` that says so. :func:`run_fresh_processes` is
that machinery for any worker (Stage 4's numerics comparison runs its worker through it).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass

from case_study import paths
from case_study.errors import CaseStudyError, FreshProcessError
from case_study.pipelines import DEFAULT_SEED
from case_study.practices import Practices

WORKER_MODULE = "case_study.stage3_worker"
WORKER_TIMEOUT_SECONDS = 120.0
FEATURE_ORDER_HEAD = 6
_STDERR_TAIL_CHARS = 1500
# Each comparison starts two Python interpreters that load scikit-learn. A room of learners
# pressing "run" together must not start hundreds of them on a two-core server: at most
# this many comparisons run at once in this process; the others wait for a free slot.
MAX_CONCURRENT_COMPARISONS = 2
BUSY_WAIT_SECONDS = 30.0
_COMPARISON_SLOTS = threading.BoundedSemaphore(MAX_CONCURRENT_COMPARISONS)


@dataclass(frozen=True)
class FreshRun:
    """One command for one fresh Python process, and what it adds to the environment.

    Attributes:
        label: names the process in messages (e.g. ``PYTHONHASHSEED=1``).
        command: the argument list (``sys.executable``, ``-m``, a worker module, ...).
        env: variables set for this process on top of this process's environment.
    """

    label: str
    command: tuple[str, ...]
    env: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class FreshOutputs:
    """What a set of fresh processes printed, and how long they took together."""

    outputs: tuple[tuple[str, str], ...]  # (stdout, stderr) per process, in order
    wall_seconds: float


@dataclass(frozen=True)
class WorkerResult:
    """What one fresh worker process printed."""

    python_hash_seed: int
    model_sha256: str
    predictions_sha256: str
    roc_auc: float
    feature_order_head: tuple[str, ...]
    version_mismatches: tuple[dict, ...] | None
    seconds: float


@dataclass(frozen=True)
class FreshProcessComparison:
    """The same training in several fresh Python processes, and whether they agree."""

    practices: tuple[str, ...]
    seed: int
    results: tuple[WorkerResult, ...]
    models_match: bool
    predictions_match: bool
    wall_seconds: float

    @property
    def hashes_match(self) -> bool:
        """True when every process produced the same model and the same predictions."""
        return self.models_match and self.predictions_match


def worker_command(
    practices: Practices, seed: int = DEFAULT_SEED, worker_module: str = WORKER_MODULE
) -> list[str]:
    """The command line that runs one training in a fresh interpreter (this one's executable).

    Args:
        practices: the practices switched on, passed to the worker by their keys.
        seed: the training seed.
        worker_module: the module ``python -m`` runs (default: Stage 3's worker).

    Returns:
        The argument list for ``subprocess.Popen``.
    """
    keys = ",".join(practices.keys_on())
    return [sys.executable, "-m", worker_module, "--practices", keys, "--seed", str(seed)]


def _tail(text: str) -> str:
    text = text.strip()
    return text if len(text) <= _STDERR_TAIL_CHARS else "…" + text[-_STDERR_TAIL_CHARS:]


def _parse_worker_output(
    hash_seed: int, stdout: str, stderr: str, worker_module: str = WORKER_MODULE
) -> WorkerResult:
    lines = [line for line in stdout.splitlines() if line.strip()]
    try:
        payload = json.loads(lines[-1])
        return WorkerResult(
            python_hash_seed=hash_seed,
            model_sha256=payload["model_sha256"],
            predictions_sha256=payload["predictions_sha256"],
            roc_auc=float(payload["roc_auc"]),
            feature_order_head=tuple(payload["feature_order_head"]),
            version_mismatches=(
                None
                if payload["version_mismatches"] is None
                else tuple(payload["version_mismatches"])
            ),
            seconds=float(payload["seconds"]),
        )
    except (IndexError, ValueError, KeyError, TypeError) as error:
        raise FreshProcessError(
            f"Expected the worker (PYTHONHASHSEED={hash_seed}) to print one line of JSON with the "
            f"hashes; found {stdout.strip()[:300]!r} ({error}). Worker stderr: {_tail(stderr)!r}. "
            f"Run `python -m {worker_module} --practices seed_split` from the project root to see "
            "why."
        ) from error


def train_in_fresh_processes(
    practices: Practices | Iterable[str],
    hash_seeds: Iterable[int] = (1, 2),
    seed: int = DEFAULT_SEED,
    timeout: float = WORKER_TIMEOUT_SECONDS,
    wait: float = BUSY_WAIT_SECONDS,
    worker_module: str = WORKER_MODULE,
) -> FreshProcessComparison:
    """Run the same training in fresh Python processes, in parallel, one per hash seed.

    At most ``MAX_CONCURRENT_COMPARISONS`` comparisons run at once in this Python process
    (a server shared by a room); a call that finds no free slot waits up to ``wait`` seconds.

    Parameters: ``practices`` a :class:`Practices` or the keys switched on; ``hash_seeds``
    the ``PYTHONHASHSEED`` of each process (two different values stand in for two runs on two
    days); ``seed`` the training seed; ``timeout`` seconds for all processes together, once
    they have started; ``wait`` seconds to wait for a free slot; ``worker_module`` the
    module each process runs (default: Stage 3's worker, ``case_study.stage3_worker``).
    Returns a :class:`FreshProcessComparison`. Raises UnknownPracticeError for a bad key and
    FreshProcessError when the server stays busy for ``wait`` seconds, a process cannot be
    started (e.g. the machine is out of processes), or a worker fails or times out (with
    the worker's stderr tail).
    """
    if not isinstance(practices, Practices):
        practices = Practices.from_keys(practices)
    hash_seeds = tuple(int(h) for h in hash_seeds)
    if len(hash_seeds) < 2:
        raise CaseStudyError(
            f"Comparing needs at least 2 processes; got hash seeds {hash_seeds}. Pass two."
        )
    command = tuple(worker_command(practices, seed, worker_module))
    runs = [
        FreshRun(f"PYTHONHASHSEED={h}", command, (("PYTHONHASHSEED", str(h)),))
        for h in hash_seeds
    ]
    done = run_fresh_processes(runs, timeout=timeout, wait=wait)
    results = tuple(
        _parse_worker_output(h, out, err, worker_module)
        for h, (out, err) in zip(hash_seeds, done.outputs, strict=True)
    )
    return FreshProcessComparison(
        practices=practices.keys_on(),
        seed=seed,
        results=results,
        models_match=len({r.model_sha256 for r in results}) == 1,
        predictions_match=len({r.predictions_sha256 for r in results}) == 1,
        wall_seconds=done.wall_seconds,
    )


def run_fresh_processes(
    runs: Iterable[FreshRun],
    timeout: float = WORKER_TIMEOUT_SECONDS,
    wait: float = BUSY_WAIT_SECONDS,
) -> FreshOutputs:
    """Run each command in a fresh Python process, all at once, as one comparison.

    The comparison takes one of the ``MAX_CONCURRENT_COMPARISONS`` slots shared by every
    caller in this Python process (a server shared by a room); without a free slot it waits
    up to ``wait`` seconds.

    Args:
        runs: the processes to start, each with its command and environment additions.
        timeout: seconds for all processes together, once they have started.
        wait: seconds to wait for a free slot.

    Returns:
        :class:`FreshOutputs`: ``(stdout, stderr)`` of each process in the order of ``runs``,
        and the seconds from the start of the first process to the end of the last.

    Raises:
        FreshProcessError: the server stayed busy for ``wait`` seconds, a process could not
            be started, or one exited with an error or ran out of time (with its stderr
            tail); any process still running is killed.
    """
    runs = tuple(runs)
    if not _COMPARISON_SLOTS.acquire(timeout=max(0.0, wait)):
        raise FreshProcessError(
            f"The server is busy, try again in a moment: {MAX_CONCURRENT_COMPARISONS} "
            "fresh-process "
            f"comparisons were already running and none finished within {wait:g} s."
        )
    try:
        started = time.perf_counter()
        outputs = _run_workers(runs, timeout, started)
        return FreshOutputs(tuple(outputs), round(time.perf_counter() - started, 3))
    finally:
        _COMPARISON_SLOTS.release()


def _run_workers(
    runs: tuple[FreshRun, ...], timeout: float, started: float
) -> list[tuple[str, str]]:
    """Start one process per run and wait for all; kill any still running on the way out."""
    processes = []
    try:
        for run in runs:
            env = {**os.environ, **dict(run.env)}
            try:
                processes.append(
                    subprocess.Popen(
                        list(run.command),
                        cwd=paths.PROJECT_ROOT,
                        env=env,
                        text=True,
                        stdout=subprocess.PIPE,
                        stderr=subprocess.PIPE,
                    )
                )
            except OSError as error:
                raise FreshProcessError(
                    f"Could not start a fresh Python process ({run.label}): {error}. "
                    "The machine may be out of processes or memory; try again in a moment."
                ) from error
        outputs = []
        for run, process in zip(runs, processes, strict=False):
            remaining = max(0.1, timeout - (time.perf_counter() - started))
            try:
                stdout, stderr = process.communicate(timeout=remaining)
            except subprocess.TimeoutExpired as error:
                raise FreshProcessError(
                    f"Expected the worker ({run.label}) to finish within {timeout:.0f} s; it "
                    "was still running. Check the machine's load and try again."
                ) from error
            if process.returncode != 0:
                raise FreshProcessError(
                    f"The worker ({run.label}) exited with code {process.returncode}. Its last "
                    f"words: {_tail(stderr)!r}"
                )
            outputs.append((stdout, stderr))
        return outputs
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
            if process.stdout is not None and not process.stdout.closed:
                process.communicate()  # reaps a killed worker and closes its pipes
