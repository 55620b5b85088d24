"""Grading, split by where the code runs:

- ``in_kernel/``: inside a student's kernel, sent as files (the export tool, the checks of
  otter's test files, the judge's side of a graded run);
- ``judge/``: one submission to one verdict, on Gradescope and locally;
- ``cases.py``, ``cell_code.py``, ``files.py``, ``mathml.py``: what an assignment's cases are
  made of, the one reader of a cell's Python, atomic writes, formulas as MathML;
- ``gradescope/``: Gradescope's entry point, its results, and its scripts as template files;
- ``sandbox/`` and ``grading/``: local only, the bubblewrap sandbox with its warm kernels, and
  batch grading into a gradebook and a report.
"""
