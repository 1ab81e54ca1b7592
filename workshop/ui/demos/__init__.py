"""One module per stage id (``why``, ``design``, ``data``, ``model``, ``legacy``,
``deployment``), each with ``render() -> None`` that draws the stage's irreproducible and
reproducible demo side by side. The stage page calls it between the lesson and the checks."""
