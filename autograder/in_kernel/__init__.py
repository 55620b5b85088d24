"""Code that runs inside a student's kernel, sent there as files, never imported there:
``submit`` (the export cell's tool, copied beside the notebook), ``runtime`` (the check otter's
test files run for ``grader.check``) and ``grade`` (the judge's side of a graded run).
``submit`` imports nothing of the project. The other two name the judge's files that travel
with them (``judge/plain.py``, ``answer.py``, ``compare.py``: ``judge/shipped.py`` sends those
ahead and drops the imports on the way); the judge imports nothing from here."""
