"""The forking paths: the model variants as Pipelines."""

from __future__ import annotations

import pytest

from case_study import variants
from case_study.errors import CaseStudyError


def test_an_unknown_model_family_is_refused():
    """A typo in a variant's model names the families that exist."""
    with pytest.raises(CaseStudyError, match="logistic regression"):
        variants.build_pipeline(variants.Variant("all 20 attributes", "svm"), seed=1)
