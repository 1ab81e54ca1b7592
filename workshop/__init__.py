"""The workshop engine: lessons, checks, grading and learner progress.

Importable without Streamlit, except ``workshop.ui``.
"""

__version__ = "0.2.0"
