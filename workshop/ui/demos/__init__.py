"""One module per stage id, each with ``render() -> None``.

Modules ``why``, ``design``, ``data``, ``model``, ``legacy`` and ``deployment`` each draw the
stage's irreproducible and reproducible demo side by side. The stage page calls ``render``
between the lesson and the checks.
"""
