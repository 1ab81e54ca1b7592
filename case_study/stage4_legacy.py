"""Stage 4 — Data and model legacy: what a newcomer inherits, and whether they can act on it.

Irreproducible: ``model_final_v2.pkl`` and nothing else (:func:`write_legacy_pickle`,
``# PITFALL:`` marked). Which data, which code, which parameters, which library versions?
The pickle cannot say (:func:`interrogate_pickle`).

Reproducible: a JSON run manifest (data hash, code version, parameters, seed, environment,
metrics, model and prediction hashes) from which the run can be rebuilt and checked field
by field, and a model card (Mitchell et al. 2019) whose metrics are broken down by group,
each with its size and a Wilson score interval. The machinery lives in its own
modules — :mod:`case_study.run_manifest`, :mod:`case_study.rebuild` and
:mod:`case_study.model_card` — and is re-exported here under its old names; this module
tells the story on top of it (:func:`legacy_questions`, :func:`side_by_side`).
"""

from __future__ import annotations

import json
import pickle
import pickletools
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from case_study import data, rebuild, run_manifest
from case_study import model_card as cards
from case_study.errors import DataMismatchError, UnsafeOutputError
from case_study.hashing import is_sha256, sha256_file, short
from case_study.model_card import (
    AGE_BANDS,
    CONFIDENCE,
    GROUP_FACTORS,
    MAX_INTERVAL_WIDTH,
    MIN_GROUP_SIZE,
    SECTION_TITLES,
    ModelCard,
    age_band,
    cost_interval,
    decision_metrics,
    group_metrics,
    render_model_card_markdown,
)
from case_study.pipelines import DEFAULT_SEED, reproducible_run, train_irreproducible
from case_study.rebuild import rebuild_run, rebuild_with_change, recorded_model_diffs
from case_study.run_manifest import (
    ABSENT,
    CASE_STUDY_DIR,
    MANIFEST_NAME,
    MANIFEST_VERSION,
    MODEL_NAME,
    PARAM_LIMITS,
    REQUIRED_KEYS,
    SEED_LIMITS,
    TRACKED_PACKAGES,
    FieldDiff,
    changed_code_files,
    check_output_dir,
    check_param,
    check_seed,
    code_version,
    diff_manifests,
    diff_table,
    environment,
    load_manifest,
    mismatches,
    validate_manifest,
    with_field,
)
from case_study.run_pool import RunPool
from case_study.safe_pickle import load_fitted_model

# fmt: off
__all__ = [
    # this module: the legacy pickle and the stage's figures
    "LEGACY_PICKLE_NAME", "LEGACY_QUESTIONS", "LegacyAnswer", "write_legacy_pickle",
    "interrogate_pickle", "legacy_questions", "reproducible_manifest",
    "under_25_interval_width", "fields_changed_by_seed", "side_by_side", "TeamPickle",
    "make_team_pickle", "TEAM_PICKLES", "warm_pool",
    # re-exported: case_study.run_manifest
    "ABSENT", "CASE_STUDY_DIR", "MANIFEST_NAME", "MANIFEST_VERSION", "MODEL_NAME",
    "PARAM_LIMITS", "REQUIRED_KEYS", "SEED_LIMITS", "TRACKED_PACKAGES", "FieldDiff",
    "build_run_manifest", "changed_code_files", "check_output_dir", "check_param",
    "check_seed", "code_version", "diff_manifests", "diff_table", "environment",
    "load_manifest", "mismatches", "validate_manifest", "with_field", "write_run",
    # re-exported: case_study.rebuild
    "rebuild_from_manifest", "rebuild_run", "rebuild_with_change", "recorded_model_diffs",
    # re-exported: case_study.model_card
    "AGE_BANDS", "CONFIDENCE", "GROUP_FACTORS", "MAX_INTERVAL_WIDTH", "MIN_GROUP_SIZE",
    "SECTION_TITLES", "ModelCard", "age_band", "cost_interval", "decision_metrics",
    "group_metrics", "model_card", "render_model_card_markdown",
    # re-exported: errors and hashing
    "DataMismatchError", "UnsafeOutputError", "is_sha256",
]
# fmt: on

LEGACY_PICKLE_NAME = "model_final_v2.pkl"


# ------------------------------------------ Wrong and Right: what the team hands over


def write_legacy_pickle(directory: Path, model: object) -> Path:
    """Wrong: save ``model`` the way the team did, ``directory/model_final_v2.pkl`` alone."""
    # PITFALL: only the fitted object is saved. Which data (and which version), which code,
    # which parameters were chosen, which seed, which library versions, what it scored:
    # none of it travels with the file.
    # PITFALL: nothing records the file's own hash, so nobody can tell whether the pickle
    # opened later is the one the team made, and unpickling a file runs its code.
    path = Path(directory) / LEGACY_PICKLE_NAME
    path.write_bytes(pickle.dumps(model, protocol=5))
    return path


# Right: ``write_run`` (case_study.run_manifest) saves ``model.pkl`` beside a
# ``manifest.json`` that names the data hash, the code version, the parameters, the seed,
# the environment, the metrics and the model file's own SHA-256; ``rebuild_from_manifest``
# (case_study.rebuild) retrains from it and diffs every field; ``model_card``
# (case_study.model_card) breaks the metrics down by group. Re-exported here, beside the
# pickle they replace.
write_run = run_manifest.write_run
build_run_manifest = run_manifest.build_run_manifest
rebuild_from_manifest = rebuild.rebuild_from_manifest
model_card = cards.model_card


# ------------------------------------------------ what a newcomer can ask of each


LEGACY_QUESTIONS: dict[str, str] = {
    "data": "Which data (which version) was it trained on?",
    "code": "Which code produced it?",
    "params": "Which hyperparameters?",
    "seed": "Which seed (split and forest)?",
    "versions": "Which library versions?",
    "metrics": "What did it score, on which test set?",
    "rebuild": "Can it be rebuilt, byte for byte?",
    "groups": "How well does it work for each group?",
}


@dataclass(frozen=True)
class LegacyAnswer:
    """One question a newcomer asks, answered from the pickle alone and from the manifest."""

    question: str
    pickle_status: str  # "unknown", "partly" or "yes"
    from_pickle: str
    from_manifest: str


def _stored_sklearn_version(blob: bytes) -> str | None:
    """The version scikit-learn writes into each estimator's pickled state, if any."""
    previous = None
    for _, argument, _ in pickletools.genops(blob):
        if previous == "_sklearn_version" and isinstance(argument, str):
            return argument
        if isinstance(argument, str):
            previous = argument
    return None


def interrogate_pickle(path: Path) -> dict[str, tuple[str, str]]:
    """Ask the pickle each of LEGACY_QUESTIONS; answer only from what it really contains.

    Returns ``{question_key: (status, answer)}`` with status "unknown", "partly" or "yes".
    """
    blob = Path(path).read_bytes()
    # The server wrote this file a moment ago, but it sat on disk in between: load it with
    # the restricted unpickler, which refuses anything a fitted model is not made of.
    model = load_fitted_model(blob)
    forest = model.steps[-1][1]
    fitted = forest.get_params()
    columns = list(getattr(model, "feature_names_in_", []))
    sklearn_version = _stored_sklearn_version(blob)
    shown = {
        k: fitted[k] for k in ("n_estimators", "max_depth", "max_features", "min_samples_leaf")
    }
    return {
        "data": (
            "partly" if columns else "unknown",
            f"{len(columns)} column names (feature_names_in_); no rows, no hash, no version"
            if columns
            else "nothing: no column names, no hash",
        ),
        "code": (
            "unknown",
            "a pickle stores fitted objects, not the code or commit that made them",
        ),
        "params": (
            "partly",
            f"the fitted forest's values can be read ({json.dumps(shown)}), but not which were "
            "chosen and which were library defaults of the day",
        ),
        "seed": (
            "unknown" if fitted.get("random_state") is None else "partly",
            f"random_state = {fitted.get('random_state')!r}; the split's seed is not stored at all",
        ),
        "versions": (
            "partly" if sklearn_version else "unknown",
            f"scikit-learn {sklearn_version} (written by scikit-learn into the pickle); Python, "
            "numpy, pandas and scipy unknown"
            if sklearn_version
            else "none stored",
        ),
        "metrics": ("unknown", "no metrics and no test set are stored"),
        "rebuild": (
            "unknown",
            "no: without data, code, split and seed there is nothing to rebuild from",
        ),
        "groups": ("unknown", "no breakdown; the test rows are not even known"),
    }


def legacy_questions(
    pickle_path: Path | None,
    manifest: dict,
    card: ModelCard | None = None,
    from_pickle: dict[str, tuple[str, str]] | None = None,
) -> list[LegacyAnswer]:
    """Pair each newcomer question with what the pickle and what the manifest can say.

    Parameters: ``pickle_path`` a ``model_final_v2.pkl``; ``manifest`` a reproducible run
    manifest; ``card`` its model card, if any; ``from_pickle`` the pickle's answers when
    :func:`interrogate_pickle` has already asked them (``pickle_path`` is then not read).
    Returns one LegacyAnswer per question.
    """
    if from_pickle is None:
        from_pickle = interrogate_pickle(pickle_path)
    env = manifest["environment"]
    packages = ", ".join(f"{k} {v}" for k, v in env.get("packages", {}).items())
    commit = manifest["code_version"].get("git_commit")
    metrics = ", ".join(f"{k} {v}" for k, v in manifest["metrics"].items())
    split = manifest.get("split", {})
    groups = (
        f"model card: {len(card.groups)} groups with {int(CONFIDENCE * 100)}% intervals, "
        f"{len(card.too_small)} flagged too small"
        if card is not None
        else "the model card breaks metrics down by group"
    )
    from_manifest = {
        "data": f"data_sha256 {short(manifest['data_sha256'])}… "
        f"({manifest.get('data_file', 'data/raw')}), checked on load",
        "code": f"code_version {short(manifest['code_version']['sha256'])}…"
        + (f", git commit {short(commit)}" if commit else ""),
        "params": json.dumps(manifest["params"], sort_keys=True),
        "seed": f"seed {manifest['seed']} (split and forest)",
        "versions": f"Python {env.get('python')}, {packages}",
        "metrics": f"{metrics} on {split.get('n_test', '?')} hold-out applicants",
        "rebuild": "yes: python -m case_study verify manifest.json",
        "groups": groups,
    }
    return [
        LegacyAnswer(question, from_pickle[key][0], from_pickle[key][1], from_manifest[key])
        for key, question in LEGACY_QUESTIONS.items()
    ]


@dataclass(frozen=True)
class TeamPickle:
    """One ``model_final_v2.pkl`` made the team's way (unseeded), and what it can answer.

    Attributes:
        file_sha256: the pickle file's hash.
        model_sha256: the fitted model's content hash (what a retrain is compared with).
        kib: the file's size in KiB.
        from_pickle: :func:`interrogate_pickle`'s answers.
    """

    file_sha256: str
    model_sha256: str
    kib: float
    from_pickle: dict[str, tuple[str, str]]


def make_team_pickle(frame: pd.DataFrame | None = None) -> TeamPickle:
    """Train the way the team did, save ``model_final_v2.pkl`` and question it; ~0.25 s.

    Parameters: ``frame`` the verified data (loaded when None). Returns a :class:`TeamPickle`.
    """
    frame = data.load_german_credit() if frame is None else frame
    run = train_irreproducible(frame)
    with tempfile.TemporaryDirectory() as tmp:
        path = write_legacy_pickle(Path(tmp), run.model)
        # The file's hash names the file on disk; the model's content hash is what a
        # retrain is compared with (pickle bytes also depend on object identity).
        return TeamPickle(
            sha256_file(path), run.model_sha256, path.stat().st_size / 1024,
            interrogate_pickle(path),
        )


# Real team pickles this process has made, shared by every learner (case_study.run_pool):
# opening Stage 4 questions the latest one instead of training one per learner.
TEAM_PICKLES: RunPool[TeamPickle] = RunPool(make_team_pickle, name="Stage 4 team pickles",
                                            capacity=8)


def warm_pool() -> None:
    """Make sure :data:`TEAM_PICKLES` holds a pickle.

    The server's background warm-up calls this, so no learner waits for it.
    """
    TEAM_PICKLES.ensure(1)


# ------------------------------------------------------------------ the stage's figures


def reproducible_manifest(seed: int = DEFAULT_SEED) -> dict:
    """The manifest of the reproducible model with ``seed`` on the verified data.

    The model is the shared ``pipelines.reproducible_run``, trained once per process.
    """
    return build_run_manifest(reproducible_run(seed))


def under_25_interval_width() -> float:
    """Predict-then-run: width of the under-25 decline-rate interval in the model card.

    Width (high − low) of the 95% Wilson interval of the decline rate at P(bad) > 1/6 for
    applicants under 25 (the default seed's model). Deterministic.
    """
    frame = data.load_german_credit()
    card = model_card(reproducible_run(DEFAULT_SEED), frame)
    groups = card.groups
    row = groups[(groups["factor"] == "age_band") & (groups["group"] == AGE_BANDS[0][2])].iloc[0]
    return round(float(row["interval_width"]), 3)


def fields_changed_by_seed() -> float:
    """Predict-then-run: how many compared manifest fields a seed change moves.

    The seed moves from the default to the next integer and the run is rebuilt.
    Deterministic.
    """
    manifest = reproducible_manifest(DEFAULT_SEED)
    return float(len(mismatches(rebuild_with_change(manifest, "seed", DEFAULT_SEED + 1))))


def side_by_side() -> pd.DataFrame:
    """The stage's headline figures, computed now: columns figure, irreproducible, reproducible."""
    frame = data.load_german_credit()
    legacy_run = train_irreproducible(frame)
    legacy_manifest = build_run_manifest(legacy_run)
    legacy_diffs = rebuild_from_manifest(legacy_manifest)
    run = reproducible_run(DEFAULT_SEED)  # the one shared default model; the rebuild trains anew
    manifest = build_run_manifest(run)
    diffs = rebuild_from_manifest(manifest)
    card = model_card(run, frame)
    with tempfile.TemporaryDirectory() as tmp:
        answers = legacy_questions(write_legacy_pickle(Path(tmp), legacy_run.model), manifest, card)
    full = sum(a.pickle_status == "yes" for a in answers)
    partly = sum(a.pickle_status == "partly" for a in answers)

    def recorded_vs_rebuilt(diffs: list[FieldDiff], field: str) -> str:
        diff = next(d for d in diffs if d.field == field)
        shown = [
            short(v) + "…" if isinstance(v, str) else str(v) for v in (diff.expected, diff.actual)
        ]
        return f"{shown[0]} → {shown[1]} " + ("✓" if diff.matches else "✗")

    def matched(diffs: list[FieldDiff]) -> str:
        return f"{len(diffs) - len(mismatches(diffs))} of {len(diffs)}"

    rows = [
        ("hand-over", LEGACY_PICKLE_NAME, "manifest.json + model.pkl + model card"),
        (
            f"newcomer questions answered (of {len(answers)})",
            f"{full} fully, {partly} partly (pickle alone)",
            f"{len(answers)} (manifest and card)",
        ),
        ("compared fields matching after rebuild", matched(legacy_diffs), matched(diffs)),
        (
            "model_sha256 recorded → rebuilt",
            recorded_vs_rebuilt(legacy_diffs, "model_sha256"),
            recorded_vs_rebuilt(diffs, "model_sha256"),
        ),
        (
            "roc_auc recorded → rebuilt",
            recorded_vs_rebuilt(legacy_diffs, "metrics.roc_auc"),
            recorded_vs_rebuilt(diffs, "metrics.roc_auc"),
        ),
        (
            "groups in the model card",
            "no card",
            f"{len(card.groups)}, {len(card.too_small)} too small to trust",
        ),
    ]
    return pd.DataFrame(rows, columns=["figure", "irreproducible", "reproducible"])
