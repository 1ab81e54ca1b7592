"""Transformations fitted before the split, scope by scope."""

from __future__ import annotations

import ast
import textwrap

from workshop.audit.leaks import Leak, find_leaks


def leaks(code: str):
    return find_leaks(ast.parse(textwrap.dedent(code)))


def test_fit_transform_on_the_whole_frame_before_the_split():
    found, splits, pipes = leaks("""
        X = StandardScaler().fit_transform(X)
        X_train, X_test = train_test_split(X, random_state=0)
    """)
    assert found == [Leak(2, 3, "StandardScaler")] and splits == [3] and pipes == []


def test_a_named_transformer_fitted_then_split_and_cross_validated():
    found, splits, _ = leaks("""
        selector = SelectKBest(k=5)
        selector.fit(X, y)
        X = selector.transform(X)
        scores = cross_val_score(model, X, y)
    """)
    assert found == [Leak(3, 5, "SelectKBest")] and splits == [5]


def test_fits_after_the_split_or_on_its_outputs_are_fine():
    found, splits, pipes = leaks("""
        X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
        scaler = StandardScaler().fit(X_train)
        X_fit, X_val = train_test_split(scaler.transform(X_train), random_state=0)
        pipe = make_pipeline(StandardScaler(), LogisticRegression())
        pipe.fit(X_train, y_train)
    """)
    assert found == [] and splits == [2, 4] and pipes == [5]


def test_scaler_fitted_on_split_output_before_a_second_split():
    found, _, _ = leaks("""
        X_train, X_test = train_test_split(X, random_state=0)
        scaler = MinMaxScaler()
        X_train = scaler.fit_transform(X_train)
        X_a, X_b = train_test_split(X_train, random_state=0)
    """)
    assert found == []


def test_each_function_is_its_own_scope():
    found, splits, _ = leaks("""
        def prepare(X):
            return StandardScaler().fit_transform(X)

        def evaluate(X, y):
            return train_test_split(X, y, random_state=0)

        def leaky(X, y):
            imputer = SimpleImputer()
            X = imputer.fit_transform(X)
            if y is not None:
                return cross_validate(model, X, y)
    """)
    assert found == [Leak(10, 12, "SimpleImputer")] and splits == [6, 12]
