"""Stage 0 — Why: reproduce a published claim from its own published data.

Papers with Code's README says that NeurIPS 2019 repositories with all five items of their
ML Code Completeness Checklist had a median of 196 GitHub stars. Their CSV is shipped in
``data/raw/``. The learner picks the filters and recomputes the figure: it comes back only
with the Python-only filter that the authors' notebook applied and the headline never
mentions. Every number here is computed from the verified CSV at run time; the one typed-in
number is the published claim itself, which is what we compare against.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

from case_study import data, paths
from case_study.errors import UnknownChecklistItemError

# The five items, in the order the checklist lists them (column names of the CSV).
CHECKLIST_ITEMS: tuple[str, ...] = (
    "dependencies",
    "training",
    "evaluation",
    "pretrained_model",
    "results",
)

ITEM_LABELS: dict[str, str] = {
    "dependencies": "specification of dependencies",
    "training": "training code",
    "evaluation": "evaluation code",
    "pretrained_model": "pre-trained models",
    "results": "README with results and the exact commands",
}

# The claim under test, as published in paperswithcode/releasing-research-code (cited in
# lessons as [pwc2020]). It is the claim, not a result: everything else is computed.
PUBLISHED_MEDIAN_STARS = 196

# The published figure is a whole number of stars; a recomputed median "reproduces" it when
# it lies within one star of it (a median of an even count can end in .5, and the README
# does not say how it rounded).
_REPRODUCED_WITHIN_STARS = 1.0



@dataclass(frozen=True)
class StarsSummary:
    """The recomputed claim for one choice of filters.

    ``n_considered`` repositories were left after the language filter; ``count`` of them have
    every required item. ``median_stars`` and ``mean_stars`` are None when none match.
    """

    python_only: bool
    required: tuple[str, ...]
    n_considered: int
    count: int
    median_stars: float | None
    mean_stars: float | None
    published_median: int = PUBLISHED_MEDIAN_STARS

    @property
    def share(self) -> float:
        """Fraction of the considered repositories that have every required item."""
        return self.count / self.n_considered if self.n_considered else 0.0

    @property
    def difference(self) -> float | None:
        """Recomputed median minus the published one (stars); None when nothing matched."""
        return None if self.median_stars is None else self.median_stars - self.published_median

    @property
    def reproduces_claim(self) -> bool:
        """True when the recomputed median is the published 196 to within one star."""
        return self.difference is not None and abs(self.difference) <= _REPRODUCED_WITHIN_STARS


@lru_cache(maxsize=4)
def _checklist(raw_dir: Path, manifest_path: Path) -> pd.DataFrame:
    # Verified against the manifest on first use; cached because the file is immutable.
    return data.load_code_checklist(raw_dir=raw_dir, manifest_path=manifest_path)


def _required_items(required: Iterable[str]) -> tuple[str, ...]:
    chosen = set(required)
    unknown = sorted(chosen - set(CHECKLIST_ITEMS))
    if unknown:
        raise UnknownChecklistItemError(
            f"Unknown checklist item(s) {unknown}: expected some of {list(CHECKLIST_ITEMS)}. "
            "Pick items by their column name in the CSV."
        )
    # Canonical order, so the same choice always gives the same (cacheable) summary.
    return tuple(item for item in CHECKLIST_ITEMS if item in chosen)


def summarise_stars(
    python_only: bool = True,
    required: Iterable[str] = CHECKLIST_ITEMS,
    raw_dir: Path = paths.RAW_DIR,
    manifest_path: Path = paths.DATA_MANIFEST,
) -> StarsSummary:
    """Recompute the claim with the learner's filters.

    Parameters: ``python_only`` keep only rows with ``python == 1`` (the authors' notebook
    does); ``required`` the checklist items a repository must have (any of
    ``CHECKLIST_ITEMS``; empty means no requirement); ``raw_dir``/``manifest_path`` where the
    verified CSV lives. Returns a :class:`StarsSummary` with the count, median and mean stars.
    Raises UnknownChecklistItemError for an item the CSV does not have.
    """
    items = _required_items(required)
    frame = _checklist(Path(raw_dir), Path(manifest_path))
    if python_only:
        frame = frame[frame["python"] == 1]
    matching = frame
    for item in items:
        matching = matching[matching[item] == 1]
    stars = [int(value) for value in matching["stars"]]
    return StarsSummary(
        python_only=bool(python_only),
        required=items,
        n_considered=len(frame),
        count=len(stars),
        median_stars=float(statistics.median(stars)) if stars else None,
        mean_stars=float(statistics.fmean(stars)) if stars else None,
    )


def all_filter_combinations() -> pd.DataFrame:
    """Every language filter × "all five required" vs each single item dropped.

    Returns one row per choice with ``python_only``, ``required``, ``count``,
    ``median_stars`` and ``reproduces_claim`` — the forking paths an analyst could take.
    """
    rows = []
    choices = [CHECKLIST_ITEMS] + [
        tuple(i for i in CHECKLIST_ITEMS if i != dropped) for dropped in CHECKLIST_ITEMS
    ]
    for python_only in (True, False):
        for required in choices:
            summary = summarise_stars(python_only, required)
            rows.append(
                {
                    "python_only": python_only,
                    "required": ", ".join(required),
                    "count": summary.count,
                    "median_stars": summary.median_stars,
                    "reproduces_claim": summary.reproduces_claim,
                }
            )
    return pd.DataFrame(rows)


def median_stars_python_only() -> float:
    """Median stars of Python repositories with all five items (the authors' recipe).

    A no-argument, deterministic computation in the shape a predict-then-run check names;
    no lesson check uses it (they ask for :func:`median_stars_all_languages`), but the UI's
    check-widget tests do, as a real computation to grade against.
    """
    return float(summarise_stars(python_only=True).median_stars)


def median_stars_all_languages() -> float:
    """Median stars of repositories with all five items, no language filter.

    For a predict-then-run check: what the headline gives without the undocumented step.
    """
    return float(summarise_stars(python_only=False).median_stars)


def _fmt(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def side_by_side() -> pd.DataFrame:
    """The stage's headline figures, recomputed with and without the undocumented filter.

    The claim recomputed without the filter the headline never mentions (irreproducible) and
    with the filter the authors' notebook applied (reproducible).

    Returns a DataFrame with columns ``figure``, ``irreproducible``, ``reproducible``;
    values are display strings (the columns mix counts, stars and yes/no).
    """
    without = summarise_stars(python_only=False)
    with_filter = summarise_stars(python_only=True)

    def column(summary: StarsSummary) -> list[str]:
        return [
            "Python repositories only" if summary.python_only else "every repository",
            f"{summary.n_considered}",
            f"{summary.count} ({summary.share:.0%})",
            _fmt(summary.median_stars),
            _fmt(summary.mean_stars),
            f"{summary.published_median}",
            "yes" if summary.reproduces_claim else "no",
        ]

    return pd.DataFrame(
        {
            "figure": [
                "language filter",
                "repositories considered",
                "with all five checklist items",
                "median stars (recomputed)",
                "mean stars (recomputed)",
                "median stars (published claim)",
                "published claim reproduced",
            ],
            "irreproducible": column(without),
            "reproducible": column(with_filter),
        }
    )
