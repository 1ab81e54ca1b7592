"""The case study's command line: ``python -m case_study <command>`` (see ``COMMANDS``).

Errors end as one line on stderr and an exit status, never a traceback:
0 success; 1 a rebuild that does not reproduce the manifest (the field-level diff is
printed); 2 unusable input; 130 interrupted. Heavy libraries load only inside a command,
so ``--help`` answers at once.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

from case_study import __version__, settings
from case_study.errors import CaseStudyError

EXIT_OK = 0
EXIT_MISMATCH = 1
EXIT_UNUSABLE = 2
EXIT_INTERRUPTED = 130

STAGE_MODULES: dict[int, str] = {
    0: "stage0_why",
    1: "stage1_design",
    2: "stage2_data",
    3: "stage3_model",
    4: "stage4_legacy",
    5: "stage5_deployment",
}

VERIFY_EPILOG = """\
exit status:
  0  rebuilt from the manifest alone; every compared field matches
     (data hash, code version, params, seed, package versions, metrics,
     model and prediction hashes)
  1  the rebuild differs: a field-level diff is printed (field, recorded, rebuilt);
     or model.pkl beside the manifest is not byte for byte the rebuilt model.
     model.pkl is never unpickled: the rebuilt model is pickled the way `run`
     pickles it and the two SHA-256 are compared. (A hash recorded in the manifest
     proves nothing: it comes from the same folder as the file.)
  2  cannot rebuild: missing file, not JSON, missing keys, unknown pipeline or
     version, a seed or params outside their allowed range (or rejected by
     scikit-learn), or the data differs ("cannot rebuild: data differs" with
     both hashes) — a rebuild on other data would prove nothing, so it is refused.

--trust-model-file UNPICKLES model.pkl, which runs any code the file holds: use it
only for a file you made yourself. It then compares the loaded model's content hash,
hyperparameters and seed with the manifest, which names an input edited after the run.
"""

class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr (exit 2), not a usage block."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_UNUSABLE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """The parser for every subcommand (exposed for tests and docs)."""
    parser = _Parser(
        prog="python -m case_study",
        description="The loan-approval case study of the Reproducible ML Workshop.",
        epilog="Set CASE_STUDY_DEBUG=1 to see the traceback of an unexpected error.",
    )
    parser.add_argument("--version", action="version", version=f"case-study {__version__}")
    commands = parser.add_subparsers(
        dest="command",
        required=True,
        metavar="{run,verify,stage,notebooks,take-home}",
        parser_class=_Parser,
    )

    run = commands.add_parser(
        "run",
        help="train the loan model; write DIR/manifest.json and DIR/model.pkl",
        description="Train the loan model on the verified data and write a run manifest "
        "(data hash, code version, params, seed, environment, metrics, model and prediction "
        "hashes) to DIR/manifest.json, with the model beside it as DIR/model.pkl.",
    )
    run.add_argument(
        "--pipeline",
        required=True,
        choices=("reproducible", "irreproducible"),
        help="which pipeline trains the model",
    )
    run.add_argument(
        "--out",
        required=True,
        type=Path,
        metavar="DIR",
        help="folder for manifest.json and model.pkl (created if missing; "
        "never inside the data folder)",
    )
    run.add_argument(
        "--seed",
        type=int,
        default=None,
        metavar="N",
        help="the one seed of the reproducible pipeline (default: 42); "
        "the irreproducible pipeline takes none",
    )

    verify = commands.add_parser(
        "verify",
        help="rebuild a run from its manifest alone and compare every field",
        description="Retrain from the manifest alone (pipeline, seed, params; the data hash "
        "is checked first) and compare the result with what the manifest records.",
        epilog=VERIFY_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    verify.add_argument("manifest", type=Path, help="path to a manifest.json written by `run`")
    verify.add_argument(
        "--trust-model-file",
        action="store_true",
        help="also UNPICKLE model.pkl (this runs any code in it: only for a file you made "
        "yourself) and compare its content hash, hyperparameters and seed with the manifest",
    )

    stage = commands.add_parser(
        "stage",
        help="print a stage's headline figures, irreproducible vs reproducible",
        description="Run stage N's irreproducible and reproducible versions and print its "
        "side-by-side table (N from 0 to 5).",
    )
    stage.add_argument(
        "number", type=int, choices=sorted(STAGE_MODULES), metavar="N", help="stage number, 0–5"
    )
    _add_take_home_commands(commands)
    return parser


def _add_take_home_commands(commands) -> None:
    """``notebooks`` and ``take-home``: the case study to work on at home, offline."""
    notebooks = commands.add_parser(
        "notebooks",
        help="write one Jupyter notebook per stage, with graded exercises",
        description="Write one notebook per stage into DIR: the stage's irreproducible and "
        "reproducible code, runnable on the shipped data, and exercises checked by graders "
        "that give hints, never solutions.",
    )
    notebooks.add_argument("--out", required=True, type=Path, metavar="DIR", help="the folder")
    notebooks.add_argument(
        "--solutions",
        action="store_true",
        help="write the instructors' versions, solutions in the exercise cells",
    )
    take_home = commands.add_parser(
        "take-home",
        help="write the take-home archive: code, data, manifest, notebooks, pins",
        description="Write the case study as one zip (code, data with its manifest, "
        "notebooks, exact pins) that installs with `pip install .` and runs offline.",
    )
    take_home.add_argument(
        "--out", required=True, type=Path, metavar="FILE", help="the zip file to write"
    )


def _print_table(frame) -> None:
    print(frame.to_string(index=False))


def cmd_run(args: argparse.Namespace) -> int:
    """Train, write the manifest and the model, print a summary."""
    from case_study import data, pipelines, run_manifest

    if args.pipeline == "irreproducible" and args.seed is not None:
        raise ValueError(
            "the irreproducible pipeline takes no seed (that is its point); drop --seed"
        )
    run_manifest.check_output_dir(args.out)  # refuse before spending a training on it
    frame = data.load_german_credit()
    if args.pipeline == "reproducible":
        seed = pipelines.DEFAULT_SEED if args.seed is None else args.seed
        run = pipelines.train_reproducible(frame, seed=seed)
    else:
        run = pipelines.train_irreproducible(frame)
    manifest_path, model_path = run_manifest.write_run(run, args.out)
    metrics = ", ".join(f"{k} {v}" for k, v in run.metrics.items())
    print(f"pipeline  {run.pipeline} (seed {run.seed})")
    print(f"metrics   {metrics}")
    print(f"model     sha256 {run.model_sha256}")
    print(f"wrote     {manifest_path}")
    print(f"          {model_path}")
    print(f"check it  python -m case_study verify {manifest_path}")
    return EXIT_OK


def cmd_verify(args: argparse.Namespace) -> int:
    """Rebuild from the manifest; 0 when every field and the model file match, else 1."""
    from case_study import rebuild, run_manifest

    manifest = run_manifest.load_manifest(args.manifest)
    model_path = Path(args.manifest).parent / run_manifest.MODEL_NAME
    verification = rebuild.verify_run(
        manifest,
        model_path if model_path.is_file() else None,
        trust_model_file=args.trust_model_file,
    )
    diffs = verification.fields
    bad = run_manifest.mismatches(diffs)
    model_bad = run_manifest.mismatches(verification.model_file)
    if not bad and not model_bad:
        print(
            f"OK: rebuilt {manifest['pipeline']} run from {args.manifest}; all {len(diffs)} "
            "compared "
            f"fields match (model_sha256 {manifest['model_sha256'][:12]}…)."
        )
        _print_model_file_note(verification, model_path)
        return EXIT_OK
    if bad:
        print(
            f"MISMATCH: rebuilding from {args.manifest} does not reproduce it: "
            f"{len(bad)} of {len(diffs)} compared fields differ"
            + (f", and {model_path.name} is not the rebuilt model." if model_bad else ".")
        )
    else:
        print(
            f"MISMATCH: all {len(diffs)} compared fields of {args.manifest} rebuild, but "
            f"{model_path.name} beside it is not the rebuilt model."
        )
    if bad:
        table = run_manifest.diff_table(bad).drop(columns="match")
        _print_table(table.rename(columns={"found": "rebuilt"}))
    if any(d.field == "code_version.sha256" for d in bad):
        changed = run_manifest.changed_code_files(manifest)
        if changed:
            print(f"\ncase_study files changed since the run: {', '.join(changed)}")
    if model_bad:
        _print_model_file_mismatch(verification, model_bad, model_path)
    return EXIT_MISMATCH


def _print_model_file_note(verification, model_path: Path) -> None:
    if not verification.model_file:
        print(f"No {model_path.name} beside the manifest: only the manifest was checked.")
    elif not verification.model_opened:
        print(
            f"{model_path.name} is byte for byte the rebuilt model (SHA-256 compared; the "
            "file was never unpickled)."
        )


def _print_model_file_mismatch(verification, model_bad: list, model_path: Path) -> None:
    from case_study import run_manifest

    print(
        f"\n{model_path.name} beside the manifest is not the model the manifest rebuilds. "
        "It was not unpickled: unpickling runs any code the file holds."
    )
    table = run_manifest.diff_table(model_bad).drop(columns="match")
    _print_table(table.rename(columns={"recorded": "expected", "found": model_path.name}))
    if not verification.model_opened:
        print(
            "If you made this file yourself, --trust-model-file unpickles it and names the "
            "manifest field edited after the run."
        )


def cmd_stage(args: argparse.Namespace) -> int:
    """Import stage N's module by name and print its side_by_side() table."""
    name = STAGE_MODULES[args.number]
    try:
        module = importlib.import_module(f"case_study.{name}")
    except ModuleNotFoundError as error:
        if error.name != f"case_study.{name}":
            raise
        print(
            f"python -m case_study stage: stage {args.number} is not available: "
            f"case_study/{name}.py is missing",
            file=sys.stderr,
        )
        return EXIT_UNUSABLE
    side_by_side = getattr(module, "side_by_side", None)
    if not callable(side_by_side):
        print(
            f"python -m case_study stage: case_study/{name}.py defines no side_by_side()",
            file=sys.stderr,
        )
        return EXIT_UNUSABLE
    _print_table(side_by_side())
    return EXIT_OK


def cmd_notebooks(args: argparse.Namespace) -> int:
    """Write the stage notebooks (or the instructors' versions) into ``--out``."""
    from case_study import run_manifest
    from case_study.notebooks import build

    run_manifest.check_output_dir(args.out)
    try:
        written = build.write_notebooks(args.out, solutions=args.solutions)
    except ModuleNotFoundError as error:
        if error.name != "case_study.notebooks.solutions":
            raise
        raise ValueError(
            "the instructors' solutions are not part of this copy; drop --solutions"
        ) from None
    for path in written:
        print(f"wrote {path}")
    return EXIT_OK


def cmd_take_home(args: argparse.Namespace) -> int:
    """Write the take-home archive to ``--out``."""
    from case_study import run_manifest, take_home

    run_manifest.check_output_dir(Path(args.out).parent)
    path = take_home.write_archive(args.out)
    print(f"wrote {path} ({path.stat().st_size:,} bytes)")
    print(f"unzip it, then follow {take_home.ARCHIVE_ROOT}/README.md (pip install .)")
    return EXIT_OK


COMMANDS = {
    "run": cmd_run,
    "verify": cmd_verify,
    "stage": cmd_stage,
    "notebooks": cmd_notebooks,
    "take-home": cmd_take_home,
}


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__


def main(argv: list[str] | None = None) -> int:
    """Parse ``argv`` and run the command; returns the exit status (see the module doc)."""
    try:
        args = build_parser().parse_args(argv)
        return COMMANDS[args.command](args)
    except SystemExit as done:  # --help, or a usage error already reported in one line
        return done.code if isinstance(done.code, int) else EXIT_UNUSABLE
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except (CaseStudyError, OSError, ValueError) as error:
        print(f"python -m case_study {_command(argv)}: {_one_line(error)}", file=sys.stderr)
        return EXIT_UNUSABLE
    except Exception as error:  # the edge: an unexpected bug still ends as one line
        if settings.debug():
            raise
        print(
            f"python -m case_study {_command(argv)}: unexpected {type(error).__name__}: "
            f"{_one_line(error)} "
            "(rerun with CASE_STUDY_DEBUG=1 for the traceback)",
            file=sys.stderr,
        )
        return EXIT_UNUSABLE


def _command(argv: list[str] | None) -> str:
    words = sys.argv[1:] if argv is None else argv
    return next((word for word in words if word in COMMANDS), "").strip() or "error"
