"""The loan-approval case study: data, the irreproducible and reproducible pipelines of
every stage, manifests and monitoring. Plain Python; never imports Streamlit."""

__version__ = "0.2.0"
