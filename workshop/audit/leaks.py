"""Transformations fitted before the split, read from the AST one scope at a time.

In each scope (the module, or one function; nested functions are scopes of their own) the
statements are read in source order. A *fit* is a call of ``fit``, ``fit_transform`` or
``fit_resample`` on a transformer: a call of a class in ``TRANSFORMERS`` (``StandardScaler()
.fit_transform(X)``) or a name assigned from one in that scope (``scaler = StandardScaler()``).
A *split* is a call of a function in ``SPLITS``. A fit is a leak when a split comes after it
in the same scope and the fitted data is not itself an output of an earlier split (fitting a
scaler on ``X_train`` and then splitting ``X_train`` again for validation is fine).
A scaler inside a ``Pipeline``/``make_pipeline`` is never a leak: the pipeline is not a
transformer name.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from workshop.audit.randomness import callee

TRANSFORMERS = frozenset({
    "StandardScaler", "MinMaxScaler", "RobustScaler", "MaxAbsScaler", "Normalizer",
    "QuantileTransformer", "PowerTransformer", "KBinsDiscretizer", "OneHotEncoder",
    "OrdinalEncoder", "TargetEncoder", "SimpleImputer", "KNNImputer", "IterativeImputer",
    "PCA", "TruncatedSVD", "SelectKBest", "SelectPercentile", "SelectFromModel", "RFE", "RFECV",
    "VarianceThreshold", "SequentialFeatureSelector", "CountVectorizer", "TfidfVectorizer",
    "SMOTE", "ADASYN", "BorderlineSMOTE", "RandomOverSampler", "RandomUnderSampler",
})
FITS = frozenset({"fit", "fit_transform", "fit_resample"})
SPLITS = frozenset({"train_test_split", "cross_val_score", "cross_validate", "cross_val_predict"})
PIPELINES = frozenset({"Pipeline", "make_pipeline"})
SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


@dataclass(frozen=True)
class Leak:
    """A fit at ``line`` followed by a split at ``split_line`` in the same scope."""

    line: int
    split_line: int
    transformer: str


def _scope_nodes(body: list[ast.stmt]):
    """Every node of a scope's statements, not entering nested functions or classes."""
    stack = [node for node in reversed(body) if not isinstance(node, SCOPES)]
    while stack:
        node = stack.pop()
        yield node
        children = [c for c in ast.iter_child_nodes(node) if not isinstance(c, SCOPES)]
        stack.extend(reversed(children))


def _names(target: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}


def _base_name(node: ast.AST) -> str:
    while isinstance(node, ast.Subscript | ast.Attribute):
        node = node.value
    return node.id if isinstance(node, ast.Name) else ""


def _fitted_transformer(call: ast.Call, transformers: dict[str, str]) -> str:
    """The transformer's class name when ``call`` fits one, else ``""``."""
    if not isinstance(call.func, ast.Attribute) or call.func.attr not in FITS:
        return ""
    owner = call.func.value
    if isinstance(owner, ast.Call) and callee(owner) in TRANSFORMERS:
        return callee(owner)
    if isinstance(owner, ast.Name):
        return transformers.get(owner.id, "")
    return ""


def _events(body: list[ast.stmt]):
    """``(line, kind, detail)`` for transformer bindings, fits and splits, in source order."""
    transformers: dict[str, str] = {}
    split_outputs: set[str] = set()
    fits: list[tuple[int, str, str]] = []
    splits: list[int] = []
    nodes = sorted((n for n in _scope_nodes(body) if hasattr(n, "lineno")),
                   key=lambda n: (n.lineno, n.col_offset))
    for node in nodes:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            name = callee(node.value)
            for target in node.targets:
                if name in TRANSFORMERS:
                    transformers.update(dict.fromkeys(_names(target), name))
                elif name in SPLITS:
                    split_outputs |= _names(target)
        if not isinstance(node, ast.Call):
            continue
        if callee(node) in SPLITS:
            splits.append(node.lineno)
            continue
        fitted = _fitted_transformer(node, transformers)
        data = _base_name(node.args[0]) if node.args else ""
        if fitted and data not in split_outputs:
            fits.append((node.lineno, fitted, data))
    return fits, splits


def scope_bodies(tree: ast.Module):
    """The module body and the body of every function, each a separate scope."""
    yield tree.body
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node.body


def find_leaks(tree: ast.Module) -> tuple[list[Leak], list[int], list[int]]:
    """Fits before a split, every split, and every pipeline built, in a parsed module.

    Args:
        tree: the parsed module.

    Returns:
        ``(leaks, split_lines, pipeline_lines)``, each sorted by line.
    """
    leaks: list[Leak] = []
    split_lines: list[int] = []
    for body in scope_bodies(tree):
        fits, splits = _events(body)
        split_lines.extend(splits)
        for line, transformer, _data in fits:
            later = [s for s in splits if s > line]
            if later:
                leaks.append(Leak(line, later[0], transformer))
    pipelines = sorted({n.lineno for n in ast.walk(tree)
                        if isinstance(n, ast.Call) and callee(n) in PIPELINES})
    return sorted(leaks, key=lambda k: k.line), sorted(set(split_lines)), pipelines
