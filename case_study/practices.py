"""The switchboard's practices: which reproducibility practices a training follows.

:class:`Practices` names each practice as a switch (all off by default); Stage 3's
``train_with_practices`` trains under them, and ``case_study.fresh_process`` passes them to
a worker in a fresh Python process by their keys.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields

from case_study.errors import UnknownPracticeError
from case_study.pins import VersionMismatch
from case_study.pipelines import TrainingRun


@dataclass(frozen=True)
class Practices:
    """Which reproducibility practices the training follows; every one defaults to off."""

    seed_split: bool = False
    seed_model: bool = False
    sorted_columns: bool = False
    explicit_params: bool = False
    pinned_versions_checked: bool = False

    @classmethod
    def keys_known(cls) -> tuple[str, ...]:
        """Every practice key, in switchboard order."""
        return tuple(f.name for f in fields(cls))

    @classmethod
    def from_keys(cls, keys: Iterable[str]) -> Practices:
        """Turn on exactly the practices named in ``keys``.

        Args:
            keys: practice keys, as an iterable or one comma-separated string.

        Returns:
            The practices with exactly those switches on.

        Raises:
            UnknownPracticeError: for a name it does not know.
        """
        if isinstance(keys, str):
            keys = keys.split(",")
        keys = [k.strip() for k in keys if k and k.strip()]
        unknown = sorted(set(keys) - set(cls.keys_known()))
        if unknown:
            raise UnknownPracticeError(
                f"Unknown practice {', '.join(repr(k) for k in unknown)}. Expected keys from: "
                f"{', '.join(cls.keys_known())}. Use those names, separated by commas."
            )
        return cls(**{k: True for k in keys})

    def keys_on(self) -> tuple[str, ...]:
        """The keys of the practices switched on, in switchboard order."""
        return tuple(k for k in self.keys_known() if getattr(self, k))


PRACTICE_TEXT: dict[str, str] = {
    "seed_split": "Pass one explicit seed to the train/test split",
    "seed_model": "Pass the same seed to the random forest",
    "sorted_columns": "Build the column lists in a fixed, sorted order (not from a set)",
    "explicit_params": "Write every hyperparameter down instead of relying on library defaults",
    "pinned_versions_checked": (
        "Check installed library versions against requirements.txt at run time"
    ),
}


@dataclass(frozen=True)
class SwitchboardRun:
    """A training run under a set of practices, with the result of the version check."""

    practices: Practices
    run: TrainingRun
    version_mismatches: tuple[VersionMismatch, ...] | None  # None: versions never checked

    @property
    def model_sha256(self) -> str:
        """The trained model's content hash."""
        return self.run.model_sha256

    @property
    def predictions_sha256(self) -> str:
        """The hash of its hold-out predictions."""
        return self.run.predictions_sha256

    @property
    def roc_auc(self) -> float:
        """Its hold-out ROC AUC."""
        return self.run.metrics["roc_auc"]
