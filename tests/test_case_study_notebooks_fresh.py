"""Stage 3's graders run the learner's function in two fresh processes (PYTHONHASHSEED 1 and
2): the solution passes; unseeded code, a seed in one place only and columns from a set each
fail with a hint that names the symptom, never the fix."""

from __future__ import annotations

import pytest

from case_study.notebooks import exercises, fresh, solutions, starters
from case_study.pipelines import train_irreproducible, train_reproducible
from tests.test_case_study_notebooks_graders import assert_not_yet, grade

pytestmark = pytest.mark.slow


def _source(split_seed: str, model_seed: str, columns: str) -> str:
    return f"""
def {{name}}(frame):
    features, target = split_features_target(frame)
{columns}
    x_train, x_test, y_train, y_test = train_test_split(
        features, target, test_size=TEST_SIZE, stratify=target, random_state={split_seed}
    )
    preprocess = ColumnTransformer(
        [
            ("categorical", OneHotEncoder(handle_unknown="ignore"), categorical),
            ("numeric", StandardScaler(), numeric),
        ]
    )
    forest = RandomForestClassifier(random_state={model_seed}, **DEFAULT_PARAMS)
    model = Pipeline([("preprocess", preprocess), ("model", forest)]).fit(x_train, y_train)
    return _finish("x", 42, {{{{}}}}, model, x_test, y_test, categorical + numeric, len(y_train))
"""


SORTED = """\
    numeric = sorted(codes.NUMERIC_COLUMNS)
    categorical = sorted(codes.CATEGORICAL_COLUMNS)"""
FROM_A_SET = """\
    numeric = list(set(codes.NUMERIC_COLUMNS))
    categorical = list(set(features.columns) - set(codes.NUMERIC_COLUMNS))"""
WRONG_TRAININGS = {
    "seed_in_the_split_only": _source("42", "None", SORTED),
    "seed_in_the_forest_only": _source("None", "42", SORTED),
    "seeds_but_columns_from_a_set": _source("42", "42", FROM_A_SET),
}


WRONG_COLUMNS = {
    "numeric_sorted_categorical_from_a_set": """
def numeric_sorted_categorical_from_a_set():
    return list(set(codes.CATEGORICAL_COLUMNS)), sorted(codes.NUMERIC_COLUMNS)
""",
    "one_column_missing": """
def one_column_missing():
    return sorted(codes.CATEGORICAL_COLUMNS)[1:], sorted(codes.NUMERIC_COLUMNS)
""",
}


def _define(name: str, tmp_path):
    """Define a wrong answer in a file of its own with its exercise's imports, as a cell."""
    path = tmp_path / f"{name}.py"
    if name in WRONG_COLUMNS:
        text = exercises.BY_KEY["stage3.feature_columns"].imports() + WRONG_COLUMNS[name]
    else:
        text = exercises.BY_KEY["stage3.training"].imports()
        text += WRONG_TRAININGS.get(name, UNDEFINED_HELPER).format(name=name)
    path.write_text(text)
    namespace = {}
    exec(compile(path.read_text(), str(path), "exec"), namespace)
    return namespace[name]


UNDEFINED_HELPER = """
def {name}(frame):
    return helper_defined_nowhere(frame)
"""


def test_training_solution_passes(capsys):
    outcome = grade("stage3.training", train_reproducible, capsys)
    assert outcome.passed, outcome.text()
    assert "byte for byte" in outcome.message


def test_unseeded_training_names_the_forest(capsys):
    outcome = grade("stage3.training", train_irreproducible, capsys)
    assert_not_yet(outcome, "RandomForestClassifier", "different models")


def test_seed_in_the_split_only_still_names_the_forest(capsys, tmp_path):
    answer = _define("seed_in_the_split_only", tmp_path)
    assert_not_yet(grade("stage3.training", answer, capsys), "RandomForest")


def test_seed_in_the_forest_only_names_the_split(capsys, tmp_path):
    answer = _define("seed_in_the_forest_only", tmp_path)
    assert_not_yet(grade("stage3.training", answer, capsys), "test rows")


def test_every_seed_but_columns_from_a_set_names_the_column_order(capsys, tmp_path):
    answer = _define("seeds_but_columns_from_a_set", tmp_path)
    outcome = grade("stage3.training", answer, capsys)
    assert_not_yet(outcome, "another order", "string hashes")


def test_code_that_fails_in_a_fresh_process_says_why(capsys, tmp_path):
    outcome = grade("stage3.training", _define("uses_an_undefined_helper", tmp_path), capsys)
    assert_not_yet(outcome, "NameError", "helper_defined_nowhere", "inside the function")


def test_column_order_solution_passes(capsys):
    assert grade("stage3.feature_columns", solutions.feature_columns, capsys).passed


def test_columns_from_a_set_differ_between_processes(capsys):
    outcome = grade("stage3.feature_columns", starters.feature_columns, capsys)
    assert_not_yet(outcome, "another order", "PYTHONHASHSEED=1", "PYTHONHASHSEED=2")


def test_half_sorted_columns_name_the_list_still_unsorted(capsys, tmp_path):
    answer = _define("numeric_sorted_categorical_from_a_set", tmp_path)
    outcome = grade("stage3.feature_columns", answer, capsys)
    assert_not_yet(outcome, "categorical columns come in another order")


def test_a_missing_column_is_counted(capsys, tmp_path):
    answer = _define("one_column_missing", tmp_path)
    assert_not_yet(grade("stage3.feature_columns", answer, capsys), "12")


def test_the_learner_script_carries_the_exercise_imports_and_the_function():
    spec = exercises.BY_KEY["stage3.feature_columns"]
    script = fresh.learner_script(solutions.feature_columns, spec.imports(), "1")
    assert "from case_study import codes" in script
    assert "def feature_columns" in script
    assert "from __future__" not in script
