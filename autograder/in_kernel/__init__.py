"""Code that runs inside a student's kernel, sent there as files, never imported back:
``submit`` (the export cell's tool, copied beside the notebook), ``runtime`` (the checks pasted
into otter's test files, which ``grader.check`` runs) and ``grade`` (the judge's side of a
graded run, sent into the judge's kernel as source). Each imports nothing of the project."""
