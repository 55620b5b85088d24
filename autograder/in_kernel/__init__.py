"""Code that runs where a student's code runs: in the judge's kernel, in otter's test files, or
beside the notebook. It reaches those places as files, never as an import there.

- ``submit``: the export cell's tool, copied beside the notebook; it imports nothing of the project.
- ``plain`` (the plain-data codec), ``answer`` (calling a function on a case) and ``compare`` (the
  comparisons): the judge and the build import these too, so that a case is called and compared
  by one piece of code wherever it runs.
- ``runtime`` (the check otter's test files run for ``grader.check``) and ``grade`` (the kernel's
  side of a graded run): they run only in the kernel.

``judge/shipped.py`` puts them together as source, dropping the imports between them. Nothing
here imports the judge, the grading or the generator (``tests/test_house.py``).
"""
