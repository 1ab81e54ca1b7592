"""Graders for the notebooks' exercises, in the spirit of Kaggle's learntools.

An :class:`Exercise` checks a learner's function: ``check(answer)`` prints "Correct" or
"Not yet" with what was measured and a hint, ``hint()`` prints the next general hint.
Neither ever raises for a wrong answer (an unsolved notebook runs to the end) and neither
ever prints a solution: a grader says what it measured and where to look, never the code.
Every grader runs the learner's code here, in the learner's own kernel, or (Stage 3) in
fresh Python processes on the learner's own machine: never on a room's server.

The in-process graders (Stages 0, 1, 2, 4, 5) are here; Stage 3's, which start fresh
processes, are in :mod:`case_study.notebooks.fresh`.
"""

from __future__ import annotations

import math
import tempfile
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

PASS_MARK = "Correct"
FAIL_MARK = "Not yet"


@dataclass(frozen=True)
class Outcome:
    """What a grader found: passed or not, what it measured, and where to look next."""

    passed: bool
    message: str
    hint: str = ""

    def text(self) -> str:
        """The lines ``check()`` prints."""
        head = f"{PASS_MARK}: {self.message}" if self.passed else f"{FAIL_MARK}: {self.message}"
        return head + (f"\nHint: {self.hint}" if self.hint and not self.passed else "")


def _fail(message: str, hint: str = "") -> Outcome:
    return Outcome(False, message, hint)


@dataclass
class Exercise:
    """One exercise: which function the learner writes and how it is graded.

    ``grader`` takes the learner's function and returns an :class:`Outcome`; ``hints``
    are general hints, given one at a time by :meth:`hint`, most general first.
    """

    key: str
    stage: int
    title: str
    function_name: str
    grader: Callable[[Callable], Outcome]
    hints: tuple[str, ...]
    _hints_given: int = field(default=0, repr=False)

    def grade(self, answer: object) -> Outcome:
        """Grade ``answer`` without printing; a crash in the learner's code is an Outcome."""
        if not callable(answer):
            return _fail(
                f"expected the function {self.function_name}, got {type(answer).__name__}.",
                f"pass the function itself: check({self.function_name}), without calling it.",
            )
        try:
            return self.grader(answer)
        except Exception as error:  # the learner's code failed: say so, never raise
            return _fail(
                f"{self.function_name} raised {type(error).__name__}: {error}",
                "run it in a cell of its own to see the traceback.",
            )

    def check(self, answer: object) -> None:
        """Grade ``answer`` and print the verdict (never raises for a wrong answer)."""
        print(self.grade(answer).text())

    def hint(self) -> None:
        """Print the next general hint (the last one again once all were given)."""
        if not self.hints:
            print("No hint for this exercise: read the stage's reproducible code above.")
            return
        index = min(self._hints_given, len(self.hints) - 1)
        self._hints_given += 1
        print(f"Hint {index + 1} of {len(self.hints)}: {self.hints[index]}")


# --------------------------------------------------------------------------- Stage 0


def grade_median_stars(answer: Callable) -> Outcome:
    """Stage 0: the learner's median must be the published claim, recomputed."""
    from case_study import data
    from case_study.stage0_why import CHECKLIST_ITEMS, summarise_stars

    claim = summarise_stars(python_only=True)
    every_language = summarise_stars(python_only=False)
    value = answer(data.load_code_checklist())
    if not isinstance(value, int | float) or isinstance(value, bool):
        return _fail(
            f"expected a number of stars, got {type(value).__name__}.",
            "return the median itself, as a number.",
        )
    value = float(value)
    if math.isclose(value, claim.median_stars):
        return Outcome(True, f"{value:g} stars: the published {claim.published_median} reproduced.")
    if math.isclose(value, every_language.median_stars):
        return _fail(
            f"{value:g} stars, not {claim.published_median}: this is the median over every "
            "repository with all five items.",
            "the authors' notebook kept only some of the repositories before counting; "
            "look at the CSV's columns other than the five items.",
        )
    fewer = [summarise_stars(True, [i for i in CHECKLIST_ITEMS if i != d]) for d in CHECKLIST_ITEMS]
    if any(math.isclose(value, s.median_stars) for s in fewer if s.median_stars is not None):
        return _fail(
            f"{value:g} stars: the claim is about repositories with all five items.",
            "require every one of the five checklist items.",
        )
    return _fail(
        f"{value:g} stars, not the published {claim.published_median}.",
        "start from the rows with all five items, then ask which rows the authors kept.",
    )


# --------------------------------------------------------------------------- Stage 1


def grade_design_card(answer: Callable) -> Outcome:
    """Stage 1: the learner's design card must have no gap and a threshold that is a bar."""
    from case_study.design_card import DesignCard, check_plan
    from case_study.design_matrix import loan_design_matrix
    from case_study.stage1_design import baseline_expected_cost

    card = answer()
    if not isinstance(card, DesignCard):
        return _fail(
            f"expected a DesignCard, got {type(card).__name__}.",
            "return the card the starter builds, completed.",
        )
    gaps = check_plan(card)
    if gaps:
        first = gaps[0]
        return _fail(
            f"check_plan finds {len(gaps)} gap(s) in your card; the first is {first.field}.",
            f"{first.field}: {first.problem}.",
        )
    baseline = baseline_expected_cost(loan_design_matrix().target)
    if not 0 < card.success_threshold < baseline:
        return _fail(
            f"your success threshold {card.success_threshold:g} is no bar: the constant "
            f"policy already costs {baseline:g} per applicant.",
            "a success threshold on expected cost must lie below what the cheaper constant "
            "policy costs, or any model passes.",
        )
    return Outcome(True, "no gap, and a success threshold decided before modelling.")


# --------------------------------------------------------------------------- Stage 2

NOISE_COLUMNS = 1000
NOISE_SEED = 0
LEAK_SEEDS = (42, 43, 44)
CHANCE_LIMIT = 0.6  # a mean test ROC AUC on pure noise above this means a leak
# On the real attributes + noise an honest 20-feature pipeline scores 0.71; the same model
# without the selection step 0.65.
REAL_MODEL_FLOOR = 0.68


def _mean_score(answer: Callable, x: np.ndarray, y: np.ndarray) -> float:
    # One-hot columns constant in a training fold make f_classif warn: noise, not news.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=UserWarning)
        warnings.simplefilter("ignore", category=RuntimeWarning)
        scores = [float(answer(x.copy(), y.copy(), seed)) for seed in LEAK_SEEDS]
    return float(np.mean(scores))


def grade_selection_score(answer: Callable) -> Outcome:
    """Stage 2: on pure noise an honest selection scores at chance; a leaky one does not."""
    from case_study.design_matrix import loan_design_matrix
    from case_study.stage2_data import with_noise

    design = loan_design_matrix()
    y = design.target
    noise = np.random.default_rng(NOISE_SEED).standard_normal((len(y), NOISE_COLUMNS))
    on_noise = _mean_score(answer, noise, y)
    if on_noise > CHANCE_LIMIT:
        return _fail(
            f"on {NOISE_COLUMNS} columns of pure noise your function scores a mean test ROC AUC "
            f"of {on_noise:.3f} over {len(LEAK_SEEDS)} seeds; noise can only score about 0.5.",
            "something is fitted on rows that are later used for testing: which step sees "
            "the test rows' labels before the split?",
        )
    on_real = _mean_score(answer, with_noise(design.values, NOISE_SEED), y)
    if on_real < REAL_MODEL_FLOOR:
        return _fail(
            f"no leak on noise ({on_noise:.3f}), but on the real attributes your function "
            f"scores only {on_real:.3f}.",
            "keep the 20-feature selection and the model: the exercise moves a step, it does "
            "not remove it.",
        )
    return Outcome(
        True,
        f"on pure noise {on_noise:.3f} (chance), on the real attributes {on_real:.3f}: "
        "the selection sees training rows only.",
    )


# --------------------------------------------------------------------------- Stage 4


def grade_hand_over(answer: Callable) -> Outcome:
    """Stage 4: rebuild the model from what the learner leaves in a folder, field by field."""
    from case_study import rebuild, run_manifest
    from case_study.errors import CaseStudyError

    with tempfile.TemporaryDirectory(prefix="hand-over-") as folder:
        answer(Path(folder))
        left = sorted(p.name for p in Path(folder).iterdir())
        manifest_path = Path(folder) / run_manifest.MANIFEST_NAME
        if not manifest_path.is_file():
            return _fail(
                f"your folder holds {left or 'nothing'}: a newcomer cannot tell which data, "
                "code, parameters or seed made it, so nothing can be rebuilt.",
                "leave a run manifest beside the model (the reproducible code above writes one).",
            )
        model_path = Path(folder) / run_manifest.MODEL_NAME
        try:
            manifest = run_manifest.load_manifest(manifest_path)
            verification = rebuild.verify_run(
                manifest, model_path if model_path.is_file() else None
            )
        except CaseStudyError as error:
            return _fail(
                f"the manifest cannot be rebuilt from: {error}",
                "write it with the case study's own function rather than by hand.",
            )
    diffs = verification.fields
    bad = run_manifest.mismatches(diffs)
    model_bad = run_manifest.mismatches(verification.model_file)
    if bad:
        return _fail(
            f"rebuilt from your manifest, {len(bad)} of {len(diffs)} fields differ "
            f"({', '.join(d.field for d in bad[:4])}).",
            "a run can be rebuilt only if nothing in it is drawn afresh: which pipeline did "
            "you record?",
        )
    if model_bad:
        return _fail(
            "the model file beside the manifest is not the model the manifest describes.",
            "save the model and its manifest together, from the same run.",
        )
    return Outcome(True, f"rebuilt from your manifest, all {len(diffs)} fields match.")


# --------------------------------------------------------------------------- Stage 5

SHIFT_FACTOR = 1.6  # the "large loans" month: every amount 60% higher
PSI_SAMPLE = 400
SHIFTS = {
    "larger loans": f"every amount {SHIFT_FACTOR:g} times larger",
    "no small loans": "none below the training amounts' 30th percentile",
}


def _psi_batches(train: np.ndarray) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(NOISE_SEED)
    unshifted = rng.choice(train, size=PSI_SAMPLE, replace=True)
    return {
        "unshifted": unshifted,
        "larger loans": unshifted * SHIFT_FACTOR,
        "no small loans": unshifted[unshifted > np.quantile(train, 0.3)],
    }


def _reference_psi(train: np.ndarray, batch: np.ndarray) -> float:
    from case_study.drift import FeatureProfile, psi, quantile_edges

    edges = quantile_edges(train)
    blank = FeatureProfile("x", "numeric", (0.0,) * (len(edges) + 1), edges=edges)
    return psi(blank.shares_of(train), blank.shares_of(batch))


def grade_credit_amount_psi(answer: Callable) -> Outcome:
    """Stage 5: the learner's PSI must stay near 0 without a shift and be large with one."""
    from case_study.data import load_german_credit
    from case_study.pipelines import reproducible_run

    frame = load_german_credit()
    run = reproducible_run()
    train = frame.drop(index=run.test_index)["credit_amount"].to_numpy(dtype=float)
    batches = _psi_batches(train)
    got = {name: float(answer(train.copy(), batch.copy())) for name, batch in batches.items()}
    want = {name: _reference_psi(train, batch) for name, batch in batches.items()}
    if not all(math.isfinite(v) for v in got.values()):
        bad = next(k for k, v in got.items() if not math.isfinite(v))
        return _fail(
            f"on a month where some bins hold no applicant ({bad}), your PSI is {got[bad]}.",
            "a bin with no applicants makes ln(actual / expected) infinite: replace an empty "
            "share by a tiny one before comparing.",
        )
    if got["unshifted"] > 0.1:
        return _fail(
            f"on a month drawn from the training amounts themselves your PSI is "
            f"{got['unshifted']:.3f}; with no shift it should be near 0.",
            "compare shares of applicants per bin (each side summing to 1), not counts.",
        )
    for name in ("larger loans", "no small loans"):
        if got[name] < 0.5 * want[name]:
            return _fail(
                f"on a month with {name} ({SHIFTS[name]}) your PSI is only {got[name]:.3f}; "
                f"the shift is large (the case study's PSI: {want[name]:.3f}).",
                "bins cut from the new month itself hold about a tenth of it each, whatever "
                "the month looks like: which values should define the bins?",
            )
    return Outcome(
        True,
        f"no shift: {got['unshifted']:.3f}; larger loans: {got['larger loans']:.3f}; no small "
        f"loans: {got['no small loans']:.3f} (the case study's own PSI: "
        f"{want['unshifted']:.3f}, {want['larger loans']:.3f}, {want['no small loans']:.3f}).",
    )
