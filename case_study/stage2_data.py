"""Stage 2 — Data collection: a silent upstream update, and leakage before the split.

(a) **Silent upstream update.** :func:`write_upstream_update` writes a re-coded copy of
``german.data`` into a directory you choose (a temporary one; never ``data/raw/``). The
irreproducible loader reads whatever is at its path, decodes with its own typed-in table and
trains: the score changes and nobody is told. The reproducible loader
(``data.load_german_credit``) refuses with :class:`DataIntegrityError`, naming both hashes and
what changed. A schema check (same columns, dtypes, rows, even the same set of codes)
still passes on the changed file.

The re-coding, and why it is realistic: the first attribute, "status of existing checking
account", is renumbered so that "no checking account" comes first — A14 → A11, A11 → A12,
A12 → A13, A13 → A14 — as a maintainer "correcting" a code table to an order that lists the
absence of an account before the balances might do. Grömping (2019) reports that the
Statlog file's coding information has severe errors and that a corrected dataset was
published; Sculley et al. (2015) warn that even an update that *corrects* an input signal
can hurt a model that depends on it, and advise a versioned copy. The file keeps every
column, every code and every row; only what the codes mean moves. (The renumbering is our
construction, chosen to be plausible; it is not a copy of Grömping's corrected table.)

(b) **Leakage**, each as a *Wrong* function (marked ``# PITFALL:``) and a *Right* one,
scored side by side over several split seeds:

- feature selection before the split, with random noise columns added (cf. scikit-learn's
  "Common pitfalls" example) vs selection inside the Pipeline;
- oversampling the minority class before the split (copies land in train *and* test) vs
  oversampling the training rows only;
- scaling before the split: a leak, but a small one.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import RandomForestClassifier
from sklearn.feature_selection import SelectKBest, VarianceThreshold, f_classif
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from case_study import codes, data, paths
from case_study.design_matrix import loan_design_matrix, roc_auc
from case_study.errors import DataIntegrityError
from case_study.hashing import sha256_bytes
from case_study.pipelines import DEFAULT_SEED, TEST_SIZE, split_features_target
from case_study.upstream_data import (
    RECODED_COLUMN,
    UPSTREAM_RECODING,
    SchemaCheck,
    schema_check,
    write_upstream_update,
)
from case_study.upstream_data import recode_german_credit as recode_german_credit

# The five split seeds of the leakage comparison, fixed in advance.
LEAKAGE_SEEDS: tuple[int, ...] = tuple(range(DEFAULT_SEED, DEFAULT_SEED + 5))
NOISE_FEATURES = 1000  # random columns with no relation to the label
SELECTED_FEATURES = 20




# --------------------------------------------------------------------------------------
# (a) A silent upstream update
# --------------------------------------------------------------------------------------


# The notebook's own decoding, typed in once and never compared with the documentation.
NOTEBOOK_RANKS: dict[str, dict[str, int]] = {
    "checking_status": {"A11": 1, "A12": 2, "A13": 3, "A14": 4},
    "savings": {"A61": 1, "A62": 2, "A63": 3, "A64": 4, "A65": 5},
    "employment_since": {"A71": 1, "A72": 2, "A73": 3, "A74": 4, "A75": 5},
}


def load_irreproducible(raw_dir: Path) -> pd.DataFrame:
    """Load the loan data the way the team's notebook did: no hash, its own decoding.

    Parameters: ``raw_dir`` the folder holding ``german.data`` — whatever is there today.
    Returns a DataFrame with the three "ordered" attributes as numbers, the other codes
    as they are, and ``risk`` = "good"/"bad".
    """
    # PITFALL: reads whatever file is at the path today; no manifest, no hash, no warning.
    frame = pd.read_csv(
        Path(raw_dir) / paths.GERMAN_CREDIT, sep=" ", header=None, names=list(codes.COLUMNS)
    )
    # PITFALL: a private copy of the code table, typed into the notebook: the code's number
    # is taken as a rank. Nobody checks it against the documentation or the data's version.
    for column, ranks in NOTEBOOK_RANKS.items():
        # PITFALL: an unknown code becomes NaN and is then filled in, silently.
        frame[column] = frame[column].map(ranks).fillna(0).astype("int64")
    frame[codes.TARGET] = frame.pop("class").map({1: "good", 2: "bad"})
    return frame


def _loan_model(numeric: list[str], categorical: list[str], seed: int) -> Pipeline:
    """One logistic regression for both loaders, so a score change is the data's doing."""
    return Pipeline(
        [
            (
                "preprocess",
                ColumnTransformer(
                    [
                        (
                            "categorical",
                            OneHotEncoder(handle_unknown="ignore", sparse_output=False),
                            categorical,
                        ),
                        ("numeric", StandardScaler(), numeric),
                    ]
                ),
            ),
            ("model", LogisticRegression(C=1.0, solver="liblinear", random_state=seed)),
        ]
    )


def train_and_score(frame: pd.DataFrame, seed: int = DEFAULT_SEED) -> float:
    """Fit the loan model on a stratified split of ``frame`` and return the test ROC AUC.

    Parameters: ``frame`` a loaded loan table (either loader's); ``seed`` split seed.
    Numeric columns are those stored as numbers; the rest are one-hot encoded inside the
    Pipeline. Returns the ROC AUC on the held-out quarter.
    """
    features, target = split_features_target(frame)
    numeric = sorted(c for c in features.columns if pd.api.types.is_numeric_dtype(features[c]))
    categorical = sorted(c for c in features.columns if c not in numeric)
    x_train, x_test, y_train, y_test = train_test_split(
        features, target, test_size=TEST_SIZE, stratify=target, random_state=seed
    )
    model = _loan_model(numeric, categorical, seed).fit(x_train, y_train)
    return roc_auc(y_test, model.predict_proba(x_test)[:, 1])


@dataclass(frozen=True)
class UpstreamUpdate:
    """What each loader made of the original file and of the silently updated one."""

    column: str
    recoding: dict[str, str]
    original_sha256: str
    updated_sha256: str
    irreproducible_auc_original: float
    irreproducible_auc_updated: float
    reproducible_auc_original: float
    reproducible_error: str  # the DataIntegrityError message on the updated file
    schema_check_updated: SchemaCheck

    @property
    def irreproducible_warnings(self) -> tuple[str, ...]:
        """What the notebook loader reported about the changed file: nothing, by construction.

        ``load_irreproducible`` has no hash, no manifest and no schema check, and logs
        nothing, so there is nothing for it to say (the tests check that it really raises no
        warning). Not captured at run time: ``warnings.catch_warnings`` is process-wide and
        would swallow other threads' warnings in a shared server.
        """
        return ()

    @property
    def irreproducible_change(self) -> float:
        """How far the irreproducible score moved, without a word."""
        return round(self.irreproducible_auc_updated - self.irreproducible_auc_original, 6)


def upstream_update(seed: int = DEFAULT_SEED) -> UpstreamUpdate:
    """Run (a) end to end in a temporary folder that is removed afterwards.

    Parameters: ``seed`` the split seed of both trainings (the same on both files, so any
    change in score comes from the data). Returns an :class:`UpstreamUpdate`.
    """
    original_bytes = data.read_verified_bytes(paths.GERMAN_CREDIT)
    with tempfile.TemporaryDirectory(prefix="upstream-update-") as folder:
        updated_path = write_upstream_update(Path(folder))
        auc_original = train_and_score(load_irreproducible(paths.RAW_DIR), seed)
        auc_updated = train_and_score(load_irreproducible(Path(folder)), seed)
        try:
            data.load_german_credit(raw_dir=Path(folder))
        except DataIntegrityError as error:
            refusal = str(error)
        else:  # pragma: no cover - the manifest would have to be wrong
            raise DataIntegrityError(
                "The re-coded copy passed the manifest check: expected a hash mismatch. "
                "Check data/manifest.json against data/raw/."
            )
        schema = schema_check(updated_path, paths.RAW_DIR / paths.GERMAN_CREDIT)
        updated_sha = sha256_bytes(updated_path.read_bytes())
    return UpstreamUpdate(
        column=RECODED_COLUMN,
        recoding=dict(UPSTREAM_RECODING),
        original_sha256=sha256_bytes(original_bytes),
        updated_sha256=updated_sha,
        irreproducible_auc_original=auc_original,
        irreproducible_auc_updated=auc_updated,
        reproducible_auc_original=train_and_score(data.load_german_credit(), seed),
        reproducible_error=refusal,
        schema_check_updated=schema,
    )


@lru_cache(maxsize=4)
def cached_upstream_update(seed: int = DEFAULT_SEED) -> UpstreamUpdate:
    """:func:`upstream_update`, cached per seed (a pure function of the seed and the files)."""
    return upstream_update(seed)


# --------------------------------------------------------------------------------------
# (b) Leakage: Wrong, then Right
# --------------------------------------------------------------------------------------


def _xy() -> tuple[np.ndarray, np.ndarray]:
    # One-hot from the documented code table: row by row, learns nothing (see stage 1).
    design = loan_design_matrix()
    return design.values, design.target


def _split(y: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rows = np.arange(len(y))
    return train_test_split(rows, test_size=TEST_SIZE, stratify=y, random_state=seed)


def _logistic(seed: int) -> LogisticRegression:
    return LogisticRegression(C=1.0, solver="liblinear", random_state=seed)


def with_noise(x: np.ndarray, seed: int, n_noise: int = NOISE_FEATURES) -> np.ndarray:
    """Append ``n_noise`` standard-normal columns (seeded) that carry no information."""
    return np.hstack([x, np.random.default_rng(seed).standard_normal((x.shape[0], n_noise))])


def selection_before_split(seed: int) -> float:
    """Wrong: choose the 20 "best" of the real + 1,000 noise columns on all rows, then split.

    Returns the test ROC AUC.
    """
    x, y = _xy()
    x = with_noise(x, seed)
    # PITFALL: the selector sees the test rows' labels, so noise that happens to match
    # them is kept.
    chosen = SelectKBest(f_classif, k=SELECTED_FEATURES).fit_transform(
        VarianceThreshold().fit_transform(x), y
    )
    train, test = _split(y, seed)
    model = Pipeline([("scale", StandardScaler()), ("model", _logistic(seed))]).fit(
        chosen[train], y[train]
    )
    return roc_auc(y[test], model.predict_proba(chosen[test])[:, 1])


def selection_inside_pipeline(seed: int) -> float:
    """Right: split first; the selector is a Pipeline step fitted on training rows only.

    Returns the test ROC AUC.
    """
    x, y = _xy()
    x = with_noise(x, seed)
    train, test = _split(y, seed)
    model = Pipeline(
        [
            ("drop_constant", VarianceThreshold()),
            ("select", SelectKBest(f_classif, k=SELECTED_FEATURES)),
            ("scale", StandardScaler()),
            ("model", _logistic(seed)),
        ]
    ).fit(x[train], y[train])
    return roc_auc(y[test], model.predict_proba(x[test])[:, 1])


def oversample_minority(rows: np.ndarray, y: np.ndarray, seed: int) -> np.ndarray:
    """Return ``rows`` plus copies of minority-class rows until both classes are equally common.

    The copies are drawn with a seeded generator.
    """
    minority = rows[y[rows] == 1]
    majority = rows[y[rows] == 0]
    extra = np.random.default_rng(seed).choice(
        minority, size=len(majority) - len(minority), replace=True
    )
    return np.concatenate([rows, extra])


def _forest(seed: int) -> RandomForestClassifier:
    return RandomForestClassifier(n_estimators=25, random_state=seed, n_jobs=1)


def oversampling_before_split(seed: int) -> float:
    """Wrong: copy bad-risk rows until the classes balance, then split.

    Returns the test ROC AUC.
    """
    x, y = _xy()
    # PITFALL: resampling before the split: copies of one applicant land in train and test,
    # and the forest recognises them instead of predicting.
    balanced = oversample_minority(np.arange(len(y)), y, seed)
    train, test = train_test_split(
        balanced, test_size=TEST_SIZE, stratify=y[balanced], random_state=seed
    )
    model = _forest(seed).fit(x[train], y[train])
    return roc_auc(y[test], model.predict_proba(x[test])[:, 1])


def oversampling_after_split(seed: int) -> float:
    """Right: split first, then copy bad-risk rows inside the training rows only.

    The test rows stay as they came. Returns the test ROC AUC.
    """
    x, y = _xy()
    train, test = _split(y, seed)
    balanced_train = oversample_minority(train, y, seed)
    model = _forest(seed).fit(x[balanced_train], y[balanced_train])
    return roc_auc(y[test], model.predict_proba(x[test])[:, 1])


def scaling_before_split(seed: int) -> float:
    """Wrong, a little: scale with the mean and spread of all rows, then split.

    Returns the test ROC AUC.
    """
    x, y = _xy()
    # PITFALL: the scaler's mean and standard deviation include the test rows. A leak,
    # but it moves only two numbers per column, so the score barely changes.
    scaled = StandardScaler().fit_transform(x)
    train, test = _split(y, seed)
    model = _logistic(seed).fit(scaled[train], y[train])
    return roc_auc(y[test], model.predict_proba(scaled[test])[:, 1])


def scaling_inside_pipeline(seed: int) -> float:
    """Right: the scaler is a Pipeline step fitted on training rows only.

    Returns the test ROC AUC.
    """
    x, y = _xy()
    train, test = _split(y, seed)
    model = Pipeline([("scale", StandardScaler()), ("model", _logistic(seed))]).fit(
        x[train], y[train]
    )
    return roc_auc(y[test], model.predict_proba(x[test])[:, 1])


@dataclass(frozen=True)
class Leak:
    """One leakage pattern: its name, its Kapoor & Narayanan type, Wrong and Right."""

    key: str
    title: str
    leakage_type: str
    leaky: object
    clean: object


LEAKS: tuple[Leak, ...] = (
    Leak(
        "selection",
        "feature selection before the split",
        "L1.3 feature selection on train and test",
        selection_before_split,
        selection_inside_pipeline,
    ),
    Leak(
        "oversampling",
        "oversampling before the split",
        "L1.4 duplicates in train and test",
        oversampling_before_split,
        oversampling_after_split,
    ),
    Leak(
        "scaling",
        "scaling before the split",
        "L1.2 pre-processing on train and test (small)",
        scaling_before_split,
        scaling_inside_pipeline,
    ),
)


@lru_cache(maxsize=8)
def leakage_over_seeds(seeds: tuple[int, ...] = LEAKAGE_SEEDS) -> pd.DataFrame:
    """Every leak, Wrong and Right, on every split seed.

    Parameters: ``seeds`` the split seeds (default: five fixed in advance).
    Returns one row per (leak, seed): ``leak``, ``title``, ``seed``, ``leaky_auc``,
    ``clean_auc``, ``difference``. Cached: a pure function of the seeds.
    """
    rows = []
    for leak in LEAKS:
        for seed in seeds:
            leaky, clean = leak.leaky(seed), leak.clean(seed)
            rows.append(
                {"leak": leak.key, "title": leak.title, "seed": seed, "leaky_auc": leaky,
                 "clean_auc": clean, "difference": round(leaky - clean, 6)}
            )
    return pd.DataFrame(rows)


def summarise_leakage(table: pd.DataFrame) -> pd.DataFrame:
    """Mean leaky and clean ROC AUC per leak, the mean difference and the leaky-higher count.

    The count is in how many seeds the leaky score was higher.
    Parameters: ``table`` from :func:`leakage_over_seeds`.
    """
    grouped = table.groupby("leak", sort=False)
    return pd.DataFrame(
        {
            "title": grouped["title"].first(),
            "seeds": grouped.size(),
            "mean_leaky_auc": grouped["leaky_auc"].mean().round(4),
            "mean_clean_auc": grouped["clean_auc"].mean().round(4),
            "mean_difference": grouped["difference"].mean().round(4),
            "leaky_higher_in": grouped["difference"].apply(lambda d: int((d > 0).sum())),
        }
    ).reset_index()


# Named by a predict-then-run check (no arguments, deterministic).


def selection_leak_gain() -> float:
    """Mean ROC AUC gained by selecting features before the split, over ``LEAKAGE_SEEDS``."""
    summary = summarise_leakage(leakage_over_seeds()).set_index("leak")
    return float(summary.loc["selection", "mean_difference"])


# --------------------------------------------------------------------------------------
# Headline
# --------------------------------------------------------------------------------------


def side_by_side() -> pd.DataFrame:
    """The stage's headline figures: the silent update and the three leaks, Wrong vs Right.

    Returns a DataFrame with columns ``figure``, ``irreproducible``, ``reproducible``
    (display strings).
    """
    update = cached_upstream_update()
    summary = summarise_leakage(leakage_over_seeds()).set_index("leak")
    figures = [
        "ROC AUC on the original file",
        "after the silent upstream update",
        "what the loader said",
        "schema check on the updated file",
    ]
    left = [
        f"{update.irreproducible_auc_original:.3f}",
        f"{update.irreproducible_auc_updated:.3f} ({update.irreproducible_change:+.3f})",
        "nothing: it has no check that could object",
        "passed" if update.schema_check_updated.passed else "failed",
    ]
    right = [
        f"{update.reproducible_auc_original:.3f}",
        "refused to load (DataIntegrityError)",
        f"expected SHA-256 {update.original_sha256[:12]}…, found {update.updated_sha256[:12]}…",
        f"{'passed' if update.schema_check_updated.passed else 'failed'}"
        " — the hash check is what caught it",
    ]
    for leak in LEAKS:
        row = summary.loc[leak.key]
        figures.append(f"{leak.title}: mean ROC AUC over {row['seeds']} seeds")
        left.append(
            f"{row['mean_leaky_auc']:.3f} (higher in {row['leaky_higher_in']} of {row['seeds']})"
        )
        right.append(f"{row['mean_clean_auc']:.3f}")
    return pd.DataFrame({"figure": figures, "irreproducible": left, "reproducible": right})

