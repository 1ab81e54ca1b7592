"""Stage 4 — data and model legacy: run manifests, rebuilds, field-level diffs, model cards
and what a lone pickle can (not) say."""

from __future__ import annotations

import json
import tomllib

import pytest

from case_study import data, paths, pipelines
from case_study import stage4_legacy as s4


@pytest.fixture(scope="module")
def frame():
    return data.load_german_credit()


@pytest.fixture(scope="module")
def run(frame):
    return pipelines.train_reproducible(frame, seed=pipelines.DEFAULT_SEED)


@pytest.fixture(scope="module")
def manifest(run):
    # Through JSON and back, exactly as a manifest on disk is read.
    return json.loads(json.dumps(s4.build_run_manifest(run)))


@pytest.fixture(scope="module")
def card(run, frame):
    return s4.model_card(run, frame)


# ----------------------------------------------------------------------------- manifest


# --------------------------------------------------------------------------- model card


# ------------------------------------------------------------------------ legacy pickle


def test_the_pickle_alone_cannot_say_which_data_code_seed_or_score(run, tmp_path):
    """From model_final_v2.pkl alone, code, seed, metrics and a rebuild are unknown."""
    irreproducible = pipelines.train_irreproducible(data.load_german_credit())
    path = s4.write_legacy_pickle(tmp_path, irreproducible.model)
    assert path.name == s4.LEGACY_PICKLE_NAME
    answers = s4.interrogate_pickle(path)
    assert set(answers) == set(s4.LEGACY_QUESTIONS)
    for key in ("code", "seed", "metrics", "rebuild", "groups"):
        assert answers[key][0] == "unknown"
    assert answers["data"][0] != "yes"
    assert "scikit-learn" in answers["versions"][1]


def test_the_manifest_answers_every_question_the_pickle_cannot(run, manifest, card, tmp_path):
    """Each newcomer question gets an answer from the manifest and card."""
    path = s4.write_legacy_pickle(tmp_path, run.model)
    answers = s4.legacy_questions(path, manifest, card)
    assert len(answers) == len(s4.LEGACY_QUESTIONS)
    assert all(a.from_manifest for a in answers)
    seed_answer = next(a for a in answers if a.question == s4.LEGACY_QUESTIONS["seed"])
    assert str(pipelines.DEFAULT_SEED) in seed_answer.from_manifest


# --------------------------------------------------------------------- stage functions


def test_side_by_side_has_the_contract_columns():
    """`python -m case_study stage 4` gets a figure / irreproducible / reproducible table."""
    table = s4.side_by_side()
    assert list(table.columns) == ["figure", "irreproducible", "reproducible"]
    reproducible = dict(zip(table["figure"], table["reproducible"], strict=True))
    matched = reproducible["compared fields matching after rebuild"].split(" of ")
    assert matched[0] == matched[1]


def test_check_answers_agree_with_the_computations():
    """The reference answers in lessons/04-legacy/checks.toml match what the code computes."""
    checks = tomllib.loads(
        (paths.LESSONS_DIR / "04-legacy" / "checks.toml").read_text(encoding="utf-8")
    )["check"]
    computed = [c for c in checks if c["kind"] == "predict_then_run"]
    assert len(computed) >= 1
    for check in computed:
        module, function = check["compute"].split(":")
        assert module == "case_study.stage4_legacy"
        actual = getattr(s4, function)()
        assert abs(actual - check["answer"]) <= check["tolerance"]
