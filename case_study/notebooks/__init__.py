"""Take it home: one Jupyter notebook per stage, with exercises checked by graders.

- ``build`` writes the notebooks (``write_notebooks``, ``notebook_bytes``) from the case
  study's own source: ``content`` (each stage's Wrong and Right code and a short run),
  ``sources`` (cutting functions and constants, rebuilding their imports);
- ``exercises`` defines the exercises (starter, grader, hints, where the solution is);
  ``starters`` holds their starter code;
- ``graders`` (in-process, learntools-style ``check()``/``hint()``) and ``fresh`` (Stage 3:
  the learner's function in two fresh processes with different ``PYTHONHASHSEED``) grade
  them on the learner's own machine;
- ``solutions`` holds the instructors' solutions; the take-home archive leaves it out.
"""
