"""Which calls draw random numbers, and whether each one is given a seed (read from the AST).

The rules, by the name of the called function or class (its last dotted part):

* ``ALWAYS_RANDOM`` — splitters, estimators and samplers whose result depends on
  ``random_state`` with their default settings: seeded only with ``random_state=`` set to
  something other than ``None``.
* ``RANDOM_WHEN`` — random only with some settings: ``KFold``/``StratifiedKFold``/
  ``GroupKFold`` with ``shuffle=True``; ``LogisticRegression`` with a ``solver`` of
  ``"sag"``, ``"saga"`` or ``"liblinear"`` (the default ``"lbfgs"`` draws nothing);
  ``SVC``/``NuSVC`` with ``probability=True``; ``PCA`` with ``svd_solver="randomized"``.
  A setting that is not a literal counts as random.
* ``resample(...)``/``shuffle(...)`` called by their bare name (``sklearn.utils``).
* ``.sample(...)`` on anything but a ``random`` module (pandas ``DataFrame.sample``).
* NumPy: ``np.random.default_rng()``/``RandomState()`` without a seed (or with ``None``);
  the legacy global functions (``np.random.rand``, ``choice``, ``shuffle``, …) unless the
  same file calls ``np.random.seed(...)``.

A call that passes ``**kwargs`` and no ``random_state`` cannot be judged: it is "unknown".
"""

from __future__ import annotations

import ast

SEEDED, UNSEEDED, UNKNOWN = "seeded", "unseeded", "unknown"

ALWAYS_RANDOM = frozenset({
    "train_test_split", "ShuffleSplit", "StratifiedShuffleSplit", "GroupShuffleSplit",
    "RepeatedKFold", "RepeatedStratifiedKFold", "RandomizedSearchCV", "HalvingRandomSearchCV",
    "RandomForestClassifier", "RandomForestRegressor", "ExtraTreesClassifier",
    "ExtraTreesRegressor", "GradientBoostingClassifier", "GradientBoostingRegressor",
    "HistGradientBoostingClassifier", "HistGradientBoostingRegressor",
    "DecisionTreeClassifier", "DecisionTreeRegressor", "ExtraTreeClassifier",
    "ExtraTreeRegressor", "BaggingClassifier", "BaggingRegressor", "AdaBoostClassifier",
    "AdaBoostRegressor", "IsolationForest", "RandomTreesEmbedding", "MLPClassifier",
    "MLPRegressor", "SGDClassifier", "SGDRegressor", "Perceptron",
    "PassiveAggressiveClassifier", "LinearSVC", "KMeans", "MiniBatchKMeans", "TruncatedSVD",
    "TSNE", "NMF", "SMOTE", "ADASYN", "BorderlineSMOTE", "RandomOverSampler",
    "RandomUnderSampler", "permutation_importance", "make_classification",
})
# sklearn.utils.resample / shuffle, only when called by their bare name: ``df.resample`` is
# pandas' time resampling and ``random.shuffle`` the standard library.
BARE_ONLY = frozenset({"resample", "shuffle"})
RANDOM_WHEN = {
    "KFold": ("shuffle", (True,)),
    "StratifiedKFold": ("shuffle", (True,)),
    "GroupKFold": ("shuffle", (True,)),
    "LogisticRegression": ("solver", ("sag", "saga", "liblinear")),
    "SVC": ("probability", (True,)),
    "NuSVC": ("probability", (True,)),
    "PCA": ("svd_solver", ("randomized",)),
}
NUMPY_PREFIXES = ("np.random.", "numpy.random.")
NUMPY_GENERATORS = frozenset({"default_rng", "RandomState", "Generator", "SeedSequence"})
NUMPY_GLOBAL = frozenset({
    "rand", "randn", "randint", "random", "random_sample", "ranf", "sample", "choice",
    "shuffle", "permutation", "normal", "uniform", "binomial", "poisson", "beta", "gamma",
    "exponential", "standard_normal", "multivariate_normal", "integers",
})


def dotted(node: ast.AST) -> str:
    """``np.random.default_rng`` for an attribute chain of names, ``""`` for anything else."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return ""


def callee(call: ast.Call) -> str:
    """The last part of the called name: ``KFold`` for ``model_selection.KFold(...)``."""
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return ""


def _keyword(call: ast.Call, name: str) -> ast.keyword | None:
    return next((k for k in call.keywords if k.arg == name), None)


def _is_none(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def _random_by_setting(call: ast.Call, name: str) -> bool:
    setting, values = RANDOM_WHEN[name]
    keyword = _keyword(call, setting)
    if keyword is None:
        return False
    if isinstance(keyword.value, ast.Constant):
        return keyword.value.value in values
    return True


def _seed_state(call: ast.Call) -> tuple[str, str]:
    """Seeded, unseeded or unknown, from the ``random_state`` keyword, with the reason."""
    keyword = _keyword(call, "random_state")
    if keyword is not None:
        if _is_none(keyword.value):
            return UNSEEDED, "random_state=None"
        return SEEDED, "random_state set"
    if any(k.arg is None for k in call.keywords):
        return UNKNOWN, "random_state may come through **kwargs"
    return UNSEEDED, "no random_state"


def _numpy(call: ast.Call, name: str) -> tuple[str, str] | None:
    """The verdict on a ``np.random.*`` call, or None when it is not one."""
    path = dotted(call.func)
    if not path.startswith(NUMPY_PREFIXES):
        return None
    function = path.rsplit(".", 1)[-1]
    if function == "seed":
        return SEEDED, "global NumPy seed"
    if function in NUMPY_GENERATORS:
        if (call.args and not _is_none(call.args[0])) or _keyword(call, "seed"):
            return SEEDED, f"{function} with a seed"
        return UNSEEDED, f"{function}() without a seed"
    if function in NUMPY_GLOBAL:
        return "global", f"np.random.{function} draws from the global generator"
    return None


def judge_call(call: ast.Call) -> tuple[str, str] | None:
    """Whether a call draws random numbers, and if so whether it is seeded.

    Args:
        call: any call node.

    Returns:
        ``(state, reason)`` with state ``seeded``, ``unseeded``, ``unknown`` or ``global``
        (a legacy global NumPy draw: seeded only if the file seeds NumPy), or None when the
        call draws nothing this audit knows of.
    """
    name = callee(call)
    verdict = _numpy(call, name)
    if verdict is not None:
        return verdict
    if dotted(call.func).startswith(NUMPY_PREFIXES):
        return None
    bare = isinstance(call.func, ast.Name)
    if (name in ALWAYS_RANDOM or (bare and name in BARE_ONLY)
            or (name in RANDOM_WHEN and _random_by_setting(call, name))):
        state, reason = _seed_state(call)
        return state, f"{name}: {reason}"
    if name == "sample" and isinstance(call.func, ast.Attribute):
        owner = dotted(call.func.value)
        if owner.split(".")[-1] != "random":
            state, reason = _seed_state(call)
            return state, f".sample: {reason}"
    return None
