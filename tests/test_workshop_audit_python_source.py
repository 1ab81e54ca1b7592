"""Facts read from Python source: seeds, set-built column lists, tracking, monitoring."""

from __future__ import annotations

import textwrap

import pytest

from workshop.audit.python_source import analyse


def facts(code: str):
    return analyse(textwrap.dedent(code))


def test_global_numpy_draws_are_seeded_only_when_the_file_seeds_numpy():
    unseeded = facts("import numpy as np\nnoise = np.random.rand(3)\n")
    assert [(h.line, state) for h, state in unseeded.random] == [(2, "unseeded")]
    seeded = facts("import numpy as np\nnoise = np.random.rand(3)\nnp.random.seed(1)\n")
    assert [(h.line, state) for h, state in seeded.random] == [(2, "seeded"), (3, "seeded")]


@pytest.mark.parametrize("code, lines", [
    ("cols = list(set(df.columns) - {'target'})", [1]),
    ("X = df[list(set(df.columns))]", [1]),
    ("X = df[set(a) | set(b)]", [1]),
    ("features = list(d.keys() - {'id'})", [1]),
    ("names = tuple(set(feature_names).difference(drop))", [1]),
    ("x = [c for c in set(frame.columns) if c != 'y']", [1]),
    ("pd.read_csv(p, usecols={'a', 'b'})", [1]),
    ("frame = pd.DataFrame(rows, columns={'a', 'b'})", [1]),
    ("selected = list(set(x))\nfeature_list = selected", []),
    ("cols = sorted(set(df.columns) - {'target'})", []),
    ("cols = sorted(list(set(df.columns)))", []),
    ("changed_columns = set()\nchanged_columns.add('a')", []),
    ("ids = list(set(user_ids))", []),
    ("if c in {'a', 'b'}:\n    pass", []),
])
def test_column_lists_built_from_sets(code, lines):
    assert [hit.line for hit in facts(code).set_columns] == lines


def test_fixed_column_lists():
    found = facts("""
        NUMERIC_COLUMNS = ["age", "amount"]
        feature_names = sorted(frame.columns)
        cols = ["a", 1]
        other = ["x", "y"]
    """)
    assert [h.line for h in found.fixed_columns] == [2, 3]


def test_tracking_manifest_monitoring_and_training():
    found = facts("""
        import hashlib, json
        from wandb import init
        import alibi_detect.cd
        from . import local

        def population_stability(a, b):
            return ks_2samp(a, b)

        def train_model():
            model.fit(X, y)
            train_test_split(X)
            digest = hashlib.sha256(b"x").hexdigest()
            json.dump({"sha256": digest}, handle)
    """)
    assert [(h.line, h.note) for h in found.tracking] == [(3, "imports wandb")]
    assert [(h.line, h.note) for h in found.monitoring] == [
        (4, "imports alibi_detect.cd"), (7, "defines population_stability()"),
        (8, "drift test ks_2samp()")]
    assert [(h.line, h.note) for h in found.trains] == [(11, "calls fit()")]
    assert [h.line for h in found.hashing] == [13] and [h.line for h in found.json_writes] == [14]


@pytest.mark.parametrize("source", ["def f(:\n", "x = '\0'\n", "(" * 300 + ")" * 300])
def test_unparsable_source_raises_syntax_error(source):
    with pytest.raises(SyntaxError):
        analyse(source)
