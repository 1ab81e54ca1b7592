"""The notebooks' code exercises: what the learner writes, from which starter, graded how.

Each :class:`ExerciseSpec` names a starter (a function the learner edits: from
``starters.py``, or Stage 3's ``pipelines.train_irreproducible`` itself), the function name
the notebook gives it, the grader, general hints, and where the instructors' solution is.
In a notebook, ``exercise(key)`` returns the :class:`~case_study.notebooks.graders.Exercise`
whose ``check(fn)`` and ``hint()`` the learner calls.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable
from dataclasses import dataclass

from case_study import pipelines
from case_study.notebooks import fresh, graders, sources, starters

SOLUTIONS_MODULE = "case_study.notebooks.solutions"


@dataclass(frozen=True)
class ExerciseSpec:
    """One exercise as the notebook builder and the grader see it.

    ``solution`` is ``"module:function"``; the solution module may be absent (a take-home
    copy ships without it), so it is imported only when asked for.
    """

    key: str
    stage: int
    title: str
    prompt: str
    starter: Callable
    function_name: str
    grader: Callable
    hints: tuple[str, ...]
    solution: str
    fresh_process: bool = False

    def imports(self) -> str:
        """The exercise's import cell: what the starter (and the solution) read."""
        functions = [self.starter]
        if not self.solution.startswith(SOLUTIONS_MODULE):
            functions.append(solution_function(self))
        return sources.imports_for_functions(functions)

    def starter_source(self) -> str:
        """The starter as the learner sees it: renamed, its PITFALL comments removed."""
        text = sources.without_pitfall_comments(sources.function_source(self.starter))
        return sources.renamed(text, self.starter.__name__, self.function_name)

    def solution_source(self) -> str:
        """The solution's text, named as the exercise names it (instructors only)."""
        function = solution_function(self)
        return sources.renamed(
            sources.function_source(function), function.__name__, self.function_name
        )


def solution_function(spec: ExerciseSpec) -> Callable:
    """Import the solution of ``spec`` (raises ModuleNotFoundError in a take-home copy)."""
    module, _, name = spec.solution.partition(":")
    return getattr(importlib.import_module(module), name)


def _in_solutions(name: str) -> str:
    return f"{SOLUTIONS_MODULE}:{name}"


SPECS: tuple[ExerciseSpec, ...] = (
    ExerciseSpec(
        key="stage0.median_stars",
        stage=0,
        title="Reproduce the published median",
        prompt="Complete `median_stars(checklist)` so that it returns the median the README "
        "publishes for repositories with all five checklist items. `checklist` is the "
        "verified CSV, one row per repository.",
        starter=starters.median_stars,
        function_name="median_stars",
        grader=graders.grade_median_stars,
        hints=(
            "Print `checklist.columns`: which column is not a checklist item or the stars?",
            "The authors' notebook filtered the repositories before it counted anything.",
        ),
        solution=_in_solutions("median_stars"),
    ),
    ExerciseSpec(
        key="stage1.design_card",
        stage=1,
        title="Write the design card before modelling",
        prompt="Complete `design_card()` so that `check_plan` finds no gap, with a success "
        "threshold decided now. The grader names the first gap it finds.",
        starter=starters.design_card,
        function_name="design_card",
        grader=graders.grade_design_card,
        hints=(
            "Run `check_plan(design_card())` yourself: each gap names a field.",
            "The bank's errors do not cost the same: which metric weighs them as it does?",
            "Twenty variants compared on one test set make a selected number: lock rows away.",
        ),
        solution=_in_solutions("design_card"),
    ),
    ExerciseSpec(
        key="stage2.selection_score",
        stage=2,
        title="Move the selection step inside the pipeline",
        prompt="`selection_score(x, y, seed)` selects 20 features and scores a logistic "
        "regression on a held-out quarter. Make the selection learn from the training rows "
        "only. The grader scores your function on pure noise: an honest one scores about "
        "0.5 there.",
        starter=starters.selection_score,
        function_name="selection_score",
        grader=graders.grade_selection_score,
        hints=(
            "Which rows does `SelectKBest.fit_transform(x, y)` see?",
            "A scikit-learn Pipeline fits every step on the rows passed to its own `fit`.",
        ),
        solution=_in_solutions("selection_score"),
    ),
    ExerciseSpec(
        key="stage3.feature_columns",
        stage=3,
        title="A column order that never depends on the process",
        prompt="`feature_columns()` returns the categorical and the numeric columns. The "
        "grader calls it in two fresh Python processes with `PYTHONHASHSEED` 1 and 2: "
        "both must return the same lists, in the same order.",
        starter=starters.feature_columns,
        function_name="feature_columns",
        grader=fresh.grade_feature_columns,
        hints=(
            "Call it here twice: same order. Why might another process differ?",
            "A set has no order of its own; its iteration order follows the hashes.",
        ),
        solution=_in_solutions("feature_columns"),
        fresh_process=True,
    ),
    ExerciseSpec(
        key="stage3.training",
        stage=3,
        title="Make this training function reproducible",
        prompt="`train_loan_model(frame)` is the team's training code. Change it so that two "
        "fresh Python processes, with `PYTHONHASHSEED` 1 and 2, train the same model and "
        "make the same predictions, byte for byte. It must still return what it returns now.",
        starter=pipelines.train_irreproducible,
        function_name="train_loan_model",
        grader=fresh.grade_training,
        hints=(
            "List every place where this function draws random numbers.",
            "Seeding everything is not enough if the column order changes between processes.",
            "Write down every hyperparameter, too: defaults change between library versions.",
        ),
        solution="case_study.pipelines:train_reproducible",
        fresh_process=True,
    ),
    ExerciseSpec(
        key="stage4.hand_over",
        stage=4,
        title="Hand over a model a newcomer can rebuild",
        prompt="`hand_over(folder)` trains the loan model and leaves in `folder` what the next "
        "person gets. The grader rebuilds the model from what you leave and compares every "
        "field.",
        starter=starters.hand_over,
        function_name="hand_over",
        grader=graders.grade_hand_over,
        hints=(
            "What could a newcomer answer about the pickle alone? See the table above.",
            "A rebuild needs the data hash, the code version, the parameters and the seed.",
        ),
        solution=_in_solutions("hand_over"),
    ),
    ExerciseSpec(
        key="stage5.credit_amount_psi",
        stage=5,
        title="Compare a month with the baseline",
        prompt="`credit_amount_psi(train_values, batch_values)` returns the Population "
        "Stability Index of a month's credit amounts against the training amounts, in ten "
        "bins. The grader tries a month with no shift and two shifted months.",
        starter=starters.credit_amount_psi,
        function_name="credit_amount_psi",
        grader=graders.grade_credit_amount_psi,
        hints=(
            "PSI = Σ (actual − expected) · ln(actual / expected), over shares per bin.",
            "The baseline is recorded at training time: its bins too.",
        ),
        solution=_in_solutions("credit_amount_psi"),
    ),
)

BY_KEY = {spec.key: spec for spec in SPECS}


def specs_for_stage(stage: int) -> tuple[ExerciseSpec, ...]:
    """The exercises of ``stage``, in notebook order."""
    return tuple(spec for spec in SPECS if spec.stage == stage)


def exercise(key: str) -> graders.Exercise:
    """The checkable exercise ``key`` (what a notebook's setup cell calls).

    Args:
        key: an exercise key, e.g. ``"stage3.training"``.

    Returns:
        An Exercise whose ``check(fn)`` grades the learner's function and whose ``hint()``
        gives the next hint.

    Raises:
        KeyError: for an unknown key (naming the known ones).
    """
    try:
        spec = BY_KEY[key]
    except KeyError:
        raise KeyError(f"unknown exercise {key!r}; expected one of {sorted(BY_KEY)}") from None
    grader = spec.grader
    if spec.fresh_process:
        grader = functools.partial(grader, imports=spec.imports())
    return graders.Exercise(
        key=spec.key,
        stage=spec.stage,
        title=spec.title,
        function_name=spec.function_name,
        grader=grader,
        hints=spec.hints,
    )
