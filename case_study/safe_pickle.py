"""Unpickle a fitted case-study model without letting the file choose what code runs.

``pickle.loads`` calls whatever the file names, so a tampered ``.pkl`` runs its author's code.
The case study only ever unpickles models it has just written itself (Stage 4's team pickle,
``verify --trust-model-file``), but the bytes pass through a folder on disk first; this loader
is the second lock on that door. It allows exactly what a fitted scikit-learn model of this
case study is made of: scikit-learn estimator and tree classes, NumPy's array and scalar
reconstructors, and ``slice``. Anything else (``os.system``, ``builtins.eval``, a class from
another package) is refused before it is imported, let alone called.

The approach is the one the Python documentation gives under "Restricting Globals".
"""

from __future__ import annotations

import io
import pickle

from case_study.errors import UnsafePickleError

# What the case study's fitted pipelines reference, found by listing every global the real
# team pickle asks for (tests/test_case_study_safe_pickle.py keeps the list honest).
_NUMPY_GLOBALS = frozenset(
    {
        ("numpy", "dtype"),
        ("numpy", "ndarray"),
        ("numpy", "float64"),
        ("numpy", "int64"),
        ("numpy", "bool_"),
        ("numpy", "str_"),
        ("numpy", "object_"),
        ("numpy._core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "scalar"),
        ("numpy._core.numeric", "_frombuffer"),
    }
)
_BUILTIN_GLOBALS = frozenset({("builtins", "slice")})


def _is_sklearn_model_class(module: str, name: str) -> bool:
    """True for a scikit-learn class that a fitted estimator's state can hold."""
    if module != "sklearn" and not module.startswith("sklearn."):
        return False
    from sklearn.base import BaseEstimator
    from sklearn.tree._tree import Tree

    found = getattr(__import__(module, fromlist=[name]), name, None)
    return isinstance(found, type) and issubclass(found, BaseEstimator | Tree)


class _ModelUnpickler(pickle.Unpickler):
    """An unpickler whose ``find_class`` admits only the model's own building blocks."""

    def find_class(self, module: str, name: str) -> object:
        """Return the named global if a fitted case-study model may hold it; refuse otherwise."""
        allowed = (module, name) in _NUMPY_GLOBALS | _BUILTIN_GLOBALS or (
            _is_sklearn_model_class(module, name)
        )
        if not allowed:
            raise UnsafePickleError(
                f"refusing to unpickle: the file asks for {module}.{name}, which no fitted "
                "case-study model contains. Do not open this file; retrain from the run "
                "manifest instead (case-study verify)."
            )
        return super().find_class(module, name)


def load_fitted_model(blob: bytes) -> object:
    """Unpickle ``blob``, allowing only what a fitted scikit-learn model is made of.

    Args:
        blob: the pickle's bytes.

    Returns:
        The unpickled model.

    Raises:
        UnsafePickleError: the pickle names any other class or function (nothing it names
            is called).
    """
    return _ModelUnpickler(io.BytesIO(blob)).load()
