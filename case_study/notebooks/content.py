"""What each stage's notebook reads: the stage's own Wrong and Right code, and a short run.

Every code item is a function or a module-level constant of the case study, cut from its
source (:mod:`case_study.notebooks.sources`), so a notebook can never drift from the code
the app runs. The demos are short calls on the shipped data (a second or two each).
"""

from __future__ import annotations

import types
from collections.abc import Callable
from dataclasses import dataclass

from case_study import (
    pipelines,
    run_manifest,
    stage0_why,
    stage1_design,
    stage2_data,
    stage4_legacy,
    stage5_deployment,
)

Item = Callable | tuple[types.ModuleType, str]  # a function, or (module, constant name)


@dataclass(frozen=True)
class Side:
    """One side of a stage: its code and a short run of it."""

    heading: str
    items: tuple[Item, ...]
    demo: str


@dataclass(frozen=True)
class StageReading:
    """A stage's notebook reading: the module it comes from, then Wrong and Right."""

    stage: int
    title: str
    module: types.ModuleType
    wrong: Side
    right: Side


READINGS: tuple[StageReading, ...] = (
    StageReading(
        0,
        "Stage 0 — Why: reproduce a published claim",
        stage0_why,
        Side(
            "The headline, recomputed over every repository",
            (stage0_why.summarise_stars,),
            "print(summarise_stars(python_only=False))",
        ),
        Side(
            "With the filter the authors' notebook applied",
            (),
            "print(summarise_stars(python_only=True))",
        ),
    ),
    StageReading(
        1,
        "Stage 1 — Solution design: forking paths and the design card",
        stage1_design,
        Side(
            "A one-line plan, twenty variants, the best test score reported",
            ((stage1_design, "VAGUE_PLAN"), stage1_design.irreproducible_run_again),
            "run = irreproducible_run_again()\n"
            "print(run.irreproducible_choice, round(run.irreproducible_reported_auc, 3), "
            "'seed:', run.seed)\n"
            "print([gap.field for gap in check_plan(VAGUE_PLAN)])",
        ),
        Side(
            "A design card first; cross-validation inside development; the holdout once",
            ((stage1_design, "REPRODUCIBLE_CARD"),),
            "print(check_plan(REPRODUCIBLE_CARD))\n"
            "run = forking_paths(42)\n"
            "print(run.reproducible_choice, round(run.reproducible_holdout_auc, 3))",
        ),
    ),
    StageReading(
        2,
        "Stage 2 — Data collection: silent updates and leakage",
        stage2_data,
        Side(
            "A loader without a hash; feature selection before the split",
            (stage2_data.load_irreproducible, stage2_data.selection_before_split),
            "update = upstream_update()\n"
            "print('before/after the silent update:', round(update.irreproducible_auc_original, "
            "3), round(update.irreproducible_auc_updated, 3))\n"
            "print('selection before the split:', round(selection_before_split(42), 3))",
        ),
        Side(
            "The verified loader refuses; the selection inside the pipeline",
            (stage2_data.selection_inside_pipeline,),
            "print(update.reproducible_error[:300])\n"
            "print('selection inside the pipeline:', round(selection_inside_pipeline(42), 3))",
        ),
    ),
    StageReading(
        3,
        "Stage 3 — Model development: one answer, byte for byte",
        pipelines,
        Side(
            "The team's training",
            (pipelines.train_irreproducible,),
            "from case_study.data import load_german_credit\n\n"
            "frame = load_german_credit()\n"
            "for _ in range(2):\n"
            "    run = train_irreproducible(frame)\n"
            "    print(run.metrics['roc_auc'], run.model_sha256[:12])",
        ),
        Side(
            "The reproducible training",
            (pipelines.train_reproducible,),
            "for _ in range(2):\n"
            "    run = train_reproducible(frame, seed=42)\n"
            "    print(run.metrics['roc_auc'], run.model_sha256[:12])",
        ),
    ),
    StageReading(
        4,
        "Stage 4 — Data and model legacy: what a newcomer inherits",
        stage4_legacy,
        Side(
            "A pickle, and nothing else",
            (stage4_legacy.write_legacy_pickle,),
            "import tempfile\nfrom pathlib import Path\n\n"
            "from case_study.data import load_german_credit\n"
            "from case_study.pipelines import train_irreproducible\n\n"
            "folder = Path(tempfile.mkdtemp())\n"
            "model = train_irreproducible(load_german_credit()).model\n"
            "legacy = write_legacy_pickle(folder, model)\n"
            "for key, (status, answer) in interrogate_pickle(legacy).items():\n"
            "    print(f'{key:9} {status:8} {answer[:70]}')",
        ),
        Side(
            "A run manifest beside the model, rebuilt field by field",
            (run_manifest.write_run,),
            "from case_study.pipelines import reproducible_run\n"
            "from case_study.rebuild import verify_run\n\n"
            "manifest_path, model_path = write_run(reproducible_run(42), folder / 'run')\n"
            "verification = verify_run(load_manifest(manifest_path), model_path)\n"
            "print(len(mismatches(verification.fields)), 'of', len(verification.fields), "
            "'fields differ')",
        ),
    ),
    StageReading(
        5,
        "Stage 5 — Deployment: monitoring against a recorded baseline",
        stage5_deployment,
        Side(
            "No baseline: the approval rate, and nothing to compare it with",
            (stage5_deployment.monitor_without_baseline,),
            "study = run_deployment_study()\nprint(study.without_baseline.to_string(index=False))",
        ),
        Side(
            "A baseline recorded at training; every month compared with it",
            (stage5_deployment.feature_psi,),
            "print(alerts_frame(study.records).to_string(index=False))",
        ),
    ),
)


def reading(stage: int) -> StageReading:
    """The reading of ``stage`` (0–5)."""
    return next(r for r in READINGS if r.stage == stage)
