"""Which calls draw random numbers and whether each is seeded, from the syntax tree."""

from __future__ import annotations

import ast

import pytest

from workshop.audit.randomness import judge_call


def judge(code: str):
    return judge_call(ast.parse(code, mode="eval").body)


@pytest.mark.parametrize("code, state, reason", [
    ("train_test_split(X, y)", "unseeded", "train_test_split: no random_state"),
    ("ms.train_test_split(X, y, random_state=None)", "unseeded",
     "train_test_split: random_state=None"),
    ("train_test_split(X, y, random_state=SEED)", "seeded", "train_test_split: random_state set"),
    ("RandomForestClassifier()", "unseeded", "RandomForestClassifier: no random_state"),
    ("RandomForestClassifier(**params)", "unknown",
     "RandomForestClassifier: random_state may come through **kwargs"),
    ("KFold(5, shuffle=True)", "unseeded", "KFold: no random_state"),
    ("StratifiedKFold(shuffle=flag)", "unseeded", "StratifiedKFold: no random_state"),
    ("LogisticRegression(solver='saga')", "unseeded", "LogisticRegression: no random_state"),
    ("SVC(probability=True, random_state=0)", "seeded", "SVC: random_state set"),
    ("df.sample(frac=0.5)", "unseeded", ".sample: no random_state"),
    ("df.sample(frac=0.5, random_state=1)", "seeded", ".sample: random_state set"),
    ("resample(X, n_samples=3)", "unseeded", "resample: no random_state"),
    ("np.random.default_rng()", "unseeded", "default_rng() without a seed"),
    ("np.random.default_rng(None)", "unseeded", "default_rng() without a seed"),
    ("numpy.random.default_rng(42)", "seeded", "default_rng with a seed"),
    ("np.random.RandomState(seed=3)", "seeded", "RandomState with a seed"),
    ("np.random.seed(0)", "seeded", "global NumPy seed"),
    ("np.random.permutation(10)", "global", "np.random.permutation draws from the global "
                                            "generator"),
])
def test_random_calls(code, state, reason):
    assert judge(code) == (state, reason)


@pytest.mark.parametrize("code", [
    "KFold(5)", "KFold(5, shuffle=False)", "LogisticRegression()",
    "LogisticRegression(solver='lbfgs')", "SVC()", "PCA(3)", "cross_val_score(m, X, y)",
    "frame.resample('M')", "random.shuffle(items)", "random.sample(items, 2)",
    "np.random.get_state()", "print('train_test_split')",
])
def test_calls_that_draw_nothing_known(code):
    assert judge(code) is None
