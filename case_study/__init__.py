"""The loan-approval case study: plain Python, never imports Streamlit or the workshop.

Modules by concept (each stage module tells its Wrong/Right story on top of them, every
irreproducible line marked ``# PITFALL:``):

- data and code: ``paths``, ``settings`` (the environment variables), ``errors`` (the one
  exception family), ``codes``, ``data``, ``hashing``, ``pipelines``;
- design: ``design_matrix`` (encoding, locked-holdout splits), ``variants`` (the forking
  paths), ``design_card`` (the plan and its gaps), ``prevalence`` (the sample's 30% vs the
  documented 5%), ``optimism`` (the gap over split seeds: means with 95% t intervals);
- data collection: ``upstream_data`` (a simulated upstream update, and the schema check
  that misses it), ``leakage_types`` (group leakage and an illegitimate feature, on derived
  variants of the loan data);
- model development: ``runs``, ``practices``, ``pins``, ``shopping`` (seed shopping),
  ``model_comparison`` (two models over 30 split seeds: the paired difference with a paired
  t and a corrected resampled t interval from ``intervals``), ``fresh_process``;
- legacy: ``run_manifest`` (record, read, validate, write, diff), ``rebuild`` (retrain from a
  manifest, check a saved model), ``model_card`` (its headline metrics with ``intervals``:
  Wilson score intervals that hold at small n), ``nondeterminism`` (the same numbers in fresh
  processes with another BLAS thread count or summation order; ``numerics_worker`` is the
  process);
- deployment: ``drift`` (baseline profile, PSI, KS), ``monitoring`` (policy, monthly
  records, the log), ``false_alarms``;
- the stages: ``stage0_why`` … ``stage5_deployment`` (``stage3_worker`` runs one training
  in a fresh process); ``cli`` is ``python -m case_study`` and the ``case-study`` script.
"""

__version__ = "0.2.0"
